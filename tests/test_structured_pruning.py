"""Structured pruning: ``sk_rnn.compression.prune(..., structured=True)`` removes whole
hidden units and embedding dimensions of a fitted RNNClassifier/RNNRegressor.

Tiny models (hidden 8, one epoch) over every cell type, one or two directions and layers,
text and numeric input. The strongest check: units made dead by hand (their weights
zeroed) are exactly the ones removed, and the smaller model predicts what the larger one
did.
"""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from _helpers import assert_same, tiny_reversal_pairs, tiny_texts
from sklearn.base import clone

import sk_rnn
from sk_rnn import (
    RNNClassifier,
    RNNForecaster,
    RNNRegressor,
    Seq2SeqTranslator,
    TextGenerator,
)
from sk_rnn.compression import model_size, prune, quantize

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning"),
]

TINY = dict(hidden_size=8, max_epochs=1, device="cpu", random_state=0)
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def _text():
    return tiny_texts(40)


def _numeric():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 6, 2)).astype(np.float32)
    return X, X[:, :, 0].sum(axis=1)


# name -> (estimator class, parameters, data): every cell type, uni- and bidirectional,
# one and two layers, text and numeric input, classifier and regressor, every pooling
CASES = {
    "lstm-bi-1-text-clf": (RNNClassifier, dict(cell_type="lstm", embedding_dim=8), _text),
    "gru-uni-2-text-clf-attention": (RNNClassifier, dict(
        cell_type="gru", bidirectional=False, num_layers=2, embedding_dim=8,
        pooling="attention"), _text),
    "rnn-bi-2-numeric-reg-mean": (RNNRegressor, dict(
        cell_type="rnn", num_layers=2, pooling="mean"), _numeric),
    "lstm-uni-2-numeric-clf-last": (RNNClassifier, dict(
        cell_type="lstm", bidirectional=False, num_layers=2, pooling="last"), _numeric),
    "gru-bi-1-text-reg": (RNNRegressor, dict(cell_type="gru", embedding_dim=8), _text),
    "lstm-bi-1-numeric-reg-conv": (RNNRegressor, dict(
        cell_type="lstm", conv_frontend=True), _numeric),
}


def _outputs(est, X):
    if isinstance(est, RNNClassifier):
        return est.predict_proba(X)
    return est.predict(X)


def _state(est):
    return {k: v.detach().clone() for k, v in est.net_.module_.state_dict().items()}


@pytest.fixture(scope="module")
def fitted():
    torch.set_num_threads(1)
    cases = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (cls, params, data) in CASES.items():
            X, y = data()
            if cls is RNNRegressor and y.dtype.kind not in "fi":
                y = (y == "pos").astype(float)
            elif cls is RNNClassifier and y.dtype.kind == "f":
                y = (y > 0).astype(int)
            est = cls(**TINY, **params).fit(X, y)
            cases[name] = dict(est=est, X=X, y=y, state=_state(est),
                               params=est.get_params(deep=False), expected=_outputs(est, X))
    return cases


@pytest.fixture(scope="module")
def pruned(fitted):
    return {name: prune(case["est"], 0.5, structured=True) for name, case in fitted.items()}


def _rnn(est):
    return est.net_.module_.encoder.rnn


# -- shapes and parameters --------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_structured_prune_shrinks_every_layer(fitted, pruned, case):
    est, p = fitted[case]["est"], pruned[case]
    assert type(p) is type(est) and p is not est
    rnn, before = _rnn(p), _rnn(est)
    gates = GATES[est.cell_type]
    directions = 2 if est.bidirectional else 1
    assert rnn.hidden_size == 4 and p.hidden_size == 4
    assert rnn.num_layers == before.num_layers and rnn.bidirectional == before.bidirectional
    embedding = p.net_.module_.encoder.embedding
    first_input = before.input_size
    if embedding is not None:
        assert embedding.weight.shape == (est.net_.module_.encoder.embedding.num_embeddings, 4)
        assert embedding.padding_idx == 0 and torch.all(embedding.weight[0] == 0)
        assert p.embedding_dim == p.embedding_dim_ == 4
        first_input = 4
    else:
        assert p.embedding_dim == est.embedding_dim
    for layer in range(rnn.num_layers):
        for suffix in ["", "_reverse"][:directions]:
            width = first_input if layer == 0 else directions * 4
            assert getattr(rnn, f"weight_ih_l{layer}{suffix}").shape == (gates * 4, width)
            assert getattr(rnn, f"weight_hh_l{layer}{suffix}").shape == (gates * 4, 4)
            assert getattr(rnn, f"bias_ih_l{layer}{suffix}").shape == (gates * 4,)
    module = p.net_.module_
    assert module.head.in_features == module.encoder.output_size == directions * 4
    if module.encoder.pool is not None and module.encoder.pool.mode == "attention":
        assert module.encoder.pool.score[0].weight.shape == (directions * 4, directions * 4)
    # the recorded constructor arguments describe the pruned network
    assert module.init_kwargs["hidden_size"] == module.encoder.init_kwargs["hidden_size"] == 4
    if embedding is not None:
        assert module.init_kwargs["embedding_dim"] == 4
    assert p.compression_ == {
        "method": "prune", "structured": True, "amount": 0.5, "criterion": "weight",
        "hidden_size": (8, 4), "embedding_dim": None if embedding is None else (8, 4),
        "fine_tune_epochs": 0}
    assert p.net_.optimizer_ is None
    def n_weights(e):
        return sum(w.numel() for w in _rnn(e).parameters())

    assert n_weights(p) < 0.6 * n_weights(est)
    assert model_size(p) < model_size(est)
    assert _outputs(p, fitted[case]["X"]).shape == fitted[case]["expected"].shape


