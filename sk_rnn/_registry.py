"""Registry of the classes and functions that :mod:`sk_rnn.persistence` and
:mod:`sk_rnn.compression` handle.

A class or function declares itself where it is defined, so that neither cross-cutting
module needs to know every estimator:

* :func:`register_estimator`: an estimator, rebuilt from its ``__dict__`` state and
  accepted as the top-level object of a saved file;
* :func:`register_object`: another class rebuilt from its ``__dict__`` state (a type an
  estimator holds, such as sktime's ``ForecastingHorizon``);
* :func:`register_module`: a torch module rebuilt from its recorded constructor arguments,
  with the names of its recurrent layers that some code path runs one step at a time
  (quantisation keeps those float);
* :func:`register_enum`: an enumeration stored by member name;
* :func:`register_reference`: a class or function stored by name only (optimizer, loss,
  data loader, collate function).

Names are qualified names (``module.QualName``). :func:`lookup` resolves a name read from
a file. A name not registered yet may belong to an sk_rnn module not imported yet (the
forecaster, which imports sktime, is imported on demand): :func:`lookup` then imports
the modules of a fixed list of sk_rnn's own modules, :data:`MODULES`, and never a module
named by the file, so that a crafted file cannot make it import or run anything else.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal, TypeVar

from torch import nn

__all__ = [
    "KINDS",
    "MODULES",
    "Kind",
    "is_estimator",
    "is_quantized",
    "lookup",
    "qualified_name",
    "register_enum",
    "register_estimator",
    "register_module",
    "register_object",
    "register_reference",
    "stepwise_rnns",
]

T = TypeVar("T")
ModuleT = TypeVar("ModuleT", bound=type[nn.Module])

#: How a registered class or function is stored: ``"object"``, rebuilt from its
#: ``__dict__`` state; ``"module"``, a torch module rebuilt from its constructor arguments;
#: ``"enum"``, an enumeration; ``"reference"``, stored by name.
Kind = Literal["object", "module", "enum", "reference"]
KINDS: tuple[Kind, ...] = ("object", "module", "enum", "reference")

#: The sk_rnn modules that register something: the only modules :func:`lookup` imports
#: to find a name that is not registered yet. The forecaster, the only one to import
#: sktime, comes last. An sk_rnn module outside this list cannot register anything.
MODULES: tuple[str, ...] = (
    "sk_rnn._net",
    "sk_rnn._sequences",
    "sk_rnn._streams",
    "sk_rnn._windows",
    "sk_rnn.nn.distillation",
    "sk_rnn.nn.encoder",
    "sk_rnn.nn.forecasting",
    "sk_rnn.nn.language_model",
    "sk_rnn.nn.seq2seq",
    "sk_rnn.text",
    "sk_rnn.classification",
    "sk_rnn.translation",
    "sk_rnn.generation",
    "sk_rnn.forecasting",
)


@dataclass(frozen=True)
class _Entry:
    """One registered class or function.

    Attributes
    ----------
    obj : object
        The class or function.
    owner : str
        The module that registered it.
    estimator : bool
        Whether it is an estimator (a valid top-level object of a saved file).
    stepwise : tuple of str
        For a torch module: its recurrent layers run one step at a time.
    """

    obj: Any
    owner: str
    estimator: bool = False
    stepwise: tuple[str, ...] = ()


_TABLES: dict[str, dict[str, _Entry]] = {kind: {} for kind in KINDS}


def qualified_name(obj: Any) -> str:
    """The name under which a class or function is registered and stored.

    Parameters
    ----------
    obj : class or function

    Returns
    -------
    str
        ``obj.__module__ + "." + obj.__qualname__``.
    """
    return f"{obj.__module__}.{obj.__qualname__}"


def _caller_module() -> str:
    """The name of the module whose top level called the public ``register_*`` function
    (or the decorator it returned) that calls this."""
    return sys._getframe(2).f_globals.get("__name__", "")


def _add(kind: Kind, obj: Any, owner: str, **details: Any) -> None:
    if (owner == "sk_rnn" or owner.startswith("sk_rnn.")) and owner not in MODULES:
        raise RuntimeError(
            f"{owner} registers {qualified_name(obj)} but is not in sk_rnn._registry.MODULES, "
            "the modules that lookup may import to find a name; add it there."
        )
    # a later registration under the same name (a reloaded module) replaces the earlier one
    _TABLES[kind][qualified_name(obj)] = _Entry(obj, owner, **details)


def register_estimator(cls: type[T]) -> type[T]:
    """Class decorator: an estimator that the safe format stores and rebuilds.

    Its ``__dict__`` state (``__getstate__`` / ``__setstate__`` where defined) is stored,
    and it may be the top-level object of a saved file. It must define
    ``__sklearn_is_fitted__``.

    Parameters
    ----------
    cls : type
        The estimator class.

    Returns
    -------
    type
        ``cls`` itself.
    """
    _add("object", cls, _caller_module(), estimator=True)
    return cls


def register_object(cls: type[T]) -> type[T]:
    """A class, held by estimators, that the safe format rebuilds from its ``__dict__``.

    Parameters
    ----------
    cls : type
        A class whose state holds data only.

    Returns
    -------
    type
        ``cls`` itself (usable as a class decorator).
    """
    _add("object", cls, _caller_module())
    return cls


def register_enum(cls: type[T]) -> type[T]:
    """An enumeration whose members the safe format stores by name.

    Parameters
    ----------
    cls : enum.Enum subclass

    Returns
    -------
    type
        ``cls`` itself (usable as a class decorator).
    """
    _add("enum", cls, _caller_module())
    return cls


def register_reference(obj: T, /, *more: Any) -> T:
    """Classes or functions that the safe format stores by name only.

    Losses, optimizers, data loaders, collate functions: what a net names but does not
    hold as state.

    Parameters
    ----------
    obj : class or function
    *more : classes or functions
        Registered as well.

    Returns
    -------
    object
        ``obj`` itself (usable as a decorator).
    """
    owner = _caller_module()
    for item in (obj, *more):
        _add("reference", item, owner)
    return obj


def register_module(*, stepwise: tuple[str, ...] = ()) -> Callable[[ModuleT], ModuleT]:
    """Class decorator: a torch module that the safe format rebuilds from its constructor
    arguments (recorded in ``init_kwargs``) and ``state_dict``.

    Parameters
    ----------
    stepwise : tuple of str, default=()
        Attribute names of its recurrent layers that some code path runs one step at a
        time through the cell functions (greedy or beam decoding, text generation), which
        read their float weights: :func:`sk_rnn.compression.quantize` keeps them float.

    Returns
    -------
    callable
        The decorator; it returns the class itself.
    """
    names = tuple(stepwise)

    def decorate(cls: ModuleT) -> ModuleT:
        _add("module", cls, _caller_module(), stepwise=names)
        return cls

    return decorate


def _candidate_modules(name: str) -> list[str]:
    """:data:`MODULES`, the one ``name`` lies in (if any) first."""
    return sorted(MODULES, key=lambda module: not name.startswith(module + "."))


def lookup(kind: Kind, name: str) -> Any:
    """The class or function registered as ``kind`` under ``name``.

    If ``name`` is not registered yet, the modules of :data:`MODULES` that are not
    imported yet are imported (the one ``name`` lies in first) until it is. ``name`` is
    only compared with registered names: it never names what is imported.

    Parameters
    ----------
    kind : {"object", "module", "enum", "reference"}
    name : str
        A qualified name, as read from a file.

    Returns
    -------
    object
        The registered class or function.

    Raises
    ------
    KeyError
        If nothing is registered as ``kind`` under ``name``.
    """
    table = _TABLES[kind]
    if not isinstance(name, str):
        raise KeyError(name)
    entry = table.get(name)
    if entry is None:
        for module in _candidate_modules(name):
            if module not in sys.modules:
                import_module(module)
                entry = table.get(name)
                if entry is not None:
                    break
    if entry is None:
        raise KeyError(name)
    return entry.obj


def is_estimator(obj: Any) -> bool:
    """Whether ``obj`` is an instance of a registered estimator class.

    Parameters
    ----------
    obj : object

    Returns
    -------
    bool
    """
    classes = tuple(e.obj for e in _TABLES["object"].values() if e.estimator)
    return isinstance(obj, classes)


def stepwise_rnns(cls: type) -> tuple[str, ...]:
    """The recurrent layers of a module class that run one step at a time.

    Parameters
    ----------
    cls : type
        A torch module class; the registration of its nearest registered base class
        (itself included) counts.

    Returns
    -------
    tuple of str
        Attribute names given to :func:`register_module` as ``stepwise``; empty for a
        class that was not registered.
    """
    table = _TABLES["module"]
    for klass in cls.__mro__:
        entry = table.get(qualified_name(klass))
        if entry is not None and entry.obj is klass:
            return entry.stepwise
    return ()


def is_quantized(module: nn.Module) -> bool:
    """Whether ``module`` holds layers of PyTorch's quantised modules (``torch.ao``).

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    bool
    """
    return any(type(sub).__module__.startswith("torch.ao.nn.quantized")
               for sub in module.modules())
