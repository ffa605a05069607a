"""The recurrent sequence encoder: embedding or raw features, an RNN/LSTM/GRU stack and
masked pooling, plus the small prediction model built on it."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._init_args import RecordsInitArgs
from .pooling import SequencePooling, length_mask

__all__ = ["CELLS", "SequenceEncoder", "SequenceModel", "make_rnn", "run_rnn"]

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
) -> nn.RNNBase:
    """Build a batch-first ``nn.RNN``/``nn.LSTM``/``nn.GRU`` with Keras-style initialisation.

    Recurrent weights are orthogonal, input weights Xavier-uniform, biases zero and the
    LSTM forget-gate bias 1, which trains faster and more reliably on text than PyTorch's
    uniform default.
    """
    rnn = CELLS[cell_type](
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
        dropout=dropout if num_layers > 1 else 0.0,
    )
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
    (``torch.lstm_cell`` ...) on the stack's own weights: on CPU that is about 2.5 times
    faster than calling the oneDNN-backed ``nn.LSTM`` on a sequence of length 1, which
    matters wherever decoding goes token by token. Anything else goes to ``rnn`` itself.

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


class SequenceEncoder(RecordsInitArgs, nn.Module):
    """Encode a padded batch of sequences to one vector per sequence.

    Token ids go through an embedding, numeric sequences straight into the recurrent
    stack. A batch whose sequences all have the same length runs unpacked (one fused
    kernel); a batch with padding is packed, so the recurrence never sees a padded step
    and a bidirectional encoder reads every sequence from its real end.

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
    ) -> None:
        super().__init__()
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
        self.input_dropout = nn.Dropout(dropout)
        self.rnn = make_rnn(cell_type, rnn_input, hidden_size, num_layers, bidirectional, dropout)
        self.num_directions = 2 if bidirectional else 1
        self.output_size = hidden_size * self.num_directions
        self.pooling_mode = pooling
        self.pool = None if pooling == "last" else SequencePooling(pooling, self.output_size)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Encode ``x`` (``(B, T)`` ids or ``(B, T, F)`` floats) of the given lengths."""
        inputs = self.input_dropout(self.embedding(x) if self.embedding is not None else x)
        total = inputs.shape[1]
        lengths_cpu = lengths.cpu()
        padded = bool((lengths_cpu < total).any())
        if padded:
            packed = pack_padded_sequence(inputs, lengths_cpu, batch_first=True,
                                          enforce_sorted=False)
            outputs, state = self.rnn(packed)
        else:
            outputs, state = self.rnn(inputs)
        if self.pool is None:
            h_n = state[0] if isinstance(state, tuple) else state
            return torch.cat(list(h_n[-self.num_directions :]), dim=1)
        mask = None
        if padded:
            outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=total)
            mask = length_mask(lengths, total, device=outputs.device)
        return self.pool(outputs, mask)


class SequenceModel(RecordsInitArgs, nn.Module):
    """A :class:`SequenceEncoder` followed by dropout and a linear output layer.

    Parameters
    ----------
    n_outputs : int
        Classes (logits) or regression targets.
    dropout : float
        Dropout before the output layer (and inside the encoder).
    **encoder_params
        Passed to :class:`SequenceEncoder`.
    """

    _weight_init_args = SequenceEncoder._weight_init_args

    def __init__(self, *, n_outputs: int, dropout: float, **encoder_params) -> None:
        super().__init__()
        self.encoder = SequenceEncoder(dropout=dropout, **encoder_params)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.encoder.output_size, n_outputs)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Return ``(B, n_outputs)`` logits or predictions."""
        return self.head(self.dropout(self.encoder(x, lengths)))
