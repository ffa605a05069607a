"""A linear model over a token sequence's binary n-gram features (words and longer
n-grams, each with an exact id): the path fitted beside a recurrent encoder and mixed with
it."""

from __future__ import annotations

import numpy as np
import torch
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from torch import nn

from .._sequences import length_batches

__all__ = ["NgramLinear", "ngram_ids"]

# N-gram ids are taken modulo 2**63, so that they stay non-negative int64 values.
_ID_MASK = (1 << 63) - 1


def ngram_ids(
    x: torch.Tensor, lengths: torch.Tensor, order: int, vocab_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Feature ids of every n-gram (n = 1 .. ``order``) of a padded batch of token ids.

    A unigram's id is its token id. The n-gram ``(a_1, ..., a_n)`` of order ``n >= 2`` gets
    ``V + V**2 + ... + V**(n-1) + sum_i a_i * V**(n-i)`` with ``V = vocab_size``: the
    orders follow one another and, within an order, the id spells the tokens in base
    ``V``. So two different n-grams never share an id while ``V**order`` stays below
    ``2**63`` (a vocabulary of 3 billion tokens for bigrams, 2 million for trigrams);
    beyond that the int64 arithmetic wraps and the ids become a 63-bit hash, where a
    collision is still unlikely. The ids are the same on every device.

    Parameters
    ----------
    x : LongTensor of shape (B, T)
        Right-padded token ids.
    lengths : Tensor of shape (B,)
        Real length of every sequence.
    order : int
        Longest n-gram.
    vocab_size : int
        Ids below ``vocab_size`` are tokens; the ids of longer n-grams follow them.

    Returns
    -------
    ids : LongTensor of shape (B, N)
        The n-gram ids of all orders, side by side (``N = order * T - order * (order - 1) / 2``).
    valid : BoolTensor of shape (B, N)
        True where the n-gram lies wholly inside the sequence's real steps.
    """
    total = x.shape[1]
    steps = torch.arange(total, device=x.device)
    lengths = lengths.to(x.device)
    ids, valid = [x], [steps[None, :] < lengths[:, None]]
    spelled, offset = x, 0
    for n in range(2, min(order, total) + 1):
        offset += vocab_size ** (n - 1)  # the ids of all shorter orders come first
        spelled = spelled[:, :-1] * vocab_size + x[:, n - 1:]  # wraps beyond 2**63
        ids.append((spelled + (offset & _ID_MASK)) & _ID_MASK)
        valid.append(steps[None, : total - n + 1] < (lengths[:, None] - n + 1))
    return torch.cat(ids, dim=1), torch.cat(valid, dim=1)


class NgramLinear(nn.Module):
    """A linear model over the binary n-gram features of each sequence: scores are the
    sum of the weight vectors of the distinct n-grams it contains, plus a bias.

    Parameters
    ----------
    vocab_size : int
        Token ids (id 0 is padding).
    n_outputs : int
        Scores per sequence.
    order : int
        Longest n-gram (1: words only).

    Notes
    -----
    The weights start at zero; :meth:`fit_naive_bayes_logistic` fits them as NB-LR (the
    logistic-regression form of NB-SVM, Wang and Manning 2012), and
    :meth:`partial_fit_naive_bayes_logistic` chunk by chunk. The features are binary:
    an n-gram that occurs twice in a sequence counts once. Only the n-grams seen in the
    fit get a row of the weight table (``feature_ids`` lists them); every other n-gram
    scores zero, so the model's size follows the training data, not the number of
    possible n-grams.
    """

    def __init__(self, vocab_size: int, n_outputs: int, order: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.order = order
        # Sorted ids of the n-grams that have weights; row r + 1 of the table holds the
        # weights of feature_ids[r], row 0 (every other n-gram, padding) stays zero. So
        # the table grows with the n-grams seen in training, not with the id space.
        # No random draws here: a network built with the path trains exactly as it
        # would without it (same initial weights, dropout masks and batch order).
        self.register_buffer("feature_ids", torch.zeros(0, dtype=torch.long))
        self.weight = nn.Embedding.from_pretrained(torch.zeros(1, n_outputs), freeze=False)
        self.bias = nn.Parameter(torch.zeros(n_outputs))

    def _set_table(self, feature_ids: torch.Tensor, n_rows: int) -> None:
        """Resize the weight table to ``n_rows`` (zeros) for sorted ``feature_ids``."""
        device = self.bias.device
        self.feature_ids = feature_ids.to(device=device, dtype=torch.long)
        # from_pretrained: no random initialisation (loading must not draw numbers)
        self.weight = nn.Embedding.from_pretrained(
            torch.zeros(n_rows, self.bias.shape[0], device=device, dtype=self.bias.dtype),
            freeze=not self.bias.requires_grad,
        )

    def weights_of(self, ids: torch.Tensor) -> torch.Tensor:
        """The ``(len(ids), n_outputs)`` weights of n-gram ids (zero where the fit saw
        none)."""
        return self.weight(self._rows(torch.as_tensor(ids, dtype=torch.long)))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs) -> None:
        # The table's size is learnt in fit: take it from the state being loaded.
        ids = state_dict.get(prefix + "feature_ids")
        table = state_dict.get(prefix + "weight.weight")
        if ids is not None and table is not None and isinstance(self.weight, nn.Embedding) \
                and table.shape != self.weight.weight.shape:
            self._set_table(ids, table.shape[0])
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _rows(self, ids: torch.Tensor) -> torch.Tensor:
        """Table rows of n-gram ids: ``1 + position`` in ``feature_ids``, else 0."""
        known = self.feature_ids
        if known.numel() == 0:
            return torch.zeros_like(ids)
        position = torch.searchsorted(known, ids).clamp_(max=known.numel() - 1)
        hit = known[position] == ids  # padding, id 0, is never among them
        return torch.where(hit, position + 1, torch.zeros_like(position))

    def _distinct_ids(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, N)`` n-gram ids with repeats within a row and padding replaced by 0 (the
        padding id, whose weights are zero)."""
        ids, valid = ngram_ids(x, lengths, self.order, self.vocab_size)
        ids = torch.where(valid, ids, torch.zeros_like(ids)).sort(dim=1).values
        repeat = torch.zeros_like(ids, dtype=torch.bool)
        repeat[:, 1:] = ids[:, 1:] == ids[:, :-1]
        return ids.masked_fill(repeat, 0)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, n_outputs)`` scores of the token-id batch ``x`` (``(B, T)``)."""
        # A quantised table is called, not indexed: it has no .weight tensor.
        return self.weight(self._rows(self._distinct_ids(x, lengths))).sum(dim=1) + self.bias

    @staticmethod
    def log_proba(scores: torch.Tensor) -> torch.Tensor:
        """Class log-probabilities from one-vs-rest scores: ``log sigmoid(score)`` of
        each class, normalised over the classes (for two classes, scores ``(-s, s)``
        give exactly ``sigmoid(s)``)."""
        return torch.log_softmax(nn.functional.logsigmoid(scores), dim=1)

    def feature_matrix(self, sequences) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Binary n-gram indicators of token-id sequences.

        Returns
        -------
        features : csr_matrix of shape (n_sequences, n_ngrams)
            1 where the sequence contains the n-gram of the column.
        ids : ndarray of shape (n_ngrams,)
            The sorted ids of the n-grams the sequences contain, one per column.
        """
        sequences = list(sequences)
        lengths = np.fromiter(map(len, sequences), np.int64, len(sequences))
        rows, found = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        for indices, batch in length_batches(sequences, lengths, 256):
            distinct = self._distinct_ids(batch["x"], batch["lengths"]).numpy()
            keep = distinct > 0
            rows.append(np.broadcast_to(indices[:, None], distinct.shape)[keep])
            found.append(distinct[keep])
        ids, columns = np.unique(np.concatenate(found), return_inverse=True)
        rows = np.concatenate(rows)
        features = sparse.csr_matrix((np.ones(len(rows)), (rows, columns)),
                                     shape=(len(sequences), len(ids)))
        return features, ids

    @torch.no_grad()
    def fit_naive_bayes_logistic(self, sequences, classes: np.ndarray, C: float = 1.0,
                                 alpha: float = 1.0) -> None:
        """Fit the weights as NB-LR, one-vs-rest.

        For each class ``k`` (the positive class only, for two), every binary feature
        ``f`` is scaled by its naive Bayes log-count ratio
        ``r_f = log((p_f / |p|_1) / (q_f / |q|_1))``, with ``p`` and ``q`` the
        ``alpha``-smoothed counts of sequences containing ``f`` in class ``k`` and in the
        rest; an L2 logistic regression (``C``) on the scaled features gives ``w``, and
        the path's weight of ``f`` for ``k`` becomes ``r_f * w_f``. With two classes the
        scores are ``(-s, s)``, so that :meth:`log_proba` is the logistic model's.

        Parameters
        ----------
        sequences : sequence of 1-D int arrays
            Token ids of the training sequences.
        classes : ndarray of int
            Class index of every sequence, in ``[0, n_outputs)``.
        C : float, default=1.0
            Inverse L2 strength of the logistic regressions.
        alpha : float, default=1.0
            Additive smoothing of the counts.
        """
        # (the stream of one chunk: ratios and models of these sequences alone)
        self.partial_fit_naive_bayes_logistic(sequences, classes, None, C, alpha)

    @torch.no_grad()
    def partial_fit_naive_bayes_logistic(self, sequences, classes: np.ndarray,
                                         state: dict | None, C: float = 1.0,
                                         alpha: float = 1.0) -> dict:
        """Add one chunk of the data to a streamed NB-LR fit.

        The naive Bayes counts are summed over every chunk so far, so each chunk's
        log-count ratios are those of all the data seen, not of the chunk alone. The
        chunk's logistic regressions (``C``) are fitted on its features scaled by those
        ratios, and every n-gram's weight is the mean of its weights in the chunk models
        whose chunk contains it (a chunk without the n-gram gives no evidence about it,
        rather than a weight of 0); the bias is the mean of the chunks' biases. A class
        absent from a chunk gets no model from that chunk. On one chunk this is
        :meth:`fit_naive_bayes_logistic`.

        Parameters
        ----------
        sequences, classes, C, alpha
            As in :meth:`fit_naive_bayes_logistic`, for one chunk.
        state : dict or None
            What the chunks so far left (None before the first): the sorted ids of the
            n-grams seen, their per-class sequence counts, the sums and numbers of their
            chunk weights, and the same for the bias. Memory grows with the n-grams
            seen, as the weight table does.

        Returns
        -------
        state : dict
            The updated state (``state`` itself is modified); the weights are set from it.
        """
        features, ids = self.feature_matrix(sequences)
        classes = np.asarray(classes)
        n_outputs = self.bias.shape[0]
        if state is None:
            state = {"ids": np.zeros(0, np.int64), "counts": np.zeros((0, n_outputs)),
                     "weight_sums": np.zeros((0, n_outputs)),
                     "n_weights": np.zeros((0, n_outputs), np.int64),
                     "bias_sums": np.zeros(n_outputs), "n_biases": np.zeros(n_outputs, np.int64)}
        merged = np.union1d(state["ids"], ids)
        if len(merged) > len(state["ids"]):  # new n-grams: grow the tables with zero rows
            old_rows = np.searchsorted(merged, state["ids"])
            for name in ("counts", "weight_sums", "n_weights"):
                grown = np.zeros((len(merged), n_outputs), state[name].dtype)
                grown[old_rows] = state[name]
                state[name] = grown
            state["ids"] = merged
        rows = np.searchsorted(merged, ids)
        state["counts"][rows] += _class_counts(features, classes, n_outputs)
        ratios = _log_count_ratios(state["counts"], alpha)[rows]
        weights, bias, fitted = _logistic_on_ratios(features, classes, ratios, C)
        chunk_cells = np.ix_(rows, fitted)
        state["weight_sums"][chunk_cells] += weights[:, fitted]
        state["n_weights"][chunk_cells] += 1
        state["bias_sums"][fitted] += bias[fitted]
        state["n_biases"][fitted] += 1
        self._set_weights(merged, state["weight_sums"] / np.maximum(state["n_weights"], 1),
                          state["bias_sums"] / np.maximum(state["n_biases"], 1))
        return state

    def _set_weights(self, ids: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> None:
        self._set_table(torch.from_numpy(ids), len(ids) + 1)
        self.weight.weight[1:] = torch.from_numpy(weights)
        self.bias.copy_(torch.from_numpy(bias))


def _class_counts(features: sparse.csr_matrix, classes: np.ndarray,
                  n_outputs: int) -> np.ndarray:
    """``(n_ngrams, n_outputs)``: how many sequences of each class contain each n-gram."""
    indicator = sparse.csr_matrix((np.ones(len(classes)), (classes, np.arange(len(classes)))),
                                  shape=(n_outputs, len(classes)))
    return np.asarray((indicator @ features).T.todense())


def _log_count_ratios(counts: np.ndarray, alpha: float) -> np.ndarray:
    """One-vs-rest naive Bayes log-count ratios, ``(n_ngrams, n_outputs)``: for class
    ``k``, ``log((p / |p|_1) / (q / |q|_1))`` with ``p`` and ``q`` the ``alpha``-smoothed
    counts of the sequences in ``k`` and in the other classes."""
    p = alpha + counts
    q = alpha + counts.sum(axis=1, keepdims=True) - counts
    return np.log(p / p.sum(axis=0)) - np.log(q / q.sum(axis=0))


def _logistic_on_ratios(features: sparse.csr_matrix, classes: np.ndarray,
                        ratios: np.ndarray, C: float
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The one-vs-rest L2 logistic regressions (``C``) of NB-LR on ``features`` scaled by
    ``ratios``: ``(weights, bias, fitted)``, each n-gram's weight being ``r_f * w_f``,
    and ``fitted`` the indices of the outputs that got a model (a class that all or none
    of the sequences have gets none). With two classes only the second is fitted and
    the first gets the opposite scores."""
    n_outputs = ratios.shape[1]
    weights = np.zeros_like(ratios)
    bias = np.zeros(n_outputs)
    fitted = []
    for k in [1] if n_outputs == 2 else range(n_outputs):
        positive = classes == k
        if positive.all() or not positive.any():
            continue  # a class absent from the data: no evidence
        model = LogisticRegression(C=C, max_iter=1000)
        model.fit(features @ sparse.diags(ratios[:, k]), positive)
        weights[:, k] = ratios[:, k] * model.coef_.ravel()
        bias[k] = model.intercept_[0]
        fitted.append(k)
    if n_outputs == 2:
        weights[:, 0], bias[0] = -weights[:, 1], -bias[1]
        fitted = [0, 1] if fitted else []
    return weights, bias, np.array(fitted, dtype=np.int64)
