"""Training through Hugging Face Accelerate (``accelerator=Accelerator(...)``), on one CPU
process.

On one process accelerate shards nothing and, without mixed precision, changes no
number: the batch sampler is the same, ``accelerator.clip_grad_norm_`` is
``torch.nn.utils.clip_grad_norm_`` and gradients zeroed after the step instead of before
it are the same gradients. So a fit through an accelerator must equal the plain fit with
the same ``random_state`` exactly; that is what most tests check, for every kind of
iterator and validation callback (length-bucketed sequences, sequence pairs with
validation BLEU, forecast windows with the validation point error, the text generator's
stream of windows).

Multi-process training is checked directly where it differs (the sharding of the
length-bucketed batches, the settings it refuses); two CPU processes launched with
``torch.distributed.run`` (gloo) run only on request (``SK_RNN_TEST_MULTIPROCESS=1``,
about 20 s on two cores). Nothing here runs on GPUs.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import sk_rnn
from sk_rnn import RNNClassifier, RNNForecaster, Seq2SeqTranslator, TextGenerator
from sk_rnn._accelerate import AcceleratedRNNNet, _VariableBatches
from sk_rnn._net import RNNNet
from sk_rnn._sequences import LengthBucketSampler

accelerate = pytest.importorskip("accelerate")
from accelerate import Accelerator  # noqa: E402
from accelerate.data_loader import BatchSamplerShard  # noqa: E402
from accelerate.state import AcceleratorState, GradientState  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=8, embedding_dim=8, random_state=0, device="cpu")


def _reset_accelerate_state() -> None:
    # accelerate keeps one process-wide state: an Accelerator with another
    # mixed_precision cannot be made after the first without resetting it (test-only API)
    AcceleratorState._reset_state(reset_partial_state=True)
    GradientState._reset_state()


@pytest.fixture(scope="module")
def accelerator():
    _reset_accelerate_state()
    yield Accelerator(cpu=True)
    _reset_accelerate_state()


@pytest.fixture
def fresh_accelerator(accelerator):
    """Make an Accelerator with other settings; the module's plain one afterwards."""
    def make(**kwargs):
        _reset_accelerate_state()
        return Accelerator(cpu=True, **kwargs)

    yield make
    _reset_accelerate_state()
    Accelerator(cpu=True)  # the shared state of the module's accelerator again


def _texts(n=80, seed=0):
    """Positive and negative words: separable in a few epochs."""
    rng = np.random.RandomState(seed)
    words = (["bad", "awful", "poor", "sad"], ["good", "great", "fine", "nice"])
    y = np.arange(n) % 2
    X = [" ".join(rng.choice(words[label], size=rng.randint(2, 7))) for label in y]
    return X, np.where(y == 1, "pos", "neg")


def _classifier(accelerator=None, **params):
    return RNNClassifier(accelerator=accelerator,
                         **{**TINY, "max_epochs": 8, "batch_size": 8, **params})


def _spy_clip(monkeypatch, accelerator) -> list:
    calls = []
    clip = accelerator.clip_grad_norm_

    def spy(parameters, max_norm, *args, **kwargs):
        calls.append(max_norm)
        return clip(parameters, max_norm, *args, **kwargs)

    monkeypatch.setattr(accelerator, "clip_grad_norm_", spy)
    return calls


def _n_train_batches(estimator) -> int:
    return sum(sum(1 for b in epoch["batches"] if "train_loss" in b)
               for epoch in estimator.history_)


# -- training ---------------------------------------------------------------------------
def test_classifier_learns_and_equals_plain_fit(accelerator):
    X, y = _texts()
    model = _classifier(accelerator).fit(X, y)
    plain = _classifier().fit(X, y)
    assert model.score(X, y) == 1.0
    proba = model.predict_proba(X[:7])
    assert proba.shape == (7, 2)
    np.testing.assert_array_equal(proba, plain.predict_proba(X[:7]))
    assert model.history_[:, "valid_loss"] == plain.history_[:, "valid_loss"]
    assert model.device_ == torch.device("cpu")
    # the fitted net is detached from the accelerator, which no longer holds its parts
    net = model.net_
    assert type(net) is AcceleratedRNNNet and net.accelerator is None
    assert net.device == "cpu" and type(net.optimizer_) is torch.optim.Adam
    assert not accelerator._models and not accelerator._optimizers
    assert not accelerator._dataloaders
    assert model.accelerator is accelerator  # the parameter is untouched


