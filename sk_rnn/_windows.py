"""Time series -> training windows for the forecaster: scaling, sliding windows, batches.

A series is scaled per target column (optionally after a log), cut into sliding windows
of ``window_length`` past steps with the ``horizon`` steps after each as the target, and
every window is optionally normalised by its own statistics (last value, mean, or mean and
standard deviation), which makes the network see shapes rather than levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch.utils.data import Dataset

from ._registry import register_reference

__all__ = [
    "SCALINGS",
    "WINDOW_NORMALIZATIONS",
    "ForecastWindows",
    "WindowDataset",
    "fit_covariate_effect",
    "fit_scaling",
    "make_windows",
    "window_collate",
    "window_stats",
]

SCALINGS = ("standard", "robust", "minmax", None)
WINDOW_NORMALIZATIONS = ("last", "drift", "mean", "standard", None)


def fit_scaling(values: np.ndarray, method: str | None) -> tuple[np.ndarray, np.ndarray]:
    """Location and scale per column of ``values`` ``(T, n_columns)``.

    Parameters
    ----------
    values : ndarray of shape (T, n_columns)
    method : {"standard", "robust", "minmax", None}
        Mean and standard deviation; median and inter-quartile range; minimum and range;
        or no scaling (0 and 1). A scale of zero (a constant column) becomes 1.

    Returns
    -------
    loc, scale : ndarray of shape (n_columns,)
    """
    n_columns = values.shape[1]
    if method is None:
        return np.zeros(n_columns), np.ones(n_columns)
    if method == "standard":
        loc, scale = values.mean(axis=0), values.std(axis=0)
    elif method == "robust":
        q25, loc, q75 = np.percentile(values, [25, 50, 75], axis=0)
        scale = q75 - q25
    else:  # minmax
        loc = values.min(axis=0)
        scale = values.max(axis=0) - loc
    scale = np.where(scale > 1e-12 * np.maximum(1.0, np.abs(loc)), scale, 1.0)
    return loc.astype(np.float64), scale.astype(np.float64)


def window_stats(window_targets, method: str | None):
    """The offset and spread of each window.

    ``"last"`` and ``"drift"``: the last value and 1 (``"drift"`` adds the window's drift
    to the forecasts, :func:`window_drift`); ``"mean"``: the mean and 1; ``"standard"``: the
    mean and the standard deviation (reversible instance normalisation, floored at 0.01
    in units of the scaled series); ``None``: 0 and 1. Works on numpy arrays and torch
    tensors of shape ``(B, window_length, n_targets)`` and returns two ``(B, n_targets)``
    arrays (copies, never views of the window).
    """
    is_numpy = isinstance(window_targets, np.ndarray)
    if method in ("last", "drift"):
        offset = window_targets[:, -1, :] * 1
    elif method in ("mean", "standard"):
        offset = window_targets.mean(axis=1) if is_numpy else window_targets.mean(dim=1)
    else:
        offset = window_targets[:, -1, :] * 0
    if method == "standard":
        spread = window_targets.std(axis=1) if is_numpy else \
            window_targets.std(dim=1, correction=0)
        spread = np.maximum(spread, 0.01) if is_numpy else spread.clamp_min(0.01)
    else:
        spread = offset * 0 + 1
    return offset, spread


def window_drift(window_targets, horizon: int):
    """The naive drift forecast of each window, relative to its last value.

    Step ``h`` (1 to ``horizon``) gets ``h`` times the window's mean step, ``(last -
    first) / (window_length - 1)``: the line through the window's first and last values,
    continued. Works on numpy arrays and torch tensors of shape ``(B, window_length,
    n_targets)`` and returns ``(B, horizon, n_targets)``; a window of one step has no
    drift.
    """
    length = window_targets.shape[1]
    step = (window_targets[:, -1, :] - window_targets[:, 0, :]) / max(length - 1, 1)
    if isinstance(window_targets, np.ndarray):
        ahead = np.arange(1, horizon + 1, dtype=window_targets.dtype)
    else:
        ahead = torch.arange(1, horizon + 1, dtype=window_targets.dtype,
                             device=window_targets.device)
    return ahead[None, :, None] * step[:, None, :]


@dataclass
class ForecastWindows:
    """Training windows.

    Attributes
    ----------
    inputs : ndarray of shape (n, window_length, n_targets + n_covariates)
        Normalised targets followed by the scaled covariates of the same steps.
    future : ndarray of shape (n, horizon, n_covariates) or None
        Covariates of the steps ahead.
    """

    inputs: np.ndarray
    future: np.ndarray | None

    def __len__(self) -> int:
        return len(self.inputs)

    @property
    def lengths(self) -> np.ndarray:
        """The window length of every window (all equal)."""
        return np.full(len(self.inputs), self.inputs.shape[1], dtype=np.int64)

    def subset(self, indices: np.ndarray) -> ForecastWindows:
        """The windows at ``indices``."""
        future = None if self.future is None else self.future[indices]
        return ForecastWindows(self.inputs[indices], future)


def fit_covariate_effect(covariates: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The least-squares linear effect of a step's covariates on its targets.

    An intercept per target is fitted alongside and not returned (the network's own bias
    takes that part).

    Parameters
    ----------
    covariates : ndarray of shape (n, n_covariates)
        The covariates of ``n`` observed steps.
    targets : ndarray of shape (n, n_targets)
        The targets of the same steps.

    Returns
    -------
    weights : ndarray of shape (n_covariates, n_targets)
        The minimum-norm least-squares solution (collinear covariates share the effect).
    """
    design = np.concatenate([covariates, np.ones((len(covariates), 1))], axis=1)
    coef = np.linalg.lstsq(design.astype(np.float64), targets.astype(np.float64),
                           rcond=None)[0]
    return coef[:-1]


