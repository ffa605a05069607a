"""Parameter specifications: every public class documents exactly the parameters its
``__init__`` accepts, once each, with the true default; the constraints check values and
name them in their messages."""

from __future__ import annotations

import ast
import inspect
import re

import numpy as np
import pytest

import sk_rnn
from sk_rnn._params import (
    Boolean,
    Check,
    InstanceOf,
    Interval,
    Options,
    Param,
    document_params,
    param_specs,
    validate_params,
)

PUBLIC_CLASSES = [getattr(sk_rnn, name) for name in sk_rnn.__all__
                  if inspect.isclass(getattr(sk_rnn, name))]


def documented_parameters(cls) -> list[tuple[str, str | None]]:
    """``(name, default text)`` of every entry of the ``Parameters`` section."""
    lines = inspect.getdoc(cls).splitlines()
    start = lines.index("Parameters") + 2
    assert set(lines[start - 1]) == {"-"}
    entries = []
    for i in range(start, len(lines)):
        line = lines[i]
        if i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) == {"-"}:
            break  # the next section's heading
        match = re.match(r"^(\w+(?:, \w+)*) : (.*)$", line)
        if match:
            default = re.search(r", default=(.*)$", match.group(2))
            for name in match.group(1).split(", "):
                entries.append((name, default.group(1) if default else None))
    return entries


def test_public_classes_are_all_checked():
    names = {cls.__name__ for cls in PUBLIC_CLASSES}
    assert names == {"RNNClassifier", "RNNRegressor", "Seq2SeqTranslator", "RNNForecaster",
                     "TextGenerator", "TextVectorizer"}


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_documented_parameters_equal_the_signature(cls):
    signature = inspect.signature(cls.__init__).parameters
    expected = [name for name in signature if name != "self"]
    documented = documented_parameters(cls)
    names = [name for name, _ in documented]
    assert len(names) == len(set(names)), f"documented twice: {names}"
    assert names == expected
    for name, default in documented:
        assert default is not None, f"{name}: no default documented"
        assert ast.literal_eval(default) == signature[name].default, name


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_every_parameter_has_a_specification(cls):
    assert list(param_specs(cls)) == [n for n in inspect.signature(cls.__init__).parameters
                                      if n != "self"]


@pytest.mark.parametrize("cls", PUBLIC_CLASSES, ids=lambda cls: cls.__name__)
def test_defaults_satisfy_their_constraints(cls):
    validate_params(cls())


@pytest.mark.parametrize("constraint, good, bad, message", [
    (Interval("integer", 1, None), [1, 7, np.int64(3)], [0, 2.5, True, None],
     r"x must be an integer in \[1, inf\), got"),
    (Interval("real", 0, 1, high_open=True), [0, 0.5, np.float32(0.9)],
     [1.0, -0.1, np.nan, np.inf, "0.5"], r"x must be a number in \[0, 1\), got"),
    (Interval("real", 0, None, low_open=True, none=True), [1e-9, None], [0, -1.0],
     r"x must be a number in \(0, inf\) or None, got"),
    (Interval("integer", 0, None, bools=True), [0, True, 3], [-1, 1.5], "x must be an integer"),
    (Interval("integer", 1, None, none=True, text="a positive integer"), [None, 2], [0],
     "x must be a positive integer or None, got 0"),
    (Options(("a", None)), ["a", np.str_("a"), None], ["b", 1, ["a"]],
     r"x must be one of \['a', None\], got"),
    (Boolean(), [True, False, np.bool_(True)], [1, "yes", None], "x must be True or False"),
    (InstanceOf(dict, "dict", "a dict", none=True), [None, {}], ["a", []],
     "x must be None, a dict, got"),
])
def test_constraints(constraint, good, bad, message):
    for value in good:
        constraint.check("x", value)
    for value in bad:
        with pytest.raises(ValueError, match=message):
            constraint.check("x", value)


def test_type_docs():
    assert Interval("integer", 1, None).type_doc == "int >= 1"
    assert Interval("real", 0, None, low_open=True).type_doc == "float > 0"
    assert Interval("real", 0, 1, high_open=True, none=True).type_doc == \
        "float in [0, 1) or None"
    assert Options(("x", None)).type_doc == '{"x", None}'


class _Base:
    _params = {"a": Param(Interval("integer", 0, None), "Shared a."),
               "b": Param(Boolean(), "Shared b.")}


@document_params
class _Child(_Base):
    """A class.

    Parameters
    ----------
    {parameters}

    Notes
    -----
    Nothing.
    """

    _params = {"c": Param(Check(None, "object"), "Its own c,\nover two lines."),
               "a": "A, described for this class."}

    def __init__(self, c=None, a=3, b=True):
        self.c, self.a, self.b = c, a, b


def test_document_params_writes_the_entries_in_signature_order():
    doc = inspect.getdoc(_Child)
    assert "c : object, default=None\n    Its own c,\n    over two lines.\n" \
           "a : int >= 0, default=3\n    A, described for this class.\n" \
           "b : bool, default=True\n    Shared b." in doc
    assert documented_parameters(_Child) == [("c", "None"), ("a", "3"), ("b", "True")]


def test_a_parameter_without_specification_is_an_error():
    class Missing(_Base):
        def __init__(self, a=1, z=2):
            pass

    with pytest.raises(TypeError, match="parameter 'z' has no specification"):
        param_specs(Missing)


def test_validate_params_names_the_parameter():
    child = _Child(a=-1)
    with pytest.raises(ValueError, match=r"a must be an integer in \[0, inf\), got -1"):
        validate_params(child)
    validate_params(child, ["b", "c"])  # only those
