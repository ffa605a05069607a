"""Assertions shared by several test modules (imported as ``from _helpers import ...``:
pytest puts this folder on ``sys.path``)."""

from __future__ import annotations

import numpy as np
import pandas as pd


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
