"""Tests of :class:`sk_rnn.RNNForecaster` beyond sktime's own suite (``test_common.py``):
strategies, heads, exogenous X, panels, composition with sktime tools, and bad input."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sktime.datasets import load_airline, load_uschange
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.compose import TransformedTargetForecaster
from sktime.forecasting.model_evaluation import evaluate
from sktime.forecasting.model_selection import ForecastingGridSearchCV
from sktime.split import ExpandingWindowSplitter
from sktime.transformations.series.detrend import Deseasonalizer
from sktime.transformations.series.exponent import ExponentTransformer

from sk_rnn import RNNForecaster

TINY = {"hidden_size": 8, "max_epochs": 4, "window_length": 12, "device": "cpu",
        "random_state": 0, "n_sample_paths": 50}


@pytest.fixture(scope="module")
def airline():
    return load_airline()


@pytest.fixture(scope="module")
def panel():
    """Three series of 40 months, one of them on another level."""
    rng = np.random.default_rng(0)
    t = np.arange(40)
    frames = []
    for name, level in (("a", 10.0), ("b", 50.0), ("c", 200.0)):
        values = level * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 1, 40)
        index = pd.MultiIndex.from_product(
            [[name], pd.period_range("2000-01", periods=40, freq="M")],
            names=["series", "time"])
        frames.append(pd.DataFrame({"y": values}, index=index))
    return pd.concat(frames)


@pytest.fixture(scope="module")
def fitted(airline):
    return RNNForecaster(**TINY).fit(airline[:-12])


# -- basic behaviour --------------------------------------------------------------------
def test_predict_index_name_and_values(airline, fitted):
    y_pred = fitted.predict(fh=[1, 2, 12])
    assert isinstance(y_pred, pd.Series)
    assert y_pred.name == airline.name
    assert list(y_pred.index) == list(airline.index[-12:][[0, 1, 11]])
    assert np.isfinite(y_pred).all()
    # The window normalisation keeps forecasts on the series' level.
    assert 200 < y_pred.mean() < 700


def test_intervals_are_nested_and_quantiles_monotone(fitted):
    fh = [1, 6, 12]
    intervals = fitted.predict_interval(fh=fh, coverage=[0.5, 0.9])
    name = intervals.columns.get_level_values(0)[0]
    lo50, hi50 = intervals[(name, 0.5, "lower")], intervals[(name, 0.5, "upper")]
    lo90, hi90 = intervals[(name, 0.9, "lower")], intervals[(name, 0.9, "upper")]
    assert (lo90 <= lo50).all() and (lo50 <= hi50).all() and (hi50 <= hi90).all()
    quantiles = fitted.predict_quantiles(fh=fh, alpha=[0.05, 0.25, 0.5, 0.75, 0.95])
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    assert (fitted.predict_var(fh=fh).to_numpy() > 0).all()
    assert fitted.interval_scale_ >= 1.0


def test_uncertainty_grows_with_the_horizon(fitted):
    var = fitted.predict_var(fh=np.arange(1, 13)).to_numpy().ravel()
    assert var[-1] > var[0]


def test_same_seed_same_forecast_and_global_rng_untouched(airline):
    state = torch.random.get_rng_state()
    a = RNNForecaster(**TINY).fit(airline[:60]).predict(fh=[1, 2, 3])
    assert torch.equal(state, torch.random.get_rng_state())
    b = RNNForecaster(**TINY).fit(airline[:60]).predict(fh=[1, 2, 3])
    pd.testing.assert_series_equal(a, b)


def test_repeated_interval_calls_agree(fitted):
    first = fitted.predict_interval(fh=[1, 5])
    pd.testing.assert_frame_equal(first, fitted.predict_interval(fh=[1, 5]))


@pytest.mark.parametrize("params", [
    {"strategy": "direct"},
    {"strategy": "direct", "distribution": "quantile"},
    {"distribution": "quantile", "quantiles": [0.1, 0.9]},
    {"cell_type": "gru", "window_normalization": "mean", "scaling": "robust"},
    {"cell_type": "rnn", "window_normalization": "standard", "scaling": "minmax"},
    {"window_normalization": None, "scaling": None, "linear_skip": True},
    {"log_transform": True, "early_stopping": True, "patience": 2},
    {"bidirectional": True, "num_layers": 2, "dropout": 0.1},
    {"ensemble_size": 2},
    {"ensemble_size": 3, "strategy": "direct", "distribution": "quantile"},
    {"output_chunk_length": 1},
    {"output_chunk_length": 1, "distribution": "quantile", "ensemble_size": 2},
    {"window_normalization": "drift", "distribution": "quantile", "ensemble_size": 2},
    {"window_normalization": "drift", "strategy": "direct"},
])
def test_parameter_variants(airline, params):
    fh = np.arange(1, 7)
    forecaster = RNNForecaster(**{**TINY, **params}).fit(airline[:72], fh=fh)
    y_pred = forecaster.predict(fh)
    assert y_pred.shape == (6,) and np.isfinite(y_pred).all()
    quantiles = forecaster.predict_quantiles(fh, alpha=[0.05, 0.5, 0.95])
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    if params.get("distribution") == "quantile":
        assert 0.5 in forecaster.quantiles_


def test_ensemble_combines_its_members_and_round_trips(airline, tmp_path):
    import sk_rnn

    fh = np.arange(1, 7)
    forecaster = RNNForecaster(ensemble_size=3, **TINY).fit(airline[:72])
    members = forecaster.net_.module_.members
    assert len(members) == 3
    # the combined one-step forecast is the members' mean
    x = torch.randn(4, forecaster.window_length_, 1)
    with torch.no_grad():
        means = torch.stack([member.eval()(x)[..., 0] for member in members])
        combined = forecaster.net_.module_.eval()(x)[..., 0]
    torch.testing.assert_close(combined, means.mean(dim=0))
    y_pred = forecaster.predict(fh)
    interval = forecaster.predict_interval(fh, coverage=0.9)
    assert (interval.iloc[:, 0] <= y_pred).all() and (y_pred <= interval.iloc[:, 1]).all()
    sk_rnn.save(forecaster, tmp_path / "ensemble.skrnn")
    loaded = sk_rnn.load(tmp_path / "ensemble.skrnn")
    pd.testing.assert_series_equal(loaded.predict(fh), y_pred)
    assert clone(forecaster).get_params()["ensemble_size"] == 3


def test_output_chunks_are_fed_back_chunk_after_chunk(airline):
    forecaster = RNNForecaster(**{**TINY, "output_chunk_length": 4,
                                  "window_normalization": None}).fit(airline[:72])
    assert forecaster.horizon_ == 4 and forecaster.net_.module_.horizon == 4
    y_pred = forecaster.predict(np.arange(1, 11))  # 10 steps: three chunks, two kept
    # the same by hand: run the network on the window, append its 4 means, run again
    module = forecaster.net_.module_.eval()
    loc, scale = forecaster.scalers_[None]
    window = list((airline.to_numpy()[:72][-forecaster.window_length_:] - loc) / scale)
    expected = []
    with torch.no_grad():
        while len(expected) < 10:
            x = torch.tensor(window[-forecaster.window_length_:], dtype=torch.float32)
            means = module(x.reshape(1, -1, 1))[0, :, 0, 0].numpy().astype(np.float64)
            expected += list(means)
            window += list(means)
    np.testing.assert_allclose(y_pred.to_numpy(), np.asarray(expected[:10]) * scale + loc,
                               rtol=1e-5)
    interval = forecaster.predict_interval(np.arange(1, 11), coverage=0.9)
    assert (interval.iloc[:, 0] <= y_pred).all() and (y_pred <= interval.iloc[:, 1]).all()


def test_output_chunks_with_x_need_x_only_up_to_the_last_step(uschange):
    y, X = uschange
    forecaster = RNNForecaster(**TINY, output_chunk_length=4).fit(y[:-6], X=X[:-6])
    y_pred = forecaster.predict(fh=[1, 2, 3, 4, 5, 6], X=X[-6:])  # chunks reach step 8
    assert np.isfinite(y_pred).all()
    with pytest.raises(ValueError, match="X does not cover the forecast horizon"):
        forecaster.predict(fh=[1, 2, 3, 4, 5, 6], X=X[-6:-1])


def test_direct_strategy_needs_fh_and_limits_it(airline):
    forecaster = RNNForecaster(strategy="direct", **TINY)
    assert forecaster.get_tag("requires-fh-in-fit")
    forecaster.fit(airline[:72], fh=[1, 2, 3])
    assert forecaster.horizon_ == 3
    with pytest.raises(ValueError, match="forecasting horizon `fh`"):  # sktime refuses
        forecaster.predict(fh=[5])
    assert not RNNForecaster().get_tag("requires-fh-in-fit")


def test_multivariate_y(airline):
    y = pd.DataFrame({"a": airline.to_numpy()[:60], "b": airline.to_numpy()[:60] * 0.5 + 3},
                     index=airline.index[:60])
    forecaster = RNNForecaster(**TINY).fit(y)
    y_pred = forecaster.predict(fh=[1, 2])
    assert list(y_pred.columns) == ["a", "b"]
    assert forecaster.n_targets_ == 2


# -- exogenous X ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def uschange():
    y, X = load_uschange()
    return y, X


@pytest.mark.parametrize("strategy", ["recursive", "direct"])
def test_exogenous_x(uschange, strategy):
    y, X = uschange
    fh = [1, 2, 3, 4]
    forecaster = RNNForecaster(strategy=strategy, **TINY)
    forecaster.fit(y[:-4], X=X[:-4], fh=fh)
    assert forecaster.n_covariates_ == 4
    y_pred = forecaster.predict(fh=fh, X=X[-4:])
    assert y_pred.shape == (4,) and np.isfinite(y_pred).all()
    # The covariates matter: other future X, other forecast.
    shifted = forecaster.predict(fh=fh, X=X[-4:] * 3)
    assert not np.allclose(y_pred, shifted)
    intervals = forecaster.predict_interval(fh=fh, X=X[-4:])
    assert intervals.shape == (4, 2)


def test_least_squares_covariate_effect_is_fitted_first_and_kept_fixed(uschange):
    y, X = uschange
    forecaster = RNNForecaster(**TINY, calibrate_intervals=False).fit(y, X=X)
    assert forecaster.covariate_effect == "least_squares"
    assert forecaster.net_.module_.covariate_head is None
    # the least-squares fit of the standardised target on the standardised covariates,
    # over every step (window normalisation is off with X) ...
    z = ((y - y.mean()) / y.std(ddof=0)).to_numpy()
    c = ((X - X.mean()) / X.std(ddof=0)).to_numpy()
    design = np.column_stack([c, np.ones(len(c))])
    expected = np.linalg.lstsq(design, z, rcond=None)[0][:-1]
    np.testing.assert_allclose(forecaster.covariate_location_.ravel(), expected, rtol=1e-6)
    # ... which training left where it was set
    buffer = forecaster.net_.module_.covariate_location.numpy().ravel()
    np.testing.assert_allclose(buffer, expected, rtol=1e-5)


def test_covariate_effect_of_the_calibration_fit_leaves_out_its_held_out_steps(
        uschange, monkeypatch):
    import sk_rnn.forecasting as forecasting

    rows = []
    real = forecasting.fit_covariate_effect

    def counting(covariates, targets):
        rows.append(len(covariates))
        return real(covariates, targets)

    monkeypatch.setattr(forecasting, "fit_covariate_effect", counting)
    y, X = uschange
    forecaster = RNNForecaster(**TINY, validation_fraction=0.2).fit(y[:100], X=X[:100])
    n_windows = 100 - TINY["window_length"] - forecaster.horizon_ + 1
    n_held_out = round(0.2 * n_windows)
    assert rows == [100 - n_held_out, 100]  # calibration fit, then the final fit


@pytest.mark.parametrize("normalization", ["last", "drift", "standard"])
def test_least_squares_covariate_effect_with_window_normalization(uschange, normalization):
    y, X = uschange
    forecaster = RNNForecaster(**TINY, window_normalization=normalization).fit(
        y[:-4], X=X[:-4])
    assert forecaster.covariate_location_.shape == (4, 1)
    assert np.isfinite(forecaster.predict([1, 2, 3, 4], X=X[-4:])).all()


def test_trained_covariate_effect_is_the_covariate_head(uschange):
    y, X = uschange
    forecaster = RNNForecaster(**TINY, covariate_effect="trained").fit(y[:-4], X=X[:-4])
    assert forecaster.covariate_location_ is None
    assert forecaster.net_.module_.covariate_head.weight.requires_grad
    assert not hasattr(forecaster.net_.module_, "covariate_location")
    assert np.isfinite(forecaster.predict([1, 2], X=X[-4:])).all()


def test_auto_window_normalization_keeps_the_level_with_x(uschange):
    y, X = uschange
    with_x = RNNForecaster(**TINY).fit(y[:60], X=X[:60])
    assert with_x.window_normalization == "auto" and with_x.window_normalization_ is None
    assert not with_x.net_.module_.drift
    without_x = RNNForecaster(**TINY).fit(y[:60])
    assert without_x.window_normalization_ == "last" and not without_x.net_.module_.drift
    chosen = RNNForecaster(**TINY, window_normalization="mean").fit(y[:60], X=X[:60])
    assert chosen.window_normalization_ == "mean" and not chosen.net_.module_.drift
    drift = RNNForecaster(**TINY, window_normalization="drift").fit(y[:60])
    assert drift.window_normalization_ == "drift" and drift.net_.module_.drift


def test_missing_or_short_x_at_predict(uschange):
    y, X = uschange
    forecaster = RNNForecaster(**TINY).fit(y[:-4], X=X[:-4])
    with pytest.raises(ValueError, match="X is required"):
        forecaster.predict(fh=[1, 2])
    with pytest.raises(ValueError, match="X does not cover the forecast horizon"):
        forecaster.predict(fh=[1, 2, 3, 4], X=X[-4:-2])


def test_non_numeric_or_nan_x(uschange):
    y, X = uschange
    bad = X[:-4].copy()
    bad["Income"] = "high"
    # sktime refuses it before our own check ("X must be numeric; columns [...]").
    with pytest.raises(TypeError, match="categorical features in exogenous X"):
        RNNForecaster(**TINY).fit(y[:-4], X=bad)
    nan = X[:-4].copy()
    nan.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="X passed contained missing data"):
        RNNForecaster(**TINY).fit(y[:-4], X=nan)


# -- panels -----------------------------------------------------------------------------
def test_panel_is_one_global_model(panel):
    forecaster = RNNForecaster(**TINY).fit(panel)
    assert isinstance(forecaster.net_.module_, torch.nn.Module)  # one net, not one per series
    assert set(forecaster.scalers_) == {"a", "b", "c"}
    y_pred = forecaster.predict(fh=[1, 2, 3])
    assert y_pred.index.names == panel.index.names
    assert y_pred.shape == (9, 1)
    levels = y_pred.groupby(level=0)["y"].mean()
    assert levels["a"] < levels["b"] < levels["c"]  # each series keeps its own scale
    intervals = forecaster.predict_interval(fh=[1, 2, 3])
    assert intervals.shape == (9, 2)


def test_panel_with_unequal_ends(panel):
    shorter = panel.drop(panel.loc["b"].index[-3:].map(lambda t: ("b", t)))
    forecaster = RNNForecaster(**TINY).fit(shorter)
    y_pred = forecaster.predict(fh=[1])
    ends = {key: part.index.get_level_values(-1)[-1] for key, part in shorter.groupby(level=0)}
    for key, part in y_pred.groupby(level=0):
        assert part.index.get_level_values(-1)[0] == ends[key] + 1


def test_series_identity_gives_each_series_an_indicator(panel):
    forecaster = RNNForecaster(**TINY, series_identity=True).fit(panel)
    assert forecaster.series_keys_ == ["a", "b", "c"]
    assert forecaster.n_covariates_ == 0  # the user passed no X
    # the indicators are three covariate inputs, each with its fitted location effect
    assert forecaster.net_.module_.encoder.rnn.input_size == 1 + 3
    assert forecaster.covariate_location_.shape == (3, 1)
    alike = RNNForecaster(**TINY).fit(panel)  # off by default
    assert alike.series_keys_ is None and alike.covariate_location_ is None
    assert alike.net_.module_.encoder.rnn.input_size == 1
    y_pred = forecaster.predict(fh=[1, 2])
    assert not np.allclose(y_pred, alike.predict(fh=[1, 2]))
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(forecaster)).predict(fh=[1, 2]),
                                  y_pred)


def test_series_identity_shifts_each_series_by_its_own_change():
    """Two series, one rising and one falling: the least-squares effect of the indicators
    on the last-value-normalised targets is the rising series' higher mean change."""
    t = np.arange(60)
    rng = np.random.default_rng(0)
    frames = []
    for name, slope in (("up", 1.0), ("down", -1.0)):
        index = pd.MultiIndex.from_product(
            [[name], pd.period_range("2000-01", periods=60, freq="M")], names=["series", "time"])
        values = 100 + slope * t + rng.normal(0, 0.5, 60)
        frames.append(pd.DataFrame({"y": values}, index=index))
    forecaster = RNNForecaster(**TINY, series_identity=True).fit(pd.concat(frames))
    assert forecaster.series_keys_ == ["up", "down"]  # in the order of y
    # the shift of the location on each series' rows (its standardised indicators times
    # their fitted effects)
    up, down = (forecaster._model_covariates(key, None, 1) @ forecaster.covariate_location_
                for key in ("up", "down"))
    # a target h steps ahead of the window's last value changes by h slopes (in units of
    # the series' standard deviation); the four steps of a chunk: 2.5 slopes on average
    slope = 1.0 / np.std(np.arange(60.0))
    assert up.item() == pytest.approx(2.5 * slope, rel=0.1)
    assert down.item() == pytest.approx(-2.5 * slope, rel=0.1)


