"""Tests of the forecasting heads (:class:`sk_rnn.nn.GaussianHead`,
:class:`sk_rnn.nn.QuantileHead`) on tiny tensors, against closed forms and scipy, and of
the forecasting strategies' bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import norm

from sk_rnn._forecast_strategies import STRATEGIES, DirectStrategy, RecursiveStrategy, get_strategy
from sk_rnn._windows import window_drift
from sk_rnn.nn import (
    DISTRIBUTIONS,
    HEADS,
    ForecastModel,
    GaussianHead,
    GaussianNLLLoss,
    PinballLoss,
    QuantileHead,
)

MEAN = np.array([[0.5, -1.0], [2.0, 0.0]])
SD = np.array([[1.0, 0.5], [2.0, 3.0]])
LEVELS = np.array([0.05, 0.25, 0.5, 0.75, 0.95])


def gaussian_params() -> np.ndarray:
    return np.stack([MEAN, SD], axis=-1)


def normal_quantiles() -> np.ndarray:
    """Quantiles of N(MEAN, SD) at LEVELS, ``(2, 2, 5)``."""
    return norm.ppf(LEVELS, loc=MEAN[..., None], scale=SD[..., None])


def test_registry_names_every_head():
    assert DISTRIBUTIONS == tuple(HEADS) == ("gaussian", "quantile")
    assert all(HEADS[name].name == name for name in DISTRIBUTIONS)


# -- Gaussian head ----------------------------------------------------------------------
def test_gaussian_constrain_keeps_the_mean_and_makes_the_scale_positive():
    raw = torch.tensor([[0.3, -50.0], [-2.0, 0.0], [1.0, 4.0]])
    params = GaussianHead.constrain(raw)
    assert torch.equal(params[:, 0], raw[:, 0])
    expected = torch.nn.functional.softplus(raw[:, 1]) + 1e-4
    assert torch.equal(params[:, 1], expected)
    assert (params[:, 1] >= 1e-4).all()
    assert GaussianHead().n_params == GaussianHead.n_params_for(0) == 2


def test_gaussian_point_spread_std_and_quantiles():
    head, params = GaussianHead(), gaussian_params()
    np.testing.assert_array_equal(head.point(params), MEAN)
    np.testing.assert_array_equal(head.point(torch.as_tensor(params)).numpy(), MEAN)
    np.testing.assert_array_equal(head.spread(params), SD)
    assert head.has_closed_form_std
    np.testing.assert_allclose(head.std(params, 1.5), 1.5 * SD)
    alpha = np.array([0.1, 0.5, 0.975])
    np.testing.assert_allclose(head.quantiles(params, alpha, 1.5),
                               norm.ppf(alpha, MEAN[..., None], 1.5 * SD[..., None]))


def test_gaussian_sample_is_mean_plus_widened_sd_times_standard_normal():
    head, params = GaussianHead(), torch.as_tensor(gaussian_params())
    draws = head.sample(params, torch.Generator().manual_seed(3), 2.0)
    noise = torch.randn((2, 2), generator=torch.Generator().manual_seed(3))
    assert draws.dtype == params.dtype and draws.shape == (2, 2)
    np.testing.assert_allclose(draws.numpy(), MEAN + 2.0 * SD * noise.double().numpy())
    many = head.sample(params.expand(20000, 2, 2, 2), torch.Generator().manual_seed(0), 1.0)
    np.testing.assert_allclose(many.mean(0).numpy(), MEAN, atol=0.06)
    np.testing.assert_allclose(many.std(0).numpy(), SD, rtol=0.03)


def test_gaussian_unnormalize_is_the_law_of_the_affine_transform():
    head, params = GaussianHead(), gaussian_params()
    offset, spread = np.array([1.0, -2.0])[:, None, None], np.array([2.0, 0.5])[:, None, None]
    out = head.unnormalize(params, offset, spread)
    np.testing.assert_allclose(head.point(out), MEAN * spread[..., 0] + offset[..., 0])
    np.testing.assert_allclose(head.spread(out), SD * spread[..., 0])


def test_gaussian_criterion_is_the_negative_log_likelihood():
    head = GaussianHead()
    criterion, kwargs = head.criterion()
    assert criterion is GaussianNLLLoss and kwargs is None
    y = np.array([[0.0, 1.0], [2.5, -4.0]])
    loss = criterion()(torch.as_tensor(gaussian_params()), torch.as_tensor(y))
    expected = -(norm.logpdf(y, MEAN, SD) + 0.5 * np.log(2 * np.pi)).mean()
    assert float(loss) == pytest.approx(expected)


# -- quantile head ----------------------------------------------------------------------
def test_quantile_levels_are_checked_sorted_and_hold_the_median():
    np.testing.assert_array_equal(QuantileHead.check_levels([0.9, 0.1, 0.1]), [0.1, 0.5, 0.9])
    np.testing.assert_array_equal(QuantileHead.check_levels(None),
                                  QuantileHead.default_levels)
    for bad in ([], [0.0, 0.5], [1.2], ["a"], 0.5j):
        with pytest.raises(ValueError, match="quantiles must be a sequence"):
            QuantileHead.check_levels(bad)
    assert GaussianHead.check_levels([0.1]).shape == (0,)
    head = QuantileHead(LEVELS)
    assert head.n_params == QuantileHead.n_params_for(5) == 5
    assert head.median_index == 2


def test_quantile_constrain_is_monotone():
    raw = torch.tensor([[0.3, -30.0, 2.0, -1.0, 0.0]])
    params = QuantileHead.constrain(raw)
    assert params[0, 0] == raw[0, 0]
    assert (torch.diff(params, dim=-1) > 0).all()
    np.testing.assert_allclose(
        torch.diff(params, dim=-1).numpy(),
        (torch.nn.functional.softplus(raw[:, 1:]) + 1e-6).numpy(), rtol=1e-5, atol=1e-7)


def test_quantile_point_spread_and_quantiles_of_a_normal():
    head, params = QuantileHead(LEVELS), normal_quantiles()
    np.testing.assert_allclose(head.point(params), MEAN)
    np.testing.assert_allclose(head.spread(params), SD)  # outermost levels of a normal
    assert not head.has_closed_form_std
    # At the levels: the quantiles themselves; between: linear; beyond: extrapolated.
    np.testing.assert_allclose(head.quantiles(params, LEVELS, 1.0), params)
    alpha = np.array([0.01, 0.4, 0.99])
    expected = np.stack([
        [np.interp(alpha, LEVELS, q) for q in row] for row in params])
    expected[..., 0] = params[..., 0] - (0.05 - 0.01) / 0.2 * (params[..., 1] - params[..., 0])
    expected[..., 2] = params[..., 4] + (0.99 - 0.95) / 0.2 * (params[..., 4] - params[..., 3])
    np.testing.assert_allclose(head.quantiles(params, alpha, 1.0), expected)


def test_quantile_widening_moves_the_quantiles_away_from_the_median():
    head, params = QuantileHead(LEVELS), normal_quantiles()
    widened = head.quantiles(params, LEVELS, 2.0)
    np.testing.assert_allclose(widened - MEAN[..., None], 2 * (params - MEAN[..., None]))
    np.testing.assert_allclose(head.point(widened), MEAN)


def test_quantile_sample_is_the_quantile_function_at_uniform_draws():
    head = QuantileHead(LEVELS)
    params = torch.as_tensor(normal_quantiles(), dtype=torch.float32)
    draws = head.sample(params, torch.Generator().manual_seed(5), 1.5)
    u = torch.rand((2, 2), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    expected = head.quantiles(params.double().numpy(), u.numpy()[..., None], 1.5)[..., 0]
    assert draws.dtype == torch.float32 and draws.shape == (2, 2)
    np.testing.assert_allclose(draws.numpy(), expected, rtol=1e-6)
    many = head.sample(params.expand(20000, 2, 2, 5), torch.Generator().manual_seed(0), 1.0)
    np.testing.assert_allclose(np.median(many.numpy(), axis=0), MEAN, atol=0.06)


def test_quantile_unnormalize_and_criterion():
    head, params = QuantileHead(LEVELS), normal_quantiles()
    offset, spread = np.array([1.0, -2.0])[:, None, None], np.array([2.0, 0.5])[:, None, None]
    out = head.unnormalize(params, offset, spread)
    np.testing.assert_allclose(out, params * spread + offset)
    criterion, kwargs = head.criterion()
    assert criterion is PinballLoss and kwargs["quantiles"] is head.levels
    y = np.array([[0.0, 1.0], [2.5, -4.0]])
    loss = criterion(**kwargs)(torch.as_tensor(params), torch.as_tensor(y))
    diff = y[..., None] - params
    expected = np.maximum(LEVELS * diff, (LEVELS - 1) * diff).mean()
    assert float(loss) == pytest.approx(expected, rel=1e-6)


# -- the network ------------------------------------------------------------------------
@pytest.mark.parametrize(("distribution", "n_params"), [("gaussian", 2), ("quantile", 5)])
def test_forecast_model_emits_valid_parameters(distribution, n_params):
    torch.manual_seed(0)
    model = ForecastModel(input_size=3, horizon=4, n_targets=2, n_covariates=1,
                          distribution=distribution, n_quantiles=5, dropout=0.0,
                          window_length=6, cell_type="gru", hidden_size=4, num_layers=1,
                          bidirectional=False)
    assert sorted(model.state_dict()) == sorted([
        "encoder.rnn.weight_ih_l0", "encoder.rnn.weight_hh_l0", "encoder.rnn.bias_ih_l0",
        "encoder.rnn.bias_hh_l0", "head.weight", "head.bias", "covariate_head.weight",
        "linear_skip.weight", "linear_skip.bias"])
    out = model(torch.randn(3, 6, 3), torch.randn(3, 4, 1))
    assert out.shape == (3, 4, 2, n_params)
    assert (out[..., 1:] > (0 if distribution == "gaussian" else out[..., :-1])).all()


@pytest.mark.parametrize("distribution", ["gaussian", "quantile"])
@pytest.mark.parametrize("n_members", [1, 2])
def test_fixed_covariate_effect_shifts_the_location_only(distribution, n_members):
    torch.manual_seed(0)
    model = ForecastModel(input_size=4, horizon=3, n_targets=2, n_covariates=2,
                          distribution=distribution, n_quantiles=5, dropout=0.0,
                          covariate_effect="fixed", n_members=n_members, cell_type="gru",
                          hidden_size=4, num_layers=1, bidirectional=False).eval()
    names = [name for name, _ in model.named_parameters()]
    assert not any("covariate" in name for name in names)  # a buffer, not trained
    x, future = torch.randn(5, 6, 4), torch.randn(5, 3, 2)
    with torch.no_grad():
        before = model(x, future)
    weights = np.array([[1.0, -2.0], [0.5, 3.0]])  # (n_covariates, n_targets)
    model.set_covariate_location(weights)
    with torch.no_grad():
        after = model(x, future)
    effect = (future.numpy() @ weights)[..., None]  # (5, 3, 2, 1)
    # the location (Gaussian mean; lowest quantile, so every quantile) moves by X @ W
    if distribution == "quantile":
        expected = np.broadcast_to(effect, after.shape)
    else:
        expected = np.concatenate([effect, np.zeros_like(effect)], axis=-1)
    np.testing.assert_allclose((after - before).numpy(), expected, atol=1e-5)
    assert "covariate_location" in "".join(model.state_dict())  # saved with the weights


@pytest.mark.parametrize("distribution", ["gaussian", "quantile"])
@pytest.mark.parametrize("n_members", [1, 2])
def test_drift_adds_the_windows_line_to_the_location_only(distribution, n_members):
    torch.manual_seed(0)
    kwargs = dict(input_size=3, horizon=4, n_targets=2, n_covariates=1,
                  distribution=distribution, n_quantiles=5, dropout=0.0, cell_type="gru",
                  hidden_size=4, num_layers=1, bidirectional=False, n_members=n_members)
    with_drift = ForecastModel(drift=True, **kwargs).eval()
    without = ForecastModel(drift=False, **kwargs).eval()
    without.load_state_dict(with_drift.state_dict())  # same weights: no parameter added
    x, future = torch.randn(5, 7, 3), torch.randn(5, 4, 1)
    with torch.no_grad():
        shift = (with_drift(x, future) - without(x, future)).numpy()
    # step h of target j moves by h * (last - first) / (window - 1); the covariate
    # column (the third) plays no part
    step = ((x[:, -1, :2] - x[:, 0, :2]) / 6).numpy()
    line = np.arange(1, 5)[None, :, None] * step[:, None, :]  # (5, 4, 2)
    if distribution == "quantile":  # every quantile moves with the lowest
        expected = np.broadcast_to(line[..., None], shift.shape)
    else:
        expected = np.stack([line, np.zeros_like(line)], axis=-1)
    np.testing.assert_allclose(shift, expected, atol=1e-5)
    np.testing.assert_allclose(window_drift(x[:, :, :2].numpy(), 4), line, rtol=1e-5)
    assert window_drift(x[:, :1, :2], 3).abs().max() == 0  # one step: no drift


def test_covariate_effect_is_checked():
    common = dict(input_size=2, horizon=1, n_targets=1, n_covariates=1,
                  distribution="gaussian", n_quantiles=0, dropout=0.0, cell_type="gru",
                  hidden_size=2, num_layers=1, bidirectional=False)
    with pytest.raises(ValueError, match="covariate_effect must be 'trained' or 'fixed'"):
        ForecastModel(covariate_effect="ols", **common)
    with pytest.raises(ValueError, match="covariate_effect='fixed'"):
        ForecastModel(**common).set_covariate_location(np.ones((1, 1)))


def test_gaussian_combination_has_the_mixtures_mean_and_variance():
    rng = np.random.RandomState(0)
    members = np.stack([rng.randn(3, 2), rng.uniform(0.5, 2.0, (3, 2))], axis=-1)[:, None]
    combined = GaussianHead.combine(torch.as_tensor(members)).numpy()
    # an equal mixture of N(m_k, s_k^2): mean E[m], variance E[s^2 + m^2] - E[m]^2
    mean = members[..., 0].mean(axis=0)
    variance = (members[..., 1] ** 2 + members[..., 0] ** 2).mean(axis=0) - mean ** 2
    np.testing.assert_allclose(combined[..., 0], mean)
    np.testing.assert_allclose(combined[..., 1], np.sqrt(variance))
    one = GaussianHead.combine(torch.as_tensor(members[:1])).numpy()
    np.testing.assert_allclose(one, members[0])  # one member: itself


def test_quantile_combination_averages_level_by_level_and_stays_sorted():
    rng = np.random.RandomState(0)
    members = np.sort(rng.randn(4, 3, len(LEVELS)), axis=-1)
    combined = QuantileHead.combine(torch.as_tensor(members)).numpy()
    np.testing.assert_allclose(combined, members.mean(axis=0))
    assert (np.diff(combined, axis=-1) > 0).all()


@pytest.mark.parametrize("distribution", ["gaussian", "quantile"])
def test_forecast_model_ensemble_trains_members_and_combines_them(distribution):
    torch.manual_seed(0)
    kwargs = dict(input_size=3, horizon=4, n_targets=2, n_covariates=1,
                  distribution=distribution, n_quantiles=5, dropout=0.0, window_length=None,
                  cell_type="gru", hidden_size=4, num_layers=1, bidirectional=False)
    model = ForecastModel(n_members=3, **kwargs)
    assert len(model.members) == 3 and not hasattr(model, "encoder")
    first, second = (m.encoder.rnn.weight_hh_l0 for m in model.members[:2])
    assert not torch.equal(first, second)  # each member has its own initial weights
    x, future = torch.randn(5, 6, 3), torch.randn(5, 4, 1)
    stacked = model.train()(x, future)
    assert stacked.shape == (3, 5, 4, 2, model.n_params)
    # the loss of the stacked output is the members' mean loss: each trains on its own
    criterion_class, criterion_kwargs = HEADS[distribution](LEVELS).criterion()
    criterion = criterion_class(**(criterion_kwargs or {}))
    y = torch.randn(5, 4, 2)
    expected = torch.stack([criterion(stacked[k], y) for k in range(3)]).mean()
    torch.testing.assert_close(criterion(stacked, y), expected)
    model.eval()
    members = torch.stack([member(x, future) for member in model.members])
    torch.testing.assert_close(model(x, future), HEADS[distribution].combine(members))
    assert model(x, future).shape == (5, 4, 2, model.n_params)


# -- strategies -------------------------------------------------------------------------
def test_strategies_by_name():
    assert STRATEGIES == ("recursive", "direct")
    assert isinstance(get_strategy("recursive"), RecursiveStrategy)
    assert isinstance(get_strategy("direct"), DirectStrategy)


def test_strategy_steps_and_covariate_rows():
    steps = np.array([2, 5])
    recursive, direct = RecursiveStrategy(), DirectStrategy()
    assert recursive.n_steps(steps, 1) == 5
    np.testing.assert_array_equal(recursive.needed_covariate_rows(steps, 5), np.arange(5))
    assert direct.n_steps(steps, 6) == 6
    np.testing.assert_array_equal(direct.needed_covariate_rows(steps, 6), [1, 4])
    with pytest.raises(ValueError, match="fitted for at most 4"):
        direct.n_steps(steps, 4)