def _translator(accelerator=None):
    return Seq2SeqTranslator(max_epochs=3, batch_size=8, accelerator=accelerator, **TINY)


def _forecaster(accelerator=None):
    return RNNForecaster(window_length=6, hidden_size=8, max_epochs=3, early_stopping=True,
                         random_state=0, device="cpu", accelerator=accelerator)


def _generator(accelerator=None):
    return TextGenerator(sequence_length=8, max_epochs=2, batch_size=4,
                         accelerator=accelerator, **TINY)


SOURCES = ["one two", "two three", "three one", "one one", "two two", "three three"] * 5
TARGETS = [s.replace("one", "un").replace("two", "deux").replace("three", "trois")
           for s in SOURCES]
SERIES = pd.Series(np.sin(np.arange(60) / 4.0) + 0.01 * np.arange(60))
CORPUS = "the cat sat on the mat. the dog sat on the log. " * 12

OTHER_ESTIMATORS = {
    # sequence pairs; early stopping on validation BLEU (decodes with the plain module)
    "translator": (_translator, lambda m: m.fit(SOURCES, TARGETS),
                   lambda m: m.predict(SOURCES[:6]), (6,), "valid_bleu"),
    # forecast windows; early stopping on the validation point error (net.forward)
    "forecaster": (_forecaster, lambda m: m.fit(SERIES, fh=[1, 2, 3]),
                   lambda m: m.predict().to_numpy(), (3,), "valid_point_mse"),
    # a stream of windows, not a DataLoader: moved to the device, not prepared
    "generator": (_generator, lambda m: m.fit(CORPUS),
                  lambda m: np.array(list(m.generate("the ", max_length=12, random_state=0))),
                  (12,), "valid_loss"),
}


@pytest.mark.parametrize("name", list(OTHER_ESTIMATORS))
def test_other_estimators_equal_plain_fit(accelerator, name):
    make, fit, predict, shape, monitor = OTHER_ESTIMATORS[name]
    model, plain = fit(make(accelerator)), fit(make())
    result = predict(model)
    assert result.shape == shape
    np.testing.assert_array_equal(result, predict(plain))
    assert model.history_[:, monitor] == plain.history_[:, monitor]
    assert model.net_.accelerator is None and model.net_.device == "cpu"


def test_without_device_placement(accelerator):
    # the accelerator leaves the module and batches alone: skorch places them on the
    # accelerator's device
    placing_nothing = Accelerator(cpu=True, device_placement=False)
    X, y = _texts()
    model = _classifier(placing_nothing, max_epochs=2).fit(X, y)
    plain = _classifier(max_epochs=2).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X), plain.predict_proba(X))
    generator = _generator(placing_nothing).fit(CORPUS)
    assert generator.generate("the ", max_length=12, random_state=0) == _generator().fit(
        CORPUS).generate("the ", max_length=12, random_state=0)


@pytest.mark.parametrize("grad_clip", [0.5, None])
def test_grad_clip_goes_through_the_accelerator(accelerator, monkeypatch, grad_clip):
    calls = _spy_clip(monkeypatch, accelerator)
    model = _classifier(accelerator, grad_clip=grad_clip, max_epochs=2).fit(*_texts())
    n_steps = _n_train_batches(model)
    assert n_steps > 0
    assert calls == ([grad_clip] * n_steps if grad_clip else [])


def test_gradient_accumulation(fresh_accelerator, monkeypatch):
    accelerator = fresh_accelerator(gradient_accumulation_steps=2)
    calls = _spy_clip(monkeypatch, accelerator)
    X, y = _texts()
    model = _classifier(accelerator).fit(X, y)
    # gradients are clipped and applied on every second batch and at the end of an epoch
    n_steps = _n_train_batches(model)
    assert n_steps / 2 <= len(calls) < n_steps
    assert model.score(X, y) >= 0.9


