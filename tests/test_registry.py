"""The registry (:mod:`sk_rnn._registry`) through which estimators, modules, losses and
loaders declare what :mod:`sk_rnn.persistence` and :mod:`sk_rnn.compression` need.

Unknown names are refused; a name not registered yet is looked for only in sk_rnn's own
fixed list of modules, never in a module the name gives; what a class registers (an
estimator, a module's step-by-step recurrent layers) is what save/load and quantize do.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from torch import nn
from torch.ao.nn.quantized import dynamic as qdynamic

import sk_rnn
from sk_rnn import _registry as registry
from sk_rnn.compression import quantize
from sk_rnn.nn import ForecastModel, Seq2SeqModel, SequenceModel
from sk_rnn.nn.language_model import LanguageModel

pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # torch.ao.quantization
]

ROOT = Path(__file__).parent.parent
SAVED_FORECASTER = Path(__file__).parent / "data" / "saved_v1" / "forecaster.skrnn"


@pytest.fixture
def isolated_registry(monkeypatch):
    """A copy of the registry that the test may change; the real one is restored."""
    tables = {kind: dict(table) for kind, table in registry._TABLES.items()}
    monkeypatch.setattr(registry, "_TABLES", tables)
    return tables


def _public_estimators() -> list[type]:
    return [obj for obj in map(lambda name: getattr(sk_rnn, name), sk_rnn.__all__)
            if isinstance(obj, type)]


# -- what sk_rnn registers -----------------------------------------------------------------
@pytest.mark.parametrize("cls", _public_estimators(), ids=lambda cls: cls.__name__)
def test_every_public_estimator_is_registered(cls):
    assert registry.lookup("object", registry.qualified_name(cls)) is cls
    assert registry.is_estimator(cls())


@pytest.mark.parametrize("cls, stepwise", [
    (SequenceModel, ()), (ForecastModel, ()), (Seq2SeqModel, ("decoder",)),
    (LanguageModel, ("rnn",)),
])
def test_modules_are_registered_with_their_stepwise_rnns(cls, stepwise):
    assert registry.lookup("module", registry.qualified_name(cls)) is cls
    assert registry.stepwise_rnns(cls) == stepwise


def test_everything_is_registered_by_a_listed_module():
    for table in registry._TABLES.values():
        for name, entry in table.items():
            assert entry.owner in registry.MODULES, name
    assert registry.MODULES[-1] == "sk_rnn.forecasting"  # the one that imports sktime


# -- unknown names --------------------------------------------------------------------------
@pytest.mark.parametrize("kind, name", [
    ("reference", "os.system"),
    ("reference", "builtins.eval"),
    ("object", "subprocess.Popen"),
    ("enum", "signal.Signals"),
    ("module", "torch.nn.modules.linear.Linear"),
    ("reference", "this.s"),  # importing `this` would print: it must never be imported
    ("reference", "sk_rnn.persistence.save"),  # an sk_rnn function, not registered
    ("module", "sk_rnn.classification.RNNClassifier"),  # registered, but as another kind
    ("object", "sk_rnn.classification.RNNClassifier.fit"),
    ("reference", None),
    ("reference", 42),
    ("reference", ["os.system"]),
])
def test_unknown_names_are_refused_without_importing_anything(kind, name):
    for module in registry.MODULES:  # all imported: lookup has nothing left to import
        importlib.import_module(module)
    before = set(sys.modules)
    with pytest.raises(KeyError):
        registry.lookup(kind, name)
    assert set(sys.modules) == before
    assert "this" not in sys.modules


# -- lazy resolution ------------------------------------------------------------------------
def _target():
    """A function that the fake module ``sk_rnn._fake_b`` registers."""


@pytest.fixture
def fake_modules(isolated_registry, monkeypatch):
    """The registry's module list replaced by three fake modules, not imported yet;
    importing ``sk_rnn._fake_b`` registers :func:`_target`. Returns the imports made."""
    names = ("sk_rnn._fake_a", "sk_rnn._fake_b", "sk_rnn._fake_c")
    imported = []

    def fake_import(name):
        imported.append(name)
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        if name == "sk_rnn._fake_b":  # as if its top level ran register_reference
            exec("register_reference(_target)",
                 {"__name__": name, "register_reference": registry.register_reference,
                  "_target": _target})

    monkeypatch.setattr(registry, "MODULES", names)
    monkeypatch.setattr(registry, "import_module", fake_import)
    return imported


def test_lookup_imports_listed_modules_until_the_name_is_registered(fake_modules):
    assert registry.lookup("reference", registry.qualified_name(_target)) is _target
    assert fake_modules == ["sk_rnn._fake_a", "sk_rnn._fake_b"]
    registry.lookup("reference", registry.qualified_name(_target))
    assert fake_modules == ["sk_rnn._fake_a", "sk_rnn._fake_b"]  # now registered


def test_lookup_imports_the_module_a_name_lies_in_first(fake_modules):
    with pytest.raises(KeyError):
        registry.lookup("object", "sk_rnn._fake_c.Thing")
    assert fake_modules == ["sk_rnn._fake_c", "sk_rnn._fake_a", "sk_rnn._fake_b"]


def test_lookup_never_imports_the_module_a_name_gives(fake_modules):
    with pytest.raises(KeyError):
        registry.lookup("reference", "this.s")
    with pytest.raises(KeyError):
        registry.lookup("reference", "sk_rnn.persistence.save")
    assert fake_modules == ["sk_rnn._fake_a", "sk_rnn._fake_b", "sk_rnn._fake_c"]


def test_an_unlisted_sk_rnn_module_cannot_register(isolated_registry):
    with pytest.raises(RuntimeError, match="sk_rnn.rogue registers .* not in "
                                           "sk_rnn._registry.MODULES"):
        exec("register_reference(_target)",
             {"__name__": "sk_rnn.rogue", "register_reference": registry.register_reference,
              "_target": _target})
    with pytest.raises(KeyError):
        registry.lookup("reference", registry.qualified_name(_target))


_LAZY_LOAD = """
import json, sys, warnings
import torch
torch.set_num_threads(1)
import sk_rnn.persistence
from sk_rnn import _registry

