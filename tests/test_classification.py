"""Behaviour of :class:`RNNClassifier` and :class:`RNNRegressor` with tiny models."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_class_weight
from skorch.callbacks import Callback, LRScheduler

from sk_rnn import RNNClassifier, RNNRegressor, TextVectorizer
from sk_rnn._net import _FUSED_OPTIMIZERS

TINY = dict(hidden_size=4, embedding_dim=4, max_epochs=2, device="cpu", random_state=0)


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------


def _fixed(n=40, steps=6, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, steps))
    return X, (X.sum(axis=1) > 0).astype(np.int64)


def _ragged(n=40, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(2, 9), n_features)) for _ in range(n)]
    return X, np.array([int(x[:, 0].mean() > 0) for x in X])


def _texts(n=40, seed=0):
    rng = np.random.RandomState(seed)
    pos, neg = ["great", "fine", "superb"], ["awful", "bad", "poor"]
    texts, labels = [], []
    for i in range(n):
        words = pos if i % 2 else neg
        texts.append(" ".join(rng.choice(words + ["the", "film"], size=rng.randint(2, 7))))
        labels.append("pos" if i % 2 else "neg")
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def vowels():
    """The first 40 Japanese vowels (classes '1' and '2') as nested_univ and pd-multiindex."""
    datasets = pytest.importorskip("sktime.datasets")
    nested, y = datasets.load_japanese_vowels(split="train")
    multi, _ = datasets.load_japanese_vowels(split="train", return_type="pd-multiindex")
    multi = multi[multi.index.get_level_values(0) < 40]
    return nested.iloc[:40], multi, np.asarray(y[:40])


class BatchWidths(Callback):
    """Record the padded width of every training batch."""

    def initialize(self):
        self.widths = []
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.widths.append(batch[0]["x"].shape[1])


class EpochCounter(Callback):
    def __init__(self):
        self.n_epochs = 0

    def on_epoch_end(self, net, **kwargs):
        self.n_epochs += 1


def _callback(est, name):
    return dict(est.net_.callbacks_)[name]


# --------------------------------------------------------------------------------------
# Labels and probabilities
# --------------------------------------------------------------------------------------


def test_string_labels_round_trip():
    X, _ = _fixed(45)
    y = np.array(["cat", "dog", "eel"])[np.arange(45) % 3]
    clf = RNNClassifier(**TINY).fit(X, y)
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]
    pred = clf.predict(X)
    assert pred.shape == (45,) and pred.dtype.kind == "U"
    assert set(pred) <= {"cat", "dog", "eel"}
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert 0.0 <= clf.score(X, y) <= 1.0


@pytest.mark.parametrize(
    "labels",
    [np.array([7, 3]), np.array([-1, 1]), np.array([False, True]), np.array([2.0, 5.0])],
    ids=["int", "signed", "bool", "float"],
)
def test_numeric_labels_round_trip(labels):
    X, y01 = _fixed()
    y = labels[y01]
    clf = RNNClassifier(**TINY).fit(X, pd.Series(y))
    assert clf.classes_.tolist() == sorted(labels.tolist())
    assert clf.classes_.dtype == y.dtype
    pred = clf.predict(X)
    assert pred.dtype == y.dtype
    assert set(pred.tolist()) <= set(labels.tolist())


def test_predict_proba_rows_sum_to_one():
    X, _ = _ragged(30)
    y = np.arange(30) % 3
    proba = RNNClassifier(**TINY).fit(X, y).predict_proba(X)
    assert proba.shape == (30, 3) and proba.dtype == np.float64
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


# --------------------------------------------------------------------------------------
# Every input kind
# --------------------------------------------------------------------------------------


def _input(kind, vowels):
    if kind == "text-list":
        return (*_texts(), "text")
    if kind == "text-series":
        X, y = _texts()
        return pd.Series(X, index=np.arange(100, 140)), y, "text"
    if kind == "tokens":
        X, y = _texts()
        return TextVectorizer().fit(X).transform(X), y, "tokens"
    if kind == "2d":
        return (*_fixed(), "fixed")
    if kind == "3d":
        X, y = _fixed(steps=10)
        return X.reshape(40, 5, 2), y, "numeric"
    if kind == "ragged":
        return (*_ragged(), "numeric")
    nested, multi, y = vowels
    return (nested if kind == "nested_univ" else multi), y, "numeric"


@pytest.mark.parametrize(
    "kind",
    ["text-list", "text-series", "tokens", "2d", "3d", "ragged", "nested_univ", "pd-multiindex"],
)
def test_every_input_kind_fits_and_predicts(kind, vowels):
    X, y, input_kind = _input(kind, vowels)
    clf = RNNClassifier(**TINY).fit(X, y)
    assert clf.input_kind_ == input_kind
    pred = clf.predict(X)
    assert pred.shape == (len(y),) and set(pred) <= set(clf.classes_)
    assert np.all(np.isfinite(clf.predict_proba(X)))
    expected_features = {"2d": 6, "3d": 2, "ragged": 2, "nested_univ": 12, "pd-multiindex": 12}
    if kind in expected_features:
        assert clf.n_features_in_ == expected_features[kind]
    else:
        assert not hasattr(clf, "n_features_in_")
    reg = RNNRegressor(**TINY).fit(X, np.arange(len(y), dtype=float))
    assert reg.predict(X).shape == (len(y),)


def test_sktime_panel_formats_give_the_same_model(vowels):
    nested, multi, y = vowels
    a = RNNClassifier(**TINY).fit(nested, y)
    b = RNNClassifier(**TINY).fit(multi, y)
    np.testing.assert_array_equal(a.predict_proba(nested), b.predict_proba(multi))
    np.testing.assert_array_equal(a.predict_proba(nested), a.predict_proba(multi))


def test_empty_text_gets_a_prediction():
    X, y = _texts()
    clf = RNNClassifier(**TINY).fit(X, y)
    assert clf.predict(["", "   ", "great film"]).shape == (3,)


def test_out_of_vocabulary_token_ids_are_unknown():
    X, y = _texts()
    ids = TextVectorizer().fit(X).transform(X)
    clf = RNNClassifier(**TINY).fit(ids, y)
    big = np.array([2, clf.n_tokens_ + 5, 3, 10_000])
    unk = np.array([2, 1, 3, 1])
    np.testing.assert_array_equal(clf.predict_proba([big, np.array([2])]),
                                  clf.predict_proba([unk, np.array([2])]))


def test_pipeline_accepts_empty_documents():
    X, y = _texts()
    X[2] = ""
    pipe = Pipeline([("vec", TextVectorizer()), ("rnn", RNNClassifier(**TINY))])
    assert pipe.fit(X, y).predict(["", "great"]).shape == (2,)


def test_one_column_dataframe_of_text():
    X, y = _texts()
    clf = RNNClassifier(**TINY).fit(pd.DataFrame({"text": X}), y)
    assert clf.predict(pd.DataFrame({"text": X[:3]})).shape == (3,)


# --------------------------------------------------------------------------------------
# Learning, architecture options
# --------------------------------------------------------------------------------------


def test_learns_sign_of_sum():
    X, y = _fixed(400, steps=8)
    clf = RNNClassifier(hidden_size=8, max_epochs=10, lr=1e-2, dropout=0.0, pooling="last",
                        early_stopping=False, device="cpu", random_state=0)
    clf.fit(X[:300], y[:300])
    assert clf.score(X[300:], y[300:]) > 0.9  # 0.96-0.98 over random states 0-3


@pytest.mark.parametrize("pooling", ["last", "mean", "max", "attention"])
@pytest.mark.parametrize("cell_type", ["rnn", "lstm", "gru"])
def test_every_cell_and_pooling(cell_type, pooling):
    X, y = _ragged(24)
    clf = RNNClassifier(cell_type=cell_type, pooling=pooling, hidden_size=3, max_epochs=1,
                        early_stopping=False, device="cpu", random_state=0).fit(X, y)
    encoder = clf.net_.module_.encoder
    assert isinstance(encoder.rnn, {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM,
                                    "gru": torch.nn.GRU}[cell_type])
    assert encoder.rnn.bidirectional and encoder.rnn.hidden_size == 3
    assert (encoder.pool is None) == (pooling == "last")
    if pooling != "last":
        assert encoder.pool.mode == pooling
    proba = clf.predict_proba(X)
    assert proba.shape == (24, 2) and np.all(np.isfinite(proba))


def test_num_layers_and_unidirectional():
    X, y = _ragged(24)
    clf = RNNClassifier(num_layers=2, bidirectional=False, **TINY).fit(X, y)
    rnn = clf.net_.module_.encoder.rnn
    assert rnn.num_layers == 2 and not rnn.bidirectional
    assert clf.net_.module_.head.in_features == 4


# --------------------------------------------------------------------------------------
# Determinism and the global random state
# --------------------------------------------------------------------------------------


def test_same_random_state_same_model():
    X, y = _ragged()
    params = dict(hidden_size=4, max_epochs=3, dropout=0.3, device="cpu")
    a = RNNClassifier(random_state=1, **params).fit(X, y).predict_proba(X)
    b = RNNClassifier(random_state=1, **params).fit(X, y).predict_proba(X)
    c = RNNClassifier(random_state=2, **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    d = RNNClassifier(random_state=np.random.RandomState(1), **params).fit(X, y)
    e = RNNClassifier(random_state=np.random.RandomState(1), **params).fit(X, y)
    np.testing.assert_array_equal(d.predict_proba(X), e.predict_proba(X))


def test_fit_leaves_global_random_state_alone():
    X, y = _texts()
    torch.manual_seed(123)
    torch_state = torch.get_rng_state()
    np.random.seed(123)
    numpy_state = np.random.get_state()[1].copy()
    clf = RNNClassifier(**TINY).fit(X, y)
    clf.predict_proba(X)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], numpy_state)


# --------------------------------------------------------------------------------------
# class_weight, embeddings
# --------------------------------------------------------------------------------------


def test_class_weight():
    X, _ = _fixed()
    y = np.array(["a"] * 30 + ["b"] * 10)
    assert RNNClassifier(**TINY).fit(X, y).net_.criterion_.weight is None
    balanced = RNNClassifier(class_weight="balanced", **TINY).fit(X, y)
    expected = compute_class_weight("balanced", classes=np.array(["a", "b"]), y=y)
    weight = balanced.net_.criterion_.weight
    assert isinstance(weight, torch.Tensor)
    np.testing.assert_allclose(weight.numpy(), expected, rtol=1e-6)
    assert weight[1] > weight[0]
    manual = RNNClassifier(class_weight={"a": 1.0, "b": 5.0}, **TINY).fit(X, y)
    np.testing.assert_allclose(manual.net_.criterion_.weight.numpy(), [1.0, 5.0])


def _word_vectors(dim=6):
    rng = np.random.RandomState(3)
    words = ["great", "fine", "superb", "awful", "bad", "poor", "the"]
    return {w: rng.normal(size=dim).astype(np.float32) for w in words}


def test_frozen_pretrained_embeddings():
    X, y = _texts()
    vectors = _word_vectors()
    clf = RNNClassifier(embeddings=vectors, freeze_embeddings=True, hidden_size=4,
                        embedding_dim=32, max_epochs=3, lr=0.05, device="cpu", random_state=0)
    clf.fit(X, y)
    assert clf.embedding_dim_ == 6
    assert clf.n_pretrained_tokens_ == len(vectors)
    weight = clf.net_.module_.encoder.embedding.weight.detach().numpy()
    assert weight.shape == (clf.vectorizer_.n_tokens_, 6)
    for word, vector in vectors.items():
        np.testing.assert_array_equal(weight[clf.vectorizer_.vocabulary_[word]], vector)
    np.testing.assert_array_equal(weight[0], 0.0)
    # Not frozen, the same training moves them: the freeze is what kept them.
    free = RNNClassifier(embeddings=vectors, freeze_embeddings=False, hidden_size=4,
                         max_epochs=3, lr=0.05, device="cpu", random_state=0).fit(X, y)
    moved = free.net_.module_.encoder.embedding.weight.detach().numpy()
    assert not np.allclose(moved[free.vectorizer_.vocabulary_["great"]], vectors["great"])


def test_embeddings_need_text_input():
    X, y = _fixed()
    with pytest.raises(ValueError, match="embeddings only apply to text"):
        RNNClassifier(embeddings=_word_vectors(), **TINY).fit(X, y)


# --------------------------------------------------------------------------------------
# Persistence, cloning, grid search
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [_texts, _ragged], ids=["text", "ragged"])
def test_pickle_round_trip(data):
    X, y = data()
    clf = RNNClassifier(**TINY).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_clone_and_grid_search_over_cell_type():
    X, y = _ragged()
    base = RNNClassifier(**TINY)
    twin = clone(base)
    assert twin.get_params() == base.get_params()
    grid = GridSearchCV(twin, {"cell_type": ["rnn", "lstm", "gru"]}, cv=2,
                        error_score="raise").fit(X, y)
    assert [p["cell_type"] for p in grid.cv_results_["params"]] == ["rnn", "lstm", "gru"]
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.cell_type == grid.best_params_["cell_type"]
    assert not hasattr(twin, "net_") and not hasattr(base, "net_")


# --------------------------------------------------------------------------------------
# Training loop: early stopping, truncation, callbacks, verbosity
# --------------------------------------------------------------------------------------


def test_early_stopping_records_valid_loss():
    X, y = _ragged()
    with_es = RNNClassifier(early_stopping=True, **{**TINY, "max_epochs": 3}).fit(X, y)
    assert len(with_es.history_) == with_es.n_iter_ <= 3
    assert all("valid_loss" in row for row in with_es.history_)
    assert np.all(np.isfinite(with_es.history_[:, "valid_loss"]))
    without = RNNClassifier(early_stopping=False, **{**TINY, "max_epochs": 3}).fit(X, y)
    assert without.n_iter_ == 3
    assert not any("valid_loss" in row for row in without.history_)
    # Without early stopping every sample is trained on.
    assert sum(without.history_[0, "batches", :, "train_batch_size"]) == 40


class _EpochWeights(Callback):
    """Records the trainable weights after every epoch."""

    def initialize(self):
        self.weights = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.weights.append({name: p.detach().clone()
                             for name, p in net.module_.named_parameters() if p.requires_grad})


@pytest.mark.parametrize("averaging", [True, False])
def test_checkpoint_averaging_restores_the_mean_around_the_best_epoch(averaging):
    X, y = _texts(60)
    noisy = np.random.RandomState(0).rand(len(y)) < 0.3  # so that the loss turns up
    y = np.where(noisy, np.where(y == "pos", "neg", "pos"), y)
    clf = RNNClassifier(early_stopping=True, checkpoint_averaging=averaging, patience=2,
                        validation_fraction=0.3, callbacks=[("weights", _EpochWeights())],
                        **{**TINY, "max_epochs": 8, "lr": 0.05}).fit(X, y)
    epochs = dict(clf.net_.callbacks_)["weights"].weights
    best = dict(clf.net_.callbacks_)["early_stopping"].best_epoch_ - 1  # 0-based
    assert 0 < best < len(epochs) - 1  # the best epoch has a neighbour on either side
    kept = [best - 1, best, best + 1] if averaging else [best]
    for name, param in clf.net_.module_.named_parameters():
        if param.requires_grad:
            expected = sum(epochs[i][name] for i in kept) / len(kept)
            torch.testing.assert_close(param.detach(), expected)
    # The snapshots are let go once training ends (they would bloat pickles).
    assert dict(clf.net_.callbacks_)["early_stopping"].last_weights_ is None
    # The n-gram path is frozen: its table is the fitted one, not averaged.
    assert not clf.net_.module_.ngrams.weight.weight.requires_grad


def test_checkpoint_averaging_has_no_effect_without_early_stopping():
    X, y = _texts(40)
    params = {**TINY, "max_epochs": 2, "early_stopping": False}
    on = RNNClassifier(checkpoint_averaging=True, **params).fit(X, y)
    off = RNNClassifier(checkpoint_averaging=False, **params).fit(X, y)
    np.testing.assert_array_equal(on.predict_proba(X), off.predict_proba(X))


def test_too_few_samples_for_validation_warns():
    X, y = _fixed(4)
    y = np.array([0, 1, 0, 1])
    with pytest.warns(UserWarning, match="too few samples"):
        clf = RNNClassifier(early_stopping=True, **TINY).fit(X, y)
    assert not any("valid_loss" in row for row in clf.history_)


def test_max_length_truncates_long_texts():
    X, y = _texts(20)
    long_text = " ".join(["great"] * 4_000 + ["the film"] * 500)
    assert len(long_text.split()) == 5_000
    X[1] = long_text
    clf = RNNClassifier(max_length=50, callbacks=[("widths", BatchWidths())],
                        early_stopping=False, **TINY).fit(X, y)
    assert max(_callback(clf, "widths").widths) == 50
    # Tokens past max_length are never read.
    variants = [long_text, " ".join(["great"] * 50 + ["awful"] * 4_950)]
    proba = clf.predict_proba(variants)
    np.testing.assert_array_equal(proba[0], proba[1])


def test_callbacks_are_used_and_not_modified():
    X, y = _fixed()
    counter = EpochCounter()
    scheduler = LRScheduler(policy="StepLR", step_size=1, gamma=0.5)
    clf = RNNClassifier(callbacks=[counter, ("lr", scheduler)], lr=0.01, early_stopping=False,
                        **{**TINY, "max_epochs": 3}).fit(X, y)
    assert counter.n_epochs == 0  # the user's object was copied, not trained with
    assert clf.callbacks[0] is counter and clf.callbacks[1][1] is scheduler
    assert not hasattr(scheduler, "lr_scheduler_")
    copies = [cb for _, cb in clf.net_.callbacks_ if isinstance(cb, EpochCounter)]
    assert len(copies) == 1 and copies[0].n_epochs == 3
    assert clf.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.01 * 0.5**3)


def test_verbose_zero_prints_nothing(capsys):
    X, y = _texts()
    clf = RNNClassifier(verbose=0, **{**TINY, "max_epochs": 2}).fit(X, y)
    clf.predict(X)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    RNNClassifier(verbose=1, **TINY).fit(X, y)
    assert "train_loss" in capsys.readouterr().out


# --------------------------------------------------------------------------------------
# RNNRegressor
# --------------------------------------------------------------------------------------

REG = dict(hidden_size=8, max_epochs=20, lr=1e-2, early_stopping=False, device="cpu",
           random_state=0)


def test_regressor_single_output_on_the_scale_of_y():
    X, _ = _fixed(150, steps=6)
    target = 1_000.0 + 100.0 * X.sum(axis=1)
    reg = RNNRegressor(**REG).fit(X[:120], target[:120])
    pred = reg.predict(X[120:])
    assert pred.shape == (30,) and pred.dtype == np.float64
    assert abs(pred.mean() - target[120:].mean()) < 0.2 * target.std()
    assert 0.5 < pred.std() / target[120:].std() < 2.0
    assert np.corrcoef(pred, target[120:])[0, 1] > 0.8
    assert reg.score(X[120:], target[120:]) > 0.5
    assert reg.n_outputs_ == 1


def test_regressor_multi_output():
    X, _ = _fixed(150, steps=6)
    s = X.sum(axis=1)
    Y = np.column_stack([1_000.0 + 100.0 * s, -0.01 * s])
    reg = RNNRegressor(**REG).fit(X[:120], Y[:120])
    pred = reg.predict(X[120:])
    assert pred.shape == (30, 2) and reg.n_outputs_ == 2
    for j in range(2):  # each target on its own scale
        assert np.corrcoef(pred[:, j], Y[120:, j])[0, 1] > 0.8
        assert abs(pred[:, j].mean() - Y[120:, j].mean()) < 0.2 * Y[:, j].std()
        assert 0.5 < pred[:, j].std() / Y[120:, j].std() < 2.0
    column = RNNRegressor(**{**TINY, "max_epochs": 1}).fit(X, Y[:, :1])
    assert column.predict(X[:3]).shape == (3, 1)


# --------------------------------------------------------------------------------------
# Inputs are never modified
# --------------------------------------------------------------------------------------


def _snapshot(X):
    if isinstance(X, (pd.Series, pd.DataFrame)):
        return X.copy(deep=True)
    return copy.deepcopy(X)


def _assert_same(a, b):
    if isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif isinstance(a, np.ndarray) and a.dtype != object:
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    else:
        assert len(a) == len(b)
        for x, z in zip(a, b, strict=True):
            if isinstance(x, str):
                assert x == z
            else:
                np.testing.assert_array_equal(x, z)
                assert np.asarray(x).dtype == np.asarray(z).dtype


@pytest.mark.parametrize("kind", ["text-list", "text-series", "tokens", "2d", "3d", "ragged"])
def test_inputs_are_not_modified(kind):
    X, y, _ = _input(kind, None)
    if kind in ("2d", "3d"):
        X = X.astype(np.float32)  # no conversion copy: the estimator sees the caller's array
    X_before, y_before = _snapshot(X), y.copy()
    clf = RNNClassifier(**{**TINY, "max_epochs": 1}).fit(X, y)
    clf.predict_proba(X)
    _assert_same(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    y_reg = np.linspace(-5.0, 5.0, len(y))
    y_reg_before = y_reg.copy()
    RNNRegressor(**{**TINY, "max_epochs": 1}).fit(X, y_reg).predict(X)
    _assert_same(X, X_before)
    np.testing.assert_array_equal(y_reg, y_reg_before)


# --------------------------------------------------------------------------------------
# The optimizer kernel
# --------------------------------------------------------------------------------------


@pytest.mark.skipif(not _FUSED_OPTIMIZERS,
                    reason="torch's fused Adam runs on CPU from torch 2.4")
def test_the_classifier_steps_with_fused_adam_and_learns_what_the_loop_learns(monkeypatch):
    """``RNNClassifier`` steps Adam with torch's fused kernel (the loop over parameters
    took a third of a text fit on CPU); the kernel computes the same update, so the
    fitted probabilities match those of the loop version up to float rounding. Other
    optimizers, and ``RNNRegressor``, keep torch's default."""
    X, y = _texts()
    fused = RNNClassifier(**TINY).fit(X, y)
    assert fused.net_.optimizer_.defaults["fused"] is True
    monkeypatch.setattr(RNNClassifier, "_fuse_optimizer", False)
    loop = RNNClassifier(**TINY).fit(X, y)
    assert not loop.net_.optimizer_.defaults["fused"]
    np.testing.assert_allclose(fused.predict_proba(X), loop.predict_proba(X), atol=1e-4)
    monkeypatch.undo()
    sgd = RNNClassifier(**{**TINY, "optimizer": "sgd"}).fit(X, y)
    assert "fused" not in sgd.net_.optimizer_.defaults or not sgd.net_.optimizer_.defaults["fused"]
    X_num, y_num = _fixed()
    regressor = RNNRegressor(**TINY).fit(X_num, y_num.astype(np.float32))
    assert not regressor.net_.optimizer_.defaults["fused"]
