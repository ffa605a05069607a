"""Tests for :mod:`sk_rnn.text`: tokenisers, :class:`TextVectorizer` and pretrained
embedding matrices."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from sk_rnn import RNNClassifier, TextVectorizer
from sk_rnn.text import (
    JOINER,
    PAD_ID,
    PAD_TOKEN,
    UNK_ID,
    UNK_TOKEN,
    build_embedding_matrix,
    char_tokenize,
    detokenize_spaced_words,
    spaced_word_tokenize,
    word_tokenize,
)

DOCS = [
    "A good film, a GOOD plot!",
    "a bad film",
    "Don't watch this bad film.",
    "good acting",
]


def _ids(vec, text):
    return vec.transform([text])[0].tolist()


# --------------------------------------------------------------------------------------
# Tokenisers
# --------------------------------------------------------------------------------------


def test_word_tokenize():
    assert word_tokenize("Don't call 0800-123!") == ["Don't", "call", "0800", "-", "123", "!"]
    assert word_tokenize("win £100 now") == ["win", "£", "100", "now"]
    assert word_tokenize("   ") == []


@pytest.mark.parametrize(
    "text",
    [
        "J'ai vu l'arc-en-ciel, non ?",
        "Qu'est-ce que c'est ?",
        "Il a 3,5 kg.",
        "Aujourd’hui…",
        "' quoted ' (text)",
        "Va !",
        "",
        "«Bonjour», dit-il.",
        "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak!",
        "a\n(b)\n",
    ],
)
def test_spaced_word_tokenize_round_trip(text):
    assert detokenize_spaced_words(spaced_word_tokenize(text)) == text


def test_spaced_word_tokenize_keeps_line_breaks_without_joiners():
    tokens = spaced_word_tokenize("Speak!\nAll:\n")
    assert tokens == ["Speak", JOINER + "!", "\n", "All", JOINER + ":", "\n"]


def test_spaced_word_tokenize_marks_only_glued_punctuation():
    tokens = spaced_word_tokenize("Est-ce vrai ? J'y vais.")
    assert tokens == ["Est", JOINER + "-" + JOINER, "ce", "vrai", "?", "J'", "y", "vais",
                      JOINER + "."]
    # white space runs and non-breaking spaces become one plain space
    assert detokenize_spaced_words(spaced_word_tokenize("Va\u202f!  Vite")) == "Va ! Vite"


def test_decode():
    texts = ["Je t'aime.", "Est-ce vrai ?", "Viens ici !"]
    vec = TextVectorizer(lowercase=False, keep_spacing=True).fit(texts)
    assert vec.decode(vec.transform(texts)) == texts
    assert vec.decode(vec.transform(["Est-ce faux ?"])) == ["Est-ce <unk> ?"]
    chars = TextVectorizer(tokenizer="char", lowercase=False).fit(texts)
    assert chars.decode(chars.transform(texts)) == texts
    words = TextVectorizer().fit(texts)  # without keep_spacing: tokens joined by spaces
    assert words.decode(words.transform(["Viens ici !"])) == ["viens ici !"]
    custom = TextVectorizer(tokenizer=str.split).fit(texts)
    assert custom.decode(custom.transform(["Viens ici !"])) == ["viens ici !"]


def test_sentencepiece_tokenizer():
    pytest.importorskip("sentencepiece")
    texts = ["the quick brown fox", "the lazy dog", "a quick dog and a lazy fox"] * 5
    vec = TextVectorizer(tokenizer="sentencepiece", max_features=25).fit(texts)
    assert vec.n_tokens_ <= 25 + 2
    assert any(token.startswith("\u2581") for token in vec.vocabulary_)
    assert vec.decode(vec.transform(["the quick dog"])) == ["the quick dog"]
    restored = pickle.loads(pickle.dumps(vec))  # the processor is rebuilt from the model
    assert restored.decode(restored.transform(["a lazy fox"])) == ["a lazy fox"]
    assert clone(vec).get_params() == vec.get_params()


def test_char_tokenize():
    assert char_tokenize("ab c") == ["a", "b", " ", "c"]


# --------------------------------------------------------------------------------------
# TextVectorizer: vocabulary
# --------------------------------------------------------------------------------------


def test_word_vocabulary_and_reserved_ids():
    vec = TextVectorizer().fit(DOCS)
    assert vec.vocabulary_[PAD_TOKEN] == PAD_ID == 0
    assert vec.vocabulary_[UNK_TOKEN] == UNK_ID == 1
    real = {tok: i for tok, i in vec.vocabulary_.items() if tok not in (PAD_TOKEN, UNK_TOKEN)}
    assert min(real.values()) == 2
    assert sorted(vec.vocabulary_.values()) == list(range(vec.n_tokens_))
    assert {"good", "film", "don't", "!", ",", "."} <= set(real)
    assert "GOOD" not in real  # lower-cased
    # Most frequent first ("a", "film", "good": 3 times each, ties alphabetical), then "bad".
    assert [vec.vocabulary_[t] for t in ("a", "film", "good", "bad")] == [2, 3, 4, 5]
    assert vec.token_counts_["good"] == 3 and vec.token_counts_["bad"] == 2
    assert vec.n_tokens_ == len(vec.vocabulary_) == len(real) + 2


def test_ties_are_alphabetical_and_ids_ignore_document_order():
    docs = ["zeta beta", "alpha zeta", "beta gamma", "delta"]
    vec = TextVectorizer().fit(docs)
    assert list(vec.vocabulary_)[2:] == ["beta", "zeta", "alpha", "delta", "gamma"]
    rng = np.random.RandomState(0)
    for _ in range(3):
        shuffled = [docs[i] for i in rng.permutation(len(docs))]
        assert TextVectorizer().fit(shuffled).vocabulary_ == vec.vocabulary_


def test_char_tokenizer():
    vec = TextVectorizer(tokenizer="char").fit(["abba", "Cab"])
    assert set(vec.vocabulary_) == {PAD_TOKEN, UNK_TOKEN, "a", "b", "c"}
    # "a" and "b" both occur 3 times (tie: alphabetical), "c" once.
    assert [vec.vocabulary_[c] for c in "abc"] == [2, 3, 4]
    assert _ids(vec, "cb z") == [4, 3, 1, 1]  # the space is a token too, unknown here


def _list_chars(text):
    return list(text)


@pytest.mark.parametrize("params", [
    {}, {"lowercase": False}, {"max_features": 4}, {"min_freq": 2},
    {"max_length": 5}, {"normalize_digits": True},
], ids=repr)
def test_char_path_equals_the_generic_tokenizer_path(params, monkeypatch):
    # The char tokenizer is encoded through numpy in chunks (no string per character);
    # it must give what the generic path gives for the same characters, chunk edges
    # included (a chunk of 7 characters here).
    monkeypatch.setattr("sk_rnn.text._CHAR_CHUNK", 7)
    texts = ["Ça va? ÉTÉ 2024 — naïve café", "ΣΊΣΥΦΟΣ ὀδυσσεύς", "İstanbul ß",
             "emoji 🙂🙂 and \udcff lone", "", "a" * 30 + "b" * 3]
    fast = TextVectorizer(tokenizer="char", **params).fit(texts)
    generic = TextVectorizer(tokenizer=_list_chars, **params).fit(texts)
    assert fast.vocabulary_ == generic.vocabulary_
    unseen = texts + ["zzz ÿ 9", "🙃"]
    for a, b in zip(fast.transform(unseen), generic.transform(unseen), strict=True):
        assert a.dtype == b.dtype == np.int64
        assert a.tolist() == b.tolist()


def test_callable_tokenizer():
    vec = TextVectorizer(tokenizer=str.split).fit(["well-made film!", "film"])
    assert set(vec.vocabulary_) == {PAD_TOKEN, UNK_TOKEN, "well-made", "film!", "film"}
    vec = TextVectorizer(tokenizer=lambda text: iter(text.split("|"))).fit(["a|b|a"])
    assert list(vec.vocabulary_)[2:] == ["a", "b"]


def test_lowercase():
    assert set(TextVectorizer().fit(["Good good"]).vocabulary_) == {PAD_TOKEN, UNK_TOKEN, "good"}
    vec = TextVectorizer(lowercase=False).fit(["Good good"])
    assert set(vec.vocabulary_) == {PAD_TOKEN, UNK_TOKEN, "Good", "good"}
    assert _ids(vec, "GOOD good") == [UNK_ID, vec.vocabulary_["good"]]


def test_min_freq_and_max_features():
    docs = ["a a a b b c", "a b d"]
    assert list(TextVectorizer(min_freq=2).fit(docs).vocabulary_)[2:] == ["a", "b"]
    assert list(TextVectorizer(min_freq=4).fit(docs).vocabulary_)[2:] == ["a"]
    vec = TextVectorizer(max_features=3).fit(docs)
    assert list(vec.vocabulary_)[2:] == ["a", "b", "c"]
    assert vec.n_tokens_ == 5  # the reserved ids are not counted in max_features
    assert _ids(vec, "d a") == [UNK_ID, 2]


def test_max_length():
    vec = TextVectorizer(max_length=3).fit(["a b c d e"])
    out = vec.transform(["a b c d e", "e", "b c d a"])
    assert [x.tolist() for x in out] == [[2, 3, 4], [6], [3, 4, 5]]


# --------------------------------------------------------------------------------------
# TextVectorizer: transform / inverse_transform / feature names
# --------------------------------------------------------------------------------------


def test_transform_output_and_unknown_tokens():
    vec = TextVectorizer().fit(DOCS)
    out = vec.transform(["a good film", "an unseen word", ""])
    assert isinstance(out, np.ndarray) and out.dtype == object and out.shape == (3,)
    assert all(isinstance(x, np.ndarray) and x.dtype == np.int64 for x in out)
    assert out[0].tolist() == [vec.vocabulary_[t] for t in ("a", "good", "film")]
    assert out[1].tolist() == [UNK_ID] * 3
    assert out[2].tolist() == []
    # No real token ever gets the padding id.
    assert all(PAD_ID not in x for x in vec.transform(DOCS))


def test_transform_accepts_array_and_series():
    vec = TextVectorizer().fit(DOCS)
    expected = [x.tolist() for x in vec.transform(DOCS)]
    for X in (np.array(DOCS), pd.Series(DOCS, index=range(10, 14)), tuple(DOCS)):
        assert [x.tolist() for x in vec.transform(X)] == expected
    assert TextVectorizer().fit(pd.Series(DOCS)).vocabulary_ == vec.vocabulary_


def test_inverse_transform_round_trip():
    vec = TextVectorizer().fit(DOCS)
    back = vec.inverse_transform(vec.transform(DOCS))
    assert back == [word_tokenize(doc.lower()) for doc in DOCS]
    assert vec.inverse_transform(vec.transform(["a zebra film"])) == [["a", UNK_TOKEN, "film"]]
    # Padding ids are dropped.
    assert vec.inverse_transform([np.array([2, 3, 0, 0])]) == [["a", "film"]]
    assert vec.inverse_transform([np.array([], dtype=np.int64)]) == [[]]


def test_inverse_transform_errors():
    vec = TextVectorizer().fit(DOCS)
    with pytest.raises(ValueError, match=r"X\[1\] holds ids outside"):
        vec.inverse_transform([np.array([2]), np.array([vec.n_tokens_])])
    with pytest.raises(ValueError, match=r"X\[0\] holds ids outside"):
        vec.inverse_transform([np.array([-1])])
    with pytest.raises(ValueError, match=r"X\[0\] must be a 1-D sequence of integer"):
        vec.inverse_transform([np.array([2.0, 3.0])])


def test_get_feature_names_out():
    vec = TextVectorizer().fit(DOCS)
    names = vec.get_feature_names_out()
    assert isinstance(names, np.ndarray) and len(names) == vec.n_tokens_
    assert names[0] == PAD_TOKEN and names[1] == UNK_TOKEN
    for token, i in vec.vocabulary_.items():
        assert names[i] == token


def test_not_fitted():
    vec = TextVectorizer()
    for method in (vec.transform, vec.inverse_transform, lambda X: vec.get_feature_names_out()):
        with pytest.raises(NotFittedError):
            method(["a"])


def test_clone_and_pickle():
    vec = TextVectorizer(tokenizer="char", min_freq=2, max_length=4, lowercase=False)
    twin = clone(vec)
    assert twin.get_params() == vec.get_params()
    assert not hasattr(twin, "vocabulary_")
    vec.fit(DOCS)
    restored = pickle.loads(pickle.dumps(vec))
    assert restored.vocabulary_ == vec.vocabulary_
    assert [x.tolist() for x in restored.transform(DOCS)] == [
        x.tolist() for x in vec.transform(DOCS)
    ]
    assert not hasattr(clone(vec), "vocabulary_")


def test_fit_does_not_modify_input():
    docs = list(DOCS)
    series = pd.Series(DOCS)
    TextVectorizer().fit(docs).transform(docs)
    TextVectorizer().fit(series).transform(series)
    assert docs == DOCS and series.tolist() == DOCS


def test_literal_pad_token_is_not_padding():
    vec = TextVectorizer(tokenizer=str.split).fit(["a <pad> b", "a"])
    assert PAD_ID not in _ids(vec, "a <pad> b")


# --------------------------------------------------------------------------------------
# TextVectorizer: errors
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "X, error, match",
    [
        pytest.param("a good film", TypeError, "single str", id="single-string"),
        pytest.param(b"a good film", TypeError, "single bytes", id="single-bytes"),
        pytest.param(["a", "b", 3], TypeError, r"X\[2\] must be a string, found int",
                     id="non-string-item"),
        pytest.param(["a", None], TypeError, r"X\[1\] must be a string, found NoneType",
                     id="none-item"),
        pytest.param([], ValueError, "empty", id="empty"),
        pytest.param(np.array([["a", "b"]]), ValueError, "one-dimensional", id="2d"),
        pytest.param(42, TypeError, "iterable of strings", id="int"),
    ],
)
def test_bad_texts(X, error, match):
    with pytest.raises(error, match=match):
        TextVectorizer().fit(X)
    vec = TextVectorizer().fit(DOCS)
    with pytest.raises(error, match=match):
        vec.transform(X)


@pytest.mark.parametrize(
    "params, match",
    [
        pytest.param({"tokenizer": "bpe"}, "tokenizer must be", id="tokenizer"),
        pytest.param({"tokenizer": 3}, "tokenizer must be", id="tokenizer-int"),
        pytest.param({"min_freq": 0}, "min_freq must be an integer >= 1, got 0", id="min_freq"),
        pytest.param({"min_freq": None}, "min_freq", id="min_freq-none"),
        pytest.param({"max_features": 0}, "max_features must be", id="max_features"),
        pytest.param({"max_features": 2.5}, "max_features must be", id="max_features-float"),
        pytest.param({"max_features": True}, "max_features must be", id="max_features-bool"),
        pytest.param({"max_length": -1}, "max_length must be", id="max_length"),
        pytest.param({"keep_spacing": "yes"}, "keep_spacing must be", id="keep_spacing"),
    ],
)
def test_bad_params(params, match):
    vec = TextVectorizer(**params)
    assert vec.get_params()[next(iter(params))] is next(iter(params.values()))  # stored as is
    with pytest.raises(ValueError, match=match):
        vec.fit(DOCS)


def test_empty_vocabulary():
    with pytest.raises(ValueError, match="vocabulary is empty.*min_freq=9"):
        TextVectorizer(min_freq=9).fit(DOCS)
    with pytest.raises(ValueError, match="vocabulary is empty"):
        TextVectorizer().fit(["", "  "])


# --------------------------------------------------------------------------------------
# Pipeline + GridSearchCV
# --------------------------------------------------------------------------------------


def _sentiment(n=40):
    rng = np.random.RandomState(0)
    pos, neg = ["great", "fine", "superb"], ["awful", "bad", "poor"]
    texts, labels = [], []
    for i in range(n):
        words = pos if i % 2 else neg
        texts.append(" ".join(rng.choice(words + ["the", "film"], size=rng.randint(2, 6))))
        labels.append("pos" if i % 2 else "neg")
    return texts, np.array(labels)


def test_pipeline_grid_search_over_both_steps():
    texts, y = _sentiment()
    pipe = Pipeline([
        ("vec", TextVectorizer()),
        ("rnn", RNNClassifier(hidden_size=4, embedding_dim=4, max_epochs=2, device="cpu",
                              random_state=0)),
    ])
    grid = GridSearchCV(
        pipe,
        {"vec__tokenizer": ["word", "char"], "rnn__cell_type": ["lstm", "gru"]},
        cv=2,
        error_score="raise",
    ).fit(texts, y)
    assert len(grid.cv_results_["params"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    best = grid.best_estimator_
    assert best.named_steps["rnn"].input_kind_ == "tokens"
    assert best.named_steps["vec"].tokenizer == grid.best_params_["vec__tokenizer"]
    assert best.named_steps["rnn"].n_tokens_ <= best.named_steps["vec"].n_tokens_
    assert set(best.predict(["great film", "zzz unseen"])) <= {"neg", "pos"}
    # The template pipeline is left unfitted.
    assert not hasattr(pipe.named_steps["vec"], "vocabulary_")


# --------------------------------------------------------------------------------------
# build_embedding_matrix
# --------------------------------------------------------------------------------------

TOKENS = [PAD_TOKEN, UNK_TOKEN, "good", "film", "zebra"]
VECTORS = {"good": [0.5, -1.0, 2.0], "film": [1.5, 0.25, -3.0], "other": [9.0, 9.0, 9.0]}


def _check_matrix(matrix, n_found, expected_found=2):
    assert matrix.dtype == np.float32 and matrix.shape == (len(TOKENS), 3)
    assert n_found == expected_found
    np.testing.assert_array_equal(matrix[0], 0.0)  # padding row
    np.testing.assert_allclose(matrix[2], VECTORS["good"])
    np.testing.assert_allclose(matrix[3], VECTORS["film"])
    for row in (1, 4):  # <unk> and a word without a vector: small random vectors
        assert np.all(np.abs(matrix[row]) <= 0.05) and np.any(matrix[row] != 0)
    assert not np.allclose(matrix[1], matrix[4])


def test_embeddings_from_dict():
    matrix, n_found = build_embedding_matrix(VECTORS, TOKENS, np.random.RandomState(0))
    _check_matrix(matrix, n_found)
    again, _ = build_embedding_matrix(VECTORS, TOKENS, np.random.RandomState(0))
    np.testing.assert_array_equal(matrix, again)  # the rng makes it reproducible
    other, _ = build_embedding_matrix(VECTORS, TOKENS, np.random.RandomState(1))
    assert not np.array_equal(matrix[4], other[4])


def _write_vectors(path, header):
    lines = [f"{w} " + " ".join(str(v) for v in vec) for w, vec in VECTORS.items()]
    if header:
        lines.insert(0, f"{len(VECTORS)} 3")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [True, False], ids=["word2vec-header", "glove-no-header"])
def test_embeddings_from_text_file(tmp_path, header):
    path = _write_vectors(tmp_path / "vectors.txt", header)
    _check_matrix(*build_embedding_matrix(path, TOKENS, np.random.RandomState(0)))
    _check_matrix(*build_embedding_matrix(str(path), TOKENS, np.random.RandomState(0)))


def test_embedding_file_header_is_not_a_word(tmp_path):
    path = _write_vectors(tmp_path / "vectors.txt", header=True)
    matrix, n_found = build_embedding_matrix(path, [PAD_TOKEN, UNK_TOKEN, "3", "good"],
                                             np.random.RandomState(0))
    assert n_found == 1
    assert np.all(np.abs(matrix[2]) <= 0.05)


class FakeKeyedVectors:
    """The part of gensim's KeyedVectors that build_embedding_matrix uses."""

    def __init__(self, vectors):
        self.key_to_index = {w: i for i, w in enumerate(vectors)}
        self.vectors = np.array(list(vectors.values()), dtype=np.float32)

    def __getitem__(self, key):
        return self.vectors[self.key_to_index[key]]


