"""How :class:`~sk_rnn.RNNForecaster` covers a forecast horizon with its network.

A strategy owns everything that depends on whether the network predicts one step and is
fed its own forecasts (:class:`RecursiveStrategy`) or predicts every step of the horizon
at once (:class:`DirectStrategy`): the horizon the network is built for, the steps and
covariate rows a forecast needs, and how point forecasts, sample paths and closed-form
quantiles and standard deviations come out of the network. The forecaster keeps the two
ways of running the network (``_rollout`` and ``_direct_params``) and the Monte Carlo
estimates used where a strategy has no closed form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch

if TYPE_CHECKING:
    from sktime.forecasting.base import ForecastingHorizon

    from .forecasting import RNNForecaster

__all__ = ["STRATEGIES", "DirectStrategy", "ForecastStrategy", "RecursiveStrategy",
           "get_strategy"]

_SAMPLE_CHUNK = 8192  # rows per forward pass when simulating sample paths


class ForecastStrategy:
    """How the forecaster's network covers the steps of a forecast horizon.

    Strategies hold no state: every method takes the fitted forecaster whose network it
    runs. ``inputs`` is ``(context, context_x, future_x)`` as
    :meth:`RNNForecaster._prediction_inputs` returns them (scaled windows of the targets
    and covariates of every series, and the covariates of the steps ahead).
    """

    #: The value of ``strategy`` that selects it.
    name: ClassVar[str]
    #: Appended to the error for missing future covariates.
    covariate_hint: ClassVar[str] = ""
    #: Whether ``fit`` needs ``fh`` (and ``predict`` reads X only at fh's steps): the
    #: sktime tags ``requires-fh-in-fit`` and ``capability:non_contiguous_X``.
    needs_fh_in_fit: ClassVar[bool] = False

    def horizon(self, forecaster: RNNForecaster, fh: ForecastingHorizon | None) -> int:
        """Steps ahead the network predicts at once, for the ``fh`` given to fit."""
        raise NotImplementedError

    def n_steps(self, steps: np.ndarray, horizon: int) -> int:
        """Steps ahead a forecast of the relative ``steps`` computes, with a network of
        ``horizon`` steps; raises ValueError if it cannot reach them."""
        raise NotImplementedError

    def needed_covariate_rows(self, steps: np.ndarray, n_steps: int) -> np.ndarray:
        """Rows (0 for one step ahead) of the future covariates the forecast reads."""
        raise NotImplementedError

    def point_forecast(self, forecaster: RNNForecaster, inputs: Sequence,
                       n_steps: int) -> np.ndarray:
        """Point forecasts ``(n_series, n, n_targets)`` in scaled units, ``n >= n_steps``."""
        raise NotImplementedError

    def reach(self, horizon: int) -> int | None:
        """The furthest step a network of ``horizon`` steps can forecast (None: any)."""
        return None

    def sample_paths(self, forecaster: RNNForecaster, inputs: Sequence, n_steps: int,
                     generator: torch.Generator, scale: float) -> np.ndarray:
        """``(n_sample_paths, n_series, n_steps, n_targets)`` simulated in scaled units
        with the random numbers of ``generator``, from the predictive distribution
        widened by ``scale``."""
        raise NotImplementedError

    def spread(self, forecaster: RNNForecaster, inputs: Sequence,
               n_steps: int) -> np.ndarray:
        """The predictive spread ``(n_series, n_steps, n_targets)`` in scaled units, as
        the network gives it (not widened): the standard deviation of sample paths
        where there is no closed form."""
        paths = forecaster._sample_paths(inputs, n_steps, scale=1.0)
        return paths.std(axis=0, ddof=1)

    def quantiles(self, forecaster: RNNForecaster, inputs: Sequence,
                  alpha: np.ndarray) -> np.ndarray | None:
        """Closed-form quantiles ``(n_series, n, n_targets, len(alpha))`` in scaled units,
        or None where there are none (the forecaster then simulates paths)."""
        return None

    def std(self, forecaster: RNNForecaster, inputs: Sequence) -> np.ndarray | None:
        """Closed-form standard deviations ``(n_series, n, n_targets)`` in scaled units,
        or None where there are none (the forecaster then simulates paths)."""
        return None


class RecursiveStrategy(ForecastStrategy):
    """A network of ``output_chunk_length`` steps (one by default) fed its own
    forecasts, chunk after chunk, for any horizon.

    Forecasts of later steps depend on draws at earlier ones, so intervals come from
    simulated sample paths.
    """

    name = "recursive"
    covariate_hint = "; the recursive strategy needs X for every step up to the last one in fh"

    def horizon(self, forecaster: RNNForecaster, fh: ForecastingHorizon | None) -> int:
        """The forecaster's ``output_chunk_length``."""
        return forecaster.output_chunk_length

    def n_steps(self, steps: np.ndarray, horizon: int) -> int:
        """Up to the last step of ``steps``."""
        return int(steps.max())

    def needed_covariate_rows(self, steps: np.ndarray, n_steps: int) -> np.ndarray:
        """Every step up to ``n_steps``: each is fed to the network in turn."""
        return np.arange(n_steps)

    def point_forecast(self, forecaster: RNNForecaster, inputs: Sequence,
                       n_steps: int) -> np.ndarray:
        """The point forecasts of one rollout."""
        return forecaster._rollout(*inputs, n_steps)

    def sample_paths(self, forecaster: RNNForecaster, inputs: Sequence, n_steps: int,
                     generator: torch.Generator, scale: float) -> np.ndarray:
        """Rollouts of ``n_sample_paths`` copies of every series, each step drawn from
        the predictive distribution, in chunks of rows."""
        n_paths, n_series = forecaster.n_sample_paths, len(inputs[0])

        def tile(a):
            return None if a is None else np.repeat(a[None], n_paths, axis=0).reshape(
                n_paths * n_series, *a.shape[1:])

        tiled = [tile(a) for a in inputs]
        chunks = [
            forecaster._rollout(*(None if a is None else a[i : i + _SAMPLE_CHUNK]
                                  for a in tiled), n_steps, generator, scale)
            for i in range(0, len(tiled[0]), _SAMPLE_CHUNK)
        ]
        return np.concatenate(chunks).reshape(n_paths, n_series, n_steps, -1)


