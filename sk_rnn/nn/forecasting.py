"""The forecasting network and its probabilistic heads and losses.

The network reads a window of past values (target and covariates) with a recurrent
encoder and emits, for every step ahead and every target, the parameters of a predictive
distribution. A head (:class:`ForecastHead`) owns everything that depends on which
distribution that is: how many parameters the network emits and how its raw outputs map
to valid parameters, the loss that trains them, and how parameters turn into point
forecasts, random draws, quantiles and spreads. There is one head per distribution: a
Gaussian (:class:`GaussianHead`: a mean and a standard deviation) and a set of monotone
quantiles (:class:`QuantileHead`).
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy.stats import norm
from torch import nn
from torch.nn import functional as F

from .._registry import register_module, register_reference
from .._windows import window_drift
from ._init_args import RecordsInitArgs
from .encoder import SequenceEncoder

__all__ = [
    "DISTRIBUTIONS",
    "HEADS",
    "ForecastHead",
    "ForecastModel",
    "GaussianHead",
    "GaussianNLLLoss",
    "PinballLoss",
    "QuantileHead",
]

_MIN_SCALE = 1e-4
_MIN_QUANTILE_STEP = 1e-6

#: Distribution parameters: a NumPy array or a torch tensor, parameters on the last axis.
Params = TypeVar("Params", np.ndarray, torch.Tensor)


@register_reference
class GaussianNLLLoss(nn.Module):
    """Mean negative log-likelihood of a Gaussian with predicted mean and scale.

    ``y_pred[..., 0]`` is the mean and ``y_pred[..., 1]`` the standard deviation; the
    constant ``log(2 pi) / 2`` is left out.
    """

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        """Loss of ``y_pred`` ``(..., 2)`` against ``y_true`` ``(...)``."""
        mean, scale = y_pred[..., 0], y_pred[..., 1]
        return (torch.log(scale) + 0.5 * ((y_true - mean) / scale) ** 2).mean()


@register_reference
class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss over the quantile levels.

    Parameters
    ----------
    quantiles : sequence of float
        The levels, in the order of the last axis of ``y_pred``.
    """

    def __init__(self, quantiles) -> None:
        super().__init__()
        self.register_buffer("levels", torch.as_tensor(list(quantiles), dtype=torch.float32))

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        """Loss of ``y_pred`` ``(..., n_quantiles)`` against ``y_true`` ``(...)``."""
        diff = y_true.unsqueeze(-1) - y_pred
        levels = self.levels.to(diff.device)
        return torch.maximum(levels * diff, (levels - 1) * diff).mean()


def _interpolate_quantiles(values: np.ndarray, levels: np.ndarray, probs) -> np.ndarray:
    """Piecewise-linear quantile function through ``values`` at ``levels``, evaluated at
    ``probs`` (broadcast against ``values[..., 0]``), extrapolated linearly beyond the
    outermost levels."""
    probs = np.asarray(probs, dtype=np.float64)
    shape = np.broadcast_shapes(values.shape[:-1], probs.shape)
    values = np.broadcast_to(values, (*shape, values.shape[-1]))
    probs = np.broadcast_to(probs, shape)
    segment = np.clip(np.searchsorted(levels, probs, side="right") - 1, 0, len(levels) - 2)
    lo, hi = levels[segment], levels[segment + 1]
    v_lo = np.take_along_axis(values, segment[..., None], axis=-1)[..., 0]
    v_hi = np.take_along_axis(values, segment[..., None] + 1, axis=-1)[..., 0]
    return v_lo + (probs - lo) / (hi - lo) * (v_hi - v_lo)


