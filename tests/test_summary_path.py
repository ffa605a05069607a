"""The summary-statistics path beside the recurrent encoder on numeric input
(``linear_summary``)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from _helpers import assert_path_mixed_in_eval_only
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

import sk_rnn
from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn.compression import prune, quantize
from sk_rnn.nn.summary import SummaryStatsLinear, n_statistics, summary_statistics


def _numpy_statistics(seq: np.ndarray) -> np.ndarray:
    t = np.arange(len(seq), dtype=np.float64)
    slope = np.polyfit(t, seq, 1)[0] if len(seq) > 1 else np.zeros(seq.shape[1])
    return np.r_[seq.mean(0), seq.std(0), seq.min(0), seq.max(0), slope, seq[0], seq[-1],
                 np.log(len(seq))]


def test_statistics_cover_the_real_steps_only():
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 3)) for n in (7, 1, 4)]
    x = torch.full((3, 7, 3), 1e6)  # padding values must not leak into any statistic
    for i, seq in enumerate(seqs):
        x[i, : len(seq)] = torch.from_numpy(seq)
    stats = summary_statistics(x, torch.tensor([7, 1, 4]))
    assert stats.shape == (3, n_statistics(3)) == (3, 7 * 3 + 1)
    expected = np.stack([_numpy_statistics(seq) for seq in seqs])
    np.testing.assert_allclose(stats.numpy(), expected, rtol=1e-5, atol=1e-5)


def test_patches_are_laid_back_into_steps():
    rng = np.random.RandomState(1)
    series = torch.from_numpy(rng.normal(size=(2, 12, 2)).astype(np.float32))
    patched = series.reshape(2, 4, 3 * 2)  # 3 steps of 2 features per patch
    path = SummaryStatsLinear(n_features=2, n_outputs=2, patch_length=3)
    torch.testing.assert_close(path.statistics(patched, torch.tensor([4, 4])),
                               summary_statistics(series, torch.tensor([12, 12])))


def _level_and_spread_data(n: int = 90, seed: int = 0):
    """Three classes that differ in level and spread, which summary statistics see
    at once; the series are noise otherwise."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    levels, spreads = (0.0, 1.0, 0.0), (1.0, 1.0, 3.0)
    X = [rng.normal(loc=levels[k], scale=spreads[k], size=(rng.randint(8, 20), 2))
         for k in y]
    return X, np.array(["a", "b", "c"])[y]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_path_is_the_logistic_regression_on_the_training_statistics(n_classes):
    X, y = _level_and_spread_data()
    keep = np.isin(y, ["a", "b", "c"][:n_classes])
    X, y = [seq for seq, k in zip(X, keep, strict=True) if k], y[keep]
    # early stopping holds data out: the path is fitted on all of it anyway
    clf = RNNClassifier(hidden_size=4, max_epochs=1, early_stopping=True,
                        validation_fraction=0.3, random_state=0).fit(X, y)
    module = clf.net_.module_
    assert module.ngrams is None and float(module.summary_share) == 0.5
    assert not any(p.requires_grad for p in module.summary.parameters())
    scaled = [(seq - clf.feature_mean_) / clf.feature_scale_ for seq in X]
    stats = np.stack([_numpy_statistics(seq.astype(np.float32)) for seq in scaled])
    expected = LogisticRegression(C=RNNClassifier._summary_C, max_iter=5000).fit(
        StandardScaler().fit_transform(stats), y).predict_proba(
        StandardScaler().fit(stats).transform(stats))
    lengths = torch.tensor([len(seq) for seq in X])
    x = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(s.astype(np.float32))
                                         for s in scaled], batch_first=True)
    module.eval()
    with torch.no_grad():
        got = module.summary.log_proba(module.summary(x, lengths)).exp().numpy()
    np.testing.assert_allclose(got, expected, atol=2e-3)
    callback = dict(clf.net_.callbacks_)["linear_path"]
    assert callback.sequences is None and callback.classes is None


def test_classifier_mixes_the_path_with_the_encoder():
    X, y = _level_and_spread_data()
    # A learning rate too small to move the encoder: what it gets right is the path's.
    params = dict(hidden_size=4, max_epochs=1, lr=1e-9, dropout=0.0, random_state=0)
    clf = RNNClassifier(**params).fit(X, y)
    assert clf.score(X, y) > 0.9
    without = RNNClassifier(**params, linear_summary=False).fit(X, y)
    assert without.net_.module_.summary is None
    assert without.score(X, y) < clf.score(X, y) - 0.2
    module = clf.net_.module_
    x = torch.from_numpy(np.stack([seq[:8] for seq in X[:5]]).astype(np.float32))
    assert_path_mixed_in_eval_only(module, x, torch.full((5,), 8))


