"""Training through Hugging Face Accelerate: :class:`AcceleratedRNNNet`.

An estimator given ``accelerator=Accelerator(...)`` trains an :class:`AcceleratedRNNNet`,
skorch's :class:`~skorch.hf.AccelerateMixin` on top of :class:`~sk_rnn._net.RNNNet`.
Launched with ``accelerate launch --multi_gpu --num_processes N script.py``, every
process runs the same script and trains a replica of the model on its share of the
training batches (PyTorch DDP); on one process it is plain training on the accelerator's
device, with its mixed precision and gradient accumulation.

Where this differs from skorch's mixin, and why:

* The training step is :class:`RNNNet`'s (clip, then step) done the Accelerate way: the
  backward pass through ``accelerator.backward``, clipping through
  ``accelerator.clip_grad_norm_`` (which unscales float16 gradients first), the
  gradients zeroed after the step (zeroing them first would wipe what gradient
  accumulation has gathered).
* Only the training batches are sharded. Every process evaluates the whole validation
  set, so the validation loss and scores (BLEU, point error), hence early stopping and
  the restored best weights, are the same in every process without any
  synchronisation; no outputs are gathered.
* sk_rnn's length-bucketing batch sampler gives batches of varying size. Accelerate's
  sharding drops the batches that are not full when the sampler declares a
  ``batch_size``, so the sampler is handed over without one: every batch is used, and
  every process gets the same number of batches (accelerate cycles back to the first
  batches to even them out, as it does for any sampler).
* Iterators that are not data loaders (the text generator's stream of contiguous
  windows) are not sharded: their batches are moved to the device, and every process
  trains on all of them.
* A loss without trainable parameters is moved to the device, not prepared (wrapping
  it for DDP fails on CPU processes).
* After training, the model, the loss and the optimizer are unwrapped and the net lets
  go of the accelerator (and the accelerator of them): the fitted net is a plain net on
  the accelerator's device, which predicts, pickles and saves like any other.

``accelerate`` itself is imported only to check an accelerator and to print from the
main process, so that this module (and unpickling a net trained with it) works without
accelerate installed.
"""

from __future__ import annotations

import numbers
import warnings

import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.hf import AccelerateMixin
from skorch.utils import to_device
from torch.utils.data import BatchSampler, DataLoader, Sampler

from ._net import LocalTraining, RNNNet, silent

__all__ = ["ACCELERATE_NET_PARAMS", "AcceleratedRNNNet", "AcceleratedTraining",
           "check_accelerator_type", "main_process_print", "training_backend"]

#: Parameters of :class:`AcceleratedRNNNet` that a plain :class:`RNNNet` does not have
#: (``_wrapped_with_accelerator`` is an attribute of skorch's mixin that skorch lists
#: among the parameters).
ACCELERATE_NET_PARAMS = ("accelerator", "unwrap_after_train", "callbacks__print_log__sink",
                         "_wrapped_with_accelerator")

# Engines that need the model and optimizer prepared together (DeepSpeed), an optimizer
# built after wrapping (FSDP) or a model split over devices: not what skorch's mixin does.
_UNSUPPORTED_TYPES = ("DEEPSPEED", "FSDP", "MEGATRON_LM")
# DataLoader arguments carried over when the batch sampler is swapped.
_LOADER_ARGS = ("num_workers", "collate_fn", "pin_memory", "timeout", "worker_init_fn",
                "multiprocessing_context", "generator", "persistent_workers")


def check_accelerator_type(name: str, accelerator) -> None:
    """The constraint of the ``accelerator`` parameter: None or an
    ``accelerate.Accelerator``; ``TypeError`` naming ``name`` otherwise."""
    if accelerator is None:
        return
    try:
        from accelerate import Accelerator
    except ImportError:  # then no value can be an Accelerator
        Accelerator = None
    if Accelerator is None or not isinstance(accelerator, Accelerator):
        hint = "" if Accelerator is not None else (
            "; the accelerate package is not installed (pip install 'sk-rnn[accelerate]')"
        )
        raise TypeError(
            f"{name} must be None or an accelerate.Accelerator instance, got "
            f"{type(accelerator).__name__} ({accelerator!r:.60}){hint}."
        )