class ForecastHead:
    """A predictive distribution of one step and target, as the network parametrises it.

    Parameters live on the last axis of an array or tensor ``(..., n_params)``. The
    network side of a head (:meth:`n_params_for`, :meth:`constrain`) needs only the number
    of quantile levels, and is used by :class:`ForecastModel` through the class; the rest
    works on a head built from the levels themselves. Methods taking a ``scale`` widen the
    distribution around its point forecast by that factor (the calibrated
    ``interval_scale_`` of :class:`~sk_rnn.RNNForecaster`; 1 leaves it as predicted).

    Parameters
    ----------
    levels : array-like of float, default=()
        The sorted quantile levels the network predicts: the parameters of a quantile
        head; empty for a parametric head.

    Attributes
    ----------
    levels : ndarray of float64
        ``levels`` as an array.
    n_params : int
        Parameters per step and target.
    """

    #: The value of ``distribution`` that selects the head.
    name: ClassVar[str]
    #: Whether :meth:`std` has a closed form.
    has_closed_form_std: ClassVar[bool] = False

    def __init__(self, levels: ArrayLike = ()) -> None:
        self.levels = np.asarray(levels, dtype=np.float64)
        self.n_params = self.n_params_for(len(self.levels))

    def __repr__(self) -> str:
        levels = f"levels={self.levels.tolist()}" if len(self.levels) else ""
        return f"{type(self).__name__}({levels})"

    @classmethod
    def check_levels(cls, quantiles: ArrayLike | None) -> np.ndarray:
        """The levels of a head for the forecaster parameter ``quantiles`` (checked).

        Parameters
        ----------
        quantiles : array-like of float or None
            Quantile levels asked for; ``None`` for the default ones.

        Returns
        -------
        ndarray of float64
            Sorted, unique levels (empty for a parametric head).
        """
        return np.array([])

    @classmethod
    def n_params_for(cls, n_quantiles: int) -> int:
        """Parameters per step and target of a head with ``n_quantiles`` levels."""
        raise NotImplementedError

    @staticmethod
    def constrain(raw: torch.Tensor) -> torch.Tensor:
        """Map unconstrained network outputs ``(..., n_params)`` to valid parameters."""
        raise NotImplementedError

    def criterion(self) -> tuple[type[nn.Module], dict | None]:
        """The training loss: its class and its keyword arguments (``None`` for none)."""
        raise NotImplementedError

    @staticmethod
    def combine(members: torch.Tensor) -> torch.Tensor:
        """One distribution's parameters ``(..., n_params)`` from those of the members
        of an ensemble, stacked on the first axis ``(n_members, ..., n_params)``."""
        raise NotImplementedError

    def point(self, params: Params) -> Params:
        """The point forecast ``(...)``: the mean or the median."""
        raise NotImplementedError

    def spread(self, params: np.ndarray) -> np.ndarray:
        """The standard deviation ``(...)``, or a measure of spread in its units, against
        which interval calibration measures the errors."""
        raise NotImplementedError

    def sample(self, params: torch.Tensor, generator: torch.Generator,
               scale: float) -> torch.Tensor:
        """One draw ``(...)`` per row, from the distribution widened by ``scale``, with
        the random numbers of ``generator``; in the dtype and on the device of
        ``params``."""
        raise NotImplementedError

    def quantiles(self, params: np.ndarray, alpha: np.ndarray, scale: float) -> np.ndarray:
        """Quantiles ``(..., len(alpha))`` at the levels ``alpha`` of the distribution
        widened by ``scale``."""
        raise NotImplementedError

    def std(self, params: Params, scale: float) -> Params:
        """The standard deviation ``(...)`` of the distribution widened by ``scale``;
        only for heads with ``has_closed_form_std``."""
        raise NotImplementedError(f"{type(self).__name__} has no closed-form std.")

    def unnormalize(self, params: np.ndarray, offset: np.ndarray,
                    spread: np.ndarray) -> np.ndarray:
        """The parameters of ``y * spread + offset`` for parameters of ``y``.

        ``offset`` and ``spread`` (the statistics of the normalised window) broadcast
        against ``params[..., :1]``.
        """
        raise NotImplementedError


