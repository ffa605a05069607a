"""The recurrent language model behind :class:`~sk_rnn.TextGenerator`.

An embedding, a unidirectional RNN/LSTM/GRU stack and a linear layer over the vocabulary.
During training the module carries its recurrent state from one batch to the next
(truncated back-propagation through time): the batch loader marks the streams whose state
must start afresh, and the state is detached between batches so that gradients never
reach further back than one batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._registry import register_module, register_reference
from ._init_args import RecordsInitArgs
from .encoder import make_rnn, run_rnn

__all__ = ["LanguageModel", "TokenCrossEntropy"]


@register_module(stepwise=("rnn",))
class LanguageModel(RecordsInitArgs, nn.Module):
    """Next-token model: embedding, recurrent stack, dropout and a linear output layer.

    Parameters
    ----------
    vocab_size : int
        Number of token ids, both in the input and in the output.
    embedding_dim : int
        Token embedding size.
    cell_type : {"rnn", "lstm", "gru"}
        Recurrent cell.
    hidden_size, num_layers : int
        Size of the recurrent stack.
    dropout : float
        Dropout on the embedded input, between recurrent layers and before the output
        layer.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        cell_type: str,
        hidden_size: int,
        num_layers: int,
        dropout: float,
    ) -> None:
        super().__init__()
        # PyTorch's N(0, 1) embedding: with Keras's uniform(-0.05, 0.05) the inputs are so
        # small that a character model stays at the unigram loss far longer
        # (benchmarks/RESULTS.md).
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        # PyTorch's own recurrent initialisation, not make_rnn's Keras-style one: with
        # orthogonal/Xavier weights and forget bias 1 the same model trains far slower
        # (benchmarks/RESULTS.md).
        self.rnn = make_rnn(cell_type, embedding_dim, hidden_size, num_layers,
                            bidirectional=False, dropout=dropout, init="torch")
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, vocab_size)
        self._carry = None  # state handed from one training batch to the next

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_carry"] = None  # a training leftover, never part of the model
        return state

    def run(self, x: torch.Tensor, state=None):
        """Logits for every position of ``x`` and the final recurrent state.

        Parameters
        ----------
        x : LongTensor of shape (batch, steps)
            Token ids.
        state : tensor, tuple of tensors or None
            Recurrent state to start from (``None``: zeros).

        Returns
        -------
        logits : Tensor of shape (batch, steps, vocab_size)
        state : tensor or tuple of tensors
            The state after the last step.
        """
        outputs, state = run_rnn(self.rnn, self.dropout(self.embedding(x)), state)
        return self.output(self.dropout(outputs)), state

    def forward(self, x: torch.Tensor, reset: torch.Tensor) -> torch.Tensor:
        """Training and validation pass with the state carried from the previous batch.

        Parameters
        ----------
        x : LongTensor of shape (batch, steps)
            One window of each of ``batch`` parallel streams of the corpus.
        reset : BoolTensor of shape (batch,)
            Streams that start here: their state starts at zero.

        Returns
        -------
        Tensor of shape (batch, steps, vocab_size)
            Logits of the next token at every position.
        """
        state = self._carry
        if state is not None and _batch_of(state) != x.size(0):
            state = None
        if state is not None:  # zero the streams that restart (no host sync to check)
            keep = (~reset).view(1, -1, 1)
            state = _map_state(state, lambda s: s * keep.to(s.dtype))
        logits, state = self.run(x, state)
        self._carry = _map_state(state, torch.Tensor.detach)
        return logits

    def clear_state(self) -> None:
        """Forget the state carried between training batches."""
        self._carry = None


def _batch_of(state) -> int:
    return (state[0] if isinstance(state, tuple) else state).size(1)


def _map_state(state, fn):
    if isinstance(state, tuple):
        return tuple(fn(s) for s in state)
    return fn(state)


@register_reference
class TokenCrossEntropy(nn.Module):
    """Mean cross-entropy of ``(batch, steps, vocab)`` logits against ``(batch, steps)``
    target ids, in nats per token."""

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean loss over every position."""
        return F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())
