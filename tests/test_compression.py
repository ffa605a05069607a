"""Compression: :func:`sk_rnn.compression.quantize`, :func:`~sk_rnn.compression.prune` and
:func:`~sk_rnn.compression.model_size`.

Every estimator is fitted once (tiny models) and compressed once per module. A compressed
copy must be a new estimator of the same class with the same API, predicting close to the
original (quantize) or from exactly the pruned weights (prune), and it must survive pickle
and joblib; the original must be left exactly as it was.
"""

from __future__ import annotations

import copy
import io
import json
import math
import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from _helpers import assert_same, tiny_reversal_pairs, tiny_texts
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sktime.datasets import load_airline
from torch import nn
from torch.ao.nn.quantized import Embedding as QuantizedEmbedding
from torch.ao.nn.quantized import dynamic as qdynamic

import sk_rnn
from sk_rnn import (
    RNNClassifier,
    RNNForecaster,
    RNNRegressor,
    Seq2SeqTranslator,
    TextGenerator,
    TextVectorizer,
)
from sk_rnn.compression import model_size, prune, quantize

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    # torch >= 2.10 flags torch.ao.quantization itself as deprecated
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    # pickling int8 tensors goes through torch's own TypedStorage
    pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning"),
]

# hidden_size 16: big enough that int8 weights outweigh the quantised layers' overhead
TINY = dict(hidden_size=16, max_epochs=3, device="cpu", random_state=0)
WORDS = ["one", "two", "three", "four", "five", "six"]
CORPUS = "the cat sat on the mat. the dog sat on the log.\n" * 6


def _texts(n=40, seed=0):
    return tiny_texts(n, seed)


def _pairs(n=24, seed=0):
    return tiny_reversal_pairs(WORDS, n, seed)


# Each case: the fitted estimator, the data it was fitted on (for a refit), a function
# that returns everything it predicts (deterministically), and the names of the recurrent
# stacks that compression.py documents as decoded step by step (kept float by quantize).
def _classifier():
    # text, ragged lengths: embedding, a bidirectional LSTM run on padded batches
    X, y = _texts()
    est = RNNClassifier(embedding_dim=16, lr=0.01, **TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X), e.predict_proba(X), e.score(X, y)), ()


def _regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6, 2))
    y = X[:, :, 0].sum(axis=1)
    est = RNNRegressor(cell_type="gru", **TINY).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X), e.score(X, y)), ()


def _translator():
    X, y = _pairs()
    est = Seq2SeqTranslator(embedding_dim=16, cell_type="gru", lr=0.05, batch_size=8,
                            **{**TINY, "max_epochs": 10}).fit(X, y)
    return est, (X, y), lambda e: (e.predict(X[:6]), e.predict(X[:4], beam_size=2),
                                   e.translate(X[0]), e.score(X[:6], y[:6])), ("decoder",)


def _forecaster():
    y = load_airline()[:48]
    est = RNNForecaster(window_length=6, n_sample_paths=10, **TINY).fit(y, fh=[1, 2, 3])
    return est, (y,), lambda e: (e.predict(), e.predict_interval(coverage=0.8)), ()


def _generator():
    est = TextGenerator(embedding_dim=16, sequence_length=8, batch_size=4, **TINY).fit(CORPUS)
    return est, (CORPUS,), lambda e: (
        e.generate("the", 30, random_state=0), e.generate(max_length=10, top_k=3, random_state=1),
        e.score(CORPUS[:60]), e.perplexity(CORPUS[:60])), ("rnn",)


CASES = {
    "classifier": _classifier,
    "regressor": _regressor,
    "translator": _translator,
    "forecaster": _forecaster,
    "generator": _generator,
}


def _state(est):
    return {k: v.detach().clone() for k, v in est.net_.module_.state_dict().items()}


