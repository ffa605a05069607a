"""A corpus as one token stream, read in contiguous windows for truncated BPTT.

:class:`TokenStream` holds the token ids of a corpus as one array. :class:`StreamLoader`
cuts it into ``batch_size`` parallel streams and yields them window by window, in order,
so that window ``i + 1`` of a stream continues window ``i``: the language model carries its
recurrent state from batch to batch and back-propagates through one window only (memory
depends on ``batch_size * sequence_length``, never on the corpus). Both are module-level
and picklable, as skorch iterators must be.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from ._registry import register_reference

__all__ = ["SoftTargetStreamLoader", "SoftTokenStream", "StreamLoader", "TokenStream", "n_streams"]


class TokenStream(Dataset):
    """The token ids of a corpus, in reading order.

    Parameters
    ----------
    ids : 1-D int array
        Token ids (documents already joined by a boundary token); kept as ``int32``.
    """

    def __init__(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids)
        # int32 halves the memory of a large corpus; batches are widened to int64
        dtype = np.int32 if ids.size == 0 or ids.max() < 2**31 else np.int64
        self.ids = torch.as_tensor(ids.astype(dtype, copy=False))

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        return self.ids[i]


def n_streams(n_tokens: int, batch_size: int, sequence_length: int) -> int:
    """How many parallel streams ``n_tokens`` tokens fill with at least one window each
    (``0`` when not even one window of ``sequence_length`` inputs and targets fits)."""
    return max(0, min(batch_size, (n_tokens - 1) // sequence_length))


@register_reference
class StreamLoader:
    """Contiguous batches of a :class:`TokenStream` for truncated BPTT.

    The tokens (from a start offset) are split into ``batch_size`` equal streams, one per
    batch row; batch ``i`` holds window ``i`` of every stream, as inputs ``x`` and next
    tokens as targets. Tokens that do not fill a whole window at the end of a stream are
    left out, so every batch has the same shape. The first batch marks every stream with
    ``reset`` so the model starts from a zero state.

    It takes the ``batch_size`` and ``shuffle`` arguments that skorch passes to its
    iterators. With ``shuffle`` the start offset is drawn afresh each epoch (in
    ``[0, sequence_length)``), so the window boundaries move; without, it is ``0``.

    Parameters
    ----------
    dataset : TokenStream
        The tokens.
    batch_size : int
        Parallel streams (reduced when the corpus is too short for that many).
    shuffle : bool, default=False
        Draw a random start offset each epoch.
    sequence_length : int, default=100
        Steps per window (the truncation length of back-propagation).
    seed : int or None, default=None
        Seed of the offsets.
    pin_memory : bool, default=False
        Put batches in pinned memory (for asynchronous copies to CUDA).
    """

    def __init__(
        self,
        dataset: TokenStream,
        batch_size: int = 32,
        shuffle: bool = False,
        sequence_length: int = 100,
        seed: int | None = None,
        pin_memory: bool = False,
    ) -> None:
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.sequence_length = sequence_length
        self.pin_memory = pin_memory
        self._rng = np.random.RandomState(seed)

    def _layout(self, offset: int) -> tuple[int, int]:
        """Streams and windows per stream for a start at ``offset``."""
        n = len(self.dataset) - offset
        streams = n_streams(n, self.batch_size, self.sequence_length)
        if streams == 0:
            return 0, 0
        per_stream = (n - 1) // streams
        return streams, per_stream // self.sequence_length

    def __len__(self) -> int:
        return self._layout(0)[1]

    def _windows(self):
        """``(index, reset)`` of every batch: ``index`` of shape ``(streams, length + 1)``
        holds the stream positions of the window's inputs and, shifted by one, its
        targets."""
        length = self.sequence_length
        offset = 0
        if self.shuffle:
            offset = int(self._rng.randint(length))
            if self._layout(offset)[1] == 0:
                offset = 0
        streams, windows = self._layout(offset)
        if windows == 0:
            return
        per_stream = (len(self.dataset) - offset - 1) // streams
        starts = offset + per_stream * torch.arange(streams)
        window = torch.arange(length + 1)
        for w in range(windows):
            yield (starts[:, None] + w * length + window[None, :],
                   torch.full((streams,), w == 0, dtype=torch.bool))

    def _pinned(self, tensors):
        return [t.pin_memory() for t in tensors] if self.pin_memory else list(tensors)

    def __iter__(self):
        ids = self.dataset.ids
        for index, reset in self._windows():
            chunk = ids[index].long()  # inputs and, shifted by one, their targets
            x, y, reset = self._pinned((chunk[:, :-1], chunk[:, 1:], reset))
            yield {"x": x, "reset": reset}, y


class SoftTokenStream(TokenStream):
    """A :class:`TokenStream` with a teacher's next-token distribution at every position
    (knowledge distillation of a language model).

    Parameters
    ----------
    ids : 1-D int array of shape (n,)
        Token ids.
    soft : 2-D float array of shape (n, k)
        Row ``i``: the teacher's probabilities of the token after position ``i``, over
        every id (``k`` the number of ids) or over the ids in ``index``; kept as float16.
    index : 2-D int array of shape (n, k) or None, default=None
        The ids that the columns of ``soft`` belong to, row by row (a teacher's top ``k``
        of a large vocabulary); None: column ``j`` is id ``j``.
    """

    def __init__(self, ids: np.ndarray, soft: np.ndarray,
                 index: np.ndarray | None = None) -> None:
        super().__init__(ids)
        if len(soft) != len(self.ids) or (index is not None and index.shape != soft.shape):
            raise ValueError(
                f"soft targets of shape {np.shape(soft)} (and index "
                f"{None if index is None else index.shape}) do not match {len(self.ids)} "
                "token positions."
            )
        self.soft = torch.as_tensor(np.asarray(soft, dtype=np.float16))
        self.index = None if index is None else torch.as_tensor(index)


@register_reference
class SoftTargetStreamLoader(StreamLoader):
    """:class:`StreamLoader` whose targets, for a :class:`SoftTokenStream`, are a dict:
    ``"targets"`` (the next ids), ``"soft"`` (the teacher's distributions at the input
    positions) and, for a top-``k`` teacher, ``"soft_index"``. For a plain
    :class:`TokenStream` (the validation part) it yields the next ids as
    :class:`StreamLoader` does."""

    def __iter__(self):
        soft = getattr(self.dataset, "soft", None)
        if soft is None:
            yield from super().__iter__()
            return
        ids, soft_index = self.dataset.ids, self.dataset.index
        for index, reset in self._windows():
            chunk = ids[index].long()
            inputs = index[:, :-1]
            parts = [chunk[:, :-1], reset, chunk[:, 1:], soft[inputs]]
            if soft_index is not None:
                parts.append(soft_index[inputs].long())
            x, reset, *targets = self._pinned(parts)
            y = dict(zip(("targets", "soft", "soft_index"), targets, strict=False))
            yield {"x": x, "reset": reset}, y
