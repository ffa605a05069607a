"""Transfer learning for :class:`~sk_rnn.RNNClassifier` and :class:`~sk_rnn.RNNRegressor`.

``pretrained=`` seeds the encoder of a new classifier or regressor from a pretrained
model: :func:`read_pretrained` takes what the new network needs from it (the architecture,
a copy of the weights, the vocabulary or the numeric preprocessing) as a
:class:`PretrainedEncoder`, and never modifies the pretrained model. Fine-tuning can
follow ULMFiT (Howard and Ruder 2018; off by default): :func:`layer_groups` splits the
pretrained weights into layer groups, :class:`GradualUnfreezing` trains the new head
first and unfreezes one group per epoch from the top, and
:func:`discriminative_param_groups` gives every group below the head a learning rate
``layer_lr_decay`` times lower than the group above it.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import torch
from sklearn.exceptions import NotFittedError
from skorch.callbacks import Callback
from torch import nn

from . import _registry

__all__ = [
    "PRETRAINED_DOC",
    "GradualUnfreezing",
    "PretrainedEncoder",
    "discriminative_param_groups",
    "fine_tune_language_model",
    "layer_groups",
    "read_pretrained",
]

PRETRAINED_DOC = ("a fitted word-level TextGenerator, a fitted RNNClassifier or RNNRegressor, "
                  "the path of a file written by sk_rnn.save, or None")
_CELL_TYPES = {"LSTM": "lstm", "GRU": "gru", "RNN_TANH": "rnn", "RNN_RELU": "rnn"}
_NUMERIC_KINDS = ("fixed", "numeric")
# Root mean square of the classifier's own initial embedding, uniform(-0.05, 0.05).
_EMBEDDING_RMS = 0.05 / 3**0.5


@dataclass
class PretrainedEncoder:
    """What a classifier or regressor takes from a pretrained model.

    Attributes
    ----------
    source : str
        The pretrained model, as error messages name it.
    input_kinds : tuple of str
        Input kinds (``"text"``, ``"tokens"``, ``"fixed"``, ``"numeric"``) the encoder
        reads.
    architecture : dict
        :class:`~sk_rnn.nn.SequenceEncoder` arguments that describe the network
        (everything but ``dropout``, and ``pooling`` when the source has none).
    state : dict of str to Tensor
        Copies of the pretrained weights, keyed as in the encoder's ``state_dict``.
    vectorizer : TextVectorizer or None
        A copy of the source's vocabulary (text input).
    n_tokens : int or None
        Token ids the embedding covers (token-id input).
    numeric : dict or None
        The source's ``n_channels_in_``, ``scaling_``, ``patch_length_`` and
        ``conv_frontend_`` (numeric input).
    language_model : TextGenerator or None
        The source itself when it is a language model (only read:
        :func:`fine_tune_language_model` trains a copy).
    """

    source: str
    input_kinds: tuple[str, ...]
    architecture: dict
    state: dict[str, torch.Tensor]
    vectorizer: Any = None
    n_tokens: int | None = None
    numeric: dict | None = field(default=None)
    language_model: Any = None


def read_pretrained(value, name: str = "pretrained") -> PretrainedEncoder:
    """Read ``value`` (see ``PRETRAINED_DOC``) into a :class:`PretrainedEncoder`.

    Raises ``TypeError`` for a value of the wrong kind and ``ValueError`` (or
    ``NotFittedError``) for an unusable one, each naming ``name``.
    """
    if isinstance(value, (str, os.PathLike)):
        value = _load(value, name)
    # Estimators say what they can give (``_pretrained_kind``): no import of theirs here,
    # since the classifier module imports this one.
    kind = getattr(type(value), "_pretrained_kind", None)
    if kind == "language_model":
        _check_fitted(value, name)
        return _from_language_model(value, name)
    if kind == "encoder":
        _check_fitted(value, name)
        return _from_estimator(value, name)
    raise TypeError(f"{name} must be {PRETRAINED_DOC}; got {type(value).__name__}.")


def _load(path, name: str):
    from .persistence import load

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(
            f"{name}={path!r} is not a file; pass the path of a file written by sk_rnn.save, "
            "or the fitted model itself."
        )
    return load(path)


def _check_fitted(value, name: str) -> None:
    if not value.__sklearn_is_fitted__():
        raise NotFittedError(
            f"{name} is an unfitted {type(value).__name__}; fit it first (the new model "
            "copies what it takes from it and never modifies it)."
        )


def _copy(tensor: torch.Tensor) -> torch.Tensor:
    return tensor.detach().to("cpu", copy=True)


def _from_language_model(lm, name: str) -> PretrainedEncoder:
    if lm.level != "word":
        raise ValueError(
            f"{name} is a {lm.level}-level TextGenerator, but the classifier and regressor "
            "read words: pretrain TextGenerator(level='word')."
        )
    module = lm.net_.module_
    embedding, rnn = module.embedding, module.rnn
    if rnn.bidirectional or rnn.input_size != embedding.embedding_dim:
        raise ValueError(
            f"{name}: the TextGenerator's network is not an embedding followed by a "
            "unidirectional recurrent stack, which is what an encoder can take."
        )
    n_tokens = lm.vectorizer_.n_tokens_
    state = {f"rnn.{key}": _copy(value) for key, value in rnn.state_dict().items()}
    # The language model's last row, the document boundary, has no place in the encoder;
    # row 0 is padding there.
    weights = _copy(embedding.weight[:n_tokens].float())
    weights[0] = 0.0
    # The same function at the classifier's embedding scale: embedding times c, the first
    # layer's input weights divided by c. The language model's embedding starts at
    # N(0, 1), 35 times the classifier's, and Adam's steps do not grow with the weights,
    # so unscaled it barely moves in fine-tuning (on the dev protocol the network alone
    # scored 2.5 points lower; benchmarks/RESULTS.md).
    factor = _EMBEDDING_RMS / max(float(weights[1:].pow(2).mean().sqrt()), 1e-12)
    state["embedding.weight"] = weights * factor
    state["rnn.weight_ih_l0"] = state["rnn.weight_ih_l0"] / factor
    return PretrainedEncoder(
        source="the TextGenerator",
        input_kinds=("text", "tokens"),
        architecture=dict(cell_type=_CELL_TYPES[rnn.mode], hidden_size=rnn.hidden_size,
                          num_layers=rnn.num_layers, bidirectional=False,
                          vocab_size=n_tokens, embedding_dim=embedding.embedding_dim),
        state=state,
        vectorizer=copy.deepcopy(lm.vectorizer_),
        n_tokens=n_tokens,
        language_model=lm,
    )


def fine_tune_language_model(transfer: PretrainedEncoder, texts: list[str], *, epochs: int,
                             seed: int, **params) -> PretrainedEncoder:
    """ULMFiT's second stage: a copy of ``transfer``'s language model trained ``epochs``
    more epochs on ``texts`` (the task's own texts, its vocabulary kept), read again.

    ``params`` are set on the copy (``device``, ``precision``, ``verbose``); the rest of
    its training parameters (learning rate and schedule, dropout, early stopping) are the
    language model's own.
    """
    lm = copy.deepcopy(transfer.language_model)
    lm.set_params(warm_start=True, max_epochs=int(epochs), random_state=int(seed),
                  callbacks=None, accelerator=None, **params)
    lm.fit(texts)
    return _from_language_model(lm, "pretrained")


def _from_estimator(estimator, name: str) -> PretrainedEncoder:
    module = estimator.net_.module_
    if _registry.is_quantized(module):
        raise ValueError(
            f"{name} holds int8 layers (sk_rnn.compression.quantize): pass the float model "
            "it was quantised from."
        )
    encoder = module.encoder
    architecture = {key: value for key, value in encoder.init_kwargs.items()
                    if key not in ("dropout", "embedding_weights", "freeze_embeddings")}
    kind = estimator.input_kind_
    transfer = PretrainedEncoder(
        source=f"the {type(estimator).__name__}",
        input_kinds=_NUMERIC_KINDS if kind in _NUMERIC_KINDS else (kind,),
        architecture=architecture,
        state={key: _copy(value) for key, value in encoder.state_dict().items()},
    )
    if kind == "text":
        transfer.vectorizer = copy.deepcopy(estimator.vectorizer_)
    elif kind == "tokens":
        transfer.n_tokens = estimator.n_tokens_
    else:
        transfer.numeric = {key: getattr(estimator, key) for key in (
            "n_channels_in_", "scaling_", "patch_length_", "conv_frontend_")}
    return transfer


def load_encoder_state(encoder: nn.Module, transfer: PretrainedEncoder) -> None:
    """Copy the pretrained weights into a freshly built encoder of the same architecture."""
    missing, unexpected = encoder.load_state_dict(transfer.state, strict=False)
    if unexpected:
        raise ValueError(f"the encoder has no place for the pretrained weights {unexpected}.")


def layer_groups(transfer: PretrainedEncoder) -> list[list[str]]:
    """Names of the pretrained parameters of a :class:`~sk_rnn.nn.SequenceModel` (its
    ``encoder.*``), in layer groups from the top (the last recurrent layer, with a
    pretrained pooling) to the bottom (the embedding or convolutional front-end)."""
    num_layers = transfer.architecture["num_layers"]
    groups: list[list[str]] = [[] for _ in range(num_layers + 1)]
    for key in transfer.state:
        if key.startswith("rnn."):
            layer = int(key.rsplit("_l", 1)[1].removesuffix("_reverse"))
            groups[num_layers - 1 - layer].append(f"encoder.{key}")
        elif key.startswith("pool."):
            groups[0].append(f"encoder.{key}")
        else:  # the embedding or the convolutional front-end
            groups[num_layers].append(f"encoder.{key}")
    return [group for group in groups if group]


def discriminative_param_groups(groups: list[list[str]], lr: float,
                                decay: float) -> list[tuple[str, dict]]:
    """skorch ``optimizer__param_groups``: the ``k``-th group from the top learns at
    ``lr / decay ** (k + 1)``; the parameters not named (the new head) at ``lr``."""
    return [(name, {"lr": lr / decay ** (depth + 1)})
            for depth, group in enumerate(groups) for name in group]


class GradualUnfreezing(Callback):
    """Train the new head alone in the first epoch, then unfreeze one layer group of the
    pretrained encoder per epoch, from the top (ULMFiT's gradual unfreezing).

    Parameters frozen by the user (``freeze_embeddings``) stay frozen; at the end of
    training every group is trainable again.

    Parameters
    ----------
    groups : list of list of str
        Parameter names, top group first (:func:`layer_groups`).
    """

    def __init__(self, groups: list[list[str]]) -> None:
        self.groups = groups

    def on_train_begin(self, net, **kwargs) -> None:
        params = dict(net.module_.named_parameters())
        self.managed_ = [[name for name in group if name in params and params[name].requires_grad]
                         for group in self.groups]
        self._unfreeze(net, 0)

    def on_epoch_begin(self, net, **kwargs) -> None:
        self._unfreeze(net, len(net.history) - 1)  # skorch has opened this epoch's row

    def on_train_end(self, net, **kwargs) -> None:
        self._unfreeze(net, len(self.managed_))

    def _unfreeze(self, net, n_groups: int) -> None:
        params = dict(net.module_.named_parameters())
        for depth, group in enumerate(self.managed_):
            for name in group:
                params[name].requires_grad_(depth < n_groups)