class GaussianHead(ForecastHead):
    """A Gaussian: parameters ``(mean, standard deviation)``, trained by negative
    log-likelihood (:class:`GaussianNLLLoss`).

    The network's standard deviation is ``softplus(raw) + 1e-4``.
    """

    name = "gaussian"
    has_closed_form_std = True

    @classmethod
    def n_params_for(cls, n_quantiles: int) -> int:
        """Two: a mean and a standard deviation."""
        return 2

    @staticmethod
    def constrain(raw: torch.Tensor) -> torch.Tensor:
        """``(mean, softplus(raw_scale) + 1e-4)``."""
        scale = F.softplus(raw[..., 1:]) + _MIN_SCALE
        return torch.cat([raw[..., :1], scale], dim=-1)

    def criterion(self) -> tuple[type[nn.Module], dict | None]:
        """:class:`GaussianNLLLoss`, without arguments."""
        return GaussianNLLLoss, None

    @staticmethod
    def combine(members: torch.Tensor) -> torch.Tensor:
        """The Gaussian with the mean and variance of the members' equal mixture."""
        mean = members[..., 0].mean(dim=0)
        # the mean of the members' variances plus the variance of their means
        variance = (members[..., 1] ** 2 + (members[..., 0] - mean) ** 2).mean(dim=0)
        return torch.stack([mean, variance.sqrt()], dim=-1)

    def point(self, params: Params) -> Params:
        """The mean."""
        return params[..., 0]

    def spread(self, params: np.ndarray) -> np.ndarray:
        """The standard deviation."""
        return params[..., 1]

    def std(self, params: Params, scale: float) -> Params:
        """The standard deviation times ``scale``."""
        return params[..., 1] * scale

    def sample(self, params: torch.Tensor, generator: torch.Generator,
               scale: float) -> torch.Tensor:
        """``mean + std * noise``, with one standard normal (float32) draw per row."""
        noise = torch.randn(params.shape[:-1], generator=generator).to(params.device)
        return params[..., 0] + self.std(params, scale) * noise

    def quantiles(self, params: np.ndarray, alpha: np.ndarray, scale: float) -> np.ndarray:
        """``mean + std * Phi^-1(alpha)``."""
        return params[..., :1] + self.std(params, scale)[..., None] * norm.ppf(alpha)

    def unnormalize(self, params: np.ndarray, offset: np.ndarray,
                    spread: np.ndarray) -> np.ndarray:
        """The mean shifted and scaled, the standard deviation scaled."""
        return np.concatenate([params[..., :1] * spread + offset, params[..., 1:] * spread],
                              axis=-1)