def test_series_identity_beside_x_and_single_series(panel, airline):
    X = panel.rename(columns={"y": "x"}) * 0.1
    fh = [1, 2]
    forecaster = RNNForecaster(**TINY, strategy="direct", series_identity=True)
    forecaster.fit(panel, X=X, fh=fh)
    assert forecaster.n_covariates_ == 1 and forecaster.series_keys_ == ["a", "b", "c"]
    assert forecaster.covariate_location_.shape == (1 + 3, 1)
    future = pd.concat({
        key: pd.DataFrame({"x": [1.0, 2.0]},
                          index=pd.period_range(part.index.get_level_values(-1)[-1] + 1,
                                                periods=2, freq="M"))
        for key, part in panel.groupby(level=0)}, names=panel.index.names)
    assert forecaster.predict(X=future).shape == (6, 1)
    with pytest.raises(ValueError, match="X is required"):
        forecaster.predict()
    single = RNNForecaster(**TINY, series_identity=True).fit(airline[:60])
    plain = RNNForecaster(**TINY).fit(airline[:60])
    assert single.series_keys_ is None
    np.testing.assert_array_equal(single.predict(fh=[1, 2]), plain.predict(fh=[1, 2]))


def test_hierarchical_panel(panel):
    hier = pd.concat({"north": panel, "south": panel * 2}, names=["region"])
    forecaster = RNNForecaster(**TINY).fit(hier)
    y_pred = forecaster.predict(fh=[1, 2])
    assert y_pred.index.nlevels == 3 and len(y_pred) == 12


