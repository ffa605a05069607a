"""Calibrated prediction intervals for :class:`~sk_rnn.RNNForecaster`.

A network fitted to a few hundred windows is over-confident, and more so the further it
forecasts: a recursive forecast feeds its own errors back, so a calibration measured on
one-step errors under-covers at longer horizons. The ``"conformal"`` method measures the
errors where they arise. A first fit leaves out the most recent part of every series;
from each held-out time point (a rolling forecast origin) it forecasts to the end of the
series, and every step of every such forecast gives one *conformity score*: the absolute
error in units of the predictive spread the network gave that step,

    score = |y - point forecast| / spread.

The spread of a recursive forecast grows along the horizon (it is the spread of
simulated sample paths), so normalising by it puts errors of all steps on one scale and
lets them be pooled: a 9-point hold-out gives 45 scores rather than 9 one-step ones. The
interval of coverage ``c`` is then ``point +/- q_c * spread``, with ``q_c`` the
split-conformal ``c``-quantile of the pooled scores (normalised or "studentised" split
conformal prediction, Lei et al. 2018, applied to multi-step forecasts as in
Stankeviciute et al. 2021).

The steps of one origin share its errors, so the scores are dependent. Dependence makes
the pooled quantile a noisier estimate, not a biased one, so every score counts in the
quantile's finite-sample rank. Counting only the origins as the observations (the earlier
rule, kept for forecasters fitted with it) asks for a rank beyond the last score whenever
there are fewer than nine origins for a 90 % interval, and then takes the largest score:
on the selection set of ``benchmarks/select_forecaster_defaults.py`` it over-covered,
with a higher interval score (``benchmarks/RESULTS.md``, "Conformal quantile").

``"scale"`` is the earlier method: one widening factor of the predictive distribution,
the root mean square of the one-step scores, applied to every step.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

__all__ = ["INTERVAL_METHODS", "conformal_quantile", "score_scale", "symmetric_quantiles"]

#: The valid values of ``RNNForecaster(interval_method=...)``.
INTERVAL_METHODS = ("conformal", "scale")


def conformal_quantile(scores: np.ndarray, coverage: float | np.ndarray, scale: float,
                       n_groups: int | None = None) -> np.ndarray:
    """Split-conformal quantile of ``scores`` for each ``coverage``.

    For ``n`` exchangeable scores, the ``ceil((n + 1) c)``-th smallest covers a new score
    with probability at least ``c``. Scores that come in ``n_groups`` dependent groups
    (the steps of one forecast origin share its errors) count as ``n_groups``
    observations: the level ``ceil((n_groups + 1) c) / n_groups`` of the scores' empirical
    distribution is taken. Where the scores are too few for the level (it exceeds 1,
    e.g. 90 % from 8 origins), a Gaussian with the scores' root mean square,
    ``scale * Phi^-1((1 + c) / 2)``, stands in, never below the largest score.

    Parameters
    ----------
    scores : ndarray of shape (n,)
        Sorted non-negative conformity scores.
    coverage : float or ndarray
        Levels in [0, 1).
    scale : float
        Root mean square of the scores.
    n_groups : int, optional
        Independent groups the scores come in (default: every score its own).

    Returns
    -------
    ndarray of the shape of ``coverage``
    """
    coverage = np.asarray(coverage, dtype=np.float64)
    n = len(scores)
    g = n if n_groups is None else n_groups
    level = np.ceil((g + 1) * coverage - 1e-9) / g
    out = np.empty_like(coverage)
    for i, (c, p) in enumerate(zip(coverage.ravel(), level.ravel(), strict=True)):
        if c <= 0:
            out.flat[i] = 0.0
        elif p <= 1:
            out.flat[i] = scores[min(n, max(1, int(np.ceil(p * n - 1e-9)))) - 1]
        else:
            out.flat[i] = max(scores[-1], scale * norm.ppf((1 + c) / 2))
    return out


def symmetric_quantiles(point: np.ndarray, spread: np.ndarray, scores: np.ndarray,
                        alpha: np.ndarray, scale: float,
                        n_groups: int | None = None) -> np.ndarray:
    """Quantiles at levels ``alpha`` of the conformal band around ``point``.

    The level ``a`` is the lower end of the central interval of coverage ``1 - 2a`` for
    ``a < 0.5``, the upper end of the one of coverage ``2a - 1`` above, and the point
    forecast at 0.5, so that ``predict_interval`` and ``predict_quantiles`` agree.

    Parameters
    ----------
    point, spread : ndarray of shape (...)
        Point forecasts and predictive spreads.
    scores : ndarray of shape (n,)
        Sorted conformity scores.
    alpha : ndarray of shape (k,)
        Quantile levels in (0, 1), in any order.
    scale : float
        Root mean square of the scores (see :func:`conformal_quantile`).
    n_groups : int, optional
        Independent groups of the scores (see :func:`conformal_quantile`).

    Returns
    -------
    ndarray of shape (..., k)
        Monotone in ``alpha``.
    """
    alpha = np.asarray(alpha, dtype=np.float64)
    half_width = conformal_quantile(scores, np.abs(2 * alpha - 1), scale, n_groups)
    return point[..., None] + np.sign(alpha - 0.5) * half_width * spread[..., None]


def score_scale(scores: np.ndarray) -> float:
    """Root mean square of the scores, at least 1: the widening factor, in units of the
    predictive spread, of a Gaussian with the scores' second moment."""
    return float(max(1.0, math.sqrt(float(np.mean(np.square(scores))))))
