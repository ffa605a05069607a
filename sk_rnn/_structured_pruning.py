"""Structured pruning of a classifier's or regressor's network: whole hidden units and
embedding dimensions are removed, so that what remains is a smaller *dense*
:class:`~sk_rnn.nn.SequenceModel` (the surgery behind
``sk_rnn.compression.prune(..., structured=True)``).

A hidden unit of one layer and direction is the ``j``-th row of every gate block of that
direction's ``weight_ih``, ``weight_hh`` and biases (4 blocks for an LSTM, 3 for a GRU, 1
for a plain RNN), plus the columns that read its output: column ``j`` of its own
``weight_hh``, and column ``d * hidden_size + j`` (``d`` its direction) of the next
layer's ``weight_ih`` in both directions, or, for the last layer, of the head and of the
attention pooling's first layer. An embedding dimension is a column of the embedding and
the matching input column of the first layer (both directions). Every layer and
direction keeps as many units (``nn.LSTM`` has one ``hidden_size``), each its own best.
The attention pooling's hidden layer, as wide as the encoder's output, shrinks with it.

The smaller module is built from its recorded constructor arguments with the new sizes
(as :func:`sk_rnn.load` rebuilds one), and the kept weights are loaded into it.
"""

from __future__ import annotations

import copy
from numbers import Integral

import torch
from torch import nn

from ._sequences import length_batches
from .nn.encoder import SequenceModel, run_padded, supports_run_padded

__all__ = [
    "CRITERIA",
    "activation_means",
    "check_fine_tune_epochs",
    "check_prunable",
    "forget_training_weights",
    "prune_units",
    "unit_scores",
    "units_left",
]

#: How units are ranked, lowest removed first (see :func:`unit_scores`).
CRITERIA = ("weight", "activation", "contribution")
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def units_left(size: int, amount: float) -> int:
    """Units kept of ``size`` when the share ``amount`` is removed (rounded as
    :func:`~sk_rnn.compression.prune` rounds unstructured counts)."""
    return size - int(round(amount * size))


def check_prunable(module: nn.Module, amount: float, function: str = "prune") -> None:
    """Refuse a module the surgery does not know, or an ``amount`` that would leave a
    layer without units.

    Raises
    ------
    TypeError
        If ``module`` is not a :class:`SequenceModel` over a plain batch-first
        ``nn.RNN``/``nn.LSTM``/``nn.GRU``.
    ValueError
        If removing ``amount`` of the hidden units or embedding dimensions leaves none.
    """
    rnn = getattr(getattr(module, "encoder", None), "rnn", None)
    if type(module) is not SequenceModel or rnn is None or not supports_run_padded(rnn) \
            or not rnn.bias:
        raise TypeError(
            f"{function}(structured=True): the estimator's network is a "
            f"{type(module).__name__}, not the SequenceModel over an RNN/LSTM/GRU stack "
            "that RNNClassifier and RNNRegressor build; use structured=False."
        )
    sizes = {"hidden units of each recurrent layer": rnn.hidden_size}
    if module.encoder.embedding is not None:
        sizes["embedding dimensions"] = module.encoder.embedding.embedding_dim
    for what, size in sizes.items():
        if units_left(size, amount) < 1:
            raise ValueError(
                f"{function}(amount={amount!r}, structured=True): removing "
                f"round({amount!r} * {size}) = {int(round(amount * size))} of the {size} "
                f"{what} would leave none; use a smaller amount."
            )


def _layer_names(rnn: nn.RNNBase) -> list[tuple[int, int, str]]:
    """``(layer, direction, suffix)`` of every layer and direction of ``rnn``."""
    directions = 2 if rnn.bidirectional else 1
    return [(layer, d, f"_l{layer}" + ("_reverse" if d else ""))
            for layer in range(rnn.num_layers) for d in range(directions)]


def _gate_rows(units: torch.Tensor, hidden: int, gates: int) -> torch.Tensor:
    """Rows of ``units`` in every gate block of a ``(gates * hidden, ...)`` matrix."""
    return torch.cat([g * hidden + units for g in range(gates)])


def _readers(state: dict, rnn: nn.RNNBase, layer: int) -> list[torch.Tensor]:
    """The matrices whose columns read layer ``layer``'s outputs (both directions side
    by side): the next layer's input weights, or the head and the attention pooling."""
    if layer + 1 < rnn.num_layers:
        return [state[f"encoder.rnn.weight_ih{suffix}"]
                for next_layer, _, suffix in _layer_names(rnn) if next_layer == layer + 1]
    return [state[key] for key in ("head.weight", "encoder.pool.score.0.weight")
            if key in state]


def _column_norms(matrices: list[torch.Tensor], columns: slice) -> torch.Tensor:
    """L2 norm of each column in ``columns``, over all of ``matrices`` together."""
    return torch.sqrt(sum(m[:, columns].pow(2).sum(dim=0) for m in matrices))