# -- sktime composition -----------------------------------------------------------------
def test_in_transformed_target_forecaster(airline):
    pipe = TransformedTargetForecaster([
        ("log", ExponentTransformer(power=0.5)),
        ("deseason", Deseasonalizer(sp=12)),
        ("rnn", RNNForecaster(**TINY)),
    ])
    y_pred = pipe.fit(airline[:96]).predict(fh=[1, 2, 3])
    assert y_pred.shape == (3,) and np.isfinite(y_pred).all()


def test_grid_search_over_cell_type(airline):
    cv = ExpandingWindowSplitter(initial_window=60, step_length=12, fh=[1, 2, 3])
    search = ForecastingGridSearchCV(
        RNNForecaster(**{**TINY, "max_epochs": 2}), cv=cv,
        param_grid={"cell_type": ["rnn", "lstm", "gru"]},
    )
    search.fit(airline[:96])
    assert search.best_params_["cell_type"] in {"rnn", "lstm", "gru"}
    assert len(search.cv_results_) == 3
    assert search.predict(fh=[1]).shape == (1,)


def test_evaluate_with_expanding_window(airline):
    cv = ExpandingWindowSplitter(initial_window=72, step_length=12, fh=[1, 2, 3])
    results = evaluate(RNNForecaster(**TINY), cv=cv, y=airline[:108])
    assert len(results) == 3
    assert np.isfinite(results.iloc[:, 0]).all()


