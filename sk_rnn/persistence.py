"""Safe persistence: :func:`save` and :func:`load`.

``pickle`` and ``joblib`` files can run arbitrary code when they are loaded, so they must
only be loaded from trusted sources. :func:`save` writes a fitted estimator in a format
that holds data only, and :func:`load` rebuilds the estimator from it without ever
unpickling or importing anything named in the file:

* a zip archive with two members;
* ``estimator.json``: the format version, the versions of sk_rnn and torch, and the
  estimator's state (hyper-parameters, vocabularies, scalers, training history, the
  network's constructor arguments ...) as a JSON tree;
* ``tensors.pt``: the weights and numeric arrays, a ``dict`` of tensors written with
  :func:`torch.save` and read with ``torch.load(..., weights_only=True)``.

In the JSON tree, plain JSON values (``null``, booleans, numbers, strings, lists) stand
for themselves; every other value is an object with a ``"__type__"`` key, e.g.
``{"__type__": "tuple", "items": [...]}``, ``{"__type__": "ndarray", "dtype": "<f4",
"shape": [3], "tensor": "t0"}`` or ``{"__type__": "object", "class":
"sk_rnn.text.TextVectorizer", "state": {...}}``. Classes and functions are named by their
qualified name and resolved only through an allowlist, :mod:`sk_rnn._registry`, where the
sk_rnn estimators, modules, losses and loaders and the few skorch, sktime and torch types
they hold register themselves; anything else is refused. The skorch net is stored as its
module's class, constructor arguments and ``state_dict``, its optimizer's
``state_dict``, its data-only parameters and its training history, and rebuilt as an
initialised :class:`~sk_rnn._base.RNNNet`. A net trained
through an ``accelerate.Accelerator`` is stored the same way, on its device type
(``"cuda"`` or ``"cpu"``); the accelerator itself is not stored (the estimator loads with
``accelerator=None``, and :func:`save` warns). The int8 layers of a model quantised by
:func:`sk_rnn.compression.quantize` are stored as their int8 values, scales and zero
points (:mod:`sk_rnn._quantized_state`) and rebuilt exactly.

What cannot be expressed this way (user-defined callbacks, a custom tokenizer function,
an optimizer class of one's own, pretrained embeddings given as a gensim object ...) makes
:func:`save` raise a ``TypeError`` naming the attribute; pickle such estimators instead,
for trusted use only.
"""

from __future__ import annotations

import base64
import enum
import functools
import io
import json
import math
import os
import types
import warnings
import zipfile
from typing import Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from skorch.exceptions import DeviceWarning
from skorch.history import History

from . import _registry
from ._quantized_state import quantized_layers, rebuild_quantized

__all__ = ["FORMAT_VERSION", "load", "save"]

#: Version of the file layout; :func:`load` refuses files of a newer version.
FORMAT_VERSION = 1
_FORMAT_NAME = "sk_rnn.persistence"
_JSON_MEMBER = "estimator.json"
_TENSOR_MEMBER = "tensors.pt"
# Net parameters rebuilt on load (module) or only meaningful during training.
_NET_PARAMS_SKIPPED = ("module", "train_split", "callbacks", "_params_to_validate")
_NUMPY_TENSOR_KINDS = "biufc"
_NUMPY_KINDS = "biufcOUSMm"
# How format 1 names the skorch net: where RNNNet lived when the format was made (it is
# now in sk_rnn._net). A name in the file, not an import path.
_NET_CLASS_NAME = "sk_rnn._base.RNNNet"
_TRUSTED_USE = "use pickle or joblib instead, and load such files only from trusted sources"


_qualname = _registry.qualified_name


def _registered(kind: _registry.Kind, name: str) -> Any:
    """What the registry allows as a ``kind`` under ``name``, or None."""
    try:
        return _registry.lookup(kind, name)
    except KeyError:
        return None


