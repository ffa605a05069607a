"""The linear n-gram path beside the recurrent encoder (``linear_ngrams``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn.nn import NgramLinear
from sk_rnn.nn.ngrams import ngram_ids


def test_ngram_ids_cover_the_real_steps_only():
    x = torch.tensor([[5, 6, 7, 0], [5, 6, 8, 9]])
    ids, valid = ngram_ids(x, torch.tensor([3, 4]), order=2, vocab_size=10, buckets=97)
    assert ids.shape == valid.shape == (2, 4 + 3)
    assert ids[:, :4].tolist() == x.tolist()  # unigrams keep their token id
    assert valid.tolist() == [[True] * 3 + [False] + [True, True, False],
                              [True] * 4 + [True] * 3]
    bigrams = ids[:, 4:]
    assert ((bigrams >= 10) & (bigrams < 10 + 97)).all()
    # The same bigram gets the same id wherever it is; (5, 6) starts both rows.
    assert bigrams[0, 0] == bigrams[1, 0]
    assert bigrams[0, 1] != bigrams[1, 1]  # (6, 7) and (6, 8)


def test_ngram_ids_of_short_sequences():
    x = torch.tensor([[4]])
    ids, valid = ngram_ids(x, torch.tensor([1]), order=3, vocab_size=5, buckets=11)
    assert ids.tolist() == [[4]] and valid.tolist() == [[True]]


def test_ngram_path_ignores_padding():
    torch.manual_seed(0)
    path = NgramLinear(vocab_size=20, n_outputs=3, order=3, buckets=50)
    torch.nn.init.normal_(path.weight.weight)
    short = path(torch.tensor([[3, 4, 5]]), torch.tensor([3]))
    padded = path(torch.tensor([[3, 4, 5, 0, 0]]), torch.tensor([3]))
    torch.testing.assert_close(short, padded)
    # Scores are the sum of the rows of the sequence's n-grams.
    ids, valid = ngram_ids(torch.tensor([[3, 4, 5]]), torch.tensor([3]), 3, 20, 50)
    torch.testing.assert_close(short[0], path.weight.weight[ids[valid]].sum(dim=0))


def test_naive_bayes_start():
    path = NgramLinear(vocab_size=6, n_outputs=2, order=1, buckets=4)
    sequences = [np.array([2, 3]), np.array([2, 3, 3]), np.array([4]), np.array([4, 5])]
    path.init_naive_bayes(sequences, np.array([1, 1, 0, 0]))
    w = path.weight.weight.detach().numpy()
    # Word 2 is only in class 1, word 4 only in class 0, word 5 unseen in class 1.
    assert w[2, 1] > w[2, 0] and w[4, 0] > w[4, 1] and w[5, 0] > w[5, 1]
    np.testing.assert_allclose(w.sum(axis=1), 0.0, atol=1e-6)  # centred over classes
    assert (w[0] == 0).all()  # padding
    # Binary features: a word twice in a sequence counts once. Class 1 has 2 sequences
    # and 4 features (+1 smoothing each) -> P(3 | 1) = (2 + 1) / (4 + 10).
    p3_1, p3_0 = 3 / 14, 1 / 13
    assert w[3, 1] - w[3, 0] == pytest.approx(np.log(p3_1 / p3_0), rel=1e-5)


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


def test_classifier_starts_its_path_from_naive_bayes():
    X, y = _phrase_data()
    # A learning rate too small to move anything: what it predicts is its starting point.
    clf = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=1, lr=1e-9,
                        early_stopping=False, linear_ngrams=2, random_state=0).fit(X, y)
    assert clf.net_.module_.ngrams.order == 2
    assert (clf.predict(X) == y).mean() == 1.0
    without = RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=1, lr=1e-9,
                            early_stopping=False, linear_ngrams=0, random_state=0).fit(X, y)
    assert without.net_.module_.ngrams is None
    assert (without.predict(X) == y).mean() < 0.9


def test_numeric_input_has_no_path():
    X = np.random.RandomState(0).normal(size=(30, 5))
    y = np.arange(30) % 2
    clf = RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    assert clf.net_.module_.ngrams is None


def test_path_is_off_by_default_and_trains_when_asked():
    X, _ = _phrase_data(40)
    y = np.arange(40, dtype=float)
    assert RNNClassifier().linear_ngrams == 0 and RNNRegressor().linear_ngrams == 0
    reg = RNNRegressor(hidden_size=4, embedding_dim=4, max_epochs=2, linear_ngrams=2,
                       random_state=0).fit(X, y)
    assert reg.net_.module_.ngrams is not None
    assert reg.predict(X).shape == (40,)


@pytest.mark.parametrize("value", [-1, 1.5, "2"])
def test_bad_linear_ngrams(value):
    X, y = _phrase_data(20)
    with pytest.raises(ValueError, match="linear_ngrams must be a non-negative integer"):
        RNNClassifier(linear_ngrams=value).fit(X, y)
