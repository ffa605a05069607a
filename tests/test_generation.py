"""Tests for :mod:`sk_rnn.generation`: :class:`TextGenerator`, its language model and the
contiguous stream batches of truncated BPTT."""

from __future__ import annotations

import math
import pickle
import time

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold

import sk_rnn
from sk_rnn import TextGenerator
from sk_rnn._streams import StreamLoader, TokenStream
from sk_rnn.generation import _adaptive_cutoffs, _sample, validation_blocks
from sk_rnn.nn.language_model import LanguageModel, TargetStreamLoader

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TEXT = (
    "the cat sat on the mat. the dog sat on the log. "
    "a cat and a dog met on the mat by the log.\n"
) * 30
TINY = dict(hidden_size=48, num_layers=1, embedding_dim=16, sequence_length=24,
            batch_size=8, max_epochs=6, lr=1e-2, dropout=0.0, random_state=0,
            device="cpu")


@pytest.fixture(scope="module")
def fitted():
    return TextGenerator(**TINY).fit(TEXT)


@pytest.fixture(scope="module")
def fitted_words():
    return TextGenerator(**{**TINY, "level": "word", "sequence_length": 12}).fit(TEXT)


# -- stream batches ---------------------------------------------------------------------
def test_stream_loader_windows_are_contiguous_per_stream():
    ids = np.arange(1, 102)  # 101 tokens: 4 streams of 25 inputs -> 5 windows of 5
    loader = StreamLoader(TokenStream(ids), batch_size=4, sequence_length=5)
    batches = list(loader)
    assert len(batches) == len(loader) == 5
    xs = torch.cat([X["x"] for X, _ in batches], dim=1)
    ys = torch.cat([y for _, y in batches], dim=1)
    for row in range(4):
        start = 1 + 25 * row
        assert xs[row].tolist() == list(range(start, start + 25))
        assert ys[row].tolist() == list(range(start + 1, start + 26))
    assert batches[0][0]["reset"].all()
    assert not any(X["reset"].any() for X, _ in batches[1:])
    assert all(X["x"].dtype == torch.int64 for X, _ in batches)


def test_stream_loader_shuffle_moves_the_offset_reproducibly():
    ids = np.arange(1000)
    first = [next(iter(StreamLoader(TokenStream(ids), 4, True, 10, seed=s)))[0]["x"][0, 0]
             for s in range(6)]
    again = [next(iter(StreamLoader(TokenStream(ids), 4, True, 10, seed=s)))[0]["x"][0, 0]
             for s in range(6)]
    assert first == again
    assert len(set(int(v) for v in first)) > 1
    assert all(0 <= int(v) < 10 for v in first)


def test_stream_loader_uses_fewer_streams_on_a_short_corpus():
    loader = StreamLoader(TokenStream(np.arange(31)), batch_size=64, sequence_length=10)
    (X, y), = list(loader)[:1]
    assert X["x"].shape == (3, 10)


def test_language_model_carries_state_between_batches():
    torch.manual_seed(0)
    model = LanguageModel(20, 8, "lstm", 16, 2, 0.0).eval()
    x = torch.randint(2, 20, (3, 12))
    whole, _ = model.run(x)
    first = model(x[:, :5], torch.ones(3, dtype=torch.bool))
    second = model(x[:, 5:], torch.zeros(3, dtype=torch.bool))
    torch.testing.assert_close(torch.cat([first, second], 1), whole)
    # a reset starts the marked stream afresh, the others carry on
    model.clear_state()
    model(x[:, :5], torch.ones(3, dtype=torch.bool))
    mixed = model(x[:, 5:], torch.tensor([True, False, False]))
    fresh, _ = model.run(x[:1, 5:])
    torch.testing.assert_close(mixed[0], fresh[0])
    torch.testing.assert_close(mixed[1:], whole[1:, 5:])