def unit_scores(
    module: SequenceModel, criterion: str, activations: dict | None = None
) -> tuple[dict[tuple[int, int], torch.Tensor], torch.Tensor | None]:
    """Importance of every hidden unit (per layer and direction) and embedding dimension.

    ``"weight"``: a unit's L2 norm over its rows in every gate (input and recurrent
    weights, biases) and its outgoing columns (its own recurrent column, the next
    layer's or the head's and attention's input columns); an embedding dimension's,
    the root mean square of its embedding column (the padding row aside) times the norm
    of its columns of the first layer's input weights. ``"activation"``: the mean
    absolute output over the real steps of the data (``activations``, from
    :func:`activation_means`). ``"contribution"``: that mean times the norm of the
    outgoing columns, an estimate of how much the unit feeds what reads it.

    Returns
    -------
    units : dict of (layer, direction) -> Tensor of shape (hidden_size,)
    dims : Tensor of shape (embedding_dim,) or None
        None without an embedding.
    """
    state = module.state_dict()
    rnn = module.encoder.rnn
    hidden, gates = rnn.hidden_size, _GATES[rnn.mode]
    units = {}
    for layer, d, suffix in _layer_names(rnn):
        own = slice(d * hidden, (d + 1) * hidden)
        out2 = (_column_norms([state[f"encoder.rnn.weight_hh{suffix}"]], slice(None)).pow(2)
                + _column_norms(_readers(state, rnn, layer), own).pow(2))
        if criterion == "weight":
            rows = sum(state[f"encoder.rnn.{name}{suffix}"].reshape(gates, hidden, -1)
                       .pow(2).sum(dim=(0, 2))
                       for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            units[layer, d] = torch.sqrt(rows + out2)
        else:
            mean = activations["units"][layer, d]
            units[layer, d] = mean if criterion == "activation" else mean * out2.sqrt()
    embedding = module.encoder.embedding
    if embedding is None:
        return units, None
    first = [state[f"encoder.rnn.weight_ih{suffix}"]
             for layer, _, suffix in _layer_names(rnn) if layer == 0]
    outgoing = _column_norms(first, slice(None))
    if criterion == "weight":
        dims = embedding.weight[1:].detach().pow(2).mean(dim=0).sqrt() * outgoing
    else:
        dims = activations["dims"] if criterion == "activation" else (
            activations["dims"] * outgoing)
    return units, dims


def _attention_scores(state: dict) -> torch.Tensor:
    """Importance of the attention pooling's hidden units: the norm of each one's input
    row and bias times its weight in the score."""
    rows = torch.sqrt(state["encoder.pool.score.0.weight"].pow(2).sum(dim=1)
                      + state["encoder.pool.score.0.bias"].pow(2))
    return rows * state["encoder.pool.score.2.weight"][0].abs()


def _highest(scores: torch.Tensor, keep: int) -> torch.Tensor:
    """Sorted indices of the ``keep`` highest ``scores`` (ties: the lower index stays)."""
    order = torch.argsort(-scores.double(), stable=True)
    return torch.sort(order[:keep]).values


@torch.no_grad()
def activation_means(module: SequenceModel, sequences, batch_size: int = 256) -> dict:
    """Mean absolute output of every hidden unit and embedding dimension over the real
    steps of ``sequences`` (prepared by the estimator, as for ``predict``).

    The stack runs one layer at a time (a one-layer copy of each, through
    :func:`~sk_rnn.nn.encoder.run_padded`) so that every layer's outputs are seen.

    Returns
    -------
    dict
        ``"units"``: ``(layer, direction) -> Tensor (hidden_size,)``; ``"dims"``: Tensor
        ``(embedding_dim,)`` or None without an embedding.
    """
    encoder = module.encoder
    rnn = encoder.rnn
    hidden, directions = rnn.hidden_size, 2 if rnn.bidirectional else 1
    layers = _single_layers(rnn)
    unit_sums = [torch.zeros(directions * hidden, dtype=torch.float64) for _ in layers]
    dim_sum, steps = None, 0
    with torch.inference_mode():
        for _, batch in length_batches(sequences.data, sequences.lengths, batch_size):
            lengths = batch["lengths"]
            x = encoder.rnn_inputs(batch["x"], lengths)
            if encoder.embedding is not None:
                real = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).unsqueeze(2)
                total = (x.abs() * real).sum(dim=(0, 1)).double()
                dim_sum = total if dim_sum is None else dim_sum + total
            for layer, single in enumerate(layers):
                x, _ = run_padded(single, x, lengths)  # zero at the padded steps
                unit_sums[layer] += x.abs().sum(dim=(0, 1)).double()
            steps += int(lengths.sum())
    steps = max(steps, 1)
    units = {(layer, d): (unit_sums[layer][d * hidden:(d + 1) * hidden] / steps).float()
             for layer in range(rnn.num_layers) for d in range(directions)}
    return {"units": units, "dims": None if dim_sum is None else (dim_sum / steps).float()}


