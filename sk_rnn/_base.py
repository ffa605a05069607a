"""The shared estimator base: hyper-parameters, device, seeding and the skorch net.

Every recurrent estimator stores the shared hyper-parameters of the design (``cell_type``,
``hidden_size``, ..., ``random_state``) as named ``__init__`` parameters and builds its
skorch net inside ``fit`` (composition, not inheritance from skorch: a skorch subclass
sets attributes in ``__init__`` and fails scikit-learn's checks).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from skorch.callbacks import Callback
from skorch.helper import predefined_split

from ._net import (
    _FUSED_OPTIMIZERS,
    OPTIMIZERS,
    PRECISIONS,
    BoundedEarlyStopping,
    IteratorProgressBar,
    RNNNet,
    plateau_schedule,
    silent,
)
from ._sequences import (
    SequenceDataset,
    SequenceLoader,
    Sequences,
    equal_length_batches,
    pad_collate,
)
from .nn import CELLS

__all__ = [
    "BaseRNNEstimator",
    "RNNNet",
    "RNNTrainingMixin",
    "SHARED_PARAMETERS_DOC",
    "fill_shared_doc",
    "plateau_schedule",
]


SHARED_PARAMETERS_DOC = """\
    cell_type : {"rnn", "lstm", "gru"}, default="lstm"
        Recurrent cell: :class:`torch.nn.RNN`, :class:`~torch.nn.LSTM` or
        :class:`~torch.nn.GRU`. On CPU the LSTM runs on oneDNN's fused kernel, about
        twice as fast as the GRU at the same size.
    hidden_size : int, default=64
        Hidden units per direction and layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    bidirectional : bool, default=True
        Read each sequence in both directions.
    dropout : float in [0, 1), default=0.3
        Dropout on the embedded input, between recurrent layers and before the output
        layer.
    embedding_dim : int, default=128
        Token embedding size (text and token-id input only).
    max_epochs : int, default=30
        Maximum passes over the training data (early stopping may end sooner).
    batch_size : int, default=32
        Sequences per training batch.
    lr : float, default=2e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or Optimizer class, \
