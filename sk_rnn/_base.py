"""The shared estimator base: the shared parameters, device, seeding, training and
inference.

Every recurrent estimator stores its hyper-parameters as named ``__init__`` arguments
(:func:`store_params`), declares them in a ``_params`` specification
(:mod:`sk_rnn._params`; the shared ones are :attr:`RNNTrainingMixin._params`) and builds its
skorch net (:mod:`sk_rnn._net`) inside ``fit``: composition, not inheritance from skorch,
since a skorch subclass sets attributes in ``__init__`` and fails scikit-learn's checks.
How the net trains (in this process, or through an ``accelerate.Accelerator``) is the
business of one hook, :func:`sk_rnn._accelerate.training_backend`.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from skorch.callbacks import Callback
from skorch.helper import predefined_split

from ._accelerate import check_accelerator_type, training_backend
from ._net import (
    _FUSED_OPTIMIZERS,
    OPTIMIZERS,
    PRECISIONS,
    BoundedEarlyStopping,
    IteratorProgressBar,
    LocalTraining,
    optimizer_class,
    silent,
)
from ._params import Boolean, Check, Interval, Options, Param, validate_params
from ._registry import is_quantized
from ._sequences import SequenceDataset, SequenceLoader, Sequences, length_batches, pad_collate
from .nn import CELLS

__all__ = ["BaseRNNEstimator", "RNNTrainingMixin", "parse_device", "store_params"]


def parse_device(name: str, device) -> torch.device:
    """The torch device that a ``device`` parameter names, without checking that it is
    available; ``ValueError`` naming ``name`` unless it is ``"auto"`` (CUDA when
    available), ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (or such a ``torch.device``)."""
    if isinstance(device, torch.device):
        device = str(device)
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, str):
        raise ValueError(f"{name} must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}.")
    try:
        resolved = torch.device(device)
    except RuntimeError:
        raise ValueError(
            f"{name} must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
        ) from None
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"{name} must be 'auto', 'cpu' or a CUDA device, got {device!r}.")
    return resolved


def _check_callbacks(name: str, callbacks) -> None:
    if callbacks is not None and (
        not isinstance(callbacks, (list, tuple))
        or not all(
            isinstance(cb, Callback)
            or (isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[1], Callback))
            for cb in callbacks
        )
    ):
        raise ValueError(
            f"{name} must be None or a list of skorch callbacks (or (name, callback) "
            f"pairs), got {callbacks!r}."
        )


def _check_random_state(name: str, value) -> None:
    try:
        check_random_state(value)
    except ValueError:
        raise ValueError(
            f"{name} must be None, an int or a numpy RandomState, got {value!r}."
        ) from None


def store_params(estimator: BaseEstimator, params: dict) -> None:
    """Store ``__init__`` arguments unchanged (``params`` is the ``locals()`` of
    ``__init__``), as scikit-learn requires."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


_POSITIVE_INT = Interval("integer", 1, None)