def test_update_moves_the_context(airline):
    forecaster = RNNForecaster(**TINY).fit(airline[:60])
    weights = {k: v.clone() for k, v in forecaster.net_.module_.state_dict().items()}
    forecaster.update(airline[60:66], update_params=False)
    y_pred = forecaster.predict(fh=[1])
    assert y_pred.index[0] == airline.index[66]
    for key, value in forecaster.net_.module_.state_dict().items():
        assert torch.equal(value, weights[key])
    forecaster.update(airline[66:72], update_params=True)  # refits on all 72 points
    assert forecaster.predict(fh=[1]).index[0] == airline.index[72]


def test_pickle_round_trip(fitted):
    clone = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_series_equal(clone.predict(fh=[1, 2]), fitted.predict(fh=[1, 2]))
    pd.testing.assert_frame_equal(clone.predict_interval(fh=[1, 2]),
                                  fitted.predict_interval(fh=[1, 2]))


def test_input_is_not_modified(airline, uschange):
    y = airline[:60].copy()
    RNNForecaster(**TINY).fit(y)
    pd.testing.assert_series_equal(y, airline[:60])
    ys, X = uschange
    X_copy = X.copy()
    RNNForecaster(**TINY).fit(ys[:-4], X=X[:-4]).predict(fh=[1, 2], X=X[-4:])
    pd.testing.assert_frame_equal(X, X_copy)


