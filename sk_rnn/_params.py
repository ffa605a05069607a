"""Parameter specifications: one constraint and one description per parameter.

Every public class declares its parameters once, as :class:`Param` entries (a
:class:`Constraint` and a description) in a ``_params`` class attribute; a subclass
inherits its bases' entries and may replace one, or give only a new description (a plain
string) for an inherited constraint. The defaults are read from ``__init__``'s signature.
The specification then drives

* validation: :func:`validate_params` checks every ``__init__`` argument in ``fit`` and
  raises a ``ValueError`` (or ``TypeError``) that names the parameter, what it must be and
  what it got, as scikit-learn's ``_parameter_constraints`` does;
* documentation: :func:`document_params` writes the ``Parameters`` section of the class
  docstring, one entry per ``__init__`` argument in signature order, each with its type
  and its true default.

A test checks, for every public class, that the documented parameters are exactly the
signature's.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

__all__ = [
    "Boolean",
    "Check",
    "Constraint",
    "Either",
    "InstanceOf",
    "Interval",
    "Options",
    "Param",
    "document_params",
    "param_specs",
    "validate_params",
]

_PLACEHOLDER = "{parameters}"
_INDENT = "    "


class Constraint:
    """What values a parameter accepts.

    Subclasses implement :meth:`check` (raise when ``value`` is not accepted) and set
    :attr:`type_doc`, the numpydoc type of the parameter.
    """

    #: The type as the ``Parameters`` section shows it, e.g. ``'{"rnn", "lstm"}'``.
    type_doc: str = "object"

    def check(self, name: str, value) -> None:
        """Raise ``ValueError`` (or ``TypeError``) naming ``name`` unless ``value`` is
        accepted."""
        raise NotImplementedError


class Interval(Constraint):
    """An integer or a real number in an interval, optionally None.

    Booleans, NaN and infinite values are refused (``lr=inf`` would train to NaN weights
    without an error).

    Parameters
    ----------
    kind : {"integer", "real"}
        Integers only (``numbers.Integral``), or any real number.
    low, high : float or None
        The bounds; None for no bound.
    low_open, high_open : bool, default=False
        Exclude the bound.
    none : bool, default=False
        Also accept None.
    bools : bool, default=False
        Also accept True and False (as 1 and 0).
    text : str or None, default=None
        What the error message says the value must be, in place of the interval
        (``"a positive integer"``).
    """

    def __init__(self, kind: str, low: float | None, high: float | None, *,
                 low_open: bool = False, high_open: bool = False, none: bool = False,
                 bools: bool = False, text: str | None = None) -> None:
        self.kind = kind
        self.low, self.high = low, high
        self.low_open, self.high_open = low_open, high_open
        self.none = none
        self.bools = bools
        self.text = text
        self.type_doc = self._type_doc()

    def _interval(self) -> str:
        lo = "-inf" if self.low is None else self.low
        hi = "inf" if self.high is None else self.high
        closing = ")" if self.high_open or self.high is None else "]"
        return f"{'(' if self.low_open else '['}{lo}, {hi}{closing}"

    def _type_doc(self) -> str:
        base = "int" if self.kind == "integer" else "float"
        if self.high is None and self.low is not None:
            base += f" {'>' if self.low_open else '>='} {self.low}"
        elif self.low is not None or self.high is not None:
            base += f" in {self._interval()}"
        return base + (" or None" if self.none else "")

    def accepts(self, value) -> bool:
        """Whether ``value`` is in the interval (None only where allowed)."""
        if value is None:
            return self.none
        if isinstance(value, (bool, np.bool_)):
            return self.bools
        kind = Integral if self.kind == "integer" else Real
        if not isinstance(value, kind) or not math.isfinite(value):
            return False
        if self.low is not None and not (value > self.low if self.low_open
                                         else value >= self.low):
            return False
        return self.high is None or (value < self.high if self.high_open
                                     else value <= self.high)

    def check(self, name: str, value) -> None:
        if not self.accepts(value):
            what = self.text or (
                f"{'an integer' if self.kind == 'integer' else 'a number'} in "
                f"{self._interval()}"
            )
            raise ValueError(
                f"{name} must be {what}{' or None' if self.none else ''}, got {value!r}."
            )


class Options(Constraint):
    """One of a fixed set of values (strings, or None).

    Parameters
    ----------
    options : iterable
        The accepted values, in the order the docs and messages list them.
    """

    def __init__(self, options: Iterable) -> None:
        self.options = tuple(options)
        shown = ", ".join("None" if o is None else f'"{o}"' for o in self.options)
        self.type_doc = "{" + shown + "}"

    def check(self, name: str, value) -> None:
        ok = any(value is option or (isinstance(value, str) and value == option)
                 for option in self.options)
        if not ok:
            raise ValueError(f"{name} must be one of {list(self.options)}, got {value!r}.")


class Boolean(Constraint):
    """``True`` or ``False`` (numpy booleans too)."""

    type_doc = "bool"

    def check(self, name: str, value) -> None:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False, got {value!r}.")


class InstanceOf(Constraint):
    """An instance of some types, optionally None.

    Parameters
    ----------
    types : type or tuple of types
    type_doc : str
        The type as the docs show it.
    text : str
        What the error message says the value must be (``"a dict of ... or a ..."``).
    none : bool, default=False
        Also accept None.
    """

    def __init__(self, types, type_doc: str, text: str, *, none: bool = False) -> None:
        self.types = types
        self.type_doc = type_doc + (" or None" if none else "")
        self.text = text
        self.none = none

    def check(self, name: str, value) -> None:
        if value is None and self.none:
            return
        if not isinstance(value, self.types):
            raise ValueError(
                f"{name} must be {'None, ' if self.none else ''}{self.text}, got "
                f"{type(value).__name__}."
            )


class Check(Constraint):
    """A constraint given by a function, for values no simple rule describes (a device
    name, an optimizer, a list of callbacks).

    Parameters
    ----------
    check : callable or None
        ``check(name, value)`` raises with a message naming ``name``; None accepts
        everything (the value is checked where it is used, e.g. pretrained embeddings
        when they are read).
    type_doc : str
        The type as the docs show it.
    """

    def __init__(self, check: Callable[[str, Any], None] | None, type_doc: str) -> None:
        self._check = check
        self.type_doc = type_doc

    def check(self, name: str, value) -> None:
        if self._check is not None:
            self._check(name, value)


class Either(Constraint):
    """A value that one of several constraints accepts (``True``, ``False`` or
    ``"auto"``, say).

    Parameters
    ----------
    *constraints : Constraint
        The alternatives; their types, joined by "or", make the documented type.
    text : str
        What the error message says the value must be (``'True, False or "auto"'``).
    """

    def __init__(self, *constraints: Constraint, text: str) -> None:
        self.constraints = constraints
        self.text = text
        self.type_doc = " or ".join(c.type_doc for c in constraints)

    def check(self, name: str, value) -> None:
        for constraint in self.constraints:
            try:
                constraint.check(name, value)
            except (ValueError, TypeError):
                continue
            return
        raise ValueError(f"{name} must be {self.text}, got {value!r}.")


@dataclass(frozen=True)
class Param:
    """The specification of one parameter.

    Attributes
    ----------
    constraint : Constraint
        The values it accepts (and its documented type).
    doc : str
        What it does: the body of its ``Parameters`` entry (numpydoc, unindented; line
        breaks are kept).
    """

    constraint: Constraint
    doc: str


def param_specs(cls: type) -> dict[str, Param]:
    """The specification of every ``__init__`` parameter of ``cls``, in signature order.

    Entries come from the ``_params`` attributes along the class's MRO, the most derived
    winning; a plain string replaces only the description of the inherited entry.

    Raises
    ------
    TypeError
        If a parameter has no specification (a programming error, caught by the tests).
    """
    merged: dict[str, Param] = {}
    for klass in reversed(cls.__mro__):
        for name, entry in vars(klass).get("_params", {}).items():
            if isinstance(entry, str):
                if name not in merged:
                    raise TypeError(f"{klass.__name__}._params[{name!r}] gives a description "
                                    "but no base class specifies the parameter.")
                entry = Param(merged[name].constraint, entry)
            merged[name] = entry
    specs = {}
    for name in _signature_params(cls):
        if name not in merged:
            raise TypeError(f"{cls.__name__}: parameter {name!r} has no specification.")
        specs[name] = merged[name]
    return specs


def _signature_params(cls: type) -> Iterator[str]:
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name != "self" and parameter.kind not in (parameter.VAR_POSITIONAL,
                                                     parameter.VAR_KEYWORD):
            yield name


def validate_params(estimator, names: Iterable[str] | None = None) -> None:
    """Check the ``__init__`` arguments of ``estimator`` against their specifications.

    Parameters
    ----------
    estimator : object
        An instance of a class with ``_params``.
    names : iterable of str or None, default=None
        Only these parameters (None: all of them, in signature order).
    """
    specs = param_specs(type(estimator))
    for name in specs if names is None else names:
        specs[name].constraint.check(name, getattr(estimator, name))


def _default_doc(value) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def parameters_doc(cls: type, indent: str = _INDENT) -> str:
    """The ``Parameters`` entries of ``cls``: ``name : type, default=value`` and the
    indented description, for every ``__init__`` parameter in signature order."""
    signature = inspect.signature(cls.__init__).parameters
    entries = []
    for name, spec in param_specs(cls).items():
        default = signature[name].default
        head = f"{indent}{name} : {spec.constraint.type_doc}"
        if default is not inspect.Parameter.empty:
            head += f", default={_default_doc(default)}"
        body = "\n".join(f"{indent}{_INDENT}{line}" if line else ""
                         for line in inspect.cleandoc(spec.doc).splitlines())
        entries.append(f"{head}\n{body}")
    return "\n".join(entries)


def document_params(cls: type) -> type:
    """Class decorator: write the parameter entries where the docstring says
    ``{parameters}`` (under its ``Parameters`` heading)."""
    if cls.__doc__ and _PLACEHOLDER in cls.__doc__:
        line = next(line for line in cls.__doc__.splitlines() if _PLACEHOLDER in line)
        indent = line[: len(line) - len(line.lstrip())]
        cls.__doc__ = cls.__doc__.replace(line, parameters_doc(cls, indent))
    return cls
