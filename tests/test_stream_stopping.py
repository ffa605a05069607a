"""Early stopping in ``partial_fit``: a hold-out chosen by digest, checked once a pass."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from test_classification import TINY, _texts

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn._sequences import Sequences
from sk_rnn._stream_stopping import (
    StreamCheck,
    holdout_rows,
    new_stream_state,
    record_holdout,
    row_digests,
)


def _sequences(n, seed=0):
    rng = np.random.RandomState(seed)
    data = [rng.randint(2, 50, size=rng.randint(1, 8)) for _ in range(n)]
    return Sequences(data, np.array([len(d) for d in data]))


def test_the_holdout_is_the_same_sequences_whatever_the_chunks():
    sequences, y = _sequences(2000), np.arange(2000) % 2
    digests = row_digests(sequences, y)
    mask = holdout_rows(digests, 0.1)
    assert 0.08 < mask.mean() < 0.12
    # the same sequence and target, in another chunk and position, gets the same verdict
    order = np.random.RandomState(1).permutation(2000)[:300]
    again = row_digests(Sequences([sequences.data[i] for i in order],
                                  sequences.lengths[order]), y[order])
    np.testing.assert_array_equal(holdout_rows(again, 0.1), mask[order])
    # the target is part of the digest
    flipped = row_digests(sequences, 1 - y)
    assert all(a != b for a, b in zip(flipped, digests, strict=True))
    assert not holdout_rows(digests, 0.0).any()


def test_record_holdout_checks_once_a_pass_and_stops_after_patience():
    state = new_stream_state()
    chunks = [["a", "b"], ["c"], ["d", "e"]]
    # first pass: every chunk brings new held-out sequences, nothing is decided
    for chunk in chunks:
        assert record_holdout(state, chunk, np.ones(len(chunk)), patience=2)[0] == \
            StreamCheck.NONE
    # the first chunk of the next pass ends the first pass: the first check
    check, loss = record_holdout(state, chunks[0], np.zeros(2), patience=2)
    assert check == StreamCheck.IMPROVED and math.isclose(loss, 3 / 5)
    for chunk in chunks[1:]:  # the rest of the pass: no check yet
        assert record_holdout(state, chunk, np.zeros(len(chunk)), 2)[0] == StreamCheck.NONE
    check, loss = record_holdout(state, chunks[0], np.zeros(2), patience=2)
    assert check == StreamCheck.IMPROVED and loss == 0.0
    verdicts = []
    for _ in range(2):  # two passes no better than the best
        for chunk in chunks[1:] + chunks[:1]:
            verdicts.append(record_holdout(state, chunk, np.ones(len(chunk)), 2)[0])
    assert verdicts == [StreamCheck.NONE, StreamCheck.NONE, StreamCheck.WORSE,
                        StreamCheck.NONE, StreamCheck.NONE, StreamCheck.STOP]
    assert state["stopped"]


def _trained_rows(clf):
    return sum(batch["train_batch_size"] for batch in clf.history_[-1, "batches"])


def test_partial_fit_holds_out_the_same_sequences_on_every_pass():
    X, y = _texts(n=200)
    clf = RNNClassifier(**TINY)
    chunks = [slice(0, 100), slice(100, 200)]
    clf.partial_fit(X[chunks[0]], y[chunks[0]], classes=["neg", "pos"])
    held_first = len(clf._stream_["losses"])
    assert _trained_rows(clf) == 100 - held_first
    clf.partial_fit(X[chunks[1]], y[chunks[1]])
    held = len(clf._stream_["losses"])
    assert 0 < held < 50 and _trained_rows(clf) == 100 - (held - held_first)
    clf.partial_fit(X[chunks[0]], y[chunks[0]])  # a second pass: the same sequences
    assert len(clf._stream_["losses"]) == held
    assert "valid_loss" in clf.history_[-1]  # the first pass is over: checked


@pytest.mark.parametrize("averaging", [False, True])
def test_partial_fit_stops_and_brings_the_best_network_back(averaging):
    X, y = _texts(n=120)
    clf = RNNClassifier(patience=2, lr=0.05, validation_fraction=0.3,
                        checkpoint_averaging=averaging, **TINY)
    chunks = [slice(0, 60), slice(60, 120)]
    kept = None
    for _ in range(40):
        for chunk in chunks:
            if hasattr(clf, "_stream_weights_"):
                kept = {k: v and {n: w.clone() for n, w in v.items()}
                        for k, v in clf._stream_weights_.items() if k != "count"}
            clf.partial_fit(X[chunk], y[chunk], classes=["neg", "pos"])
            if clf._stream_["stopped"]:
                break
        if clf._stream_["stopped"]:
            break
    assert clf._stream_["stopped"] and not hasattr(clf, "_stream_weights_")
    # patience 2: the check after the best one kept its weights ("after"), the next
    # stopped training
    params = dict(clf.net_.module_.named_parameters())
    for name, best in kept["best"].items():
        expected = best
        if averaging:
            neighbours = [w[name] for w in (kept["before"], kept["after"]) if w is not None]
            expected = (best + sum(neighbours)) / (1 + len(neighbours))
        torch.testing.assert_close(params[name].detach(), expected)
    assert kept["after"] is not None
    epochs, proba = clf.n_iter_, clf.predict_proba(X)
    clf.partial_fit(X[chunks[0]], y[chunks[0]])  # stopped: trains nothing more
    assert clf.n_iter_ == epochs
    np.testing.assert_allclose(clf.predict_proba(X), proba)
    losses = [row["valid_loss"] for row in clf.history_ if "valid_loss" in row]
    assert min(losses) == clf._stream_["best"]


def test_without_early_stopping_partial_fit_trains_on_everything():
    X, y = _texts(n=100)
    clf = RNNClassifier(early_stopping=False, **TINY)
    clf.partial_fit(X, y, classes=["neg", "pos"])
    clf.partial_fit(X, y)
    assert _trained_rows(clf) == 100 and not hasattr(clf, "_stream_")


def test_numeric_streams_hold_out_only_when_asked():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 6))
    y = X.sum(axis=1)
    auto = RNNRegressor(**TINY).partial_fit(X, y)
    assert not hasattr(auto, "_stream_") and _trained_rows(auto) == 80
    held = RNNRegressor(early_stopping=True, **TINY).partial_fit(X, y)
    held.partial_fit(X, y)
    assert "valid_loss" in held.history_[-1]
    n_held = len(held._stream_["losses"])
    assert 0 < n_held < 80 and _trained_rows(held) == 80 - n_held
    # the regressor's hold-out loss is the squared error on the scaled targets
    sequences = held._prepare_X(X, reset=False)
    scaled = held._scaled_targets(y, sequences, learn=False, context="")
    mask = holdout_rows(row_digests(sequences, scaled), 0.1)
    assert mask.sum() == n_held
    expected = np.mean((held.predict(X[mask]) - y[mask]) ** 2) / held.target_scale_[0] ** 2
    assert math.isclose(held.history_[-1]["valid_loss"], expected, rel_tol=1e-4)


def test_a_fit_drops_the_stream_state():
    X, y = _texts(n=80)
    clf = RNNClassifier(warm_start=True, **TINY).partial_fit(X, y, classes=["neg", "pos"])
    assert hasattr(clf, "_stream_")
    clf.fit(X, y)
    assert not hasattr(clf, "_stream_") and not hasattr(clf, "_stream_weights_")


def test_a_check_keeps_the_mean_of_the_networks_along_the_pass():
    # The held-out losses a check compares come from the networks after each call of
    # the pass: the weights kept for that check are their mean.
    X, y = _texts(n=120)
    clf = RNNClassifier(**TINY)
    chunks = [slice(0, 60), slice(60, 120)]
    after = []
    for chunk in [*chunks, chunks[0]]:  # the first call of pass 2 ends pass 1: a check
        clf.partial_fit(X[chunk], y[chunk], classes=["neg", "pos"])
        after.append({n: p.detach().clone() for n, p in clf.net_.module_.named_parameters()
                      if p.requires_grad})
    assert "valid_loss" in clf.history_[-1]
    best = clf._stream_weights_["best"]
    for name, value in best.items():
        torch.testing.assert_close(value, sum(w[name] for w in after) / 3)
    assert clf._stream_weights_["sum"] is None  # a new sum starts with the next call
