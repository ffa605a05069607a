"""Sequence-to-sequence translation: :class:`Seq2SeqTranslator`."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from ._base import BaseRNNEstimator, store_params
from ._net import plateau_schedule
from ._params import Boolean, Interval, Options, Param, document_params, validate_params
from ._registry import register_estimator
from ._sequences import PairDataset, Sequences, length_batches, pair_collate
from ._typing import ArrayLike, RandomStateLike, TextsLike
from .nn.seq2seq import ATTENTIONS, Seq2SeqModel, SequenceCrossEntropy
from .text import (
    TOKENIZER_NAMES,
    VECTORIZER,
    NestedVectorizerParamsMixin,
    TextVectorizer,
    build_vectorizer,
    check_texts,
)

__all__ = ["Seq2SeqTranslator", "ValidationBLEU", "corpus_bleu", "decode_batches"]

def corpus_bleu(hypotheses: Sequence[str], references) -> float:
    """Corpus BLEU of ``hypotheses`` against one or more references per sentence.

    sacreBLEU's default settings (13a tokenisation, case-sensitive, exponential
    smoothing), on detokenised text.

    Parameters
    ----------
    hypotheses : sequence of str
        One output per sentence.
    references : sequence of str or of sequences of str
        One reference per sentence, or a list of references per sentence (their number
        may vary from sentence to sentence).

    Returns
    -------
    float
        BLEU in [0, 100].

    Examples
    --------
    >>> corpus_bleu(["le chat est noir"], [["le chat est noir", "le chat noir"]])
    100.00000000000004
    """
    try:
        import sacrebleu
    except ImportError:  # pragma: no cover - sacrebleu is a dependency
        raise ImportError("BLEU needs sacrebleu: pip install sacrebleu") from None
    hypotheses = list(hypotheses)
    if isinstance(references, str):
        raise TypeError(
            "references must hold one entry per sentence, got a single string; wrap it in "
            "a list."
        )
    refs = []
    for i, r in enumerate(references):
        if not isinstance(r, str) and (isinstance(r, (bytes, dict)) or not isinstance(
                r, Iterable)):
            raise TypeError(
                f"references[{i}] must be a string or a non-empty list of strings, got "
                f"{type(r).__name__} ({r!r:.60})."
            )
        refs.append([r] if isinstance(r, str) else list(r))
    if len(refs) != len(hypotheses):
        raise ValueError(
            f"got {len(hypotheses)} hypotheses but {len(refs)} references: one entry "
            "(a string or a list of strings) is needed per sentence."
        )
    for i, options in enumerate(refs):
        if not options or not all(isinstance(r, str) for r in options):
            raise TypeError(
                f"references[{i}] must be a string or a non-empty list of strings, got "
                f"{options!r:.60}."
            )
    width = max(len(options) for options in refs)
    streams = [[options[j] if j < len(options) else None for options in refs]
               for j in range(width)]
    return float(sacrebleu.corpus_bleu(hypotheses, streams).score)


def decode_batches(
    module: Seq2SeqModel,
    source_ids: Sequence[np.ndarray],
    device: torch.device,
    *,
    beam_size: int = 1,
    max_output_length: int | None = None,
    length_penalty: float = 1.0,
    return_attention: bool = False,
) -> tuple[list, list]:
    """Decode non-empty source id sequences in batches of equal length.

    Parameters
    ----------
    module : Seq2SeqModel
        The trained model (put in evaluation mode here).
    source_ids : sequence of 1-D int arrays
        Source token ids, none of them empty.
    device : torch.device
        Where the module lives.
    beam_size : int, default=1
        1 decodes greedily, more runs batched beam search.
    max_output_length : int or None, default=None
        Longest output; ``None``: twice the longest source of the batch plus 10.
    length_penalty : float, default=1.0
        Exponent of the beam-search length penalty.
    return_attention : bool, default=False
        Also return the attention weights.

    Returns
    -------
    outputs : list of list of int
        Output ids per source (without ``EOS``), in input order.
    attentions : list of ndarray or None
        ``(target_length, source_length)`` weights per source, or ``None``s.
    """
    lengths = np.fromiter(map(len, source_ids), np.int64, len(source_ids))
    outputs: list = [[] for _ in source_ids]
    attentions: list = [None] * len(source_ids)
    was_training = module.training
    module.eval()
    batch_size = max(1, 512 // beam_size)
    try:
        for idx, batch in length_batches(source_ids, lengths, batch_size):
            src = batch["x"].to(device)
            max_len = max_output_length or int(2 * batch["lengths"].max()) + 10
            with torch.inference_mode():
                if beam_size == 1:
                    ids, attn = module.greedy_decode(src, batch["lengths"], max_len,
                                                     return_attention)
                else:
                    ids, attn = module.beam_search(src, batch["lengths"], beam_size, max_len,
                                                   length_penalty, return_attention)
            for j, i in enumerate(idx):
                outputs[i] = ids[j]
                if attn is not None:
                    attentions[i] = attn[j].numpy()
    finally:
        module.train(was_training)
    return outputs, attentions


class ValidationBLEU(Callback):
    """Record ``valid_bleu``: BLEU of greedy translations of the validation pairs, on
    target token ids, after every epoch.

    Early stopping watches it rather than the validation loss: it is what
    :meth:`Seq2SeqTranslator.score` measures, and unlike a label-smoothed loss it stops
    improving once the translations do. N-gram orders that no validation target is long
    enough to have are left out (sacreBLEU's ``effective_order``), so that a task with
    very short targets does not score 0 throughout.
    """

    def on_epoch_end(self, net, dataset_valid=None, **kwargs) -> None:
        """Translate the validation sources and score them against their targets."""
        if dataset_valid is None:
            return
        from sacrebleu.metrics import BLEU

        module = net._plain_module()  # decoding calls the module's own methods
        sources = list(dataset_valid.sources.data)
        hypotheses, _ = decode_batches(module, sources, net._compute_device())
        as_text = " ".join
        hyp = [as_text(map(str, ids)) for ids in hypotheses]
        ref = [as_text(map(str, target[1:-1])) for target in dataset_valid.targets]
        # effective_order: n-gram orders that no target is long enough to have are left
        # out, so targets of one to three tokens still give an informative score
        bleu = BLEU(tokenize="none", effective_order=True).corpus_score(hyp, [ref]).score
        net.history.record("valid_bleu", float(bleu))


@register_estimator
@document_params
class Seq2SeqTranslator(NestedVectorizerParamsMixin, BaseRNNEstimator):
    """Recurrent encoder-decoder with attention, for translation and other
    sequence-to-sequence tasks on text.

    Sources and targets get separate vocabularies (:class:`TextVectorizer`). A
    (bidirectional) encoder reads the source; a decoder with Bahdanau or Luong attention
    writes the target one token at a time. Training uses teacher forcing on batches
    bucketed by source length; :meth:`predict` decodes in batches, greedily
    (``beam_size=1``) or by beam search with a length penalty, and returns detokenised
    strings. :meth:`score` is corpus BLEU (sacreBLEU), so ``GridSearchCV`` selects by BLEU.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    source_vectorizer_, target_vectorizer_ : TextVectorizer
        The fitted vocabularies.
    n_dropped_pairs_ : int
        Training pairs dropped because one side had no tokens.
    net_ : RNNNet
        The trained skorch net.
    history_ : skorch.History
        Per-epoch training and validation losses (token cross-entropy).
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    TextVectorizer : The tokeniser and vocabulary of each side.
    sk_rnn.plotting.plot_attention : Draws :meth:`predict_attention` as a heat map.

    Notes
    -----
    Empty strings: a training pair whose source or target has no tokens is dropped with a
    warning (``n_dropped_pairs_``); an empty source sentence translates to ``""``.

    Continued training: there is no ``warm_start`` or ``partial_fit``. Each ``fit``
    learns both vocabularies and trains with early stopping on validation BLEU; a
    chunk-by-chunk fit would fix both vocabularies on the first chunk, which for a
    translation corpus leaves most words unknown. Fit on the whole corpus instead.

    Examples
    --------
    >>> from sk_rnn import Seq2SeqTranslator
    >>> X = ["one two", "two three", "three one", "one three"] * 20
    >>> y = [" ".join(reversed(s.split())) for s in X]
    >>> model = Seq2SeqTranslator(hidden_size=32, embedding_dim=16, max_epochs=15,
    ...                           lr=1e-2, random_state=0).fit(X, y)
    >>> model.predict(["one two"]).tolist()
    ['two one']
    """

    _params = {
        "attention": Param(Options(ATTENTIONS), """\
            ``"bahdanau"``: additive attention queried with the previous decoder state, its
            context fed to the decoder's input. ``"luong"``: multiplicative ("general")
            attention queried with the current decoder state, followed by the attentional
            layer ``tanh(W [c; h])``. ``None``: no attention; the encoder's final state
            starts the decoder and is fed to it at every step."""),
        "input_feeding": Param(Boolean(), """\
            Luong attention only: feed the previous attentional vector to the decoder
            (Luong et al., 2015). ``False`` lets the teacher-forced decoder run over the
            whole target in one pass (faster training, usually lower BLEU)."""),
        "teacher_forcing": Param(Interval("real", 0, 1), """\
            Probability of feeding the reference previous token to the decoder during
            training; otherwise the model's own greedy prediction is fed (scheduled
            sampling), which makes training step by step."""),
        "tokenizer": Param(Options(TOKENIZER_NAMES), """\
            Tokens of both sides: words and punctuation, characters, or unigram subwords
            (needs the ``sentencepiece`` package)."""),
        "source_vectorizer": Param(VECTORIZER, """\
            More options for the source side's :class:`TextVectorizer`, as a dict of its
            parameters (merged over the defaults) or a ready ``TextVectorizer`` (cloned).
            The default lower-cases the source."""),
        "target_vectorizer": Param(VECTORIZER, """\
            The same for the target side. The default keeps the target's case and spacing
            (``keep_spacing=True``), since BLEU is case-sensitive."""),
        "beam_size": Param(Interval("integer", 1, None), """\
            Hypotheses kept per sentence when decoding; 1 is greedy decoding."""),
        "length_penalty": Param(Interval("real", 0, None), """\
            Exponent ``alpha`` of the length normalisation ``((5 + length) / 6) ** alpha``
            that divides each finished hypothesis's log-probability (0 for none); beam
            search only."""),
        "max_output_length": Param(Interval("integer", 1, None, none=True), """\
            Most tokens generated per sentence; ``None`` allows twice the longest source
            sentence of the batch plus 10."""),
        "label_smoothing": Param(Interval("real", 0, 1, high_open=True),
                                 "Label smoothing of the training loss."),
        "lr_decay": Param(Interval("real", 0, 1, low_open=True, high_open=True, none=True),
                          """\
            With early stopping: multiply the learning rate by ``lr_decay`` after every
            epoch in which the validation loss did not improve (plateau schedule). ``None``
            keeps the learning rate fixed."""),
        "cell_type": "Recurrent cell of encoder and decoder.",
        "hidden_size": """\
            Units per direction and layer of the encoder, and per layer of the decoder.""",
        "num_layers": "Layers of the encoder and of the decoder.",
        "bidirectional": "Bidirectional encoder.",
        "dropout": "Dropout on both embeddings, between layers and before the output layer.",
        "embedding_dim": "Embedding size of source and target tokens.",
        "batch_size": "Sentence pairs per batch (bucketed by source length).",
        "early_stopping": """\
            Hold out ``validation_fraction`` of the pairs and translate them greedily after
            every epoch; stop when their BLEU (on target tokens, recorded as ``valid_bleu``
            in ``history_``) has not improved for ``patience`` epochs, or at once when it
            reaches 100, and keep the weights of the best epoch.""",
    }

    # The embeddings and the output layer dominate the parameters: one fused Adam step.
    _fuse_optimizer = True

    def __init__(
        self,
        *,
        attention: str | None = "bahdanau",
        input_feeding: bool = True,
        teacher_forcing: float = 1.0,
        tokenizer: str = "word",
        source_vectorizer: dict | TextVectorizer | None = None,
        target_vectorizer: dict | TextVectorizer | None = None,
        beam_size: int = 5,
        length_penalty: float = 1.0,
        max_output_length: int | None = None,
        label_smoothing: float = 0.1,
        lr_decay: float | None = 0.5,
        cell_type: str = "gru",
        hidden_size: int = 256,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.5,
        embedding_dim: int = 256,
        max_epochs: int = 20,
        batch_size: int = 64,
        lr: float = 2e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        grad_clip: float | None = 1.0,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        patience: int = 3,
        device: str = "auto",
        precision: str = "32",
        random_state: RandomStateLike = None,
        verbose: int = 0,
        callbacks: list | None = None,
        accelerator: Any = None,
    ) -> None:
        store_params(self, locals())

    # -- parameters ---------------------------------------------------------------------
    def _make_vectorizer(self, side: str) -> TextVectorizer:
        defaults: dict = {"tokenizer": self.tokenizer}
        if side == "target":
            defaults.update(lowercase=False, keep_spacing=True)
        return build_vectorizer(getattr(self, f"{side}_vectorizer"), f"{side}_vectorizer",
                                defaults, merge=True)

    _vectorizer_names = ("source_vectorizer", "target_vectorizer")

    def _vectorizer_for(self, name: str) -> TextVectorizer:
        return self._make_vectorizer(name.removesuffix("_vectorizer"))

    # -- fitting ------------------------------------------------------------------------
    def fit(self, X: TextsLike, y: TextsLike | None = None) -> Seq2SeqTranslator:
        """Learn both vocabularies and train the encoder-decoder.

        Parameters
        ----------
        X : list, array or pandas Series of str
            Source sentences.
        y : list, array or pandas Series of str
            Target sentences, one per source sentence. Required: the default ``None``
            only lets ``fit(pairs)`` fail with a message that says how to split them.

        Returns
        -------
        self : Seq2SeqTranslator
            The fitted translator.
        """
        return self._fit_cleanly(self._fit, X, y)

    def _fit(self, X, y) -> Seq2SeqTranslator:
        self._validate_params()
        if y is None:
            if isinstance(X, (list, tuple)) and X and isinstance(X[0], (list, tuple)) and (
                len(X[0]) == 2 and all(isinstance(s, str) for s in X[0])
            ):
                raise ValueError(
                    "X holds (source, target) pairs, but Seq2SeqTranslator takes the "
                    "sources and the targets as two arguments: fit([s for s, _ in pairs], "
                    "[t for _, t in pairs])."
                )
            raise ValueError(
                "Seq2SeqTranslator requires y (the target sentences), but y is None."
            )
        sources = check_texts(X, "X")
        targets = check_texts(y, "y")
        if len(sources) != len(targets):
            raise ValueError(
                f"X and y have different lengths: X has {len(sources)} sentences, y has "
                f"{len(targets)}."
            )
        for name, texts in (("X", sources), ("y", targets)):
            if not any(text.strip() for text in texts):
                raise ValueError(
                    f"{name} holds only empty strings: there is nothing to learn from."
                )
        self.source_vectorizer_ = self._make_vectorizer("source").fit(sources)
        self.target_vectorizer_ = self._make_vectorizer("target").fit(targets)
        source_ids = self.source_vectorizer_.transform(sources)
        target_ids = self.target_vectorizer_.transform(targets)
        keep = np.array([len(s) > 0 and len(t) > 0 for s, t in zip(source_ids, target_ids,
                                                                       strict=True)])
        self.n_dropped_pairs_ = int((~keep).sum())
        if not keep.any():
            raise ValueError(
                "no training pair has tokens on both sides: X or y holds only empty "
                "strings (or strings without tokens)."
            )
        if self.n_dropped_pairs_:
            warnings.warn(
                f"Seq2SeqTranslator: dropped {self.n_dropped_pairs_} training pair(s) whose "
                "source or target has no tokens.",
                UserWarning,
                stacklevel=3,
            )
        source_ids = source_ids[keep]
        eos, bos = self._eos_bos()
        framed = np.empty(len(source_ids), dtype=object)
        for i, ids in enumerate(target_ids[keep]):
            framed[i] = np.concatenate([[bos], ids, [eos]]).astype(np.int64)
        sequences = Sequences(list(source_ids),
                              np.fromiter(map(len, source_ids), np.int64, len(source_ids)))
        module_params = dict(
            source_vocab_size=self.source_vectorizer_.n_tokens_,
            target_vocab_size=self.target_vectorizer_.n_tokens_,
            embedding_dim=self.embedding_dim,
            cell_type=self.cell_type,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            attention=self.attention,
            input_feeding=bool(self.input_feeding),
            teacher_forcing=float(self.teacher_forcing),
        )
        self._fit_net(
            lambda: Seq2SeqModel(**module_params),
            SequenceCrossEntropy,
            sequences,
            framed,
            criterion_params={"label_smoothing": float(self.label_smoothing)},
            dataset=PairDataset,
            collate_fn=pair_collate,
            monitor="valid_bleu",
            lower_is_better=False,
            best_possible=100.0,
            monitor_callbacks=[("valid_bleu", ValidationBLEU()), *plateau_schedule(self.lr_decay)],
        )
        return self

    def _eos_bos(self) -> tuple[int, int]:
        n = self.target_vectorizer_.n_tokens_
        return n, n + 1

    # -- decoding -----------------------------------------------------------------------
    def _decode(self, X, *, beam_size=None, return_attention=False, name="X"):
        """Token ids (and attention) of the translations of ``X``, in input order."""
        check_is_fitted(self)
        beam_size = self.beam_size if beam_size is None else beam_size
        self._params["beam_size"].constraint.check("beam_size", beam_size)
        validate_params(self, ["max_output_length"])
        sources = check_texts(X, name)
        source_ids = self.source_vectorizer_.transform(sources)
        lengths = np.fromiter(map(len, source_ids), np.int64, len(source_ids))
        outputs_all: list = [[] for _ in sources]
        attentions_all: list = [None] * len(sources)
        todo = np.flatnonzero(lengths > 0)
        if not len(todo):
            return outputs_all, attentions_all
        module, device = self._inference_module()
        outputs, attentions = decode_batches(
            module, [source_ids[i] for i in todo], device,
            beam_size=beam_size, max_output_length=self.max_output_length,
            length_penalty=float(self.length_penalty), return_attention=return_attention,
        )
        for j, i in enumerate(todo):
            outputs_all[i], attentions_all[i] = outputs[j], attentions[j]
        return outputs_all, attentions_all

    def _detokenize(self, ids: list) -> np.ndarray:
        eos, _ = self._eos_bos()
        arrays = [np.asarray([t for t in seq if t < eos], dtype=np.int64) for seq in ids]
        texts = self.target_vectorizer_.decode(arrays)
        return np.asarray(texts, dtype=object)

    def predict(self, X: TextsLike, *, beam_size: int | None = None) -> np.ndarray:
        """Translate sentences.

        Parameters
        ----------
        X : list, array or pandas Series of str
            Source sentences.
        beam_size : int or None, default=None
            Overrides the estimator's ``beam_size`` for this call.

        Returns
        -------
        ndarray of str, shape (n_samples,)
            The detokenised translations (``""`` for an empty source).
        """
        ids, _ = self._decode(X, beam_size=beam_size)
        return self._detokenize(ids)

    def translate(self, sentence: str, *, beam_size: int | None = None) -> str:
        """Translate one sentence.

        Parameters
        ----------
        sentence : str
            The source sentence.
        beam_size : int or None, default=None
            Overrides the estimator's ``beam_size`` for this call.

        Returns
        -------
        str
            Its translation.
        """
        self._check_sentence(sentence)
        return str(self.predict([sentence], beam_size=beam_size)[0])

    @staticmethod
    def _check_sentence(sentence) -> None:
        if not isinstance(sentence, str):
            raise TypeError(
                f"sentence must be a string, got {type(sentence).__name__}; use predict "
                "for several sentences."
            )

    def predict_attention(self, sentence: str, *, beam_size: int | None = None,
                          return_tokens: bool = False
                          ) -> np.ndarray | tuple[np.ndarray, list[str], list[str]]:
        """Attention weights of the decoder over the source while translating a sentence.

        Parameters
        ----------
        sentence : str
            The source sentence.
        beam_size : int or None, default=None
            Overrides the estimator's ``beam_size``; the weights are those of the
            translation it returns.
        return_tokens : bool, default=False
            Also return the source and target tokens (the heat map's labels).

        Returns
        -------
        weights : ndarray of shape (target_length, source_length)
            Row ``i`` is the distribution over source tokens when target token ``i`` was
            written (the end-of-sentence step is not included).
        source_tokens, target_tokens : list of str
            Only with ``return_tokens=True``.

        Raises
        ------
        ValueError
            If the model has no attention (``attention=None``) or the sentence is empty.
        """
        check_is_fitted(self)
        self._check_sentence(sentence)
        if self.attention is None:
            raise ValueError(
                "predict_attention needs an attention model; this one was fitted with "
                "attention=None."
            )
        ids, attentions = self._decode([sentence], beam_size=beam_size,
                                       return_attention=True, name="sentence")
        if attentions[0] is None:
            raise ValueError("sentence has no tokens: there is nothing to attend to.")
        weights = attentions[0]
        if not return_tokens:
            return weights
        source_tokens = self.source_vectorizer_.inverse_transform(
            self.source_vectorizer_.transform([sentence]))[0]
        eos, _ = self._eos_bos()
        target_tokens = self.target_vectorizer_.inverse_transform(
            [np.asarray([t for t in ids[0] if t < eos], dtype=np.int64)])[0]
        return weights, source_tokens, target_tokens

    def score(self, X: TextsLike, y: TextsLike, sample_weight: ArrayLike | None = None) -> float:
        """Corpus BLEU (sacreBLEU, 13a tokenisation) of the translations of ``X``.

        Parameters
        ----------
        X : list, array or pandas Series of str
            Source sentences.
        y : sequence of str, or of lists of str
            One reference translation per sentence, or a list of references per
            sentence.
        sample_weight : None
            Not supported (BLEU is a corpus statistic); must be None.

        Returns
        -------
        float
            BLEU in [0, 100], higher is better.
        """
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported: BLEU is a corpus statistic.")
        if y is None:
            raise ValueError("score requires y (the reference translations), but y is None.")
        if isinstance(y, (str, bytes)):
            raise TypeError(
                "y must hold one reference translation (or a list of them) per sentence, "
                f"got a single {type(y).__name__}; wrap it in a list."
            )
        references = list(y.tolist() if hasattr(y, "tolist") else y)
        hypotheses = self.predict(X)
        if len(references) != len(hypotheses):
            raise ValueError(
                f"X and y have different lengths: X has {len(hypotheses)} sentences, y has "
                f"{len(references)}."
            )
        return corpus_bleu(hypotheses.tolist(), references)

    def __sklearn_tags__(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
