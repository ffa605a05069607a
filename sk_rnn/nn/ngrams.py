"""A linear model over a token sequence's hashed n-grams: the "wide" path that sits beside
a recurrent encoder (wide and deep; fastText's bag of n-grams)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._sequences import length_batches

__all__ = ["NgramLinear", "ngram_ids"]

# Multiplier of the rolling n-gram hash (a prime above any vocabulary size in practice).
_HASH_PRIME = 1_000_003


def ngram_ids(
    x: torch.Tensor, lengths: torch.Tensor, order: int, vocab_size: int, buckets: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Feature ids of every n-gram (n = 1 .. ``order``) of a padded batch of token ids.

    Unigrams keep their token id; an n-gram of order 2 or more is hashed into one of
    ``buckets`` ids after the vocabulary (``vocab_size + hash % buckets``). The hash is a
    rolling polynomial over int64 (wrapping on overflow), the same on every device.

    Parameters
    ----------
    x : LongTensor of shape (B, T)
        Right-padded token ids.
    lengths : Tensor of shape (B,)
        Real length of every sequence.
    order : int
        Longest n-gram.
    vocab_size, buckets : int
        Ids below ``vocab_size`` are tokens; the n-gram ids follow them.

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
    rolling = x
    for n in range(2, min(order, total) + 1):
        rolling = rolling[:, :-1] * _HASH_PRIME + x[:, n - 1:] + n  # + n: orders differ
        ids.append(vocab_size + torch.remainder(rolling, buckets))
        valid.append(steps[None, : total - n + 1] < (lengths[:, None] - n + 1))
    return torch.cat(ids, dim=1), torch.cat(valid, dim=1)


class NgramLinear(nn.Module):
    """Scores from the sum of learnt per-n-gram weight vectors (a linear model over the
    n-gram counts of each sequence).

    Parameters
    ----------
    vocab_size : int
        Token ids (id 0 is padding).
    n_outputs : int
        Scores per sequence.
    order : int
        Longest n-gram (1: words only).
    buckets : int
        Hash buckets shared by the n-grams of order 2 and more.

    Notes
    -----
    The weights start at zero, so the path adds nothing until training gives it a use;
    :meth:`init_naive_bayes` starts them from naive Bayes instead.
    """

    def __init__(self, vocab_size: int, n_outputs: int, order: int, buckets: int) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.order = order
        self.buckets = buckets
        self.weight = nn.Embedding(vocab_size + buckets, n_outputs)
        nn.init.zeros_(self.weight.weight)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(B, n_outputs)`` scores of the token-id batch ``x`` (``(B, T)``)."""
        ids, valid = ngram_ids(x, lengths, self.order, self.vocab_size, self.buckets)
        scores = self.weight(ids)  # (B, N, n_outputs); a quantised table has no .weight
        return (scores * valid.unsqueeze(2).to(scores.dtype)).sum(dim=1)

    @torch.no_grad()
    def init_naive_bayes(self, sequences, classes: np.ndarray, alpha: float = 1.0) -> None:
        """Set the weights to multinomial naive Bayes over binary n-gram features.

        The weight of n-gram ``f`` for class ``k`` becomes ``log P(f | k)``, estimated from
        the number of sequences of class ``k`` that contain ``f`` with add-``alpha``
        smoothing, minus its mean over the classes (which leaves the softmax unchanged).
        For two classes this is half the log-count ratio of NB-SVM (Wang and Manning
        2012). The padding row stays zero.

        Parameters
        ----------
        sequences : sequence of 1-D int arrays
            Token ids of the training sequences.
        classes : ndarray of int
            Class index of every sequence, in ``[0, n_outputs)``.
        alpha : float, default=1.0
            Additive smoothing.
        """
        n_classes, size = self.weight.weight.shape[1], self.weight.weight.shape[0]
        classes = np.asarray(classes)
        lengths = np.fromiter(map(len, sequences), np.int64, len(sequences))
        counts = np.zeros((n_classes, size))
        for indices, batch in length_batches(list(sequences), lengths, 256):
            ids, valid = ngram_ids(batch["x"], batch["lengths"], self.order,
                                   self.vocab_size, self.buckets)
            rows = torch.arange(len(indices))[:, None].expand_as(ids)[valid].numpy()
            # Each (sequence, feature) pair once: binary features.
            pairs = np.unique(rows * size + ids[valid].numpy())
            np.add.at(counts, (classes[indices[pairs // size]], pairs % size), 1)
        log_p = np.log((counts + alpha) / (counts + alpha).sum(axis=1, keepdims=True))
        weights = (log_p - log_p.mean(axis=0)).T
        weights[0] = 0.0
        self.weight.weight.copy_(torch.from_numpy(weights))