def test_language_model_state_is_not_pickled():
    model = LanguageModel(20, 8, "gru", 16, 1, 0.0)
    model(torch.randint(2, 20, (2, 4)), torch.ones(2, dtype=torch.bool))
    assert model._carry is not None
    assert pickle.loads(pickle.dumps(model))._carry is None


def test_language_model_pickled_before_the_softmax_option_loads_as_full():
    model = LanguageModel(20, 8, "gru", 16, 1, 0.0)
    del model.__dict__["softmax"]  # what a module pickled before the option holds
    restored = pickle.loads(pickle.dumps(model))
    assert restored.softmax == "full"
    logits, _ = restored.run(torch.randint(2, 20, (2, 4)))
    assert logits.shape == (2, 4, 20)


@pytest.mark.parametrize("cell_type", ["rnn", "lstm", "gru"])
def test_single_steps_match_the_fused_stack(cell_type):
    torch.manual_seed(0)
    model = LanguageModel(20, 8, cell_type, 16, 2, 0.3).eval()
    x = torch.randint(2, 20, (2, 6))
    whole, _ = model.run(x)
    logits, state = model.run(x[:, :1])
    steps = [logits]
    for t in range(1, 6):
        logits, state = model.run(x[:, t : t + 1], state)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, 1), whole, rtol=1e-5, atol=1e-5)


def test_adaptive_language_model_carries_state_and_scores_its_distribution():
    torch.manual_seed(0)
    model = LanguageModel(40, 8, "lstm", 16, 1, 0.0, softmax="adaptive",
                          cutoffs=[5, 20]).eval()
    x = torch.randint(2, 40, (3, 12))
    targets = torch.randint(2, 40, (3, 12))
    logits, _ = model.run(x)
    log_probs = torch.log_softmax(logits, -1)
    # the scores are log-probabilities already, over every id
    torch.testing.assert_close(log_probs, logits, rtol=1e-4, atol=1e-4)
    expected = log_probs.gather(-1, targets[..., None])[..., 0]
    first = model(x[:, :5], torch.ones(3, dtype=torch.bool), targets[:, :5])
    second = model(x[:, 5:], torch.zeros(3, dtype=torch.bool), targets[:, 5:])
    torch.testing.assert_close(torch.cat([first, second], 1), expected,
                               rtol=1e-4, atol=1e-4)
    # the last id (the generator's document boundary) is output class 0, in the head
    boundary = torch.full((3, 12), 39)
    hidden, _ = model.hidden(x)
    torch.testing.assert_close(model.target_log_prob(hidden, boundary),
                               log_probs[..., 39], rtol=1e-4, atol=1e-4)
    # without targets (distillation): every id's log-probability, continuing the state
    model.clear_state()
    model(x[:, :5], torch.ones(3, dtype=torch.bool), targets[:, :5])
    everything = model(x[:, 5:], torch.zeros(3, dtype=torch.bool))
    torch.testing.assert_close(everything, log_probs[:, 5:], rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="needs cutoffs"):
        LanguageModel(40, 8, "lstm", 16, 1, 0.0, softmax="adaptive")


def test_target_stream_loader_hands_the_targets_to_the_module():
    loader = TargetStreamLoader(TokenStream(np.arange(1, 102)), batch_size=4,
                                sequence_length=5)
    for X, y in loader:
        assert torch.equal(X["targets"], y)
        assert set(X) == {"x", "reset", "targets"}


def test_adaptive_cutoffs_fit_the_vocabulary():
    assert _adaptive_cutoffs(30_003) == [2000, 10000]
    assert _adaptive_cutoffs(5_000) == [2000]
    assert _adaptive_cutoffs(30) == [15]


# -- fitting and scoring --------------------------------------------------------------
WORD_TINY = {**TINY, "level": "word", "sequence_length": 12}


@pytest.fixture(scope="module", params=["full", "adaptive"])
def fitted_softmax(request):
    return TextGenerator(**{**WORD_TINY, "softmax": request.param}).fit(TEXT)


