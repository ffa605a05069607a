"""Tests of Seq2SeqTranslator, its network and BLEU scoring (tiny models, toy tasks)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV

from sk_rnn import Seq2SeqTranslator
from sk_rnn.nn.seq2seq import Seq2SeqModel, SequenceCrossEntropy
from sk_rnn.translation import corpus_bleu, decode_batches

WORDS = ["one", "two", "three", "four", "five", "six"]


def reverse_pairs(n: int = 160, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.RandomState(seed)
    X = [" ".join(rng.choice(WORDS, size=rng.randint(1, 5))) for _ in range(n)]
    return X, [" ".join(reversed(s.split())) for s in X]


TINY = dict(hidden_size=32, embedding_dim=16, max_epochs=25, batch_size=16, lr=1e-2,
            dropout=0.0, label_smoothing=0.0, early_stopping=False, random_state=0,
            device="cpu")


@pytest.fixture(scope="module")
def reverse_data():
    return reverse_pairs()


@pytest.fixture(scope="module")
def fitted(reverse_data):
    X, y = reverse_data
    return Seq2SeqTranslator(**TINY).fit(X, y)


# -- learning --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params, min_bleu",
    [(dict(attention="bahdanau", cell_type="gru"), 80),
     (dict(attention="luong", cell_type="lstm"), 80),
     (dict(attention="luong", input_feeding=False, cell_type="lstm"), 80),
     # without attention the whole source must pass through one vector: slower to learn
     (dict(attention=None, cell_type="gru", max_epochs=40), 50)],
    ids=["bahdanau-gru", "luong-feeding", "luong-one-pass", "no-attention"],
)
def test_learns_to_reverse(reverse_data, params, min_bleu):
    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, **params}).fit(X, y)
    X_test, y_test = reverse_pairs(60, seed=1)
    assert model.score(X_test, y_test) > min_bleu
    assert isinstance(model.predict(X_test[:3]), np.ndarray)


def test_fitted_attributes(fitted):
    assert fitted.n_iter_ == TINY["max_epochs"]
    assert fitted.n_dropped_pairs_ == 0
    assert fitted.source_vectorizer_.n_tokens_ == len(WORDS) + 2
    assert fitted.target_vectorizer_.keep_spacing
    assert len(fitted.history_) == fitted.n_iter_


def test_early_stopping_watches_validation_bleu(reverse_data):
    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, "early_stopping": True, "patience": 2,
                                 "max_epochs": 60}).fit(X, y)
    bleu = model.history_[:, "valid_bleu"]
    assert "valid_loss" in model.history_[-1]
    assert all(0 <= b <= 100 for b in bleu)
    best = int(np.argmax(bleu))
    if bleu[best] == 100:  # solved: stops on the first perfect epoch
        assert len(bleu) == best + 1
    else:  # otherwise patience epochs after the best one (or at max_epochs)
        assert len(bleu) in (best + 1 + 2, 60)
    assert model.n_iter_ < 60


def test_validation_bleu_matches_greedy_decoding(reverse_data):
    """valid_bleu is the token-level BLEU of the model's own greedy translations."""
    import sacrebleu.metrics
    from skorch.callbacks import Callback

    scores = []

    class Capture(Callback):
        def on_epoch_end(self, net, dataset_valid=None, **kwargs):
            ids, _ = decode_batches(net.module_, list(dataset_valid.sources.data),
                                    torch.device("cpu"))
            hyp = [" ".join(map(str, h)) for h in ids]
            ref = [" ".join(map(str, t[1:-1])) for t in dataset_valid.targets]
            bleu = sacrebleu.metrics.BLEU(tokenize="none", effective_order=True)
            scores.append(bleu.corpus_score(hyp, [ref]).score)

    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, "early_stopping": True, "max_epochs": 3,
                                 "callbacks": [("capture", Capture())]}).fit(X, y)
    assert len(scores) == model.n_iter_
    assert scores == pytest.approx(model.history_[:, "valid_bleu"])


def test_validation_bleu_is_informative_on_two_token_targets():
    X = ["one two", "two three", "three one", "one three"] * 20
    y = [" ".join(reversed(s.split())) for s in X]
    model = Seq2SeqTranslator(hidden_size=32, embedding_dim=16, max_epochs=15, lr=1e-2,
                              random_state=0).fit(X, y)
    assert max(model.history_[:, "valid_bleu"]) > 0
    assert model.predict(["one two"]).tolist() == ["two one"]