# -- short series and bad input ---------------------------------------------------------
def test_short_series_shrinks_the_window(airline):
    # 20 points, a chunk of 4 steps: half of what the series allows
    with pytest.warns(UserWarning, match="window_length=24 is too long.*using window_length=8"):
        forecaster = RNNForecaster(**{**TINY, "window_length": 24}).fit(airline[:20])
    assert forecaster.window_length_ == 8
    assert forecaster.predict(fh=[1, 2]).shape == (2,)


def test_window_takes_at_most_half_of_the_series(airline):
    # 36 points fit a window of 24 and a chunk of 4 (9 windows), but the window shrinks to
    # half of the 32 points before the last chunk: 17 windows of 16 steps
    with pytest.warns(UserWarning, match="window_length=24 is too long.*using window_length=16"):
        forecaster = RNNForecaster(**{**TINY, "window_length": 24}).fit(airline[:36])
    assert forecaster.window_length_ == 16
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # 2 * 24 + 4 points: the window stays
        assert RNNForecaster(**{**TINY, "window_length": 24}).fit(
            airline[:52]).window_length_ == 24


def test_series_too_short_names_the_minimum(airline):
    with pytest.raises(ValueError, match="shortest series has 5 observations.*at least 8"):
        RNNForecaster(strategy="direct", **TINY).fit(airline[:5], fh=[1, 2, 3, 4, 5, 6])