def training_backend(accelerator) -> LocalTraining:
    """How an estimator with this ``accelerator`` parameter trains: in this process
    (None) or through the accelerator."""
    return LocalTraining() if accelerator is None else AcceleratedTraining(accelerator)


def main_process_print(*args, **kwargs) -> None:
    """``print`` on the main process only (the sink of the epoch table and early
    stopping messages; module-level so that nets pickle)."""
    from accelerate import PartialState

    if PartialState().is_main_process:
        print(*args, **kwargs)


class _VariableBatches(Sampler):
    """A batch sampler seen without its ``batch_size``: batches of varying size, which
    accelerate's sharding then keeps whole (it drops batches smaller than a declared
    ``batch_size``)."""

    def __init__(self, batch_sampler) -> None:
        self.batch_sampler = batch_sampler

    def __iter__(self):
        return iter(self.batch_sampler)

    def __len__(self) -> int:
        return len(self.batch_sampler)


class _OnDevice:
    """An iterator whose batches (nested dicts, tuples, tensors) are moved to ``device``."""

    def __init__(self, iterator, device) -> None:
        self.iterator = iterator
        self.device = device

    def __len__(self) -> int:
        return len(self.iterator)

    def __iter__(self):
        for batch in self.iterator:
            yield to_device(batch, self.device)