def test_bounded_early_stopping_stops_at_the_unbeatable_score():
    from skorch import NeuralNetRegressor
    from skorch.callbacks import Callback

    from sk_rnn._net import BoundedEarlyStopping

    class Script(Callback):  # a scripted score per epoch
        def __init__(self, scores):
            self.scores = scores

        def on_epoch_end(self, net, **kwargs):
            net.history.record("score", self.scores[len(net.history) - 1])

    def run(scores, best_possible):
        net = NeuralNetRegressor(
            torch.nn.Linear(1, 1), max_epochs=len(scores), train_split=None, verbose=0,
            callbacks=[("script", Script(scores)),
                       ("stop", BoundedEarlyStopping(monitor="score", lower_is_better=False,
                                                     patience=2, load_best=True,
                                                     best_possible=best_possible))],
        )
        X = np.zeros((4, 1), dtype=np.float32)
        net.fit(X, X)
        return len(net.history)

    assert run([10, 50, 100, 100, 100, 100], 100.0) == 3
    assert run([10, 50, 100, 100, 100, 100], None) == 5  # plain patience
    assert run([10, 50, 60, 55, 70, 80], 100.0) == 6


def test_scheduled_sampling_trains(reverse_data):
    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, "teacher_forcing": 0.5}).fit(X, y)
    losses = model.history_[:, "train_loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_translate_and_detokenised_french_spacing():
    X = ["hello", "come here", "is it true", "go"] * 12
    y = ["Bonjour !", "Viens ici.", "Est-ce vrai ?", "J'y vais."] * 12
    model = Seq2SeqTranslator(**TINY).fit(X, y)
    assert model.translate("is it true") == "Est-ce vrai ?"
    assert model.predict(["go", "hello"]).tolist() == ["J'y vais.", "Bonjour !"]


# -- decoding --------------------------------------------------------------------------
def test_batched_decoding_equals_one_at_a_time(fitted, reverse_data):
    X, _ = reverse_data
    for beam in (1, 4):
        batched = fitted.predict(X[:30], beam_size=beam).tolist()
        single = [fitted.translate(s, beam_size=beam) for s in X[:30]]
        assert batched == single


def test_beam_of_one_is_greedy(fitted, reverse_data):
    X, _ = reverse_data
    module = fitted.net_.module_.eval()
    ids = fitted.source_vectorizer_.transform(X[:20])
    src = torch.nn.utils.rnn.pad_sequence([torch.from_numpy(a) for a in ids], batch_first=True)
    lengths = torch.tensor([len(a) for a in ids])
    greedy, _ = module.greedy_decode(src, lengths, 12)
    beam, _ = module.beam_search(src, lengths, 1, 12, 0.0)
    assert greedy == beam


def test_beam_search_keeps_the_most_likely_hypothesis():
    """With no length penalty, beam search returns a sequence at least as likely as the
    greedy one on an untrained (high-entropy) model, where the two differ."""
    torch.manual_seed(0)
    module = Seq2SeqModel(source_vocab_size=10, target_vocab_size=8, embedding_dim=8,
                          cell_type="gru", hidden_size=16, num_layers=1, bidirectional=True,
                          dropout=0.0, attention="bahdanau").eval()
    src = torch.randint(2, 10, (16, 5))
    lengths = torch.full((16,), 5)

    def log_prob(seqs):
        out = []
        for i, seq in enumerate(seqs):
            tgt = torch.tensor([[module.bos, *seq]])
            gold = torch.tensor([*seq, module.eos])
            logits = module(src[i : i + 1], lengths[i : i + 1], tgt)
            logp = torch.log_softmax(logits, -1)
            logp[:, 0] = float("-inf")
            out.append(float(torch.log_softmax(logp, -1)[torch.arange(len(gold)), gold].sum()))
        return np.array(out)

    with torch.no_grad():
        greedy, _ = module.greedy_decode(src, lengths, 8)
        beam, _ = module.beam_search(src, lengths, 6, 8, 0.0)
        finished = [len(g) < 8 for g in greedy]
        lp_greedy, lp_beam = log_prob(greedy), log_prob(beam)
    assert (lp_beam[finished] >= lp_greedy[finished] - 1e-4).all()


def test_max_output_length_caps_the_output(fitted, reverse_data):
    X, _ = reverse_data
    long = [s for s in X if len(s.split()) == 4][:5]
    capped = copy.deepcopy(fitted).set_params(max_output_length=2)
    for beam in (1, 3):
        for text in capped.predict(long, beam_size=beam):
            assert len(text.split()) <= 2


def test_predict_attention(fitted):
    weights, source, target = fitted.predict_attention("one two three", return_tokens=True)
    assert source == ["one", "two", "three"]
    assert weights.shape == (len(target), 3)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, rtol=1e-5)
    beam_weights = fitted.predict_attention("one two three", beam_size=3)
    assert beam_weights.shape[1] == 3


