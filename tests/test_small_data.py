"""Numeric sequences and small data: ``patch_length`` and ``early_stopping="auto"``."""

from __future__ import annotations

import numpy as np
import pytest

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn._sequences import Sequences
from sk_rnn.classification import (
    _MIN_UPDATES,
    _MIN_VALIDATION_SIZE,
    _PATCH_STEPS,
    _patch,
    _series_scaled,
)


def test_patch_puts_consecutive_steps_side_by_side_and_pads_with_the_last_step():
    seq = np.arange(10, dtype=np.float32).reshape(5, 2)  # 5 steps, 2 channels
    patched = _patch(Sequences([seq, seq[:2]], np.array([5, 2])), 2)
    assert patched.lengths.tolist() == [3, 1]
    np.testing.assert_array_equal(patched.data[0], [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 8, 9]])
    np.testing.assert_array_equal(patched.data[1], [[0, 1, 2, 3]])
    assert _patch(Sequences([seq], np.array([5])), 1).data[0] is seq


def test_auto_patch_length_caps_the_recurrent_steps():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(24, 100, 3)), np.arange(24) % 2
    clf = RNNClassifier(hidden_size=4, max_epochs=1, batch_size=24, random_state=0).fit(X, y)
    assert clf.patch_length_ == -(-100 // _PATCH_STEPS) == 7
    assert clf.net_.module_.encoder.conv.convs[0].in_channels == 3 * 7
    assert clf.predict(X[:, :37]).shape == (24,)  # shorter series: fewer patches
    short = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X[:, :16], y)
    assert short.patch_length_ == 1
    fixed = RNNClassifier(hidden_size=4, max_epochs=1, batch_size=24, patch_length=10,
                          random_state=0).fit(X, y)
    assert fixed.net_.module_.encoder.conv.convs[0].in_channels == 30


def test_text_input_is_never_patched():
    texts = ["good film", "bad film", "great plot", "awful plot"] * 5
    clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=1, random_state=0)
    clf.fit(texts, ["p", "n", "p", "n"] * 5)
    assert not hasattr(clf, "patch_length_")


@pytest.mark.parametrize("value", [0, -2, 1.5, "long", True])
def test_bad_patch_length(value):
    X, y = np.zeros((6, 5)), np.arange(6) % 2
    with pytest.raises(ValueError, match="patch_length must be a positive integer or"):
        RNNClassifier(patch_length=value).fit(X, y)


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_early_stopping(value):
    X, y = np.zeros((6, 5)), np.arange(6) % 2
    with pytest.raises(ValueError, match="early_stopping must be True, False or"):
        RNNClassifier(early_stopping=value).fit(X, y)


def test_auto_early_stopping_trains_small_data_on_everything_for_an_update_budget():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 8, 2)), rng.normal(size=60)
    reg = RNNRegressor(hidden_size=4, max_epochs=5, batch_size=32, random_state=0).fit(X, y)
    # 60 sequences: a 6-sequence hold-out is noise, so none; 2 batches an epoch
    assert "valid_loss" not in reg.history_[-1]
    assert reg.n_iter_ == _MIN_UPDATES // 2
    # an explicit choice is kept
    reg = RNNRegressor(hidden_size=4, max_epochs=5, early_stopping=False, random_state=0)
    assert reg.fit(X, y).n_iter_ == 5
    reg = RNNRegressor(hidden_size=4, max_epochs=5, early_stopping=True, random_state=0)
    assert "valid_loss" in reg.fit(X, y).history_[-1]


def test_auto_early_stopping_holds_out_data_when_there_is_enough():
    n = int(np.ceil(_MIN_VALIDATION_SIZE / 0.1))
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(n, 3, 1)), np.arange(n) % 2
    clf = RNNClassifier(hidden_size=4, max_epochs=2, batch_size=256, random_state=0).fit(X, y)
    assert "valid_loss" in clf.history_[-1]
    assert clf.n_iter_ <= 2


def test_series_scaling_keeps_shape_and_adds_the_level():
    seq = np.array([[1.0, 10.0], [3.0, 30.0]], dtype=np.float32)
    scaled = _series_scaled(Sequences([seq, 1000 * seq], np.array([2, 2])))
    assert scaled.data[0].shape == (2, 6)
    np.testing.assert_allclose(scaled.data[0][:, :2], [[-1, -1], [1, 1]], atol=1e-6)
    np.testing.assert_allclose(scaled.data[1][:, :2], scaled.data[0][:, :2], atol=1e-6)
    np.testing.assert_allclose(scaled.data[0][0, 2:], np.r_[np.arcsinh([2.0, 20.0]),
                                                           np.log([1.0, 10.0])], rtol=1e-5)
    np.testing.assert_allclose(scaled.data[1][0, 5] - scaled.data[0][0, 5], np.log(1000),
                               rtol=1e-5)


def test_auto_standardize_follows_the_spread_of_scales():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 12, 2)), np.arange(30) % 2
    params = dict(hidden_size=4, max_epochs=1, batch_size=30, random_state=0)
    same_scale = RNNClassifier(**params).fit(X, y)
    assert same_scale.scaling_ == "global"
    assert same_scale.net_.module_.encoder.rnn.input_size == 2
    spread = X * np.logspace(-3, 3, 30)[:, None, None]
    varied = RNNClassifier(**params).fit(spread, y)
    assert varied.scaling_ == "series"
    assert varied.net_.module_.encoder.rnn.input_size == 6
    assert varied.predict(spread).shape == (30,)
    assert RNNClassifier(**params, standardize=False).fit(spread, y).scaling_ is None
    assert RNNClassifier(**params, standardize=True).fit(spread, y).scaling_ == "global"
    assert RNNClassifier(**params, standardize="series").fit(X, y).scaling_ == "series"


@pytest.mark.parametrize("value", ["yes", 1.0, None])
def test_bad_standardize(value):
    X, y = np.zeros((6, 5)), np.arange(6) % 2
    with pytest.raises(ValueError, match="standardize must be True, False"):
        RNNClassifier(standardize=value).fit(X, y)