@pytest.mark.parametrize("case", CASES)
def test_structured_prune_leaves_the_original_unchanged(fitted, pruned, case):
    c = fitted[case]
    state = c["est"].net_.module_.state_dict()
    assert state.keys() == c["state"].keys()
    for key, value in c["state"].items():
        assert torch.equal(state[key], value), key
    assert repr(c["est"].get_params(deep=False)) == repr(c["params"])
    assert_same(_outputs(c["est"], c["X"]), c["expected"])
    assert not hasattr(c["est"], "compression_")


# -- exactness: dead units are the ones removed, and nothing changes -----------------------
def _kill_units(module, amount, rng):
    """Zero every weight of ``round(amount * size)`` random hidden units per layer and
    direction (and embedding dimensions, and the attention's hidden units): they output
    zero forever and nothing reads them, so removing them must change nothing."""
    encoder, rnn = module.encoder, module.encoder.rnn
    hidden, directions = rnn.hidden_size, 2 if rnn.bidirectional else 1
    gates = GATES[{"LSTM": "lstm", "GRU": "gru"}.get(rnn.mode, "rnn")]
    k = round(amount * hidden)
    with torch.no_grad():
        dead = {}
        for layer in range(rnn.num_layers):
            for d in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                units = torch.as_tensor(rng.choice(hidden, k, replace=False))
                dead[layer, d] = units
                rows = torch.cat([g * hidden + units for g in range(gates)])
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(rnn, name + suffix)[rows] = 0
                getattr(rnn, "weight_hh" + suffix)[:, units] = 0
        for layer in range(rnn.num_layers):
            columns = torch.cat([d * hidden + dead[layer, d] for d in range(directions)])
            if layer + 1 < rnn.num_layers:
                readers = [getattr(rnn, f"weight_ih_l{layer + 1}" + s)
                           for s in ["", "_reverse"][:directions]]
            else:
                readers = [module.head.weight]
                if encoder.pool is not None and encoder.pool.mode == "attention":
                    readers.append(encoder.pool.score[0].weight)
                    # as many of the attention's hidden units go as the output loses
                    gone = torch.as_tensor(rng.choice(directions * hidden, len(columns),
                                                      replace=False))
                    encoder.pool.score[0].weight[gone] = 0
                    encoder.pool.score[0].bias[gone] = 0
                    encoder.pool.score[2].weight[:, gone] = 0
            for reader in readers:
                reader[:, columns] = 0
        if encoder.embedding is not None:
            dims = torch.as_tensor(rng.choice(encoder.embedding.embedding_dim,
                                              round(amount * encoder.embedding.embedding_dim),
                                              replace=False))
            encoder.embedding.weight[:, dims] = 0
            for s in ["", "_reverse"][:directions]:
                getattr(rnn, "weight_ih_l0" + s)[:, dims] = 0


@pytest.mark.parametrize("criterion", ["weight", "activation", "contribution"])
@pytest.mark.parametrize("case", CASES)
def test_removing_dead_units_changes_nothing(fitted, case, criterion):
    c = fitted[case]
    dead = copy.deepcopy(c["est"])
    _kill_units(dead.net_.module_, 0.25, np.random.RandomState(0))
    expected = _outputs(dead, c["X"])
    X = c["X"] if criterion != "weight" else None
    p = prune(dead, 0.25, structured=True, X=X, criterion=criterion)
    assert p.hidden_size == 6
    np.testing.assert_allclose(_outputs(p, c["X"]), expected, rtol=1e-5, atol=1e-6)


