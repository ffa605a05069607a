"""The recurrent language model behind :class:`~sk_rnn.TextGenerator`.

An embedding, a unidirectional RNN/LSTM/GRU stack and an output layer over the vocabulary:
a full softmax (one linear layer), or an adaptive softmax (Grave et al., 2017,
:class:`torch.nn.AdaptiveLogSoftmaxWithLoss`) whose rare-token clusters are computed only
for the targets that fall in them, so that a word vocabulary of tens of thousands does not
dominate the cost. During training the module carries its recurrent state from one batch to the next
(truncated back-propagation through time): the batch loader marks the streams whose state
must start afresh, and the state is detached between batches so that gradients never
reach further back than one batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .._registry import register_module, register_reference
from .._streams import StreamLoader
from ._init_args import RecordsInitArgs
from .encoder import _CELL_FUNCTIONS, make_rnn, run_rnn

__all__ = ["LanguageModel", "TargetNLL", "TargetStreamLoader", "TokenCrossEntropy"]

SOFTMAXES = ("full", "adaptive")


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
    softmax : {"full", "adaptive"}, default="full"
        Output layer. ``"full"``: a linear layer over the vocabulary; :meth:`forward`
        returns logits. ``"adaptive"``: an adaptive softmax with ``cutoffs``; given the
        targets, :meth:`forward` computes only their clusters and returns their
        log-probabilities.
    cutoffs : sequence of int or None, default=None
        Cluster boundaries of the adaptive softmax, increasing, each in
        ``[1, vocab_size - 1]``, counted in output classes: class 0 is the last id (the
        document boundary of :class:`~sk_rnn.TextGenerator`, a frequent target) and class
        ``i + 1`` is id ``i``, so that with ids ordered by frequency the head holds the
        most frequent tokens. Required with ``softmax="adaptive"``.
    div_value : float, default=4.0
        Each tail cluster's projection is this many times narrower than the previous one.
    """

    def __init__(
        self,
        vocab_size: int,
        embedding_dim: int,
        cell_type: str,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        softmax: str = "full",
        cutoffs: tuple[int, ...] | list[int] | None = None,
        div_value: float = 4.0,
    ) -> None:
        super().__init__()
        if softmax not in SOFTMAXES:
            raise ValueError(f"softmax must be one of {list(SOFTMAXES)}, got {softmax!r}.")
        self.softmax = softmax
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
        if softmax == "full":
            self.output = nn.Linear(hidden_size, vocab_size)
        else:
            if not cutoffs:
                raise ValueError("softmax='adaptive' needs cutoffs, e.g. [2000, 10000].")
            self.output = nn.AdaptiveLogSoftmaxWithLoss(
                hidden_size, vocab_size, [int(c) for c in cutoffs], div_value=div_value
            )
        self._carry = None  # state handed from one training batch to the next

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_carry"] = None  # a training leftover, never part of the model
        return state

    def __setstate__(self, state):
        state.setdefault("softmax", "full")  # pickled before the adaptive softmax existed
        super().__setstate__(state)

    def hidden(self, x: torch.Tensor, state=None):
        """Outputs of the recurrent stack for every position of ``x`` (before the output
        layer's dropout) and the final state.

        Parameters
        ----------
        x : LongTensor of shape (batch, steps)
            Token ids.
        state : tensor, tuple of tensors or None
            Recurrent state to start from (``None``: zeros).

        Returns
        -------
        outputs : Tensor of shape (batch, steps, hidden_size)
        state : tensor or tuple of tensors
            The state after the last step.
        """
        return run_rnn(self.rnn, self.dropout(self.embedding(x)), state)

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Scores over every id for recurrent outputs ``hidden`` (``(..., hidden_size)``):
        logits of the full softmax, log-probabilities of the adaptive one (both are valid
        logits: a softmax of either gives the model's distribution)."""
        if self.softmax == "full":
            return self.output(hidden)
        flat = self.output.log_prob(hidden.reshape(-1, hidden.size(-1)))
        # output class 0 is the last id; class i + 1 is id i
        flat = torch.cat([flat[:, 1:], flat[:, :1]], dim=1)
        return flat.view(*hidden.shape[:-1], flat.size(-1))

    def target_log_prob(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Log-probability of each target id given recurrent outputs ``hidden``.

        Parameters
        ----------
        hidden : Tensor of shape (..., hidden_size)
        targets : LongTensor of shape (...)

        Returns
        -------
        Tensor of shape (...), float32
            With the adaptive softmax only the clusters of the targets are computed.
        """
        flat = hidden.reshape(-1, hidden.size(-1))
        flat_targets = targets.reshape(-1)
        if self.softmax == "full":
            out = -F.cross_entropy(self.output(flat).float(), flat_targets, reduction="none")
        else:
            classes = (flat_targets + 1) % self.output.n_classes
            out = self.output(flat.float(), classes).output
        return out.view(targets.shape)

    def nll_sum(self, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Summed negative log-likelihood (nats, a float32 scalar) of the target ids
        ``targets`` (``(n,)``) given recurrent outputs ``hidden`` (``(n, hidden_size)``)."""
        if self.softmax == "full":
            return F.cross_entropy(self.output(hidden).float(), targets, reduction="sum")
        return -self.target_log_prob(hidden, targets).sum()

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
            See :meth:`logits`.
        state : tensor or tuple of tensors
            The state after the last step.
        """
        outputs, state = self.hidden(x, state)
        return self.logits(self.dropout(outputs)), state

    def forward(
        self, x: torch.Tensor, reset: torch.Tensor, targets: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Training and validation pass with the state carried from the previous batch.

        Parameters
        ----------
        x : LongTensor of shape (batch, steps)
            One window of each of ``batch`` parallel streams of the corpus.
        reset : BoolTensor of shape (batch,)
            Streams that start here: their state starts at zero.
        targets : LongTensor of shape (batch, steps) or None, default=None
            The next tokens (given by :class:`TargetStreamLoader`): the adaptive softmax
            then computes only their clusters; ignored by the full softmax.

        Returns
        -------
        Tensor
            Full softmax: logits of the next token at every position, ``(batch, steps,
            vocab_size)`` (for :class:`TokenCrossEntropy`). Adaptive softmax with
            ``targets``: the log-probability of each target, ``(batch, steps)`` (for
            :class:`TargetNLL`); without: the log-probabilities of every id, ``(batch,
            steps, vocab_size)`` (what distillation compares with a teacher's).
        """
        state = self._carry
        if state is not None and _batch_of(state) != x.size(0):
            state = None
        if state is not None:  # zero the streams that restart (no host sync to check)
            keep = (~reset).view(1, -1, 1)
            state = _map_state(state, lambda s: s * keep.to(s.dtype))
        outputs, state = self.hidden(x, state)
        self._carry = _map_state(state, torch.Tensor.detach)
        outputs = self.dropout(outputs)
        if self.softmax == "full":
            return self.output(outputs)
        if targets is None:  # every id's log-probability (distillation), not the targets'
            return self.logits(outputs)
        return self.target_log_prob(outputs, targets)

    def clear_state(self) -> None:
        """Forget the state carried between training batches."""
        self._carry = None

    def stepper(self, state) -> TokenStepper:
        """A :class:`TokenStepper` that continues from ``state`` (as :meth:`run` returns
        it for a batch of one), for generation token by token."""
        return TokenStepper(self, state)


class TokenStepper:
    """Feeds a :class:`LanguageModel` one token at a time, in evaluation mode.

    What :meth:`LanguageModel.run` does for a single token of a batch of one, with the
    per-call work taken out of the loop: the layers' weights are looked up once, the
    state stays a list of per-layer tensors, the embedding row is a slice of the weight
    and evaluation-mode dropout is skipped. At character level that is a fifth of the
    time per token for a small model (benchmarks/RESULTS.md). A quantised embedding or
    output layer is called as a layer.

    Parameters
    ----------
    module : LanguageModel
        In evaluation mode; its recurrent stack must be float (it is never quantised:
        :func:`~sk_rnn._registry.register_module` declares it step-wise).
    state : tensor or tuple of tensors
        The state after the tokens read so far, ``(num_layers, 1, hidden_size)`` each.
    """

    def __init__(self, module: LanguageModel, state) -> None:
        rnn = module.rnn
        self.module = module
        self.cell = _CELL_FUNCTIONS[rnn.mode]
        self.layers = [tuple(getattr(rnn, f"{name}_l{layer}") for name in
                             ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                       for layer in range(rnn.num_layers)]
        self.lstm = isinstance(state, tuple)
        h, c = state if self.lstm else (state, None)
        self.h = list(h.unbind(0))
        self.device = h.device
        self.c = list(c.unbind(0)) if self.lstm else None
        embedding = module.embedding
        self.embedding = embedding.weight if type(embedding) is nn.Embedding else None
        output = module.output
        self.output = ((output.weight, output.bias)
                       if module.softmax == "full" and type(output) is nn.Linear else None)

    def __call__(self, token: int) -> torch.Tensor:
        """Read ``token``; return the scores of the next one, ``(vocab_size,)`` (see
        :meth:`LanguageModel.logits`)."""
        if self.embedding is not None:
            x = self.embedding[token : token + 1]
        else:
            x = self.module.embedding(torch.tensor([token], device=self.device))
        for layer, weights in enumerate(self.layers):
            if self.lstm:
                x, self.c[layer] = self.cell(x, (self.h[layer], self.c[layer]), *weights)
            else:
                x = self.cell(x, self.h[layer], *weights)
            self.h[layer] = x
        if self.output is not None:
            return F.linear(x, *self.output)[0]
        return self.module.logits(x)[0]


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


@register_reference
class TargetNLL(nn.Module):
    """Mean negative log-likelihood, in nats per token, from the targets'
    log-probabilities (what :class:`LanguageModel` with an adaptive softmax returns); the
    targets themselves are not needed again."""

    def forward(self, target_log_probs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean loss over every position."""
        return -target_log_probs.float().mean()


@register_reference
class TargetStreamLoader(StreamLoader):
    """:class:`~sk_rnn._streams.StreamLoader` that also hands the targets to the module
    (``{"x", "reset", "targets"}``), for the adaptive softmax, which computes the loss of
    a target's cluster only."""

    def __iter__(self):
        for inputs, y in super().__iter__():
            yield {**inputs, "targets": y}, y