class QuantileHead(ForecastHead):
    """Quantiles at fixed levels, monotone by construction, trained by the pinball loss
    (:class:`PinballLoss`).

    The network predicts the lowest quantile and positive increments to the next ones.
    Between the levels the quantile function is piecewise linear, and beyond the outermost
    ones it is extrapolated linearly; the point forecast is the median, which the levels
    always include.

    Parameters
    ----------
    levels : array-like of float
        Sorted quantile levels in (0, 1), 0.5 among them.

    Attributes
    ----------
    median_index : int
        Position of the median among the levels.
    """

    name = "quantile"
    #: Levels used when the forecaster's ``quantiles`` is None.
    default_levels: ClassVar[tuple[float, ...]] = (
        0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)

    def __init__(self, levels: ArrayLike) -> None:
        super().__init__(levels)
        self.median_index = int(np.searchsorted(self.levels, 0.5))

    @classmethod
    def check_levels(cls, quantiles: ArrayLike | None) -> np.ndarray:
        """``quantiles`` (or the default levels) checked to lie in (0, 1), with the median
        added, sorted and unique."""
        levels = cls.default_levels if quantiles is None else quantiles
        try:
            levels = np.asarray(levels, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError(
                f"quantiles must be a sequence of numbers in (0, 1), got {quantiles!r}."
            ) from None
        if len(levels) == 0 or not np.all((levels > 0) & (levels < 1)):
            raise ValueError(
                f"quantiles must be a sequence of numbers in (0, 1), got {quantiles!r}."
            )
        return np.unique(np.r_[levels, 0.5])

    @classmethod
    def n_params_for(cls, n_quantiles: int) -> int:
        """One per level."""
        return n_quantiles

    @staticmethod
    def constrain(raw: torch.Tensor) -> torch.Tensor:
        """The lowest quantile plus cumulated ``softplus(raw) + 1e-6`` increments, so
        that quantiles never cross."""
        steps = F.softplus(raw[..., 1:]) + _MIN_QUANTILE_STEP
        return torch.cat([raw[..., :1], raw[..., :1] + torch.cumsum(steps, dim=-1)], dim=-1)

    def criterion(self) -> tuple[type[nn.Module], dict | None]:
        """:class:`PinballLoss` at the head's levels."""
        return PinballLoss, {"quantiles": self.levels}

    @staticmethod
    def combine(members: torch.Tensor) -> torch.Tensor:
        """The members' quantiles averaged level by level (quantile averaging, which
        keeps them sorted)."""
        return members.mean(dim=0)

    def point(self, params: Params) -> Params:
        """The median."""
        return params[..., self.median_index]

    def spread(self, params: np.ndarray) -> np.ndarray:
        """The standard deviation of the Gaussian with the same outermost quantiles."""
        lo, hi = self.levels[0], self.levels[-1]
        return (params[..., -1] - params[..., 0]) / (norm.ppf(hi) - norm.ppf(lo))

    def widen(self, params: np.ndarray, scale: float) -> np.ndarray:
        """The quantiles moved away from the median by the factor ``scale``."""
        median = params[..., self.median_index][..., None]
        return median + scale * (params - median)

    def sample(self, params: torch.Tensor, generator: torch.Generator,
               scale: float) -> torch.Tensor:
        """The quantile function at one uniform (float64) draw per row."""
        u = torch.rand(params.shape[:-1], generator=generator, dtype=torch.float64).numpy()
        values = _interpolate_quantiles(self.widen(params.double().cpu().numpy(), scale),
                                        self.levels, u)
        return torch.as_tensor(values, dtype=params.dtype, device=params.device)

    def quantiles(self, params: np.ndarray, alpha: np.ndarray, scale: float) -> np.ndarray:
        """The quantile function at ``alpha``."""
        return _interpolate_quantiles(self.widen(params, scale)[..., None, :], self.levels,
                                      alpha)

    def unnormalize(self, params: np.ndarray, offset: np.ndarray,
                    spread: np.ndarray) -> np.ndarray:
        """Every quantile shifted and scaled."""
        return params * spread + offset


#: The heads by name (the values of ``distribution``).
HEADS: dict[str, type[ForecastHead]] = {head.name: head for head in (GaussianHead, QuantileHead)}
DISTRIBUTIONS = tuple(HEADS)


@register_module()
class ForecastModel(RecordsInitArgs, nn.Module):
    """A recurrent encoder over a window with a multi-step probabilistic head.

    Parameters
    ----------
    input_size : int
        Features per window step (targets, then covariates).
    horizon : int
        Steps ahead the head predicts at once (1 for the recursive strategy).
    n_targets : int
        Target variables.
    n_covariates : int
        Known future covariates per step (0 for none). The covariates of step ``h`` act
        on the output of step ``h`` only, linearly and alike for all steps.
    distribution : {"gaussian", "quantile"}
        The head (a key of :data:`HEADS`), which sets the output parameters per step and
        target: ``(mean, scale)`` or one value per quantile level (monotone increasing by
        construction).
    n_quantiles : int
        Quantile levels (quantile head only).
    dropout : float
        Dropout inside the encoder and before the head.
    window_length : int or None, default=None
        Steps of the window, to add a linear autoregression on the window's targets to
        the location (the first parameter); None for none.
    covariate_effect : {"trained", "fixed"}, default="trained"
        How the covariates of a step act on its output. ``"trained"``: a linear layer on
        every output parameter, trained with the network. ``"fixed"``: a linear effect on
        the location only, held in the buffer ``covariate_location`` of shape
        ``(n_covariates, n_targets)``, which training leaves as set (zero until
        :meth:`set_covariate_location`).
    drift : bool, default=False
        Add the window's drift (:func:`~sk_rnn._windows.window_drift`, from its target
        columns) to the location of every step, so that the network learns what a naive
        drift forecast misses. Fixed, not trained.
    n_members : int, default=1
        Networks of the same architecture, each with its own initial weights (``members``,
        a ModuleList; with 1, the module is that one network). In training the forward
        pass returns every member's parameters stacked on a first axis, so that the loss
        (a mean over all axes) trains each member on its own error; in evaluation it
        returns their combination (:meth:`ForecastHead.combine`).
    **encoder_params
        ``cell_type``, ``hidden_size``, ``num_layers``, ``bidirectional`` for
        :class:`~sk_rnn.nn.SequenceEncoder`.
    """

    def __init__(
        self,
        *,
        input_size: int,
        horizon: int,
        n_targets: int,
        n_covariates: int,
        distribution: str,
        n_quantiles: int,
        dropout: float,
        window_length: int | None = None,
        covariate_effect: str = "trained",
        drift: bool = False,
        n_members: int = 1,
        **encoder_params,
    ) -> None:
        super().__init__()
        if covariate_effect not in ("trained", "fixed"):
            raise ValueError("covariate_effect must be 'trained' or 'fixed', got "
                             f"{covariate_effect!r}.")
        self.horizon = horizon
        self.n_targets = n_targets
        self.distribution = distribution
        self.n_params = HEADS[distribution].n_params_for(n_quantiles)
        self.drift = drift
        self.members = None
        if n_members > 1:
            self.members = nn.ModuleList(
                ForecastModel(input_size=input_size, horizon=horizon, n_targets=n_targets,
                              n_covariates=n_covariates, distribution=distribution,
                              n_quantiles=n_quantiles, dropout=dropout,
                              window_length=window_length,
                              covariate_effect=covariate_effect, drift=drift,
                              **encoder_params)
                for _ in range(n_members)
            )
            return
        self.encoder = SequenceEncoder(
            input_size=input_size, pooling="last", dropout=dropout, **encoder_params
        )
        self.dropout = nn.Dropout(dropout)
        n_out = n_targets * self.n_params
        self.head = nn.Linear(self.encoder.output_size, horizon * n_out)
        self.covariate_head = None
        if n_covariates and covariate_effect == "trained":
            self.covariate_head = nn.Linear(n_covariates, n_out, bias=False)
        elif n_covariates:
            self.register_buffer("covariate_location", torch.zeros(n_covariates, n_targets))
        # A linear autoregression on the window's targets, added to the location: it
        # carries trend and seasonality from the first epoch; the RNN learns the rest.
        self.linear_skip = None
        if window_length is not None:
            self.linear_skip = nn.Linear(window_length * n_targets, horizon * n_targets)
            nn.init.zeros_(self.linear_skip.weight)
            nn.init.zeros_(self.linear_skip.bias)

    def set_covariate_location(self, weights: ArrayLike) -> None:
        """Set the fixed linear effect of the covariates on the location (of every member).

        Parameters
        ----------
        weights : array-like of shape (n_covariates, n_targets)
        """
        modules = self.members if self.members is not None else [self]
        if getattr(modules[0], "covariate_location", None) is None:
            raise ValueError("set_covariate_location needs a module built with "
                             "covariate_effect='fixed' and covariates.")
        for module in modules:
            buffer = module.covariate_location
            buffer.copy_(torch.as_tensor(np.asarray(weights), dtype=buffer.dtype))

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """Distribution parameters of shape ``(B, horizon, n_targets, n_params)`` (in
        training, with ``n_members > 1``: ``(n_members, B, horizon, n_targets, n_params)``).

        Parameters
        ----------
        x : Tensor of shape (B, window_length, input_size)
            The (normalised) windows.
        future : Tensor of shape (B, horizon, n_covariates) or None
            Covariates of the steps ahead.
        """
        members = getattr(self, "members", None)  # (modules pickled before ensembles)
        if members is not None:
            stacked = torch.stack([member(x, future) for member in members])
            return stacked if self.training else HEADS[self.distribution].combine(stacked)
        lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.int64)
        encoded = self.dropout(self.encoder(x, lengths))
        raw = self.head(encoded).view(x.shape[0], self.horizon, -1)
        if self.covariate_head is not None:
            raw = raw + self.covariate_head(future)
        raw = raw.view(x.shape[0], self.horizon, self.n_targets, self.n_params)
        # Terms added to the location (the first parameter), in this order.
        location_terms = []
        fixed = getattr(self, "covariate_location", None)  # (modules pickled before it)
        if fixed is not None:
            location_terms.append((future @ fixed).unsqueeze(-1))
        if self.linear_skip is not None:
            history = x[:, :, : self.n_targets].reshape(x.shape[0], -1)
            location_terms.append(
                self.linear_skip(history).view(x.shape[0], self.horizon, self.n_targets, 1))
        if getattr(self, "drift", False):  # (modules pickled before it have none)
            location_terms.append(
                window_drift(x[:, :, : self.n_targets], self.horizon).unsqueeze(-1))
        if location_terms:
            location = raw[..., :1]
            for term in location_terms:
                location = location + term
            raw = torch.cat([location, raw[..., 1:]], dim=-1)
        return HEADS[self.distribution].constrain(raw)