def test_softmax_variants_learn_generate_and_score(fitted_softmax):
    gen = fitted_softmax
    module = gen.net_.module_
    assert module.softmax == gen.softmax
    expected = torch.nn.Linear if gen.softmax == "full" else torch.nn.AdaptiveLogSoftmaxWithLoss
    assert isinstance(module.output, expected)
    assert gen.history_[-1, "valid_loss"] < gen.history_[0, "valid_loss"]
    text = gen.generate("the cat", 20, random_state=0)
    assert text.startswith("the cat") and len(text) > len("the cat")
    assert gen.generate("the cat", 20, random_state=0) == text
    assert gen.score(TEXT) > -1.5
    assert gen.perplexity(TEXT) == pytest.approx(math.exp(-gen.score(TEXT)))


def test_softmax_variants_score_the_distribution_they_sample(fitted_softmax):
    """score equals the mean log-softmax of the scores generate samples from."""
    gen = fitted_softmax
    text = "the cat sat on the log. a dog met the cat by the mat."
    module = gen.net_.module_.eval()
    ids = gen.vectorizer_.transform([text])[0]
    context = torch.as_tensor(np.concatenate([[gen._boundary], ids]))[None]
    with torch.no_grad():
        logits, _ = module.run(context[:, :-1])
    exact = torch.nn.functional.cross_entropy(logits[0], context[0, 1:]).item()
    assert gen.score(text) == pytest.approx(-exact, abs=1e-4)


def test_softmax_variants_pickle_and_save(fitted_softmax, tmp_path):
    gen = fitted_softmax
    score = gen.score(TEXT[:300])
    text = gen.generate("the", 30, random_state=1)
    restored = pickle.loads(pickle.dumps(gen))
    assert restored.score(TEXT[:300]) == score
    assert restored.generate("the", 30, random_state=1) == text
    sk_rnn.save(gen, tmp_path / "lm.skrnn")
    loaded = sk_rnn.load(tmp_path / "lm.skrnn")
    assert loaded.net_.module_.softmax == gen.net_.module_.softmax
    assert loaded.score(TEXT[:300]) == pytest.approx(score, abs=1e-6)
    assert loaded.generate("the", 30, random_state=1) == text


def test_auto_softmax_and_defaults_per_level():
    char = TextGenerator()
    # the character-level defaults are those benchmarked on Tiny Shakespeare
    assert [char._resolved(name) for name in (
        "embedding_dim", "hidden_size", "num_layers", "dropout", "max_features", "softmax",
    )] == [64, 512, 2, 0.0, None, "full"]
    word = TextGenerator(level="word", max_epochs=1, sequence_length=12, random_state=0,
                         device="cpu").fit(TEXT)
    module = word.net_.module_
    assert isinstance(module.output, torch.nn.AdaptiveLogSoftmaxWithLoss)
    assert module.embedding.embedding_dim == 256
    assert (module.rnn.hidden_size, module.rnn.num_layers) == (384, 1)
    assert word.vectorizer_.max_features == 30_000
    # the parameters stay as given (None, "auto"): clone and get_params see them
    assert word.get_params()["hidden_size"] is None
    assert word.get_params()["softmax"] == "auto"
    fitted_char = TextGenerator(**TINY).fit(TEXT[:600])
    assert isinstance(fitted_char.net_.module_.output, torch.nn.Linear)
    assert fitted_char.vectorizer_.max_features is None


def test_the_pretraining_interface():
    """What a classifier takes from a word-level model: embedding rows are vocabulary ids
    (the boundary last), a unidirectional batch-first stack, the vectorizer."""
    gen = TextGenerator(**WORD_TINY).fit(TEXT)
    module = gen.net_.module_
    assert module.embedding.num_embeddings == gen.n_tokens_ == gen.vectorizer_.n_tokens_ + 1
    assert isinstance(module.rnn, torch.nn.LSTM)
    assert module.rnn.batch_first and not module.rnn.bidirectional
    assert module.rnn.input_size == module.embedding.embedding_dim