@pytest.fixture(scope="module")
def fitted():
    """Every case, fitted once, with its outputs and weights before any compression."""
    torch.set_num_threads(1)  # the module fixture may come after this one
    cases = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in CASES.items():
            est, data, outputs, stepwise = make()
            cases[name] = dict(est=est, data=data, outputs=outputs, stepwise=stepwise,
                               expected=outputs(est), state=_state(est))
    return cases


@pytest.fixture(scope="module")
def quantized(fitted):
    return {name: quantize(case["est"]) for name, case in fitted.items()}


AMOUNT = 0.3


@pytest.fixture(scope="module")
def pruned(fitted):
    return {name: prune(case["est"], AMOUNT) for name, case in fitted.items()}


def _assert_unchanged(case):
    """The original's weights, module types and outputs are those recorded before."""
    est = case["est"]
    state = est.net_.module_.state_dict()
    assert state.keys() == case["state"].keys()
    for key, value in case["state"].items():
        assert state[key].dtype == value.dtype and torch.equal(state[key], value), key
    assert not any(type(m).__module__.startswith("torch.ao") for m in est.net_.module_.modules())
    assert not hasattr(est, "compression_")
    assert_same(case["outputs"](est), case["expected"])


def _weight_matrices(module):
    """(qualified name, tensor) of every weight matrix prune() documents it prunes."""
    for name, sub in module.named_modules():
        if isinstance(sub, (nn.Linear, nn.RNNBase, nn.Embedding)):
            for pname, param in sub.named_parameters(recurse=False):
                if pname.startswith("weight"):
                    yield f"{name}.{pname}", param


def _round_trips(est, tmp_path):
    path = tmp_path / "model.joblib"
    joblib.dump(est, path)
    safe = tmp_path / "model.skrnn"
    sk_rnn.save(est, safe)
    return {"pickle": pickle.loads(pickle.dumps(est)), "joblib": joblib.load(path),
            "sk_rnn.save": sk_rnn.load(safe)}


