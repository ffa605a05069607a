"""Persistence: pickle, joblib and the safe format of :func:`sk_rnn.save` / :func:`sk_rnn.load`.

Every fitted estimator must come back from each route predicting exactly as before, with
the same parameters and ready to be refitted; the safe format must refuse anything that
could run code, and models saved on CUDA must load on a CPU-only machine (simulated here
by tagging every storage as ``cuda:0`` while it is written).
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import pickle
import warnings
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
from _helpers import (
    assert_outputs_match,
    assert_same,
    encode_outputs,
    tiny_reversal_pairs,
    tiny_texts,
)
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning
from sktime.datasets import load_airline

import sk_rnn
from sk_rnn import (
    RNNClassifier,
    RNNForecaster,
    RNNRegressor,
    Seq2SeqTranslator,
    TextGenerator,
    TextVectorizer,
)
from sk_rnn.persistence import FORMAT_VERSION

TINY = dict(hidden_size=4, max_epochs=2, device="cpu", random_state=0)
WORDS = ["one", "two", "three", "four"]


def _texts(n=24, seed=0):
    return tiny_texts(n, seed)


def _ragged(n=24, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(2, 7), 2)) for _ in range(n)]
    return X, np.array([int(x[:, 0].mean() > 0) for x in X])


def _pairs(n=24, seed=0):
    return tiny_reversal_pairs(WORDS, n, seed)


CORPUS = "the cat sat on the mat. the dog sat on the log.\n" * 6


# Each case: a function that fits the estimator, the data it was fitted on (for the
# refit) and a function that returns everything it predicts.
def _classifier_text():
    X, y = _texts()
    est = RNNClassifier(embedding_dim=4, early_stopping=True, **TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X), e.predict_proba(X), e.score(X, y))


def _classifier_numeric():
    X, y = _ragged()
    est = RNNClassifier(cell_type="gru", pooling="attention", **TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X), e.predict_proba(X))


def _regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(24, 5))
    y = np.c_[X.sum(axis=1), X[:, 0]]
    est = RNNRegressor(**TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X), e.score(X, y))


def _translator():
    X, y = _pairs()
    est = Seq2SeqTranslator(embedding_dim=4, **TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X[:6]), e.predict(X[:6], beam_size=2),
                                   e.translate(X[0]), e.score(X[:6], y[:6]))


def _forecaster():
    y = load_airline()[:48]
    est = RNNForecaster(window_length=6, n_sample_paths=10, **TINY).fit(y, fh=[1, 2, 3])
    # fh as in fit: sktime stores a new fh passed to predict in the forecaster
    return est, (y,), lambda e: (e.predict(), e.predict_interval(coverage=0.8),
                                 e.predict_quantiles(alpha=[0.1, 0.9]))


def _generator():
    est = TextGenerator(embedding_dim=4, sequence_length=8, batch_size=4, **TINY).fit(CORPUS)
    return est, (CORPUS,), lambda e: (
        e.generate("the", 30, random_state=0), e.generate(max_length=10, top_k=3, random_state=1),
        e.score(CORPUS[:60]), e.perplexity(CORPUS[:60]))


def _vectorizer():
    X, _ = _texts()
    est = TextVectorizer(max_features=5).fit(X)
    return est, (X,), lambda e: ([ids.tolist() for ids in e.transform(X)],
                                 e.get_feature_names_out().tolist(), e.decode(e.transform(X)))


CASES = {
    "classifier-text": _classifier_text,
    "classifier-numeric": _classifier_numeric,
    "regressor": _regressor,
    "translator": _translator,
    "forecaster": _forecaster,
    "generator": _generator,
    "vectorizer": _vectorizer,
}


@pytest.fixture(scope="module")
def fitted():
    """Every case, fitted once (tiny models)."""
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {name: make() for name, make in CASES.items()}


def _via_pickle(est, tmp_path):
    return pickle.loads(pickle.dumps(est))


def _via_joblib(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    return joblib.load(path)


def _via_safe_format(est, tmp_path):
    path = tmp_path / "model.skrnn"
    sk_rnn.save(est, path)
    return sk_rnn.load(path)


ROUTES = {"pickle": _via_pickle, "joblib": _via_joblib, "safe": _via_safe_format}


def _assert_params_equal(a, b):
    pa, pb = a.get_params(deep=False), b.get_params(deep=False)
    assert pa.keys() == pb.keys()
    for key in pa:
        assert repr(pa[key]) == repr(pb[key]), key


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", CASES)
def test_round_trip_predicts_identically(fitted, case, route, tmp_path):
    est, _, outputs = fitted[case]
    expected = outputs(est)
    loaded = ROUTES[route](est, tmp_path)
    assert type(loaded) is type(est)
    assert_same(outputs(loaded), expected)
    _assert_params_equal(loaded, est)
    # the loaded copy is independent: predicting again on the original gives the same
    assert_same(outputs(est), expected)


@pytest.mark.parametrize("case", CASES)
def test_safe_format_restores_the_fitted_state(fitted, case, tmp_path):
    est, _, _ = fitted[case]
    loaded = _via_safe_format(est, tmp_path)
    assert sorted(vars(loaded)) == sorted(vars(est))
    if case == "vectorizer":
        assert loaded.vocabulary_ == est.vocabulary_
        return
    assert loaded.history_ is loaded.net_.history  # one history, as after fit
    assert loaded.history_[:, "train_loss"] == est.history_[:, "train_loss"]
    assert loaded.n_iter_ == est.n_iter_
    assert loaded.net_.initialized_ and str(loaded.net_.device) == "cpu"
    saved, restored = est.net_.module_.state_dict(), loaded.net_.module_.state_dict()
    assert saved.keys() == restored.keys()
    for key in saved:
        assert torch.equal(saved[key], restored[key]), key
    assert type(loaded.net_.optimizer_) is type(est.net_.optimizer_)
    opt_a = est.net_.optimizer_.state_dict()["state"]
    opt_b = loaded.net_.optimizer_.state_dict()["state"]
    assert opt_a.keys() == opt_b.keys()
    for index in opt_a:
        for name, value in opt_a[index].items():
            assert torch.equal(value, opt_b[index][name])


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", CASES)
def test_loaded_estimator_can_be_refitted(fitted, case, route, tmp_path):
    est, data, outputs = fitted[case]
    loaded = ROUTES[route](est, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case == "forecaster":
            loaded.fit(*data, fh=[1, 2, 3])
        else:
            loaded.fit(*data)
    # same data, same random_state: the refitted copy is the original model again
    assert_same(outputs(loaded), outputs(est))


SAVED_V1 = Path(__file__).parent / "data" / "saved_v1"


@pytest.mark.parametrize("case", CASES)
def test_loads_files_of_format_v1(fitted, case):
    """Files written by the sk_rnn that introduced format 1 (``tests/data/make_saved_v1.py``)
    still load, and predict exactly what they predicted when they were saved."""
    expected = json.loads((SAVED_V1 / "expected.json").read_text())[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = sk_rnn.load(SAVED_V1 / f"{case}.skrnn")
        _, _, outputs = fitted[case]  # only its prediction recipe is used
        predictions = outputs(est)
    assert_outputs_match(encode_outputs(predictions), expected)


def test_loading_does_not_touch_the_global_torch_random_state(fitted, tmp_path):
    path = tmp_path / "model.skrnn"
    sk_rnn.save(fitted["classifier-text"][0], path)
    state = torch.random.get_rng_state()
    sk_rnn.load(path)
    assert torch.equal(state, torch.random.get_rng_state())


def test_file_layout(fitted, tmp_path):
    path = tmp_path / "model.skrnn"
    sk_rnn.save(fitted["classifier-text"][0], path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["estimator.json", "tensors.pt"]
        document = json.loads(archive.read("estimator.json"))
        tensors = torch.load(io.BytesIO(archive.read("tensors.pt")), weights_only=True)
    assert document["format"] == "sk_rnn.persistence"
    assert document["format_version"] == FORMAT_VERSION
    assert document["sk_rnn_version"] == sk_rnn.__version__
    root = document["estimator"]
    assert root["class"] == "sk_rnn.classification.RNNClassifier"
    state = root["state"]["value"]
    assert state["hidden_size"] == 4 and state["cell_type"] == "lstm"
    assert state["net_"]["module"]["class"] == "sk_rnn.nn.encoder.SequenceModel"
    assert all(isinstance(t, torch.Tensor) for t in tensors.values())


def test_modules_record_their_constructor_arguments():
    from sk_rnn.nn import SequenceModel
    from sk_rnn.nn.language_model import LanguageModel

    lm = LanguageModel(7, 3, "gru", 4, 1, 0.0)
    assert lm.init_kwargs == dict(vocab_size=7, embedding_dim=3, cell_type="gru",
                                  hidden_size=4, num_layers=1, dropout=0.0,
                                  softmax="full", cutoffs=None, div_value=4.0)
    weights = np.ones((7, 3), dtype=np.float32)
    model = SequenceModel(n_outputs=2, dropout=0.0, cell_type="lstm", hidden_size=4,
                          num_layers=1, bidirectional=False, pooling="last", vocab_size=7,
                          embedding_dim=3, embedding_weights=weights)
    # the initial embedding is not kept twice: the state_dict holds the weights
    assert model.init_kwargs["embedding_weights"] is None
    rebuilt = SequenceModel(**model.init_kwargs)
    rebuilt.load_state_dict(model.state_dict())


def test_pretrained_embeddings_round_trip(tmp_path):
    X, y = _texts()
    vectors = {"great": np.ones(3), "awful": -np.ones(3)}
    est = RNNClassifier(embeddings=vectors, freeze_embeddings=True, **TINY).fit(X, y)
    loaded = _via_safe_format(est, tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    assert not loaded.net_.module_.encoder.embedding.weight.requires_grad


# -- what the safe format refuses to save ---------------------------------------------------
@pytest.mark.parametrize("make", [RNNClassifier, RNNForecaster, TextGenerator, TextVectorizer])
def test_saving_an_unfitted_estimator_raises(make, tmp_path):
    with pytest.raises(NotFittedError, match="not fitted"):
        sk_rnn.save(make(), tmp_path / "model.skrnn")
    assert not os.path.exists(tmp_path / "model.skrnn")


class _NoOp(Callback):
    """A user-defined callback (code, so it has no place in the safe format)."""


def _my_tokenizer(text):
    return text.split()


@pytest.mark.parametrize("params, name", [
    ({"callbacks": [_NoOp()]}, "callbacks"),
    ({"vectorizer": TextVectorizer(tokenizer=_my_tokenizer)}, "tokenizer"),
    ({"optimizer": type("MyAdam", (torch.optim.Adam,), {})}, "optimizer"),
])
def test_saving_code_in_parameters_raises(params, name, tmp_path):
    X, y = _texts()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = RNNClassifier(embedding_dim=4, **{**TINY, "max_epochs": 1, **params}).fit(X, y)
    with pytest.raises(TypeError, match=rf"{name}.*use pickle or joblib"):
        sk_rnn.save(est, tmp_path / "model.skrnn")
    assert not os.listdir(tmp_path)  # no partial file left behind


def test_saving_something_else_raises(tmp_path):
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(TypeError, match="sk_rnn estimators, got LogisticRegression"):
        sk_rnn.save(LogisticRegression(), tmp_path / "model.skrnn")


# -- what the safe format refuses to load ---------------------------------------------------
class _Exploit:
    """Unpickling this runs a shell command that creates ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch '{self.marker}'",)