def test_predict_attention_plots(fitted):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sk_rnn.plotting import plot_attention

    weights, source, target = fitted.predict_attention("four five", return_tokens=True)
    ax = plot_attention(weights, source, target)
    assert [t.get_text() for t in ax.get_xticklabels()] == source


def test_predict_attention_without_attention(reverse_data):
    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, "attention": None, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="attention=None"):
        model.predict_attention("one two")


def test_unknown_source_words_still_translate(fitted):
    out = fitted.predict(["one zebra two", "ZEBRA"])
    assert out.dtype == object and all(isinstance(t, str) for t in out)


# -- scoring ---------------------------------------------------------------------------
def test_score_is_sacrebleu_corpus_bleu(fitted, reverse_data):
    X, y = reverse_data
    import sacrebleu

    expected = sacrebleu.corpus_bleu(fitted.predict(X).tolist(), [y]).score
    assert fitted.score(X, y) == pytest.approx(expected)


def test_multi_reference_bleu():
    assert corpus_bleu(["le chat est noir"], [["un chat noir", "le chat est noir"]]) == (
        pytest.approx(100.0))
    assert corpus_bleu(["a b c d", "x y z w"], [["a b c d"], ["q", "x y z w"]]) == (
        pytest.approx(100.0))
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        corpus_bleu(["a", "b"], ["a"])
    with pytest.raises(TypeError, match=r"references\[0\]"):
        corpus_bleu(["a"], [[1]])


def test_score_accepts_lists_of_references(fitted, reverse_data):
    X, y = reverse_data
    assert fitted.score(X[:10], [[t, "nothing"] for t in y[:10]]) == pytest.approx(
        fitted.score(X[:10], y[:10]))


# -- scikit-learn behaviour ------------------------------------------------------------
def test_grid_search_over_cell_type(reverse_data):
    X, y = reverse_data
    params = {**TINY, "max_epochs": 3}
    search = GridSearchCV(Seq2SeqTranslator(**params), {"cell_type": ["gru", "lstm"]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["cell_type"] in ("gru", "lstm")
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_clone_pickle_and_reproducibility(fitted, reverse_data):
    X, y = reverse_data
    assert clone(fitted).get_params() == fitted.get_params()
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.predict(X[:20]).tolist() == fitted.predict(X[:20]).tolist()
    again = Seq2SeqTranslator(**TINY).fit(X, y)
    assert again.predict(X[:20]).tolist() == fitted.predict(X[:20]).tolist()


def test_accepts_series_and_arrays_and_leaves_them_alone(reverse_data):
    X, y = reverse_data
    X_series, y_array = pd.Series(X), np.array(y, dtype=object)
    X_copy, y_copy = X_series.copy(), y_array.copy()
    model = Seq2SeqTranslator(**{**TINY, "max_epochs": 1}).fit(X_series, y_array)
    model.predict(X_series)
    pd.testing.assert_series_equal(X_series, X_copy)
    assert (y_array == y_copy).all()


@pytest.mark.parametrize("tokenizer", ["char", "sentencepiece"])
def test_other_tokenizers(tokenizer):
    if tokenizer == "sentencepiece":
        pytest.importorskip("sentencepiece")
    X = ["ab", "ba", "abc", "cab", "bca"] * 10
    y = [s.upper() for s in X]
    params = {**TINY, "tokenizer": tokenizer, "max_epochs": 30}
    if tokenizer == "sentencepiece":
        params.update(source_vectorizer={"max_features": 12},
                      target_vectorizer={"max_features": 12})
    model = Seq2SeqTranslator(**params).fit(X, y)
    assert model.predict(["abc", "cab"]).tolist() == ["ABC", "CAB"]


# -- empty strings ---------------------------------------------------------------------
def test_empty_strings_are_dropped_in_fit_and_translate_to_empty(reverse_data):
    X, y = reverse_data
    X, y = [*X, "", "one"], [*y, "one", "  "]
    with pytest.warns(UserWarning, match="dropped 2 training pair"):
        model = Seq2SeqTranslator(**{**TINY, "max_epochs": 1}).fit(X, y)
    assert model.n_dropped_pairs_ == 2
    assert model.predict(["", "one", "   "])[[0, 2]].tolist() == ["", ""]


def test_only_empty_strings():
    with pytest.raises(ValueError, match="X holds only empty strings"):
        Seq2SeqTranslator(**TINY).fit(["", " "], ["a", "b"])
    with pytest.raises(ValueError, match="y holds only empty strings"):
        Seq2SeqTranslator(**TINY).fit(["a", "b"], ["", ""])
    with pytest.raises(ValueError, match="no training pair has tokens on both sides"):
        Seq2SeqTranslator(**TINY).fit(["a", ""], ["", "b"])


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, y, error, match",
    [
        ([], [], ValueError, "X is empty"),
        (["a b", "c"], ["x"], ValueError, "X has 2 sentences, y has 1"),
        (["a b", 3], ["x", "y"], TypeError, r"X\[1\] must be a string, found int"),
        (["a b", "c"], ["x", None], TypeError, r"y\[1\] must be a string"),
        ("a b", ["x"], TypeError, "single str"),
        (["a b"], None, ValueError, "requires y"),
        (np.array([["a", "b"]]), ["x"], ValueError, "one-dimensional"),
    ],
)
def test_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        Seq2SeqTranslator(**TINY).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"beam_size": 0}, r"beam_size must be an integer in \[1, inf\), got 0"),
        ({"beam_size": 2.5}, "beam_size"),
        ({"max_output_length": 0}, "max_output_length must be an integer"),
        ({"attention": "dot"}, "attention must be one of"),
        ({"tokenizer": "bpe"}, "tokenizer must be one of"),
        ({"teacher_forcing": 1.5}, "teacher_forcing"),
        ({"length_penalty": -1}, "length_penalty"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"input_feeding": "yes"}, "input_feeding"),
        ({"source_vectorizer": "word"}, "source_vectorizer must be None"),
        ({"target_vectorizer": {"bogus": 1}}, "target_vectorizer: .*bogus"),
        ({"cell_type": "transformer"}, "cell_type"),
    ],
)
def test_bad_params(reverse_data, params, match):
    X, y = reverse_data
    with pytest.raises(ValueError, match=match):
        Seq2SeqTranslator(**{**TINY, **params}).fit(X[:20], y[:20])


