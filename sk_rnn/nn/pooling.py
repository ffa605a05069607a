"""Masked pooling of recurrent outputs over time."""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["POOLINGS", "length_mask", "SequencePooling"]

POOLINGS = ("last", "mean", "max", "attention")


def length_mask(lengths: torch.Tensor, max_length: int, device=None) -> torch.Tensor:
    """Boolean mask of shape ``(B, max_length)``: True at the real (unpadded) steps.

    Parameters
    ----------
    lengths : Tensor of shape (B,)
        Length of every sequence.
    max_length : int
        Padded length.
    device : torch.device, optional
        Where to build the mask (defaults to the device of ``lengths``).

    Returns
    -------
    Tensor of bool
    """
    steps = torch.arange(max_length, device=device or lengths.device)
    return steps[None, :] < lengths.to(steps.device)[:, None]


class SequencePooling(nn.Module):
    """Reduce ``(B, T, D)`` recurrent outputs to ``(B, D)`` using only the real steps.

    Parameters
    ----------
    mode : {"mean", "max", "attention"}
        ``"mean"`` and ``"max"`` over the unpadded steps; ``"attention"`` a learnt,
        masked softmax weighting (additive attention with a single query).
    dim : int
        Feature size ``D`` (used by ``"attention"``).
    """

    def __init__(self, mode: str, dim: int) -> None:
        super().__init__()
        if mode not in ("mean", "max", "attention"):
            raise ValueError(f"pooling must be 'mean', 'max' or 'attention', got {mode!r}.")
        self.mode = mode
        if mode == "attention":
            self.score = nn.Sequential(nn.Linear(dim, dim), nn.Tanh(), nn.Linear(dim, 1))

    def forward(self, outputs: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Pool ``outputs`` (B, T, D) over time; ``mask`` (B, T) or None when unpadded."""
        if self.mode == "mean":
            if mask is None:
                return outputs.mean(dim=1)
            m = mask.unsqueeze(-1).to(outputs.dtype)
            return (outputs * m).sum(dim=1) / m.sum(dim=1).clamp_min(1.0)
        if self.mode == "max":
            if mask is None:
                return outputs.amax(dim=1)
            return outputs.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(dim=1)
        scores = self.score(outputs).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), outputs).squeeze(1)