def test_activation_criterion_follows_the_data(fitted):
    # units that never fire on the data go first under "activation", whatever their weights
    c = fitted["lstm-bi-1-text-clf"]
    est = copy.deepcopy(c["est"])
    with torch.no_grad():
        rnn = est.net_.module_.encoder.rnn
        for suffix in ("_l0", "_l0_reverse"):  # units 0-3: output gate shut, big weights
            getattr(rnn, "bias_ih" + suffix)[3 * 8:3 * 8 + 4] = -1e4
            getattr(rnn, "weight_hh" + suffix)[:, :4] *= 10
    p = prune(est, 0.5, structured=True, X=c["X"], criterion="activation")
    kept = p.net_.module_.encoder.rnn.weight_hh_l0
    original = est.net_.module_.encoder.rnn.weight_hh_l0
    # the kept units are 4-7: their rows in the first gate are the original's rows 4-7
    assert torch.equal(kept[:4], original[4:8][:, 4:8])
    assert p.compression_["criterion"] == "activation"


def test_default_criterion_depends_on_x(fitted):
    c = fitted["gru-bi-1-text-reg"]
    assert prune(c["est"], 0.5, structured=True).compression_["criterion"] == "weight"
    with_x = prune(c["est"], 0.5, structured=True, X=c["X"])
    assert with_x.compression_["criterion"] == "contribution"


# -- persistence, quantisation, clone ---------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_pruned_round_trips_with_identical_predictions(fitted, pruned, case, tmp_path):
    p, X = pruned[case], fitted[case]["X"]
    expected = _outputs(p, X)
    joblib.dump(p, tmp_path / "model.joblib")
    path = tmp_path / "model.skrnn"
    sk_rnn.save(p, path)
    for loaded in (pickle.loads(pickle.dumps(p)), joblib.load(tmp_path / "model.joblib"),
                   sk_rnn.load(path)):
        assert type(loaded) is type(p)
        assert loaded.hidden_size == 4 and _rnn(loaded).hidden_size == 4
        assert loaded.compression_ == p.compression_
        assert_same(_outputs(loaded, X), expected)


@pytest.mark.parametrize("case", ["lstm-bi-1-text-clf", "gru-bi-1-text-reg"])
def test_quantize_after_structured_prune(fitted, pruned, case, tmp_path):
    p, X = pruned[case], fitted[case]["X"]
    q = quantize(p)
    assert q.compression_["method"] == "quantize"
    np.testing.assert_allclose(_outputs(q, X), _outputs(p, X), atol=0.1)
    sk_rnn.save(q, tmp_path / "q.skrnn")
    assert_same(_outputs(sk_rnn.load(tmp_path / "q.skrnn"), X), _outputs(q, X))
    with pytest.raises(ValueError, match=r"prune\(estimator\): estimator is already "
                                         "quantized.*prune the float estimator first"):
        prune(q, 0.5, structured=True)


def test_pruned_params_clone_and_refit(fitted, pruned):
    c, p = fitted["gru-uni-2-text-clf-attention"], pruned["gru-uni-2-text-clf-attention"]
    params = p.get_params(deep=False)
    assert params["hidden_size"] == 4 and params["embedding_dim"] == 4
    assert {k: v for k, v in params.items() if k not in ("hidden_size", "embedding_dim")} \
        == {k: v for k, v in c["params"].items() if k not in ("hidden_size", "embedding_dim")}
    fresh = clone(p)
    assert not hasattr(fresh, "net_") and not hasattr(fresh, "compression_")
    fresh.fit(c["X"], c["y"])
    assert _rnn(fresh).hidden_size == 4
    assert fresh.net_.module_.encoder.embedding.embedding_dim == 4


def test_pruning_twice_prunes_further(pruned):
    twice = prune(pruned["lstm-bi-1-text-clf"], 0.5, structured=True)
    assert twice.compression_["hidden_size"] == (4, 2)
    assert twice.compression_["embedding_dim"] == (4, 2)


