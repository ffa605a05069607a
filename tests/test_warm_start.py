"""``warm_start``: a second ``fit`` continues from the fitted network."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from _helpers import assert_path_mixed_in_eval_only
from test_classification import TINY, _texts

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn.nn import NgramLinear


def _weights(estimator):
    return {k: v.detach().clone() for k, v in estimator.net_.module_.state_dict().items()}


def _starting_weights(estimator, X, y):
    """The encoder's weights when a fit's training begins (recorded by a callback)."""
    from skorch.callbacks import Callback

    class Start(Callback):
        def on_train_begin(self, net, **kwargs):
            self.weights = {k: v.detach().clone() for k, v in
                            net.module_.state_dict().items() if k.startswith("encoder.")}

    estimator.set_params(callbacks=[("start", Start())])
    estimator.fit(X, y)
    return dict(estimator.net_.callbacks_)["start"].weights


def test_warm_fit_starts_from_the_fitted_weights():
    X, y = _texts()
    clf = RNNClassifier(warm_start=True, **TINY).fit(X, y)
    fitted = _weights(clf)
    vocabulary = dict(clf.vectorizer_.vocabulary_)
    start = _starting_weights(clf, X, y)
    for key, value in start.items():
        torch.testing.assert_close(value, fitted[key])
    key = "encoder.rnn.weight_hh_l0"
    assert not torch.equal(_weights(clf)[key], fitted[key])  # and it trained on
    assert clf.vectorizer_.vocabulary_ == vocabulary  # the vocabulary stays
    # A cold fit starts from fresh weights.
    cold = _starting_weights(RNNClassifier(**TINY), X, y)
    assert not torch.equal(cold[key], fitted[key])


def test_warm_fit_keeps_the_vocabulary_on_new_texts():
    X, y = _texts()
    clf = RNNClassifier(warm_start=True, **TINY).fit(X, y)
    vocabulary = dict(clf.vectorizer_.vocabulary_)
    clf.fit([t + " unseenword" for t in X], y)
    assert clf.vectorizer_.vocabulary_ == vocabulary
    assert clf.predict(X).shape == (40,)


def test_without_warm_start_fit_starts_afresh():
    X, y = _texts()
    clf = RNNClassifier(**TINY).fit(X, y)
    first = clf.predict_proba(X)
    np.testing.assert_allclose(clf.fit(X, y).predict_proba(X), first, rtol=1e-5)


def test_warm_fit_refuses_other_classes_and_keeps_the_previous_fit():
    X, y = _texts()
    clf = RNNClassifier(warm_start=True, **TINY).fit(X, y)
    before = clf.predict_proba(X)
    with pytest.raises(ValueError, match=r"same classes as the previous fit: it had "
                                         r"\['neg', 'pos'\], y has \['neg', 'other', 'pos'\]"):
        clf.fit(X, np.where(np.arange(40) % 5 == 0, "other", y))
    np.testing.assert_array_equal(clf.predict_proba(X), before)
    assert list(clf.classes_) == ["neg", "pos"]


def test_warm_fit_refuses_a_new_architecture_or_input_kind():
    X, y = _texts()
    clf = RNNClassifier(warm_start=True, **TINY).fit(X, y)
    clf.set_params(hidden_size=8)
    with pytest.raises(ValueError, match="whose hidden_size is 4, but hidden_size is now 8"):
        clf.fit(X, y)
    clf.set_params(hidden_size=4)
    with pytest.raises(ValueError, match="fitted on raw strings|was fitted on"):
        clf.fit(np.random.RandomState(0).normal(size=(40, 5)), y)
    assert clf.predict(X).shape == (40,)


def test_warm_regressor_keeps_its_target_scaling():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(50, 6, 2))
    y = X.sum(axis=(1, 2)) * 10 + 100
    reg = RNNRegressor(warm_start=True, **TINY).fit(X, y)
    mean, scale = reg.target_mean_.copy(), reg.target_scale_.copy()
    reg.fit(X[:20], y[:20] + 1000)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    with pytest.raises(ValueError, match="as many targets as before: 1, got 2"):
        reg.fit(X, np.column_stack([y, y]))
    assert reg.predict(X).shape == (50,)


def test_warm_fit_of_numeric_sequences_keeps_scaling_and_patches():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(30, 40, 2)), np.arange(30) % 2
    clf = RNNClassifier(warm_start=True, **TINY).fit(X, y)
    mean, patch = clf.feature_mean_.copy(), clf.patch_length_
    clf.fit(X[:, :20] * 5 + 3, y)
    np.testing.assert_array_equal(clf.feature_mean_, mean)
    assert clf.patch_length_ == patch
    with pytest.raises(ValueError, match="features per time step"):
        clf.fit(rng.normal(size=(30, 40, 3)), y)


# --------------------------------------------------------------------------------------
# partial_fit
# --------------------------------------------------------------------------------------


def test_partial_fit_trains_one_pass_per_call_and_keeps_the_optimizer():
    X, y = _texts(n=80)
    clf = RNNClassifier(**TINY)
    clf.partial_fit(X[:40], y[:40], classes=["neg", "pos"])
    assert clf.n_iter_ == 1 and "valid_loss" not in clf.history_[-1]
    vocabulary = dict(clf.vectorizer_.vocabulary_)
    optimizer = clf.net_.optimizer_
    steps = float(optimizer.state_dict()["state"][0]["step"])
    weights = _weights(clf)
    clf.partial_fit([t + " unseenword" for t in X[40:]], y[40:])
    assert clf.n_iter_ == 2
    assert clf.net_.optimizer_ is optimizer  # Adam's moments carry over
    assert float(optimizer.state_dict()["state"][0]["step"]) > steps
    assert not torch.equal(_weights(clf)["encoder.rnn.weight_hh_l0"],
                           weights["encoder.rnn.weight_hh_l0"])
    assert clf.vectorizer_.vocabulary_ == vocabulary  # fixed by the first call
    assert clf.predict(X).shape == (80,)


def _chunk_ids(clf, X):
    return [clf.vectorizer_.transform([text])[0] for text in X]


def _chunk_model(clf, X, y):
    """The n-gram path's NB-LR model of one chunk alone, with the estimator's
    vocabulary: ``{n-gram id: weights}`` and the bias."""
    path = clf.net_.module_.ngrams
    alone = NgramLinear(path.vocab_size, len(clf.classes_), path.order)
    alone.fit_naive_bayes_logistic(_chunk_ids(clf, X), np.searchsorted(clf.classes_, y),
                                   C=clf._ngram_C)
    table = alone.weight.weight[1:].detach().numpy()
    return (dict(zip(alone.feature_ids.tolist(), table, strict=True)),
            alone.bias.detach().numpy())


def test_partial_fit_streams_the_chunks_into_the_ngram_path():
    X, y = _texts(n=80)
    first, second = (X[:40], y[:40]), (X[40:], y[40:])
    clf = RNNClassifier(dropout=0.0, **TINY).partial_fit(*first, classes=["neg", "pos"])
    path = clf.net_.module_.ngrams
    model_a, bias_a = _chunk_model(clf, *first)  # all the chunk's rows, hold-out included
    np.testing.assert_allclose(path.bias.numpy(), bias_a, rtol=1e-6)
    clf.partial_fit(*second)
    # The path is the streamed NB-LR fit of the two chunks (tested in test_ngrams.py).
    expected = NgramLinear(path.vocab_size, 2, path.order)
    state = None
    for chunk_X, chunk_y in (first, second):
        state = expected.partial_fit_naive_bayes_logistic(
            _chunk_ids(clf, chunk_X), np.searchsorted(clf.classes_, chunk_y), state,
            C=clf._ngram_C)
    assert torch.equal(path.feature_ids, expected.feature_ids)
    torch.testing.assert_close(path.weight.weight, expected.weight.weight)
    torch.testing.assert_close(path.bias, expected.bias)
    # The next pass over the same chunks trains the network, not the path.
    table = path.weight.weight.clone()
    clf.partial_fit(*first)
    clf.partial_fit(*second)
    assert clf.n_iter_ == 4
    assert torch.equal(path.weight.weight, table)
    assert float(clf.net_.module_.ngram_share) == clf._ngram_share
    # Predictions mix the network with the path, as after fit.
    ids = clf.vectorizer_.transform(X[:8])
    lengths = torch.tensor([len(i) for i in ids])
    x = torch.zeros(len(ids), int(lengths.max()), dtype=torch.long)
    for row, sequence in enumerate(ids):
        x[row, : len(sequence)] = torch.as_tensor(sequence)
    assert_path_mixed_in_eval_only(clf.net_.module_, x, lengths)


def test_partial_fit_ngram_path_survives_pickling_and_a_warm_fit_refits_it():
    X, y = _texts(n=80)
    clf = RNNClassifier(warm_start=True, **TINY).partial_fit(X[:40], y[:40],
                                                              classes=["neg", "pos"])
    clf = pickle.loads(pickle.dumps(clf))
    clf.partial_fit(X[40:], y[40:])
    assert len(clf._path_stream_["chunks"]) == 2
    clf.fit(X, y)  # a fit refits the path on all its data
    assert not hasattr(clf, "_path_stream_")
    model, bias = _chunk_model(clf, X, y)
    np.testing.assert_allclose(clf.net_.module_.ngrams.bias.numpy(), bias, rtol=1e-5)
    # partial_fit after fit trains the network on and leaves fit's path as it is
    table = clf.net_.module_.ngrams.weight.weight.clone()
    clf.partial_fit(X[:40], y[:40])
    assert torch.equal(clf.net_.module_.ngrams.weight.weight, table)


def test_partial_fit_without_the_ngram_path():
    X, y = _texts()
    clf = RNNClassifier(linear_ngrams=0, **TINY).partial_fit(X, y, classes=["neg", "pos"])
    assert clf.net_.module_.ngrams is None and not hasattr(clf, "_path_stream_")
    assert clf.partial_fit(X, y).n_iter_ == 2


def test_partial_fit_learns_over_passes():
    X, y = _texts(n=120)
    clf = RNNClassifier(hidden_size=8, embedding_dim=8, lr=1e-2, batch_size=8,
                        random_state=0)
    for _ in range(4):
        for start in range(0, 120, 40):
            clf.partial_fit(X[start:start + 40], y[start:start + 40], classes=["neg", "pos"])
    assert clf.n_iter_ == 12
    assert clf.score(X, y) > 0.9


def test_partial_fit_chunks_may_lack_classes():
    X, y = _texts()
    clf = RNNClassifier(**TINY)
    neg = y == "neg"
    clf.partial_fit(np.asarray(X)[neg].tolist(), y[neg], classes=["neg", "pos", "other"])
    assert clf.classes_.tolist() == ["neg", "other", "pos"]
    assert clf.predict_proba(X).shape == (40, 3)


def test_partial_fit_after_fit_continues_without_the_hold_out():
    X, y = _texts()
    clf = RNNClassifier(**TINY).fit(X, y)
    epochs = clf.n_iter_
    weights = _weights(clf)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == epochs + 1
    assert not torch.equal(_weights(clf)["encoder.rnn.weight_hh_l0"],
                           weights["encoder.rnn.weight_hh_l0"])
    assert "early_stopping" not in dict(clf.net_.callbacks_)


def test_partial_fit_regressor_fixes_target_scaling_on_the_first_chunk():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5))
    y = X.sum(axis=1)
    reg = RNNRegressor(**TINY).partial_fit(X[:30], y[:30])
    mean = reg.target_mean_.copy()
    reg.partial_fit(X[30:], y[30:] + 100)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    assert reg.n_iter_ == 2 and reg.predict(X).shape == (60,)
    with pytest.raises(ValueError, match="as many targets as before: 1, got 2"):
        reg.partial_fit(X[:5], np.c_[y[:5], y[:5]])


def test_partial_fit_bad_input():
    X, y = _texts()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        RNNClassifier(**TINY).partial_fit(X, y)
    with pytest.raises(ValueError, match="class_weight='balanced'"):
        RNNClassifier(class_weight="balanced", **TINY).partial_fit(X, y, classes=["neg", "pos"])
    clf = RNNClassifier(**TINY)
    with pytest.raises(ValueError, match="y holds \\['odd'\\], which is not among the classes"):
        clf.partial_fit(X[:2], ["neg", "odd"], classes=["neg", "pos"])
    assert not hasattr(clf, "classes_")  # a failed first call leaves it unfitted
    clf.partial_fit(X, y, classes=["neg", "pos"])
    with pytest.raises(ValueError, match="differs from the classes of the first call"):
        clf.partial_fit(X, y, classes=["neg", "pos", "new"])
    with pytest.raises(ValueError, match="but RNNClassifier was fitted on raw strings"):
        clf.partial_fit(np.zeros((40, 3)), y)
    assert clf.n_iter_ == 1  # refused chunks train nothing


@pytest.mark.parametrize("start", ["partial_fit", "fit"])
def test_partial_fit_continues_after_save_and_load(tmp_path, start):
    # A net rebuilt by sk_rnn.load carries no callbacks; partial_fit goes on from it
    # exactly as from the estimator in memory (the n-gram path's streamed fit too).
    import sk_rnn

    X, y = _texts(n=80)
    clf = RNNClassifier(**TINY)
    if start == "fit":
        clf.fit(X[:40], y[:40])
    else:
        clf.partial_fit(X[:40], y[:40], classes=["neg", "pos"])
    sk_rnn.save(clf, tmp_path / "model.skrnn")
    loaded = sk_rnn.load(tmp_path / "model.skrnn")
    for estimator in (clf, loaded):
        estimator.partial_fit(X[40:], y[40:])
    assert loaded.n_iter_ == clf.n_iter_
    np.testing.assert_allclose(loaded.predict_proba(X), clf.predict_proba(X), atol=1e-6)


def test_a_quantized_estimator_refuses_to_train_on():
    from sk_rnn.compression import quantize

    X, y = _texts(n=80)
    for estimator in (RNNClassifier(**TINY).partial_fit(X, y, classes=["neg", "pos"]),
                      RNNRegressor(**TINY).fit(X, np.arange(80.0))):
        quantized = quantize(estimator)
        n_iter = quantized.n_iter_
        target = y if isinstance(estimator, RNNClassifier) else np.arange(80.0)
        with pytest.raises(ValueError, match="partial_fit continues training .* int8 layers"):
            quantized.partial_fit(X, target)
        with pytest.raises(ValueError, match="warm_start=True continues training .* int8"):
            quantized.set_params(warm_start=True).fit(X, target)
        assert quantized.n_iter_ == n_iter
        assert quantized.predict(X).shape == (80,)


# -- TextGenerator --------------------------------------------------------------------
LM_PARAMS = dict(level="word", hidden_size=8, embedding_dim=6, num_layers=1,
                 sequence_length=8, batch_size=4, max_epochs=1, random_state=0)


def test_warm_language_model_continues_on_a_new_corpus_with_its_vocabulary():
    from sk_rnn import TextGenerator

    first, _ = _texts(n=80, seed=1)
    second = ["a wholly new corpus with words never seen before"] * 30 + list(first[:10])
    generator = TextGenerator(**LM_PARAMS).fit(first)
    vocabulary = dict(generator.vectorizer_.vocabulary_)
    before = _weights(generator)
    cold = TextGenerator(**LM_PARAMS).fit(first)
    generator.set_params(warm_start=True, max_epochs=2, dropout=0.2)
    starts = []

    from skorch.callbacks import Callback

    class Start(Callback):
        def on_train_begin(self, net, **kwargs):
            starts.append({k: v.detach().clone() for k, v in net.module_.state_dict().items()})

    generator.set_params(callbacks=[("start", Start())]).fit(second)
    # training began from the fitted weights, with this call's dropout, and moved them
    for key, value in before.items():
        torch.testing.assert_close(starts[0][key], value)
    assert generator.net_.module_.dropout.p == 0.2
    assert any(not torch.equal(value, _weights(generator)[key]) for key, value in before.items())
    # the vocabulary is the first fit's: new words are unknown, none are added
    assert generator.vectorizer_.vocabulary_ == vocabulary
    assert generator.n_iter_ == 2
    # and the continued model reads the new corpus better than it did
    assert generator.score(second[:5]) > cold.score(second[:5])


def test_warm_language_model_refuses_another_vocabulary_or_architecture():
    from sk_rnn import TextGenerator

    X, _ = _texts(n=80, seed=1)
    generator = TextGenerator(**LM_PARAMS).fit(X)
    before = _weights(generator)
    for change, match in (({"hidden_size": 12}, "whose hidden_size is 8"),
                          ({"cell_type": "gru"}, "whose cell_type is 'lstm'"),
                          ({"lowercase": True}, "learnt with lowercase=False"),
                          ({"max_features": 5}, "learnt with max_features=30000")):
        candidate = pickle.loads(pickle.dumps(generator)).set_params(warm_start=True, **change)
        with pytest.raises(ValueError, match=match):
            candidate.fit(X)
        # a failed warm fit keeps the previous fit
        for key, value in _weights(candidate).items():
            assert torch.equal(value, before[key])
        assert candidate.n_iter_ == 1


def test_language_model_saved_before_warm_start_loads_without_it():
    from sk_rnn import TextGenerator

    X, _ = _texts(n=80, seed=1)
    state = TextGenerator(**LM_PARAMS).fit(X).__getstate__()
    del state["warm_start"]
    old = TextGenerator.__new__(TextGenerator)
    old.__setstate__(state)
    assert old.get_params()["warm_start"] is False
