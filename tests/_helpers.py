"""Assertions shared by several test modules (imported as ``from _helpers import ...``:
pytest puts this folder on ``sys.path``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch


def assert_same(a, b) -> None:
    """Exact equality of nested outputs (arrays, frames, series, strings, floats)."""
    if isinstance(a, tuple | list):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    elif isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b, check_exact=True)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def tiny_texts(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """``n`` short reviews made of a few sentiment words, labelled "pos"/"neg" in turn."""
    rng = np.random.RandomState(seed)
    pos, neg = ["great", "fine"], ["awful", "bad"]
    X = [" ".join(rng.choice((pos if i % 2 else neg) + ["film"], size=rng.randint(1, 5)))
         for i in range(n)]
    return X, np.array(["pos" if i % 2 else "neg" for i in range(n)])


def tiny_reversal_pairs(words: list[str], n: int = 24, seed: int = 0
                        ) -> tuple[list[str], list[str]]:
    """``n`` sentences of 1-3 of ``words`` and the same sentences reversed (a toy
    translation task)."""
    rng = np.random.RandomState(seed)
    X = [" ".join(rng.choice(words, size=rng.randint(1, 4))) for _ in range(n)]
    return X, [" ".join(reversed(s.split())) for s in X]


def encode_outputs(value):
    """A JSON-ready form of nested outputs; floats keep every bit (JSON writes repr)."""
    if isinstance(value, tuple | list):
        return {"list": [encode_outputs(v) for v in value]}
    if isinstance(value, pd.DataFrame):
        return {"frame": {"index": [str(i) for i in value.index],
                          "columns": [str(c) for c in value.columns],
                          "values": np.asarray(value, dtype=np.float64).tolist()}}
    if isinstance(value, pd.Series):
        return {"series": {"index": [str(i) for i in value.index], "name": value.name,
                           "values": np.asarray(value, dtype=np.float64).tolist()}}
    if isinstance(value, np.ndarray):
        return {"array": {"dtype": str(value.dtype), "values": value.tolist()}}
    if isinstance(value, np.generic):
        return encode_outputs(value.item())
    return {"value": value}


def assert_outputs_match(actual, expected, rtol: float = 1e-6, atol: float = 1e-9,
                         where: str = "outputs") -> None:
    """Two :func:`encode_outputs` forms agree: the same structure, labels, dtypes and
    indexes exactly, floats within ``rtol``/``atol`` (the last bits of float arithmetic
    differ between CPUs, e.g. with and without AVX-512 kernels)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), where
        for key in expected:
            assert_outputs_match(actual[key], expected[key], rtol, atol, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_outputs_match(a, e, rtol, atol, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert isinstance(actual, float | int), where
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def assert_path_mixed_in_eval_only(module, x, lengths, share: float = 0.5) -> None:
    """A :class:`~sk_rnn.nn.SequenceModel` with a linear path returns the encoder's logits
    alone in training mode (what the loss and early stopping see) and, in evaluation
    mode, the mixture ``(1 - share) * encoder + share * path`` of log-probabilities."""
    module.train()
    encoder_only = module(x, lengths)
    module.eval()
    encoder, path = module.parts(x, lengths)
    torch.testing.assert_close(torch.log_softmax(encoder_only, 1), encoder)
    torch.testing.assert_close(module(x, lengths), (1 - share) * encoder + share * path)