class AcceleratedRNNNet(AccelerateMixin, RNNNet):
    """:class:`~sk_rnn._net.RNNNet` trained through an ``accelerate.Accelerator``.

    See the module docstring for what differs from skorch's
    :class:`~skorch.hf.AccelerateMixin`.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`~sk_rnn._net.RNNNet`; ``amp_dtype`` must be None (the
        accelerator's ``mixed_precision`` applies).
    accelerator : accelerate.Accelerator
        The accelerator; it places the module and the batches when ``device`` is None.
    unwrap_after_train : bool, default=False
        Left False: :meth:`partial_fit` unwraps the model itself, after the callbacks'
        ``on_train_end`` (early stopping restores its best weights into the wrapped
        model, whose parameter names the snapshot has).
    callbacks__print_log__sink : callable, default=main_process_print
        Where the epoch table goes.
    """

    def __init__(self, *args, accelerator, unwrap_after_train: bool = False,
                 callbacks__print_log__sink=main_process_print, **kwargs) -> None:
        super().__init__(*args, accelerator=accelerator,
                         unwrap_after_train=unwrap_after_train,
                         callbacks__print_log__sink=callbacks__print_log__sink, **kwargs)

    # -- training -----------------------------------------------------------------------
    # Attributes of its own end with "_", so that skorch does not take them for
    # parameters (``get_params`` lists every other attribute).

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train, then detach the net from the accelerator (:meth:`_release`)."""
        self.warned_unsharded_ = False
        try:
            return super().partial_fit(X, y, classes, **fit_params)
        finally:
            self._release()

    def _initialize_accelerator(self):
        """Prepare the modules and optimizers, as skorch's mixin does, and remember them
        (to release them after training). A loss without trainable parameters is only
        moved to the device: wrapping it for DDP, as the mixin does, fails on CPU
        processes ("DistributedDataParallel is not needed ...") and gains nothing."""
        if self._wrapped_with_accelerator:
            return self
        accelerator = self.accelerator
        held = self._held_by_accelerator()
        for kind, names in (("criterion", self._criteria), ("module", self._modules),
                            ("optimizer", self._optimizers)):
            with self._current_init_context(kind):
                for name in names:
                    obj = getattr(self, name + "_")
                    if kind == "criterion" and isinstance(obj, torch.nn.Module) and not any(
                        p.requires_grad for p in obj.parameters()
                    ):
                        if accelerator.device_placement:
                            setattr(self, name + "_", obj.to(accelerator.device))
                    elif isinstance(obj, (torch.nn.Module, torch.optim.Optimizer)):
                        obj = accelerator.prepare(obj)
                        held.append(obj)
                        setattr(self, name + "_", obj)
        self._wrapped_with_accelerator = True
        return self

    def _held_by_accelerator(self) -> list:
        if getattr(self, "prepared_", None) is None:
            self.prepared_ = []
        return self.prepared_

    def train_step(self, batch, **fit_params):
        """One step: forward under the accelerator's autocast, ``accelerator.backward``,
        clip with ``accelerator.clip_grad_norm_`` (when the gradients are synchronised:
        the last micro-batch of an accumulation), step, zero the gradients."""
        accelerator = self.accelerator
        with accelerator.accumulate(self.module_):
            self._set_training(True)
            Xi, yi = unpack_data(batch)
            with accelerator.autocast():
                y_pred = self.infer(Xi, **fit_params)
                loss = self.get_loss(y_pred, yi, X=Xi, training=True)
            accelerator.backward(loss)
            self._notify_grad_computed(batch)
            if self.grad_clip is not None and accelerator.sync_gradients:
                accelerator.clip_grad_norm_(self.module_.parameters(), self.grad_clip)
            # prepared optimizers step and zero only when the gradients are synchronised
            self.optimizer_.step()
            self.optimizer_.zero_grad(set_to_none=True)
        return {"loss": loss, "y_pred": y_pred}

    def get_iterator(self, dataset, training=False):
        """Training data loaders prepared by the accelerator (sharded over processes);
        everything else moved to the device as it is."""
        iterator = NeuralNet.get_iterator(self, dataset, training=training)
        accelerator = self.accelerator
        if training and isinstance(iterator, DataLoader):
            if not isinstance(iterator.batch_sampler, (BatchSampler, type(None))):
                iterator = DataLoader(
                    iterator.dataset, batch_sampler=_VariableBatches(iterator.batch_sampler),
                    prefetch_factor=iterator.prefetch_factor if iterator.num_workers else None,
                    **{name: getattr(iterator, name) for name in _LOADER_ARGS},
                )
            iterator = accelerator.prepare(iterator)
            self._held_by_accelerator().append(iterator)
            return iterator
        if training and accelerator.num_processes > 1 and not getattr(
            self, "warned_unsharded_", True
        ):
            self.warned_unsharded_ = True
            if accelerator.is_main_process:
                warnings.warn(
                    f"{type(iterator).__name__} batches are not sharded over the "
                    f"{accelerator.num_processes} processes: every process trains on all "
                    "of them (the same model as on one process, with no speed-up).",
                    UserWarning, stacklevel=2,
                )
        if self.device is not None:  # no device placement: skorch moves the batches
            return iterator
        return _OnDevice(iterator, accelerator.device)

    def evaluation_step(self, batch, training=False):
        """skorch's evaluation step, without the mixin's ``gather_for_metrics``: the
        evaluation data are not sharded, so every process already has all the outputs."""
        return NeuralNet.evaluation_step(self, batch, training=training)

    # -- helpers ------------------------------------------------------------------------
    def _compute_device(self) -> torch.device:
        if self.device is None and self.accelerator is not None:
            return torch.device(self.accelerator.device)
        return super()._compute_device()

    def _plain_module(self) -> torch.nn.Module:
        if getattr(self, "_wrapped_with_accelerator", False):
            return self.accelerator.unwrap_model(self.module_)
        return self.module_

    def _release(self) -> None:
        """Unwrap the model, the loss and the optimizer, remove them and the data loaders
        from the accelerator's lists (which would keep every model of a grid search
        alive), and drop the accelerator: what remains is a plain net on its device."""
        accelerator = self.accelerator
        if accelerator is None:
            return
        device = self._compute_device() if hasattr(self, "module_") else None
        self._unwrap_accelerator()
        optimizers = {}
        for name in self._optimizers:
            optimizer = getattr(self, name + "_", None)
            inner = optimizer
            while hasattr(inner, "optimizer") and isinstance(inner, torch.optim.Optimizer) \
                    and isinstance(inner.optimizer, torch.optim.Optimizer):
                inner = inner.optimizer  # accelerate's AcceleratedOptimizer
            if inner is not optimizer:
                optimizers[id(optimizer)] = inner
                setattr(self, name + "_", inner)
        # learning-rate schedulers made during training hold the wrapped optimizer
        for _, callback in getattr(self, "callbacks_", []):
            scheduler = getattr(callback, "lr_scheduler_", None)
            if id(getattr(scheduler, "optimizer", None)) in optimizers:
                scheduler.optimizer = optimizers[id(scheduler.optimizer)]
        ours = {id(obj) for obj in self._held_by_accelerator()}
        for attribute in ("_models", "_optimizers", "_dataloaders"):
            held = getattr(accelerator, attribute, None)
            if isinstance(held, list):
                held[:] = [obj for obj in held if id(obj) not in ours]
        self.prepared_ = []
        self.accelerator = None
        if device is not None and self.device is None:
            self.device = str(device)


class AcceleratedTraining(LocalTraining):
    """Training through an ``accelerate.Accelerator``: an :class:`AcceleratedRNNNet` on
    the accelerator's device, the epoch table and messages printed by the main process
    only, and dropout seeded per process.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
    """

    net_class = AcceleratedRNNNet

    def __init__(self, accelerator) -> None:
        self.accelerator = accelerator

    @property
    def show_progress(self) -> bool:
        """One progress bar per machine, not per process."""
        return self.accelerator.is_local_main_process

    @staticmethod
    def sink(*args, **kwargs) -> None:
        """Print from the main process only."""
        main_process_print(*args, **kwargs)

    def check(self, estimator) -> None:
        """Check how the estimator's parameters combine with the accelerator; raise
        ``ValueError`` naming them."""
        accelerator = self.accelerator
        if estimator.precision != "32":
            raise ValueError(
                f"precision={estimator.precision!r} and accelerator=Accelerator(...) cannot "
                "be combined: with an accelerator, mixed precision is the accelerator's. "
                "Leave precision='32' and pass Accelerator(mixed_precision='bf16') (or "
                "'fp16')."
            )
        kind = getattr(accelerator.distributed_type, "value", str(accelerator.distributed_type))
        if kind in _UNSUPPORTED_TYPES:
            raise ValueError(
                f"accelerator: the {kind} engine is not supported (sk_rnn trains through "
                "skorch's AccelerateMixin, which prepares the model and the optimizer "
                "separately); use plain data parallelism (accelerate launch --multi_gpu)."
            )
        n = accelerator.num_processes
        if n == 1:
            return
        random_state = estimator.random_state
        if not isinstance(random_state, numbers.Integral) or isinstance(random_state, bool):
            raise ValueError(
                f"accelerator runs {n} processes, so random_state must be an int (got "
                f"{random_state!r}): every process must draw the same validation split, "
                "initial weights and batch order."
            )
        if getattr(accelerator, "split_batches", False):
            raise ValueError(
                "accelerator: split_batches=True is not supported: sk_rnn batches sequences "
                "by length, so batches vary in size and cannot be split evenly; each process "
                "takes whole batches (the default)."
            )
        if getattr(accelerator, "dispatch_batches", None):
            raise ValueError(
                "accelerator: dispatch_batches=True is not supported; each process loads its "
                "own batches (the default for sk_rnn's datasets)."
            )
        if not getattr(accelerator, "even_batches", True):
            raise ValueError(
                "accelerator: even_batches=False is not supported: with batches of varying "
                "size, processes would run different numbers of steps and wait for each "
                "other forever."
            )

    def device(self, requested, device) -> torch.device:
        """The accelerator's device; a ``device`` parameter other than ``"auto"`` must
        name the same one."""
        placed = torch.device(self.accelerator.device)
        if device != "auto":
            wanted = requested()
            if wanted.type != placed.type or (
                wanted.index is not None and wanted.index != (placed.index or 0)
            ):
                raise ValueError(
                    f"device={device!r} but the accelerator places the model on "
                    f"{placed}; leave device='auto' (the default) when passing an "
                    "accelerator."
                )
        return placed

    def net_params(self, device: torch.device, verbose: int) -> dict:
        """The accelerator, and the device unless the accelerator places the model and
        the batches itself (skorch then wants ``device=None``); skorch's mixin always sets
        the epoch table's sink, so a silent run silences that sink."""
        accelerator = self.accelerator
        params: dict = {"accelerator": accelerator,
                        "device": None if accelerator.device_placement else str(device)}
        if not verbose:
            params["callbacks__print_log__sink"] = silent
        return params

    def seed_process(self, seed: int) -> None:
        """Same initial weights everywhere (DDP also broadcasts them), but each process
        its own dropout masks."""
        if self.accelerator.num_processes > 1:
            torch.manual_seed(seed + self.accelerator.process_index)