def test_nan_in_y(airline):
    y = airline[:60].copy()
    y.iloc[10] = np.nan
    with pytest.raises(ValueError, match="y passed contained missing data"):
        RNNForecaster(**TINY).fit(y)


def test_non_numeric_y():
    y = pd.Series(list("abcdefghijklmnopqrstuvwxyz"))
    with pytest.raises((ValueError, TypeError), match="y"):
        RNNForecaster(**TINY).fit(y)


def test_log_transform_needs_positive_y(airline):
    y = airline[:60] - 200
    with pytest.raises(ValueError, match="log_transform=True needs strictly positive y"):
        RNNForecaster(log_transform=True, **TINY).fit(y)


def test_in_sample_fh_is_refused(fitted):
    with pytest.raises(NotImplementedError, match="can not perform in-sample prediction"):
        fitted.predict(fh=[-1, 0, 1])


@pytest.mark.parametrize("params, message", [
    ({"window_length": 0}, "window_length must be an integer in \\[1, inf\\)"),
    ({"window_length": -3}, "window_length must be an integer"),
    ({"window_length": 2.5}, "window_length must be an integer"),
    ({"strategy": "dirrect"}, "strategy must be one of \\['recursive', 'direct'\\]"),
    ({"scaling": "zscore"}, "scaling must be one of"),
    ({"window_normalization": "max"}, "window_normalization must be one of"),
    ({"distribution": "poisson"}, "distribution must be one of"),
    ({"distribution": "quantile", "quantiles": [0.0, 0.5]}, "quantiles must be"),
    ({"distribution": "quantile", "quantiles": "median"}, "quantiles must be"),
    ({"n_sample_paths": 1}, "n_sample_paths must be an integer"),
    ({"ensemble_size": 0}, "ensemble_size must be an integer in \\[1, inf\\)"),
    ({"ensemble_size": 2.0}, "ensemble_size must be an integer"),
    ({"covariate_effect": "ols"}, "covariate_effect must be one of"),
    ({"output_chunk_length": 0}, "output_chunk_length must be an integer in \\[1, inf\\)"),
    ({"log_transform": "yes"}, "log_transform must be True or False"),
    ({"cell_type": "transformer"}, "cell_type must be one of"),
    ({"hidden_size": 0}, "hidden_size must be"),
    ({"lr": -1.0}, "lr must be"),
])
def test_bad_parameters(airline, params, message):
    with pytest.raises(ValueError, match=message):
        RNNForecaster(**{**TINY, **params}).fit(airline[:60], fh=[1, 2])


