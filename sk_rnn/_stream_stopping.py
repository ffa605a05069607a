"""Early stopping for ``partial_fit``: a hold-out that stays the same on every pass.

``fit`` holds out a random ``validation_fraction`` of its data and stops when the loss on
it has not improved for ``patience`` epochs. ``partial_fit`` sees one chunk at a time
and never the whole data, so its hold-out is chosen sequence by sequence, by a digest of
the sequence and its target: the same sequences are held out on every pass over the
stream, in whatever chunks they come. Each call scores its chunk's held-out sequences
(never trained on) and keeps the latest loss of every held-out sequence seen so far;
their mean is the validation loss. A pass is over once as many held-out sequences have
been scored, since the last check, as are known, and the chunk brought no new ones
(during the first pass every chunk brings new ones): then the validation loss is
compared with the best so far.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from ._sequences import Sequences

__all__ = ["StreamCheck", "holdout_rows", "new_stream_state", "record_holdout", "row_digests"]

# Hold-out membership is decided on a digest modulo this.
_RESOLUTION = 10_000


class StreamCheck:
    """What :func:`record_holdout` found: nothing to decide yet, a new best loss, a
    loss no better than the best, or the end of training (``patience`` passes without
    improvement)."""

    NONE = "none"
    IMPROVED = "improved"
    WORSE = "worse"
    STOP = "stop"


def row_digests(sequences: Sequences, y: np.ndarray) -> list[str]:
    """A 64-bit digest (16 hex digits) of every sequence with its target."""
    y = np.asarray(y)
    return [
        hashlib.blake2b(np.ascontiguousarray(sequence).tobytes()
                        + np.ascontiguousarray(target).tobytes(), digest_size=8).hexdigest()
        for sequence, target in zip(sequences.data, y, strict=True)
    ]


def holdout_rows(digests: list[str], fraction: float) -> np.ndarray:
    """Boolean mask of the sequences held out: those whose digest falls in the first
    ``fraction`` of the digest space (the same sequences on every pass)."""
    cut = round(fraction * _RESOLUTION)
    return np.fromiter((int(d, 16) % _RESOLUTION < cut for d in digests), bool, len(digests))


def new_stream_state() -> dict:
    """The state of a stream's early stopping: the latest loss of every held-out
    sequence (by digest), the best mean loss, the passes without improvement, the
    held-out sequences scored since the last check, and whether training has stopped."""
    return {"losses": {}, "best": math.inf, "bad_passes": 0, "scored": 0, "stopped": False}


def record_holdout(state: dict, digests: list[str], losses: np.ndarray,
                   patience: int) -> tuple[str, float]:
    """Record the losses of a chunk's held-out sequences and decide, at the end of a
    pass, whether the validation loss improved.

    Parameters
    ----------
    state : dict
        From :func:`new_stream_state`; updated in place.
    digests : list of str
        The held-out sequences of the chunk.
    losses : ndarray of shape (len(digests),)
        Their losses under the current network.
    patience : int
        Passes without improvement before training stops.

    Returns
    -------
    check : str
        One of :class:`StreamCheck`'s values.
    loss : float
        The validation loss (mean over the held-out sequences seen), NaN when no pass
        ended.
    """
    known = state["losses"]
    all_known = all(d in known for d in digests)
    known.update(zip(digests, map(float, losses), strict=True))
    state["scored"] += len(digests)
    if not (digests and all_known and state["scored"] >= len(known)):
        return StreamCheck.NONE, math.nan
    state["scored"] = 0
    loss = float(np.mean(list(known.values())))
    if loss < state["best"]:
        state["best"], state["bad_passes"] = loss, 0
        return StreamCheck.IMPROVED, loss
    state["bad_passes"] += 1
    if state["bad_passes"] >= patience:
        state["stopped"] = True
        return StreamCheck.STOP, loss
    return StreamCheck.WORSE, loss