# -- fine-tune -----------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["lstm-bi-1-text-clf", "rnn-bi-2-numeric-reg-mean"])
def test_fine_tune_trains_the_pruned_model(fitted, pruned, case):
    c = fitted[case]
    X, y = c["X"], c["y"]
    X_copy, y_copy = copy.deepcopy(X), y.copy()
    tuned = prune(c["est"], 0.5, structured=True, X=X, y=y, criterion="weight",
                  fine_tune_epochs=2)
    assert tuned.compression_["fine_tune_epochs"] == 2
    assert tuned.hidden_size == 4 and _rnn(tuned).hidden_size == 4
    assert len(tuned.history_) == 2 and tuned.net_.optimizer_ is None
    # the estimator's own training parameters are as they were
    for key in ("warm_start", "max_epochs", "early_stopping"):
        assert getattr(tuned, key) == c["params"][key]
    before = pruned[case].net_.module_.state_dict()
    after = tuned.net_.module_.state_dict()
    assert not torch.equal(before["encoder.rnn.weight_hh_l0"], after["encoder.rnn.weight_hh_l0"])
    assert _outputs(tuned, X).shape == c["expected"].shape
    # nothing passed in is modified
    assert_same(X, X_copy) if isinstance(X, list) else np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)
    test_structured_prune_leaves_the_original_unchanged(fitted, pruned, case)


# -- other estimators and bad input -------------------------------------------------------------
@pytest.fixture(scope="module")
def others():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sktime.datasets import load_airline

        one = dict(hidden_size=4, max_epochs=1, device="cpu", random_state=0)
        X, y = tiny_reversal_pairs(["a", "b", "c"], 12)
        return [
            TextGenerator(embedding_dim=4, sequence_length=8, **one).fit("the cat sat. " * 8),
            Seq2SeqTranslator(embedding_dim=4, **one).fit(X, y),
            RNNForecaster(window_length=4, **one).fit(load_airline()[:30], fh=[1]),
        ]


def test_other_estimators_are_refused_but_prune_unstructured(others):
    for est in others:
        with pytest.raises(TypeError, match="structured pruning supports RNNClassifier and "
                                            f"RNNRegressor, found {type(est).__name__}"):
            prune(est, 0.5, structured=True)
        assert prune(est, 0.5).compression_["method"] == "prune"


@pytest.mark.parametrize("amount", [0, 0.0, 1, 1.0, -0.1, 1.5, math.nan, math.inf, True,
                                    "0.5", None, [0.5]])
def test_structured_rejects_a_bad_amount(fitted, amount):
    with pytest.raises(ValueError, match=r"amount must be a number in \(0, 1\)"):
        prune(fitted["gru-bi-1-text-reg"]["est"], amount, structured=True)


def test_an_amount_that_leaves_no_unit_is_refused(fitted):
    X, y = _numeric()
    est = RNNRegressor(**{**TINY, "hidden_size": 2}).fit(X, y)
    with pytest.raises(ValueError, match=r"amount=0\.9.*2 of the 2 hidden units"):
        prune(est, 0.9, structured=True)
    assert prune(est, 0.5, structured=True).hidden_size == 1
    X, y = _text()
    est = RNNClassifier(**{**TINY, "embedding_dim": 2}).fit(X, y)
    with pytest.raises(ValueError, match=r"2 of the 2 embedding dimensions would leave none"):
        prune(est, 0.75, structured=True)


def test_bad_arguments_are_refused_clearly(fitted):
    c = fitted["lstm-bi-1-text-clf"]
    est, X, y = c["est"], c["X"], c["y"]
    numeric, _ = _numeric()
    cases = [
        (dict(X=numeric), r"X holds 'numeric' input, but the estimator was fitted on 'text'"),
        (dict(fine_tune_epochs=1), r"fine_tune_epochs > 0 needs X"),
        (dict(X=X, fine_tune_epochs=1), r"the fine-tune needs y"),
        (dict(y=y), r"y needs X"),
        (dict(criterion="activation"), r"criterion='activation' needs X"),
        (dict(criterion="contribution"), r"criterion='contribution' needs X"),
        (dict(criterion="l1"), r"criterion must be 'auto' or one of"),
        (dict(X=X, y=y, fine_tune_epochs=-1), r"fine_tune_epochs must be an integer >= 0"),
        (dict(X=X, y=y, fine_tune_epochs=1.5), r"fine_tune_epochs must be an integer >= 0"),
        (dict(X=X, y=y, fine_tune_epochs=True), r"fine_tune_epochs must be an integer >= 0"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            prune(est, 0.5, structured=True, **kwargs)
    for kwargs in (dict(X=X), dict(y=y), dict(criterion="weight"), dict(fine_tune_epochs=1)):
        with pytest.raises(ValueError, match="only apply to structured pruning"):
            prune(est, 0.5, **kwargs)
    with pytest.raises(ValueError, match="structured must be True or False"):
        prune(est, 0.5, structured="yes")
    with pytest.raises(ValueError, match="y holds|classes"):  # warm fit's own check
        prune(est, 0.5, structured=True, X=X, y=np.array(["a"] * 20 + ["b"] * 20),
              fine_tune_epochs=1)