def test_bad_decoding_arguments(fitted):
    with pytest.raises(ValueError, match="beam_size"):
        fitted.predict(["one"], beam_size=0)
    with pytest.raises(TypeError, match="sentence must be a string"):
        fitted.translate(["one"])
    with pytest.raises(TypeError, match="sentence must be a string"):
        fitted.predict_attention(None)
    with pytest.raises(ValueError, match="no tokens"):
        fitted.predict_attention("")
    with pytest.raises(ValueError, match="X has 1 sentences, y has 2"):
        fitted.score(["one"], ["one", "two"])


def test_not_fitted():
    model = Seq2SeqTranslator()
    for call in (lambda: model.predict(["a"]), lambda: model.translate("a"),
                 lambda: model.predict_attention("a"), lambda: model.score(["a"], ["b"])):
        with pytest.raises(NotFittedError):
            call()


def test_failed_fit_leaves_an_unfitted_estimator(reverse_data):
    X, y = reverse_data
    model = Seq2SeqTranslator(**{**TINY, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="beam_size"):
        model.set_params(beam_size=0).fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(["one"])


# -- network ---------------------------------------------------------------------------
@pytest.mark.parametrize("cell_type", ["lstm", "gru", "rnn"])
def test_stepwise_decoder_equals_one_pass(cell_type):
    torch.manual_seed(0)
    module = Seq2SeqModel(source_vocab_size=20, target_vocab_size=30, embedding_dim=8,
                          cell_type=cell_type, hidden_size=16, num_layers=2,
                          bidirectional=True, dropout=0.0, attention="luong",
                          input_feeding=False).eval()
    src, lengths = torch.randint(2, 20, (3, 5)), torch.tensor([5, 4, 2])
    embedded = module.target_embedding(torch.randint(2, 30, (3, 6)))
    memory, state = module.encode(src, lengths)
    full, _, _ = module._decode_steps(embedded, state, memory)
    steps = []
    for t in range(6):
        out, state, _ = module._decode_steps(embedded[:, t : t + 1], state, memory)
        steps.append(out)
    torch.testing.assert_close(full, torch.cat(steps, 1), atol=1e-5, rtol=1e-4)


def test_sequence_loss_ignores_padding():
    logits = torch.randn(3, 5)
    tgt_out = torch.tensor([[2, 3, 0], [4, 0, 0]])
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor([2, 3, 4]))
    torch.testing.assert_close(SequenceCrossEntropy()(logits, tgt_out), expected)
