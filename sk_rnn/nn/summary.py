"""A linear model over the summary statistics of numeric sequences (per feature: mean,
standard deviation, minimum, maximum, least-squares slope, first and last value over the
real steps; and the log length): the path fitted beside a recurrent encoder on numeric
input and mixed with it, as :class:`~sk_rnn.nn.NgramLinear` is on text."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from torch import nn

from .._sequences import length_batches
from .pooling import length_mask

__all__ = ["SummaryStatsLinear", "summary_statistics"]

#: The per-feature statistics, in the order of :func:`summary_statistics`'s column
#: blocks (the log length follows them).
STATISTICS = ("mean", "std", "min", "max", "slope", "first", "last")


def n_statistics(n_features: int) -> int:
    """Columns of :func:`summary_statistics` for ``n_features`` features per step."""
    return len(STATISTICS) * n_features + 1


def summary_statistics(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Per-feature summary statistics of a right-padded batch of numeric sequences.

    Parameters
    ----------
    x : Tensor of shape (B, T, F)
        The sequences, right-padded (padding values are ignored).
    lengths : Tensor of shape (B,)
        Real length of every sequence (at least 1).

    Returns
    -------
    Tensor of shape (B, 7 * F + 1)
        Blocks of ``F`` columns: mean, population standard deviation, minimum, maximum,
        least-squares slope over the steps ``0, 1, ...`` (0 for a one-step sequence),
        first and last value, all over the real steps only; then the log of the length.
        Computed in float32 at least.
    """
    # Reductions run over the last, contiguous dimension: (B, F, T), several times faster
    # than over the steps of (B, T, F) when F is small.
    x = x.to(torch.promote_types(x.dtype, torch.float32)).transpose(1, 2).contiguous()
    mask = length_mask(lengths.to(x.device), x.shape[2]).unsqueeze(1)  # (B, 1, T)
    n = mask.sum(dim=2).clamp(min=1).to(x.dtype)  # (B, 1)
    mean = torch.where(mask, x, 0.0).sum(dim=2) / n
    centred = torch.where(mask, x - mean.unsqueeze(2), 0.0)
    std = (centred.square().sum(dim=2) / n).sqrt()
    minimum = torch.where(mask, x, float("inf")).amin(dim=2)
    maximum = torch.where(mask, x, float("-inf")).amax(dim=2)
    steps = torch.arange(x.shape[2], device=x.device, dtype=x.dtype)
    t_centred = torch.where(mask, steps - (n.unsqueeze(2) - 1) / 2, 0.0)  # (B, 1, T)
    t_spread = t_centred.square().sum(dim=2)  # (B, 1): 0 for one step
    slope = (t_centred * centred).sum(dim=2) / t_spread.clamp(min=1e-12)
    last_step = (n.long() - 1).unsqueeze(1).expand(-1, x.shape[1], 1)  # (B, F, 1)
    last = x.gather(2, last_step).squeeze(2)
    return torch.cat([mean, std, minimum, maximum, slope, x[:, :, 0], last, n.log()], dim=1)


class SummaryStatsLinear(nn.Module):
    """Multinomial logistic regression over each sequence's summary statistics
    (:func:`summary_statistics`), standardised with the training set's mean and scale.

    Parameters
    ----------
    n_features : int
        Features per step of the series the statistics describe.
    n_outputs : int
        Classes.
    patch_length : int, default=1
        When the model reads the series cut into patches (``patch_length`` consecutive
        steps side by side in one step of ``patch_length * n_features`` values), the
        patches are laid back into steps before the statistics are taken. The last
        patch's padding repeats the series' last step, and counts as steps (in the
        length too).

    Notes
    -----
    Everything starts at zero (no random draws, so a network built with the path trains
    exactly as it would without it); :meth:`fit_logistic` fits the weights.
    """

    def __init__(self, n_features: int, n_outputs: int, patch_length: int = 1) -> None:
        super().__init__()
        self.n_features = n_features
        self.patch_length = patch_length
        n_stats = n_statistics(n_features)
        self.register_buffer("center", torch.zeros(n_stats))
        self.register_buffer("scale", torch.ones(n_stats))
        self.weight = nn.Parameter(torch.zeros(n_outputs, n_stats))
        self.bias = nn.Parameter(torch.zeros(n_outputs))

    def statistics(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The standardised ``(B, 7 * n_features + 1)`` statistics of a padded batch."""
        batch, steps, _ = x.shape
        x = x.reshape(batch, steps * self.patch_length, self.n_features)
        stats = summary_statistics(x, lengths * self.patch_length)
        return (stats - self.center) / self.scale

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, n_outputs)`` class scores (logits) of the padded batch ``x``."""
        stats = self.statistics(x, lengths)
        return stats.to(self.weight.dtype) @ self.weight.T + self.bias

    @staticmethod
    def log_proba(scores: torch.Tensor) -> torch.Tensor:
        """Class log-probabilities from the scores (a softmax)."""
        return torch.log_softmax(scores, dim=1)

    @torch.no_grad()
    def fit_logistic(self, sequences, classes: np.ndarray, C: float = 1.0) -> None:
        """Fit the weights as an L2 multinomial logistic regression (lbfgs) on the
        standardised statistics of ``sequences``.

        Parameters
        ----------
        sequences : sequence of ndarray of shape (n_steps, patch_length * n_features)
            The training sequences, as the model reads them.
        classes : ndarray of int
            Class index of every sequence, in ``[0, n_outputs)``.
        C : float, default=1.0
            Inverse L2 strength.
        """
        sequences = list(sequences)
        lengths = np.fromiter(map(len, sequences), np.int64, len(sequences))
        self.center.zero_()
        self.scale.fill_(1.0)
        stats = np.zeros((len(sequences), self.center.shape[0]))
        for indices, batch in length_batches(sequences, lengths, 256):
            x = batch["x"].to(self.center.device)
            stats[indices] = self.statistics(x, batch["lengths"]).cpu().double().numpy()
        center = stats.mean(axis=0)
        spread = stats.std(axis=0)
        scale = np.where(spread > 1e-12, spread, 1.0)
        classes = np.asarray(classes)
        present = np.unique(classes)
        self.center.copy_(torch.from_numpy(center))
        self.scale.copy_(torch.from_numpy(scale))
        self.weight.zero_()
        self.bias.zero_()
        if len(present) < 2:
            return  # nothing to tell apart: flat probabilities, the network decides
        weight = np.zeros(tuple(self.weight.shape))
        bias = np.zeros(self.bias.shape[0])
        with warnings.catch_warnings():
            # a separable training set: lbfgs stops at max_iter near the optimum
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(C=C, max_iter=5000)
            model.fit((stats - center) / scale, classes)
        coef, intercept = model.coef_, model.intercept_
        if len(present) == 2:  # one row: the second class's log-odds
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.r_[-intercept / 2, intercept / 2]
        weight[present], bias[present] = coef, intercept
        # A class absent from the data (a teacher's labels that never name it): no
        # evidence either way, a score at the mean of the others.
        bias[np.setdiff1d(np.arange(len(bias)), present)] = np.mean(intercept)
        self.weight.copy_(torch.from_numpy(weight))
        self.bias.copy_(torch.from_numpy(bias))
