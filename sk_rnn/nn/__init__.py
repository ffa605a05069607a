"""PyTorch modules behind the estimators."""

from .encoder import CELLS, SequenceEncoder, SequenceModel, make_rnn
from .pooling import POOLINGS, SequencePooling, length_mask

__all__ = [
    "CELLS",
    "POOLINGS",
    "SequenceEncoder",
    "SequenceModel",
    "SequencePooling",
    "length_mask",
    "make_rnn",
]