def _refit(est, data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(est, RNNForecaster):
            return est.fit(*data, fh=[1, 2, 3])
        return est.fit(*data)


# -- quantize ------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_quantize_returns_a_new_estimator_of_the_same_class(fitted, quantized, case):
    est, q = fitted[case]["est"], quantized[case]
    assert q is not est and type(q) is type(est)
    assert q.net_ is not est.net_ and q.net_.module_ is not est.net_.module_
    # one module: the net's ``module`` is the quantised one too (pickled once)
    assert q.net_.module is q.net_.module_
    assert q.compression_["method"] == "quantize" and q.compression_["dtype"] == "int8"
    # the float weights' optimizer state is dropped, also from a scheduler callback
    assert q.net_.optimizer_ is None
    for _, callback in q.net_.callbacks_:
        assert not any(isinstance(v, torch.optim.Optimizer) or hasattr(v, "optimizer")
                       for v in vars(callback).values())
    # ... in the copy only
    assert fitted[case]["est"].net_.optimizer_ is not None


@pytest.mark.parametrize("case", CASES)
def test_quantize_leaves_the_original_unchanged(fitted, quantized, case):
    _assert_unchanged(fitted[case])


@pytest.mark.parametrize("case", CASES)
def test_quantized_layers_are_dynamic_int8(fitted, quantized, case):
    original = dict(fitted[case]["est"].net_.module_.named_modules())
    modules = dict(quantized[case].net_.module_.named_modules())
    stepwise = fitted[case]["stepwise"]
    expected_layers = []
    for name, sub in original.items():
        new = modules[name]
        if name in stepwise:
            # decoded step by step through the float weights: left exactly as it was
            assert type(new) is type(sub), name
            for pname, param in sub.named_parameters():
                assert torch.equal(getattr(new, pname), param), f"{name}.{pname}"
        elif type(sub) is nn.Linear:
            assert type(new) is qdynamic.Linear, name
            assert new.weight().dtype == torch.qint8
            expected_layers.append(name)
        elif type(sub) in (nn.LSTM, nn.GRU):
            assert type(new) is getattr(qdynamic, type(sub).__name__), name
            assert new.dtype == torch.qint8
            assert not list(new.parameters())  # no float weights left
            expected_layers.append(name)
        elif type(sub) is nn.Embedding and sub.embedding_dim < 3:
            # rows of one or two values (the n-gram path of two classes) would grow as
            # 8-bit rows with a float scale and offset: left exactly as they were
            assert type(new) is nn.Embedding, name
            assert torch.equal(new.weight, sub.weight), name
        elif type(sub) is nn.Embedding:
            assert type(new) is QuantizedEmbedding, name
            assert new.weight().dtype == torch.quint8
            expected_layers.append(name)
    assert quantized[case].compression_["layers"] == sorted(expected_layers)
    # every case has something quantised, and the stepwise stacks exist where documented
    assert expected_layers
    for name in stepwise:
        assert isinstance(original[name], (nn.LSTM, nn.GRU))


def test_quantize_keeps_a_plain_rnn_float(fitted):
    # nn.RNN is not covered by PyTorch's dynamic quantisation: it stays float
    X, y = fitted["regressor"]["data"]
    est = RNNRegressor(cell_type="rnn", **{**TINY, "max_epochs": 1}).fit(X, y)
    q = quantize(est)
    rnn = q.net_.module_.encoder.rnn
    assert type(rnn) is nn.RNN and rnn.weight_ih_l0.dtype == torch.float32
    assert torch.equal(rnn.weight_ih_l0, est.net_.module_.encoder.rnn.weight_ih_l0)
    assert q.compression_["layers"] == ["head"]
    np.testing.assert_allclose(q.predict(X), est.predict(X), atol=0.05 * np.abs(y).max())


def test_quantized_classifier_predicts_close(fitted, quantized):
    case, q = fitted["classifier"], quantized["classifier"]
    labels, proba, score = case["expected"]
    X, y = case["data"]
    assert np.mean(q.predict(X) == labels) >= 0.9
    np.testing.assert_allclose(q.predict_proba(X), proba, atol=0.05)
    assert abs(q.score(X, y) - score) <= 0.1
    assert list(q.classes_) == list(case["est"].classes_)


def test_quantized_regressor_predicts_close(fitted, quantized):
    case, q = fitted["regressor"], quantized["regressor"]
    pred, _ = case["expected"]
    X, _ = case["data"]
    out = q.predict(X)
    assert out.shape == pred.shape and out.dtype == pred.dtype
    np.testing.assert_allclose(out, pred, atol=0.05 * np.abs(pred).max())


def test_quantized_translator_translates(fitted, quantized):
    case, q = fitted["translator"], quantized["translator"]
    greedy, beam, one, score = case["expected"]
    X, y = case["data"]
    out = q.predict(X[:6])
    assert len(out) == 6 and all(isinstance(s, str) for s in out)
    assert all(isinstance(s, str) for s in q.predict(X[:4], beam_size=2))
    assert isinstance(q.translate(X[0]), str)
    # the fitted model translates something; int8 weights keep most of it
    assert any(greedy) and np.mean(np.asarray(out) == np.asarray(greedy)) >= 0.5
    assert abs(q.score(X[:6], y[:6]) - score) <= 0.35


def test_quantized_forecaster_predicts_close(fitted, quantized):
    case, q = fitted["forecaster"], quantized["forecaster"]
    point, interval = case["expected"]
    out = q.predict()
    pd.testing.assert_index_equal(out.index, point.index)
    np.testing.assert_allclose(out.to_numpy(), point.to_numpy(), rtol=0.02)
    got = q.predict_interval(coverage=0.8)
    assert got.shape == interval.shape
    np.testing.assert_allclose(got.to_numpy(), interval.to_numpy(), rtol=0.05)


def test_quantized_generator_generates(fitted, quantized):
    case, q = fitted["generator"], quantized["generator"]
    _, _, score, perplexity = case["expected"]
    text = q.generate("the", 30, random_state=0)
    assert isinstance(text, str) and text.startswith("the") and len(text) > 3
    assert set(text) <= set(CORPUS)
    assert abs(q.score(CORPUS[:60]) - score) <= 0.05
    assert math.isclose(q.perplexity(CORPUS[:60]), perplexity, rel_tol=0.05)


@pytest.mark.parametrize("case", CASES)
def test_quantized_round_trips_predict_identically(fitted, quantized, case, tmp_path):
    q, outputs = quantized[case], fitted[case]["outputs"]
    expected = outputs(q)
    for route, loaded in _round_trips(q, tmp_path).items():
        assert type(loaded) is type(q), route
        assert loaded.compression_ == q.compression_
        assert type(loaded.net_.module_) is type(q.net_.module_)
        assert_same(outputs(loaded), expected)
    assert_same(outputs(q), expected)


@pytest.mark.parametrize("case", CASES)
def test_quantized_model_is_smaller(fitted, quantized, case):
    est, q = fitted[case]["est"], quantized[case]
    assert model_size(q) < model_size(est)
    # the pickled estimator too: no float copy of the model or optimizer state rides along
    assert len(pickle.dumps(q)) < len(pickle.dumps(est))


def test_quantized_classifier_is_much_smaller(fitted, quantized):
    # no step-decoded stack kept float: int8 weights (4x less), plus per-layer overheads
    # that weigh on a model this tiny
    assert model_size(quantized["classifier"]) < 0.55 * model_size(fitted["classifier"]["est"])


@pytest.mark.parametrize("case", CASES)
def test_quantized_get_params_and_clone(fitted, quantized, case):
    est, q = fitted[case]["est"], quantized[case]
    params, expected = q.get_params(deep=False), est.get_params(deep=False)
    assert params.keys() == expected.keys()
    assert all(repr(params[k]) == repr(expected[k]) for k in params)
    fresh = clone(q)
    assert type(fresh) is type(est)
    assert not hasattr(fresh, "net_") and not hasattr(fresh, "compression_")


@pytest.mark.parametrize("case", CASES)
def test_refitting_a_quantized_copy_trains_a_float_model(fitted, quantized, case):
    data, outputs = fitted[case]["data"], fitted[case]["outputs"]
    refitted = _refit(copy.deepcopy(quantized[case]), data)
    assert not hasattr(refitted, "compression_")
    assert not any(type(m).__module__.startswith("torch.ao")
                   for m in refitted.net_.module_.modules())
    # same data, same random_state: the original model again
    assert_same(outputs(refitted), fitted[case]["expected"])


# -- prune ---------------------------------------------------------------------------------
def _zeros(tensor) -> int:
    return int((tensor == 0).sum())


@pytest.mark.parametrize("case", CASES)
def test_prune_zeroes_the_amount_of_every_weight_matrix(fitted, pruned, case):
    original = dict(_weight_matrices(fitted[case]["est"].net_.module_))
    matrices = dict(_weight_matrices(pruned[case].net_.module_))
    assert matrices.keys() == original.keys() and matrices
    zeroed = total = 0
    for name, weight in matrices.items():
        before = original[name]
        k = round(AMOUNT * before.numel())
        # exactly the k smallest (or the zeros already there, e.g. a padding row)
        assert _zeros(weight) == max(k, _zeros(before)), name
        assert abs(_zeros(weight) / weight.numel() - AMOUNT) <= max(
            1 / weight.numel(), _zeros(before) / before.numel()), name
        kept = weight != 0
        # the survivors are untouched and none is smaller than a pruned weight
        assert torch.equal(weight[kept], before[kept]), name
        if (~kept).any() and kept.any():
            assert before[~kept].abs().max() <= before[kept].abs().min(), name
        zeroed += _zeros(weight)
        total += weight.numel()
    assert pruned[case].compression_ == {"method": "prune", "amount": AMOUNT,
                                         "sparsity": zeroed / total}


@pytest.mark.parametrize("case", CASES)
def test_prune_keeps_the_biases(fitted, pruned, case):
    weights = {name for name, _ in _weight_matrices(fitted[case]["est"].net_.module_)}
    state = pruned[case].net_.module_.state_dict()
    others = [key for key in fitted[case]["state"] if key not in weights]
    assert any("bias" in key for key in others)
    for key in others:
        assert torch.equal(state[key], fitted[case]["state"][key]), key


def test_prune_zeroes_exactly_the_amount_among_tied_weights(fitted):
    # as torch.nn.utils.prune.l1_unstructured: the k smallest, not every weight tied
    # with the k-th (here all of them)
    est = copy.deepcopy(fitted["regressor"]["est"])
    with torch.no_grad():
        est.net_.module_.head.weight.fill_(0.5)
    head = prune(est, 0.5).net_.module_.head.weight
    assert _zeros(head) == round(0.5 * head.numel())
    assert torch.all(head[head != 0] == 0.5)


def test_prune_prunes_the_embeddings(fitted, pruned):
    module = pruned["generator"].net_.module_
    assert _zeros(module.embedding.weight) == round(AMOUNT * module.embedding.weight.numel())


@pytest.mark.parametrize("case", CASES)
def test_prune_leaves_the_original_unchanged(fitted, pruned, case):
    _assert_unchanged(fitted[case])
    assert pruned[case] is not fitted[case]["est"]
    assert type(pruned[case]) is type(fitted[case]["est"])


@pytest.mark.parametrize("case", CASES)
def test_pruned_estimator_predicts_and_round_trips(fitted, pruned, case, tmp_path):
    p, outputs = pruned[case], fitted[case]["outputs"]
    expected = outputs(p)
    # the same kinds of outputs as the original's
    for got, original in zip(expected, fitted[case]["expected"], strict=True):
        assert type(got) is type(original)
        if hasattr(original, "shape"):
            assert got.shape == original.shape
    routes = _round_trips(p, tmp_path)
    path = tmp_path / "model.skrnn"
    sk_rnn.save(p, path)  # dense float weights: the safe format holds them too
    routes["safe"] = sk_rnn.load(path)
    for route, loaded in routes.items():
        assert type(loaded) is type(p), route
        assert_same(outputs(loaded), expected)
        for name, weight in _weight_matrices(loaded.net_.module_):
            assert torch.equal(weight, dict(_weight_matrices(p.net_.module_))[name]), name


@pytest.mark.parametrize("case", CASES)
def test_prune_amount_zero_changes_nothing(fitted, case):
    p = prune(fitted[case]["est"], 0)
    state = p.net_.module_.state_dict()
    for key, value in fitted[case]["state"].items():
        assert torch.equal(state[key], value), key
    assert_same(fitted[case]["outputs"](p), fitted[case]["expected"])
    assert p.compression_["amount"] == 0.0


def test_pruned_model_compresses_better(fitted):
    est = fitted["classifier"]["est"]
    p = prune(est, 0.75)
    assert model_size(p) == model_size(est)  # still dense
    assert model_size(p, compressed=True) < 0.6 * model_size(est, compressed=True)


def test_prune_then_quantize_keeps_the_zeros(fitted, pruned):
    q = quantize(pruned["classifier"])
    assert q.compression_["method"] == "quantize"
    head = pruned["classifier"].net_.module_.head.weight
    # symmetric int8: zero stays exactly zero
    assert torch.equal(q.net_.module_.head.weight().dequantize() == 0, head == 0)
    assert q.predict(fitted["classifier"]["data"][0]).shape == (40,)


def test_prune_accepts_numpy_scalars(fitted):
    est = fitted["regressor"]["est"]
    assert prune(est, np.float32(0.5)).compression_["amount"] == 0.5
    assert prune(est, np.int64(0)).compression_["sparsity"] == 0.0


def test_pruning_twice_prunes_further(fitted, pruned):
    twice = prune(pruned["classifier"], 0.6)
    assert twice.compression_["sparsity"] == pytest.approx(0.6, abs=0.02)


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("amount", [-0.1, 1, 1.0, 1.5, math.nan, math.inf, -math.inf, True,
                                    False, "0.5", None, [0.5], np.array([0.5]), 1 + 0j])
def test_prune_rejects_a_bad_amount(fitted, amount):
    with pytest.raises(ValueError, match=r"amount must be a number in \[0, 1\)"):
        prune(fitted["classifier"]["est"], amount)


UNFITTED = [RNNClassifier, RNNRegressor, Seq2SeqTranslator, RNNForecaster, TextGenerator]


@pytest.mark.parametrize("make", UNFITTED, ids=lambda c: c.__name__)
@pytest.mark.parametrize("function", [quantize, prune, model_size], ids=lambda f: f.__name__)
def test_unfitted_estimator_raises(make, function):
    with pytest.raises(NotFittedError, match=rf"{function.__name__}\(estimator\).*"
                                             rf"{make.__name__} is not fitted"):
        function(make())


def _fitted_vectorizer():
    return TextVectorizer().fit(["a b", "c"])


def _fitted_logistic():
    return LogisticRegression().fit([[0.0], [1.0]], [0, 1])


@pytest.mark.parametrize("make", [lambda: None, lambda: "model", lambda: nn.Linear(2, 2),
                                  _fitted_logistic, _fitted_vectorizer, lambda: RNNClassifier],
                         ids=["None", "str", "module", "logistic", "vectorizer", "class"])
@pytest.mark.parametrize("function", [quantize, prune, model_size], ids=lambda f: f.__name__)
def test_non_sk_rnn_object_raises_type_error(make, function):
    with pytest.raises(TypeError, match=rf"{function.__name__}\(estimator\): estimator must be "
                                        "a fitted sk_rnn estimator"):
        function(make())


@pytest.mark.parametrize("case", CASES)
def test_compressing_a_quantized_estimator_raises(quantized, case):
    q = quantized[case]
    layers = list(q.compression_["layers"])
    with pytest.raises(ValueError, match=r"quantize\(estimator\): estimator is already "
                                         "quantized.*quantize the original float"):
        quantize(q)
    with pytest.raises(ValueError, match=r"prune\(estimator\): estimator is already "
                                         "quantized.*prune the float estimator first"):
        prune(q, 0.5)
    assert q.compression_["layers"] == layers  # untouched
    assert model_size(q) > 0


@pytest.mark.parametrize("case", CASES)
def test_safe_format_stores_int8_layers_smaller(fitted, quantized, case, tmp_path):
    """sk_rnn.save accepts a quantised model: its int8 layers are stored as their int8
    values, scales and zero points (exact, no code), so the file is smaller too."""
    sk_rnn.save(fitted[case]["est"], tmp_path / "float.skrnn")
    sk_rnn.save(quantized[case], tmp_path / "int8.skrnn")
    loaded = sk_rnn.load(tmp_path / "int8.skrnn")
    assert loaded.net_.optimizer_ is None  # as after quantize
    float_size = (tmp_path / "float.skrnn").stat().st_size
    assert (tmp_path / "int8.skrnn").stat().st_size < float_size
    # a quantised model holds no TorchScript object in the file: weights_only reads it
    with zipfile.ZipFile(tmp_path / "int8.skrnn") as archive:
        names = [n for n in archive.namelist() if n.endswith((".pt", ".pth", ".bin"))]
        for name in names:
            torch.load(io.BytesIO(archive.read(name)), weights_only=True)


def test_a_tampered_quantized_layer_is_refused_clearly(quantized, tmp_path):
    path = tmp_path / "int8.skrnn"
    sk_rnn.save(quantized["classifier"], path)
    with zipfile.ZipFile(path) as archive:
        files = {n: archive.read(n) for n in archive.namelist()}
    spec = json.loads(files["estimator.json"])
    text = json.dumps(spec).replace('"kind": "rnn"', '"kind": "conv"')
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, text if name == "estimator.json" else data)
    with pytest.raises(ValueError, match="quantised layers cannot be rebuilt"):
        sk_rnn.load(path)