def test_embeddings_from_keyed_vectors():
    kv = FakeKeyedVectors(VECTORS)
    _check_matrix(*build_embedding_matrix(kv, TOKENS, np.random.RandomState(0)))


def test_embeddings_from_array():
    array = np.arange(15, dtype=np.float64).reshape(5, 3)
    matrix, n_found = build_embedding_matrix(array, TOKENS, np.random.RandomState(0))
    assert matrix.dtype == np.float32 and n_found == 5
    np.testing.assert_array_equal(matrix, array)
    matrix[0] = -1.0
    assert array[0, 0] == 0.0  # a copy
    with pytest.raises(ValueError, match=r"shape \(5, dim\).*\(4, 3\)"):
        build_embedding_matrix(array[:4], TOKENS, np.random.RandomState(0))


def test_embeddings_lowercase_fallback():
    # A case-sensitive vocabulary still finds lower-cased vectors (GloVe is lower-case).
    tokens = [PAD_TOKEN, UNK_TOKEN, "Good", "film"]
    matrix, n_found = build_embedding_matrix(VECTORS, tokens, np.random.RandomState(0))
    assert n_found == 2
    np.testing.assert_allclose(matrix[2], VECTORS["good"])


def test_embedding_file_capitalised_word_matches_lowercase_vocabulary(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("Good 0.5 -1.0\nfilm 1.0 2.0\n", encoding="utf-8")
    matrix, n_found = build_embedding_matrix(path, [PAD_TOKEN, UNK_TOKEN, "good", "film"],
                                             np.random.RandomState(0))
    assert n_found == 2
    np.testing.assert_allclose(matrix[2], [0.5, -1.0])


def test_embedding_errors(tmp_path):
    rng = np.random.RandomState(0)
    with pytest.raises(ValueError, match="does not exist"):
        build_embedding_matrix(tmp_path / "missing.txt", TOKENS, rng)
    with pytest.raises(ValueError, match="none of the vocabulary's tokens"):
        build_embedding_matrix({"other": [1.0]}, TOKENS, rng)
    with pytest.raises(ValueError, match="different sizes"):
        build_embedding_matrix({"good": [1.0, 2.0], "film": [1.0]}, TOKENS, rng)
    with pytest.raises(TypeError, match="got list"):
        build_embedding_matrix([[1.0, 2.0]], TOKENS, rng)
    bad = tmp_path / "bad.txt"
    bad.write_text("film 1.0 2.0\ngood 1.0 two\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        build_embedding_matrix(bad, TOKENS, rng)


# --------------------------------------------------------------------------------------
# Out-of-vocabulary buckets
# --------------------------------------------------------------------------------------


def test_oov_buckets_hash_unknown_tokens_to_ids_of_their_own():
    import zlib

    vec = TextVectorizer(oov_buckets=64).fit(["a good film", "a bad film"])
    first = len(vec.vocabulary_)
    assert vec.n_tokens_ == first + 64 and vec.n_oov_buckets_ == 64
    ids = vec.transform(["a superb film, superb plot"])[0]
    known = [vec.vocabulary_["a"], vec.vocabulary_["film"]]
    assert ids[[0, 2]].tolist() == known
    superb = first + zlib.crc32(b"superb") % 64  # the same id on every machine and run
    assert ids[1] == ids[4] == superb and ids[3] != superb  # "," has its own bucket
    assert all(first <= i < vec.n_tokens_ for i in ids[[1, 3, 4, 5]])
    assert vec.inverse_transform([ids])[0][1] == f"<unk:{superb - first}>"
    names = vec.get_feature_names_out()
    assert len(names) == vec.n_tokens_ and len(set(names)) == len(names)
    # the buckets are fixed by fit: changing the parameter afterwards changes nothing
    vec.set_params(oov_buckets=0)
    np.testing.assert_array_equal(vec.transform(["a superb film, superb plot"])[0], ids)


def test_oov_buckets_with_characters_and_without_buckets():
    chars = TextVectorizer(tokenizer="char", oov_buckets=4).fit(["abc"])
    ids = chars.transform(["abz"])[0]
    assert ids[:2].tolist() == [chars.vocabulary_["a"], chars.vocabulary_["b"]]
    assert ids[2] == len(chars.vocabulary_) + __import__("zlib").crc32(b"z") % 4
    plain = TextVectorizer().fit(["a good film"])
    assert plain.transform(["a superb film"])[0].tolist()[1] == UNK_ID
    assert plain.n_tokens_ == len(plain.vocabulary_)
    # a vectorizer pickled before the buckets existed has none
    del plain.n_oov_buckets_
    assert plain.transform(["a superb film"])[0].tolist()[1] == UNK_ID
    with pytest.raises(ValueError, match="oov_buckets"):
        TextVectorizer(oov_buckets=-1).fit(["a"])


def test_partial_fit_default_vectorizer_has_oov_buckets_and_fit_none():
    texts, y = ["a good film", "a bad film"] * 4, np.array([1, 0] * 4)
    tiny = dict(hidden_size=4, embedding_dim=4, max_epochs=1, random_state=0)
    streamed = RNNClassifier(**tiny).partial_fit(texts, y, classes=[0, 1])
    n_words = len(streamed.vectorizer_.vocabulary_)
    assert streamed.vectorizer_.n_tokens_ == n_words + RNNClassifier._PARTIAL_FIT_OOV_BUCKETS
    assert streamed.net_.module_.encoder.embedding.num_embeddings == \
        streamed.vectorizer_.n_tokens_
    streamed.partial_fit(["a superb film"], [1])  # a new word trains its bucket's row
    fitted = RNNClassifier(**tiny).fit(texts, y)
    assert fitted.vectorizer_.n_tokens_ == len(fitted.vectorizer_.vocabulary_)
    # a vectorizer the user chose is used as given
    chosen = RNNClassifier(vectorizer={"oov_buckets": 8}, **tiny).partial_fit(
        texts, y, classes=[0, 1])
    assert chosen.vectorizer_.n_oov_buckets_ == 8
    own = RNNClassifier(vectorizer={}, **tiny).partial_fit(texts, y, classes=[0, 1])
    assert own.vectorizer_.n_oov_buckets_ == 0