def test_the_encoder_trains_as_it_would_without_the_path():
    X, y = _level_and_spread_data(60)
    params = dict(hidden_size=4, max_epochs=3, dropout=0.3, random_state=0,
                  early_stopping=True)
    with_path = RNNClassifier(**params).fit(X, y)
    alone = RNNClassifier(**params, linear_summary=False).fit(X, y)
    np.testing.assert_allclose(with_path.history_[:, "valid_loss"],
                               alone.history_[:, "valid_loss"], rtol=1e-5)
    with_path.net_.module_.summary_share.fill_(0.0)
    np.testing.assert_allclose(with_path.predict_proba(X), alone.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("standardize, patch_length", [(True, 1), ("series", 4), (False, 3)])
def test_path_reads_the_input_as_the_network_does(standardize, patch_length):
    X, y = _level_and_spread_data(60)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, standardize=standardize,
                        patch_length=patch_length, random_state=0).fit(X, y)
    path = clf.net_.module_.summary
    per_step = 2 * (3 if standardize == "series" else 1)
    assert (path.n_features, path.patch_length) == (per_step, patch_length)
    assert clf.predict_proba(X).shape == (60, 3)


def test_path_survives_pickle_save_and_compression(tmp_path):
    X, y = _level_and_spread_data(60)
    clf = RNNClassifier(hidden_size=8, max_epochs=2, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    sk_rnn.save(clf, tmp_path / "clf.skrnn")
    np.testing.assert_allclose(sk_rnn.load(tmp_path / "clf.skrnn").predict_proba(X), expected,
                               rtol=1e-5, atol=1e-6)
    # the path stays as fitted (float) when the network is quantised or pruned
    for compressed in (quantize(clf), prune(clf, 0.5, structured=True, X=X, y=y)):
        path = compressed.net_.module_.summary
        torch.testing.assert_close(path.weight, clf.net_.module_.summary.weight)
        assert float(compressed.net_.module_.summary_share) == 0.5
        assert (compressed.predict(X) == clf.predict(X)).mean() > 0.8


def test_warm_start_refits_the_path_and_partial_fit_has_none():
    X, y = _level_and_spread_data(60)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, warm_start=True, random_state=0)
    clf.fit(X[:30], y[:30])
    first = clf.net_.module_.summary.weight.clone()
    clf.fit(X[30:], y[30:])
    assert not torch.equal(first, clf.net_.module_.summary.weight)
    streamed = RNNClassifier(hidden_size=4, random_state=0)
    streamed.partial_fit(X[:30], y[:30], classes=["a", "b", "c"])
    assert streamed.net_.module_.summary is None  # it needs all the data at once


def test_no_path_for_text_or_for_the_regressor():
    texts = ["good film", "bad film", "great plot", "awful plot"] * 5
    labels = ["pos", "neg", "pos", "neg"] * 5
    text_clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=1,
                             random_state=0).fit(texts, labels)
    assert text_clf.net_.module_.summary is None
    X, _ = _level_and_spread_data(30)
    reg = RNNRegressor(hidden_size=4, max_epochs=1, random_state=0).fit(
        X, np.arange(30, dtype=float))
    assert reg.net_.module_.summary is None


def test_a_class_missing_from_the_path_labels_gets_no_veto():
    path = SummaryStatsLinear(n_features=1, n_outputs=3).requires_grad_(False)
    rng = np.random.RandomState(0)
    seqs = [rng.normal(loc=k, size=(5, 1)).astype(np.float32) for k in (0, 2) * 10]
    path.fit_logistic(seqs, np.array([0, 2] * 10))
    assert float(path.weight[1].abs().sum()) == 0.0
    assert float(path.bias[1]) == pytest.approx(float(path.bias[[0, 2]].mean()))
    one_class = SummaryStatsLinear(n_features=1, n_outputs=2).requires_grad_(False)
    one_class.fit_logistic(seqs, np.zeros(20, dtype=int))
    assert float(one_class.weight.abs().sum() + one_class.bias.abs().sum()) == 0.0


def test_a_model_pickled_before_the_path_still_predicts():
    X, y = _level_and_spread_data(30)
    clf = RNNClassifier(hidden_size=4, max_epochs=1, linear_summary=False,
                        random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    del clf.net_.module_.__dict__["summary"]  # what such a pickle restores
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.net_.module_.path is None
    np.testing.assert_allclose(restored.predict_proba(X), expected)


def test_path_with_transfer_distillation_and_bf16():
    from sk_rnn.compression import distill

    X, y = _level_and_spread_data(60)
    base = RNNClassifier(hidden_size=8, max_epochs=2, random_state=0).fit(X, y)
    transferred = RNNClassifier(pretrained=base, max_epochs=1, random_state=0).fit(X[:30], y[:30])
    assert transferred.net_.module_.summary is not None
    student = distill(base, X, hidden_size=4, max_epochs=1, random_state=0)
    assert student.net_.module_.summary is not None
    assert student.predict_proba(X).shape == (60, 3)
    low = RNNClassifier(hidden_size=8, max_epochs=1, precision="bf16", random_state=0).fit(X, y)
    assert np.isfinite(low.predict_proba(X)).all()