def test_the_exploit_is_live(tmp_path):
    """The payload really runs when unpickled naively (so the tests below mean something)."""
    marker = tmp_path / "control"
    pickle.loads(pickle.dumps(_Exploit(marker)))
    assert marker.exists()


def _write_zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _header(estimator=None) -> bytes:
    document = {"format": "sk_rnn.persistence", "format_version": FORMAT_VERSION,
                "sk_rnn_version": sk_rnn.__version__,
                "estimator": estimator if estimator is not None else {}}
    return json.dumps(document).encode()


def _torch_bytes(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("dump", [pickle.dumps, lambda o: _torch_bytes(o)],
                         ids=["pickle", "torch.save"])
def test_a_malicious_pickle_is_refused(dump, tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.skrnn"
    path.write_bytes(dump(_Exploit(marker)))
    with pytest.raises(ValueError, match=r"model\.skrnn: not an sk_rnn model file"):
        sk_rnn.load(path)
    assert not marker.exists()


def test_a_joblib_file_is_refused(fitted, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(fitted["regressor"][0], path)
    with pytest.raises(ValueError, match="not an sk_rnn model file.*trust"):
        sk_rnn.load(path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol:UserWarning")
@pytest.mark.parametrize("payload", ["pickle", "torch.save"])
def test_a_malicious_tensor_member_is_refused(payload, tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps(_Exploit(marker)) if payload == "pickle" else \
        _torch_bytes({"t0": _Exploit(marker)})
    path = tmp_path / "model.skrnn"
    _write_zip(path, {"estimator.json": _header(), "tensors.pt": data})
    with pytest.raises(ValueError, match=r"model\.skrnn: tensors\.pt cannot be read as "
                                         r"weights only"):
        sk_rnn.load(path)
    assert not marker.exists()


def test_extra_members_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.skrnn"
    _write_zip(path, {"estimator.json": _header(), "tensors.pt": _torch_bytes({}),
                      "data.pkl": pickle.dumps(_Exploit(marker))})
    with pytest.raises(ValueError, match=r"holds \['data.pkl', 'estimator.json', "
                                         r"'tensors.pt'\], expected exactly"):
        sk_rnn.load(path)
    assert not marker.exists()


@pytest.mark.parametrize("members, match", [
    ({"estimator.json": _header()}, "expected exactly"),
    ({"tensors.pt": _torch_bytes({})}, "expected exactly"),
    ({"estimator.json": b"{not json", "tensors.pt": _torch_bytes({})}, "not valid JSON"),
    ({"estimator.json": b'{"x": NaN}', "tensors.pt": _torch_bytes({})}, "not valid JSON"),
    ({"estimator.json": b'{"format": "other"}', "tensors.pt": _torch_bytes({})},
     "does not describe an sk_rnn model"),
    ({"estimator.json": _header().replace(b'"format_version": 1', b'"format_version": 99'),
      "tensors.pt": _torch_bytes({})}, "format version 99 .* not supported"),
    ({"estimator.json": _header(), "tensors.pt": _torch_bytes([torch.ones(1)])},
     "not a dict of named tensors"),
    ({"estimator.json": _header({"__type__": "ndarray", "dtype": "<f4", "shape": [1],
                                 "tensor": "t9"}),
      "tensors.pt": _torch_bytes({})}, "refers to tensor 't9'"),
    ({"estimator.json": _header(1), "tensors.pt": _torch_bytes({})},
     "does not hold an sk_rnn estimator"),
    ({"estimator.json": _header({"__type__": "eval", "value": "1"}),
      "tensors.pt": _torch_bytes({})}, "unknown entry type 'eval'"),
])
def test_malformed_files_are_refused(members, match, tmp_path):
    path = tmp_path / "model.skrnn"
    _write_zip(path, members)
    with pytest.raises(ValueError, match=rf"model\.skrnn: .*{match}"):
        sk_rnn.load(path)


@pytest.mark.parametrize("node", [
    {"__type__": "reference", "name": "os.system"},
    {"__type__": "reference", "name": "builtins.eval"},
    {"__type__": "object", "class": "subprocess.Popen", "state": {"__type__": "dict",
                                                                    "value": {}}},
    {"__type__": "enum", "class": "signal.Signals", "name": "SIGKILL"},
    {"__type__": "net", "class": "skorch.NeuralNet", "module": {}, "params": {}},
    {"__type__": "net", "class": "sk_rnn._base.RNNNet",
     "module": {"class": "torch.nn.Linear", "kwargs": {}, "state_dict": {}}},
])
def test_classes_outside_the_allowlist_are_refused(fitted, node, tmp_path):
    """A file naming a class or function outside the allowlist is refused, wherever it
    appears (here: as the classifier's ``optimizer`` parameter)."""
    path = tmp_path / "model.skrnn"
    sk_rnn.save(fitted["classifier-text"][0], path)
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("estimator.json"))
        tensors = archive.read("tensors.pt")
    document["estimator"]["state"]["value"]["optimizer"] = node
    _write_zip(path, {"estimator.json": json.dumps(document).encode(), "tensors.pt": tensors})
    with pytest.raises(ValueError, match=r"model\.skrnn: .*refusing to load"):
        sk_rnn.load(path)


def test_a_non_allowlisted_top_level_class_is_refused(tmp_path):
    path = tmp_path / "model.skrnn"
    root = {"__type__": "object", "class": "os.system",
            "state": {"__type__": "dict", "value": {}}}
    _write_zip(path, {"estimator.json": _header(root), "tensors.pt": _torch_bytes({})})
    with pytest.raises(ValueError, match="refusing to load 'os.system'"):
        sk_rnn.load(path)


# -- CUDA -> CPU ----------------------------------------------------------------------------
@contextlib.contextmanager
def _storages_tagged_as_cuda():
    """While active, torch tags every storage it serialises as ``cuda:0``, as when the
    tensors live on a GPU; loading such data on a CPU-only machine needs a map_location."""
    active = [True]

    def tagger(storage):
        return "cuda:0" if active[0] else None

    def deserializer(storage, location):
        return None  # leave it to torch's own CUDA deserializer

    entry = (-1, tagger, deserializer)
    torch.serialization.register_package(*entry)
    try:
        yield
    finally:
        active[0] = False
        torch.serialization._package_registry.remove(entry)


def _pretend_trained_on_cuda(est):
    est.device = "cuda"  # not set_params: sktime's resets a fitted forecaster
    est.device_ = torch.device("cuda")
    est.net_.device = "cuda"


CUDA_CASES = ["classifier-text", "regressor", "translator", "forecaster", "generator"]


@pytest.fixture
def cpu_only():
    if torch.cuda.is_available():
        pytest.skip("simulates a CPU-only machine")


def test_the_cuda_simulation_is_real(fitted, cpu_only):
    """Data written under the tagger cannot be read naively on this machine."""
    with _storages_tagged_as_cuda():
        blob = pickle.dumps(fitted["regressor"][0].net_.module_.state_dict())
        saved = _torch_bytes({"t0": torch.ones(2)})
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA "
                                           "device"):
        pickle.loads(blob)
    with pytest.raises(RuntimeError, match="Attempting to deserialize object on a CUDA "
                                           "device"):
        torch.load(io.BytesIO(saved), weights_only=True)


@pytest.mark.parametrize("route", ["pickle", "joblib"])
@pytest.mark.parametrize("case", CUDA_CASES)
def test_a_cuda_pickle_loads_on_a_cpu_only_machine(fitted, case, route, tmp_path, cpu_only):
    est, _, outputs = fitted[case]
    expected = outputs(est)
    cuda_est = copy.deepcopy(est)
    _pretend_trained_on_cuda(cuda_est)
    with _storages_tagged_as_cuda():
        if route == "pickle":
            blob = pickle.dumps(cuda_est)
        else:
            joblib.dump(cuda_est, tmp_path / "model.joblib")
    with pytest.warns(DeviceWarning):
        loaded = pickle.loads(blob) if route == "pickle" else \
            joblib.load(tmp_path / "model.joblib")
    assert str(loaded.net_.device) == "cpu"
    assert loaded.device == "cuda"  # the parameter is kept as it was set
    assert_same(outputs(loaded), expected)


@pytest.mark.parametrize("case", CUDA_CASES)
def test_a_cuda_model_file_loads_on_a_cpu_only_machine(fitted, case, tmp_path, cpu_only):
    est, _, outputs = fitted[case]
    expected = outputs(est)
    cuda_est = copy.deepcopy(est)
    _pretend_trained_on_cuda(cuda_est)
    path = tmp_path / "model.skrnn"
    with _storages_tagged_as_cuda():
        sk_rnn.save(cuda_est, path)
    with zipfile.ZipFile(path) as archive:  # the tensors really are tagged for CUDA
        with pytest.raises(RuntimeError, match="on a CUDA device"):
            torch.load(io.BytesIO(archive.read("tensors.pt")), weights_only=True)
    with pytest.warns(DeviceWarning, match="saved on cuda but CUDA is not available"):
        loaded = sk_rnn.load(path)
    assert str(loaded.net_.device) == "cpu"
    assert_same(outputs(loaded), expected)