def test_mixed_precision_is_the_accelerators(fresh_accelerator):
    accelerator = fresh_accelerator(mixed_precision="bf16")
    X, y = _texts()
    model = _classifier(accelerator).fit(X, y)
    plain = _classifier().fit(X, y)
    assert model.history_[:, "train_loss"] != plain.history_[:, "train_loss"]  # bf16 ran
    assert model.score(X, y) == 1.0
    # inference afterwards is plain float32 on the unwrapped module
    assert model.net_.amp_dtype is None
    assert next(model.net_.module_.parameters()).dtype == torch.float32
    assert model.predict_proba(X).dtype == np.float64


# -- parameters, copies, persistence ----------------------------------------------------
def test_clone_and_grid_search_share_the_accelerator(accelerator):
    model = _classifier(accelerator, max_epochs=2)
    assert model.get_params()["accelerator"] is accelerator
    # sklearn deep-copies other parameters; Accelerator.__deepcopy__ returns itself
    # (accelerate >= 0.21), and a copy would lose track of the accelerator's state
    assert clone(model).accelerator is accelerator
    X, y = _texts(40)
    search = GridSearchCV(model, {"hidden_size": [4, 8]}, cv=2).fit(X, y)
    assert search.best_estimator_.accelerator is accelerator
    assert not accelerator._models and not accelerator._dataloaders


def test_pickle_drops_the_accelerator(accelerator):
    X, y = _texts()
    model = _classifier(accelerator, max_epochs=2).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.accelerator is None and model.accelerator is accelerator
    assert restored.net_.accelerator is None
    # it trains again, with or without an accelerator
    restored.set_params(max_epochs=1).fit(X, y)
    restored.set_params(accelerator=accelerator).fit(X, y)
    assert type(restored.net_) is AcceleratedRNNNet


def test_save_stores_accelerator_none(accelerator, tmp_path):
    X, y = _texts()
    model = _classifier(accelerator, max_epochs=2).fit(X, y)
    path = tmp_path / "model.skrnn"
    with pytest.warns(UserWarning, match="accelerator is not stored"):
        sk_rnn.save(model, path)
    loaded = sk_rnn.load(path)
    assert loaded.accelerator is None and type(loaded.net_) is RNNNet
    assert loaded.net_.device == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sk_rnn.save(loaded, tmp_path / "again.skrnn")  # nothing to warn about


# -- bad values -------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["accelerate", "cuda", True, object(), Accelerator])
def test_accelerator_must_be_an_accelerator(value):
    model = _classifier(value)
    with pytest.raises(TypeError, match="accelerator must be None or an accelerate"):
        model.fit(*_texts(20))
    assert not hasattr(model, "net_")


@pytest.mark.parametrize("precision", ["bf16", "16"])
def test_precision_and_accelerator_conflict(accelerator, precision):
    with pytest.raises(ValueError, match=rf"precision='{precision}' and accelerator="):
        _classifier(accelerator, precision=precision).fit(*_texts(20))


def test_device_must_agree_with_the_accelerator(accelerator):
    # on this CPU accelerator, a CUDA device is refused (unavailable, or not the
    # accelerator's device); "cpu" and "auto" are its device
    with pytest.raises(ValueError, match="device='cuda'"):
        _classifier(accelerator, device="cuda").fit(*_texts(20))
    assert _classifier(accelerator, device="auto", max_epochs=1).fit(*_texts(20)).device_ \
        == torch.device("cpu")


