"""A convolutional front-end for numeric sequences: 1-D convolutions over the steps of a
padded batch, ahead of the recurrent layers (as in LSTM-FCN and ConvLSTM models)."""

from __future__ import annotations

import torch
from torch import nn

from .pooling import length_mask

__all__ = ["ConvFrontEnd"]


class ConvFrontEnd(nn.Module):
    """Stacked ``Conv1d`` + ReLU layers over the steps of right-padded sequences.

    Each layer sees zeros beyond a sequence's real end (its outputs at the padded steps
    are set to zero), so a padded sequence gets the same outputs at its real steps as it
    would alone, and the sequence length is kept ("same" padding, odd kernels).

    Parameters
    ----------
    input_size : int
        Features per step.
    channels : int
        Filters of every layer (the features per step it hands on).
    kernel_size : int
        Steps each filter spans (odd).
    num_layers : int
        Convolutions in the stack.
    """

    def __init__(self, input_size: int, channels: int, kernel_size: int, num_layers: int) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}.")
        sizes = [input_size] + [channels] * num_layers
        self.convs = nn.ModuleList(
            nn.Conv1d(a, b, kernel_size, padding=kernel_size // 2)
            for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.output_size = channels

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, T, channels)`` features of the ``(B, T, input_size)`` batch ``x``."""
        real = length_mask(lengths, x.shape[1], device=x.device).unsqueeze(1).to(x.dtype)
        h = x.transpose(1, 2) * real
        for conv in self.convs:
            h = torch.relu(conv(h)) * real
        return h.transpose(1, 2)