def _single_layers(rnn: nn.RNNBase) -> list[nn.RNNBase]:
    """One one-layer stack (both directions) per layer of ``rnn``, with its weights."""
    directions = 2 if rnn.bidirectional else 1
    layers = []
    for layer in range(rnn.num_layers):
        kwargs = dict(input_size=rnn.input_size if layer == 0 else directions * rnn.hidden_size,
                      hidden_size=rnn.hidden_size, num_layers=1, batch_first=True,
                      bidirectional=rnn.bidirectional, bias=rnn.bias)
        if isinstance(rnn, nn.RNN):
            kwargs["nonlinearity"] = rnn.nonlinearity
        with torch.random.fork_rng(devices=[]):  # the initial weights are replaced
            single = type(rnn)(**kwargs).eval()
        single.load_state_dict({
            name.replace(f"_l{layer}", "_l0"): param
            for name, param in rnn.named_parameters() if f"_l{layer}" in name
            and name.split(f"_l{layer}")[1] in ("", "_reverse")})
        layers.append(single)
    return layers


def prune_units(
    module: SequenceModel, amount: float, criterion: str, activations: dict | None = None
) -> tuple[SequenceModel, dict]:
    """A smaller dense copy of ``module`` without the ``amount`` share of its hidden
    units (every layer and direction) and embedding dimensions ranked lowest by
    ``criterion`` (see :func:`unit_scores`); ``module`` is left unchanged.

    Returns
    -------
    pruned : SequenceModel
        In evaluation mode, built from ``module``'s constructor arguments with the new
        ``hidden_size`` and ``embedding_dim``; its n-gram path is ``module``'s.
    sizes : dict
        ``"hidden_size"`` and ``"embedding_dim"`` (None without an embedding) as
        ``(before, after)``.
    """
    units, dims = unit_scores(module, criterion, activations)
    state = {key: value.detach().clone() for key, value in module.state_dict().items()}
    rnn = module.encoder.rnn
    hidden, gates = rnn.hidden_size, _GATES[rnn.mode]
    new_hidden = units_left(hidden, amount)
    kept = {key: _highest(scores, new_hidden) for key, scores in units.items()}
    directions = 2 if rnn.bidirectional else 1

    def outputs_of(layer: int) -> torch.Tensor:  # columns of layer's kept outputs
        return torch.cat([d * hidden + kept[layer, d] for d in range(directions)])

    sizes = {"hidden_size": (hidden, new_hidden), "embedding_dim": None}
    inputs = None  # the first layer's input columns: all, or the kept embedding dims
    if dims is not None:
        embedding_dim = module.encoder.embedding.embedding_dim
        new_dim = units_left(embedding_dim, amount)
        inputs = _highest(dims, new_dim)
        state["encoder.embedding.weight"] = state["encoder.embedding.weight"][:, inputs]
        sizes["embedding_dim"] = (embedding_dim, new_dim)
    for layer, d, suffix in _layer_names(rnn):
        rows = _gate_rows(kept[layer, d], hidden, gates)
        columns = inputs if layer == 0 else outputs_of(layer - 1)
        weight_ih = state[f"encoder.rnn.weight_ih{suffix}"][rows]
        state[f"encoder.rnn.weight_ih{suffix}"] = (weight_ih if columns is None
                                                   else weight_ih[:, columns])
        state[f"encoder.rnn.weight_hh{suffix}"] = \
            state[f"encoder.rnn.weight_hh{suffix}"][rows][:, kept[layer, d]]
        for name in ("bias_ih", "bias_hh"):
            state[f"encoder.rnn.{name}{suffix}"] = state[f"encoder.rnn.{name}{suffix}"][rows]
    out = outputs_of(rnn.num_layers - 1)
    state["head.weight"] = state["head.weight"][:, out]
    if "encoder.pool.score.0.weight" in state:
        attention = _highest(_attention_scores(state), len(out))
        score = "encoder.pool.score"
        state[f"{score}.0.weight"] = state[f"{score}.0.weight"][attention][:, out]
        state[f"{score}.0.bias"] = state[f"{score}.0.bias"][attention]
        state[f"{score}.2.weight"] = state[f"{score}.2.weight"][:, attention]
    kwargs = copy.copy(module.init_kwargs)
    kwargs["hidden_size"] = new_hidden
    if sizes["embedding_dim"] is not None:
        kwargs["embedding_dim"] = sizes["embedding_dim"][1]
    with torch.random.fork_rng(devices=[]):  # building draws initial weights
        pruned = type(module)(**kwargs)
    pruned.load_state_dict({key: value.contiguous() for key, value in state.items()})
    return pruned.eval(), sizes


def check_fine_tune_epochs(value, function: str = "prune") -> int:
    """``fine_tune_epochs`` as an int >= 0, or a ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(
            f"{function}(fine_tune_epochs=...): fine_tune_epochs must be an integer >= 0 "
            f"(epochs of training after the pruning), found {value!r}."
        )
    return int(value)


def forget_training_weights(net) -> None:
    """Drop the copies of the old weights that early stopping keeps (best epoch and its
    neighbours): they have the unpruned shapes and are only used during a fit."""
    for _, callback in getattr(net, "callbacks_", None) or ():
        for key in ("best_model_weights_", "last_weights_", "before_best_weights_",
                    "after_best_weights_"):
            if getattr(callback, key, None) is not None:
                setattr(callback, key, None)