def make_windows(
    targets: np.ndarray,
    covariates: np.ndarray | None,
    window_length: int,
    horizon: int,
    normalization: str | None,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Cut one scaled series into sliding training windows.

    Parameters
    ----------
    targets : ndarray of shape (T, n_targets)
        The scaled series.
    covariates : ndarray of shape (T, n_covariates) or None
        Scaled covariates aligned with ``targets``.
    window_length, horizon : int
        Past steps per window and steps ahead per target.
    normalization : {"last", "drift", "mean", "standard", None}
        How the window's targets and its future targets are normalised by the window's
        own statistics (:func:`window_stats`; ``"drift"`` normalises as ``"last"``, and
        the model adds the drift).

    Returns
    -------
    inputs : ndarray of shape (n, window_length, n_targets + n_covariates)
    future : ndarray of shape (n, horizon, n_covariates) or None
    y : ndarray of shape (n, horizon, n_targets)
        Future targets normalised like the window; ``n = T - window_length - horizon + 1``.
    """
    n = len(targets) - window_length - horizon + 1
    features = targets if covariates is None else np.concatenate([targets, covariates], axis=1)
    inputs = sliding_window_view(features, window_length, axis=0)[:n].transpose(0, 2, 1).copy()
    y = sliding_window_view(targets[window_length:], horizon, axis=0)[:n].transpose(0, 2, 1)
    n_targets = targets.shape[1]
    offset, spread = window_stats(inputs[:, :, :n_targets], normalization)
    inputs[:, :, :n_targets] = (inputs[:, :, :n_targets] - offset[:, None, :]) / spread[:, None, :]
    y = (y - offset[:, None, :]) / spread[:, None, :]
    future = None
    if covariates is not None:
        future = sliding_window_view(covariates[window_length:], horizon, axis=0)[:n]
        future = future.transpose(0, 2, 1).copy()
    return inputs, future, y


class WindowDataset(Dataset):
    """A torch dataset of forecasting windows and their targets.

    Parameters
    ----------
    windows : ForecastWindows
    y : ndarray of shape (n, horizon, n_targets)
    """

    def __init__(self, windows: ForecastWindows, y: np.ndarray) -> None:
        self.windows = windows
        self.y = y
        self.lengths = windows.lengths

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i: int):
        future = None if self.windows.future is None else self.windows.future[i]
        return (self.windows.inputs[i], future), self.y[i]


@register_reference
def window_collate(batch: list) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Stack :class:`WindowDataset` items into ``({"x", "future"}, y)`` float32 tensors."""
    x = torch.from_numpy(np.stack([item[0][0] for item in batch]).astype(np.float32))
    X = {"x": x}
    if batch[0][0][1] is not None:
        X["future"] = torch.from_numpy(np.stack([item[0][1] for item in batch]).astype(np.float32))
    y = torch.from_numpy(np.stack([item[1] for item in batch]).astype(np.float32))
    return X, y
