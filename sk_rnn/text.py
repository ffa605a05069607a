"""Tokenisers, vocabularies and :class:`TextVectorizer`.

A :class:`TextVectorizer` turns raw strings into ragged sequences of token ids, the input
that the recurrent estimators embed. Id ``0`` is reserved for padding and id ``1`` for
tokens that were not in the training vocabulary.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain, islice, repeat

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ._params import Boolean, Check, InstanceOf, Interval, Param, document_params, validate_params
from ._registry import register_estimator
from ._typing import ArrayLike, TextsLike

__all__ = ["TextVectorizer", "PAD_ID", "UNK_ID", "PAD_TOKEN", "UNK_TOKEN", "TOKENIZER_NAMES",
           "VECTORIZER", "build_vectorizer", "NestedVectorizerParamsMixin"]

PAD_ID = 0
UNK_ID = 1
PAD_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
_N_RESERVED = 2

# Words (letters, digits, underscore and apostrophes inside words, so "don't" stays one
# token) and every other non-space character on its own: "£" and "!" carry signal in spam
# and sentiment.
_WORD_PATTERN = re.compile(r"\w+(?:'\w+)*|[^\w\s]")
_DIGITS = re.compile(r"\d")
# For text that must be rebuilt from tokens (translation targets): an elided word such as
# French "j'" or "aujourd'" is a token of its own (it glues to the next word), other words
# and punctuation as above.
_SPACED_WORD_PATTERN = re.compile(r"\w+['\u2019](?=\w)|\w+|[^\w\s]|\n")
#: A line break, kept as a token by the spacing-preserving tokenizer.
NEWLINE = "\n"
#: Marks the side of a punctuation token that touches its neighbour without a space
#: (OpenNMT's "joiner"), so that :meth:`TextVectorizer.decode` restores the spacing.
JOINER = "\uffed"
_SENTENCEPIECE_SPACE = "\u2581"
_DEFAULT_SUBWORDS = 8000


def word_tokenize(text: str) -> list[str]:
    """Split ``text`` into words and single punctuation or symbol characters.

    Parameters
    ----------
    text : str
        The text to split.

    Returns
    -------
    list of str
        The tokens in order.

    Examples
    --------
    >>> word_tokenize("Don't call 0800-123!")
    ["Don't", 'call', '0800', '-', '123', '!']
    """
    return _WORD_PATTERN.findall(text)


def char_tokenize(text: str) -> list[str]:
    """Split ``text`` into its characters.

    Parameters
    ----------
    text : str
        The text to split.

    Returns
    -------
    list of str
        One token per character, spaces included.
    """
    return list(text)


def spaced_word_tokenize(text: str) -> list[str]:
    """Split ``text`` into words and punctuation, marking glued punctuation with joiners.

    A punctuation token that touches the previous token gets :data:`JOINER` in front, one
    that touches the next token gets it behind; elided words (``"j'"``) are tokens of
    their own that glue to the next word; every line break is a ``"\n"`` token.
    :func:`detokenize_spaced_words` inverts it, up to runs of spaces and tabs.

    Parameters
    ----------
    text : str
        The text to split.

    Returns
    -------
    list of str
        The tokens in order.

    Examples
    --------
    >>> spaced_word_tokenize("J'ai vu l'arc-en-ciel, non ?")  # doctest: +NORMALIZE_WHITESPACE
    ["J'", 'ai', 'vu', "l'", 'arc', '\uffed-\uffed', 'en', '\uffed-\uffed', 'ciel',
     '\uffed,', 'non', '?']
    """
    matches = list(_SPACED_WORD_PATTERN.finditer(text))
    tokens = []
    for i, match in enumerate(matches):
        token = match.group()
        if token != NEWLINE and not (token[0].isalnum() or token[0] == "_"):
            # (a line break glues on both sides by itself: no joiner towards it)
            if (i > 0 and matches[i - 1].end() == match.start()
                    and matches[i - 1].group() != NEWLINE):
                token = JOINER + token
            if (i + 1 < len(matches) and matches[i + 1].start() == match.end()
                    and matches[i + 1].group() != NEWLINE):
                token = token + JOINER
        tokens.append(token)
    return tokens


def detokenize_spaced_words(tokens: Sequence[str]) -> str:
    """Join the output of :func:`spaced_word_tokenize` back into text.

    Parameters
    ----------
    tokens : sequence of str
        Tokens, possibly carrying :data:`JOINER` marks.

    Returns
    -------
    str
        The text, with a single space wherever no joiner, elision or line break glues two
        tokens.
    """
    parts: list[str] = []
    glue_next = True
    for token in tokens:
        text, glue_next = spaced_word_piece(token, glue_next)
        parts.append(text)
    return "".join(parts)


def spaced_word_piece(token: str, glued: bool) -> tuple[str, bool]:
    """The text one token adds in :func:`detokenize_spaced_words`, for joining tokens one
    at a time (as a generator writes them).

    Parameters
    ----------
    token : str
        A token of :func:`spaced_word_tokenize`.
    glued : bool
        Whether the previous token glues to this one (True at the start of a text).

    Returns
    -------
    text : str
        The token, with a leading space where it does not touch the previous one.
    glues_next : bool
        Whether the next token touches this one.
    """
    glue_left = token.startswith(JOINER) or token == NEWLINE
    glue_right = token == NEWLINE or token.endswith(JOINER) or (
        len(token) > 1 and token[0].isalnum() and token.endswith(("'", "\u2019"))
    )
    text = token.strip(JOINER)
    return ("" if glued or glue_left else " ") + text, glue_right


_TOKENIZERS: dict[str, Callable[[str], list[str]]] = {
    "word": word_tokenize,
    "char": char_tokenize,
}
#: The built-in tokenizers, by name.
TOKENIZER_NAMES = ("word", "char", "sentencepiece")


def lone_string_error(X, name: str = "X") -> TypeError:
    """The one error for a single string where a collection of samples is expected.

    sk_rnn's rule for single samples, the same for every estimator: methods that take
    ``X`` (``fit``, ``predict``, ``predict_proba``, ``transform``, ``score``, ...) take a
    collection of samples and refuse a lone string with this error, as scikit-learn's
    text vectorizers do; the methods named after one item (``translate(sentence)``,
    ``predict_attention(sentence)``, ``generate(prompt)``) take exactly one string. A
    language model's corpus is not a collection of samples: ``TextGenerator.fit`` and
    ``score`` take one string or a list of documents. An ``(n, 1)`` array of strings is
    read as its column, as a one-column DataFrame is.

    Parameters
    ----------
    X : str or bytes
        What was passed.
    name : str, default="X"
        The argument name used in the message.

    Returns
    -------
    TypeError
        To be raised by the caller.
    """
    what = "string" if isinstance(X, str) else f"{type(X).__name__} object"
    return TypeError(
        f"{name} must hold one sample per element (a list, array or Series of samples), "
        f"got a single {what}; wrap one sample in a list, e.g. [text]."
    )


def _one_column(X):
    """The column of a one-column DataFrame or an ``(n, 1)`` array; ``X`` otherwise."""
    if hasattr(X, "columns") and hasattr(X, "iloc") and len(X.columns) == 1:
        return X.iloc[:, 0]
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[1] == 1:
        return X[:, 0]
    return X


def check_texts(X, name: str = "X") -> list[str]:
    """Validate that ``X`` is a non-empty iterable of strings and return it as a list.

    Parameters
    ----------
    X : iterable of str
        List, tuple, 1-D array or pandas Series of strings; a one-column DataFrame or an
        ``(n, 1)`` array is read as its column.
    name : str, default="X"
        The argument name used in error messages.

    Returns
    -------
    list of str
        A new list; ``X`` itself is not modified.

    Raises
    ------
    TypeError
        If ``X`` is a single string or holds an item that is not a string.
    ValueError
        If ``X`` is empty or not one-dimensional.
    """
    X = _one_column(X)
    if isinstance(X, (str, bytes)):
        raise lone_string_error(X, name)
    if hasattr(X, "ndim") and X.ndim != 1:
        raise ValueError(
            f"{name} must be one-dimensional (one string per sample), got an array "
            f"of shape {X.shape}."
        )
    if not isinstance(X, Iterable):
        raise TypeError(f"{name} must be an iterable of strings, got {type(X).__name__}.")
    if isinstance(X, Mapping):
        raise TypeError(
            f"{name} must be an iterable of strings, got a {type(X).__name__} (iterating it "
            "would give its keys only); pass a list, e.g. list(mapping.keys()) and "
            "list(mapping.values())."
        )
    texts = list(X.tolist() if hasattr(X, "tolist") else X)
    if not texts:
        raise ValueError(f"{name} is empty: at least one document is needed.")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{name}[{i}] must be a string, found {type(text).__name__} ({text!r:.40})."
            )
    return texts


def _check_tokenizer(name: str, tokenizer) -> None:
    if not (callable(tokenizer) or (isinstance(tokenizer, str)
                                    and tokenizer in TOKENIZER_NAMES)):
        raise ValueError(
            f"{name} must be one of {list(TOKENIZER_NAMES)} or a callable, got {tokenizer!r}."
        )


_AT_LEAST_ONE_OR_NONE = Interval("integer", 1, None, none=True, text="an integer >= 1")


# Characters encoded at once by the numpy character path: its temporary arrays (UTF-32
# codes, lookup positions) stay about 1 MB whatever the length of the text.
_CHAR_CHUNK = 1 << 16


def _char_codes(text: str):
    """The code points of ``text`` (its ``list(text)`` tokens), as ``uint32`` arrays of at
    most ``_CHAR_CHUNK`` characters, without a Python object per character."""
    for start in range(0, len(text), _CHAR_CHUNK):
        # surrogatepass: a lone surrogate (from surrogateescape decoding) is a character too
        chunk = text[start : start + _CHAR_CHUNK].encode("utf-32-le", "surrogatepass")
        yield np.frombuffer(chunk, dtype="<u4")


def _count_chars(text: str, counts: Counter) -> None:
    """``counts.update(text)``, through numpy."""
    total: dict[int, int] = {}
    for codes in _char_codes(text):
        values, n = np.unique(codes, return_counts=True)
        for code, c in zip(values.tolist(), n.tolist(), strict=True):
            total[code] = total.get(code, 0) + c
    counts.update({chr(code): c for code, c in total.items()})


def _char_ids(text: str, keys: np.ndarray, ids: np.ndarray, dtype) -> np.ndarray:
    """Ids of the characters of ``text``: ``ids[i]`` for the character ``keys[i]``
    (``keys`` sorted code points), ``UNK_ID`` for any other."""
    out = np.empty(len(text), dtype=dtype)
    start = 0
    for codes in _char_codes(text):
        stop = start + len(codes)
        view = out[start:stop]
        if len(keys):
            pos = np.searchsorted(keys, codes)
            np.minimum(pos, len(keys) - 1, out=pos)
            np.take(ids, pos, out=view)
            view[keys[pos] != codes] = UNK_ID
        else:
            view[:] = UNK_ID
        start = stop
    return out


@register_estimator
@document_params
class TextVectorizer(TransformerMixin, BaseEstimator):
    """Map raw texts to ragged sequences of token ids.

    The vocabulary is learnt in :meth:`fit`, most frequent tokens first. Id 0 is the
    padding token ``"<pad>"`` and id 1 the unknown token ``"<unk>"``, to which every token
    outside the vocabulary is mapped.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Token to id, reserved tokens included.
    n_tokens_ : int
        Size of the vocabulary, reserved tokens included (the embedding's row count).
    token_counts_ : dict of str to int
        Training frequency of each kept token.
    sentencepiece_model_ : bytes
        The serialised subword model (``tokenizer="sentencepiece"`` only).

    See Also
    --------
    sklearn.feature_extraction.text.CountVectorizer : Bag-of-words counterpart.
    RNNClassifier : Accepts raw strings and builds a ``TextVectorizer`` itself.

    Examples
    --------
    >>> from sk_rnn import TextVectorizer
    >>> vec = TextVectorizer().fit(["a good film", "a bad film"])
    >>> vec.transform(["a good plot"])[0].tolist()
    [2, 5, 1]
    >>> vec.inverse_transform(vec.transform(["a good plot"]))
    [['a', 'good', '<unk>']]
    >>> vec.decode(vec.transform(["a good plot"]))
    ['a good <unk>']
    """

    _params = {
        "tokenizer": Param(Check(_check_tokenizer,
                                 '{"word", "char", "sentencepiece"} or callable'), """\
            ``"word"`` splits into words and single punctuation characters, ``"char"`` into
            characters, ``"sentencepiece"`` into subwords of a unigram model learnt in
            :meth:`fit` (needs the ``sentencepiece`` package; ``max_features`` pieces, 8000
            by default); a callable takes a string and returns a list of string tokens."""),
        "lowercase": Param(Boolean(), "Lower-case texts before tokenising."),
        "max_features": Param(_AT_LEAST_ONE_OR_NONE, """\
            Keep only the ``max_features`` most frequent tokens (the two reserved ids are
            not counted). ``None`` keeps all."""),
        "min_freq": Param(Interval("integer", 1, None, text="an integer >= 1"), """\
            Drop tokens seen fewer than ``min_freq`` times in the training texts."""),
        "max_length": Param(_AT_LEAST_ONE_OR_NONE, """\
            Keep only the first ``max_length`` tokens of each text in :meth:`transform`."""),
        "normalize_digits": Param(Boolean(), """\
            Replace every digit by ``0`` before tokenising, so that numbers of one shape
            share a token (phone numbers, prices, codes)."""),
        "keep_spacing": Param(Boolean(), """\
            With ``tokenizer="word"``: mark punctuation that touches its neighbour without
            a space (``"l'arc-en-ciel,"``) and split elisions (``"j'" "ai"``), so that
            :meth:`decode` rebuilds the text with its original spacing. Needed where token
            ids are turned back into text (translation targets); other tokenizers are always
            decodable."""),
        "oov_buckets": Param(Interval("integer", 0, None, text="a non-negative integer"), """\
            Tokens outside the vocabulary go to one of this many extra ids, chosen by a
            hash of the token (CRC-32, the same on every machine and run), instead of all
            to ``"<unk>"``: words that the fitted vocabulary lacks keep apart (up to
            collisions) and get embeddings that training can tune, as with Keras'
            ``StringLookup(num_oov_indices=...)``. For what the texts of ``fit`` cannot
            show, such as the rest of a stream whose first chunk made the vocabulary
            (:meth:`RNNClassifier.partial_fit` uses 16,384 with ``vectorizer=None``).
            The bucket ids follow the vocabulary's and read back as ``"<unk:k>"``. 0:
            every unknown token is ``"<unk>"``."""),
    }

    def __init__(
        self,
        tokenizer: str | Callable[[str], list[str]] = "word",
        lowercase: bool = True,
        max_features: int | None = None,
        min_freq: int = 1,
        max_length: int | None = None,
        normalize_digits: bool = False,
        keep_spacing: bool = False,
        oov_buckets: int = 0,
    ) -> None:
        self.tokenizer = tokenizer
        self.lowercase = lowercase
        self.max_features = max_features
        self.min_freq = min_freq
        self.max_length = max_length
        self.normalize_digits = normalize_digits
        self.keep_spacing = keep_spacing
        self.oov_buckets = oov_buckets

    def __sklearn_is_fitted__(self) -> bool:
        """Whether :meth:`fit` has learnt a vocabulary."""
        return "vocabulary_" in vars(self)

    def _get_tokenizer(self) -> Callable[[str], list[str]]:
        if callable(self.tokenizer):
            return self.tokenizer
        if self.tokenizer == "sentencepiece":
            return self._sentencepiece_processor().encode_as_pieces
        if self.tokenizer == "word" and self.keep_spacing:
            return spaced_word_tokenize
        validate_params(self, ["tokenizer"])  # changed since fit?
        return _TOKENIZERS[self.tokenizer]

    def _sentencepiece_processor(self):
        processor = getattr(self, "_sp_processor", None)
        if processor is None:
            import sentencepiece

            processor = sentencepiece.SentencePieceProcessor()
            processor.load_from_serialized_proto(self.sentencepiece_model_)
            self._sp_processor = processor
        return processor

    def _fit_sentencepiece(self, texts: list[str]) -> None:
        """Learn the unigram subword model that ``tokenizer="sentencepiece"`` uses."""
        try:
            import sentencepiece
        except ImportError:
            raise ImportError(
                "tokenizer='sentencepiece' needs the sentencepiece package: "
                "pip install sentencepiece (or sk-rnn[translation])."
            ) from None
        import io

        model = io.BytesIO()
        pieces = self.max_features or _DEFAULT_SUBWORDS
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(self._normalize(texts)),
            model_writer=model,
            vocab_size=pieces + 3,  # sentencepiece counts its own <unk>, <s> and </s>
            model_type="unigram",
            hard_vocab_limit=False,
            character_coverage=1.0,
            minloglevel=2,
        )
        self.sentencepiece_model_ = model.getvalue()
        self._sp_processor = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_sp_processor", None)  # rebuilt from sentencepiece_model_ on use
        return state

    def _normalize(self, texts: Sequence[str]) -> list[str]:
        """Lower-case and replace digits as the parameters say."""
        if self.lowercase:
            texts = [text.lower() for text in texts]
        if self.normalize_digits:
            texts = [_DIGITS.sub("0", text) for text in texts]
        return list(texts)

    def _tokenize(self, texts: Sequence[str], limit: int | None = None) -> list[list[str]]:
        """Tokens of every text; with ``limit``, only the first ``limit`` of each (the
        built-in word and character tokenizers then stop reading there)."""
        tokenize = self._get_tokenizer()
        lazy = limit is not None and tokenize in (word_tokenize, char_tokenize)
        out = []
        for text in self._normalize(texts):
            if lazy and tokenize is char_tokenize:
                tokens = list(text[:limit])
            elif lazy and len(text) > limit:
                tokens = [m.group() for m in islice(_WORD_PATTERN.finditer(text), limit)]
            elif lazy:  # no more tokens than characters: findall is faster than finditer
                tokens = _WORD_PATTERN.findall(text)
            else:
                tokens = tokenize(text)
                if not isinstance(tokens, list):
                    tokens = list(tokens)
                if limit is not None:
                    tokens = tokens[:limit]
            out.append(tokens)
        return out

    def fit(self, X: TextsLike, y: None = None) -> TextVectorizer:
        """Learn the vocabulary of ``X``.

        Parameters
        ----------
        X : iterable of str
            Training texts.
        y : None
            Ignored.

        Returns
        -------
        self : TextVectorizer
            The fitted vectorizer.
        """
        validate_params(self)
        texts = check_texts(X)
        if self.tokenizer == "sentencepiece":
            self._fit_sentencepiece(texts)
        counts: Counter[str] = Counter()
        if self._get_tokenizer() is char_tokenize:
            # one text at a time, without a list of one-character strings (a 10 MB corpus
            # would make a list of 10 million)
            for text in texts:
                _count_chars(self._normalize([text])[0], counts)
        else:
            for tokens in self._tokenize(texts):
                counts.update(tokens)
        for reserved in (PAD_TOKEN, UNK_TOKEN):
            counts.pop(reserved, None)
        # Most frequent first, ties broken alphabetically so the ids do not depend on the
        # order of the documents.
        kept = sorted(
            (tok for tok, c in counts.items() if c >= self.min_freq),
            key=lambda tok: (-counts[tok], tok),
        )
        if self.max_features is not None:
            kept = kept[: self.max_features]
        if not kept:
            raise ValueError(
                f"the vocabulary is empty: no token of X occurs at least min_freq="
                f"{self.min_freq} times."
            )
        self.vocabulary_ = {PAD_TOKEN: PAD_ID, UNK_TOKEN: UNK_ID}
        self.vocabulary_.update({tok: i + _N_RESERVED for i, tok in enumerate(kept)})
        self.n_oov_buckets_ = int(self.oov_buckets)
        self._id_to_token = np.array(
            [*self.vocabulary_, *(f"<unk:{k}>" for k in range(self.n_oov_buckets_))],
            dtype=object)
        self.token_counts_ = {tok: counts[tok] for tok in kept}
        self.n_tokens_ = len(self._id_to_token)
        return self

    def _hash_unknown(self, ids: np.ndarray, tokens: Sequence[str]) -> None:
        """Give the unknown tokens among ``ids`` (``tokens[i]`` has ``ids[i]``) their
        out-of-vocabulary bucket, in place; nothing without buckets."""
        buckets = getattr(self, "n_oov_buckets_", 0)  # 0 in vectorizers fitted before
        if not buckets:
            return
        unknown = np.flatnonzero(ids == UNK_ID)
        first = len(self.vocabulary_)
        ids[unknown] = [first + zlib.crc32(tokens[i].encode("utf-8", "surrogatepass"))
                        % buckets for i in unknown.tolist()]

    def transform(self, X: TextsLike) -> np.ndarray:
        """Map each text to an array of token ids.

        Parameters
        ----------
        X : iterable of str
            Texts to encode.

        Returns
        -------
        ndarray of shape (n_samples,), dtype=object
            Element ``i`` is a 1-D ``int64`` array with the ids of text ``i`` (empty for a
            text without tokens).
        """
        check_is_fitted(self, "vocabulary_")
        return self._transform_texts(check_texts(X))

    def _transform_texts(self, texts: list[str], max_length: int | None = None,
                         dtype=np.int64) -> np.ndarray:
        """:meth:`transform` of checked texts, keeping at most ``max_length`` tokens
        (and ``self.max_length``) of each: later tokens are not looked up. ``dtype``: of
        the id arrays (``int32`` halves the memory of a long text)."""
        limit = min((n for n in (self.max_length, max_length) if n is not None), default=None)
        vocab = self.vocabulary_
        out = np.empty(len(texts), dtype=object)
        if self._get_tokenizer() is char_tokenize:
            # numpy all the way: no Python string per character (memory of a long text:
            # the ids and a few MB)
            chars = sorted((ord(t), i) for t, i in vocab.items() if len(t) == 1)
            keys = np.array([c for c, _ in chars], dtype=np.uint32)
            ids = np.array([i for _, i in chars], dtype=dtype)
            for i, text in enumerate(texts):
                text = self._normalize([text])[0]  # then cut: lower() may add characters
                text = text[:limit] if limit is not None else text
                out[i] = _char_ids(text, keys, ids, dtype)
                self._hash_unknown(out[i], text)
            return out
        tokens = self._tokenize(texts, limit)
        lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
        n = int(lengths.sum())
        # one C-level lookup over every token (dict.get through map), then split
        ids = np.fromiter(map(vocab.get, chain.from_iterable(tokens), repeat(UNK_ID, n)),
                          dtype, n)
        ids[ids == PAD_ID] = UNK_ID  # a literal "<pad>" in a text is a word, not padding
        if getattr(self, "n_oov_buckets_", 0):
            self._hash_unknown(ids, list(chain.from_iterable(tokens)))
        for i, part in enumerate(np.split(ids, np.cumsum(lengths)[:-1])):
            out[i] = part.copy()  # its own array, not a view that keeps every text alive
        return out

    def inverse_transform(self, X: ArrayLike) -> list[list[str]]:
        """Map sequences of token ids back to tokens.

        Parameters
        ----------
        X : iterable of 1-D int arrays
            Output of :meth:`transform`.

        Returns
        -------
        list of list of str
            The tokens of each sequence; padding ids are dropped.
        """
        check_is_fitted(self, "vocabulary_")
        out = []
        for i, ids in enumerate(X):
            ids = np.asarray(ids)
            if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
                raise ValueError(f"X[{i}] must be a 1-D sequence of integer token ids.")
            if ids.size and (ids.min() < 0 or ids.max() >= self.n_tokens_):
                raise ValueError(
                    f"X[{i}] holds ids outside [0, {self.n_tokens_ - 1}] (the vocabulary)."
                )
            out.append(self._id_to_token[ids[ids != PAD_ID]].tolist())
        return out

    def decode(self, X: ArrayLike) -> list[str]:
        """Turn sequences of token ids back into texts.

        Words are joined by spaces; with ``keep_spacing=True`` (word tokens), characters
        or subwords the original spacing is restored. Padding ids are dropped; unknown
        ids become ``"<unk>"``; lower-casing and digit replacement are not undone.

        Parameters
        ----------
        X : iterable of 1-D int arrays
            Token ids, e.g. the output of :meth:`transform` or of a model.

        Returns
        -------
        list of str
            One text per sequence.
        """
        tokens = self.inverse_transform(X)
        if callable(self.tokenizer):
            return [" ".join(seq) for seq in tokens]
        if self.tokenizer == "char":
            return ["".join(seq) for seq in tokens]
        if self.tokenizer == "sentencepiece":
            return [
                "".join(seq).replace(_SENTENCEPIECE_SPACE, " ").strip() for seq in tokens
            ]
        if self.keep_spacing:
            return [detokenize_spaced_words(seq) for seq in tokens]
        return [" ".join(seq) for seq in tokens]

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """Return the vocabulary in id order (reserved tokens first).

        Parameters
        ----------
        input_features : None
            Ignored; present for API consistency.

        Returns
        -------
        ndarray of str
            Token ``i`` is the token with id ``i``.
        """
        check_is_fitted(self, "vocabulary_")
        return np.asarray(self._id_to_token, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


def _read_vector_file(path, wanted: set[str]) -> dict[str, np.ndarray]:
    """Vectors of the ``wanted`` words from a word2vec/GloVe text file."""
    vectors: dict[str, np.ndarray] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line_no, line in enumerate(handle):
            parts = line.rstrip().split(" ")
            if line_no == 0 and len(parts) == 2 and all(p.isdigit() for p in parts):
                continue  # word2vec header "n_words dim"
            if len(parts) < 2:
                continue
            word = parts[0]
            key = word if word in wanted else word.lower()
            if key in wanted and (key == word or key not in vectors):
                try:
                    vectors[key] = np.asarray(parts[1:], dtype=np.float32)
                except ValueError:
                    raise ValueError(
                        f"embeddings file {path!s}, line {line_no + 1}: expected a word "
                        "followed by numbers."
                    ) from None
    return vectors


def build_embedding_matrix(
    embeddings, tokens: Sequence[str], rng: np.random.RandomState
) -> tuple[np.ndarray, int]:
    """Build an embedding matrix for ``tokens`` from pretrained vectors.

    Parameters
    ----------
    embeddings : str, path, dict, gensim KeyedVectors or ndarray
        A word-vector text file (word2vec or GloVe format), a mapping from word to vector,
        an object with ``key_to_index`` and ``__getitem__`` (gensim ``KeyedVectors``), or
        a ready ``(len(tokens), dim)`` array.
    tokens : sequence of str
        The vocabulary in id order (id 0 is padding and gets a zero vector).
    rng : RandomState
        Draws the vectors of tokens that have none (uniform in +-0.05).

    Returns
    -------
    matrix : ndarray of shape (len(tokens), dim), float32
    n_found : int
        How many tokens had a pretrained vector.
    """
    import os

    if isinstance(embeddings, np.ndarray):
        if embeddings.ndim != 2 or embeddings.shape[0] != len(tokens):
            raise ValueError(
                f"embeddings array must have shape ({len(tokens)}, dim) (one row per token "
                f"id), got {embeddings.shape}."
            )
        return np.asarray(embeddings, dtype=np.float32).copy(), len(tokens)
    if isinstance(embeddings, (str, os.PathLike)):
        if not os.path.isfile(embeddings):
            raise ValueError(f"embeddings file {embeddings!s} does not exist.")
        lookup = _read_vector_file(embeddings, set(tokens))
        contains, get = lookup.__contains__, lookup.__getitem__
    elif hasattr(embeddings, "key_to_index"):  # gensim KeyedVectors
        contains, get = embeddings.key_to_index.__contains__, embeddings.__getitem__
    elif isinstance(embeddings, dict):
        contains, get = embeddings.__contains__, embeddings.__getitem__
    else:
        raise TypeError(
            "embeddings must be a path to a word-vector text file, a dict of word to "
            f"vector, a gensim KeyedVectors or an array; got {type(embeddings).__name__}."
        )
    found: dict[int, np.ndarray] = {}
    for i, token in enumerate(tokens[_N_RESERVED:], start=_N_RESERVED):
        for candidate in (token, token.lower()):
            if contains(candidate):
                found[i] = np.asarray(get(candidate), dtype=np.float32).ravel()
                break
    if not found:
        raise ValueError("embeddings: none of the vocabulary's tokens has a vector.")
    dims = {v.shape[0] for v in found.values()}
    if len(dims) != 1:
        raise ValueError(f"embeddings: vectors have different sizes {sorted(dims)}.")
    dim = dims.pop()
    matrix = rng.uniform(-0.05, 0.05, size=(len(tokens), dim)).astype(np.float32)
    matrix[PAD_ID] = 0.0
    for i, vector in found.items():
        matrix[i] = vector
    return matrix, len(found)


#: The constraint of a ``vectorizer`` parameter: a :class:`TextVectorizer` or a dict of its
#: parameters (None: the estimator's default vectorizer).
VECTORIZER = InstanceOf((dict, TextVectorizer), "dict or TextVectorizer",
                        "a dict of TextVectorizer parameters or a TextVectorizer", none=True)


def build_vectorizer(given, name: str, defaults: dict, *, merge: bool) -> TextVectorizer:
    """A fresh :class:`TextVectorizer` from a ``vectorizer`` parameter.

    Parameters
    ----------
    given : TextVectorizer, dict or None
        A vectorizer (cloned), a dict of its parameters, or None (the defaults).
    name : str
        The parameter's name, for error messages.
    defaults : dict
        Parameters used when ``given`` is None.
    merge : bool
        Whether a dict ``given`` is merged over ``defaults`` (or used alone).

    Returns
    -------
    TextVectorizer
        Unfitted.

    Raises
    ------
    ValueError
        If the dict names a parameter ``TextVectorizer`` does not have.
    """
    if isinstance(given, TextVectorizer):
        return clone(given)
    params = dict(defaults) if given is None or merge else {}
    params.update(given or {})
    try:
        return TextVectorizer(**params)
    except TypeError as error:
        raise ValueError(f"{name}: {error}") from None


class NestedVectorizerParamsMixin:
    """``<vectorizer>__<parameter>`` keys in ``get_params`` and ``set_params``.

    An estimator that takes a ``vectorizer`` parameter (None, a dict of
    :class:`TextVectorizer` parameters or a ``TextVectorizer``) exposes the parameters of the
    vectorizer it will build as ``vectorizer__max_features`` and so on, as a
    :class:`~sklearn.pipeline.Pipeline` exposes its steps', so that ``set_params`` and
    ``GridSearchCV`` tune them the scikit-learn way whatever the parameter holds:

    - ``None`` becomes the dict of the changed parameters on top of what None stands for
      (e.g. ``{"normalize_digits": True, "max_features": 1000}``);
    - a dict becomes a new dict with the changes (the caller's dict is not modified);
    - a ``TextVectorizer`` is cloned and the clone gets the changes (the caller's instance
      is not modified, unlike a Pipeline step's ``set_params``).

    The default stays ``None`` rather than a ``TextVectorizer`` instance: an instance
    default would be one object shared by every estimator built with the default (the
    mutable-default trap) and is refused by scikit-learn's
    ``check_parameters_default_constructible``.

    Subclasses list their vectorizer parameters in ``_vectorizer_names`` and implement
    :meth:`_vectorizer_for` (the vectorizer a parameter stands for) and, where None
    stands for non-default ``TextVectorizer`` parameters, :meth:`_vectorizer_none_params`.
    """

    _vectorizer_names: tuple[str, ...] = ("vectorizer",)

    def _vectorizer_for(self, name: str) -> TextVectorizer:
        """The unfitted vectorizer that parameter ``name`` stands for."""
        raise NotImplementedError

    def _vectorizer_none_params(self, name: str) -> dict:
        """The dict of ``TextVectorizer`` parameters that ``name=None`` stands for."""
        return {}

    def get_params(self, deep: bool = True) -> dict:
        """Get the parameters of this estimator.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained objects, including those of the
            vectorizer each ``*vectorizer`` parameter stands for (``vectorizer__<name>``),
            even when it is None or a dict.

        Returns
        -------
        dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)  # type: ignore[misc]
        if deep:
            for name in self._vectorizer_names:
                if isinstance(params.get(name), TextVectorizer):
                    continue  # BaseEstimator already listed its parameters
                try:
                    effective = self._vectorizer_for(name)
                except (TypeError, ValueError):
                    continue  # an invalid dict: fit reports it
                params.update((f"{name}__{key}", value) for key, value
                              in effective.get_params(deep=False).items())
        return params

    def set_params(self, **params):
        """Set the parameters of this estimator.

        ``vectorizer__<name>`` keys change the vectorizer's parameters whatever
        ``vectorizer`` holds (None, a dict or a ``TextVectorizer``); nothing the caller
        passed in is modified.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self
            The estimator.
        """
        nested: dict[str, dict] = {}
        for key in list(params):
            name, separator, sub_key = key.partition("__")
            if separator and name in self._vectorizer_names:
                nested.setdefault(name, {})[sub_key] = params.pop(key)
        super().set_params(**params)  # type: ignore[misc]
        for name, changes in nested.items():
            setattr(self, name, _vectorizer_with(getattr(self, name), changes, name,
                                                 self._vectorizer_none_params(name)))
        return self


def _vectorizer_with(given, changes: dict, name: str, none_params: dict):
    """``given`` (a vectorizer parameter's value) with ``changes`` to its parameters."""
    valid = TextVectorizer().get_params(deep=False)
    for key in changes:
        if key not in valid:
            raise ValueError(
                f"Invalid parameter {key!r} for {name} (set as {name}__{key}): "
                f"TextVectorizer's parameters are {sorted(valid)}."
            )
    if isinstance(given, TextVectorizer):
        return clone(given).set_params(**changes)
    if given is None:
        return {**none_params, **changes}
    if isinstance(given, dict):
        return {**given, **changes}
    raise TypeError(
        f"{name}__{next(iter(changes))} needs {name} to be None, a dict or a "
        f"TextVectorizer, got {type(given).__name__}."
    )
