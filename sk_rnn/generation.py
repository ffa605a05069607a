"""Text generation: :class:`TextGenerator`, a character- or word-level language model."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._base import BaseRNNEstimator, store_params
from ._net import plateau_schedule
from ._params import Boolean, Either, Interval, Options, Param, document_params
from ._registry import register_estimator
from ._streams import (
    SoftTargetStreamLoader,
    SoftTokenStream,
    StreamLoader,
    TokenStream,
    n_streams,
)
from ._typing import RandomStateLike, TextsLike
from .nn.distillation import TokenDistillationLoss
from .nn.language_model import (
    LanguageModel,
    TargetNLL,
    TargetStreamLoader,
    TokenCrossEntropy,
)
from .text import (
    PAD_ID,
    UNK_ID,
    TextVectorizer,
    check_texts,
    spaced_word_piece,
    spaced_word_tokenize,
)

__all__ = ["TextGenerator", "check_corpus"]

LEVELS = ("char", "word")
LR_SCHEDULES = ("cosine", "plateau", "constant")
SOFTMAXES = ("auto", "full", "adaptive")
_DEFAULT_SEQUENCE_LENGTH = {"char": 64, "word": 32}
# What the parameters left at None (or "auto") mean at each level. The character-level
# values are those benchmarked on Tiny Shakespeare; the word-level ones are sized for
# pretraining on a few million words on a CPU (benchmarks/RESULTS.md, "Word-level
# pretraining"): one epoch of 2.7 M tokens in minutes, and a stack small enough that a
# classifier can fine-tune it.
_LEVEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "char": {"embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.0,
             "max_features": None, "softmax": "full"},
    "word": {"embedding_dim": 256, "hidden_size": 384, "num_layers": 1, "dropout": 0.1,
             "max_features": 30000, "softmax": "adaptive"},
}
# Cluster boundaries of the adaptive softmax (in frequency ranks; the ones at or beyond
# the vocabulary are dropped, and a vocabulary smaller than the first gets one cluster
# boundary at its middle) and how much narrower each tail cluster's projection is.
_ADAPTIVE_CUTOFFS = (2000, 10000)
_ADAPTIVE_DIV_VALUE = 4.0
# score(): targets per scored piece of a long text, and the tokens read before them
# (not scored) so that a piece starts from a warmed-up state rather than from zeros.
_SCORE_PIECE = 1024
_SCORE_CONTEXT = 256
_SCORE_BATCH = 64
# Logits computed at once while scoring (rows x vocabulary), to bound memory.
_LOGIT_BUDGET = 1 << 22
# Distillation: a teacher's full next-token distribution is kept up to this many ids (a
# character vocabulary); beyond, its most likely _SOFT_TOP_K ids. The teacher reads the
# corpus in windows of at most _SOFT_WINDOW tokens (fewer when the logits would exceed
# _LOGIT_BUDGET).
_DENSE_SOFT_TARGETS = 512
_SOFT_TOP_K = 64
_SOFT_WINDOW = 256
# Early stopping holds out this many blocks spread over the corpus (see validation_blocks).
_VALIDATION_BLOCKS = 10
# The constraints of generate's numeric arguments.
_GENERATION_ARGS = {
    "max_length": Interval("integer", 0, None),
    "temperature": Interval("real", 0, None, low_open=True),
    "top_k": Interval("integer", 1, None, none=True),
    "top_p": Interval("real", 0, 1, low_open=True, none=True),
}


def check_corpus(X, name: str = "X") -> list[str]:
    """Validate a corpus: one string, or an iterable of strings (documents).

    Parameters
    ----------
    X : str or iterable of str
        The text, or its documents.
    name : str, default="X"
        The argument name used in error messages.

    Returns
    -------
    list of str
        The documents (a new list; ``X`` is not modified).

    Raises
    ------
    TypeError
        If ``X`` is neither a string nor an iterable of strings.
    ValueError
        If ``X`` is empty or holds only empty strings.
    """
    if isinstance(X, bytes):
        raise TypeError(f"{name} must be text (str), got bytes; decode it first.")
    if isinstance(X, str):
        documents = [X]
    else:
        if X is None or not (isinstance(X, Iterable) or hasattr(X, "iloc")):
            raise TypeError(
                f"{name} must be a string or an iterable of strings (documents), got "
                f"{type(X).__name__}."
            )
        documents = check_texts(X, name)
    if not any(documents):
        raise ValueError(f"{name} holds no text: every document is an empty string.")
    return documents


def validation_blocks(
    stream: np.ndarray, n_valid: int, length: int, max_blocks: int = _VALIDATION_BLOCKS
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``stream`` into training and validation tokens, the validation part being
    equal blocks spread evenly over the stream.

    The stream is cut into ``k`` equal segments and the last ``n_valid / k`` tokens of
    each are held out, with ``k`` at most ``max_blocks`` and small enough that every
    block holds two windows of ``length`` tokens (``k = 1``: the tail). Blocks and the
    training pieces between them are each joined in order.

    Parameters
    ----------
    stream : 1-D array
        Token ids.
    n_valid : int
        Tokens to hold out.
    length : int
        Window length of training (the smallest useful block is two windows).
    max_blocks : int, default=10
        Most blocks.

    Returns
    -------
    train, valid : 1-D arrays
        New arrays (``stream`` itself as ``train`` when ``n_valid`` is 0); ``stream``
        is not modified.
    """
    if n_valid <= 0:
        return stream, stream[:0]
    blocks = max(1, min(max_blocks, n_valid // (2 * length)))
    edges = np.linspace(0, len(stream), blocks + 1).round().astype(np.int64)
    sizes = np.diff(np.linspace(0, n_valid, blocks + 1).round().astype(np.int64))
    keep = np.ones(len(stream), dtype=bool)
    for end, size in zip(edges[1:], sizes, strict=True):
        keep[end - size : end] = False
    return stream[keep], stream[~keep]


def _sample(
    logits: np.ndarray,
    temperature: float,
    top_k: int | None,
    top_p: float | None,
    rng: np.random.RandomState,
) -> int:
    """Draw one id from ``logits`` (float64, modified in place) after temperature,
    top-k and nucleus (top-p) filtering."""
    logits /= temperature
    if top_k is not None and top_k < logits.size:
        kth = np.partition(logits, -top_k)[-top_k]
        logits[logits < kth] = -np.inf
    logits -= logits.max()
    probs = np.exp(logits)
    probs /= probs.sum()
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-probs, kind="stable")
        cumulative = np.cumsum(probs[order])
        # the smallest set with mass >= top_p (up to rounding of the cumulative sum)
        keep = int(np.searchsorted(cumulative, top_p * (1 - 1e-9))) + 1
        probs[order[keep:]] = 0.0
    cdf = np.cumsum(probs)
    draw = rng.random_sample() * cdf[-1]
    return int(min(np.searchsorted(cdf, draw, side="right"), cdf.size - 1))


@register_estimator
@document_params
class TextGenerator(BaseRNNEstimator):
    """Recurrent language model (RNN, LSTM or GRU) that writes text from a prompt.

    :meth:`fit` learns a vocabulary of characters or words and trains the network to
    predict the next token, reading the corpus as ``batch_size`` parallel streams in
    contiguous windows of ``sequence_length`` tokens with the recurrent state carried from
    one window to the next (truncated back-propagation through time): memory does not
    grow with the corpus. A ``validation_fraction`` of the corpus, in ten blocks spread
    evenly over it, is held out for early stopping.

    :meth:`generate` samples text token by token, keeping the recurrent state, so its
    cost is linear in the length; :meth:`score` is the negative mean cross-entropy per
    token (higher is better), so ``GridSearchCV`` picks the model with the best held-out
    likelihood, and :meth:`perplexity` is ``exp(-score)``.

    The size parameters left at ``None`` (and ``max_features``, ``softmax`` at ``"auto"``)
    depend on ``level``: at character level a two-layer LSTM of 512 units; at word level
    a model sized to pretrain an encoder for
    ``RNNClassifier(pretrained=...)`` on a few million words on a CPU: 30,000 words,
    embeddings of 256, one LSTM layer of 384 units, dropout 0.1 and an adaptive softmax.
    The pretrained parts are ``net_.module_.embedding`` (row ``i`` is the vocabulary's
    id ``i``, the document boundary is the last row) and ``net_.module_.rnn``.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    vectorizer_ : TextVectorizer
        The fitted vocabulary.
    n_tokens_ : int
        Output classes: the vocabulary plus the document boundary.
    n_training_tokens_ : int
        Tokens the network was trained on (validation excluded).
    net_ : skorch.NeuralNet
        The trained network.
    history_ : skorch.History
        Per-epoch losses (``train_loss``, ``valid_loss`` in nats per token).
    n_iter_ : int
        Epochs run.
    device_ : torch.device
        Where the network was trained.

    See Also
    --------
    sk_rnn.datasets.load_tiny_shakespeare : A corpus for character-level models.

    Examples
    --------
    >>> from sk_rnn import TextGenerator
    >>> text = "to be or not to be, that is the question. " * 40
    >>> gen = TextGenerator(hidden_size=32, num_layers=1, sequence_length=16,
    ...                     batch_size=8, max_epochs=3, random_state=0).fit(text)
    >>> len(gen.generate("to be", max_length=20, random_state=0)) <= 25
    True
    """

    _params = {
        "level": Param(Options(LEVELS), """\
            Tokens are characters, or words and punctuation marks (spacing and line breaks
            are kept, so generated text reads naturally)."""),
        "sequence_length": Param(Interval("integer", 1, None, none=True), """\
            Window length of truncated back-propagation through time; ``None``: 64
            characters or 32 words."""),
        "max_features": Param(
            Either(Options(("auto",)), Interval("integer", 1, None, none=True),
                   text='an integer >= 1, None or "auto"'), """\
            Keep only the most frequent tokens (others become ``"<unk>"``); ``None`` keeps
            all; ``"auto"``: all characters, or the 30,000 most frequent words (98 % of
            the tokens of 2.7 M words of English, with a vocabulary of 64,000)."""),
        "softmax": Param(Options(SOFTMAXES), """\
            Output layer. ``"full"``: a linear layer over the whole vocabulary, whose cost
            grows with it. ``"adaptive"``: an adaptive softmax (Grave et al., 2017) with
            clusters of 2,000 and 10,000 frequency ranks, the rarer ones computed only for
            the tokens that fall in them: at word level about 5x faster per epoch than
            the full softmax (benchmarks/RESULTS.md). ``"auto"``: full for characters,
            adaptive for words."""),
        "embedding_dim": Param(Interval("integer", 1, None, none=True), """\
            Token embedding size; ``None``: 64 for characters, 256 for words."""),
        "hidden_size": Param(Interval("integer", 1, None, none=True), """\
            Hidden units per layer; ``None``: 512 for characters, 384 for words."""),
        "num_layers": Param(Interval("integer", 1, None, none=True), """\
            Stacked recurrent layers; ``None``: 2 for characters, 1 for words."""),
        "dropout": Param(Interval("real", 0, 1, high_open=True, none=True), """\
            Dropout on the embedded input, between recurrent layers and before the output
            layer; ``None``: 0 for characters, 0.1 for words."""),
        "min_freq": Param(Interval("integer", 1, None),
                          "Drop tokens seen fewer than ``min_freq`` times."),
        "lowercase": Param(Boolean(), "Lower-case the corpus (and prompts) first."),
        "lr_schedule": Param(Options(LR_SCHEDULES), """\
            ``"cosine"``: the learning rate follows a cosine from ``lr`` down to ``lr / 20``
            over ``max_epochs``, stepped every batch (epochs over a large corpus are long).
            ``"plateau"``: halved after every epoch in which the validation loss did not
            improve (needs early stopping). ``"constant"``: ``lr`` throughout."""),
        "max_epochs": "Maximum passes over the corpus (also the length of the cosine schedule).",
        "batch_size": "Parallel streams of the corpus in a batch.",
        "patience": "Epochs without improvement of the validation loss before stopping.",
        "warm_start": Param(Boolean(), """\
            When ``fit`` is called on a fitted generator, continue training its network
            from the fitted weights on the new corpus instead of starting afresh, as in
            scikit-learn: to adapt a pretrained language model to a domain (ULMFiT's
            second stage), or to train on a corpus in parts. The fitted vocabulary is
            kept (words outside it are read as ``"<unk>"``), so the architecture and
            vocabulary parameters must not change; ``dropout``, the learning rate, its
            schedule and ``max_epochs`` may, and apply to the new call. Each call trains
            with a fresh optimizer and its own early-stopping hold-out; ``history_``,
            ``n_iter_`` and ``n_training_tokens_`` describe the last call. If the call
            fails, the generator keeps its previous fit."""),
        "validation_fraction": """\
            Share of the corpus held out for early stopping, as up to ten equal blocks
            spread evenly over it (each at least two ``sequence_length`` windows long).""",
    }

    _fuse_optimizer = True
    # What ``pretrained=`` of RNNClassifier/RNNRegressor takes from it (sk_rnn._transfer).
    _pretrained_kind = "language_model"

    def __init__(
        self,
        *,
        level: str = "char",
        sequence_length: int | None = None,
        max_features: int | str | None = "auto",
        min_freq: int = 1,
        lowercase: bool = False,
        lr_schedule: str = "cosine",
        softmax: str = "auto",
        cell_type: str = "lstm",
        hidden_size: int | None = None,
        num_layers: int | None = None,
        dropout: float | None = None,
        embedding_dim: int | None = None,
        max_epochs: int = 3,
        batch_size: int = 32,
        lr: float = 4e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        grad_clip: float | None = 5.0,
        validation_fraction: float = 0.05,
        early_stopping: bool = True,
        patience: int = 2,
        warm_start: bool = False,
        device: str = "auto",
        precision: str = "32",
        random_state: RandomStateLike = None,
        verbose: int = 0,
        callbacks: list | None = None,
        accelerator: Any = None,
    ) -> None:
        store_params(self, locals())

    def __setstate__(self, state: dict) -> None:
        # A generator pickled or saved before the softmax option had a full softmax.
        state.setdefault("softmax", "full")
        state.setdefault("warm_start", False)
        super().__setstate__(state)

    # -- parameters ---------------------------------------------------------------------
    def _validate_params(self) -> None:
        super()._validate_params()
        if self.lr_schedule == "plateau" and not self.early_stopping:
            raise ValueError(
                "lr_schedule='plateau' lowers the learning rate when the validation loss "
                "stops improving, and early_stopping=False holds no validation slice out: "
                "set early_stopping=True, or lr_schedule='cosine' or 'constant'."
            )

    def _resolved(self, name: str):
        """The value of parameter ``name``, its ``None`` or ``"auto"`` resolved for
        ``level``."""
        value = getattr(self, name)
        if value is None or (isinstance(value, str) and value == "auto"):
            return _LEVEL_DEFAULTS[self.level][name]
        return value

    def _sequence_length(self) -> int:
        if self.sequence_length is None:
            return _DEFAULT_SEQUENCE_LENGTH[self.level]
        return int(self.sequence_length)

    @property
    def _boundary(self) -> int:
        """Id of the document boundary (read before a document, predicted at its end)."""
        return self.vectorizer_.n_tokens_

    # -- fitting ------------------------------------------------------------------------
    def fit(self, X: str | TextsLike, y: None = None) -> TextGenerator:
        """Learn the vocabulary and train the language model.

        Parameters
        ----------
        X : str or iterable of str
            The corpus: one text, or documents (a list, array or pandas Series of
            strings) that are kept apart by a boundary token.
        y : None
            Ignored.

        Returns
        -------
        self : TextGenerator
            The fitted generator.
        """
        return self._fit_cleanly(self._fit, X)

    def _fit(self, X) -> TextGenerator:
        self._validate_params()
        documents = check_corpus(X, "X")
        if self._warm_fit:
            self._check_same_vocabulary()
            self._train_on_stream(self._stream(documents), start_from=self.net_.module_)
            return self
        self.vectorizer_ = TextVectorizer(
            tokenizer=self.level, lowercase=bool(self.lowercase),
            keep_spacing=self.level == "word", max_features=self._resolved("max_features"),
            min_freq=self.min_freq,
        ).fit(documents)
        self._train_on_stream(self._stream(documents))
        return self

    def _check_same_vocabulary(self) -> None:
        """A warm fit reads the fitted vocabulary: refuse parameters that would make
        another one."""
        fitted = self.vectorizer_
        wanted = {"level": (fitted.tokenizer, self.level),
                  "lowercase": (bool(fitted.lowercase), bool(self.lowercase)),
                  "max_features": (fitted.max_features, self._resolved("max_features")),
                  "min_freq": (fitted.min_freq, self.min_freq)}
        for name, (was, now) in wanted.items():
            if was != now:
                raise ValueError(
                    f"warm_start=True continues the fitted network, which reads a vocabulary "
                    f"learnt with {name}={was!r}, but {name} is now {now!r}: set it back, "
                    "or warm_start=False to learn a new vocabulary and train a new network."
                )

    def _fit_soft_targets(self, X, teacher: TextGenerator, *, temperature: float,
                          alpha: float) -> TextGenerator:
        """Train on a teacher's next-token distributions over ``X`` (knowledge
        distillation; used by :func:`sk_rnn.compression.distill`).

        The student reads the teacher's vocabulary. The teacher runs once over the corpus,
        as ``batch_size`` contiguous streams with its state carried (as in training), and
        its distribution at every position, at ``temperature``, becomes a soft target;
        the loss is :class:`~sk_rnn.nn.distillation.TokenDistillationLoss`, mixed
        (weight ``1 - alpha``) with the cross-entropy on the corpus's next tokens.
        Early stopping watches that cross-entropy alone, on the held-out blocks.
        """
        return self._fit_cleanly(self._fit_on_teacher, X, teacher, temperature, alpha)

    def _fit_on_teacher(self, X, teacher, temperature, alpha) -> TextGenerator:
        self._validate_params()
        documents = check_corpus(X, "X")
        self.vectorizer_ = copy.deepcopy(teacher.vectorizer_)
        stream = self._stream(documents)
        soft = teacher._next_token_distributions(stream, temperature, self.batch_size)
        self._train_on_stream(stream, soft, {"temperature": temperature, "alpha": alpha})
        return self

    def _train_on_stream(self, stream: np.ndarray, soft: tuple | None = None,
                         distillation: dict | None = None,
                         start_from: LanguageModel | None = None) -> None:
        """Train a fresh network on the id stream (with ``soft``, the teacher's
        ``(probabilities, ids or None)`` at every position, and the ``distillation``
        loss parameters), or one that starts from the weights of ``start_from`` (a warm
        fit: same architecture, this call's dropout)."""
        length = self._sequence_length()
        if len(stream) - 1 < length:
            n_text = int((stream != self._boundary).sum())
            raise ValueError(
                f"X is too short: it has {n_text} {self.level} tokens, fewer than "
                f"one training sequence (sequence_length={length}). Pass more text or a "
                "smaller sequence_length."
            )
        rng = check_random_state(self.random_state)
        seed = self._training_seed(rng)
        train_at, valid_at = self._split_stream(np.arange(len(stream)), length)
        train = stream[train_at]
        self.n_training_tokens_ = len(train)
        self.n_tokens_ = self._boundary + 1
        softmax = self._resolved("softmax")
        module_params = dict(
            vocab_size=self.n_tokens_,
            embedding_dim=int(self._resolved("embedding_dim")),
            cell_type=self.cell_type,
            hidden_size=int(self._resolved("hidden_size")),
            num_layers=int(self._resolved("num_layers")),
            dropout=float(self._resolved("dropout")),
            softmax=softmax,
        )
        if softmax == "adaptive":
            module_params.update(cutoffs=_adaptive_cutoffs(self.n_tokens_),
                                 div_value=_ADAPTIVE_DIV_VALUE)
        adaptive = softmax == "adaptive"
        if start_from is not None:
            self._check_same_architecture(start_from, module_params)

        def build() -> LanguageModel:
            module = LanguageModel(**module_params)
            if start_from is not None:
                module.load_state_dict(start_from.state_dict())
            return module

        if soft is None:
            train_ds = TokenStream(train)
            criterion = TargetNLL if adaptive else TokenCrossEntropy
            iterator = TargetStreamLoader if adaptive else StreamLoader
        else:
            # The student's scores over every id (an adaptive softmax's log-probabilities
            # included) meet the teacher's distribution at each position.
            probs, ids = soft
            train_ds = SoftTokenStream(train, probs[train_at],
                                       None if ids is None else ids[train_at])
            criterion, iterator = TokenDistillationLoss, SoftTargetStreamLoader
        n_batches = len(StreamLoader(train_ds, self.batch_size, sequence_length=length))
        self._train_net(
            build,
            criterion,
            train_ds,
            None if valid_at is None else TokenStream(stream[valid_at]),
            seed,
            iterator=iterator,
            iterator_params={"sequence_length": length},
            criterion_params=distillation,
            monitor_callbacks=plateau_schedule(0.5) if self.lr_schedule == "plateau" else [],
            schedule_callbacks=self._cosine_schedule(n_batches),
        )
        self.net_.module_.clear_state()

    @staticmethod
    def _check_same_architecture(module: LanguageModel, module_params: dict) -> None:
        fitted = module.init_kwargs
        for name in ("cell_type", "embedding_dim", "hidden_size", "num_layers", "softmax"):
            if fitted[name] != module_params[name]:
                raise ValueError(
                    f"warm_start=True continues the fitted network, whose {name} is "
                    f"{fitted[name]!r}, but {name} now gives {module_params[name]!r}: set it "
                    "back, or warm_start=False to train a new network."
                )

    def _next_token_distributions(self, stream: np.ndarray, temperature: float,
                                  n_parts: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The model's next-token distribution at every position of ``stream``.

        The stream is read as ``n_parts`` contiguous parts side by side, each from a zero
        state with the state carried through it (as training reads it).

        Returns
        -------
        probs : ndarray of shape (len(stream), k), float16
            Row ``i``: the probabilities, at ``temperature``, of the token after position
            ``i`` (the last row, which has no next token, is zero). ``k`` is the number of
            ids up to ``_DENSE_SOFT_TARGETS``; beyond, the ``_SOFT_TOP_K`` most likely ids
            with their probabilities renormalised.
        ids : ndarray of shape (len(stream), k) or None
            The ids of the columns of ``probs`` (None: column ``j`` is id ``j``).
        """
        check_is_fitted(self)
        module, device = self._inference_module()
        n, n_ids = len(stream), self.n_tokens_
        k = n_ids if n_ids <= _DENSE_SOFT_TARGETS else _SOFT_TOP_K
        probs = np.zeros((n, k), dtype=np.float16)
        # int16 ids below 32,768 (a capped word vocabulary): 256 bytes a position in all
        id_type = np.int16 if n_ids <= np.iinfo(np.int16).max else np.int32
        top_ids = None if k == n_ids else np.zeros((n, k), dtype=id_type)
        n_parts = max(1, min(int(n_parts), n // 2))
        part = -(-n // n_parts)  # parts of equal length; the padding at the end is dropped
        padded = np.full(n_parts * part, PAD_ID, dtype=np.int64)
        padded[:n] = stream
        parts = torch.from_numpy(padded).view(n_parts, part)
        window = max(1, min(_SOFT_WINDOW, _LOGIT_BUDGET // (n_parts * n_ids)))
        state = None
        with torch.inference_mode():
            for start in range(0, part, window):
                # contiguous: a quantised embedding needs it
                x = parts[:, start : start + window].contiguous().to(device)
                hidden, state = module.hidden(x, state)
                p = torch.softmax(module.logits(hidden).float() / temperature, dim=-1)
                if top_ids is not None:
                    top = p.topk(k, dim=-1)
                    p = top.values / top.values.sum(-1, keepdim=True)
                at = (np.arange(n_parts)[:, None] * part + start
                      + np.arange(x.shape[1])[None, :]).ravel()
                keep = at < n
                probs[at[keep]] = p.reshape(-1, k).cpu().numpy()[keep]
                if top_ids is not None:
                    top_ids[at[keep]] = top.indices.reshape(-1, k).cpu().numpy()[keep]
        probs[n - 1] = 0  # no token follows the last one
        return probs, top_ids

    def _cosine_schedule(self, n_batches: int) -> list:
        if self.lr_schedule != "cosine":
            return []
        scheduler = LRScheduler(policy=CosineAnnealingLR, step_every="batch",
                                T_max=max(1, self.max_epochs * n_batches),
                                eta_min=float(self.lr) / 20)
        return [("lr_scheduler", scheduler)]

    def _stream(self, documents: Sequence[str]) -> np.ndarray:
        """All documents as one id array: ``[B, doc_1, B, doc_2, ..., B]`` with ``B`` the
        boundary; documents without tokens are skipped. ``int32`` (what
        :class:`TokenStream` keeps anyway): half the memory of int64 ids on a long corpus.
        """
        dtype = np.int32 if self._boundary <= np.iinfo(np.int32).max else np.int64
        boundary = np.array([self._boundary], dtype=dtype)
        parts = [boundary]
        for ids in self.vectorizer_._transform_texts(documents, dtype=dtype):
            if len(ids):
                parts.extend([ids, boundary])
        return np.concatenate(parts)

    def _split_stream(self, stream: np.ndarray, length: int):
        """The training stream and the validation stream (``None`` without early
        stopping, or when either part would be shorter than one window).

        The validation tokens are :func:`validation_blocks` spread evenly over the
        corpus, not its tail: the end of a corpus is often a text of its own (the last
        play of Tiny Shakespeare), and holding it out both misjudges the model and takes
        from training the text most like what follows.
        """
        if not self.early_stopping:
            return stream, None
        plateau = self.lr_schedule == "plateau"
        n_valid = self._validation_size(
            len(stream),
            enough=lambda n_valid, n_train: bool(
                n_streams(n_valid, self.batch_size, length)
                and n_streams(n_train, self.batch_size, length)),
            too_few=f"the corpus ({len(stream)} tokens) is too short for a validation slice "
                    f"of {self.validation_fraction} holding one sequence of {length} tokens",
            without="early stopping" + (
                " (and at a constant learning rate: lr_schedule='plateau' needs it)"
                if plateau else ""),
            stacklevel=5,
        )
        if n_valid is None:
            return stream, None
        return validation_blocks(stream, n_valid, length)

    # -- scoring ------------------------------------------------------------------------
    def _log_loss(self, X, name: str = "X") -> tuple[float, int]:
        """Summed cross-entropy (nats) of every token of ``X`` and the token count.

        Each document is read after a boundary token, as in training. A long document is
        cut into pieces of ``_SCORE_PIECE`` targets, each read after the
        ``_SCORE_CONTEXT`` tokens before it (not scored), so that pieces can run as one
        batch at almost no cost in accuracy.
        """
        check_is_fitted(self)
        documents = check_corpus(X, name)
        pieces = []  # (input ids, number of leading positions not scored)
        boundary = self._boundary
        for ids in self.vectorizer_.transform(documents):
            context = np.concatenate([[boundary], ids])
            for start in range(0, len(ids), _SCORE_PIECE):
                begin = max(0, start - _SCORE_CONTEXT)
                stop = min(len(ids), start + _SCORE_PIECE)
                pieces.append((context[begin : stop + 1], start - begin))
        if not pieces:
            raise ValueError(f"{name} has no tokens to score.")
        module, device = self._inference_module()
        order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][0]))
        total, count = 0.0, 0
        with torch.inference_mode():
            for first in range(0, len(order), _SCORE_BATCH):
                batch = [pieces[i] for i in order[first : first + _SCORE_BATCH]]
                width = max(len(p) for p, _ in batch) - 1
                x = np.full((len(batch), width), PAD_ID, dtype=np.int64)
                y = np.zeros((len(batch), width), dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=bool)
                for row, (ids, skip) in enumerate(batch):
                    x[row, : len(ids) - 1] = ids[:-1]
                    y[row, : len(ids) - 1] = ids[1:]
                    mask[row, skip : len(ids) - 1] = True
                x_t = torch.from_numpy(x).to(device)
                outputs, _ = module.hidden(x_t)
                keep = torch.from_numpy(mask).to(device)
                hidden = outputs[keep]
                targets = torch.from_numpy(y).to(device)[keep]
                rows = max(1, _LOGIT_BUDGET // self.n_tokens_)
                for lo in range(0, len(targets), rows):
                    total += float(module.nll_sum(hidden[lo : lo + rows],
                                                  targets[lo : lo + rows]))
                count += int(keep.sum())
        return total, count

    def score(self, X: str | TextsLike, y: None = None) -> float:
        """Negative mean cross-entropy per token of ``X``, in nats (higher is better).

        Parameters
        ----------
        X : str or iterable of str
            A held-out text, or documents.
        y : None
            Ignored.

        Returns
        -------
        float
            ``-mean(-log p(token | previous tokens))`` over every token of ``X`` (each
            document read from its start; unknown tokens are scored as ``"<unk>"``).
        """
        total, count = self._log_loss(X)
        return -total / count

    def perplexity(self, X: str | TextsLike) -> float:
        """Perplexity of ``X``: ``exp(-score(X))``.

        Parameters
        ----------
        X : str or iterable of str
            A held-out text, or documents.

        Returns
        -------
        float
            Per-token perplexity (lower is better).
        """
        return float(math.exp(-self.score(X)))

    # -- generation ---------------------------------------------------------------------
    @staticmethod
    def _check_generation_params(prompt, max_length, temperature, top_k, top_p, stop):
        if not isinstance(prompt, str):
            raise TypeError(f"prompt must be a string, got {type(prompt).__name__}.")
        for name, value in (("max_length", max_length), ("temperature", temperature),
                            ("top_k", top_k), ("top_p", top_p)):
            _GENERATION_ARGS[name].check(name, value)
        stops = [stop] if isinstance(stop, str) else stop
        if stops is not None and (
            isinstance(stops, bytes) or not isinstance(stops, Iterable)
            or not all(isinstance(s, str) and s for s in stops)
        ):
            raise ValueError(
                f"stop must be None, a non-empty string or a list of them, got {stop!r}."
            )
        return list(stops or [])

    def generate(
        self,
        prompt: str = "",
        max_length: int = 500,
        temperature: float = 1.0,
        top_k: int | None = None,
        top_p: float | None = None,
        stop: str | Sequence[str] | None = None,
        random_state: RandomStateLike = None,
    ) -> str:
        """Write text that continues ``prompt``.

        The prompt is read in one pass; then each new token is drawn from the model's
        next-token distribution and fed back with the recurrent state kept, so the cost is
        linear in ``max_length``. Generation ends after ``max_length`` tokens, at the end
        of a document (the boundary token), or at a ``stop`` string.

        Parameters
        ----------
        prompt : str, default=""
            Text to continue (``""``: start a new document). Tokens never seen in
            training are read as ``"<unk>"``.
        max_length : int, default=500
            Most tokens (characters or words) to generate after the prompt.
        temperature : float > 0, default=1.0
            Divides the logits: below 1 is more conservative, above 1 more varied.
        top_k : int or None, default=None
            Sample only among the ``top_k`` most likely tokens (``1``: greedy).
        top_p : float in (0, 1] or None, default=None
            Nucleus sampling: only among the most likely tokens whose probabilities add
            up to ``top_p`` (Holtzman et al., 2020).
        stop : str, list of str or None, default=None
            End the text just before the first occurrence of any of these strings in the
            generated part (they are not returned).
        random_state : int, RandomState instance or None, default=None
            Seeds the sampling: the same value gives the same text.

        Returns
        -------
        str
            The prompt followed by the generated text. ``"<unk>"`` is never generated.
        """
        check_is_fitted(self)
        stops = self._check_generation_params(prompt, max_length, temperature, top_k,
                                              top_p, stop)
        rng = check_random_state(random_state)
        module, device = self._inference_module()
        prompt_ids = self.vectorizer_.transform([prompt])[0] if prompt else np.empty(0, int)
        context = torch.as_tensor(
            np.concatenate([[self._boundary], prompt_ids]), dtype=torch.long, device=device
        )[None]
        tokens = self.vectorizer_.get_feature_names_out()
        writer = _TextWriter(self.level, prompt, stops)
        with torch.inference_mode():
            logits, state = module.run(context)
            next_scores = module.stepper(state)  # then one token at a time
            scores = logits[0, -1]
            for _ in range(max_length):
                scores = scores.double().cpu().numpy()
                scores[[PAD_ID, UNK_ID]] = -np.inf  # padding and "<unk>" are never written
                token = _sample(scores, float(temperature), top_k, top_p, rng)
                if token == self._boundary or writer.add(tokens[token]):
                    break
                scores = next_scores(token)
        return prompt + writer.text()


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = False
        tags.non_deterministic = False
        return tags


def _adaptive_cutoffs(n_classes: int) -> list[int]:
    """The adaptive softmax's cluster boundaries for ``n_classes`` output classes: those
    of :data:`_ADAPTIVE_CUTOFFS` below ``n_classes - 1``, or the middle when none is."""
    cutoffs = [c for c in _ADAPTIVE_CUTOFFS if c < n_classes - 1]
    return cutoffs or [max(1, n_classes // 2)]


class _TextWriter:
    """The generated text, built token by token, watching for stop strings."""

    def __init__(self, level: str, prompt: str, stops: list[str]) -> None:
        self.level = level
        self.stops = stops
        self.keep = max(map(len, stops), default=1) - 1  # tail a stop may start in
        self.parts: list[str] = []
        self.length = 0
        self.tail = ""
        self.cut: int | None = None
        # Whether the first generated word touches the prompt (no space between them).
        last = spaced_word_tokenize(prompt)[-1:] if level == "word" and prompt else []
        if not last or prompt[-1].isspace():
            self.glued = True
        else:
            self.glued = spaced_word_piece(last[0], True)[1]

    def add(self, token: str) -> bool:
        """Append a token; True when a stop string has appeared (generation ends)."""
        if self.level == "word":
            piece, self.glued = spaced_word_piece(token, self.glued)
        else:
            piece = token
        self.parts.append(piece)
        self.length += len(piece)
        if not self.stops:
            return False
        # only a stop ending in this piece is new: search it with the preceding tail
        window = self.tail + piece
        hits = [window.find(s) for s in self.stops if s in window]
        if hits:
            self.cut = self.length - len(window) + min(hits)
            return True
        self.tail = window[len(window) - self.keep :] if self.keep else ""
        return False

    def text(self) -> str:
        """The generated text, cut before a stop string if one appeared."""
        full = "".join(self.parts)
        return full if self.cut is None else full[: self.cut]
