"""Faults: an interrupted fit keeps what it learnt, and a huge document costs what its
first ``max_length`` tokens cost."""

from __future__ import annotations

import time
import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback

from sk_rnn import RNNClassifier, Seq2SeqTranslator, TextGenerator
from sk_rnn.text import TextVectorizer

TEXTS = ["a good film", "a bad plot", "good fun", "bad acting"] * 5
LABELS = np.array([1, 0, 1, 0] * 5)
SRC = ["one two", "two three", "three one", "one three"] * 5
TGT = [" ".join(reversed(s.split())) for s in SRC]
CORPUS = "the cat sat on the mat. " * 10


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class Interrupt(Callback):
    """Raise ``KeyboardInterrupt`` (a user's Ctrl-C) in epoch ``epoch``: at its end, or
    after its first training batch, or when training begins (outside skorch's loop)."""

    def __init__(self, epoch: int = 2, where: str = "epoch") -> None:
        self.epoch = epoch
        self.where = where

    def initialize(self):
        self.epochs_seen_ = 0
        return self

    def on_train_begin(self, net, **kwargs) -> None:
        if self.where == "train_begin":
            raise KeyboardInterrupt

    def on_epoch_begin(self, net, **kwargs) -> None:
        self.epochs_seen_ += 1

    def on_epoch_end(self, net, **kwargs) -> None:
        if self.where == "epoch" and self.epochs_seen_ == self.epoch:
            raise KeyboardInterrupt

    def on_batch_end(self, net, training=False, **kwargs) -> None:
        if self.where == "batch" and training and self.epochs_seen_ == self.epoch:
            raise KeyboardInterrupt


def _classifier(callbacks, **params):
    return RNNClassifier(hidden_size=3, embedding_dim=3, max_epochs=5, batch_size=4,
                         device="cpu", random_state=0, callbacks=callbacks, **params)


def _translator(callbacks, **params):
    return Seq2SeqTranslator(**{**dict(hidden_size=4, embedding_dim=3, max_epochs=5,
                                       batch_size=4, beam_size=1, device="cpu",
                                       random_state=0), **params}, callbacks=callbacks)


def _generator(callbacks, **params):
    return TextGenerator(hidden_size=4, num_layers=1, embedding_dim=3, sequence_length=8,
                         batch_size=2, max_epochs=5, device="cpu", random_state=0,
                         callbacks=callbacks, **params)


CASES = {
    "classifier": (_classifier, (TEXTS, LABELS), lambda est: est.predict(TEXTS[:3])),
    "translator": (_translator, (SRC, TGT), lambda est: est.predict(SRC[:3])),
    "generator": (_generator, (CORPUS,), lambda est: est.generate("the", 5, random_state=0)),
}


@pytest.mark.parametrize("early_stopping", [True, False])
@pytest.mark.parametrize("where", ["epoch", "batch"])
@pytest.mark.parametrize("kind", list(CASES))
def test_interrupted_fit_keeps_the_epochs_done(kind, where, early_stopping):
    make, data, use = CASES[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # short data: no validation split
        est = make([Interrupt(2, where)], early_stopping=early_stopping).fit(*data)
    # As in skorch: the interrupt ends training, the net keeps the epochs done so far
    # (the second one partly, when it came from inside a batch) and can predict.
    assert est.n_iter_ == 2 == len(est.history_)
    assert est.history_[0, "train_loss"] > 0
    assert len(use(est)) >= 3 if kind != "generator" else use(est).startswith("the")


def test_interrupt_outside_the_training_loop_propagates_and_leaves_no_model():
    est = _classifier(None).fit(TEXTS, LABELS)
    est.set_params(callbacks=[Interrupt(where="train_begin")])
    with pytest.raises(KeyboardInterrupt):
        est.fit(TEXTS, LABELS)
    with pytest.raises(NotFittedError):
        est.predict(TEXTS)


# --------------------------------------------------------------------------------------
# A 100,000-token document
# --------------------------------------------------------------------------------------

N_TOKENS = 100_000


@pytest.fixture(scope="module")
def huge_document():
    words = np.array(["free", "cash", "now", "call", "hello", "win", "me", "there"])
    return " ".join(np.random.RandomState(0).choice(words, N_TOKENS))


class BatchWidths(Callback):
    """Record the padded width of every training batch."""

    def initialize(self):
        self.widths_ = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs) -> None:
        if training:
            self.widths_.append(int(batch[0]["x"].shape[1]))


class CountingVocabulary(dict):
    """A vocabulary that counts look-ups."""

    lookups = 0

    def get(self, key, default=None):
        CountingVocabulary.lookups += 1
        return super().get(key, default)


def test_huge_document_is_truncated_to_max_length(huge_document):
    X = [huge_document, "free cash now", "hello there", "call me"] * 3
    y = [1, 1, 0, 0] * 3
    start = time.perf_counter()
    est = RNNClassifier(hidden_size=3, embedding_dim=3, max_epochs=1, device="cpu",
                        early_stopping=False, random_state=0,
                        callbacks=[("widths", BatchWidths())]).fit(X, y)
    fit_time = time.perf_counter() - start
    tracemalloc.start()
    start = time.perf_counter()
    try:
        proba = est.predict_proba([huge_document] * 4)
        predict_time = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert est.max_length == 500
    widths = dict(est.net_.callbacks_)["widths"].widths_
    assert max(widths) == 500  # the long documents' batches, padded to max_length only
    sequences = est._prepare_X([huge_document], reset=False)
    assert sequences.lengths.tolist() == [500]
    assert proba.shape == (4, 2) and np.isfinite(proba).all()
    assert fit_time < 10 and predict_time < 5
    # Predicting 4 copies allocates a few times the text (lower-casing, digit folding),
    # not per-token Python objects for 100,000 tokens (that would be tens of MB).
    assert peak < 8 * len(huge_document) + 2_000_000


def test_vectorizer_looks_up_only_the_kept_tokens(huge_document):
    est = RNNClassifier(hidden_size=3, embedding_dim=3, max_epochs=1, device="cpu",
                        random_state=0, max_length=50).fit(
        [huge_document, "free cash", "hello there", "call me"] * 3, [1, 1, 0, 0] * 3)
    est.vectorizer_.vocabulary_ = CountingVocabulary(est.vectorizer_.vocabulary_)
    CountingVocabulary.lookups = 0
    est.predict([huge_document, "free cash now"])
    assert CountingVocabulary.lookups == 50 + 3
    # TextVectorizer's own max_length stops reading there too, for words and characters.
    for tokenizer in ("word", "char"):
        vec = TextVectorizer(tokenizer=tokenizer, max_length=7).fit([huge_document[:200]])
        full = TextVectorizer(tokenizer=tokenizer).fit([huge_document[:200]])
        ids = vec.transform([huge_document])[0]
        assert ids.tolist() == full.transform([huge_document])[0][:7].tolist()
