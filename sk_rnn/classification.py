"""Sequence classification and regression: :class:`RNNClassifier`, :class:`RNNRegressor`."""

from __future__ import annotations

import copy
import hashlib
import os
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data
from skorch.callbacks import Callback

from ._base import BaseRNNEstimator, store_params
from ._net import average_parameters, trainable_weights
from ._params import Boolean, Check, Either, Interval, Options, Param, document_params
from ._registry import register_estimator
from ._sequences import (
    KIND_DESCRIPTIONS,
    SequenceDataset,
    Sequences,
    infer_input_kind,
    to_numeric_sequences,
    to_token_sequences,
)
from ._stream_stopping import (
    StreamCheck,
    holdout_rows,
    new_stream_state,
    record_holdout,
    row_digests,
)
from ._transfer import (
    PRETRAINED_DOC,
    GradualUnfreezing,
    PretrainedEncoder,
    discriminative_param_groups,
    fine_tune_language_model,
    layer_groups,
    load_encoder_state,
    read_pretrained,
)
from ._typing import ArrayLike, EmbeddingsLike, RandomStateLike
from .nn import POOLINGS, DistillationLoss, NgramLinear, SequenceModel, soften
from .text import (
    UNK_ID,
    VECTORIZER,
    NestedVectorizerParamsMixin,
    TextVectorizer,
    build_embedding_matrix,
    build_vectorizer,
    check_texts,
)

__all__ = ["RNNClassifier", "RNNRegressor"]


# Small data (see ``early_stopping="auto"``): the smallest hold-out worth stopping on,
# and the update budget of a fit without one.
_MIN_VALIDATION_SIZE = 100
_MIN_UPDATES = 600
# ``standardize="auto"``: the spread of per-sequence scales that calls for "series".
_SCALES_SPREAD = 10.0
# ``patch_length="auto"``: recurrent steps of a sequence of median length.
_PATCH_STEPS = 16
# ``conv_frontend``: the convolutional front-end's size (chosen on bench_sequences.py's
# selection protocol: kernels of 5 steps beat 3 on the classification sets).
_CONV_LAYERS, _CONV_CHANNELS, _CONV_KERNEL_SIZE = 2, 64, 5


def _scales_spread(sequences: Sequences) -> float:
    """For the median feature, the ratio of the 90th to the 10th percentile of the
    sequences' standard deviations."""
    std = np.array([seq.std(axis=0) for seq in sequences.data], dtype=np.float64)
    low, high = np.percentile(std, [10, 90], axis=0)
    return float(np.median(high / np.maximum(low, 1e-12)))


def _series_scaled(sequences: Sequences) -> Sequences:
    """Each ``(T, C)`` sequence scaled per feature by its own mean and standard
    deviation, with those ``C`` means (as ``asinh``, which is log-like but signed) and
    ``C`` log standard deviations appended to every step (``(T, 3 C)``)."""
    data = []
    for seq in sequences.data:
        seq = seq.astype(np.float64)
        mean, std = seq.mean(axis=0), seq.std(axis=0)
        scale = np.where(std > 1e-12, std, 1.0)
        stats = np.broadcast_to(np.r_[np.arcsinh(mean), np.log(scale)],
                                (len(seq), 2 * seq.shape[1]))
        data.append(np.hstack([(seq - mean) / scale, stats]).astype(np.float32))
    return Sequences(data, sequences.lengths)