def test_vocabulary_cap():
    gen = TextGenerator(**{**WORD_TINY, "max_features": 5, "max_epochs": 1}).fit(TEXT)
    assert gen.vectorizer_.n_tokens_ == 5 + 2  # padding and "<unk>"
    assert gen.n_tokens_ == 8
    assert gen.net_.module_.embedding.num_embeddings == 8
    assert np.isfinite(gen.score("the zebra sat on the mat."))
    assert "zebra" not in gen.generate("the", 30, random_state=0)


def test_verbose_shows_progress_within_an_epoch(capsys):
    TextGenerator(**{**WORD_TINY, "max_epochs": 1, "verbose": 1}).fit(TEXT)
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "it/s" in output or "s/it" in output  # the bar within the epoch
    assert "train_loss" in output and "valid_loss" in output  # the epoch table
    TextGenerator(**{**WORD_TINY, "max_epochs": 1}).fit(TEXT)
    captured = capsys.readouterr()
    assert captured.out == "" and "it/s" not in captured.err



def test_learns_the_corpus(fitted):
    assert fitted.history_[-1, "valid_loss"] < fitted.history_[0, "valid_loss"]
    assert fitted.score(TEXT[:500]) > -1.0  # far below log(vocabulary) nats per char
    assert fitted.n_tokens_ == fitted.vectorizer_.n_tokens_ + 1
    assert 0 < fitted.n_training_tokens_ < len(TEXT)


def test_score_is_the_mean_log_likelihood_per_token(fitted):
    """score equals the mean cross-entropy of one pass over the text, computed here."""
    text = TEXT[:3000]  # longer than one scored piece: checks the piece boundaries too
    module = fitted.net_.module_.eval()
    ids = fitted.vectorizer_.transform([text])[0]
    context = torch.as_tensor(np.concatenate([[fitted._boundary], ids]))[None]
    with torch.no_grad():
        logits, _ = module.run(context[:, :-1])
    exact = torch.nn.functional.cross_entropy(logits[0], context[0, 1:]).item()
    assert fitted.score(text) == pytest.approx(-exact, abs=2e-3)
    assert fitted.perplexity(text) == pytest.approx(np.exp(exact), rel=3e-3)


def test_score_of_documents_weighs_every_token(fitted):
    docs = ["the cat sat on the mat.", "the dog sat on the log."]
    total = sum(fitted.score(d) * len(d) for d in docs) / sum(map(len, docs))
    assert fitted.score(docs) == pytest.approx(total, rel=1e-5)
    assert fitted.score(pd.Series(docs)) == pytest.approx(fitted.score(docs))


def test_documents_are_kept_apart():
    docs = [f"doc {i}: the cat sat on the mat." for i in range(40)]
    model = TextGenerator(**{**TINY, "max_epochs": 20}).fit(docs)
    stream = model._stream(docs)
    assert (stream == model._boundary).sum() == len(docs) + 1
    assert model.score(docs[:3]) > -np.log(model.n_tokens_) + 1  # well above chance
    # a document ends with the boundary token, so generation stops by itself
    ends = [model.generate("doc 7: the cat sat on the mat", 200, top_k=1)]
    assert len(ends[0]) < 60


def test_grid_search_over_cell_type_by_likelihood():
    docs = [TEXT[i : i + 400] for i in range(0, 2400, 400)]
    grid = GridSearchCV(TextGenerator(**{**TINY, "max_epochs": 2}),
                        {"cell_type": ["gru", "lstm"]}, cv=KFold(2))
    grid.fit(docs)
    assert grid.best_params_["cell_type"] in ("gru", "lstm")
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert np.all(grid.cv_results_["mean_test_score"] < 0)


def test_validation_blocks_are_spread_over_the_corpus():
    stream = np.arange(1000)
    original = stream.copy()
    train, valid = validation_blocks(stream, 50, length=2)
    # ten blocks of five tokens, each at the end of a tenth of the corpus
    assert list(valid) == [t for end in range(100, 1001, 100) for t in range(end - 5, end)]
    assert list(train) == sorted(set(range(1000)) - set(valid.tolist()))
    np.testing.assert_array_equal(stream, original)


