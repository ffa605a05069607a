"""The encoder-decoder behind :class:`~sk_rnn.Seq2SeqTranslator`: a (bidirectional)
recurrent encoder, an attention decoder, the sequence loss and batched greedy and beam
decoding.

Target ids follow :class:`~sk_rnn.TextVectorizer` (0 padding, 1 unknown, then the
vocabulary); the model adds end-of-sentence ``EOS = n_target_tokens`` and
beginning-of-sentence ``BOS = n_target_tokens + 1``. The output layer scores ids
``0 .. EOS``; padding is never predicted.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .._registry import register_module, register_reference
from ._init_args import RecordsInitArgs
from .encoder import make_rnn, run_rnn
from .pooling import length_mask

__all__ = ["ATTENTIONS", "Seq2SeqModel", "SequenceCrossEntropy"]

ATTENTIONS = ("bahdanau", "luong", None)


class BahdanauAttention(nn.Module):
    """Additive attention, ``v . tanh(W_q q + W_k k)`` (Bahdanau et al., 2015)."""

    def __init__(self, query_size: int, memory_size: int, size: int) -> None:
        super().__init__()
        self.key_layer = nn.Linear(memory_size, size, bias=False)
        self.query_layer = nn.Linear(query_size, size, bias=False)
        self.energy = nn.Linear(size, 1, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """Project the encoder outputs once per batch: ``(B, S, size)``."""
        return self.key_layer(memory)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """``(B, T, S)`` scores of ``(B, T, query_size)`` queries."""
        hidden = torch.tanh(self.query_layer(query).unsqueeze(2) + keys.unsqueeze(1))
        return self.energy(hidden).squeeze(-1)


class LuongAttention(nn.Module):
    """Multiplicative ("general") attention, ``q . W k`` (Luong et al., 2015)."""

    def __init__(self, query_size: int, memory_size: int) -> None:
        super().__init__()
        self.key_layer = nn.Linear(memory_size, query_size, bias=False)

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """Project the encoder outputs once per batch: ``(B, S, query_size)``."""
        return self.key_layer(memory)

    def scores(self, query: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """``(B, T, S)`` scores of ``(B, T, query_size)`` queries."""
        return torch.bmm(query, keys.transpose(1, 2))


def _attend(attention, query, keys, memory, mask):
    """Context vectors ``(B, T, memory_size)`` and weights ``(B, T, S)``."""
    scores = attention.scores(query, keys).masked_fill(~mask.unsqueeze(1), float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return torch.bmm(weights, memory), weights


@register_module(stepwise=("decoder",))
class Seq2SeqModel(RecordsInitArgs, nn.Module):
    """A recurrent encoder-decoder with optional attention.

    Parameters
    ----------
    source_vocab_size : int
        Source token ids (padding and unknown included).
    target_vocab_size : int
        Target token ids (padding and unknown included); ``EOS`` and ``BOS`` are added.
    embedding_dim : int
        Embedding size of both sides.
    cell_type : {"rnn", "lstm", "gru"}
        Recurrent cell of encoder and decoder.
    hidden_size : int
        Units per direction and layer of the encoder, and of the decoder.
    num_layers : int
        Layers of the encoder and of the decoder.
    bidirectional : bool
        Bidirectional encoder.
    dropout : float
        Dropout on embeddings, between layers and before the output layer.
    attention : {"bahdanau", "luong", None}
        ``"bahdanau"``: additive attention queried with the previous decoder state, the
        context enters the recurrent input. ``"luong"``: multiplicative attention queried
        with the current decoder state; the attentional vector ``tanh(W [c; h])`` feeds the
        output layer (and, with ``input_feeding``, the next step's input). ``None``: no
        attention; the encoder's final state initialises the decoder and is fed at every
        step.
    input_feeding : bool
        Luong attention only: feed the previous attentional vector to the decoder.
        Without it the teacher-forced decoder runs in one pass over the target.
    teacher_forcing : float
        Probability of feeding the true previous token in training; below 1 the model's
        own prediction is fed otherwise (scheduled sampling), step by step.
    """

    def __init__(
        self,
        *,
        source_vocab_size: int,
        target_vocab_size: int,
        embedding_dim: int,
        cell_type: str,
        hidden_size: int,
        num_layers: int,
        bidirectional: bool,
        dropout: float,
        attention: str | None,
        input_feeding: bool = True,
        teacher_forcing: float = 1.0,
    ) -> None:
        super().__init__()
        if attention not in ATTENTIONS:
            raise ValueError(f"attention must be one of {list(ATTENTIONS)}, got {attention!r}.")
        self.eos = target_vocab_size
        self.bos = target_vocab_size + 1
        self.attention_mode = attention
        self.input_feeding = bool(input_feeding) and attention == "luong"
        self.teacher_forcing = float(teacher_forcing)
        self.cell_type = cell_type
        self.num_layers = num_layers
        self.num_directions = 2 if bidirectional else 1
        memory_size = hidden_size * self.num_directions

        self.source_embedding = nn.Embedding(source_vocab_size, embedding_dim, padding_idx=0)
        self.target_embedding = nn.Embedding(target_vocab_size + 2, embedding_dim, padding_idx=0)
        for embedding in (self.source_embedding, self.target_embedding):
            nn.init.normal_(embedding.weight, std=embedding_dim**-0.5)
            embedding.weight.data[0] = 0.0
        self.dropout = nn.Dropout(dropout)
        self.encoder = make_rnn(cell_type, embedding_dim, hidden_size, num_layers,
                                bidirectional, dropout)
        self.bridge = nn.Linear(memory_size, hidden_size)

        if attention == "bahdanau":
            self.attention = BahdanauAttention(hidden_size, memory_size, hidden_size)
            decoder_input = embedding_dim + memory_size
        elif attention == "luong":
            self.attention = LuongAttention(hidden_size, memory_size)
            decoder_input = embedding_dim + (hidden_size if self.input_feeding else 0)
        else:
            self.attention = None
            decoder_input = embedding_dim + memory_size
        self.decoder = make_rnn(cell_type, decoder_input, hidden_size, num_layers, False, dropout)
        self.combine = nn.Linear(hidden_size + memory_size, hidden_size)
        self.generator = nn.Linear(hidden_size, target_vocab_size + 1)
        self.hidden_size = hidden_size

    # -- encoder ------------------------------------------------------------------------
    def encode(self, src: torch.Tensor, src_lengths: torch.Tensor) -> dict:
        """Encode ``(B, S)`` source ids; returns the memory the decoder reads."""
        embedded = self.dropout(self.source_embedding(src))
        lengths_cpu = src_lengths.cpu()
        total = src.shape[1]
        padded = bool((lengths_cpu < total).any())
        if padded:
            packed = pack_padded_sequence(embedded, lengths_cpu, batch_first=True,
                                          enforce_sorted=False)
            outputs, state = self.encoder(packed)
            outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=total)
        else:
            outputs, state = self.encoder(embedded)
        mask = length_mask(src_lengths, total, device=src.device)
        state = self._bridge(state)
        memory = {"memory": outputs, "mask": mask}
        if self.attention is not None:
            memory["keys"] = self.attention.keys(outputs)
        else:
            # The last layer's final states, both directions: a fixed summary of the source.
            h_n = state["final"]
            memory["summary"] = h_n
        decoder_state = {"hidden": state["hidden"]}
        if self.input_feeding:
            decoder_state["feed"] = outputs.new_zeros(src.shape[0], self.hidden_size)
        return memory, decoder_state

    def _bridge(self, state) -> dict:
        """Initial decoder state from the encoder's final states (per layer)."""
        def bridge(h):  # (L * D, B, H) -> (L, B, H)
            h = h.view(self.num_layers, self.num_directions, *h.shape[1:])
            h = torch.cat(list(h.unbind(1)), dim=-1)
            return torch.tanh(self.bridge(h)), h

        if isinstance(state, tuple):
            hidden, final = bridge(state[0])
            cell, _ = bridge(state[1])
            return {"hidden": (hidden.contiguous(), cell.contiguous()), "final": final[-1]}
        hidden, final = bridge(state)
        return {"hidden": hidden.contiguous(), "final": final[-1]}

    # -- decoder ------------------------------------------------------------------------
    def _query(self, hidden) -> torch.Tensor:
        h = hidden[0] if isinstance(hidden, tuple) else hidden
        return h[-1]

    def _output(self, rnn_out, context) -> torch.Tensor:
        """The attentional vector ``tanh(W [h; c])``."""
        return torch.tanh(self.combine(torch.cat([rnn_out, context], dim=-1)))

    def step(self, tokens: torch.Tensor, state: dict, memory: dict):
        """One decoder step for ``(B,)`` previous tokens.

        Returns
        -------
        logits : Tensor of shape (B, n_outputs)
        state : dict
            The new decoder state.
        weights : Tensor of shape (B, S) or None
            The attention weights of this step.
        """
        embedded = self.dropout(self.target_embedding(tokens)).unsqueeze(1)
        out, state, weights = self._decode_steps(embedded, state, memory)
        return self.generator(self.dropout(out.squeeze(1))), state, (
            None if weights is None else weights.squeeze(1)
        )

    def _run_decoder(self, inputs, hidden):
        """The decoder's recurrent stack over ``(B, T, F)`` inputs (see :func:`run_rnn`:
        single steps run through the cell functions)."""
        return run_rnn(self.decoder, inputs, hidden)

    def _decode_steps(self, embedded, state, memory):
        """Run the decoder over ``(B, T, E)`` embedded inputs that need no feedback from
        one step to the next (``T`` is 1 when they do)."""
        hidden = state["hidden"]
        mode = self.attention_mode
        if mode == "bahdanau":
            query = self._query(hidden).unsqueeze(1)
            context, weights = _attend(self.attention, query, memory["keys"],
                                       memory["memory"], memory["mask"])
            rnn_out, hidden = self._run_decoder(torch.cat([embedded, context], dim=-1), hidden)
            out = self._output(rnn_out, context)
            return out, {"hidden": hidden}, weights
        if mode == "luong":
            inputs = embedded
            if self.input_feeding:
                inputs = torch.cat([embedded, state["feed"].unsqueeze(1)], dim=-1)
            rnn_out, hidden = self._run_decoder(inputs, hidden)
            context, weights = _attend(self.attention, rnn_out, memory["keys"],
                                       memory["memory"], memory["mask"])
            out = self._output(rnn_out, context)
            new_state = {"hidden": hidden}
            if self.input_feeding:
                new_state["feed"] = out[:, -1]
            return out, new_state, weights
        summary = memory["summary"].unsqueeze(1).expand(-1, embedded.shape[1], -1)
        rnn_out, hidden = self._run_decoder(torch.cat([embedded, summary], dim=-1), hidden)
        return self._output(rnn_out, summary), {"hidden": hidden}, None

    def _one_pass(self) -> bool:
        """Whether the teacher-forced decoder can run over the whole target at once."""
        stepwise = self.attention_mode == "bahdanau" or self.input_feeding
        return not stepwise and not (self.training and self.teacher_forcing < 1.0)

    def forward(self, src, src_lengths, tgt_in) -> torch.Tensor:
        """Teacher-forced scores of the target tokens.

        Parameters
        ----------
        src : Tensor of shape (B, S)
            Padded source ids.
        src_lengths : Tensor of shape (B,)
            Source lengths.
        tgt_in : Tensor of shape (B, T)
            ``BOS`` followed by the target ids, padded with 0.

        Returns
        -------
        Tensor of shape (n_target_tokens, n_outputs)
            Logits for every non-padding position of ``tgt_in``, in row-major order (the
            order of ``tgt_out[tgt_out != 0]``).
        """
        memory, state = self.encode(src, src_lengths)
        embedded = self.dropout(self.target_embedding(tgt_in))
        if self._one_pass():
            outputs, _, _ = self._decode_steps(embedded, state, memory)
        else:
            outputs = self._decode_stepwise(tgt_in, embedded, state, memory)
        keep = tgt_in != 0
        return self.generator(self.dropout(outputs[keep]))

    def _decode_stepwise(self, tgt_in, embedded, state, memory):
        sample = self.training and self.teacher_forcing < 1.0
        outputs = []
        step_input = embedded[:, 0:1]
        for t in range(tgt_in.shape[1]):
            out, state, _ = self._decode_steps(step_input, state, memory)
            outputs.append(out)
            if t + 1 == tgt_in.shape[1]:
                break
            step_input = embedded[:, t + 1 : t + 2]
            if sample:
                use_model = torch.rand(tgt_in.shape[0], 1, 1, device=tgt_in.device) >= (
                    self.teacher_forcing
                )
                with torch.no_grad():
                    predicted = self.generator(out.squeeze(1))
                    predicted[:, 0] = float("-inf")
                    predicted = predicted.argmax(-1)
                own = self.dropout(self.target_embedding(predicted)).unsqueeze(1)
                step_input = torch.where(use_model, own, step_input)
        return torch.cat(outputs, dim=1)

    # -- inference ----------------------------------------------------------------------
    @staticmethod
    def _select(state: dict, index: torch.Tensor) -> dict:
        """The decoder state of the hypotheses at ``index`` (batch positions)."""
        out = {}
        for key, value in state.items():
            if key == "hidden":
                if isinstance(value, tuple):
                    out[key] = tuple(v.index_select(1, index) for v in value)
                else:
                    out[key] = value.index_select(1, index)
            else:
                out[key] = value.index_select(0, index)
        return out

    def _next_scores(self, logits: torch.Tensor) -> torch.Tensor:
        logp = torch.log_softmax(logits.float(), dim=-1)
        logp[:, 0] = float("-inf")  # never padding
        return logp

    @torch.no_grad()
    def greedy_decode(self, src, src_lengths, max_length: int, return_attention=False):
        """Decode a batch greedily.

        Returns
        -------
        tokens : list of list of int
            Output ids per sentence, without ``EOS``.
        attention : list of Tensor of shape (T_i, S_i) or None
        """
        memory, state = self.encode(src, src_lengths)
        batch = src.shape[0]
        tokens = torch.full((batch,), self.bos, dtype=torch.long, device=src.device)
        done = torch.zeros(batch, dtype=torch.bool, device=src.device)
        history, weights_history = [], []
        for _ in range(max_length):
            logits, state, weights = self.step(tokens, state, memory)
            tokens = self._next_scores(logits).argmax(-1)
            tokens = tokens.masked_fill(done, 0)
            history.append(tokens)
            if return_attention and weights is not None:
                weights_history.append(weights)
            done = done | (tokens == self.eos)
            if bool(done.all()):
                break
        ids = torch.stack(history, 1).cpu().tolist()
        out = [_until_eos(row, self.eos) for row in ids]
        if not return_attention or not weights_history:
            return out, None
        attn = torch.stack(weights_history, 1).float().cpu()
        lengths = src_lengths.cpu().tolist()
        return out, [attn[i, : len(out[i]), : lengths[i]] for i in range(batch)]

    @torch.no_grad()
    def beam_search(self, src, src_lengths, beam_size: int, max_length: int,
                    length_penalty: float, return_attention=False):
        """Batched beam search with a length penalty.

        Every sentence of the batch keeps ``beam_size`` hypotheses; a hypothesis that
        ends in ``EOS`` is finished with the score ``log p / lp``, where
        ``lp = ((5 + length) / 6) ** length_penalty`` (Wu et al., 2016; 0 leaves the raw
        log-probability). A sentence is done when it has ``beam_size`` finished
        hypotheses; at ``max_length`` the open ones are finished as they are.

        Returns
        -------
        tokens : list of list of int
            Best output ids per sentence, without ``EOS``.
        attention : list of Tensor of shape (T_i, S_i) or None
        """
        memory, state = self.encode(src, src_lengths)
        batch, k = src.shape[0], beam_size
        device = src.device
        expand = torch.arange(batch, device=device).repeat_interleave(k)
        memory = {key: value.index_select(0, expand) for key, value in memory.items()}
        state = self._select(state, expand)
        scores = torch.zeros(batch, k, device=device)
        scores[:, 1:] = float("-inf")  # all beams start identical: keep one
        tokens = torch.full((batch * k,), self.bos, dtype=torch.long, device=device)
        history = torch.empty(batch * k, 0, dtype=torch.long, device=device)
        attn_history = None
        finished: list[list[tuple[float, list[int], object]]] = [[] for _ in range(batch)]
        done = [False] * batch
        offsets = (torch.arange(batch, device=device) * k).unsqueeze(1)

        def penalty(length: int) -> float:
            return ((5.0 + length) / 6.0) ** length_penalty

        for t in range(max_length):
            logits, state, weights = self.step(tokens, state, memory)
            logp = self._next_scores(logits)
            n_out = logp.shape[1]
            candidates = (scores.view(-1, 1) + logp).view(batch, k * n_out)
            top_scores, top_index = candidates.topk(min(2 * k, k * n_out), dim=1)
            beam_of = top_index // n_out
            token_of = top_index % n_out
            is_eos = token_of == self.eos
            if t + 1 == max_length:
                is_eos = torch.ones_like(is_eos)  # finish everything at the limit
            if return_attention and weights is not None:
                step_attn = weights.unsqueeze(1)
                attn_history = step_attn if attn_history is None else torch.cat(
                    [attn_history, step_attn], 1)
            # Finished hypotheses: only those ranked among the first k count.
            eos_rows, eos_cols = torch.nonzero(is_eos[:, :k], as_tuple=True)
            if len(eos_rows):
                lp = penalty(t + 1)
                rows, cols = eos_rows.tolist(), eos_cols.tolist()
                sc = top_scores[eos_rows, eos_cols].tolist()
                src_beam = (beam_of[eos_rows, eos_cols] + eos_rows * k).tolist()
                for row, col, score, hyp in zip(rows, cols, sc, src_beam, strict=True):
                    if done[row] or score == float("-inf"):
                        continue
                    seq = history[hyp].tolist()
                    if t + 1 == max_length and int(token_of[row, col]) != self.eos:
                        seq.append(int(token_of[row, col]))
                    attn = None if attn_history is None else attn_history[hyp]
                    finished[row].append((score / lp, seq, attn))
            for row in range(batch):
                if not done[row] and len(finished[row]) >= k:
                    done[row] = True
            if all(done) or t + 1 == max_length:
                break
            # Continue with the best k hypotheses that did not end.
            alive = (~is_eos).float()
            order = torch.sort(alive, dim=1, descending=True, stable=True).indices[:, :k]
            scores = top_scores.gather(1, order)
            next_tokens = token_of.gather(1, order)
            chosen = (beam_of.gather(1, order) + offsets).view(-1)
            state = self._select(state, chosen)
            history = torch.cat([history.index_select(0, chosen), next_tokens.view(-1, 1)], 1)
            if attn_history is not None:
                attn_history = attn_history.index_select(0, chosen)
            tokens = next_tokens.view(-1)
        lengths = src_lengths.cpu().tolist()
        out, attentions = [], []
        for row in range(batch):
            best = max(finished[row], key=lambda item: item[0])
            out.append(best[1])
            if best[2] is not None:
                attentions.append(best[2][: len(best[1]), : lengths[row]].float().cpu())
        return out, (attentions if return_attention and attentions else None)


def _until_eos(ids: list[int], eos: int) -> list[int]:
    return ids[: ids.index(eos)] if eos in ids else ids


@register_reference
class SequenceCrossEntropy(nn.Module):
    """Cross-entropy over the non-padding target tokens, with label smoothing.

    Parameters
    ----------
    label_smoothing : float, default=0.0
        Mass spread uniformly over all outputs (Szegedy et al., 2016).
    """

    def __init__(self, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, tgt_out: torch.Tensor) -> torch.Tensor:
        """Mean loss of ``(N, n_outputs)`` logits against ``tgt_out[tgt_out != 0]``."""
        targets = tgt_out[tgt_out != 0]
        return F.cross_entropy(logits.float(), targets, label_smoothing=self.label_smoothing)