# ---------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------
class _Encoder:
    """Turn an object tree into JSON-ready data plus a dict of tensors."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}
        self._tensor_keys: dict[int, str] = {}
        self._refs: dict[int, int] = {}
        self._keep_alive: list = []  # ids stay unique while the encoder lives
        self._active: set[int] = set()

    def _unsupported(self, path: str, value, why: str = "") -> TypeError:
        if isinstance(value, type):
            what = f"the class {_qualname(value)}"
        elif callable(value) and hasattr(value, "__qualname__"):
            what = f"the function {_qualname(value)}"
        else:
            what = f"a {_qualname(type(value))} object"
        return TypeError(
            f"sk_rnn.save cannot store {path} ({what}){': ' + why if why else ''}. The "
            "safe format holds data only (parameters, arrays, sk_rnn's own classes); "
            f"{_TRUSTED_USE}."
        )

    def tensor(self, tensor: torch.Tensor) -> str:
        key = self._tensor_keys.get(id(tensor))
        if key is None:
            key = f"t{len(self.tensors)}"
            self._tensor_keys[id(tensor)] = key
            self._keep_alive.append(tensor)
            self.tensors[key] = tensor.detach().to("cpu", copy=True).contiguous()
        return key

    def encode(self, value, path: str):
        """JSON-ready form of ``value`` (``path`` names it in error messages)."""
        if isinstance(value, np.generic):
            return self._numpy_scalar(value, path)
        if value is None or type(value) in (bool, str, int):
            return value
        if type(value) is float:
            if not math.isfinite(value):
                return {"__type__": "float", "value": repr(value)}
            return value
        if type(value) is list:
            return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if type(value) is tuple:
            return {"__type__": "tuple",
                    "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(value)]}
        if type(value) in (set, frozenset):
            items = sorted(value, key=repr)
            return {"__type__": type(value).__name__,
                    "items": [self.encode(v, f"{path}{{{v!r}}}") for v in items]}
        if type(value) is dict:
            return self._dict(value, path)
        if type(value) is bytes:
            return {"__type__": "bytes", "base64": base64.b64encode(value).decode("ascii")}
        if isinstance(value, np.ndarray) and type(value) is np.ndarray:
            return self._ndarray(value, path)
        if isinstance(value, torch.Tensor):
            if type(value) not in (torch.Tensor, torch.nn.Parameter):
                raise self._unsupported(path, value)
            return {"__type__": "tensor", "tensor": self.tensor(value),
                    "parameter": type(value) is torch.nn.Parameter,
                    "requires_grad": bool(value.requires_grad)}
        if isinstance(value, torch.device):
            return {"__type__": "torch.device", "value": str(value)}
        if isinstance(value, torch.dtype):
            return {"__type__": "torch.dtype", "value": str(value).removeprefix("torch.")}
        if isinstance(value, np.dtype):
            return self._numpy_dtype(value, path)
        if isinstance(value, enum.Enum):
            name = _qualname(type(value))
            if _registered("enum", name) is None:
                raise self._unsupported(path, value)
            return {"__type__": "enum", "class": name, "name": value.name}
        if isinstance(value, (type, *_FUNCTION_TYPES)):
            return self._reference(value, path)
        return self._tracked(value, path)

    def _tracked(self, value, path: str):
        """Any other object. An object met again (the history that the net and the
        estimator share) is stored once and referred to, so it stays one object."""
        ref = self._refs.get(id(value))
        if ref is not None:
            return {"__type__": "ref", "id": ref}
        if id(value) in self._active:
            raise self._unsupported(path, value, "it contains itself")
        self._active.add(id(value))
        try:
            node = self._object(value, path)
        finally:
            self._active.discard(id(value))
        if isinstance(node, dict) and node.get("__type__") in ("object", "history", "net"):
            self._refs[id(value)] = node["id"] = len(self._refs)
            self._keep_alive.append(value)
        return node

    def _object(self, value, path: str):
        from ._accelerate import AcceleratedRNNNet
        from ._net import RNNNet

        if type(value) is History:
            return {"__type__": "history", "items": self.encode(list(value), path)}
        if type(value) in (RNNNet, AcceleratedRNNNet):
            return self._net(value, path)
        if isinstance(value, (pd.Index, pd.Series, pd.DataFrame)) or _is_offset(value):
            return self._pandas(value, path)
        name = _qualname(type(value))
        if _registered("object", name) is None:
            raise self._unsupported(path, value)
        state = value.__getstate__()
        if not isinstance(state, dict):
            raise self._unsupported(path, value, "its state is not a dict")
        return {"__type__": "object", "class": name, "state": self._dict(state, path, ".")}

    def _dict(self, value: dict, path: str, sep: str | None = None):
        if all(type(k) is str for k in value):
            def key_path(k):
                return f"{path}{sep}{k}" if sep else f"{path}[{k!r}]"
            return {"__type__": "dict",
                    "value": {k: self.encode(v, key_path(k)) for k, v in value.items()}}
        return {"__type__": "dict", "items": [
            [self.encode(k, f"{path} key {k!r}"), self.encode(v, f"{path}[{k!r}]")]
            for k, v in value.items()
        ]}

    def _reference(self, value, path: str):
        name = getattr(value, "__qualname__", None) and _qualname(value)
        if _registered("reference", name) is not value:
            raise self._unsupported(path, value)
        return {"__type__": "reference", "name": name}

    def _numpy_dtype(self, dtype: np.dtype, path: str):
        if dtype.kind not in _NUMPY_KINDS or dtype.fields is not None or dtype.subdtype:
            raise self._unsupported(path, dtype, "only plain numpy dtypes are stored")
        return {"__type__": "numpy.dtype", "value": dtype.str}

    def _numpy_scalar(self, value: np.generic, path: str):
        if value.dtype.kind not in "biufcUS":
            raise self._unsupported(path, value)
        item = value.item()
        if isinstance(item, complex):
            item = [item.real, item.imag]
        return {"__type__": "numpy.scalar", "dtype": value.dtype.str,
                "value": self.encode(item, path)}

    def _ndarray(self, array: np.ndarray, path: str):
        node = {"__type__": "ndarray", "dtype": self._numpy_dtype(array.dtype, path)["value"],
                "shape": list(array.shape)}
        kind = array.dtype.kind
        if kind in _NUMPY_TENSOR_KINDS or kind in "Mm":
            data = array.view(np.int64) if kind in "Mm" else array
            data = np.ascontiguousarray(data, dtype=data.dtype.newbyteorder("="))
            try:
                node["tensor"] = self.tensor(torch.from_numpy(data))
            except TypeError:  # a dtype torch has no tensor for
                raise self._unsupported(path, array) from None
        else:  # strings and objects, element by element
            flat = array.ravel().tolist() if kind in "US" else list(array.ravel())
            node["items"] = [self.encode(v, f"{path}[{i}]") for i, v in enumerate(flat)]
        return node

    def _pandas(self, value, path: str):
        if _is_offset(value):
            return {"__type__": "pandas.offset", "value": value.freqstr}
        if isinstance(value, pd.DataFrame):
            return {"__type__": "pandas.DataFrame",
                    "index": self._pandas(value.index, f"{path}.index"),
                    "columns": self._pandas(value.columns, f"{path}.columns"),
                    "data": [self._array(value.iloc[:, i].array, f"{path}.iloc[:, {i}]")
                             for i in range(value.shape[1])]}
        if isinstance(value, pd.Series):
            return {"__type__": "pandas.Series", "name": self.encode(value.name, path),
                    "index": self._pandas(value.index, f"{path}.index"),
                    "data": self._array(value.array, path)}
        name = self.encode(value.name, f"{path}.name")
        if type(value) is pd.RangeIndex:
            return {"__type__": "pandas.RangeIndex", "start": value.start,
                    "stop": value.stop, "step": value.step, "name": name}
        if type(value) is pd.MultiIndex:
            return {"__type__": "pandas.MultiIndex",
                    "levels": [self._pandas(lvl, f"{path}.levels[{i}]")
                               for i, lvl in enumerate(value.levels)],
                    "codes": [self._ndarray(np.asarray(c), path) for c in value.codes],
                    "names": self.encode(list(value.names), path)}
        if type(value) in (pd.Index, pd.PeriodIndex, pd.DatetimeIndex):
            node = {"__type__": "pandas.Index", "name": name,
                    "data": self._array(value.array, path)}
            freq = getattr(value, "freq", None)
            if isinstance(value, pd.DatetimeIndex) and freq is not None:
                node["freq"] = freq.freqstr
            return node
        raise self._unsupported(path, value)

    def _array(self, array, path: str):
        """A pandas array: numpy-backed, periods, datetimes or strings."""
        if isinstance(array, pd.arrays.PeriodArray):
            return {"kind": "period", "freq": array.freqstr,
                    "ordinals": self._ndarray(array.asi8.copy(), path)}
        if isinstance(array, pd.arrays.DatetimeArray):
            return {"kind": "datetime", "dtype": str(array.dtype),
                    "values": self._ndarray(array.asi8.copy(), path),
                    "unit": array.unit, "tz": None if array.tz is None else str(array.tz)}
        dtype = array.dtype
        if isinstance(array, (np.ndarray, pd.arrays.NumpyExtensionArray)) and not isinstance(
            dtype, pd.StringDtype  # a StringArray is a NumpyExtensionArray too
        ):
            return {"kind": "numpy", "values": self._ndarray(np.asarray(array), path)}
        if isinstance(dtype, pd.StringDtype):
            values = np.asarray(array, dtype=object)
            if any(not isinstance(v, str) for v in values):
                raise self._unsupported(path, array, "missing strings are not stored")
            return {"kind": "string", "dtype": str(dtype), "storage": dtype.storage,
                    "na_value": "nan" if dtype.na_value is not pd.NA else "NA",
                    "values": self.encode(values.tolist(), path)}
        raise self._unsupported(path, array)

    def _net(self, net, path: str):
        from ._accelerate import ACCELERATE_NET_PARAMS
        from ._net import RNNNet

        module = net.module_
        name = _qualname(type(module))
        if _registered("module", name) is None:
            raise self._unsupported(f"{path}.module_", module)
        if "init_kwargs" not in vars(module):
            raise self._unsupported(
                f"{path}.module_", module,
                "it does not record its constructor arguments (fitted with an older sk_rnn "
                "version?); refit the estimator",
            )
        state, quantized = module.state_dict(), None
        if _registry.is_quantized(module):
            # int8 layers of sk_rnn.compression.quantize: stored as the tensors that
            # define them (their packed weights are TorchScript objects)
            try:
                state, layers = quantized_layers(module)
            except TypeError as error:
                raise self._unsupported(f"{path}.module_", module, str(error)) from None
            quantized = {name: {"kind": layer["kind"],
                                "tensors": {k: self.tensor(v)
                                            for k, v in layer["tensors"].items()}}
                         for name, layer in layers.items()}
        params = {k: v for k, v in net.get_params(deep=False).items()
                  if k not in _NET_PARAMS_SKIPPED}
        if type(net) is not RNNNet:  # trained through an accelerator: stored as a plain net
            if params.get("accelerator") is not None:
                raise self._unsupported(
                    f"{path}.accelerator", params["accelerator"],
                    "the net is still attached to its accelerator (it is in training)",
                )
            for key in ACCELERATE_NET_PARAMS:
                params.pop(key, None)
            # "cuda", not "cuda:3": process 3's device in a multi-GPU job says nothing
            # about where the model should load
            params["device"] = net._compute_device().type
        optimizer = getattr(net, "optimizer_", None)
        return {
            "__type__": "net",
            "class": _NET_CLASS_NAME,
            "module": {
                "class": name,
                "kwargs": self._dict(module.init_kwargs, f"{path}.module_.init_kwargs"),
                "state_dict": {k: self.tensor(v) for k, v in state.items()},
                "quantized": quantized,
                "training": module.training,
            },
            "params": self._dict(params, f"{path}.params"),
            "optimizer_state": None if optimizer is None
            else self.encode(optimizer.state_dict(), f"{path}.optimizer_"),
            "history": self.encode(net.history, f"{path}.history"),
        }


def _is_offset(value) -> bool:
    return isinstance(value, pd.offsets.BaseOffset)


_FUNCTION_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
                   functools.partial)


# ---------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------
class _Decoder:
    """Rebuild objects from the JSON tree and the tensors, through the registry only."""

    def __init__(self, tensors: dict[str, torch.Tensor], source: str) -> None:
        self.tensors = tensors
        self.source = source
        self._refs: dict[int, Any] = {}

    def error(self, message: str) -> ValueError:
        return ValueError(f"{self.source}: {message}")

    def _lookup(self, kind: _registry.Kind, name) -> Any:
        try:
            return _registry.lookup(kind, name)
        except KeyError:
            raise self.error(
                f"refusing to load {name!r}: not one of the {kind} types sk_rnn.load "
                "rebuilds (the file is corrupt, from an incompatible version or crafted)."
            ) from None

    def _tensor_by_key(self, key) -> torch.Tensor:
        if not isinstance(key, str) or key not in self.tensors:
            raise self.error(f"the JSON refers to tensor {key!r}, which {_TENSOR_MEMBER} "
                             "does not hold.")
        return self.tensors[key]

    def _field(self, node: dict, key: str):
        if key not in node:
            raise self.error(f"a {node.get('__type__')!r} entry lacks its {key!r} field.")
        return node[key]

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self.error(f"unexpected JSON value {node!r}.")
        kind = node.get("__type__")
        handler = getattr(self, "_" + str(kind).replace(".", "_"), None)
        if kind not in _NODE_TYPES or handler is None:
            raise self.error(f"unknown entry type {kind!r}.")
        try:
            return handler(node)
        except ValueError as exc:
            if str(exc).startswith(self.source):
                raise
            raise self.error(f"cannot rebuild a {kind!r} entry: {exc}") from exc
        except (TypeError, KeyError, IndexError, AttributeError, RuntimeError) as exc:
            raise self.error(f"cannot rebuild a {kind!r} entry: {exc!r}") from exc

    def _register(self, node: dict, value):
        if "id" in node:
            self._refs[node["id"]] = value
        return value

    def _float(self, node):
        value = self._field(node, "value")
        if value not in ("nan", "inf", "-inf"):
            raise self.error(f"bad float {value!r}.")
        return float(value)

    def _tuple(self, node):
        return tuple(self.decode(self._field(node, "items")))

    def _set(self, node):
        return set(self.decode(self._field(node, "items")))

    def _frozenset(self, node):
        return frozenset(self.decode(self._field(node, "items")))

    def _bytes(self, node):
        return base64.b64decode(self._field(node, "base64"), validate=True)

    def _dict(self, node):
        if "value" in node:
            if not isinstance(node["value"], dict):
                raise self.error("a dict entry's value is not a JSON object.")
            return {k: self.decode(v) for k, v in node["value"].items()}
        return {self.decode(k): self.decode(v) for k, v in self._field(node, "items")}

    def _ref(self, node):
        ref = self._field(node, "id")
        if ref not in self._refs:
            raise self.error(f"reference to object {ref!r}, which comes later or nowhere.")
        return self._refs[ref]

    def _tensor(self, node) -> torch.Tensor:
        tensor = self._tensor_by_key(self._field(node, "tensor"))
        if node.get("parameter"):
            return torch.nn.Parameter(tensor, requires_grad=bool(node.get("requires_grad")))
        return tensor.requires_grad_(bool(node.get("requires_grad")))

    def _torch_device(self, node):
        return torch.device(str(self._field(node, "value")))

    def _torch_dtype(self, node):
        dtype = getattr(torch, str(self._field(node, "value")), None)
        if not isinstance(dtype, torch.dtype):
            raise self.error(f"unknown torch dtype {node['value']!r}.")
        return dtype

    def _dtype(self, value) -> np.dtype:
        if not isinstance(value, str):
            raise self.error(f"bad numpy dtype {value!r}.")
        dtype = np.dtype(value)
        if dtype.kind not in _NUMPY_KINDS or dtype.fields is not None or dtype.subdtype:
            raise self.error(f"unsupported numpy dtype {value!r}.")
        return dtype

    def _numpy_dtype(self, node):
        return self._dtype(self._field(node, "value"))

    def _numpy_scalar(self, node):
        dtype = self._dtype(self._field(node, "dtype"))
        value = self.decode(self._field(node, "value"))
        if dtype.kind == "c":
            value = complex(*value)
        return dtype.type(value)

    def _ndarray(self, node):
        dtype = self._dtype(self._field(node, "dtype"))
        shape = tuple(int(n) for n in self._field(node, "shape"))
        if "tensor" in node:
            data = self._tensor_by_key(node["tensor"]).numpy()
            if dtype.kind in "Mm":
                data = data.view(np.int64).view(dtype)
            else:
                data = data.astype(dtype, copy=False)
            return data.reshape(shape).copy()
        items = self.decode(self._field(node, "items"))
        if dtype.kind == "O":
            array = np.empty(len(items), dtype=object)
            array[:] = items
        else:
            array = np.array(items, dtype=dtype)
        return array.reshape(shape)

    def _enum(self, node):
        cls = self._lookup("enum", self._field(node, "class"))
        return cls[self._field(node, "name")]

    def _reference(self, node):
        return self._lookup("reference", self._field(node, "name"))

    def _history(self, node):
        return self._register(node, History(self.decode(self._field(node, "items"))))

    def _object(self, node):
        cls = self._lookup("object", self._field(node, "class"))
        obj = cls.__new__(cls)
        self._register(node, obj)
        state = self.decode(self._field(node, "state"))
        if not isinstance(state, dict):
            raise self.error(f"the state of a {cls.__name__} is not a dict.")
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj

    # -- pandas -------------------------------------------------------------------------
    def _pandas_offset(self, node):
        return pd.tseries.frequencies.to_offset(str(self._field(node, "value")))

    def _pandas_array(self, node):
        kind = self._field(node, "kind")
        if kind == "numpy":
            return self._ndarray(self._field(node, "values"))
        if kind == "period":
            ordinals = self._ndarray(self._field(node, "ordinals"))
            return pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype(str(node["freq"])))
        if kind == "datetime":
            values = self._ndarray(self._field(node, "values"))
            unit = str(self._field(node, "unit"))
            if unit not in ("s", "ms", "us", "ns"):
                raise self.error(f"bad datetime unit {unit!r}.")
            index = pd.DatetimeIndex(values.view(f"M8[{unit}]"))
            if node.get("tz") is not None:
                index = index.tz_localize("UTC").tz_convert(str(node["tz"]))
            return index.array
        if kind == "string":
            storage = str(self._field(node, "storage"))
            na_value = np.nan if node.get("na_value") == "nan" else pd.NA
            dtype = pd.StringDtype(storage=storage, na_value=na_value)
            return pd.array(self.decode(self._field(node, "values")), dtype=dtype)
        raise self.error(f"unknown pandas array kind {kind!r}.")

    def _pandas_Index(self, node):
        name = self.decode(node.get("name"))
        data = self._pandas_array(self._field(node, "data"))
        if isinstance(data, pd.arrays.DatetimeArray):
            return pd.DatetimeIndex(data, name=name, freq=node.get("freq"))
        return pd.Index(data, dtype=data.dtype, name=name, copy=False)

    def _pandas_RangeIndex(self, node):
        return pd.RangeIndex(int(node["start"]), int(node["stop"]), int(node["step"]),
                             name=self.decode(node.get("name")))

    def _pandas_MultiIndex(self, node):
        return pd.MultiIndex(
            levels=[self.decode(lvl) for lvl in self._field(node, "levels")],
            codes=[self._ndarray(c) for c in self._field(node, "codes")],
            names=self.decode(self._field(node, "names")),
        )

    def _pandas_Series(self, node):
        return pd.Series(self._pandas_array(self._field(node, "data")),
                         index=self.decode(self._field(node, "index")),
                         name=self.decode(node.get("name")), copy=False)

    def _pandas_DataFrame(self, node):
        index = self.decode(self._field(node, "index"))
        columns = self.decode(self._field(node, "columns"))
        data = [self._pandas_array(d) for d in self._field(node, "data")]
        frame = pd.DataFrame({i: d for i, d in enumerate(data)}, index=index)
        frame.columns = columns
        return frame

    # -- the skorch net -----------------------------------------------------------------
    def _net(self, node):
        from ._net import RNNNet

        if self._field(node, "class") != _NET_CLASS_NAME:
            raise self.error(f"refusing to load net class {node['class']!r}.")
        spec = self._field(node, "module")
        module_cls = self._lookup("module", self._field(spec, "class"))
        kwargs = self.decode(self._field(spec, "kwargs"))
        params = self.decode(self._field(node, "params"))
        if not isinstance(kwargs, dict) or not isinstance(params, dict):
            raise self.error("the net's module arguments or parameters are not a dict.")
        with torch.random.fork_rng(devices=[]):  # building draws initial weights
            module = module_cls(**kwargs)
        device = params.get("device")
        if device is not None and torch.device(device).type == "cuda" \
                and not torch.cuda.is_available():
            warnings.warn(
                f"{self.source}: the model was saved on {device} but CUDA is not available; "
                "loading it on the CPU.", DeviceWarning, stacklevel=4,
            )
            params["device"] = "cpu"
        net = RNNNet(module=module, **params)
        net.initialize()
        state_dict = {k: self._tensor_by_key(v) for k, v in self._field(spec, "state_dict").items()}
        quantized = spec.get("quantized")
        if quantized is None:
            net.module_.load_state_dict(state_dict)
        else:
            if not isinstance(quantized, dict):
                raise self.error("the net's quantised layers are not a dict.")
            layers = {name: {"kind": layer.get("kind"),
                             "tensors": {k: self._tensor_by_key(v)
                                         for k, v in layer.get("tensors", {}).items()}}
                      for name, layer in quantized.items()}
            try:
                net.module_ = net.module = rebuild_quantized(net.module_, state_dict, layers)
            except (ValueError, KeyError, RuntimeError) as error:
                raise self.error(f"the net's quantised layers cannot be rebuilt: {error}") from None
            from ._net import drop_optimizer

            drop_optimizer(net)  # as after quantize: an int8 model is not trained further
        net.module_.train(bool(spec.get("training", False)))
        self._register(node, net)
        optimizer_state = self.decode(node.get("optimizer_state"))
        if optimizer_state is not None:
            net.optimizer_.load_state_dict(optimizer_state)
        history = self.decode(self._field(node, "history"))
        if not isinstance(history, History):
            raise self.error("the net's history is not a History.")
        net.history_ = history
        return net


_NODE_TYPES = frozenset({
    "float", "tuple", "set", "frozenset", "bytes", "dict", "ref", "tensor", "torch.device",
    "torch.dtype", "numpy.dtype", "numpy.scalar", "ndarray", "enum", "reference",
    "history", "object", "net", "pandas.offset", "pandas.Index", "pandas.RangeIndex",
    "pandas.MultiIndex", "pandas.Series", "pandas.DataFrame",
})


# ---------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------
def _check_fitted(estimator) -> None:
    if not estimator.__sklearn_is_fitted__():
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet; call fit before "
            "saving it."
        )


def save(estimator: BaseEstimator, path: str | os.PathLike) -> None:
    """Write a fitted sk_rnn estimator to ``path`` in a format that is safe to load.

    Unlike ``pickle`` and ``joblib`` files, a file written by :func:`save` holds data
    only: loading it with :func:`load` cannot run code, so models may be exchanged with
    people one does not fully trust. The file is a zip archive of ``estimator.json``
    (parameters, vocabularies, scalers, history, network architecture) and
    ``tensors.pt`` (weights and arrays, read back with ``torch.load(...,
    weights_only=True)``). Tensors are written from the CPU, so a model trained on CUDA
    loads anywhere.

    Parameters
    ----------
    estimator : sk_rnn estimator
        A fitted estimator of sk_rnn (the estimators it exports, ``TextVectorizer``
        included).
    path : str or path-like
        The file to write (``.skrnn`` is a good suffix); an existing file is replaced.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If it is not an sk_rnn estimator, or holds something the safe format cannot
        express (user-defined callbacks, a tokenizer function, an optimizer class of one's
        own ...): the message names the attribute. Pickle such estimators, and load those
        pickles only from trusted sources.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> import sk_rnn
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(40, 6)), np.arange(40) % 2
    >>> clf = sk_rnn.RNNClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.skrnn")
    >>> sk_rnn.save(clf, path)
    >>> np.array_equal(sk_rnn.load(path).predict_proba(X), clf.predict_proba(X))
    True
    """
    from ._version import __version__

    if not _registry.is_estimator(estimator):
        raise TypeError(
            f"sk_rnn.save stores sk_rnn estimators, got {type(estimator).__name__}; "
            f"{_TRUSTED_USE}."
        )
    _check_fitted(estimator)
    if getattr(estimator, "accelerator", None) is not None:
        warnings.warn(
            f"sk_rnn.save: the accelerator is not stored ({type(estimator).__name__} "
            "loads with accelerator=None): it belongs to the process that trains. The "
            "model itself does not need it; set_params(accelerator=...) to train the "
            "loaded estimator through one again.", UserWarning, stacklevel=2,
        )
    encoder = _Encoder()
    tree = encoder.encode(estimator, type(estimator).__name__)
    document = {
        "format": _FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sk_rnn_version": __version__,
        "torch_version": torch.__version__,
        "estimator": tree,
    }
    text = json.dumps(document, allow_nan=False, indent=1)
    tensors = io.BytesIO()
    torch.save(encoder.tensors, tensors)
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(_JSON_MEMBER, text, compress_type=zipfile.ZIP_DEFLATED)
            archive.writestr(_TENSOR_MEMBER, tensors.getvalue(),
                             compress_type=zipfile.ZIP_STORED)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load(path: str | os.PathLike) -> BaseEstimator:
    """Read an estimator written by :func:`save`, without running code from the file.

    Only the format of :func:`save` is accepted: the JSON member may name only the
    classes sk_rnn rebuilds itself (an allowlist, :mod:`sk_rnn._registry`: the sk_rnn
    estimators and modules and the few skorch, sktime and torch types they hold), and the
    tensors are read with ``torch.load(..., weights_only=True)``. Nothing is unpickled,
    and no module a file names is imported (an sk_rnn module not imported yet, such as
    the forecaster's, is imported from the registry's fixed list where the file needs
    it). A model saved on CUDA is loaded onto the CPU where CUDA is not available (with a
    ``DeviceWarning``).

    ``pickle.load`` and ``joblib.load`` can execute arbitrary code: use them only on
    files you trust, and :func:`save` / :func:`load` for models you share.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    estimator
        The fitted estimator; it predicts exactly as the saved one did and can be
        refitted.

    Raises
    ------
    ValueError
        If the file is not in the format of :func:`save` (a pickle, an unrelated zip, a
        missing member, an unknown format version, a class outside the allowlist, tensors
        that ``weights_only`` loading refuses): the message names the path and the problem.

    See Also
    --------
    save : Write the file.
    """
    from ._version import __version__

    source = os.fspath(path)
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile:
        raise ValueError(
            f"{source}: not an sk_rnn model file (written by sk_rnn.save, a zip archive). "
            "If it is a pickle or joblib file, note that loading one can run arbitrary "
            "code: load it with pickle/joblib only if you trust its source."
        ) from None
    with archive:
        names = sorted(archive.namelist())
        expected = sorted([_JSON_MEMBER, _TENSOR_MEMBER])
        if names != expected:
            raise ValueError(
                f"{source}: not an sk_rnn model file: the archive holds {names}, expected "
                f"exactly {expected}."
            )
        try:
            document = json.loads(archive.read(_JSON_MEMBER).decode("utf-8"),
                                  parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{source}: {_JSON_MEMBER} is not valid JSON: {exc}") from None
        _check_header(document, source, __version__)
        try:
            tensors = torch.load(io.BytesIO(archive.read(_TENSOR_MEMBER)),
                                 map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 - any failure means "not safe to load"
            raise ValueError(
                f"{source}: {_TENSOR_MEMBER} cannot be read as weights only "
                f"(torch.load(..., weights_only=True) refused it): {exc}"
            ) from None
    if not isinstance(tensors, dict) or not all(
        isinstance(k, str) and type(v) is torch.Tensor for k, v in tensors.items()
    ):
        raise ValueError(f"{source}: {_TENSOR_MEMBER} is not a dict of named tensors.")
    try:
        estimator = _Decoder(tensors, source).decode(document["estimator"])
    except RecursionError:
        raise ValueError(f"{source}: {_JSON_MEMBER} is nested too deeply.") from None
    if not _registry.is_estimator(estimator):
        raise ValueError(f"{source}: the file does not hold an sk_rnn estimator.")
    return estimator


def _reject_constant(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


def _check_header(document, source: str, version: str) -> None:
    if not isinstance(document, dict) or document.get("format") != _FORMAT_NAME:
        raise ValueError(f"{source}: {_JSON_MEMBER} does not describe an sk_rnn model.")
    file_version = document.get("format_version")
    if not isinstance(file_version, int) or isinstance(file_version, bool):
        raise ValueError(f"{source}: missing or bad format_version {file_version!r}.")
    if file_version > FORMAT_VERSION or file_version < 1:
        raise ValueError(
            f"{source}: format version {file_version} (written by sk_rnn "
            f"{document.get('sk_rnn_version')}) is not supported by sk_rnn {version}, which "
            f"reads version {FORMAT_VERSION}; upgrade sk_rnn."
        )
    if "estimator" not in document:
        raise ValueError(f"{source}: {_JSON_MEMBER} holds no estimator.")