class DirectStrategy(ForecastStrategy):
    """One network output per step of the horizon fitted with; ``fh`` cannot go beyond.

    Every step has its predictive distribution in closed form, so quantiles (and the
    standard deviation, where the head has one) need no simulation.
    """

    name = "direct"
    needs_fh_in_fit = True

    def horizon(self, forecaster: RNNForecaster, fh: ForecastingHorizon | None) -> int:
        """The last step of ``fh``."""
        return forecaster._relative_steps(fh).max()

    def n_steps(self, steps: np.ndarray, horizon: int) -> int:
        """The network's ``horizon``, which must reach the last step of ``steps``."""
        if steps.max() > horizon:
            raise ValueError(
                f"fh reaches {steps.max()} steps ahead, but this direct forecaster was "
                f"fitted for at most {horizon}; refit it with the longer fh or use "
                "strategy='recursive'."
            )
        return horizon

    def needed_covariate_rows(self, steps: np.ndarray, n_steps: int) -> np.ndarray:
        """The steps of the forecast only."""
        return steps - 1

    def point_forecast(self, forecaster: RNNForecaster, inputs: Sequence,
                       n_steps: int) -> np.ndarray:
        """The point forecasts of the whole horizon."""
        return forecaster._head().point(forecaster._direct_params(*inputs))

    def reach(self, horizon: int) -> int:
        """The network's ``horizon``."""
        return horizon

    def sample_paths(self, forecaster: RNNForecaster, inputs: Sequence, n_steps: int,
                     generator: torch.Generator, scale: float) -> np.ndarray:
        """Independent draws from the distribution of every step."""
        params = forecaster._direct_params(*inputs)[:, :n_steps]
        tiled = torch.as_tensor(
            np.broadcast_to(params, (forecaster.n_sample_paths, *params.shape)).copy())
        draws = forecaster._head().sample(tiled, generator, scale)
        return draws.numpy().astype(np.float64)

    def spread(self, forecaster: RNNForecaster, inputs: Sequence,
               n_steps: int) -> np.ndarray:
        """The head's spread of every step, in closed form."""
        return forecaster._head().spread(forecaster._direct_params(*inputs)[:, :n_steps])

    def quantiles(self, forecaster: RNNForecaster, inputs: Sequence,
                  alpha: np.ndarray) -> np.ndarray:
        """The head's quantiles of every step."""
        return forecaster._head().quantiles(forecaster._direct_params(*inputs), alpha,
                                            forecaster.interval_scale_)

    def std(self, forecaster: RNNForecaster, inputs: Sequence) -> np.ndarray | None:
        """The head's standard deviation of every step, where it has a closed form."""
        head = forecaster._head()
        if not head.has_closed_form_std:
            return None
        return head.std(forecaster._direct_params(*inputs), forecaster.interval_scale_)


_BY_NAME: dict[str, ForecastStrategy] = {
    strategy.name: strategy for strategy in (RecursiveStrategy(), DirectStrategy())
}
#: The valid values of ``strategy``.
STRATEGIES = tuple(_BY_NAME)


def get_strategy(name: str) -> ForecastStrategy:
    """The strategy called ``name`` (one of :data:`STRATEGIES`)."""
    return _BY_NAME[name]
