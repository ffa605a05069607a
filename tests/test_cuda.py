"""CUDA behaviour: training and prediction on the GPU, mixed precision, CPU/GPU agreement
and persistence. Skipped where no CUDA device is visible."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

from sk_rnn import RNNClassifier, RNNRegressor

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason="needs a CUDA device: torch.cuda.is_available() is False",
    ),
]

DEVICE = "cuda"
TINY = dict(hidden_size=8, embedding_dim=8, max_epochs=3, random_state=0)


def _texts(n=60, seed=0):
    rng = np.random.RandomState(seed)
    pos, neg = ["great", "fine", "superb"], ["awful", "bad", "poor"]
    texts = [
        " ".join(rng.choice((pos if i % 2 else neg) + ["the", "film"], size=rng.randint(2, 9)))
        for i in range(n)
    ]
    return texts, np.array(["pos" if i % 2 else "neg" for i in range(n)])


def _ragged(n=60, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(2, 12), 3)) for _ in range(n)]
    return X, np.array([int(x[:, 0].mean() > 0) for x in X])


@pytest.fixture
def no_tf32(monkeypatch):
    """Full float32 on the GPU, so that CPU and CUDA results can be compared closely."""
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


def _on_device(est, device):
    assert est.device_.type == torch.device(device).type
    assert all(p.device.type == torch.device(device).type
               for p in est.net_.module_.parameters())


def _check_proba(proba, n, k=2):
    assert proba.shape == (n, k)
    assert np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("data", [_texts, _ragged], ids=["text", "numeric"])
def test_fit_predict_on_cuda(data):
    X, y = data()
    clf = RNNClassifier(device=DEVICE, **TINY).fit(X, y)
    _on_device(clf, DEVICE)
    assert set(clf.predict(X)) <= set(clf.classes_)
    _check_proba(clf.predict_proba(X), len(y))
    assert np.all(np.isfinite(clf.history_[:, "train_loss"]))


def test_regressor_on_cuda():
    X, _ = _ragged()
    target = np.array([x[:, 0].sum() for x in X]) * 10.0 + 50.0
    reg = RNNRegressor(device=DEVICE, **TINY).fit(X, target)
    _on_device(reg, DEVICE)
    pred = reg.predict(X)
    assert pred.shape == (60,) and np.all(np.isfinite(pred))


def test_auto_and_indexed_devices_pick_cuda():
    X, y = _ragged(30)
    assert RNNClassifier(device="auto", **TINY).fit(X, y).device_.type == "cuda"
    clf = RNNClassifier(device="cuda:0", **TINY).fit(X, y)
    _on_device(clf, "cuda:0")
    _check_proba(clf.predict_proba(X), 30)


def test_cuda_index_out_of_range():
    n = torch.cuda.device_count()
    X, y = _ragged(30)
    with pytest.raises(ValueError, match=f"device='cuda:{n}' but only {n} CUDA device"):
        RNNClassifier(device=f"cuda:{n}", **TINY).fit(X, y)


@pytest.mark.parametrize("precision", ["bf16", "16"])
@pytest.mark.parametrize("data", [_texts, _ragged], ids=["text", "numeric"])
def test_mixed_precision(precision, data):
    X, y = data()
    clf = RNNClassifier(device=DEVICE, precision=precision, **TINY).fit(X, y)
    expected = {"bf16": torch.bfloat16, "16": torch.float16}[precision]
    assert clf.net_.amp_dtype is expected
    if precision == "16":
        assert isinstance(clf.net_.grad_scaler_, torch.amp.GradScaler)
    # The weights stay float32 (autocast), the losses finite.
    assert all(p.dtype == torch.float32 for p in clf.net_.module_.parameters())
    assert np.all(np.isfinite(clf.history_[:, "train_loss"]))
    _check_proba(clf.predict_proba(X), len(y))
    reg = RNNRegressor(device=DEVICE, precision=precision, **TINY)
    pred = reg.fit(X, np.arange(len(y), dtype=float)).predict(X)
    assert np.all(np.isfinite(pred))


def _move(est, device):
    """A copy of a fitted estimator with the same weights on another device."""
    moved = copy.deepcopy(est)
    moved.net_.module_.to(device)
    moved.net_.device = device
    return moved


@pytest.mark.parametrize("data", [_texts, _ragged], ids=["text", "numeric"])
def test_cpu_and_cuda_agree_for_the_same_weights(data, no_tf32):
    X, y = data()
    cpu = RNNClassifier(device="cpu", **TINY).fit(X, y)
    gpu = _move(cpu, DEVICE)
    assert next(gpu.net_.module_.parameters()).device.type == torch.device(DEVICE).type
    np.testing.assert_allclose(gpu.predict_proba(X), cpu.predict_proba(X), atol=1e-5)
    # And the other way round: a model trained on CUDA, evaluated on the CPU.
    trained = RNNClassifier(device=DEVICE, **TINY).fit(X, y)
    back = _move(trained, "cpu")
    np.testing.assert_allclose(back.predict_proba(X), trained.predict_proba(X), atol=1e-5)


def test_cuda_model_pickles():
    X, y = _texts()
    clf = RNNClassifier(device=DEVICE, **TINY).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    _on_device(restored, DEVICE)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_cuda_model_loads_on_a_cpu_only_machine(monkeypatch, no_tf32):
    X, y = _ragged()
    clf = RNNClassifier(device=DEVICE, **TINY).fit(X, y)
    expected = clf.predict_proba(X)
    blob = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning: loading on the CPU
        restored = pickle.loads(blob)
    assert all(p.device.type == "cpu" for p in restored.net_.module_.parameters())
    np.testing.assert_allclose(restored.predict_proba(X), expected, atol=1e-5)


def test_text_generator_on_cuda():
    from sk_rnn import TextGenerator

    text = "the cat sat on the mat. the dog sat on the log.\n" * 40
    model = TextGenerator(hidden_size=32, num_layers=2, sequence_length=16, batch_size=8,
                          max_epochs=2, random_state=0, device=DEVICE).fit(text)
    assert model.device_.type == "cuda"
    assert next(model.net_.module_.parameters()).is_cuda
    assert np.isfinite(model.score(text[:200]))
    out = model.generate("the", 50, random_state=0)
    assert out.startswith("the") and out == model.generate("the", 50, random_state=0)


def test_translator_on_cuda():
    from sk_rnn import Seq2SeqTranslator

    X = ["one two", "two three", "three four", "four one"] * 10
    y = [" ".join(reversed(s.split())) for s in X]
    model = Seq2SeqTranslator(hidden_size=16, embedding_dim=8, max_epochs=3, random_state=0,
                              device=DEVICE).fit(X, y)
    assert model.device_.type == "cuda"
    assert "valid_bleu" in model.history_[-1]
    assert len(model.predict(X[:4])) == 4
