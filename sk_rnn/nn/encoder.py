"""The recurrent sequence encoder: embedding or raw features, an RNN/LSTM/GRU stack and
masked pooling, plus the small prediction model built on it."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .._registry import register_module
from ._init_args import RecordsInitArgs
from .conv import ConvFrontEnd
from .ngrams import NgramLinear
from .pooling import SequencePooling, length_mask
from .summary import SummaryStatsLinear

__all__ = ["CELLS", "SequenceEncoder", "SequenceModel", "make_rnn", "run_padded", "run_rnn"]

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
# One step of one layer, by ``nn.RNNBase.mode``.
_CELL_FUNCTIONS = {"LSTM": torch.lstm_cell, "GRU": torch.gru_cell,
                   "RNN_TANH": torch.rnn_tanh_cell, "RNN_RELU": torch.rnn_relu_cell}


def make_rnn(
    cell_type: str,
    input_size: int,
    hidden_size: int,
    num_layers: int,
    bidirectional: bool,
    dropout: float,
    init: str = "keras",
) -> nn.RNNBase:
    """Build a batch-first ``nn.RNN``/``nn.LSTM``/``nn.GRU``.

    With ``init="keras"`` (the default) recurrent weights are orthogonal, input weights
    Xavier-uniform, biases zero and the LSTM forget-gate bias 1 (what the classifiers,
    the forecaster and the translator use). ``init="torch"`` keeps PyTorch's
    uniform(±1/sqrt(hidden_size)) initialisation (what the language model uses; the
    comparison is in ``benchmarks/RESULTS.md``).
    """
    if init not in ("keras", "torch"):
        raise ValueError(f"init must be 'keras' or 'torch', got {init!r}.")
    rnn = CELLS[cell_type](
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
        dropout=dropout if num_layers > 1 else 0.0,
    )
    if init == "torch":
        return rnn
    gates = {"rnn": 1, "gru": 3, "lstm": 4}[cell_type]
    for name, param in rnn.named_parameters():
        if name.startswith("weight_hh"):
            for k in range(gates):
                nn.init.orthogonal_(param.data[k * hidden_size : (k + 1) * hidden_size])
        elif name.startswith("weight_ih"):
            nn.init.xavier_uniform_(param.data)
        elif name.startswith("bias"):
            nn.init.zeros_(param.data)
            if cell_type == "lstm" and name.startswith("bias_ih"):
                param.data[hidden_size : 2 * hidden_size] = 1.0  # gates are (i, f, g, o)
    return rnn


def run_rnn(rnn: nn.RNNBase, inputs: torch.Tensor, hidden=None):
    """Run a batch-first recurrent stack over ``(B, T, F)`` inputs from ``hidden``.

    A single step from a given state runs through the cell functions
    (``torch.lstm_cell`` ...) on the stack's own weights, which on CPU is cheaper than
    calling the oneDNN-backed ``nn.LSTM`` on a sequence of length 1: it matters wherever
    decoding goes token by token. Anything else goes to ``rnn`` itself.

    Parameters
    ----------
    rnn : nn.RNN, nn.LSTM or nn.GRU
        Unidirectional, batch-first, with biases (as :func:`make_rnn` builds them).
    inputs : Tensor of shape (B, T, F)
    hidden : Tensor, tuple of Tensors or None
        Initial state, as ``rnn`` takes it.

    Returns
    -------
    outputs : Tensor of shape (B, T, hidden_size)
    hidden : Tensor or tuple of Tensors
        The state after the last step.
    """
    if inputs.shape[1] != 1 or hidden is None or rnn.bidirectional or not rnn.bias:
        return rnn(inputs, hidden)
    cell = _CELL_FUNCTIONS[rnn.mode]
    x = inputs[:, 0]
    is_lstm = isinstance(hidden, tuple)
    new_h, new_c = [], []
    for layer in range(rnn.num_layers):
        if layer and rnn.dropout:
            x = F.dropout(x, rnn.dropout, rnn.training)
        weights = [getattr(rnn, f"{name}_l{layer}")
                   for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if is_lstm:
            x, c = cell(x, (hidden[0][layer], hidden[1][layer]), *weights)
            new_c.append(c)
        else:
            x = cell(x, hidden[layer], *weights)
        new_h.append(x)
    h = torch.stack(new_h)
    return x.unsqueeze(1), ((h, torch.stack(new_c)) if is_lstm else h)


def supports_run_padded(rnn: nn.Module) -> bool:
    """Whether :func:`run_padded` can run ``rnn``: a batch-first ``nn.RNN``/``nn.LSTM``/
    ``nn.GRU`` without projections.

    Dynamic-quantised stacks (``torch.ao``) are left to their packed path (compared with
    the unpacked one by ``benchmarks/bench_compression.py --packed``).
    """
    return (type(rnn) in CELLS.values() and rnn.batch_first
            and not getattr(rnn, "proj_size", 0))


def _run_direction(rnn: nn.RNNBase, x: torch.Tensor, layer: int, direction: int) -> torch.Tensor:
    """Outputs ``(B, T, H)`` of one layer and direction of ``rnn`` run forwards over ``x``
    from a zero state, through the same fused kernel ``rnn`` itself calls."""
    h0 = x.new_zeros(1, x.shape[0], rnn.hidden_size)
    suffix = "_reverse" if direction else ""
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if rnn.bias else (
        "weight_ih", "weight_hh")
    params = [getattr(rnn, f"{name}_l{layer}{suffix}") for name in names]
    if rnn.mode == "LSTM":
        return torch.lstm(x, (h0, h0), params, rnn.bias, 1, 0.0, False, False, True)[0]
    function = {"GRU": torch.gru, "RNN_TANH": torch.rnn_tanh, "RNN_RELU": torch.rnn_relu}
    return function[rnn.mode](x, h0, params, rnn.bias, 1, 0.0, False, False, True)[0]


def run_padded(
    rnn: nn.RNNBase, inputs: torch.Tensor, lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a recurrent stack over a right-padded batch without packing it (inference).

    On CPU a packed batch is several times slower than the same batch unpacked: oneDNN's
    fused kernel only takes whole sequences. Padding at the end never reaches the real
    steps of a forward pass, so the forward direction runs over the padded batch as it
    is; the backward direction runs forwards over every sequence reversed within its own
    length (a gather) and its outputs are gathered back. Outputs at the real steps, and
    the final states, are those of the packed run. Dropout between layers is not
    applied: this is for inference only.

    Parameters
    ----------
    rnn : module accepted by :func:`supports_run_padded`
    inputs : Tensor of shape (B, T, F)
        Right-padded batch.
    lengths : Tensor of shape (B,)
        Real length of every sequence, each in ``[1, T]``.

    Returns
    -------
    outputs : Tensor of shape (B, T, num_directions * H)
        Last layer's outputs, zero at the padded steps.
    final : Tensor of shape (num_directions, B, H)
        Last layer's final hidden state of each direction, as ``h_n[-num_directions:]``
        of a packed run.
    """
    steps = torch.arange(inputs.shape[1], device=inputs.device)
    last = (lengths.to(inputs.device) - 1).unsqueeze(1)
    inside = steps <= last  # (B, T): the real steps
    # Reversal within each length; padded steps map to themselves. It is its own inverse.
    reverse = torch.where(inside, last - steps, steps)
    rows = torch.arange(inputs.shape[0], device=inputs.device).unsqueeze(1)
    # Zeros at the padded steps of every layer's output, as a packed run pads them.
    real = inside.unsqueeze(2).to(inputs.dtype)
    x = inputs
    for layer in range(rnn.num_layers):
        forward = _run_direction(rnn, x, layer, 0)
        if rnn.bidirectional:
            backward_reversed = _run_direction(rnn, x[rows, reverse], layer, 1)
            x = torch.cat([forward, backward_reversed[rows, reverse]], dim=2) * real
        else:
            x = forward * real
    batch = rows.squeeze(1)
    final = [forward[batch, last.squeeze(1)]]
    if rnn.bidirectional:
        final.append(backward_reversed[batch, last.squeeze(1)])
    return x, torch.stack(final)