def test_validation_blocks_hold_two_windows_each():
    stream = np.arange(1000)
    _, valid = validation_blocks(stream, 50, length=10)  # 50 // 20: two blocks of 25
    assert list(valid) == [*range(475, 500), *range(975, 1000)]
    _, tail = validation_blocks(stream, 50, length=40)  # one block: the tail
    assert list(tail) == list(range(950, 1000))
    train, none = validation_blocks(stream, 0, length=10)
    assert len(none) == 0 and len(train) == 1000


def test_language_model_keeps_pytorch_initialisation():
    torch.manual_seed(0)
    model = LanguageModel(20, 8, "lstm", 16, 1, 0.0)
    bound = 1 / 16**0.5
    assert all(p.abs().max() <= bound for p in model.rnn.parameters())
    assert not torch.all(model.rnn.bias_ih_l0[16:32] == 1.0)  # no Keras forget bias


def test_without_early_stopping_trains_on_everything():
    model = TextGenerator(**{**TINY, "early_stopping": False, "max_epochs": 2}).fit(TEXT)
    assert model.n_iter_ == 2
    assert "valid_loss" not in model.history_[-1]
    assert model.n_training_tokens_ == len(TEXT) + 2


@pytest.mark.parametrize("schedule", ["cosine", "plateau", "constant"])
def test_learning_rate_schedules(schedule):
    model = TextGenerator(**{**TINY, "max_epochs": 3, "lr_schedule": schedule}).fit(TEXT)
    lrs = [batch["event_lr"] for epoch in model.history_ for batch in epoch["batches"]
           if "event_lr" in batch]
    if schedule == "cosine":
        assert lrs[0] == pytest.approx(TINY["lr"])
        assert np.all(np.diff(lrs) <= 1e-12) and lrs[-1] < TINY["lr"] / 2
    elif schedule == "constant":
        assert lrs == []
    assert np.isfinite(model.history_[-1, "train_loss"])


def test_short_corpus_warns_and_trains_without_validation():
    with pytest.warns(UserWarning, match="too short for a validation slice"):
        model = TextGenerator(**{**TINY, "max_epochs": 1}).fit(TEXT[:60])
    assert "valid_loss" not in model.history_[-1]


def test_same_random_state_same_model():
    a = TextGenerator(**{**TINY, "max_epochs": 2}).fit(TEXT)
    b = TextGenerator(**{**TINY, "max_epochs": 2}).fit(TEXT)
    assert a.score(TEXT[:300]) == b.score(TEXT[:300])
    assert a.generate("the", 40, random_state=3) == b.generate("the", 40, random_state=3)


def test_clone_and_pickle(fitted):
    assert clone(fitted).get_params() == fitted.get_params()
    restored = pickle.loads(pickle.dumps(fitted))
    assert restored.score(TEXT[:300]) == fitted.score(TEXT[:300])
    assert restored.generate("the", 50, random_state=0) == fitted.generate(
        "the", 50, random_state=0)


def test_generator_saved_before_the_softmax_option(fitted):
    state = fitted.__getstate__()
    del state["softmax"]
    old = TextGenerator.__new__(TextGenerator)
    old.__setstate__(state)
    assert old.get_params()["softmax"] == "full"
    assert old.score(TEXT[:300]) == fitted.score(TEXT[:300])


def test_input_is_not_modified():
    docs = ["the cat sat on the mat. " * 20, "the dog sat on the log. " * 20]
    copy = list(docs)
    TextGenerator(**{**TINY, "max_epochs": 1}).fit(docs)
    assert docs == copy


# -- generation -----------------------------------------------------------------------
def test_generate_continues_the_prompt(fitted):
    text = fitted.generate("the cat", max_length=60, random_state=0)
    assert text.startswith("the cat")
    assert 7 < len(text) <= 67
    assert "<unk>" not in text and "<pad>" not in text