default="adam"
        The torch optimizer.
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    grad_clip : float or None, default=5.0
        Clip the gradient norm to this value; ``None`` disables clipping.
    validation_fraction : float in (0, 1), default=0.1
        Share of the training data held out for early stopping.
    early_stopping : bool, default=True
        Stop when the validation loss has not improved for ``patience`` epochs and
        restore the best weights. ``False`` trains ``max_epochs`` on all the data.
    patience : int, default=3
        Epochs without improvement before stopping.
    device : {"auto", "cpu", "cuda", "cuda:N"}, default="auto"
        Where to train and predict; ``"auto"`` picks CUDA when it is available. With an
        ``accelerator``, the accelerator's device is used (leave ``"auto"``).
    precision : {"32", "bf16", "16"}, default="32"
        Mixed precision: ``"bf16"`` (CUDA, or CPU autocast) or ``"16"`` (CUDA only,
        with gradient scaling). With an ``accelerator``, leave ``"32"`` and set the
        accelerator's ``mixed_precision`` instead.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batch order, dropout and the validation split: the
        same value gives the same model on the same device. The global torch random state
        is left untouched.
    verbose : int, default=0
        0 is silent; 1 prints an epoch table and shows a progress bar per epoch.
    callbacks : list of skorch callbacks or None, default=None
        Extra skorch callbacks (copied, never modified), e.g.
        ``skorch.callbacks.Checkpoint``.
    accelerator : accelerate.Accelerator or None, default=None
        Train through Hugging Face Accelerate (skorch's ``AccelerateMixin``): data
        parallelism over the processes of ``accelerate launch`` (multi-GPU), the
        accelerator's mixed precision and gradient accumulation. Gradient clipping
        (``grad_clip``) goes through the accelerator; ``precision`` must stay ``"32"``;
        with more than one process ``random_state`` must be an int. The fitted model no
        longer refers to the accelerator, and pickling or :func:`sk_rnn.save` stores
        ``accelerator=None``. ``None`` trains in this process on ``device``.\
"""


def fill_shared_doc(cls):
    """Class decorator: put the shared parameter docs where ``{shared_parameters}`` is."""
    if cls.__doc__:
        cls.__doc__ = cls.__doc__.replace("{shared_parameters}", SHARED_PARAMETERS_DOC.strip())
    return cls



def store_params(estimator: BaseEstimator, params: dict) -> None:
    """Store ``__init__`` arguments unchanged (``params`` is the ``locals()`` of
    ``__init__``), as scikit-learn requires."""
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


def _check_number(value, name, low, high, *, integer=False, low_open=False,
                  high_open=False, allow_none=False) -> None:
    if value is None and allow_none:
        return
    kind = Integral if integer else Real
    # NaN fails every comparison below; infinity is never a usable setting (lr=inf trains
    # to NaN weights without an error)
    ok = isinstance(value, kind) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if low_open else value >= low) if low is not None else True
        if ok and high is not None:
            ok = value < high if high_open else value <= high
    if not ok:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        closing = ")" if high_open or high is None else "]"
        interval = f"{'(' if low_open else '['}{lo}, {hi}{closing}"
        what = "an integer" if integer else "a number"
        none = " or None" if allow_none else ""
        raise ValueError(f"{name} must be {what} in {interval}{none}, got {value!r}.")


class RNNTrainingMixin:
    """Validation of the shared parameters, device, seeding and training.

    A mixin without a parameter protocol of its own, so that it serves scikit-learn
    estimators (:class:`BaseRNNEstimator`) and sktime forecasters alike. Subclasses declare
    every parameter in their own ``__init__`` (the shared ones are documented in
    :data:`SHARED_PARAMETERS_DOC`) and call :meth:`_fit_net` and :meth:`_forward`.
    """

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

    def _clear_fitted_state(self) -> None:
        """Forget everything a previous ``fit`` learnt, so that a ``fit`` that fails
        leaves an unfitted estimator (``NotFittedError``), never a half-replaced one."""
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)

    def _fit_cleanly(self, fit, *args):
        """Run ``fit(*args)`` on a cleared estimator; if it fails, clear it again so that
        the estimator is plainly unfitted rather than half-replaced."""
        self._clear_fitted_state()
        try:
            return fit(*args)
        except BaseException:
            self._clear_fitted_state()
            raise

    # -- parameters -------------------------------------------------------------------
    def _validate_shared_params(self) -> None:
        if self.cell_type not in CELLS:
            raise ValueError(
                f"cell_type must be one of {sorted(CELLS)}, got {self.cell_type!r}."
            )
        for name in ("hidden_size", "num_layers", "embedding_dim", "max_epochs",
                     "batch_size", "patience"):
            if hasattr(self, name):  # embedding_dim exists only where the input is text
                _check_number(getattr(self, name), name, 1, None, integer=True)
        _check_number(self.dropout, "dropout", 0, 1, high_open=True)
        _check_number(self.lr, "lr", 0, None, low_open=True)
        _check_number(self.weight_decay, "weight_decay", 0, None)
        _check_number(self.grad_clip, "grad_clip", 0, None, low_open=True, allow_none=True)
        _check_number(self.validation_fraction, "validation_fraction", 0, 1,
                      low_open=True, high_open=True)
        if not isinstance(getattr(self, "bidirectional", False), (bool, np.bool_)):
            raise ValueError(f"bidirectional must be True or False, got {self.bidirectional!r}.")
        if not isinstance(self.early_stopping, (bool, np.bool_)):
            raise ValueError(
                f"early_stopping must be True or False, got {self.early_stopping!r}."
            )
        self._optimizer_class()
        if self.precision not in PRECISIONS:
            raise ValueError(
                f"precision must be one of {list(PRECISIONS)}, got {self.precision!r}."
            )
        if getattr(self, "accelerator", None) is not None:
            from ._accelerate import check_accelerator

            check_accelerator(self)
        _check_number(int(self.verbose) if isinstance(self.verbose, (bool, np.bool_))
                      else self.verbose, "verbose", 0, None, integer=True)
        if self.callbacks is not None and (
            not isinstance(self.callbacks, (list, tuple))
            or not all(
                isinstance(cb, Callback)
                or (isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[1], Callback))
                for cb in self.callbacks
            )
        ):
            raise ValueError(
                "callbacks must be None or a list of skorch callbacks (or (name, callback) "
                f"pairs), got {self.callbacks!r}."
            )

    def _optimizer_class(self) -> type[torch.optim.Optimizer]:
        opt = self.optimizer
        if isinstance(opt, str) and opt.lower() in OPTIMIZERS:
            return OPTIMIZERS[opt.lower()]
        if isinstance(opt, type) and issubclass(opt, torch.optim.Optimizer):
            return opt
        raise ValueError(
            f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
            f"subclass, got {opt!r}."
        )

    def _resolve_device(self) -> torch.device:
        """The torch device that ``device`` names (checked, CUDA availability included);
        with an accelerator, the accelerator's device (``device`` must agree with it)."""
        accelerator = getattr(self, "accelerator", None)
        if accelerator is None:
            return self._requested_device()
        placed = torch.device(accelerator.device)
        if self.device != "auto":
            requested = self._requested_device()
            if requested.type != placed.type or (
                requested.index is not None and requested.index != (placed.index or 0)
            ):
                raise ValueError(
                    f"device={self.device!r} but the accelerator places the model on "
                    f"{placed}; leave device='auto' (the default) when passing an "
                    "accelerator."
                )
        return placed

    def _requested_device(self) -> torch.device:
        device = self.device
        if isinstance(device, torch.device):
            device = str(device)
        if device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if not isinstance(device, str):
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
            )
        try:
            resolved = torch.device(device)
        except RuntimeError:
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
            ) from None
        if resolved.type not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or a CUDA device, got {device!r}.")
        if resolved.type == "cuda":
            if not torch.cuda.is_available():
                raise ValueError(f"device={device!r} but CUDA is not available on this machine.")
            index = resolved.index or 0
            if index >= torch.cuda.device_count():
                raise ValueError(
                    f"device={device!r} but only {torch.cuda.device_count()} CUDA device(s) "
                    "are visible."
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
    def _split_indices(self, n: int, stratify, rng: np.random.RandomState):
        """Train and validation indices (validation None when it cannot be made)."""
        indices = np.arange(n)
        if not self.early_stopping:
            return indices, None
        n_valid = int(round(self.validation_fraction * n))
        if n_valid < 1 or n - n_valid < 2:
            warnings.warn(
                f"{type(self).__name__}: too few samples ({n}) for a validation split of "
                f"{self.validation_fraction}; training without early stopping.",
                UserWarning,
                stacklevel=3,
            )
            return indices, None
        if stratify is not None:
            _, counts = np.unique(stratify, return_counts=True)
            if counts.min() < 2 or n_valid < len(counts) or n - n_valid < len(counts):
                stratify = None
        train, valid = train_test_split(
            indices, test_size=n_valid, random_state=rng, stratify=stratify
        )
        return np.sort(train), np.sort(valid)

    def _make_callbacks(self) -> list:
        accelerator = getattr(self, "accelerator", None)
        # one progress bar per machine, not per process
        show_bar = self.verbose and (accelerator is None or accelerator.is_local_main_process)
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
        """
        rng = check_random_state(self.random_state)
        seed = self._training_seed(rng)
        if split is None:
            train_idx, valid_idx = self._split_indices(len(sequences), stratify, rng)
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
            monitor_callbacks=monitor_callbacks,
        )

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
        """
        device = self._resolve_device()
        amp_dtype = self._amp_dtype(device)
        accelerator = getattr(self, "accelerator", None)
        net_class, net_params, sink = RNNNet, {"device": str(device)}, print
        if accelerator is not None:
            from ._accelerate import AcceleratedRNNNet, main_process_print

            net_class, sink = AcceleratedRNNNet, main_process_print
            # the accelerator moves the module and the batches (skorch wants device=None)
            net_params = {"accelerator": accelerator,
                          "device": None if accelerator.device_placement else str(device)}
        train_split = None
        callbacks = self._make_callbacks()
        if valid_ds is not None:
            train_split = predefined_split(valid_ds)
            callbacks.extend(monitor_callbacks or [])
        callbacks.extend(schedule_callbacks or [])
        if valid_ds is not None:
            callbacks.append(
                ("early_stopping", BoundedEarlyStopping(
                    monitor=monitor, lower_is_better=lower_is_better,
                    best_possible=best_possible, patience=self.patience, load_best=True,
                    sink=sink if self.verbose else silent,
                ))
            )
        extra = {f"criterion__{k}": v for k, v in (criterion_params or {}).items()}
        for key, value in (iterator_params or {}).items():
            extra[f"iterator_train__{key}"] = value
            extra[f"iterator_valid__{key}"] = value
        if self._fuse_optimizer and self._optimizer_class() in _FUSED_OPTIMIZERS:
            # One fused kernel per step instead of a loop over the parameters: on CPU
            # about 5x faster for Adam, which matters once embeddings are large.
            extra["optimizer__fused"] = True
        if device.type == "cuda":
            extra["iterator_train__pin_memory"] = True
            extra["iterator_valid__pin_memory"] = True
        if not self.verbose:
            if accelerator is None:
                extra["callbacks__print_log"] = None
            else:  # skorch's AccelerateMixin always sets the epoch table's sink
                net_params["callbacks__print_log__sink"] = silent
        cuda_devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=cuda_devices):
            torch.manual_seed(seed)
            module = build_module()
            if accelerator is not None and accelerator.num_processes > 1:
                # Same initial weights everywhere (DDP also broadcasts them), but each
                # process its own dropout masks.
                torch.manual_seed(seed + accelerator.process_index)
            net = net_class(
                module=module,
                criterion=criterion,
                optimizer=self._optimizer_class(),
                optimizer__weight_decay=self.weight_decay,
                lr=self.lr,
                max_epochs=self.max_epochs,
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

    def _inference_device(self) -> torch.device:
        """The device of the fitted net, checked to be usable on this machine."""
        device = self.net_._compute_device()
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"this model was trained on {device} but CUDA is not available here; "
                "unpickle it on a machine with CUDA, or refit it with device='cpu'."
            )
        return device

    def _forward(self, sequences: Sequences, batch_size: int = 256) -> np.ndarray:
        """Outputs of the fitted module for ``sequences``, in their original order.

        Inference runs in batches of equal-length sequences where possible (no padding,
        unpacked), under :func:`torch.inference_mode`.
        """
        net = self.net_
        module = net.module_
        module.eval()
        device = self._inference_device()
        order = np.argsort(sequences.lengths, kind="stable")
        batches = equal_length_batches(order, sequences.lengths, batch_size)
        chunks = []
        autocast = net._autocast() if net.amp_dtype is not None else None
        with torch.inference_mode():
            for idx in batches:
                X, _ = pad_collate([(sequences.data[i], None) for i in idx])
                x = X["x"].to(device, non_blocking=True)
                if autocast is not None:
                    with autocast:
                        out = module(x, X["lengths"])
                else:
                    out = module(x, X["lengths"])
                chunks.append(out.float().cpu())
        outputs = torch.cat(chunks).numpy()
        result = np.empty_like(outputs)
        result[np.concatenate(batches)] = outputs
        return result


class BaseRNNEstimator(RNNTrainingMixin, BaseEstimator):
    """Base of the scikit-learn recurrent estimators (classifier, regressor, ...)."""