class SequenceEncoder(RecordsInitArgs, nn.Module):
    """Encode a padded batch of sequences to one vector per sequence.

    Token ids go through an embedding, numeric sequences into the recurrent stack as
    they are or through a convolutional front-end (``conv_layers``). A batch whose
    sequences all have the same length runs unpacked (one fused kernel); a batch with
    padding is packed, so the recurrence never sees a padded step and a bidirectional
    encoder reads every sequence from its real end.

    Parameters
    ----------
    cell_type : {"rnn", "lstm", "gru"}
        Recurrent cell.
    hidden_size, num_layers : int
        Size of the recurrent stack.
    bidirectional : bool
        Read the sequences in both directions.
    dropout : float
        Dropout on the embedded input and between recurrent layers.
    pooling : {"last", "mean", "max", "attention"}
        How the per-step outputs become one vector: the final hidden state(s), or a
        masked mean, max or attention over the steps.
    vocab_size : int or None
        Number of token ids; ``None`` for numeric input.
    embedding_dim : int or None
        Embedding size for token input.
    input_size : int or None
        Features per step for numeric input.
    embedding_weights : ndarray of shape (vocab_size, embedding_dim), optional
        Initial embedding (pretrained vectors).
    freeze_embeddings : bool, default=False
        Keep the embedding fixed during training.
    conv_layers : int, default=0
        Numeric input only: a :class:`ConvFrontEnd` of this many convolutions
        (``conv_channels`` filters of ``conv_kernel_size`` steps, ReLU) between the input
        and the recurrent layers; 0 for none.
    conv_channels, conv_kernel_size : int, default=64, 5
        The front-end's filters per layer and their width in steps.
    """

    # Only the initial embedding: the trained state_dict replaces it (see RecordsInitArgs).
    _weight_init_args = frozenset({"embedding_weights"})

    def __init__(
        self,
        *,
        cell_type: str,
        hidden_size: int,
        num_layers: int,
        bidirectional: bool,
        dropout: float,
        pooling: str,
        vocab_size: int | None = None,
        embedding_dim: int | None = None,
        input_size: int | None = None,
        embedding_weights: np.ndarray | None = None,
        freeze_embeddings: bool = False,
        conv_layers: int = 0,
        conv_channels: int = 64,
        conv_kernel_size: int = 5,
    ) -> None:
        super().__init__()
        self.conv = None
        if vocab_size is not None:
            self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
            if embedding_weights is not None:
                self.embedding.weight.data.copy_(torch.as_tensor(embedding_weights))
            else:
                nn.init.uniform_(self.embedding.weight, -0.05, 0.05)
            self.embedding.weight.data[0] = 0.0
            self.embedding.weight.requires_grad_(not freeze_embeddings)
            rnn_input = embedding_dim
        else:
            self.embedding = None
            rnn_input = input_size
            if conv_layers:
                self.conv = ConvFrontEnd(input_size, conv_channels, conv_kernel_size,
                                         conv_layers)
                rnn_input = self.conv.output_size
        self.input_dropout = nn.Dropout(dropout)
        self.rnn = make_rnn(cell_type, rnn_input, hidden_size, num_layers, bidirectional, dropout)
        self.num_directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions
        self.pooling_mode = pooling
        self.pool = None if pooling == "last" else SequencePooling(pooling, self.output_size)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Encode ``x`` (``(B, T)`` ids or ``(B, T, F)`` floats) of the given lengths."""
        inputs = self.input_dropout(self.rnn_inputs(x, lengths))
        total = inputs.shape[1]
        lengths_cpu = lengths.cpu()
        padded = bool((lengths_cpu < total).any())
        mask = length_mask(lengths, total, device=inputs.device) if padded else None
        if padded and self._run_unpacked(inputs):
            outputs, final = run_padded(self.rnn, inputs, lengths_cpu)
            if self.pool is None:
                return torch.cat(list(final), dim=1)
            return self.pool(outputs, mask)
        if padded:
            packed = pack_padded_sequence(inputs, lengths_cpu, batch_first=True,
                                          enforce_sorted=False)
            outputs, state = self.rnn(packed)
        else:
            outputs, state = self.rnn(inputs)
        if self.pool is None:
            h_n = state[0] if isinstance(state, tuple) else state
            return torch.cat(list(h_n[-self.num_directions :]), dim=1)
        if padded:
            outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=total)
        return self.pool(outputs, mask)

    def rnn_inputs(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """What the recurrent stack reads for ``x`` (before the input dropout): the
        embedded token ids, the convolutional front-end's features, or ``x`` itself."""
        if self.embedding is not None:
            return self.embedding(x)
        if self.conv is not None:
            return self.conv(x, lengths)
        return x

    def _run_unpacked(self, inputs: torch.Tensor) -> bool:
        """Padded batches skip packing at inference on CPU, where packing is slow (see
        :func:`run_padded`); training and CUDA (cuDNN handles packed batches well) pack."""
        return (not self.training and inputs.device.type == "cpu"
                and supports_run_padded(self.rnn))