def test_generate_is_reproducible_and_varies_with_the_seed(fitted):
    runs = [fitted.generate("the", 80, random_state=s) for s in (0, 0, 1)]
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]
    rng = np.random.RandomState(5)
    assert fitted.generate("the", 30, random_state=rng) != fitted.generate(
        "the", 30, random_state=rng)  # a RandomState instance advances


def test_greedy_generation_follows_the_most_likely_token(fitted):
    text = fitted.generate("the cat sat on th", max_length=1, top_k=1)
    assert text == "the cat sat on the"


def test_generate_from_an_empty_prompt_and_unknown_characters(fitted):
    assert isinstance(fitted.generate("", 20, random_state=0), str)
    text = fitted.generate("Zürich ∆ ", 20, random_state=0)
    assert text.startswith("Zürich ∆ ")


def test_max_length_zero_returns_the_prompt(fitted):
    assert fitted.generate("the cat", max_length=0) == "the cat"


def test_stop_strings_end_the_text(fitted):
    text = fitted.generate("the", max_length=300, stop=".", random_state=0)
    assert "." not in text[3:]
    text = fitted.generate("the", max_length=300, stop=["mat", "log"], random_state=0)
    generated = text[3:]
    assert "mat" not in generated and "log" not in generated


def test_word_level_generation_restores_spacing(fitted_words):
    text = fitted_words.generate("the cat", max_length=40, random_state=0)
    assert text.startswith("the cat ")
    assert "￭" not in text and "  " not in text
    assert " ." not in text  # punctuation glued to its word, as in the corpus
    assert fitted_words.score("the dog sat on the mat.") > -3


def test_word_level_unknown_prompt_words(fitted_words):
    text = fitted_words.generate("the zebra", max_length=10, random_state=0)
    assert text.startswith("the zebra")


def test_generation_cost_is_linear_in_length(fitted):
    """The state is kept between steps: 4x the tokens cost about 4x the time (best of
    three runs each, with a wide margin for noisy machines; quadratic would be 16x)."""
    fitted.generate("the", 50, random_state=0)  # warm-up
    timings = {}
    for n in (200, 800):
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            out = fitted.generate("the", n, top_k=20, random_state=0)
            best = min(best, time.perf_counter() - start)
        timings[n] = best
        assert len(out) - 3 > n // 2  # did not stop early (few boundaries in training)
    assert timings[800] < 10 * timings[200]


def test_sample_filters():
    rng = np.random.RandomState(0)
    logits = np.log(np.array([0.5, 0.3, 0.15, 0.05]))
    assert {_sample(logits.copy(), 1.0, 1, None, rng) for _ in range(50)} == {0}
    assert {_sample(logits.copy(), 1.0, 2, None, rng) for _ in range(200)} == {0, 1}
    # top_p=0.8: the smallest set with mass >= 0.8 is {0, 1}
    assert {_sample(logits.copy(), 1.0, None, 0.8, rng) for _ in range(200)} == {0, 1}
    draws = [_sample(logits.copy(), 1.0, None, None, rng) for _ in range(4000)]
    assert np.bincount(draws, minlength=4) / 4000 == pytest.approx(
        [0.5, 0.3, 0.15, 0.05], abs=0.03)
    cold = [_sample(logits.copy(), 0.1, None, None, rng) for _ in range(200)]
    assert np.mean(np.array(cold) == 0) > 0.95


# -- bad input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "corpus, error, match",
    [("", ValueError, "holds no text"),
     ([], ValueError, "empty"),
     (["", ""], ValueError, "holds no text"),
     (None, TypeError, "must be a string or an iterable"),
     (42, TypeError, "must be a string or an iterable"),
     (b"bytes", TypeError, "decode it first"),
     (["text", 3], TypeError, r"X\[1\] must be a string"),
     (np.zeros((2, 2)), ValueError, "one-dimensional"),
     ("short", ValueError, "too short.*sequence_length=24")],
)
def test_bad_corpus(corpus, error, match):
    with pytest.raises(error, match=match):
        TextGenerator(**TINY).fit(corpus)


