"""Quantised modules as plain tensors, for the safe file format of :func:`sk_rnn.save`.

:func:`sk_rnn.compression.quantize` turns linear, LSTM/GRU and embedding layers into
PyTorch's dynamically quantised modules, whose weights live in packed objects
(TorchScript classes) that ``torch.load(weights_only=True)`` refuses to read. Here each
quantised layer is written as the tensors that define it exactly (the int8 or uint8
values, their scales and zero points, the float biases), and rebuilt from them: the
float module is built as usual, quantised with the same layer-by-layer specification,
and its packed weights replaced by the stored ones, so that the loaded model predicts
exactly as the saved one.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn
from torch.ao.nn.quantized import Embedding as QuantizedEmbedding
from torch.ao.nn.quantized import dynamic as qdynamic
from torch.ao.nn.quantized.dynamic.modules.rnn import PackedParameter

__all__ = ["quantized_layers", "rebuild_quantized"]

_KINDS = {"linear": qdynamic.Linear, "rnn": (qdynamic.LSTM, qdynamic.GRU),
          "embedding": QuantizedEmbedding}


def _split_qtensor(q: torch.Tensor, key: str) -> dict[str, torch.Tensor]:
    """The plain tensors that define the quantised tensor ``q``."""
    if q.qscheme() == torch.per_tensor_affine:
        return {f"{key}.int": q.int_repr(),
                f"{key}.scale": torch.tensor(q.q_scale(), dtype=torch.float64),
                f"{key}.zero_point": torch.tensor(q.q_zero_point(), dtype=torch.int64)}
    if q.qscheme() == torch.per_channel_affine_float_qparams:
        return {f"{key}.int": q.int_repr(),
                f"{key}.scales": q.q_per_channel_scales(),
                f"{key}.zero_points": q.q_per_channel_zero_points(),
                f"{key}.axis": torch.tensor(q.q_per_channel_axis(), dtype=torch.int64)}
    raise TypeError(f"cannot store a quantised tensor with scheme {q.qscheme()}")


def _join_qtensor(tensors: dict[str, torch.Tensor], key: str) -> torch.Tensor:
    values = tensors[f"{key}.int"]
    if f"{key}.scale" in tensors:
        return torch._make_per_tensor_quantized_tensor(
            values, float(tensors[f"{key}.scale"]), int(tensors[f"{key}.zero_point"]))
    return torch._make_per_channel_quantized_tensor(
        values, tensors[f"{key}.scales"], tensors[f"{key}.zero_points"],
        int(tensors[f"{key}.axis"]))


def _rnn_cells(module) -> list[tuple[str, str, str, str]]:
    """(weight_ih, weight_hh, bias_ih, bias_hh) names of every layer and direction, in
    the order of ``_all_weight_values``."""
    suffixes = [f"_l{layer}{'_reverse' if direction else ''}"
                for layer in range(module.num_layers)
                for direction in range(2 if module.bidirectional else 1)]
    return [(f"weight_ih{s}", f"weight_hh{s}", f"bias_ih{s}", f"bias_hh{s}")
            for s in suffixes]


def quantized_layers(module: nn.Module) -> tuple[dict[str, torch.Tensor], dict[str, dict]]:
    """Split a quantised module into its float state and its quantised layers.

    Returns
    -------
    float_state : dict
        The ``state_dict`` entries outside the quantised layers (plain tensors).
    layers : dict
        Layer name to ``{"kind": "linear" | "rnn" | "embedding", "tensors": {...}}``.
    """
    layers: dict[str, dict] = {}
    for name, sub in module.named_modules():
        if any(name.startswith(f"{layer}.") for layer in layers):
            continue  # the packed parameters inside a layer already stored
        tensors: dict[str, torch.Tensor] = {}
        if isinstance(sub, qdynamic.Linear):
            weight, bias = sub._weight_bias()
            tensors.update(_split_qtensor(weight, "weight"))
            if bias is not None:
                tensors["bias"] = bias
            layers[name] = {"kind": "linear", "tensors": tensors}
        elif isinstance(sub, (qdynamic.LSTM, qdynamic.GRU)):
            found = sub._weight_bias()
            for w_ih, w_hh, b_ih, b_hh in _rnn_cells(sub):
                tensors.update(_split_qtensor(found["weight"][w_ih], w_ih))
                tensors.update(_split_qtensor(found["weight"][w_hh], w_hh))
                tensors[b_ih], tensors[b_hh] = found["bias"][b_ih], found["bias"][b_hh]
            layers[name] = {"kind": "rnn", "tensors": tensors}
        elif isinstance(sub, QuantizedEmbedding):
            tensors.update(_split_qtensor(sub.weight(), "weight"))
            layers[name] = {"kind": "embedding", "tensors": tensors}
        elif type(sub).__module__.startswith("torch.ao.nn.quantized"):
            raise TypeError(f"cannot store the quantised layer {name!r} ({type(sub).__name__})")
    prefixes = tuple(f"{name}." for name in layers)
    float_state = {key: value for key, value in module.state_dict().items()
                   if not key.startswith(prefixes)}
    return float_state, layers


def rebuild_quantized(module: nn.Module, float_state: dict[str, torch.Tensor],
                      layers: dict[str, dict]) -> nn.Module:
    """The float ``module`` loaded with ``float_state`` and quantised layer by layer as
    ``layers`` (from :func:`quantized_layers`) say, with exactly their stored weights.

    Raises
    ------
    ValueError
        If a layer's kind is unknown, a named layer is missing, or the float state does
        not fit the module.
    """
    named = dict(module.named_modules())
    spec = {}
    for name, layer in layers.items():
        if name not in named or layer.get("kind") not in _KINDS:
            raise ValueError(f"quantised layer {name!r} ({layer.get('kind')!r}) does not fit "
                             f"the module {type(module).__name__}")
        spec[name] = (torch.ao.quantization.float_qparams_weight_only_qconfig
                      if layer["kind"] == "embedding"
                      else torch.ao.quantization.default_dynamic_qconfig)
    result = module.load_state_dict(float_state, strict=False)
    prefixes = tuple(f"{name}." for name in layers)
    missing = [key for key in result.missing_keys if not key.startswith(prefixes)]
    if missing or result.unexpected_keys:
        raise ValueError(f"the stored state does not fit {type(module).__name__}: missing "
                         f"{missing[:5]}, unexpected {result.unexpected_keys[:5]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
        module = torch.ao.quantization.quantize_dynamic(module.eval(), spec,
                                                        dtype=torch.qint8, inplace=True)
    named = dict(module.named_modules())
    for name, layer in layers.items():
        sub, tensors = named[name], layer["tensors"]
        if not isinstance(sub, _KINDS[layer["kind"]]):
            raise ValueError(f"layer {name!r} did not quantise as a {layer['kind']} layer")
        if layer["kind"] == "linear":
            sub.set_weight_bias(_join_qtensor(tensors, "weight"), tensors.get("bias"))
        elif layer["kind"] == "embedding":
            sub.set_weight(_join_qtensor(tensors, "weight"))
        else:
            cells = []
            for w_ih, w_hh, b_ih, b_hh in _rnn_cells(sub):
                packed_ih = torch.ops.quantized.linear_prepack(_join_qtensor(tensors, w_ih),
                                                               tensors[b_ih])
                packed_hh = torch.ops.quantized.linear_prepack(_join_qtensor(tensors, w_hh),
                                                               tensors[b_hh])
                cells.append(PackedParameter(
                    torch.ops.quantized.make_quantized_cell_params_dynamic(
                        packed_ih, packed_hh, tensors[b_ih], tensors[b_hh], True)))
            sub._all_weight_values = nn.ModuleList(cells)
    return module
