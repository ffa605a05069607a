"""The forecasting network and its probabilistic heads and losses.

The network reads a window of past values (target and covariates) with a recurrent
encoder and emits, for every step ahead and every target, the parameters of a predictive
distribution: a mean and a standard deviation (Gaussian head) or a set of monotone
quantiles (quantile head).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ._init_args import RecordsInitArgs
from .encoder import SequenceEncoder

__all__ = [
    "DISTRIBUTIONS",
    "ForecastModel",
    "GaussianNLLLoss",
    "PinballLoss",
]

DISTRIBUTIONS = ("gaussian", "quantile")
_MIN_SCALE = 1e-4


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
        on the output of step ``h`` only, through a linear layer shared by all steps.
    distribution : {"gaussian", "quantile"}
        Output parameters per step and target: ``(mean, scale)`` or one value per quantile
        level (monotone increasing by construction).
    n_quantiles : int
        Quantile levels (quantile head only).
    dropout : float
        Dropout inside the encoder and before the head.
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
        **encoder_params,
    ) -> None:
        super().__init__()
        self.horizon = horizon
        self.n_targets = n_targets
        self.distribution = distribution
        self.n_params = 2 if distribution == "gaussian" else n_quantiles
        self.encoder = SequenceEncoder(
            input_size=input_size, pooling="last", dropout=dropout, **encoder_params
        )
        self.dropout = nn.Dropout(dropout)
        n_out = n_targets * self.n_params
        self.head = nn.Linear(self.encoder.output_size, horizon * n_out)
        self.covariate_head = nn.Linear(n_covariates, n_out, bias=False) if n_covariates else None
        # A linear autoregression on the window's targets, added to the location: it
        # carries trend and seasonality from the first epoch; the RNN learns the rest.
        self.linear_skip = None
        if window_length is not None:
            self.linear_skip = nn.Linear(window_length * n_targets, horizon * n_targets)
            nn.init.zeros_(self.linear_skip.weight)
            nn.init.zeros_(self.linear_skip.bias)

    def forward(self, x: torch.Tensor, future: torch.Tensor | None = None) -> torch.Tensor:
        """Distribution parameters of shape ``(B, horizon, n_targets, n_params)``.

        Parameters
        ----------
        x : Tensor of shape (B, window_length, input_size)
            The (normalised) windows.
        future : Tensor of shape (B, horizon, n_covariates) or None
            Covariates of the steps ahead.
        """
        lengths = torch.full((x.shape[0],), x.shape[1], dtype=torch.int64)
        encoded = self.dropout(self.encoder(x, lengths))
        raw = self.head(encoded).view(x.shape[0], self.horizon, -1)
        if self.covariate_head is not None:
            raw = raw + self.covariate_head(future)
        raw = raw.view(x.shape[0], self.horizon, self.n_targets, self.n_params)
        if self.linear_skip is not None:
            history = x[:, :, : self.n_targets].reshape(x.shape[0], -1)
            level = self.linear_skip(history).view(x.shape[0], self.horizon, self.n_targets, 1)
            if self.distribution == "gaussian":
                raw = torch.cat([raw[..., :1] + level, raw[..., 1:]], dim=-1)
            else:
                raw = torch.cat([raw[..., :1] + level, raw[..., 1:]], dim=-1)
        if self.distribution == "gaussian":
            scale = F.softplus(raw[..., 1:]) + _MIN_SCALE
            return torch.cat([raw[..., :1], scale], dim=-1)
        # Quantiles: the lowest level plus positive increments, so they never cross.
        steps = F.softplus(raw[..., 1:]) + 1e-6
        return torch.cat([raw[..., :1], raw[..., :1] + torch.cumsum(steps, dim=-1)], dim=-1)


class GaussianNLLLoss(nn.Module):
    """Mean negative log-likelihood of a Gaussian with predicted mean and scale.

    ``y_pred[..., 0]`` is the mean and ``y_pred[..., 1]`` the standard deviation; the
    constant ``log(2 pi) / 2`` is left out.
    """

    def forward(self, y_pred: torch.Tensor, y_true: torch.Tensor) -> torch.Tensor:
        """Loss of ``y_pred`` ``(..., 2)`` against ``y_true`` ``(...)``."""
        mean, scale = y_pred[..., 0], y_pred[..., 1]
        return (torch.log(scale) + 0.5 * ((y_true - mean) / scale) ** 2).mean()


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