class RNNTrainingMixin:
    """The shared parameters, their validation, device, seeding, training and inference.

    A mixin without a parameter protocol of its own, so that it serves scikit-learn
    estimators (:class:`BaseRNNEstimator`) and sktime forecasters alike. Subclasses list
    every parameter in their own ``__init__``, specify their own in ``_params`` (the
    shared specifications below apply to the rest), train with :meth:`_fit_net` or
    :meth:`_train_net` and predict with :meth:`_forward` or :meth:`_inference_module`.
    """

    _params = {
        "cell_type": Param(Options(CELLS), """\
            Recurrent cell: :class:`torch.nn.RNN`, :class:`~torch.nn.LSTM` or
            :class:`~torch.nn.GRU`."""),
        "hidden_size": Param(_POSITIVE_INT, "Hidden units per direction and layer."),
        "num_layers": Param(_POSITIVE_INT, "Stacked recurrent layers."),
        "bidirectional": Param(Boolean(), "Read each sequence in both directions."),
        "dropout": Param(Interval("real", 0, 1, high_open=True), """\
            Dropout on the embedded input, between recurrent layers and before the output
            layer."""),
        "embedding_dim": Param(_POSITIVE_INT, "Token embedding size."),
        "max_epochs": Param(_POSITIVE_INT, """\
            Maximum passes over the training data (early stopping may end sooner)."""),
        "batch_size": Param(_POSITIVE_INT, "Sequences per training batch."),
        "lr": Param(Interval("real", 0, None, low_open=True), "Learning rate."),
        "optimizer": Param(
            Check(lambda name, value: optimizer_class(value),
                  "{" + ", ".join(f'"{name}"' for name in OPTIMIZERS)
                  + "} or torch.optim.Optimizer subclass"),
            "The torch optimizer."),
        "weight_decay": Param(Interval("real", 0, None), "L2 penalty passed to the optimizer."),
        "grad_clip": Param(Interval("real", 0, None, low_open=True, none=True), """\
            Clip the gradient norm to this value; ``None`` disables clipping."""),
        "validation_fraction": Param(Interval("real", 0, 1, high_open=True), """\
            Share of the training data held out for early stopping (as in scikit-learn's
            ``MLPClassifier``, any value in [0, 1); 0 holds out nothing and needs
            ``early_stopping=False``)."""),
        "early_stopping": Param(Boolean(), """\
            Stop when the validation loss has not improved for ``patience`` epochs and
            restore the best weights. ``False`` trains ``max_epochs`` on all the data."""),
        "patience": Param(_POSITIVE_INT, "Epochs without improvement before stopping."),
        "device": Param(Check(parse_device, '{"auto", "cpu", "cuda", "cuda:N"}'), """\
            Where to train and predict; ``"auto"`` picks CUDA when it is available. With an
            ``accelerator``, the accelerator's device is used (leave ``"auto"``)."""),
        "precision": Param(Options(PRECISIONS), """\
            Mixed precision: ``"bf16"`` (CUDA, or CPU autocast) or ``"16"`` (CUDA only,
            with gradient scaling). With an ``accelerator``, leave ``"32"`` and set the
            accelerator's ``mixed_precision`` instead."""),
        "random_state": Param(Check(_check_random_state,
                                    "int, RandomState instance or None"), """\
            Seeds weight initialisation, batch order, dropout and the validation split: the
            same value gives the same model on the same device. The global torch random
            state is left untouched."""),
        "verbose": Param(Interval("integer", 0, None, bools=True), """\
            0 is silent; 1 prints an epoch table and shows a progress bar per epoch."""),
        "callbacks": Param(Check(_check_callbacks, "list of skorch callbacks or None"), """\
            Extra skorch callbacks (copied, never modified), e.g.
            ``skorch.callbacks.Checkpoint``."""),
        "accelerator": Param(Check(check_accelerator_type, "accelerate.Accelerator or None"),
                             """\
            Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``): data
            parallelism over the processes of ``accelerate launch`` (multi-GPU), the
            accelerator's mixed precision and gradient accumulation. Gradient clipping
            (``grad_clip``) goes through the accelerator; ``precision`` must stay ``"32"``;
            with more than one process ``random_state`` must be an int. The fitted model no
            longer refers to the accelerator, and pickling or :func:`sk_rnn.save` stores
            ``accelerator=None``. ``None`` trains in this process on ``device``."""),
    }

    #: Use the fused Adam/AdamW kernel. Opt-in per estimator: it changes the trained
    #: weights in the last bits, so results recorded with the loop version would move.
    _fuse_optimizer = False

    def __getstate__(self):
        """Pickle state without the ``accelerator``: an ``Accelerator`` belongs to the
        process that launched the training (its device, its process group), so a pickled
        or saved estimator comes back with ``accelerator=None``; ``set_params`` gives it
        one again to train with. The fitted model does not need it."""
        parent = getattr(super(), "__getstate__", None)  # object has none before 3.11
        state = parent() if parent is not None else self.__dict__
        if state.get("accelerator") is not None:
            state = {**state, "accelerator": None}
        return state

    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` has run to the end (it sets ``net_`` last but for attributes
        derived from it); scikit-learn's :func:`~sklearn.utils.validation.check_is_fitted`
        and every sk_rnn function that needs a fitted estimator ask this."""
        return "net_" in vars(self)

    def _clear_fitted_state(self) -> None:
        """Forget everything a previous ``fit`` learnt, so that a ``fit`` that fails
        leaves an unfitted estimator (``NotFittedError``), never a half-replaced one."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    # True while a fit continues from the fitted weights (see ``warm_start``).
    _warm_fit = False

    def _fit_cleanly(self, fit, *args):
        """Run ``fit(*args)``. A cold fit clears the estimator first and, if it fails,
        clears it again, so that the estimator is plainly unfitted rather than
        half-replaced. A warm one (``warm_start`` on a fitted estimator, where the
        estimator has that parameter) runs with ``_warm_fit`` set, keeps what the
        previous fit learnt and, if it fails, gets the previous fit back."""
        if not (getattr(self, "warm_start", False) and self.__sklearn_is_fitted__()):
            self._clear_fitted_state()
            try:
                return fit(*args)
            except BaseException:
                self._clear_fitted_state()
                raise
        self._check_trainable("warm_start=True")
        previous = {k: v for k, v in vars(self).items()
                    if k.endswith("_") and not k.startswith("__")}
        self._warm_fit = True
        try:
            return fit(*args)
        except BaseException:
            self._clear_fitted_state()
            vars(self).update(previous)
            raise
        finally:
            del self._warm_fit

    def _check_trainable(self, how: str) -> None:
        """Refuse to continue training a quantized network (int8 weights, no gradients)."""
        if is_quantized(self.net_.module_):
            raise ValueError(
                f"{how} continues training the fitted network, but this "
                f"{type(self).__name__} holds int8 layers (sk_rnn.compression.quantize), "
                "which cannot be trained: continue training the float estimator it was "
                "quantized from, then quantize it again."
            )

    # -- parameters -------------------------------------------------------------------
    def _validate_params(self) -> None:
        """Check every parameter against its specification, then how they combine with
        the way of training. Subclasses add checks that involve several parameters."""
        validate_params(self)
        if self.validation_fraction == 0 and getattr(self, "early_stopping", False) is True:
            raise ValueError(
                "validation_fraction=0.0 holds out nothing, but early_stopping=True "
                "watches a held-out part of the data: set validation_fraction in (0, 1), "
                "or early_stopping=False to train on all of it."
            )
        training_backend(self.accelerator).check(self)

    def _requested_device(self) -> torch.device:
        """The device ``device`` names, checked to be usable on this machine."""
        resolved = parse_device("device", self.device)
        if resolved.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(
                    f"device={self.device!r} but CUDA is not available on this machine."
                )
            index = resolved.index or 0
            if index >= torch.cuda.device_count():
                raise ValueError(
                    f"device={self.device!r} but only {torch.cuda.device_count()} CUDA "
                    "device(s) are visible."
                )
        return resolved

    def _amp_dtype(self, device: torch.device):
        dtype = PRECISIONS[self.precision]
        if dtype is torch.float16 and device.type != "cuda":
            raise ValueError(
                "precision='16' needs a CUDA device (float16 autocast with gradient "
                f"scaling); the estimator runs on {device}. Use '32' or 'bf16'."
            )
        return dtype

    # -- training ---------------------------------------------------------------------
    def _validation_size(self, n: int, *, enough: Callable[[int, int], bool] | None = None,
                         too_few: str, without: str = "early stopping",
                         stacklevel: int = 4) -> int | None:
        """How many of ``n`` training units (samples, windows, tokens) to hold out for
        validation: ``validation_fraction`` of them, or None, with a warning, when the
        split cannot be made.

        Parameters
        ----------
        n : int
            Units available.
        enough : callable or None, default=None
            ``enough(n_valid, n_train)``: whether both parts are usable; None asks for at
            least one validation and two training units.
        too_few : str
            Why the split fails, for the warning (``"too few samples (12) for ..."``).
        without : str, default="early stopping"
            What training goes without, for the warning.
        stacklevel : int, default=4
            Of the warning.
        """
        if self.validation_fraction == 0:  # nothing to hold out, by request
            return None
        n_valid = int(round(self.validation_fraction * n))
        usable = enough(n_valid, n - n_valid) if enough is not None else (
            n_valid >= 1 and n - n_valid >= 2)
        if usable:
            return n_valid
        warnings.warn(f"{type(self).__name__}: {too_few}; training without {without}.",
                      UserWarning, stacklevel=stacklevel)
        return None

    def _random_split(self, n: int, stratify, rng: np.random.RandomState):
        """Train and validation indices of a random (stratified where possible) hold-out;
        validation None without early stopping or when it cannot be made."""
        indices = np.arange(n)
        if not self.early_stopping:
            return indices, None
        n_valid = self._validation_size(
            n, too_few=f"too few samples ({n}) for a validation split of "
                       f"{self.validation_fraction}", stacklevel=4)
        if n_valid is None:
            return indices, None
        if stratify is not None:
            _, counts = np.unique(stratify, return_counts=True)
            if counts.min() < 2 or n_valid < len(counts) or n - n_valid < len(counts):
                stratify = None
        train, valid = train_test_split(
            indices, test_size=n_valid, random_state=rng, stratify=stratify
        )
        return np.sort(train), np.sort(valid)

    def _make_callbacks(self, backend: LocalTraining) -> list:
        """The progress bar (when ``verbose`` and the backend shows one) and copies of
        the user's ``callbacks``."""
        show_bar = self.verbose and backend.show_progress
        callbacks = [("progress_bar", IteratorProgressBar())] if show_bar else []
        if self.callbacks:
            callbacks.extend(copy.deepcopy(list(self.callbacks)))
        return callbacks

    def _fit_net(
        self,
        build_module: Callable[[], torch.nn.Module],
        criterion: type[torch.nn.Module],
        sequences: Sequences,
        y: np.ndarray,
        *,
        stratify=None,
        criterion_params: dict | None = None,
        split: Callable | None = None,
        dataset: Callable = SequenceDataset,
        collate_fn: Callable = pad_collate,
        monitor: str = "valid_loss",
        lower_is_better: bool = True,
        best_possible: float | None = None,
        monitor_callbacks: list | None = None,
        schedule_callbacks: list | None = None,
        end_callbacks: list | None = None,
        optimizer_params: dict | None = None,
    ) -> None:
        """Train a module on ``sequences`` and ``y``; sets ``net_``, ``history_`` and
        ``n_iter_``.

        Parameters
        ----------
        build_module : callable
            Returns a fresh module; called under the estimator's seed.
        criterion : torch loss class
        sequences : Sequences
        y : ndarray
            Targets in the dtype the criterion wants.
        stratify : array-like or None
            Labels for a stratified validation split.
        criterion_params : dict or None
            Keyword arguments of the criterion.
        split : callable or None
            ``split(n, rng)`` returns the training and validation indices (validation
            ``None`` for none); ``None`` uses a random (stratified) hold-out.
        dataset : callable, default=SequenceDataset
            ``dataset(sequences.subset(indices), y[indices])`` builds a torch dataset with
            a ``lengths`` attribute (for the length-bucketing loader).
        collate_fn : callable, default=pad_collate
            Turns a list of dataset items into a batch (module-level, so nets pickle).
        monitor : str, default="valid_loss"
            History key early stopping watches.
        lower_is_better : bool, default=True
            Direction of ``monitor``.
        best_possible : float or None, default=None
            A value of ``monitor`` that cannot be beaten (a BLEU of 100): training stops
            as soon as it is reached, since no later epoch could replace that one.
        monitor_callbacks : list of (name, Callback) or None
            Callbacks that record ``monitor`` when it is not a skorch built-in; they run
            before early stopping.
        schedule_callbacks : list of (name, Callback) or None
            Callbacks used with or without a validation set that run before early
            stopping (a learning-rate schedule, gradual unfreezing).
        end_callbacks : list of (name, Callback) or None
            Callbacks used with or without a validation set that run after early
            stopping, so that their ``on_train_end`` sees the restored best weights.
        optimizer_params : dict or None
            Further ``optimizer__*`` parameters of the skorch net (``param_groups``).
        """
        rng = check_random_state(self.random_state)
        seed = self._training_seed(rng)
        if split is None:
            train_idx, valid_idx = self._random_split(len(sequences), stratify, rng)
        else:
            train_idx, valid_idx = split(len(sequences), rng)
        train_ds = dataset(sequences.subset(train_idx), y[train_idx])
        valid_ds = None
        if valid_idx is not None:
            valid_ds = dataset(sequences.subset(valid_idx), y[valid_idx])
        self._train_net(
            build_module, criterion, train_ds, valid_ds, seed,
            iterator=SequenceLoader, iterator_params={"collate_fn": collate_fn},
            criterion_params=criterion_params, monitor=monitor,
            lower_is_better=lower_is_better, best_possible=best_possible,
            monitor_callbacks=monitor_callbacks, schedule_callbacks=schedule_callbacks,
            end_callbacks=end_callbacks, optimizer_params=optimizer_params,
        )

    def _max_epochs(self, n_train: int, validating: bool) -> int:
        """Epochs of a fit on ``n_train`` training units, with or without a validation
        set: ``max_epochs`` (an estimator may choose more on small data)."""
        return self.max_epochs

    def _averages_checkpoints(self) -> bool:
        """Whether early stopping restores the best epoch's weights averaged with its
        neighbours' (see :class:`~sk_rnn._net.BoundedEarlyStopping`)."""
        return False

    @staticmethod
    def _training_seed(rng: np.random.RandomState) -> int:
        """The seed of weights, batch order and dropout, drawn from ``random_state``."""
        return int(rng.randint(np.iinfo(np.int32).max))

    def _train_net(
        self,
        build_module: Callable[[], torch.nn.Module],
        criterion: type[torch.nn.Module],
        train_ds,
        valid_ds,
        seed: int,
        *,
        iterator: type,
        iterator_params: dict | None = None,
        criterion_params: dict | None = None,
        monitor: str = "valid_loss",
        lower_is_better: bool = True,
        best_possible: float | None = None,
        monitor_callbacks: list | None = None,
        schedule_callbacks: list | None = None,
        end_callbacks: list | None = None,
        optimizer_params: dict | None = None,
    ) -> None:
        """Train a fresh module through skorch; sets ``net_``, ``history_``, ``n_iter_``
        and ``device_``.

        Parameters
        ----------
        build_module, criterion, criterion_params, monitor, lower_is_better, \
best_possible, monitor_callbacks
            As for :meth:`_fit_net`.
        train_ds, valid_ds : torch datasets
            Training and validation data (``valid_ds`` None: no early stopping).
        seed : int
            Seeds the initial weights, the iterator and dropout.
        iterator : type
            skorch iterator for both datasets; takes ``batch_size``, ``shuffle`` and
            ``seed``, plus ``iterator_params``.
        iterator_params : dict or None
            Further keyword arguments of both iterators.
        schedule_callbacks : list of (name, Callback) or None
            Callbacks used with or without a validation set (a learning-rate schedule
            by batch, say); they run after the monitor callbacks.
        end_callbacks : list of (name, Callback) or None
            As for :meth:`_fit_net`: the last callbacks, after early stopping.
        optimizer_params : dict or None
            As for :meth:`_fit_net`.
        """
        backend = training_backend(self.accelerator)
        device = backend.device(self._requested_device, self.device)
        amp_dtype = self._amp_dtype(device)
        net_params = backend.net_params(device, self.verbose)
        train_split = None
        callbacks = self._make_callbacks(backend)
        if valid_ds is not None:
            train_split = predefined_split(valid_ds)
            callbacks.extend(monitor_callbacks or [])
        callbacks.extend(schedule_callbacks or [])
        if valid_ds is not None:
            callbacks.append(
                ("early_stopping", BoundedEarlyStopping(
                    monitor=monitor, lower_is_better=lower_is_better,
                    best_possible=best_possible, patience=self.patience, load_best=True,
                    average_neighbours=self._averages_checkpoints(),
                    sink=backend.sink if self.verbose else silent,
                ))
            )
        callbacks.extend(end_callbacks or [])
        extra = {f"criterion__{k}": v for k, v in (criterion_params or {}).items()}
        extra.update({f"optimizer__{k}": v for k, v in (optimizer_params or {}).items()})
        for key, value in (iterator_params or {}).items():
            extra[f"iterator_train__{key}"] = value
            extra[f"iterator_valid__{key}"] = value
        if self._fuse_optimizer and optimizer_class(self.optimizer) in _FUSED_OPTIMIZERS:
            # One fused kernel per step instead of a loop over the parameters: on CPU
            # about 5x faster for Adam, which matters once embeddings are large.
            extra["optimizer__fused"] = True
        if device.type == "cuda":
            extra["iterator_train__pin_memory"] = True
            extra["iterator_valid__pin_memory"] = True
        cuda_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(seed)
            module = build_module()
            backend.seed_process(seed)
            net = backend.net_class(
                module=module,
                criterion=criterion,
                optimizer=optimizer_class(self.optimizer),
                optimizer__weight_decay=self.weight_decay,
                lr=self.lr,
                max_epochs=self._max_epochs(len(train_ds), valid_ds is not None),
                batch_size=self.batch_size,
                iterator_train=iterator,
                iterator_train__shuffle=True,
                iterator_train__seed=seed,
                iterator_valid=iterator,
                iterator_valid__shuffle=False,
                train_split=train_split,
                callbacks=callbacks,
                verbose=self.verbose,
                grad_clip=self.grad_clip,
                amp_dtype=amp_dtype,
                **net_params,
                **extra,
            )
            net.fit(train_ds, None)
        self.net_ = net
        self.history_ = net.history
        self.n_iter_ = len(net.history)
        self.device_ = device

    # -- inference --------------------------------------------------------------------
    def _inference_module(self) -> tuple[torch.nn.Module, torch.device]:
        """The fitted module, put in evaluation mode, and its device (checked to be
        usable on this machine). Run it under :func:`torch.inference_mode`."""
        module = self.net_.module_
        module.eval()
        device = self.net_._compute_device()
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"this model was trained on {device} but CUDA is not available here; "
                "unpickle it on a machine with CUDA, or refit it with device='cpu'."
            )
        return module, device

    def _forward(self, sequences: Sequences, batch_size: int = 256) -> np.ndarray:
        """Outputs of the fitted module for ``sequences``, in their original order.

        Inference runs in batches of equal-length sequences where possible (no padding,
        unpacked), under :func:`torch.inference_mode`.
        """
        net = self.net_
        module, device = self._inference_module()
        chunks, order = [], []
        autocast = net._autocast() if net.amp_dtype is not None else None
        with torch.inference_mode():
            for idx, X in length_batches(sequences.data, sequences.lengths, batch_size):
                x = X["x"].to(device, non_blocking=True)
                if autocast is not None:
                    with autocast:
                        out = module(x, X["lengths"])
                else:
                    out = module(x, X["lengths"])
                chunks.append(out.float().cpu())
                order.append(idx)
        outputs = torch.cat(chunks).numpy()
        result = np.empty_like(outputs)
        result[np.concatenate(order)] = outputs
        return result


class BaseRNNEstimator(RNNTrainingMixin, BaseEstimator):
    """Base of the scikit-learn recurrent estimators (classifier, regressor, ...)."""
