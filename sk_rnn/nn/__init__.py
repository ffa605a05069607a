"""PyTorch modules behind the estimators."""

from .conv import ConvFrontEnd
from .distillation import DistillationLoss, soften
from .encoder import CELLS, SequenceEncoder, SequenceModel, make_rnn
from .forecasting import (
    DISTRIBUTIONS,
    HEADS,
    ForecastHead,
    ForecastModel,
    GaussianHead,
    GaussianNLLLoss,
    PinballLoss,
    QuantileHead,
)
from .ngrams import NgramLinear
from .pooling import POOLINGS, SequencePooling, length_mask
from .seq2seq import ATTENTIONS, Seq2SeqModel, SequenceCrossEntropy

__all__ = [
    "ATTENTIONS",
    "Seq2SeqModel",
    "SequenceCrossEntropy",
    "CELLS",
    "ConvFrontEnd",
    "DistillationLoss",
    "DISTRIBUTIONS",
    "HEADS",
    "ForecastHead",
    "ForecastModel",
    "GaussianHead",
    "NgramLinear",
    "GaussianNLLLoss",
    "PinballLoss",
    "QuantileHead",
    "POOLINGS",
    "SequenceEncoder",
    "SequenceModel",
    "SequencePooling",
    "length_mask",
    "make_rnn",
    "soften",
]