if "sk_rnn.forecasting" in sys.modules:
    # sk_rnn imported the forecaster eagerly: forget it, as if it were not imported yet
    for table in _registry._TABLES.values():
        for name in [n for n, e in table.items() if e.owner == "sk_rnn.forecasting"]:
            del table[name]
    del sys.modules["sk_rnn.forecasting"]
else:
    assert "sktime" not in sys.modules, "importing sk_rnn.persistence imported sktime"
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    est = sk_rnn.persistence.load(sys.argv[1])
assert type(est).__module__ == "sk_rnn.forecasting", type(est)
print(json.dumps(est.predict().tolist()))
"""


def test_a_forecaster_loads_where_its_module_was_not_imported():
    """In a fresh process that has imported sk_rnn.persistence but not the forecaster's
    module (nor sktime, once sk_rnn imports it lazily), load imports it on demand."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    process = subprocess.Popen([sys.executable, "-c", _LAZY_LOAD, str(SAVED_FORECASTER)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:  # what it should print, meanwhile
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = sk_rnn.load(SAVED_FORECASTER).predict().tolist()
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert json.loads(stdout.strip().splitlines()[-1]) == expected


# -- what registration does for save/load and quantize ---------------------------------------
class _Box(BaseEstimator):
    """A minimal estimator of one's own, for the safe format."""

    def __init__(self, size=3):
        self.size = size

    def fit(self):
        self.values_ = np.arange(self.size, dtype=np.float32)
        return self

    def __sklearn_is_fitted__(self):
        return "values_" in vars(self)


def test_save_and_load_follow_the_registration(isolated_registry, tmp_path):
    path = tmp_path / "box.skrnn"
    with pytest.raises(TypeError, match="sk_rnn estimators, got _Box"):
        sk_rnn.save(_Box().fit(), path)
    assert registry.register_estimator(_Box) is _Box
    with pytest.raises(NotFittedError, match="This _Box instance is not fitted yet"):
        sk_rnn.save(_Box(), path)
    sk_rnn.save(_Box(size=4).fit(), path)
    loaded = sk_rnn.load(path)
    assert type(loaded) is _Box and loaded.size == 4
    np.testing.assert_array_equal(loaded.values_, np.arange(4, dtype=np.float32))
    del isolated_registry["object"][registry.qualified_name(_Box)]
    with pytest.raises(ValueError, match="refusing to load 'test_registry._Box'"):
        sk_rnn.load(path)


class _TwoStacks(nn.Module):
    """A module with two recurrent stacks, ``decoder`` meant to run step by step."""

    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(3, 4, batch_first=True)
        self.decoder = nn.GRU(3, 4, batch_first=True)
        self.head = nn.Linear(4, 1)


class _MoreStacks(_TwoStacks):
    """An unregistered subclass: its base class's registration counts."""


def _estimator_holding(module: nn.Module) -> sk_rnn.RNNRegressor:
    """An RNNRegressor whose (fake) trained net holds ``module``."""
    est = sk_rnn.RNNRegressor()
    est.net_ = types.SimpleNamespace(module_=module, module=module, device="cpu")
    return est


@pytest.mark.parametrize("registered, module_class", [
    (False, _TwoStacks), (True, _TwoStacks), (True, _MoreStacks),
])
def test_quantize_keeps_the_registered_stepwise_rnns_float(isolated_registry, registered,
                                                            module_class):
    if registered:
        assert registry.register_module(stepwise=("decoder",))(_TwoStacks) is _TwoStacks
    small = quantize(_estimator_holding(module_class()))
    module = small.net_.module_
    assert type(module.encoder) is qdynamic.LSTM
    assert type(module.head) is qdynamic.Linear
    if registered:
        assert type(module.decoder) is nn.GRU
        assert small.compression_["layers"] == ["encoder", "head"]
    else:
        assert type(module.decoder) is qdynamic.GRU
    assert registry.is_quantized(module) and not registry.is_quantized(module_class())