class _SequenceEstimator(NestedVectorizerParamsMixin, BaseRNNEstimator):
    """Input handling shared by the classifier and the regressor.

    Turns every accepted input kind into :class:`~sk_rnn._sequences.Sequences`, learns
    the text vocabulary or the per-feature scaling in ``fit`` and applies them at predict
    time, and checks that predict sees the same kind of input as fit.
    """

    _params = {
        "embedding_dim": """\
            Token embedding size (text and token-id input only).""",
        "pooling": Param(Options(POOLINGS), """\
            How the per-step outputs become one vector: the final hidden state(s), or a
            masked mean, max or attention-weighted sum over the steps."""),
        "max_length": Param(Interval("integer", 1, None, none=True, text="a positive integer"),
                            "Keep the first ``max_length`` steps (tokens) of each sequence."),
        "vectorizer": Param(VECTORIZER, """\
            Text input only: the tokeniser, as a :class:`TextVectorizer` (cloned) or a dict
            of its parameters. ``None`` means ``TextVectorizer(normalize_digits=True)``
            (lower-cased words and punctuation, digits folded to ``0``: phone numbers and
            prices are strong signals in spam, their exact digits are not)."""),
        "embeddings": Param(Check(None, "str, dict, gensim KeyedVectors, ndarray or None"),
                            """\
            Pretrained word vectors: a word2vec/GloVe text file, a dict of word to vector, a
            gensim ``KeyedVectors`` or an ``(n_tokens, dim)`` array. Their size replaces
            ``embedding_dim``; words without a vector are initialised at random."""),
        "freeze_embeddings": Param(Boolean(), "Keep pretrained embeddings fixed during training."),
        "standardize": Param(Either(Boolean(), Options(["series", "auto"]),
                                    text='True, False, "series" or "auto"'), """\
            Numeric input only. ``True``: scale each feature to zero mean and unit variance
            using the training data. ``"series"``: scale each sequence's features by its
            own mean and standard deviation, and add each feature's mean (as ``asinh``)
            and log standard deviation as two constant features per feature, so that the
            level is still there to use (for recordings whose scales differ by orders of
            magnitude). ``"auto"``: ``"series"`` when, for the median feature, the
            training sequences' standard deviations spread over more than a factor of 10
            between their 10th and 90th percentiles, else ``True``. ``False``: as given.
            ``scaling_`` tells which was used."""),
        "patch_length": Param(Either(Interval("integer", 1, None), Options(["auto"]),
                                     text='a positive integer or "auto"'), """\
            Numeric input only: cut each sequence into patches of this many consecutive
            steps and feed each patch to the recurrent network as one step (its values
            side by side, the last patch padded with the sequence's last step), so that
            long series become short multi-channel ones (as PatchTST does). ``"auto"``:
            patches of ``ceil(median training length / 16)`` steps, so a typical sequence
            takes 16 recurrent steps (1 for sequences of 16 steps or fewer)."""),
        "warm_start": Param(Boolean(), """\
            When ``fit`` is called on a fitted estimator, continue training its network
            from the fitted weights instead of starting afresh, as in scikit-learn. What
            ``fit`` learnt from the data before the network is kept: the vocabulary (new
            words become unknown tokens), the scaling and patching of numeric input, the
            classes (``y`` must hold the same ones) or the target scaling. Each call
            trains for its own epochs with a fresh optimizer and its own early-stopping
            hold-out; ``history_`` and ``n_iter_`` describe the last call. The n-gram path
            (``linear_ngrams``), fitted in closed form, is refitted on the new data. If
            the call fails, the estimator keeps its previous fit."""),
        "conv_frontend": Param(Either(Boolean(), Options(["auto"]),
                                      text='True, False or "auto"'), """\
            Numeric input only: two 1-D convolutions (64 filters of 5 recurrent steps
            each, ReLU) between the input and the recurrent layers, which hand the
            network local shape features, as the convolutional branch of LSTM-FCN does.
            ``"auto"``: on when the series are cut into patches (``patch_length_ > 1``:
            series longer than 16 steps), where on the selection protocol of
            ``benchmarks/bench_sequences.py`` it raised the mean of five univariate
            classification sets by 2 points and cut Tecator's regression error by more
            than half; off for short series, where it cost JapaneseVowels 1.4 points.
            ``conv_frontend_`` tells whether it was used."""),
        "pretrained": Param(Check(None, PRETRAINED_DOC), """\
            Start the encoder from a pretrained model instead of random weights (transfer
            learning); ``fit`` copies what it takes and never modifies the model. A
            fitted word-level :class:`TextGenerator` (ULMFiT-style: its embedding and
            recurrent stack become the encoder and its vocabulary replaces the
            ``vectorizer``; the encoder is unidirectional, as the language model is, and
            ``pooling`` applies to its outputs). A fitted :class:`RNNClassifier` or
            :class:`RNNRegressor` (task transfer: its encoder, vocabulary or numeric
            preprocessing are reused and a new head is trained; numeric input must have
            as many features per step). Or the path of a file written by
            :func:`sk_rnn.save` holding one of these. The encoder's architecture
            (``cell_type``, ``hidden_size``, ``num_layers``, ``bidirectional``,
            ``embedding_dim``, and for a fitted estimator also ``pooling``) is the
            pretrained one's; the parameters of those names are then not used."""),
        "gradual_unfreezing": Param(Boolean(), """\
            With ``pretrained``: train the new output layer alone in the first epoch,
            then unfreeze one layer group of the pretrained encoder per epoch from the
            top (the last recurrent layer first, the embedding last), so that the
            untrained head does not wreck the pretrained weights (ULMFiT). Off by default:
            on MR's dev protocol, with the language model of
            ``benchmarks/bench_pretrain.py``, it cost the network 2.5 points and a third
            more fit time (``benchmarks/RESULTS.md``)."""),
        "layer_lr_decay": Param(Interval("real", 1.0, None, text="a number >= 1"), """\
            With ``pretrained``: discriminative learning rates. The output layer learns
            at ``lr``; each pretrained layer group below it at the rate of the group
            above divided by ``layer_lr_decay`` (the last recurrent layer at
            ``lr / layer_lr_decay``, ...). 1 (the default, measured with
            ``gradual_unfreezing``) trains every layer at ``lr``; ULMFiT uses 2.6."""),
        "lm_fine_tune_epochs": Param(Interval("integer", 0, None), """\
            With a :class:`TextGenerator` as ``pretrained`` and text input: before its
            encoder is taken, a copy of the language model trains this many more epochs
            on the training texts (ULMFiT's second stage, which adapts it to the task's
            domain and style; the labels are not read), with the language model's own
            training parameters and this estimator's ``random_state``, ``device``,
            ``precision`` and ``verbose``. 0 (the default) skips it: on MR's dev
            protocol, with the language model of ``benchmarks/bench_pretrain.py``, one
            epoch changed nothing and three gained 0.3 point for twice the fit time
            (``benchmarks/RESULTS.md``). The pretrained model itself is never modified.
            Ignored for other ``pretrained`` values; token-id input cannot use it."""),
        "early_stopping": Param(Either(Boolean(), Options(["auto"]),
                                       text='True, False or "auto"'), """\
            ``True``: hold out ``validation_fraction`` of the data, stop when its loss has
            not improved for ``patience`` epochs and restore the best weights. ``False``:
            train ``max_epochs`` on all the data. ``"auto"``: ``True`` for text and token
            ids, and for numeric sequences when the hold-out would hold at least 100 of
            them; with fewer, whose loss is noise, train on all the data for
            ``max_epochs`` epochs or 600 updates (batches), whichever is more, since a
            small data set makes an epoch only a few updates. In :meth:`partial_fit`,
            ``True``, and ``"auto"`` on text and token ids, hold out the sequences whose
            digest falls in ``validation_fraction`` of the digest space (the same ones
            on every pass, whatever the chunks), check their loss once a pass, and after
            ``patience`` passes without improvement restore the best network and train
            no further; ``"auto"`` holds nothing out of numeric streams."""),
        "checkpoint_averaging": Param(Boolean(), """\
            With early stopping, end with the mean of the weights of the best epoch and
            of the epochs just before and after it, instead of the best epoch's alone
            (checkpoint averaging). The network reaches its best validation loss within
            one or two epochs on most text data sets, and one epoch's weights are noisy:
            on the text suite, averaging raised the network alone by 0.75 points of mean
            accuracy (``benchmarks/RESULTS.md``). No effect without early stopping."""),
    }

    def _validate_params(self) -> None:
        super()._validate_params()
        if isinstance(self.vectorizer, dict):
            self._make_vectorizer()  # unknown keys fail here, whatever the input

    def __setstate__(self, state: dict) -> None:
        # An estimator pickled or saved before ULMFiT's second stage existed had none.
        state.setdefault("lm_fine_tune_epochs", 0)
        super().__setstate__(state)

    # None stands for these TextVectorizer parameters; a dict is used alone.
    _DEFAULT_VECTORIZER = {"normalize_digits": True}

    # Out-of-vocabulary buckets of partial_fit's default vectorizer: its first chunk
    # makes the vocabulary, and the words of later chunks need ids of their own.
    _PARTIAL_FIT_OOV_BUCKETS = 16_384

    def _make_vectorizer(self) -> TextVectorizer:
        defaults = self._DEFAULT_VECTORIZER
        if self._partial_fitting:
            defaults = {**defaults, "oov_buckets": self._PARTIAL_FIT_OOV_BUCKETS}
        return build_vectorizer(self.vectorizer, "vectorizer", defaults, merge=False)

    def _vectorizer_for(self, name: str) -> TextVectorizer:
        return self._make_vectorizer()

    def _vectorizer_none_params(self, name: str) -> dict:
        return dict(self._DEFAULT_VECTORIZER)

    def _prepare_fit(self, X, y) -> Sequences:
        """Check the parameters and that ``y`` is a collection of targets, then prepare
        ``X`` (learning its vocabulary or scaling)."""
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        _check_y_container(y)
        if self.pretrained is not None and not self._warm_fit:
            self._transfer = self._read_pretrained()
        return self._prepare_X(X, reset=not self._warm_fit)

    # What ``pretrained`` gives a cold fit, while it runs (see ``_fit_cleanly``).
    _transfer: PretrainedEncoder | None = None

    def _read_pretrained(self) -> PretrainedEncoder:
        if self.embeddings is not None:
            raise ValueError(
                "embeddings and pretrained both give the network its embedding; pass one."
            )
        transfer = read_pretrained(self.pretrained, "pretrained")
        if transfer.vectorizer is not None and self.vectorizer is not None:
            raise ValueError(
                f"pretrained brings the vocabulary of {transfer.source}, so vectorizer must "
                f"be None (got {self.vectorizer!r})."
            )
        return transfer

    def _fine_tuned(self, transfer: PretrainedEncoder, texts: list[str]) -> PretrainedEncoder:
        """``transfer`` read again from its language model fine-tuned on ``texts``
        (``lm_fine_tune_epochs``)."""
        seed = self._training_seed(check_random_state(self.random_state))
        return fine_tune_language_model(
            transfer, texts, epochs=self.lm_fine_tune_epochs, seed=seed,
            device=self.device, precision=self.precision, verbose=self.verbose)

    def __sklearn_clone__(self):
        """scikit-learn's ``clone``, except that a fitted ``pretrained`` model is passed
        on as it is (cloning it would unfit it): it is only ever read."""
        if self.pretrained is None or isinstance(self.pretrained, (str, os.PathLike)):
            return super().__sklearn_clone__()
        params = self.get_params(deep=False)
        pretrained = params.pop("pretrained")
        new = type(self)(**{key: clone(value, safe=False) for key, value in params.items()},
                         pretrained=pretrained)
        for attr in ("_metadata_request", "_sklearn_output_config"):
            if attr in vars(self):
                setattr(new, attr, copy.deepcopy(getattr(self, attr)))
        return new

    # What ``pretrained=`` takes from a fitted estimator of this class (sk_rnn._transfer).
    _pretrained_kind = "encoder"
    # True during partial_fit.
    _partial_fitting = False

    def _fit_cleanly(self, fit, *args):
        try:
            return super()._fit_cleanly(fit, *args)
        finally:
            vars(self).pop("_transfer", None)

    def _partial_fit(self, targets, X, y):
        """One pass (epoch) over the chunk ``X, y``.

        The first call on an unfitted estimator learns what ``fit`` learns from the data
        before the network (vocabulary, scaling, classes or target scaling) from this
        chunk and builds the network; later calls check the chunk against it and train
        the same network on, with the optimizer's state kept between calls.
        ``targets(y, first)`` checks ``y`` and returns the encoded targets and the
        ``_fit_model`` arguments (first call) or None. With early stopping, the chunk's
        held-out sequences (see :mod:`sk_rnn._stream_stopping`) are scored, not trained.
        """
        first = not self.__sklearn_is_fitted__()
        self._partial_fitting = True
        try:
            if first:
                self._clear_fitted_state()
                sequences = self._prepare_fit(X, y)
            else:
                self._validate_params()
                self._check_trainable("partial_fit")
                _check_y_container(y)
                sequences = self._prepare_X(X, reset=False)
            encoded, model_args = targets(y, sequences, first)
            holdout = self._stream_holdout(sequences, encoded, first)
            train = np.arange(len(encoded)) if holdout is None else np.flatnonzero(~holdout[1])
            if first:
                self._fit_model(sequences.subset(train), encoded[train], **model_args)
                if isinstance(getattr(self.net_.module_, "path", None), NgramLinear):
                    # the path becomes a streamed NB-LR fit, to which later chunks add
                    self._path_stream_ = {"chunks": set(), "naive_bayes": None}
                    self._stream_path_chunk(sequences, encoded)
            else:
                self._train_one_pass(sequences, encoded, train)
            if holdout is not None:
                self._score_holdout(sequences, encoded, *holdout)
        except BaseException:
            if first:
                self._clear_fitted_state()
            raise
        finally:
            del self._partial_fitting
            vars(self).pop("_transfer", None)
        return self

    def _stream_path_chunk(self, sequences: Sequences, y: np.ndarray) -> None:
        """Add a chunk not seen before (by a digest of its sequences and labels), all its
        rows, to the n-gram path's streamed NB-LR fit; a chunk passed again, on the
        next pass over the data, adds nothing."""
        stream = self._path_stream_
        digest = _chunk_digest(sequences, y)
        if digest not in stream["chunks"]:
            stream["naive_bayes"] = self.net_.module_.path.partial_fit_naive_bayes_logistic(
                sequences.data, y, stream["naive_bayes"], C=self._ngram_C)
            stream["chunks"].add(digest)

    def _train_one_pass(self, sequences: Sequences, y: np.ndarray,
                        train: np.ndarray) -> None:
        """One more epoch of the fitted net over the ``train`` rows of ``sequences`` (a
        later ``partial_fit``); on an estimator that ``partial_fit`` started, a chunk
        not seen before is also added (all its rows) to the n-gram path's streamed
        NB-LR fit. Once early stopping has ended training, the network stays as it is."""
        net = self.net_
        if hasattr(self, "_path_stream_"):
            self._stream_path_chunk(sequences, y)
        stream = getattr(self, "_stream_", None)
        if (stream is not None and stream["stopped"]) or not len(train):
            return
        sequences, y = sequences.subset(train), y[train]
        if net.train_split is not None or net.max_epochs != 1:
            # fitted by ``fit``: go on without its hold-out and early stopping (whose
            # end of training would bring the fit's best weights back)
            net.train_split, net.max_epochs = None, 1
            # (a net rebuilt by sk_rnn.load has no callbacks: the file stores none)
            net.callbacks = [(name, callback) for name, callback in net.callbacks or []
                             if name != "early_stopping"]
            net.initialize_callbacks()
        seed = self._training_seed(check_random_state(self.random_state)) + len(net.history)
        device = net._compute_device()
        with torch.random.fork_rng(devices=[device.index or 0] if device.type == "cuda" else []):
            torch.manual_seed(seed % np.iinfo(np.int32).max)
            net.partial_fit(SequenceDataset(sequences, y), None)
        self.history_ = net.history
        self.n_iter_ = len(net.history)

    def _prepare_X(self, X, *, reset: bool) -> Sequences:
        """Validate ``X`` and turn it into scaled, truncated sequences."""
        if not isinstance(X, (list, tuple, np.ndarray, pd.DataFrame, pd.Series)) and hasattr(
            X, "__array__"
        ):
            X = np.asarray(X)
        kind = infer_input_kind(X)
        transfer = self._transfer if reset else None
        if transfer is not None and kind not in transfer.input_kinds:
            raise ValueError(
                f"X holds {KIND_DESCRIPTIONS[kind]}, but pretrained ({transfer.source}) reads "
                f"{KIND_DESCRIPTIONS[transfer.input_kinds[0]]}."
            )
        if reset:
            self.input_kind_ = kind
        elif kind != self.input_kind_:
            raise ValueError(
                f"X holds {KIND_DESCRIPTIONS[kind]}, but {type(self).__name__} was fitted on "
                f"{KIND_DESCRIPTIONS[self.input_kind_]}; pass the same kind of input."
            )
        if kind == "text":
            texts = check_texts(X)
            if transfer is not None:
                if transfer.language_model is not None and self.lm_fine_tune_epochs:
                    transfer = self._transfer = self._fine_tuned(transfer, texts)
                self.vectorizer_ = copy.deepcopy(transfer.vectorizer)
            elif reset:
                self.vectorizer_ = self._make_vectorizer().fit(texts)
            # Tokens past max_length are never looked up (a 100,000-token document costs
            # as much as its first max_length tokens, tokenisation aside).
            if type(self.vectorizer_).transform is TextVectorizer.transform:
                ids = self.vectorizer_._transform_texts(texts, self.max_length)
            else:  # a subclass with a transform of its own
                ids = self.vectorizer_.transform(texts)
            # A text without tokens becomes a single unknown token, so that it still gets
            # a prediction (the empty SMS is a real message).
            data = [seq if len(seq) else np.array([UNK_ID], np.int64) for seq in ids]
            sequences = Sequences(data, np.fromiter(map(len, data), np.int64, len(data)))
        elif kind == "tokens":
            if (transfer is not None and transfer.language_model is not None
                    and self.lm_fine_tune_epochs):
                raise ValueError(
                    f"lm_fine_tune_epochs={self.lm_fine_tune_epochs} fine-tunes the language "
                    "model on the training texts, but X holds token-id sequences: pass the "
                    "texts, or set lm_fine_tune_epochs=0."
                )
            sequences = to_token_sequences(X, vocab_size=None if reset else self.n_tokens_)
            if transfer is not None:
                self._check_pretrained_tokens(sequences, transfer)
                self.n_tokens_ = transfer.n_tokens
            elif reset:
                self.n_tokens_ = int(max(seq.max() for seq in sequences.data)) + 1
        else:
            if kind == "fixed":
                try:
                    X = validate_data(self, X, reset=reset, dtype=np.float32)
                except ValueError as error:
                    if "could not convert" not in str(error):
                        raise
                    raise ValueError(
                        f"X must be numeric (or one string per sample for text): {error}"
                    ) from None
            sequences = to_numeric_sequences(X)
            n_channels = sequences.data[0].shape[1]
            if transfer is not None and n_channels != transfer.numeric["n_channels_in_"]:
                raise ValueError(
                    f"X has {n_channels} features per time step, but pretrained "
                    f"({transfer.source}) was fitted on {transfer.numeric['n_channels_in_']}; "
                    "an encoder can only be reused on as many features."
                )
            if reset:
                self.n_channels_in_ = n_channels
                if kind == "numeric":
                    self.n_features_in_ = n_channels
            elif n_channels != self.n_channels_in_:
                raise ValueError(
                    f"X has {n_channels} features per time step, but {type(self).__name__} "
                    f"is expecting {self.n_channels_in_} features as input."
                )
        sequences = sequences.truncate(self.max_length)
        if kind in ("fixed", "numeric"):
            if transfer is not None:
                self.scaling_ = transfer.numeric["scaling_"]
            elif reset:
                self.scaling_ = self._choose_scaling(sequences)
            # Models fitted before scaling_ and patch_length_ existed scaled globally
            # (when standardize) and did not patch.
            scaling = getattr(self, "scaling_", "global" if self.standardize else None)
            if scaling == "series":
                sequences = _series_scaled(sequences)
            elif scaling == "global":
                sequences = self._scale(sequences, reset=reset)
            if transfer is not None:
                self.patch_length_ = transfer.numeric["patch_length_"]
                self.conv_frontend_ = transfer.numeric["conv_frontend_"]
            elif reset:
                typical = int(np.median(sequences.lengths))
                self.patch_length_ = (-(-typical // _PATCH_STEPS) if self.patch_length == "auto"
                                      else int(self.patch_length))
                self.conv_frontend_ = (self.patch_length_ > 1 if self.conv_frontend == "auto"
                                       else bool(self.conv_frontend))
            sequences = _patch(sequences, getattr(self, "patch_length_", 1))
        return sequences

    @staticmethod
    def _check_pretrained_tokens(sequences: Sequences, transfer: PretrainedEncoder) -> None:
        largest = int(max(seq.max() for seq in sequences.data))
        if largest >= transfer.n_tokens:
            raise ValueError(
                f"X holds token id {largest}, but the vocabulary of pretrained "
                f"({transfer.source}) has {transfer.n_tokens} ids (0 to "
                f"{transfer.n_tokens - 1}); token ids must come from its vectorizer."
            )

    def _choose_scaling(self, sequences: Sequences) -> str | None:
        """``"global"``, ``"series"`` or None, from ``standardize`` and the data."""
        if isinstance(self.standardize, str):
            if self.standardize == "series" or _scales_spread(sequences) > _SCALES_SPREAD:
                return "series"
            return "global"
        return "global" if self.standardize else None

    def _averages_checkpoints(self) -> bool:
        return self.checkpoint_averaging

    # Whether a pass's check keeps the mean of the network's weights over the pass (the
    # networks whose held-out losses the check compares) rather than the last ones.
    _stream_pass_average = True

    def _stream_holdout(self, sequences: Sequences, y: np.ndarray,
                        first: bool) -> tuple[list[str], np.ndarray] | None:
        """The digests and hold-out mask of a ``partial_fit`` chunk's sequences, or None
        without early stopping. ``early_stopping=True`` holds out; ``"auto"`` does on
        text and token ids (as ``fit`` does), not on numeric input, whose ``"auto"``
        depends on a data size that a stream never tells. It applies to estimators that
        ``partial_fit`` started; one fitted by ``fit`` trains on without a hold-out."""
        if first:
            stops = self.early_stopping is True or (
                self.early_stopping == "auto" and self.input_kind_ in ("text", "tokens"))
            if stops:
                self._stream_ = new_stream_state()
                self._stream_weights_ = dict.fromkeys(
                    ("last", "best", "before", "after", "sum", "count"))
        stream = getattr(self, "_stream_", None)
        if stream is None or stream["stopped"]:
            return None
        digests = row_digests(sequences, y)
        holdout = holdout_rows(digests, self.validation_fraction)
        if holdout.all():
            # nothing left to train on (a chunk of a few sequences): no hold-out this time
            holdout[:] = False
        return digests, holdout

    def _score_holdout(self, sequences: Sequences, y: np.ndarray, digests: list[str],
                       holdout: np.ndarray) -> None:
        """Score a chunk's held-out sequences; at the end of a pass, keep the network if
        the validation loss improved, or bring the best one back and stop training after
        ``patience`` passes without improvement."""
        if not holdout.any():
            return
        stream = self._stream_
        rows = np.flatnonzero(holdout)
        losses = self._holdout_losses(sequences.subset(rows), y[rows])
        check, loss = record_holdout(stream, [digests[i] for i in rows], losses,
                                     self.patience)
        module = self.net_.module_
        # The network's trainable weights (the linear path does not train: it keeps its
        # chunk average), summed over the calls since the last check
        kept = self._stream_weights_
        if self._stream_pass_average:
            if kept["sum"] is None:
                kept["sum"], kept["count"] = trainable_weights(module), 1
            else:
                with torch.no_grad():
                    for name, param in module.named_parameters():
                        if name in kept["sum"]:
                            kept["sum"][name].add_(param)
                kept["count"] += 1
        if check == StreamCheck.NONE:
            return
        self.net_.history.record("valid_loss", loss)
        if self._stream_pass_average:
            # the pass's validation loss comes from the networks along the pass: keep
            # their mean, not the last one
            weights = {name: value / kept["count"] for name, value in kept["sum"].items()}
            kept["sum"] = None
        else:
            weights = trainable_weights(module)
        if check == StreamCheck.IMPROVED:
            kept.update(best=weights, before=kept["last"], after=None)
        elif stream["bad_passes"] == 1:
            kept["after"] = weights
        kept["last"] = weights
        if check == StreamCheck.STOP:
            with torch.no_grad():
                for name, param in module.named_parameters():
                    if name in kept["best"]:
                        param.copy_(kept["best"][name])
            if self._averages_checkpoints():
                average_parameters(module, [w for w in (kept["before"], kept["after"])
                                            if w is not None])
            del self._stream_weights_  # stopped for good: no more checks to keep them for

    def _auto_early_stopping(self, n: int) -> bool:
        """Whether ``early_stopping="auto"`` stops early on ``n`` training sequences:
        always for text and token ids (whose defaults the text suite measured), for
        numeric input when the hold-out holds at least ``_MIN_VALIDATION_SIZE``."""
        return (self.input_kind_ not in ("fixed", "numeric")
                or round(self.validation_fraction * n) >= _MIN_VALIDATION_SIZE)

    def _random_split(self, n: int, stratify, rng: np.random.RandomState):
        if self._partial_fitting or (isinstance(self.early_stopping, str)
                                     and not self._auto_early_stopping(n)):
            return np.arange(n), None
        return super()._random_split(n, stratify, rng)

    def _max_epochs(self, n_train: int, validating: bool) -> int:
        if self._partial_fitting:
            return 1
        # the update budget of early_stopping="auto" is for numeric input without a
        # hold-out; for text, "auto" means True
        if (validating or not isinstance(self.early_stopping, str)
                or self.input_kind_ not in ("fixed", "numeric")):
            return self.max_epochs
        batches = -(-n_train // self.batch_size)
        return max(self.max_epochs, -(-_MIN_UPDATES // batches))

    def _scale(self, sequences: Sequences, *, reset: bool) -> Sequences:
        """Standardise every feature with the training mean and standard deviation."""
        if reset:
            steps = np.concatenate(sequences.data).astype(np.float64)
            self.feature_mean_ = steps.mean(axis=0).astype(np.float32)
            std = steps.std(axis=0)
            self.feature_scale_ = np.where(std > 1e-12, std, 1.0).astype(np.float32)
        mean, scale = self.feature_mean_, self.feature_scale_
        return Sequences([(seq - mean) / scale for seq in sequences.data], sequences.lengths)

    def _encoder_params(self, rng: np.random.RandomState) -> dict:
        if self._transfer is not None:
            params = {"pooling": self.pooling, **self._transfer.architecture,
                      "dropout": float(self.dropout)}
            if "embedding_dim" in params:
                self.embedding_dim_ = params["embedding_dim"]
            return params
        params = dict(
            cell_type=self.cell_type,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            pooling=self.pooling,
        )
        if self.input_kind_ in ("fixed", "numeric"):
            if self.embeddings is not None:
                raise ValueError("embeddings only apply to text or token-id input.")
            params["input_size"] = self._features_per_step() * self.patch_length_
            if self.conv_frontend_:
                params.update(conv_layers=_CONV_LAYERS, conv_channels=_CONV_CHANNELS,
                              conv_kernel_size=_CONV_KERNEL_SIZE)
            return params
        if self.input_kind_ == "text":
            tokens = list(self.vectorizer_.get_feature_names_out())
            params["vocab_size"] = self.vectorizer_.n_tokens_
        else:
            tokens = None
            params["vocab_size"] = self.n_tokens_
        params["embedding_dim"] = self.embedding_dim
        if self.embeddings is not None:
            if tokens is None and not isinstance(self.embeddings, np.ndarray):
                raise ValueError(
                    "embeddings given as words need text input (raw strings); with token-id "
                    "input pass an array of shape (n_tokens, dim)."
                )
            matrix, n_found = build_embedding_matrix(
                self.embeddings, tokens if tokens is not None else range(self.n_tokens_), rng
            )
            if tokens is None and matrix.shape[0] < self.n_tokens_:
                raise ValueError(
                    f"embeddings has {matrix.shape[0]} rows but X uses token ids up to "
                    f"{self.n_tokens_ - 1}."
                )
            params["embedding_weights"] = matrix
            params["embedding_dim"] = matrix.shape[1]
            params["freeze_embeddings"] = bool(self.freeze_embeddings)
            self.n_pretrained_tokens_ = n_found
        self.embedding_dim_ = params["embedding_dim"]
        return params

    def _features_per_step(self) -> int:
        """Features per step of numeric input after scaling, before patching (series
        scaling adds each feature's level and log scale)."""
        return self.n_channels_in_ * (3 if self.scaling_ == "series" else 1)

    # The parameters that shape the network: a warm fit cannot change them.
    _ARCHITECTURE = ("cell_type", "hidden_size", "num_layers", "bidirectional", "dropout",
                     "pooling")

    def _check_warm_architecture(self, recorded: dict) -> None:
        """Refuse a warm fit whose parameters describe another network than the fitted
        one (the change would be silently ignored)."""
        # with pretrained, the encoder's shape is the pretrained one's, not the parameters'
        for name in ("dropout",) if self.pretrained is not None else self._ARCHITECTURE:
            fitted, now = recorded.get(name), getattr(self, name)
            if fitted is not None and fitted != (type(fitted))(now):
                raise ValueError(
                    f"warm_start=True continues the fitted network, whose {name} is "
                    f"{fitted!r}, but {name} is now {now!r}. Set it back, or set "
                    "warm_start=False to train a new network."
                )

    def _check_y_length(self, y, sequences: Sequences) -> None:
        if len(y) != len(sequences):
            raise ValueError(
                f"X and y have different lengths: X has {len(sequences)} samples, y has "
                f"{len(y)}."
            )

    def _fit_model(self, sequences: Sequences, y, *, n_outputs: int, criterion, **kwargs):
        if not self._partial_fitting:
            # a fit (re)fits the linear path on all its data and has its own early
            # stopping: no chunk average or stream hold-out to continue
            for name in ("_path_stream_", "_stream_", "_stream_weights_"):
                vars(self).pop(name, None)
        if self._warm_fit:
            fitted = self.net_.module_
            self._check_warm_architecture(fitted.init_kwargs)
            build = lambda: copy.deepcopy(fitted)  # noqa: E731 - the fitted one stays as it is
        else:
            rng = check_random_state(self.random_state)
            init_rng = np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
            encoder_params = self._encoder_params(init_rng)
            build = lambda: SequenceModel(n_outputs=n_outputs, **encoder_params)  # noqa: E731
            if self._transfer is not None:
                build, fine_tuning = self._pretrained_build(build)
                kwargs.update(fine_tuning)
        self._fit_net(
            build,
            criterion,
            sequences,
            y,
            **kwargs,
        )

    def _pretrained_build(self, build):
        """The module builder of a fit from ``pretrained`` (a fresh module with the
        pretrained weights copied in) and the ``_fit_net`` arguments that fine-tune it:
        gradual unfreezing and discriminative learning rates."""
        transfer = self._transfer
        groups = layer_groups(transfer)

        def build_pretrained():
            module = build()
            load_encoder_state(module.encoder, transfer)
            return module

        fine_tuning = {}
        if self.layer_lr_decay != 1:
            fine_tuning["optimizer_params"] = {"param_groups": discriminative_param_groups(
                groups, float(self.lr), float(self.layer_lr_decay))}
        if self.gradual_unfreezing:
            fine_tuning["schedule_callbacks"] = [("unfreezing", GradualUnfreezing(groups))]
        return build_pretrained, fine_tuning

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags


def _patch(sequences: Sequences, length: int) -> Sequences:
    """Every ``(T, C)`` sequence as ``(ceil(T / length), length * C)``: consecutive
    steps side by side, the last patch padded by repeating the last step."""
    if length == 1:
        return sequences
    data = []
    for seq in sequences.data:
        n_patches = -(-len(seq) // length)
        missing = n_patches * length - len(seq)
        if missing:
            seq = np.concatenate([seq, np.repeat(seq[-1:], missing, axis=0)])
        data.append(seq.reshape(n_patches, length * seq.shape[1]))
    return Sequences(data, np.fromiter(map(len, data), np.int64, len(data)))


class _LinearPath(Callback):
    """Fits a classifier's linear path (the n-grams of :class:`~sk_rnn.nn.NgramLinear`
    on text, the summary statistics of :class:`~sk_rnn.nn.SummaryStatsLinear` on numeric
    sequences) before the first epoch, and gives it its share of the mixture once
    training is over.

    The path is fitted on all of ``fit``'s data, the early-stopping hold-out included:
    that hold-out chooses nothing for the path, whose fit is closed-form (no epochs).
    Until training ends the share is 0, so the epochs and early stopping see the encoder
    alone; the callback runs after early stopping, whose restored checkpoint holds that 0.

    Parameters
    ----------
    sequences : sequence of arrays
        Every training sequence as the module reads it (token ids, or numeric steps);
        released once the path is fitted, so that the fitted estimator does not carry
        its training data.
    classes : ndarray of int
        Class index of every sequence.
    C : float
        Inverse L2 strength of the path's logistic regressions.
    share : float
        The path's weight in the mixture of log-probabilities.
    """

    def __init__(self, sequences, classes: np.ndarray, C: float, share: float) -> None:
        self.sequences = sequences
        self.classes = classes
        self.C = C
        self.share = share

    def on_train_begin(self, net, X=None, y=None, **kwargs) -> None:
        module = net.module_
        path = getattr(module, "path", None)
        if path is not None and self.sequences is not None:
            if isinstance(path, NgramLinear):
                path.fit_naive_bayes_logistic(self.sequences, self.classes, C=self.C)
            else:
                path.fit_logistic(self.sequences, self.classes, C=self.C)
            module.path_share.fill_(0.0)
        self.sequences = self.classes = None

    def on_train_end(self, net, X=None, y=None, **kwargs) -> None:
        module = net.module_
        if getattr(module, "path", None) is not None:
            module.path_share.fill_(self.share)


# The name of the class in pickles written before the summary-statistics path.
_NgramPath = _LinearPath


def _chunk_digest(sequences: Sequences, y: np.ndarray) -> str:
    """A digest of a ``partial_fit`` chunk's sequences and encoded targets (of their
    :func:`~sk_rnn._stream_stopping.row_digests`, in order): a chunk passed again (the
    next pass over the same data) is recognised and not counted twice."""
    rows = "".join(row_digests(sequences, y)).encode()
    return hashlib.blake2b(rows, digest_size=16).hexdigest()


def _check_y_container(y) -> None:
    """Refuse a ``y`` that is not a collection of targets (a string, a dict, a scalar)."""
    if isinstance(y, (str, bytes, dict)) or not (
        hasattr(y, "__len__") or hasattr(y, "__array__")
    ):
        raise TypeError(
            f"y must be array-like of shape (n_samples,), one target per sample; got "
            f"{type(y).__name__} ({y!r:.40})."
        )


def _none_message(y) -> str | None:
    for i, value in enumerate(y):
        if value is None:
            return f"y[{i}] is None; every sample needs a target."
    return None


@register_estimator
@document_params
class RNNClassifier(ClassifierMixin, _SequenceEstimator):
    """Recurrent neural network classifier for text and numeric sequences.

    Raw strings are tokenised and indexed by a :class:`TextVectorizer`; token-id
    sequences are embedded; numeric sequences (fixed or variable length, one or more
    features per step) are standardised per feature and fed to the recurrent stack.
    Sequences are batched by length and padded to each batch's maximum; padded steps never
    enter the recurrence or the pooling.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    input_kind_ : str
        ``"text"``, ``"tokens"``, ``"fixed"`` (2-D numeric) or ``"numeric"``.
    n_features_in_ : int
        Columns of a 2-D numeric ``X`` (its time steps), or features per step of 3-D or
        ragged numeric input. Not set for text.
    n_channels_in_ : int
        Features per time step (numeric input).
    scaling_ : {"global", "series"} or None
        How numeric input is scaled (``standardize`` resolved on the training data).
    patch_length_ : int
        Steps per recurrent step (numeric input; ``patch_length`` resolved).
    conv_frontend_ : bool
        Whether the network has a convolutional front-end (numeric input;
        ``conv_frontend`` resolved).
    vectorizer_ : TextVectorizer
        The fitted tokeniser (text input).
    net_ : skorch.NeuralNet
        The trained skorch net (its ``module_``, ``history``, callbacks).
    history_ : skorch.History
        Per-epoch training and validation losses.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    RNNRegressor : The same encoder with a regression head.
    TextVectorizer : The tokeniser used for raw strings.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn import RNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 8))
    >>> y = np.where(X.sum(axis=1) > 0, "up", "down")
    >>> clf = RNNClassifier(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['down', 'up']
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _params = {
        "linear_ngrams": Param(Interval("integer", 0, None, text="a non-negative integer"), """\
            Text and token-id input: beside the recurrent network, a linear model over the
            word n-grams up to this length (NB-LR: binary n-gram features scaled by their
            naive Bayes log-count ratio, then an L2 logistic regression, one-vs-rest; the
            logistic form of NB-SVM, Wang and Manning 2012). It is fitted on all the
            training data before the first epoch and stays fixed; the network trains and
            stops early as it would alone. Predictions mix the two models' probabilities: the
            geometric mean of the two, renormalised (the share of each, 0.5, is
            ``net_.module_.ngram_share``). Words are those the vectorizer keeps, and each
            n-gram has its own weight (no hashing). :meth:`partial_fit` fits it chunk by
            chunk instead (see there). 0 turns it off."""),
        "linear_summary": Param(Boolean(), """\
            Numeric input: beside the recurrent network, a multinomial logistic
            regression (L2, ``C=10``) over each sequence's summary statistics, per feature
            as the network reads it: mean, standard deviation, minimum, maximum,
            least-squares slope, first and last value over the real steps, and the log
            length, standardised on the training data.
            It is fitted on all the training data before the first epoch and stays
            fixed; predictions mix the two models' probabilities as the n-gram path's
            are (share 0.5, ``net_.module_.summary_share``). Where the statistics carry
            no signal the regression's probabilities are nearly flat and leave the
            network's ranking as it is. On the selection protocol of
            ``benchmarks/bench_sequences.py`` it raised JapaneseVowels (12-channel
            speech frames) from 97.7 to 99.3 and the mean of five univariate sets from
            76.5 to 78.7 (``benchmarks/RESULTS.md``). ``False`` turns it off."""),
        "class_weight": Param(Check(None, 'dict, "balanced" or None'), """\
            Weights of the classes in the loss, as in scikit-learn (checked against the
            classes in ``fit``)."""),
    }

    def __init__(
        self,
        *,
        cell_type: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.3,
        embedding_dim: int = 128,
        max_epochs: int = 30,
        batch_size: int = 32,
        lr: float = 2e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        grad_clip: float | None = 5.0,
        validation_fraction: float = 0.1,
        early_stopping: bool | str = "auto",
        patience: int = 3,
        checkpoint_averaging: bool = True,
        conv_frontend: bool | str = "auto",
        warm_start: bool = False,
        pretrained: Any = None,
        gradual_unfreezing: bool = False,
        layer_lr_decay: float = 1.0,
        lm_fine_tune_epochs: int = 0,
        device: str = "auto",
        precision: str = "32",
        random_state: RandomStateLike = None,
        verbose: int = 0,
        callbacks: list | None = None,
        accelerator: Any = None,
        pooling: str = "max",
        max_length: int | None = 500,
        vectorizer: TextVectorizer | dict | None = None,
        embeddings: EmbeddingsLike = None,
        freeze_embeddings: bool = False,
        linear_ngrams: int = 2,
        linear_summary: bool = True,
        standardize: bool | str = "auto",
        patch_length: int | str = "auto",
        class_weight: dict | str | None = None,
    ) -> None:
        store_params(self, locals())

    # The n-gram path's logistic regressions (inverse L2 strength) and its weight in the
    # mixture: chosen on the text suite's selection protocol (benchmarks/RESULTS.md).
    _ngram_C = 10.0
    _ngram_share = 0.5
    # The summary-statistics path: both chosen on the selection protocol of
    # benchmarks/bench_sequences.py (C among 0.1, 1, 10, 100; share among 0.25, 0.5,
    # 0.75), where they match the n-gram path's (benchmarks/RESULTS.md).
    _summary_C = 10.0
    _summary_share = 0.5
    # One fused Adam kernel per step: the loop version's per-parameter passes over a text
    # model's embedding (18,000 x 128 on an MR fold, 30,003 x 256 from the pretrained
    # language model) took about a third of a fit (benchmarks/RESULTS.md, "Fused Adam").
    _fuse_optimizer = True

    def _encoder_params(self, rng: np.random.RandomState) -> dict:
        params = super()._encoder_params(rng)
        if self.linear_ngrams and params.get("vocab_size") is not None:
            params["ngram_order"] = self.linear_ngrams
        if self._partial_fitting:
            # the n-gram path averages chunk models; the summary statistics' scaling
            # needs all the data at once
            return params
        if self.linear_summary and self.input_kind_ in ("fixed", "numeric"):
            params["summary_features"] = self._features_per_step()
            params["summary_patch_length"] = self.patch_length_
        return params

    def fit(self, X: ArrayLike, y: ArrayLike) -> RNNClassifier:
        """Fit the classifier.

        Parameters
        ----------
        X : list of str, token-id sequences, array-like or list of arrays
            Texts, token ids (``TextVectorizer`` output), a ``(n_samples, n_timesteps)``
            or ``(n_samples, n_timesteps, n_features)`` array, a list of
            ``(n_timesteps_i, n_features)`` arrays, or sktime panel data
            (``nested_univ`` or ``pd-multiindex``). A 3-D array is read as
            ``(samples, time, features)``: sktime's ``numpy3D`` layout is
            ``(samples, features, time)`` and needs ``X.transpose(0, 2, 1)``.
        y : array-like of shape (n_samples,)
            Class labels (strings or numbers).

        Returns
        -------
        self : RNNClassifier
            The fitted estimator.
        """
        return self._fit_cleanly(self._fit_classifier, X, y)

    def _check_labels(self, y, sequences: Sequences) -> np.ndarray:
        """``y`` as a 1-D array of class labels, one per sequence."""
        y = column_or_1d(check_array(y, ensure_2d=False, dtype=None, input_name="y"), warn=True)
        message = _none_message(y)
        if message:
            raise ValueError(message)
        self._check_y_length(y, sequences)
        check_classification_targets(y)
        return y

    @staticmethod
    def _unique_labels(y, name: str = "y"):
        try:
            return np.unique(y, return_inverse=True)
        except TypeError:
            raise TypeError(
                f"{name} mixes label types (e.g. strings and numbers); use one type."
            ) from None

    def _fit_classifier(self, X, y) -> RNNClassifier:
        sequences = self._prepare_fit(X, y)
        y = self._check_labels(y, sequences)
        classes, y_encoded = self._unique_labels(y)
        if self._warm_fit and not np.array_equal(classes, self.classes_):
            raise ValueError(
                "warm_start=True continues a fit, so y must hold the same classes as the "
                f"previous fit: it had {self.classes_.tolist()}, y has {classes.tolist()}. "
                "Set warm_start=False to train a new model on these classes."
            )
        self._set_classes(classes, "y")
        self._fit_model(sequences, y_encoded.astype(np.int64),
                        **self._model_args(y, y_encoded, sequences))
        return self

    def _set_classes(self, classes: np.ndarray, name: str) -> None:
        self.classes_ = classes
        if len(self.classes_) < 2:
            raise ValueError(
                f"{name} has one class only ({self.classes_.tolist()[0]!r}); a classifier "
                "needs at least two classes."
            )

    def _model_args(self, y, y_encoded: np.ndarray, sequences: Sequences | None) -> dict:
        """``_fit_model``'s arguments after the data: the outputs, the loss (with class
        weights computed on ``y``) and the n-gram path (fitted on ``sequences``)."""
        criterion_params = {}
        if self.class_weight is not None:
            weights = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            criterion_params["weight"] = torch.as_tensor(weights, dtype=torch.float32)
        return dict(
            n_outputs=len(self.classes_),
            criterion=torch.nn.CrossEntropyLoss,
            stratify=y_encoded,
            criterion_params=criterion_params,
            end_callbacks=[("linear_path", _LinearPath(
                None if sequences is None else sequences.data, y_encoded,
                *((self._ngram_C, self._ngram_share) if self.input_kind_ in ("text", "tokens")
                  else (self._summary_C, self._summary_share)),
            ))],
        )

    def _fit_soft_targets(self, X, proba: np.ndarray, classes: np.ndarray, y=None, *,
                          temperature: float, alpha: float) -> RNNClassifier:
        """Fit on a teacher's class probabilities (knowledge distillation).

        Used by :func:`sk_rnn.compression.distill`. The loss is
        :class:`~sk_rnn.nn.DistillationLoss` on ``proba`` at ``temperature``, mixed
        (weight ``1 - alpha``) with the cross-entropy on ``y`` where labels are given;
        without ``y`` the teacher's most probable class stands in for the label wherever
        one is needed (stratified hold-out, class weights, the n-gram path).
        """
        return self._fit_cleanly(self._fit_on_soft_targets, X, proba, classes, y,
                                 temperature, alpha)

    def _fit_on_soft_targets(self, X, proba, classes, y, temperature, alpha):
        sequences = self._prepare_fit(X, proba)
        self._check_y_length(proba, sequences)
        self._set_classes(np.asarray(classes), "the teacher's classes_")
        if y is None:
            hard, alpha = np.asarray(proba).argmax(axis=1), 1.0
        else:
            y = self._check_labels(y, sequences)
            hard = np.searchsorted(self.classes_, y)
            known = (hard < len(self.classes_)) & (
                self.classes_[np.minimum(hard, len(self.classes_) - 1)] == y)
            if not known.all():
                raise ValueError(
                    f"y holds labels the teacher does not know: "
                    f"{sorted(set(np.asarray(y)[~known].tolist()))[:5]}; its classes are "
                    f"{self.classes_.tolist()}."
                )
        target = np.column_stack([soften(proba, temperature), hard]).astype(np.float32)
        args = self._model_args(self.classes_[hard], hard, sequences)
        args["criterion"] = DistillationLoss
        args["criterion_params"] = {**args["criterion_params"],
                                    "temperature": float(temperature), "alpha": float(alpha)}
        self._fit_model(sequences, target, **args)
        return self

    def partial_fit(self, X: ArrayLike, y: ArrayLike,
                    classes: ArrayLike | None = None) -> RNNClassifier:
        """Train one pass (epoch) over a chunk of the data.

        For data that does not fit in memory at once, or that arrives over time: call
        it once per chunk, and go over all the chunks as many times as ``fit`` would
        train epochs. The first call on an unfitted estimator needs ``classes`` (all of
        them: a chunk may lack some) and learns the vocabulary, or the numeric scaling,
        from its chunk (pass ``pretrained`` for a vocabulary from a larger corpus); later
        calls keep them, continue the same network and optimizer, and accept only those
        classes and that kind of input. With ``vectorizer=None`` the vocabulary gets
        16,384 out-of-vocabulary buckets (``TextVectorizer(oov_buckets=...)``): words
        the first chunk lacked are hashed to ids of their own (up to collisions)
        rather than all to ``"<unk>"``; pass a ``vectorizer`` to choose otherwise.

        Early stopping (``early_stopping``: on for text by default) works on the
        stream: a sequence is held out (scored, never trained on) when a digest of it
        and its label falls in ``validation_fraction`` of the digest space, so the
        same sequences are held out on every pass in whatever chunks they come. Once a
        pass is over (as many held-out sequences scored as are known, with none new),
        their mean loss is compared with the best; after ``patience`` passes without
        improvement the best pass's network comes back (the mean of its weights along
        that pass, whose networks the held-out losses measured, averaged with the passes
        before and after it with ``checkpoint_averaging``) and later calls train nothing
        more (``n_iter_`` stops growing; the validation losses are in ``history_``). Set
        ``early_stopping=False`` to train on every call, e.g. on a stream whose
        distribution drifts.

        On text, the n-gram path (``linear_ngrams``) is fitted chunk by chunk: each
        call with a chunk not seen before (other sequences or labels) adds the chunk's
        n-gram counts to the naive Bayes counts of all the chunks so far, fits the
        chunk's logistic regression on features scaled by the ratios of those counts,
        and makes each n-gram's weight the mean of its weights in the chunks that
        contain it; a chunk passed again, on the next pass over the data, changes
        nothing. ``fit``'s path is one model fitted on all the data at once; the
        streamed one comes close to it in accuracy, not in weights (the path alone on
        three MR development splits in 10 chunks: 78.8 for both). Numeric input has no
        summary-statistics path (``linear_summary``), whose scaling needs all the data
        at once. On an estimator fitted by ``fit``, training continues from its network
        (and keeps its path as it is) without a hold-out.

        Parameters
        ----------
        X : same kind of input as in :meth:`fit`
            One chunk.
        y : array-like of shape (n_samples,)
            Its class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class that ``y`` may hold over all the calls. Required on the first
            call; later calls may omit it, or must pass the same classes.

        Returns
        -------
        self : RNNClassifier
        """
        return self._partial_fit(self._partial_targets(classes), X, y)

    def _partial_targets(self, classes):
        def targets(y, sequences: Sequences, first: bool):
            if first and classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit: a chunk may "
                    "lack some classes, so they cannot be learnt from it."
                )
            if classes is not None:
                wanted, _ = self._unique_labels(column_or_1d(np.asarray(classes)), "classes")
                if first:
                    self._set_classes(wanted, "classes")
                elif not np.array_equal(wanted, self.classes_):
                    raise ValueError(
                        f"classes={wanted.tolist()} differs from the classes of the first "
                        f"call to partial_fit, {self.classes_.tolist()}."
                    )
            if first and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' needs the class frequencies of all the data, "
                    "which partial_fit never sees at once: pass a dict of weights."
                )
            y = self._check_labels(y, sequences)
            labels, _ = self._unique_labels(y)
            unknown = labels[~np.isin(labels, self.classes_)]
            if len(unknown):
                raise ValueError(
                    f"y holds {unknown.tolist()}, which is not among the classes fixed by "
                    f"the first call to partial_fit: {self.classes_.tolist()}."
                )
            encoded = np.searchsorted(self.classes_, y).astype(np.int64)
            if not first:
                return encoded, None
            text = self.input_kind_ in ("text", "tokens")
            args = self._model_args(None if self.class_weight is None else y, encoded,
                                    sequences if text else None)
            return encoded, args
        return targets

    def _holdout_losses(self, sequences: Sequences, y: np.ndarray) -> np.ndarray:
        """Cross-entropy of the network alone (the linear path's share set to 0, as in
        ``fit``'s early stopping) on each of ``sequences``."""
        module = self.net_.module_
        share = None if module.path is None else module.path_share
        saved = None if share is None else share.clone()
        try:
            if share is not None:
                share.fill_(0.0)
            logits = torch.from_numpy(self._forward(sequences)).double()
        finally:
            if share is not None:
                share.copy_(saved)
        log_proba = torch.log_softmax(logits, dim=1).numpy()
        return -log_proba[np.arange(len(y)), y]

    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : same kind of input as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        check_is_fitted(self)
        logits = self._forward(self._prepare_X(X, reset=False))
        return torch.softmax(torch.from_numpy(logits).double(), dim=1).numpy()

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted class labels.

        Parameters
        ----------
        X : same kind of input as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        logits = self._forward(self._prepare_X(X, reset=False))
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags


@register_estimator
@document_params
class RNNRegressor(RegressorMixin, _SequenceEstimator):
    """Recurrent neural network regressor for text and numeric sequences.

    The same encoder as :class:`RNNClassifier` with a linear head for one or more
    targets. Targets are standardised for training and mapped back at predict time.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    n_outputs_ : int
        Number of targets.
    input_kind_ : str
        ``"text"``, ``"tokens"``, ``"fixed"`` or ``"numeric"``.
    n_features_in_ : int
        See :class:`RNNClassifier`.
    scaling_, patch_length_, conv_frontend_
        See :class:`RNNClassifier` (numeric input).
    net_ : skorch.NeuralNet
        The trained skorch net.
    history_ : skorch.History
        Per-epoch losses.
    n_iter_ : int
        Epochs trained.

    See Also
    --------
    RNNClassifier : The same encoder with a classification head.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn import RNNRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(80, 6))
    >>> y = X.sum(axis=1)
    >>> reg = RNNRegressor(hidden_size=8, max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        *,
        cell_type: str = "lstm",
        hidden_size: int = 64,
        num_layers: int = 1,
        bidirectional: bool = True,
        dropout: float = 0.0,
        embedding_dim: int = 128,
        max_epochs: int = 50,
        batch_size: int = 32,
        lr: float = 2e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        grad_clip: float | None = 5.0,
        validation_fraction: float = 0.1,
        early_stopping: bool | str = "auto",
        patience: int = 5,
        checkpoint_averaging: bool = True,
        conv_frontend: bool | str = "auto",
        warm_start: bool = False,
        pretrained: Any = None,
        gradual_unfreezing: bool = False,
        layer_lr_decay: float = 1.0,
        lm_fine_tune_epochs: int = 0,
        device: str = "auto",
        precision: str = "32",
        random_state: RandomStateLike = None,
        verbose: int = 0,
        callbacks: list | None = None,
        accelerator: Any = None,
        pooling: str = "last",
        max_length: int | None = 500,
        vectorizer: TextVectorizer | dict | None = None,
        embeddings: EmbeddingsLike = None,
        freeze_embeddings: bool = False,
        standardize: bool | str = "auto",
        patch_length: int | str = "auto",
    ) -> None:
        store_params(self, locals())

    def fit(self, X: ArrayLike, y: ArrayLike) -> RNNRegressor:
        """Fit the regressor.

        Parameters
        ----------
        X : list of str, token-id sequences, array-like or list of arrays
            As for :meth:`RNNClassifier.fit`.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Numeric targets.

        Returns
        -------
        self : RNNRegressor
            The fitted estimator.
        """
        return self._fit_cleanly(self._fit_regressor, X, y)

    def _fit_regressor(self, X, y) -> RNNRegressor:
        sequences = self._prepare_fit(X, y)
        y_scaled = self._scaled_targets(y, sequences, learn=not self._warm_fit,
                                        context="warm_start=True continues a fit")
        self._fit_model(sequences, y_scaled, n_outputs=self.n_outputs_,
                        criterion=torch.nn.MSELoss)
        return self

    def _scaled_targets(self, y, sequences: Sequences, *, learn: bool,
                        context: str) -> np.ndarray:
        """``y`` checked and standardised, as ``(n_samples, n_targets)`` float32; with
        ``learn``, the number of targets and their scaling are learnt from it first."""
        try:
            y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        except ValueError as error:
            if "could not convert" not in str(error):
                raise
            raise ValueError(f"y must be numeric for {type(self).__name__}: {error}") from None
        if y.ndim > 2:
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
        self._check_y_length(y, sequences)
        y2 = y.reshape(len(y), -1)
        if learn:
            self.n_outputs_ = y2.shape[1]
            self.target_mean_ = y2.mean(axis=0)
            std = y2.std(axis=0)
            self.target_scale_ = np.where(std > 1e-12, std, 1.0)
            self._y_1d = y.ndim == 1
        elif y2.shape[1] != self.n_outputs_:
            raise ValueError(
                f"{context}, so y must have as many targets as before: {self.n_outputs_}, "
                f"got {y2.shape[1]}."
            )
        return ((y2 - self.target_mean_) / self.target_scale_).astype(np.float32)

    def partial_fit(self, X: ArrayLike, y: ArrayLike) -> RNNRegressor:
        """Train one pass (epoch) over a chunk of the data.

        For data that does not fit in memory at once, or that arrives over time: call
        it once per chunk, and go over all the chunks as many times as ``fit`` would
        train epochs. The first call on an unfitted estimator learns the vocabulary
        (with out-of-vocabulary buckets, as :meth:`RNNClassifier.partial_fit`'s) or
        the numeric scaling, and the targets' mean and standard deviation, from its
        chunk (make it representative); later calls keep them, continue the same
        network and optimizer, and accept only as many targets and that kind of input.
        With ``early_stopping=True`` (or ``"auto"`` on text), a digest-chosen hold-out
        stops training as in :meth:`RNNClassifier.partial_fit`; ``"auto"`` holds
        nothing out of numeric streams. On an estimator fitted by ``fit``, training
        continues from its network without a hold-out.

        Parameters
        ----------
        X : same kind of input as in :meth:`fit`
            One chunk.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets.

        Returns
        -------
        self : RNNRegressor
        """
        def targets(y, sequences: Sequences, first: bool):
            scaled = self._scaled_targets(
                y, sequences, learn=first,
                context="partial_fit continues the first call's fit")
            if not first:
                return scaled, None
            return scaled, {"n_outputs": self.n_outputs_, "criterion": torch.nn.MSELoss}
        return self._partial_fit(targets, X, y)

    def _holdout_losses(self, sequences: Sequences, y: np.ndarray) -> np.ndarray:
        """Mean squared error (on the scaled targets, as in training) of each of
        ``sequences``."""
        out = self._forward(sequences).astype(np.float64)
        return ((out - np.asarray(y, dtype=np.float64).reshape(out.shape)) ** 2).mean(axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Predicted targets.

        Parameters
        ----------
        X : same kind of input as in :meth:`fit`

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        out = self._forward(self._prepare_X(X, reset=False)).astype(np.float64)
        out = out * self.target_scale_ + self.target_mean_
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
