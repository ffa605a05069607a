"""The linear n-gram path beside the recurrent encoder (``linear_ngrams``)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from _helpers import assert_path_mixed_in_eval_only

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn.nn import NgramLinear
from sk_rnn.nn.ngrams import ngram_ids


def test_ngram_ids_cover_the_real_steps_only():
    x = torch.tensor([[5, 6, 7, 0], [5, 6, 8, 9]])
    ids, valid = ngram_ids(x, torch.tensor([3, 4]), order=2, vocab_size=10)
    assert ids.shape == valid.shape == (2, 4 + 3)
    assert ids[:, :4].tolist() == x.tolist()  # unigrams keep their token id
    assert valid.tolist() == [[True] * 3 + [False] + [True, True, False],
                              [True] * 4 + [True] * 3]
    # A bigram (a, b) is V + a * V + b: its tokens in base V, after the unigrams.
    assert ids[1, 4:].tolist() == [10 + 56, 10 + 68, 10 + 89]
    assert ids[0, 4:6].tolist() == [10 + 56, 10 + 67]


def test_ngram_ids_are_exact_across_orders():
    vocab = 7
    x = torch.tensor([list(seq) for seq in itertools.product(range(1, vocab), repeat=3)])
    ids, valid = ngram_ids(x, torch.full((len(x),), 3), order=3, vocab_size=vocab)
    assert valid.all()
    by_id = {}
    for row, row_ids in zip(x.tolist(), ids.tolist(), strict=True):
        grams = [(t,) for t in row] + [tuple(row[i:i + 2]) for i in range(2)] + [tuple(row)]
        for gram, gram_id in zip(grams, row_ids, strict=True):
            assert by_id.setdefault(gram_id, gram) == gram  # no two n-grams share an id
    assert len(by_id) == (vocab - 1) + (vocab - 1) ** 2 + (vocab - 1) ** 3
    # The orders do not overlap: unigrams < V <= bigrams < V + V**2 <= trigrams.
    assert max(by_id) < vocab + vocab ** 2 + vocab ** 3


def test_ngram_ids_stay_non_negative_past_64_bits():
    vocab = 3_000_000  # vocab**3 overflows int64: the ids become a hash, still >= 0
    x = torch.tensor([[vocab - 1, vocab - 2, vocab - 3], [vocab - 1, vocab - 2, vocab - 4]])
    ids, valid = ngram_ids(x, torch.tensor([3, 3]), order=3, vocab_size=vocab)
    assert (ids >= 0).all() and valid.all()
    assert ids[0, -1] != ids[1, -1]
    assert ids[0, 3] == ids[1, 3]  # the shared bigram is still exact


def test_ngram_ids_of_short_sequences():
    x = torch.tensor([[4]])
    ids, valid = ngram_ids(x, torch.tensor([1]), order=3, vocab_size=5)
    assert ids.tolist() == [[4]] and valid.tolist() == [[True]]


def test_ngram_path_counts_each_ngram_once_and_ignores_padding():
    torch.manual_seed(0)
    path = NgramLinear(vocab_size=20, n_outputs=3, order=3)
    ids, valid = ngram_ids(torch.tensor([[3, 4, 3, 4]]), torch.tensor([4]), 3, 20)
    distinct = torch.unique(ids[valid])
    assert len(distinct) < valid.sum()  # (3, 4) and 3, 4 repeat
    path._set_table(distinct, len(distinct) + 1)  # a row for each
    torch.nn.init.normal_(path.weight.weight)
    path.weight.weight.data[0] = 0.0  # the row of unseen n-grams and padding
    short = path(torch.tensor([[3, 4, 3, 4]]), torch.tensor([4]))
    padded = path(torch.tensor([[3, 4, 3, 4, 0, 0]]), torch.tensor([4]))
    torch.testing.assert_close(short, padded)
    # Binary features: the sum over the distinct n-grams, plus the bias.
    torch.testing.assert_close(short[0], path.weights_of(distinct).sum(dim=0) + path.bias)
    unseen = path(torch.tensor([[5, 6]]), torch.tensor([2]))
    torch.testing.assert_close(unseen[0], path.bias)


def test_naive_bayes_logistic_fit_separates_and_is_binary():
    path = NgramLinear(vocab_size=6, n_outputs=2, order=1)
    sequences = [np.array([2, 3]), np.array([2, 3, 3]), np.array([4]), np.array([4, 5])] * 5
    path.fit_naive_bayes_logistic(sequences, np.array([1, 1, 0, 0] * 5), C=10.0)
    w = path.weights_of(torch.arange(6)).detach().numpy()
    assert path.feature_ids.tolist() == [2, 3, 4, 5]  # a row for each word seen, no more
    assert path.weight.weight.shape == (5, 2)
    # Word 2 is only in class 1, word 4 only in class 0.
    assert w[2, 1] > 0 > w[4, 1]
    np.testing.assert_allclose(w[:, 0], -w[:, 1])  # two classes: scores (-s, s)
    assert (w[0] == 0).all()  # padding
    features, ids = path.feature_matrix(sequences[:2])
    assert ids.tolist() == [2, 3]
    assert features.toarray().tolist() == [[1, 1], [1, 1]]  # word 3 twice counts once
    x = torch.tensor([[2, 3], [4, 5]])
    proba = NgramLinear.log_proba(path(x, torch.tensor([2, 2]))).exp()
    assert proba[0, 1] > 0.5 > proba[1, 1]
    torch.testing.assert_close(proba.sum(dim=1), torch.ones(2))


def test_multiclass_path_is_one_vs_rest():
    path = NgramLinear(vocab_size=8, n_outputs=3, order=2)
    sequences = [np.array([k + 2, k + 2]) for k in range(3)] * 6
    path.fit_naive_bayes_logistic(sequences, np.array([0, 1, 2] * 6))
    scores = path(torch.tensor([[2, 2], [3, 3], [4, 4]]), torch.tensor([2, 2, 2]))
    assert scores.argmax(dim=1).tolist() == [0, 1, 2]


def _binary_features(sequences, ids):
    return np.array([[float(i in set(seq.tolist())) for i in ids] for seq in sequences])


def _reference_chunk_weights(features, labels, counts, C):
    """NB-LR weights of one chunk (two classes) with the naive Bayes ratios of
    ``counts`` (``(n_words, 2)`` sequence counts per class, smoothed by 1)."""
    from sklearn.linear_model import LogisticRegression

    p, q = 1 + counts[:, 1], 1 + counts[:, 0]
    ratio = np.log(p / p.sum()) - np.log(q / q.sum())
    model = LogisticRegression(C=C, max_iter=1000).fit(features * ratio, labels == 1)
    return ratio * model.coef_.ravel(), model.intercept_[0]


def test_streamed_naive_bayes_logistic_sums_counts_and_averages_where_seen():
    chunk_a = [np.array([2, 3]), np.array([3, 4]), np.array([2]), np.array([4, 4])] * 3
    labels_a = np.array([1, 0, 1, 0] * 3)
    chunk_b = [np.array([2, 5]), np.array([4, 5]), np.array([5, 3]), np.array([4])] * 3
    labels_b = np.array([1, 0, 1, 0] * 3)
    path = NgramLinear(vocab_size=7, n_outputs=2, order=1)
    state = path.partial_fit_naive_bayes_logistic(chunk_a, labels_a, None, C=10.0)
    alone = NgramLinear(vocab_size=7, n_outputs=2, order=1)
    alone.fit_naive_bayes_logistic(chunk_a, labels_a, C=10.0)  # one chunk: the same fit
    torch.testing.assert_close(path.weight.weight, alone.weight.weight)
    torch.testing.assert_close(path.bias, alone.bias)
    path.partial_fit_naive_bayes_logistic(chunk_b, labels_b, state, C=10.0)

    # From scratch: chunk a's model with its own counts, chunk b's with the counts of
    # both; each word's weight is the mean over the chunks that contain it.
    words_a, words_b, words = [2, 3, 4], [2, 3, 4, 5], [2, 3, 4, 5]
    features_a = _binary_features(chunk_a, words_a)
    features_b = _binary_features(chunk_b, words_b)
    counts_a = np.stack([features_a[labels_a == k].sum(0) for k in (0, 1)], axis=1)
    counts_b = np.stack([features_b[labels_b == k].sum(0) for k in (0, 1)], axis=1)
    counts = np.vstack([counts_a, np.zeros((1, 2))]) + counts_b
    weights_a, bias_a = _reference_chunk_weights(features_a, labels_a, counts_a, 10.0)
    weights_b, bias_b = _reference_chunk_weights(features_b, labels_b, counts, 10.0)
    expected = (np.append(weights_a, 0.0) + weights_b) / np.array([2, 2, 2, 1])
    assert path.feature_ids.tolist() == words
    actual = path.weights_of(torch.tensor(words)).detach().numpy()
    np.testing.assert_allclose(actual[:, 1], expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(actual[:, 0], -expected, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(path.bias[1].item(), (bias_a + bias_b) / 2, rtol=1e-4)
    np.testing.assert_allclose(state["counts"], counts)


def test_streamed_naive_bayes_logistic_leaves_out_a_class_a_chunk_lacks():
    path = NgramLinear(vocab_size=8, n_outputs=3, order=1)
    first = [np.array([2]), np.array([3])] * 4
    state = path.partial_fit_naive_bayes_logistic(first, np.array([0, 1] * 4), None)
    assert path.bias[2].item() == 0.0 and (path.weights_of(torch.arange(8))[:, 2] == 0).all()
    second = [np.array([2]), np.array([3]), np.array([4])] * 4
    path.partial_fit_naive_bayes_logistic(second, np.array([0, 1, 2] * 4), state)
    # class 2's weights and bias are chunk two's alone, not halved by chunk one
    assert state["n_biases"].tolist() == [2, 2, 1]
    assert state["n_weights"][np.searchsorted(state["ids"], 4)].tolist() == [1, 1, 1]
    scores = path(torch.tensor([[2], [3], [4]]), torch.tensor([1, 1, 1]))
    assert scores.argmax(dim=1).tolist() == [0, 1, 2]


def _phrase_data(n=120, seed=0):
    """Labels decided by one bigram; the words alone say nothing."""
    rng = np.random.RandomState(seed)
    texts, labels = [], []
    for i in range(n):
        filler = " ".join(rng.choice(["the", "a", "film", "plot", "was"], 4))
        positive = i % 2 == 0
        phrase = "not bad" if positive else "bad not"
        texts.append(f"{filler} {phrase} {filler}")
        labels.append("pos" if positive else "neg")
    return texts, np.array(labels)


def test_classifier_mixes_its_fitted_path_with_the_encoder():
    X, y = _phrase_data()
    # A learning rate too small to move the encoder: what it gets right is the path's.
    clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=2, lr=1e-9, dropout=0.0,
                        random_state=0).fit(X, y)
    module = clf.net_.module_
    assert module.ngrams.order == 2 and float(module.ngram_share) == 0.5
    assert not any(p.requires_grad for p in module.ngrams.parameters())
    assert (clf.predict(X) == y).mean() == 1.0
    without = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=2, lr=1e-9,
                            linear_ngrams=0, random_state=0).fit(X, y)
    assert without.net_.module_.ngrams is None
    assert (without.predict(X) == y).mean() < 0.9
    assert_path_mixed_in_eval_only(module, torch.tensor([[2, 3, 4]]), torch.tensor([3]))


def test_the_encoder_trains_as_it_would_without_the_path():
    # Same initial weights, dropout masks and batches: the path draws no random numbers
    # and the loss sees the encoder alone.
    X, y = _phrase_data(80)
    params = dict(hidden_size=4, embedding_dim=4, max_epochs=3, dropout=0.3, random_state=0)
    with_path = RNNClassifier(**params).fit(X, y)
    alone = RNNClassifier(**params, linear_ngrams=0).fit(X, y)
    np.testing.assert_allclose(with_path.history_[:, "valid_loss"],
                               alone.history_[:, "valid_loss"], rtol=1e-5)
    with_path.net_.module_.ngram_share.fill_(0.0)
    np.testing.assert_allclose(with_path.predict_proba(X), alone.predict_proba(X),
                               rtol=1e-5, atol=1e-6)


def test_path_is_fitted_on_all_training_data_and_keeps_none_of_it():
    X, y = _phrase_data(60)
    clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=1, random_state=0,
                        validation_fraction=0.5).fit(X, y)
    path = clf.net_.module_.ngrams
    expected = NgramLinear(path.vocab_size, 2, path.order)
    expected.fit_naive_bayes_logistic(clf.vectorizer_.transform(X), np.unique(
        y, return_inverse=True)[1], C=RNNClassifier._ngram_C)
    torch.testing.assert_close(path.feature_ids, expected.feature_ids)
    torch.testing.assert_close(path.weight.weight, expected.weight.weight)
    torch.testing.assert_close(path.bias, expected.bias)
    callback = dict(clf.net_.callbacks_)["linear_path"]
    assert callback.sequences is None and callback.classes is None


def test_path_survives_pickle_and_save(tmp_path):
    import pickle

    import sk_rnn

    X, y = _phrase_data(60)
    clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=2, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    sk_rnn.save(clf, tmp_path / "clf.skrnn")
    np.testing.assert_allclose(sk_rnn.load(tmp_path / "clf.skrnn").predict_proba(X), expected,
                               rtol=1e-5, atol=1e-7)


def test_numeric_input_has_no_path():
    X = np.random.RandomState(0).normal(size=(30, 5))
    y = np.arange(30) % 2
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    assert clf.net_.module_.ngrams is None


def test_path_is_on_by_default_for_the_classifier_only():
    assert RNNClassifier().linear_ngrams == 2
    assert "linear_ngrams" not in RNNRegressor().get_params()


@pytest.mark.parametrize("value", [-1, 1.5, "2"])
def test_bad_linear_ngrams(value):
    X, y = _phrase_data(20)
    with pytest.raises(ValueError, match="linear_ngrams must be a non-negative integer"):
        RNNClassifier(linear_ngrams=value).fit(X, y)