def test_predict_before_fit():
    with pytest.raises(Exception, match="has not been fitted"):
        RNNForecaster().predict(fh=[1])


def test_absolute_fh(airline, fitted):
    fh = ForecastingHorizon(airline.index[-12:][:2], is_relative=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        y_pred = fitted.predict(fh=fh)
    assert list(y_pred.index) == list(airline.index[-12:][:2])


def test_early_stopping_watches_the_point_error(airline):
    forecaster = RNNForecaster(**{**TINY, "max_epochs": 30, "early_stopping": True,
                                  "patience": 3}).fit(airline[:96])
    assert "valid_point_mse" in forecaster.history_[-1]
    assert forecaster.n_iter_ <= 30
    assert forecaster.interval_scale_ >= 1.0


def test_verbose_labels_the_calibration_and_final_fits(capsys):
    # without early stopping, calibration trains twice: each epoch table gets a title
    RNNForecaster(**{**TINY, "max_epochs": 1, "early_stopping": False,
                     "verbose": 1}).fit(load_airline())
    out = capsys.readouterr().out
    calibration, final = out.find("Calibration fit: "), out.find("Final fit on all")
    assert 0 <= calibration < final
    assert out.count("train_loss") == 2  # one table each


def test_wrappers_do_not_print_sktimes_remember_data_warning():
    """sktime 1.2 warns from every forecaster's constructor that ``remember_data`` will
    change; around RNNForecaster (grid search, conformal wrapper) users must not see it,
    also after a fit (sktime's horizon code resets the FutureWarning filters; each
    ``RNNForecaster()`` puts the filter back before the wrapper around it is built). Run
    in a fresh interpreter: the test configuration hides the warning itself."""
    import subprocess
    import sys

    code = (
        "import warnings; warnings.simplefilter('default')\n"
        "from sktime.forecasting.conformal import ConformalIntervals\n"
        "from sktime.forecasting.model_selection import ForecastingGridSearchCV\n"
        "from sktime.split import ExpandingWindowSplitter\n"
        "from sk_rnn import RNNForecaster\n"
        "from sktime.datasets import load_airline\n"
        "cv = ExpandingWindowSplitter(initial_window=120, step_length=12, fh=[1, 2])\n"
        "for _ in range(2):  # the second time after sktime's fh code reset the filters\n"
        "    forecaster = RNNForecaster(max_epochs=1, calibrate_intervals=False)\n"
        "    search = ForecastingGridSearchCV(forecaster, cv, {'cell_type': ['gru', 'lstm']})\n"
        "    ConformalIntervals(forecaster)\n"
        "    search.fit(load_airline(), fh=[1, 2])\n"
        "warnings.warn('control', FutureWarning)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300, check=True)
    assert "control" in result.stderr  # other FutureWarnings still show
    assert "remember_data" not in result.stderr


def test_a_forecaster_pickled_before_ensembles_has_one_network(fitted):
    # forecasters pickled before ensemble_size existed lack the parameter
    state = pickle.loads(pickle.dumps(fitted)).__getstate__()
    del state["ensemble_size"]
    old = RNNForecaster.__new__(RNNForecaster)
    old.__setstate__(state)
    assert old.get_params()["ensemble_size"] == 1
    pd.testing.assert_series_equal(old.predict([1, 2]), fitted.predict([1, 2]))


def test_a_forecaster_pickled_before_covariate_effect_keeps_its_trained_head(uschange):
    y, X = uschange
    fitted = RNNForecaster(**TINY, covariate_effect="trained").fit(y[:-4], X=X[:-4])
    state = pickle.loads(pickle.dumps(fitted)).__getstate__()
    del state["covariate_effect"], state["covariate_location_"]
    old = RNNForecaster.__new__(RNNForecaster)
    old.__setstate__(state)
    assert old.get_params()["covariate_effect"] == "trained"
    pd.testing.assert_series_equal(old.predict([1, 2], X=X[-4:]),
                                   fitted.predict([1, 2], X=X[-4:]))