@pytest.mark.parametrize("setting, value, match", [
    ("random_state", None, "random_state must be an int"),
    ("split_batches", True, "split_batches=True is not supported"),
    ("even_batches", False, "even_batches=False is not supported"),
])
def test_multi_process_settings(accelerator, monkeypatch, setting, value, match):
    # as an accelerator of 2 processes would be: checked before any training
    monkeypatch.setattr(Accelerator, "num_processes", property(lambda self: 2))
    params = {"random_state": None} if setting == "random_state" else {}
    if setting != "random_state":
        monkeypatch.setattr(Accelerator, setting, property(lambda self: value))
    model = _classifier(accelerator, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(*_texts(20))
    assert not hasattr(model, "net_")


# -- sharding ---------------------------------------------------------------------------
def test_sharded_length_buckets_keep_every_sequence():
    """accelerate shards the batches of N processes with ``BatchSamplerShard``; told the
    sampler's ``batch_size``, it drops the groups of batches whose last one is short, and
    length bucketing makes short batches. Without it, every sequence is used and every
    process gets as many batches (the first ones come round again to even them out)."""
    lengths = np.random.RandomState(1).randint(1, 30, size=100)

    def shards(wrap):
        return [list(BatchSamplerShard(wrap(LengthBucketSampler(lengths, 8, True, seed=0)),
                                       num_processes=2, process_index=rank))
                for rank in range(2)]

    as_declared = shards(lambda sampler: sampler)
    assert len({i for shard in as_declared for batch in shard for i in batch}) < 100
    variable = shards(_VariableBatches)
    assert {i for shard in variable for batch in shard for i in batch} == set(range(100))
    assert len(variable[0]) == len(variable[1])


def test_sk_rnn_imports_without_accelerate():
    code = ("import sys; sys.modules['accelerate'] = None\n"  # as if not installed
            "import sk_rnn, sk_rnn._accelerate\n"
            "try:\n"
            "    sk_rnn.RNNClassifier(accelerator='x').fit(['a b', 'b a'] * 5, [0, 1] * 5)\n"
            "except TypeError as e:\n"
            "    assert 'not installed' in str(e), e\n"
            "else:\n"
            "    raise SystemExit('no error')\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


TWO_PROCESS_SCRIPT = """
import sys
import numpy as np, torch
torch.set_num_threads(1)
from accelerate import Accelerator
from sk_rnn import RNNClassifier, TextGenerator
accelerator = Accelerator(cpu=True)
rng = np.random.RandomState(0)
words = (["bad", "awful", "poor", "sad"], ["good", "great", "fine", "nice"])
y = np.arange(101) % 2
X = [" ".join(rng.choice(words[label], size=rng.randint(2, 9))) for label in y]
model = RNNClassifier(hidden_size=8, embedding_dim=8, max_epochs=8, batch_size=8,
                      random_state=0, accelerator=accelerator).fit(X, y)
generator = TextGenerator(hidden_size=8, embedding_dim=8, sequence_length=8, max_epochs=2,
                          batch_size=4, random_state=0, accelerator=accelerator)
generator.fit("the cat sat on the mat. " * 30)
torch.save({
    "weights": [p.detach() for p in model.net_.module_.parameters()],
    "generator": [p.detach() for p in generator.net_.module_.parameters()],
    "valid_loss": model.history_[:, "valid_loss"],
    "train_loss": model.history_[:, "train_loss"],
    "batch_sizes": [[b["train_batch_size"] for b in epoch["batches"] if "train_loss" in b]
                    for epoch in model.history_],
    "score": model.score(X, y),
}, f"{sys.argv[1]}/rank{accelerator.process_index}.pt")
"""


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("SK_RNN_TEST_MULTIPROCESS"),
                    reason="opt-in: starts two torch.distributed (gloo) processes on loopback "
                           "ports, about 15 s; set SK_RNN_TEST_MULTIPROCESS=1 to run it")
def test_two_cpu_processes(tmp_path):
    """Data parallelism over two gloo processes: the same weights and the same validation
    losses (so the same early stopping) in both; each trains on its half of the batches,
    every training sequence is used once per epoch (and up to a batch more per process,
    to even out the batches)."""
    script = tmp_path / "train.py"
    script.write_text(TWO_PROCESS_SCRIPT)
    subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
         "2", str(script), str(tmp_path)],
        check=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    first, second = (torch.load(tmp_path / f"rank{r}.pt", weights_only=False)
                     for r in range(2))
    for key in ("weights", "generator"):
        assert all(torch.equal(a, b) for a, b in zip(first[key], second[key], strict=True))
    assert first["valid_loss"] == second["valid_loss"]
    assert first["train_loss"] != second["train_loss"]  # each process its own batches
    n_train = 101 - 10
    for sizes_0, sizes_1 in zip(first["batch_sizes"], second["batch_sizes"], strict=True):
        assert len(sizes_0) == len(sizes_1)
        assert n_train <= sum(sizes_0) + sum(sizes_1) <= n_train + 2 * 8
    assert first["score"] == second["score"] >= 0.9
