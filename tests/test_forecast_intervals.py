"""Calibrated prediction intervals of :class:`sk_rnn.RNNForecaster`: the conformal
quantile itself, and the ``interval_method`` options on fitted forecasters."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm
from sktime.datasets import load_airline, load_uschange

from sk_rnn import RNNForecaster
from sk_rnn._forecast_intervals import (
    conformal_quantile,
    score_scale,
    symmetric_quantiles,
)

TINY = {"hidden_size": 8, "max_epochs": 4, "window_length": 12, "device": "cpu",
        "random_state": 0, "n_sample_paths": 50}


# -- the conformal quantile -------------------------------------------------------------
def test_conformal_quantile_takes_the_finite_sample_rank():
    scores = np.arange(1.0, 20.0)  # 19 scores: the 90 % level is the ceil(20 * 0.9) = 18th
    assert conformal_quantile(scores, 0.9, scale=1.0) == 18.0
    assert conformal_quantile(scores, 0.5, scale=1.0) == 10.0
    assert conformal_quantile(scores, 0.0, scale=1.0) == 0.0


def test_grouped_scores_count_as_their_groups():
    scores = np.arange(1.0, 101.0)
    # 100 scores from 19 origins: the level is ceil(20 * 0.9) / 19 = 18 / 19 of them.
    assert conformal_quantile(scores, 0.9, 1.0, n_groups=19) == scores[int(np.ceil(
        18 / 19 * 100)) - 1]
    # From 8 origins no empirical level reaches 90 %: the Gaussian stand-in, but never
    # below the largest score.
    assert conformal_quantile(scores, 0.9, scale=2.0, n_groups=8) == 100.0
    assert conformal_quantile(np.array([0.1, 0.2]), 0.9, scale=2.0, n_groups=1) == \
        pytest.approx(2.0 * norm.ppf(0.95))


def test_conformal_quantile_is_monotone_in_coverage():
    scores = np.sort(np.random.default_rng(0).exponential(size=57))
    levels = np.linspace(0.0, 0.995, 60)
    q = conformal_quantile(scores, levels, score_scale(scores), n_groups=12)
    assert (np.diff(q) >= 0).all()


def test_split_conformal_covers_exchangeable_scores():
    # The guarantee: P(new score <= quantile of n others) >= c, on average over draws.
    rng = np.random.default_rng(1)
    n, trials, c = 30, 4000, 0.9
    draws = rng.standard_t(3, size=(trials, n + 1)) ** 2
    covered = [draws[t, -1] <= conformal_quantile(np.sort(draws[t, :-1]), c, 1.0)
               for t in range(trials)]
    assert c <= np.mean(covered) <= c + 0.05


def test_symmetric_quantiles_are_centred_on_the_point_forecast():
    point, spread = np.array([[1.0, 2.0]]), np.array([[0.5, 1.0]])
    scores = np.arange(1.0, 20.0)
    q = symmetric_quantiles(point, spread, scores, np.array([0.05, 0.5, 0.95]), 1.0)
    assert q.shape == (1, 2, 3)
    np.testing.assert_allclose(q[..., 1], point)
    np.testing.assert_allclose(q[..., 2] - point, point - q[..., 0])
    np.testing.assert_allclose(q[0, :, 2] - point[0], 18.0 * spread[0])


# -- the forecaster ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def airline():
    return load_airline()[:96]


@pytest.fixture(scope="module")
def conformal(airline):
    return RNNForecaster(**TINY).fit(airline)


def test_conformal_is_the_default_and_scores_every_held_out_origin(conformal, airline):
    assert conformal.interval_method == "conformal"
    h = conformal.horizon_  # a held-out window's targets start h or more steps from the end
    n_windows = len(airline) - conformal.window_length_ - h + 1
    n_held = round(conformal.validation_fraction * n_windows)
    assert conformal.n_calibration_origins_ == n_held
    # Origin k steps before the end scores k steps: h + (h + 1) + ... + (h + n_held - 1).
    assert len(conformal.conformity_scores_) == sum(range(h, h + n_held))
    assert (np.diff(conformal.conformity_scores_) >= 0).all()
    assert conformal.interval_scale_ == pytest.approx(score_scale(conformal.conformity_scores_))


def test_conformal_median_is_the_point_forecast_and_bands_nest(conformal):
    fh = [1, 6, 12]
    quantiles = conformal.predict_quantiles(fh=fh, alpha=[0.05, 0.25, 0.5, 0.75, 0.95])
    np.testing.assert_allclose(quantiles.iloc[:, 2].to_numpy(),
                               conformal.predict(fh=fh).to_numpy(), rtol=1e-6)
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    widths = (quantiles.iloc[:, 4] - quantiles.iloc[:, 0]).to_numpy()
    assert widths[-1] > widths[0]  # the spread of recursive paths grows with the horizon
    assert (conformal.predict_var(fh=fh).to_numpy() > 0).all()


def test_every_score_counts_in_the_rank_and_earlier_fits_keep_their_rule(airline):
    # Holding out 10 % of the windows leaves 8 origins with 60 scores between them.
    conformal = RNNForecaster(**TINY, validation_fraction=0.1).fit(airline)
    fh, c = [1, 6, 12], 0.9
    scores, scale = conformal.conformity_scores_, conformal.interval_scale_

    def half_widths_in_scores(forecaster):
        """The band's half width in units of the predictive spread (predict_var's
        standard deviation is that spread times interval_scale_)."""
        interval = forecaster.predict_interval(fh=fh, coverage=c).to_numpy()
        spread = np.sqrt(forecaster.predict_var(fh=fh).to_numpy()[:, 0]) / scale
        return (interval[:, 1] - interval[:, 0]) / 2 / spread

    # Fewer origins than the 9 a 90 % rank by origins needs, but many more scores.
    assert conformal.n_calibration_origins_ < 9 < len(scores)
    np.testing.assert_allclose(half_widths_in_scores(conformal),
                               conformal_quantile(scores, c, scale), rtol=1e-5)
    # A forecaster fitted when the origins counted (its state has no _rank_by_origins)
    # still predicts the band it was fitted with: here the largest score.
    earlier = copy.deepcopy(conformal)
    state = earlier.__dict__.copy()
    del state["_rank_by_origins"]
    earlier.__dict__.clear()
    earlier.__setstate__(state)
    expected = conformal_quantile(scores, c, scale, n_groups=conformal.n_calibration_origins_)
    assert expected == scores[-1] > conformal_quantile(scores, c, scale)
    np.testing.assert_allclose(half_widths_in_scores(earlier), expected, rtol=1e-5)


def test_scale_method_keeps_the_one_step_factor(airline, conformal):
    scaled = RNNForecaster(**TINY, interval_method="scale").fit(airline)
    assert scaled.conformity_scores_ is None and scaled.interval_scale_ >= 1.0
    # Same network (calibration draws no training randomness), other intervals.
    pd.testing.assert_series_equal(scaled.predict(fh=[1, 2]), conformal.predict(fh=[1, 2]))
    assert not scaled.predict_interval(fh=[1, 2]).equals(conformal.predict_interval(fh=[1, 2]))


def test_no_calibration_gives_the_networks_own_intervals(airline):
    raw = RNNForecaster(**TINY, calibrate_intervals=False).fit(airline)
    assert raw.conformity_scores_ is None and raw.interval_scale_ == 1.0
    assert raw.predict_interval(fh=[1, 2]).shape == (2, 2)


@pytest.mark.parametrize("params", [
    {"strategy": "direct"},
    {"strategy": "direct", "distribution": "quantile"},
    {"distribution": "quantile"},
    {"early_stopping": True, "max_epochs": 6, "patience": 2},
    {"log_transform": True},
])
def test_conformal_with_other_strategies_heads_and_options(airline, params):
    fh = [1, 2, 3]
    forecaster = RNNForecaster(**{**TINY, **params}).fit(airline, fh=fh)
    assert forecaster.conformity_scores_ is not None
    if params.get("strategy") == "direct":  # origins score only the steps the net reaches
        assert len(forecaster.conformity_scores_) <= 3 * forecaster.n_calibration_origins_
    interval = forecaster.predict_interval(fh=fh, coverage=0.9)
    lower, upper = interval.iloc[:, 0].to_numpy(), interval.iloc[:, 1].to_numpy()
    point = forecaster.predict(fh=fh).to_numpy()
    assert np.isfinite(interval.to_numpy()).all()
    assert (lower <= point + 1e-6).all() and (point <= upper + 1e-6).all()


def test_conformal_with_exogenous_x_and_panels():
    y, X = load_uschange()
    forecaster = RNNForecaster(**TINY).fit(y[:-4], X=X[:-4])
    assert forecaster.conformity_scores_ is not None
    assert forecaster.predict_interval(fh=[1, 2, 3, 4], X=X[-4:]).shape == (4, 2)

    rng = np.random.default_rng(0)
    frames = []
    for name in ("a", "b"):
        index = pd.MultiIndex.from_product(
            [[name], pd.period_range("2000-01", periods=50, freq="M")],
            names=["series", "time"])
        frames.append(pd.DataFrame({"y": rng.normal(10, 1, 50).cumsum()}, index=index))
    panel = pd.concat(frames)
    forecaster = RNNForecaster(**TINY).fit(panel)
    # The most recent windows of every series are held out: origins from both.
    n_windows = 2 * (50 - forecaster.window_length_ - forecaster.horizon_ + 1)
    assert forecaster.n_calibration_origins_ == round(forecaster.validation_fraction * n_windows)
    assert forecaster.predict_interval(fh=[1, 2]).shape == (4, 2)
