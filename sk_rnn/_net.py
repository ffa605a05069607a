"""The skorch net behind every estimator, and the callbacks and tables it trains with.

:class:`RNNNet` is :class:`skorch.NeuralNet` with gradient clipping and mixed precision in
its training step, and a pickle state that maps every tensor to the right device.
:class:`BoundedEarlyStopping` stops as soon as the monitored score cannot improve, and
:class:`IteratorProgressBar` takes its length from the batch iterators.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping, LRScheduler, ProgressBar
from skorch.dataset import Dataset, unpack_data
from skorch.utils import TeeGenerator
from torch.optim.lr_scheduler import ReduceLROnPlateau

from ._registry import register_reference

__all__ = [
    "OPTIMIZERS",
    "PRECISIONS",
    "BoundedEarlyStopping",
    "IteratorProgressBar",
    "LocalTraining",
    "RNNNet",
    "optimizer_class",
    "plateau_schedule",
    "silent",
]

OPTIMIZERS: dict[str, type[torch.optim.Optimizer]] = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}
# what the nets of sk_rnn's estimators name: optimizers, the stock losses, skorch's dataset
register_reference(*OPTIMIZERS.values(), torch.nn.CrossEntropyLoss, torch.nn.MSELoss, Dataset)
# Optimizers whose fused implementation runs on CPU and CUDA (torch >= 2.4).
_FUSED_OPTIMIZERS = (
    (torch.optim.Adam, torch.optim.AdamW)
    if tuple(int(p) for p in torch.__version__.split(".")[:2]) >= (2, 4)
    else ()
)
PRECISIONS = {"32": None, "bf16": torch.bfloat16, "16": torch.float16}
# RNNNet attributes that skorch's unpickling reads before it maps the devices.
_UNPICKLING_SETTINGS = ("device", "torch_load_kwargs", "cuda_dependent_attributes_")


def silent(*args, **kwargs) -> None:
    """A print replacement that prints nothing (module-level so nets pickle)."""


class IteratorProgressBar(ProgressBar):
    """skorch's :class:`~skorch.callbacks.ProgressBar`, its length taken from the
    iterators: skorch's ``ceil(len(dataset) / batch_size)`` is wrong for iterators that
    batch differently (the text generator's stream loader yields far fewer batches)."""

    def _get_batches_per_epoch_phase(self, net, dataset, training: bool) -> int:
        if dataset is None:
            return 0
        try:
            return len(net.get_iterator(dataset, training=training))
        except TypeError:  # an iterator without a length
            return super()._get_batches_per_epoch_phase(net, dataset, training)


def trainable_weights(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    """Copies of the parameters of ``module`` that train (``requires_grad``), by name."""
    return {name: param.detach().clone()
            for name, param in module.named_parameters() if param.requires_grad}


@torch.no_grad()
def average_parameters(module: torch.nn.Module, neighbours: list[dict]) -> None:
    """Replace each parameter of ``module`` by its mean with the same-named weights of
    ``neighbours`` (checkpoint averaging). A neighbour may lack a parameter (frozen in
    its epoch, e.g. by gradual unfreezing): it is averaged over those that have it."""
    for name, param in module.named_parameters():
        found = [w[name] for w in neighbours if name in w]
        if found:
            param.add_(sum(found)).div_(len(found) + 1)


class BoundedEarlyStopping(EarlyStopping):
    """skorch's :class:`~skorch.callbacks.EarlyStopping` that also stops once the
    monitored score reaches a value no epoch can improve on.

    With ``load_best=True`` that epoch's weights would be restored whatever came after,
    so further epochs are wasted: e.g. a validation BLEU of 100 on a task that is solved.

    Parameters
    ----------
    monitor, patience, threshold, threshold_mode, lower_is_better, sink, load_best
        As for :class:`~skorch.callbacks.EarlyStopping`.
    best_possible : float or None, default=None
        The unbeatable value (``None``: plain early stopping).
    average_neighbours : bool, default=False
        With ``load_best``, restore the mean of the trainable weights of the best epoch
        and of the epochs just before and after it (those that exist), instead of the
        best epoch's alone: checkpoint averaging, as in machine translation, which
        smooths out the noise of a single epoch's weights. Buffers and frozen
        parameters are the best epoch's.
    """

    def __init__(
        self,
        monitor: str = "valid_loss",
        patience: int = 5,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        lower_is_better: bool = True,
        sink: Callable = print,
        load_best: bool = False,
        best_possible: float | None = None,
        average_neighbours: bool = False,
    ) -> None:
        super().__init__(monitor=monitor, patience=patience, threshold=threshold,
                         threshold_mode=threshold_mode, lower_is_better=lower_is_better,
                         sink=sink, load_best=load_best)
        self.best_possible = best_possible
        self.average_neighbours = average_neighbours

    def on_train_begin(self, net, **kwargs) -> None:
        super().on_train_begin(net, **kwargs)
        # Trainable weights of the last epoch, and of the epochs around the best one.
        self.last_weights_ = self.before_best_weights_ = self.after_best_weights_ = None

    def on_epoch_end(self, net, **kwargs) -> None:
        """Early stopping (:meth:`_stop_early`), keeping the weights of the epochs
        around the best one when they are to be averaged."""
        if not (self.load_best and self.average_neighbours):
            self._stop_early(net, **kwargs)
            return
        best, epoch = self.best_epoch_, net.history[-1, "epoch"]
        weights = trainable_weights(net.module_)
        try:
            self._stop_early(net, **kwargs)  # may raise KeyboardInterrupt: stop here
        finally:
            if self.best_epoch_ != best:  # a new best: its predecessor is the last epoch
                self.before_best_weights_, self.after_best_weights_ = self.last_weights_, None
            elif epoch == self.best_epoch_ + 1:
                self.after_best_weights_ = weights
            self.last_weights_ = weights

    def on_train_end(self, net, **kwargs) -> None:
        """Restore the best weights (averaged with their neighbours' if asked)."""
        super().on_train_end(net, **kwargs)
        if not (self.load_best and self.average_neighbours) or self.best_model_weights_ is None:
            return
        neighbours = [w for w in (self.before_best_weights_, self.after_best_weights_)
                      if w is not None]
        if neighbours:
            average_parameters(net.module_, neighbours)
            self._sink(f"Averaging the weights of epoch {self.best_epoch_} with those of "
                       f"{len(neighbours)} neighbouring epoch(s).", verbose=net.verbose)
        self.last_weights_ = self.before_best_weights_ = self.after_best_weights_ = None

    def _stop_early(self, net, **kwargs) -> None:
        """skorch's early stopping, then stop if the score reached ``best_possible``."""
        super().on_epoch_end(net, **kwargs)
        if self.best_possible is None:
            return
        score = net.history[-1, self.monitor]
        reached = score <= self.best_possible if self.lower_is_better else (
            score >= self.best_possible)
        if reached and self.best_epoch_ == net.history[-1, "epoch"]:
            self._sink(
                f"Stopping: {self.monitor} reached {score:.4g}, which no later epoch can "
                "improve on.", verbose=net.verbose,
            )
            raise KeyboardInterrupt


class RNNNet(NeuralNet):
    """The skorch net behind every estimator.

    It differs from :class:`skorch.NeuralNet` only in its training step, which adds
    gradient-norm clipping and mixed precision (autocast, with gradient scaling for
    float16) without going through an optimizer closure.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`skorch.NeuralNet`.
    grad_clip : float or None, default=None
        Maximum gradient norm.
    amp_dtype : torch.dtype or None, default=None
        Autocast dtype (``torch.bfloat16`` or ``torch.float16``); ``None`` for float32.
    """

    def __init__(self, *args, grad_clip: float | None = None, amp_dtype=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.grad_clip = grad_clip
        self.amp_dtype = amp_dtype

    def __getstate__(self):
        """Pickle state in which every tensor goes where skorch maps devices.

        skorch pickles the attributes named in ``cuda_dependent_attributes_`` (``module_``,
        ``criterion_``, ``optimizer_``) in a stream that it unpickles with a
        ``map_location``, so that a net trained on CUDA loads on a CPU-only machine. Other
        attributes hold tensors too: the module instance passed as ``module`` (the very
        object ``module_`` is), the callbacks (early stopping's best weights, the optimizer
        a learning-rate scheduler steps), the validation data of ``train_split``. So every
        attribute but the device settings, which that unpickling reads first, joins the
        stream; this also keeps shared objects shared (``module`` is ``module_``).
        """
        attributes = self.cuda_dependent_attributes_
        self.cuda_dependent_attributes_ = [
            key for key in self.__dict__ if key not in _UNPICKLING_SETTINGS
        ]
        try:
            state = super().__getstate__()
        finally:
            self.cuda_dependent_attributes_ = attributes
        state["cuda_dependent_attributes_"] = attributes
        return state

    def _compute_device(self) -> torch.device:
        """The device of the module's weights: ``device``, or where the weights are when
        ``device`` is None (an accelerator places the module itself)."""
        if self.device is not None:
            return torch.device(self.device)
        for parameter in self.module_.parameters():
            return parameter.device
        return torch.device("cpu")

    def _plain_module(self) -> torch.nn.Module:
        """``module_`` without any wrapper added for training (a callback that calls the
        module's own methods, such as a decoder's, needs the module itself)."""
        return self.module_

    def _autocast(self):
        device_type = torch.device(self.device).type
        return torch.autocast(device_type=device_type, dtype=self.amp_dtype)

    def infer(self, x, **fit_params):
        """Forward pass, under autocast when mixed precision is on."""
        if self.amp_dtype is None:
            return super().infer(x, **fit_params)
        with self._autocast():
            return super().infer(x, **fit_params).float()

    def train_step(self, batch, **fit_params):
        """One optimisation step: forward, backward, clip, step."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        self.optimizer_.zero_grad(set_to_none=True)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        scaler = self._grad_scaler()
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.unscale_(self.optimizer_)
        else:
            loss.backward()
        self._notify_grad_computed(batch)
        if self.grad_clip is not None:
            torch.nn.utils.clip_grad_norm_(self.module_.parameters(), self.grad_clip)
        if scaler is not None:
            scaler.step(self.optimizer_)
            scaler.update()
        else:
            self.optimizer_.step()
        return {"loss": loss, "y_pred": y_pred}

    def _notify_grad_computed(self, batch) -> None:
        """The ``on_grad_computed`` callbacks, as skorch's own training step calls them."""
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(self.get_all_learnable_params()),
            batch=batch,
            training=True,
        )

    def _grad_scaler(self):
        if self.amp_dtype is not torch.float16:
            return None
        if getattr(self, "grad_scaler_", None) is None:
            self.grad_scaler_ = torch.amp.GradScaler("cuda")
        return self.grad_scaler_


def plateau_schedule(lr_decay: float | None) -> list:
    """Callbacks that multiply the learning rate by ``lr_decay`` after every epoch in which
    the validation loss did not improve (none for ``None``)."""
    if lr_decay is None:
        return []
    scheduler = LRScheduler(policy=ReduceLROnPlateau, monitor="valid_loss",
                            factor=float(lr_decay), patience=0)
    return [("lr_scheduler", scheduler)]



def optimizer_class(optimizer) -> type[torch.optim.Optimizer]:
    """The torch optimizer class that ``optimizer`` names (a key of :data:`OPTIMIZERS`,
    any case) or is (an ``Optimizer`` subclass); ``ValueError`` otherwise."""
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()]
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        return optimizer
    raise ValueError(
        f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
        f"subclass, got {optimizer!r}."
    )


class LocalTraining:
    """How an estimator trains when no accelerator is given: one process, on the device
    its ``device`` parameter names, with a plain :class:`RNNNet`.

    The estimators talk to this hook only; :class:`sk_rnn._accelerate.AcceleratedTraining`
    is the other implementation (chosen by :func:`sk_rnn._accelerate.training_backend`).
    """

    #: The skorch net class that trains.
    net_class: type[NeuralNet] = RNNNet
    #: Whether this process shows a progress bar when ``verbose`` asks for one.
    show_progress = True

    @staticmethod
    def sink(*args, **kwargs) -> None:
        """Where early-stopping messages go: ``print``."""
        print(*args, **kwargs)

    def check(self, estimator) -> None:
        """Check how the estimator's parameters combine with this way of training
        (nothing to check here)."""

    def device(self, requested: Callable[[], torch.device], device) -> torch.device:
        """The device to train on: the one the ``device`` parameter names (checked by
        ``requested()``)."""
        return requested()

    def net_params(self, device: torch.device, verbose: int) -> dict:
        """Keyword arguments of :attr:`net_class` that depend on the way of training."""
        params: dict = {"device": str(device)}
        if not verbose:
            params["callbacks__print_log"] = None
        return params

    def seed_process(self, seed: int) -> None:
        """Seed what follows the initial weights (dropout) in this process: already done
        by the caller's ``torch.manual_seed(seed)``."""


def drop_optimizer(net) -> None:
    """Forget the optimizer of ``net`` and every callback's reference to it.

    For the compressed models of :mod:`sk_rnn.compression` (and int8 models loaded by
    :func:`sk_rnn.load`): the optimizer holds the float weights that quantised layers
    replaced, and Adam's moments, twice the weights, would make a deployed model's file
    and pickle several times larger. A learning-rate scheduler callback keeps the
    optimizer too. ``fit`` builds new ones.
    """
    optimizer = getattr(net, "optimizer_", None)
    net.optimizer_ = None
    if optimizer is None:
        return
    for _, callback in getattr(net, "callbacks_", None) or ():
        for key, value in list(vars(callback).items()):
            if value is optimizer or getattr(value, "optimizer", None) is optimizer:
                setattr(callback, key, None)