@pytest.mark.parametrize(
    "params, match",
    [(dict(level="byte"), "level must be one of"),
     (dict(sequence_length=0), "sequence_length must be an integer"),
     (dict(max_features=0), "max_features must be an integer >= 1, None or"),
     (dict(lr_schedule="linear"), "lr_schedule must be one of"),
     (dict(cell_type="transformer"), "cell_type must be one of"),
     (dict(dropout=1.0), "dropout must be"),
     (dict(softmax="sampled"), "softmax must be one of"),
     (dict(max_features="all"), "max_features must be"),
     (dict(embedding_dim=0), "embedding_dim must be"),
     (dict(hidden_size=2.5), "hidden_size must be"),
     (dict(num_layers=0), "num_layers must be")],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        TextGenerator(**{**TINY, **params}).fit(TEXT)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [(dict(temperature=0), ValueError, "temperature must be"),
     (dict(temperature=-1.0), ValueError, "temperature must be"),
     (dict(temperature=float("inf")), ValueError, "temperature must be"),
     (dict(top_p=0.0), ValueError, "top_p must be"),
     (dict(top_p=1.5), ValueError, "top_p must be"),
     (dict(top_k=0), ValueError, "top_k must be"),
     (dict(top_k=2.5), ValueError, "top_k must be"),
     (dict(max_length=-1), ValueError, "max_length must be"),
     (dict(max_length=None), ValueError, "max_length must be"),
     (dict(prompt=None), TypeError, "prompt must be a string"),
     (dict(prompt=["the"]), TypeError, "prompt must be a string"),
     (dict(stop=""), ValueError, "stop must be"),
     (dict(stop=[1]), ValueError, "stop must be")],
)
def test_bad_generation_arguments(fitted, kwargs, error, match):
    with pytest.raises(error, match=match):
        fitted.generate(**kwargs)


def test_not_fitted():
    model = TextGenerator()
    for call in (lambda: model.generate("a"), lambda: model.score("a"),
                 lambda: model.perplexity("a")):
        with pytest.raises(NotFittedError):
            call()


def test_score_bad_input(fitted):
    with pytest.raises(ValueError, match="holds no text"):
        fitted.score("")
    with pytest.raises(TypeError, match="must be a string or an iterable"):
        fitted.score(3.5)


@pytest.mark.parametrize("cell_type", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("softmax", ["full", "adaptive"])
def test_token_stepper_matches_running_the_model(cell_type, softmax):
    torch.manual_seed(0)
    extra = {"cutoffs": [5, 20]} if softmax == "adaptive" else {}
    model = LanguageModel(40, 8, cell_type, 16, 2, 0.3, softmax=softmax, **extra).eval()
    x = torch.randint(2, 40, (1, 9))
    with torch.inference_mode():
        whole, _ = model.run(x)
        _, state = model.run(x[:, :4])
        step = model.stepper(state)
        for t in range(4, 9):
            torch.testing.assert_close(step(int(x[0, t])), whole[0, t], rtol=1e-5, atol=1e-5)


def test_quantized_generator_writes_the_same_way_through_the_stepper():
    from sk_rnn.compression import quantize

    gen = TextGenerator(hidden_size=16, num_layers=1, embedding_dim=8, sequence_length=8,
                        batch_size=4, max_epochs=1, random_state=0).fit(TEXT)
    small = quantize(gen)
    module = small.net_.module_
    ids = torch.as_tensor([[small._boundary, *small.vectorizer_.transform(["to be"])[0]]])
    with torch.inference_mode():
        # one token through run (int8 activations are quantised per call, so per row)
        _, state = module.run(ids[:, :-1])
        last, _ = module.run(ids[:, -1:], state)
        torch.testing.assert_close(module.stepper(state)(int(ids[0, -1])), last[0, -1],
                                   rtol=1e-5, atol=1e-5)
    assert small.generate("to be", max_length=30, random_state=0).startswith("to be")