@register_module()
class SequenceModel(RecordsInitArgs, nn.Module):
    """A :class:`SequenceEncoder` followed by dropout and a linear output layer, with an
    optional linear path whose class probabilities are mixed with the encoder's: a model
    over the token n-grams (text) or over the summary statistics of numeric sequences.

    Parameters
    ----------
    n_outputs : int
        Classes (logits) or regression targets.
    dropout : float
        Dropout before the output layer (and inside the encoder).
    ngram_order : int, default=0
        Token input and classification only: longest n-gram of the linear path
        (:class:`NgramLinear`); 0 for no such path.
    summary_features : int, default=0
        Numeric input and classification only: features per step of the series whose
        summary statistics feed the linear path (:class:`SummaryStatsLinear`); 0 for no
        such path.
    summary_patch_length : int, default=1
        Steps of the series per step of ``x`` (its patches), for that path.
    **encoder_params
        Passed to :class:`SequenceEncoder`.

    Notes
    -----
    The path is fitted on its own (see :meth:`NgramLinear.fit_naive_bayes_logistic` and
    :meth:`SummaryStatsLinear.fit_logistic`) and stays fixed while the encoder trains. In
    training mode the module returns the encoder's logits alone, so the loss trains the
    encoder as if the path did not exist; in evaluation mode it returns the mixture
    ``(1 - share) * log_softmax(logits) + share * path_log_proba`` (a weighted geometric
    mean of the two models' probabilities), with the buffer ``ngram_share`` or
    ``summary_share`` (0 until the classifier sets it once training is over).
    """

    _weight_init_args = SequenceEncoder._weight_init_args

    def __init__(self, *, n_outputs: int, dropout: float, ngram_order: int = 0,
                 summary_features: int = 0, summary_patch_length: int = 1,
                 **encoder_params) -> None:
        super().__init__()
        self.encoder = SequenceEncoder(dropout=dropout, **encoder_params)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.output_size, n_outputs)
        self.ngrams = None
        if ngram_order:
            if encoder_params.get("vocab_size") is None:
                raise ValueError("an n-gram path needs token input (vocab_size).")
            self.ngrams = NgramLinear(encoder_params["vocab_size"], n_outputs, ngram_order)
            self.ngrams.requires_grad_(False)
            self.register_buffer("ngram_share", torch.zeros(()))
        self.summary = None
        if summary_features:
            if encoder_params.get("vocab_size") is not None:
                raise ValueError("a summary-statistics path needs numeric input.")
            self.summary = SummaryStatsLinear(summary_features, n_outputs,
                                              summary_patch_length)
            self.summary.requires_grad_(False)
            self.register_buffer("summary_share", torch.zeros(()))

    @property
    def path(self) -> NgramLinear | SummaryStatsLinear | None:
        """The linear path (n-grams or summary statistics), or None."""
        # modules pickled before the summary-statistics path have no ``summary``
        return self.ngrams if self.ngrams is not None else getattr(self, "summary", None)

    @property
    def path_share(self) -> torch.Tensor:
        """The buffer holding the path's weight in the mixture."""
        return self.ngram_share if self.ngrams is not None else self.summary_share

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Return ``(B, n_outputs)`` logits or predictions (see Notes for the path)."""
        logits = self.head(self.dropout(self.encoder(x, lengths)))
        if self.path is None or self.training:
            return logits
        return self.mix(*self.parts(x, lengths, logits))

    def parts(self, x: torch.Tensor, lengths: torch.Tensor,
              logits: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The encoder's log-probabilities and the linear path's, each ``(B, n_outputs)``."""
        if logits is None:
            logits = self.head(self.dropout(self.encoder(x, lengths)))
        path = self.path.log_proba(self.path(x, lengths).to(logits.dtype))
        return torch.log_softmax(logits, dim=1), path

    def mix(self, encoder_log_proba: torch.Tensor, path_log_proba: torch.Tensor,
            share: torch.Tensor | float | None = None) -> torch.Tensor:
        """``(1 - share) * encoder + share * path`` (``share`` defaults to the buffer)."""
        share = self.path_share if share is None else share
        return (1 - share) * encoder_log_proba + share * path_log_proba
