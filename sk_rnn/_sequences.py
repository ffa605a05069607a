"""User input to ragged sequences; length-bucketed batching and pad-to-batch-max collate.

Every estimator turns what the user passed into a :class:`Sequences` (a list of arrays
and their lengths) and hands it to :class:`SequenceDataset`. Batches are drawn by
:class:`LengthBucketSampler` so that sequences of similar length travel together, and
:func:`pad_collate` pads each batch only to its own longest sequence: compute follows the
real tokens, not the padding. Everything here is module-level and picklable, so the
estimators work with ``clone``, ``pickle``, ``GridSearchCV`` and joblib back-ends.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
import torch
from scipy import sparse
from torch.utils.data import DataLoader, Dataset, Sampler

from ._registry import register_reference
from .text import lone_string_error

__all__ = [
    "Sequences",
    "infer_input_kind",
    "to_token_sequences",
    "to_numeric_sequences",
    "SequenceDataset",
    "LengthBucketSampler",
    "equal_length_batches",
    "length_batches",
    "SequenceLoader",
    "pad_collate",
    "PairDataset",
    "pair_collate",
]

#: Input kinds, as :func:`infer_input_kind` names them.
KIND_DESCRIPTIONS = {
    "text": "raw strings",
    "tokens": "token-id sequences",
    "fixed": "a 2-D numeric array (univariate sequences of fixed length)",
    "numeric": "numeric sequences (a 3-D array or a list of (n_timesteps, n_features) arrays)",
}


@dataclass
class Sequences:
    """A batch of ragged sequences.

    Attributes
    ----------
    data : list of ndarray
        ``int64`` arrays of shape ``(T_i,)`` for token ids, ``float32`` arrays of shape
        ``(T_i, n_features)`` for numeric sequences.
    lengths : ndarray of int64
        ``T_i`` for every sequence.
    """

    data: list[np.ndarray]
    lengths: np.ndarray

    def __len__(self) -> int:
        return len(self.data)

    def truncate(self, max_length: int | None) -> Sequences:
        """Keep the first ``max_length`` steps of every sequence (views, no copies)."""
        if max_length is None or not len(self.lengths) or self.lengths.max() <= max_length:
            return self
        data = [seq[:max_length] for seq in self.data]
        return Sequences(data, np.minimum(self.lengths, max_length))

    def subset(self, indices: np.ndarray) -> Sequences:
        """The sequences at ``indices``."""
        return Sequences([self.data[i] for i in indices], self.lengths[indices])


def _is_string(x) -> bool:
    return isinstance(x, (str, np.str_))


def _first_item(X):
    if isinstance(X, pd.Series):
        return X.iloc[0] if len(X) else None
    return X[0] if len(X) else None


def infer_input_kind(X, name: str = "X") -> str:
    """Say which kind of sequence input ``X`` is.

    Parameters
    ----------
    X : object
        What the user passed.
    name : str, default="X"
        Argument name for error messages.

    Returns
    -------
    {"text", "tokens", "fixed", "numeric"}
        ``"text"``: strings; ``"tokens"``: ragged integer sequences (the output of
        :class:`~sk_rnn.TextVectorizer`); ``"fixed"``: a 2-D numeric array, one
        univariate sequence per row; ``"numeric"``: a 3-D array, a list of
        ``(T_i, n_features)`` arrays or sktime panel data.

    Raises
    ------
    TypeError, ValueError
        If ``X`` is none of these.
    """
    if X is None:
        raise ValueError(f"{name} is None; expected sequences.")
    if sparse.issparse(X):
        raise TypeError(
            f"Sparse data was passed for {name}, but dense data is required: recurrent "
            "models read sequences step by step. Use X.toarray() to convert to a dense "
            "array."
        )
    if _is_string(X) or isinstance(X, bytes):
        raise lone_string_error(X, name)
    if isinstance(X, pd.DataFrame):
        if isinstance(X.index, pd.MultiIndex):
            return "numeric"  # sktime pd-multiindex panel
        if X.shape[1] and len(X) and all(
            isinstance(v, (pd.Series, np.ndarray)) for v in X.iloc[0]
        ):
            return "numeric"  # sktime nested_univ panel
        if X.shape[1] == 1 and len(X) and _is_string(X.iloc[0, 0]):
            return "text"
        if len(X):
            text_columns = [c for c, v in X.iloc[0].items() if _is_string(v)]
            if text_columns:
                raise ValueError(
                    f"{name} is a DataFrame with {X.shape[1]} columns, {len(text_columns)} of "
                    f"them holding strings ({text_columns[:5]}); for text pass the one column "
                    f"of documents, e.g. {name}[{text_columns[0]!r}]."
                )
        return "fixed"
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.dtype.kind in "US":
            if X.ndim == 1 or (X.ndim == 2 and X.shape[1] == 1):
                return "text"  # an (n, 1) array is read as its column, like a DataFrame's
            raise ValueError(
                f"{name} of strings must be 1-D or one column, got shape {X.shape}."
            )
        if X.ndim == 3:
            return "numeric"
        if X.ndim == 2:
            return "fixed"
        if X.ndim == 1:
            raise ValueError(
                f"Expected 2D array, got 1D array instead: {name} has shape {X.shape}. "
                "Reshape your data either using array.reshape(-1, 1) if your data has a "
                "single feature or array.reshape(1, -1) if it contains a single sample; "
                "for sequences pass a 2-D array (one row per sequence)."
            )
        raise ValueError(f"{name} must be 2-D or 3-D, got an array of shape {X.shape}.")
    if isinstance(X, Mapping):
        raise TypeError(
            f"{name} must hold one sample per element, got {type(X).__name__} (a mapping); "
            "pass a list or an array of samples, e.g. list(mapping.values())."
        )
    if isinstance(X, Iterator):
        raise TypeError(
            f"{name} must be a list, array or pandas object, got a one-pass "
            f"{type(X).__name__}; materialise it first, e.g. list({name})."
        )
    if hasattr(X, "__len__"):
        if len(X) == 0:
            raise ValueError(f"{name} is empty: at least one sample is needed.")
        first = _first_item(X)
        if first is None:
            raise ValueError(f"{name}[0] is None; every sample needs a sequence or a string.")
        if isinstance(first, (list, tuple)) and len(first) == 0:
            # an empty Python list says nothing about its type: look at the next one
            first = next((x for x in X if len(x)), first)
        if _is_string(first):
            return "text"
        if isinstance(first, (bytes, bytearray)):
            raise TypeError(
                f"{name}[0] is {type(first).__name__}, not str: decode the texts first, e.g. "
                f"[b.decode('utf-8') for b in {name}]."
            )
        if isinstance(X, np.ndarray) and X.ndim >= 2 and X.size and _is_string(X.flat[0]):
            if X.ndim == 2 and X.shape[1] == 1:
                return "text"
            raise ValueError(
                f"{name} of strings must be 1-D or one column, got shape {X.shape}."
            )
        if isinstance(X, np.ndarray) and X.ndim == 2:
            return "fixed"  # 2-D object array of numbers
        if isinstance(first, (np.ndarray, list, tuple, pd.Series, pd.DataFrame)):
            arr = np.asarray(first)
            if arr.size and _is_string(arr.flat[0]):
                raise TypeError(
                    f"{name}[0] is a {type(first).__name__} of strings (pre-tokenised text?); "
                    "pass each document as one string (e.g. ' '.join(tokens)), or token ids "
                    "from TextVectorizer.transform."
                )
            if arr.ndim == 2:
                return "numeric"
            if arr.ndim == 1:
                if arr.dtype.kind in "iu" and (arr.size or isinstance(first, np.ndarray)):
                    if isinstance(X, np.ndarray) or _is_ragged(X):
                        return "tokens"
                    return "fixed"
                if isinstance(X, np.ndarray) or _is_ragged(X):
                    return "numeric"  # univariate sequences of different lengths
                return "fixed"
            if arr.ndim == 0:
                raise ValueError(f"{name}[0] is a scalar; expected a sequence.")
        if isinstance(first, (Real, np.number)) and not isinstance(X, pd.Series):
            raise ValueError(
                f"Expected 2D array, got 1D array instead: {name} holds scalars. "
                "Pass one sequence per sample."
            )
    raise TypeError(
        f"{name} must be strings, token-id sequences, a 2-D or 3-D numeric array or a "
        f"list of (n_timesteps, n_features) arrays; got {type(X).__name__}."
    )


def _is_ragged(X) -> bool:
    lengths = {len(x) for x in X}
    return len(lengths) > 1


def to_token_sequences(X, name: str = "X", vocab_size: int | None = None) -> Sequences:
    """Validate integer token sequences and return them as :class:`Sequences`.

    Parameters
    ----------
    X : iterable of 1-D int sequences
        Token ids, e.g. the output of :meth:`TextVectorizer.transform`.
    name : str, default="X"
        Argument name for error messages.
    vocab_size : int or None
        When given, ids ``>= vocab_size`` are mapped to the unknown id (1).

    An empty sequence (an empty document) becomes a single unknown token, so that every
    document gets a prediction.

    Returns
    -------
    Sequences
    """
    from .text import UNK_ID

    data = []
    for i, seq in enumerate(X):
        arr = np.asarray(seq)
        if arr.ndim != 1:
            raise ValueError(f"{name}[{i}] must be a 1-D sequence of token ids, got {arr.shape}.")
        if arr.size == 0:
            # an empty document (TextVectorizer output of "") becomes one unknown token
            data.append(np.array([UNK_ID], dtype=np.int64))
            continue
        if arr.dtype.kind not in "iu":
            raise TypeError(f"{name}[{i}] must hold integer token ids, found dtype {arr.dtype}.")
        if arr.min() < 0:
            raise ValueError(f"{name}[{i}] holds a negative token id ({arr.min()}).")
        arr = arr.astype(np.int64, copy=True)
        if vocab_size is not None:
            arr[arr >= vocab_size] = UNK_ID
        data.append(arr)
    lengths = np.fromiter((len(a) for a in data), np.int64, len(data))
    return Sequences(data, lengths)


def _panel_to_list(X: pd.DataFrame) -> list:
    if isinstance(X.index, pd.MultiIndex):  # pd-multiindex: (instance, time) rows
        values = X.to_numpy(dtype=np.float64)
        codes, _ = pd.factorize(X.index.get_level_values(0))
        order = np.argsort(codes, kind="stable")
        splits = np.flatnonzero(np.diff(codes[order])) + 1
        return np.split(values[order], splits)
    # nested_univ: one cell per (instance, variable), each a pd.Series over time
    return [
        np.column_stack([np.asarray(cell, dtype=np.float64) for cell in row])
        for row in X.itertuples(index=False)
    ]


def to_numeric_sequences(X, name: str = "X") -> Sequences:
    """Validate numeric sequences and return them as ``float32`` :class:`Sequences`.

    Parameters
    ----------
    X : array-like
        A 2-D array (``(n_samples, n_timesteps)``, univariate), a 3-D array
        (``(n_samples, n_timesteps, n_features)``), a list of ``(T_i, n_features)`` or
        ``(T_i,)`` arrays, or an sktime ``pd-multiindex`` / ``nested_univ`` DataFrame.
    name : str, default="X"
        Argument name for error messages.

    Returns
    -------
    Sequences
        Each element has shape ``(T_i, n_features)``.

    Raises
    ------
    ValueError
        On NaN or infinite values, empty sequences, or differing feature counts.
    """
    if isinstance(X, pd.DataFrame):
        items = _panel_to_list(X)
    elif isinstance(X, np.ndarray) and X.dtype != object and X.ndim in (2, 3):
        if len(X) == 0:
            raise ValueError(f"{name} is empty (shape {X.shape}): at least one sample is needed.")
        arr = np.asarray(X, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.shape[1] == 0:
            raise ValueError(f"{name} has zero time steps (shape {X.shape}).")
        if not np.isfinite(arr).all():
            raise ValueError(f"Input {name} contains NaN or infinity.")
        return Sequences(list(arr), np.full(len(arr), arr.shape[1], dtype=np.int64))
    else:
        items = list(X)
    if len(items) == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed.")
    data = []
    n_features = None
    for i, item in enumerate(items):
        try:
            arr = np.asarray(item, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name}[{i}] is not numeric: {exc}") from None
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(
                f"{name}[{i}] must have shape (n_timesteps, n_features), got {arr.shape}."
            )
        if arr.shape[0] == 0:
            raise ValueError(f"{name}[{i}] is an empty sequence (zero time steps).")
        if n_features is None:
            n_features = arr.shape[1]
        elif arr.shape[1] != n_features:
            raise ValueError(
                f"{name}[{i}] has {arr.shape[1]} features, but {name}[0] has {n_features}: "
                "every sequence needs the same number of features."
            )
        if not np.isfinite(arr).all():
            raise ValueError(f"Input {name}[{i}] contains NaN or infinity.")
        data.append(arr)
    lengths = np.fromiter((len(a) for a in data), np.int64, len(data))
    return Sequences(data, lengths)


class SequenceDataset(Dataset):
    """A torch dataset of ragged sequences and optional targets.

    Parameters
    ----------
    sequences : Sequences
        The inputs.
    y : ndarray or None
        Targets, one row per sequence.
    """

    def __init__(self, sequences: Sequences, y: np.ndarray | None = None) -> None:
        self.sequences = sequences
        self.y = y
        self.lengths = sequences.lengths

    def __len__(self) -> int:
        return len(self.sequences)

    def __getitem__(self, i: int):
        return self.sequences.data[i], (None if self.y is None else self.y[i])


@register_reference
def pad_collate(batch: list) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
    """Pad a list of ``(sequence, target)`` pairs to the batch's longest sequence.

    Parameters
    ----------
    batch : list of (ndarray, target)
        Items of a :class:`SequenceDataset`.

    Returns
    -------
    X : dict
        ``{"x": padded, "lengths": lengths}``; ``padded`` is ``int64`` of shape
        ``(B, T_max)`` (padding id 0) for tokens or ``float32`` of shape
        ``(B, T_max, F)`` (zeros) for numeric sequences; ``lengths`` is ``int64`` on the
        CPU.
    y : Tensor or None
        The stacked targets.
    """
    seqs = [item[0] for item in batch]
    lengths = np.fromiter((len(s) for s in seqs), np.int64, len(seqs))
    first = seqs[0]
    padded = np.zeros((len(seqs), int(lengths.max()), *first.shape[1:]), dtype=first.dtype)
    for row, seq in zip(padded, seqs, strict=True):
        row[: len(seq)] = seq
    targets = [item[1] for item in batch]
    y = None if targets[0] is None else torch.from_numpy(np.asarray(targets))
    return {"x": torch.from_numpy(padded), "lengths": torch.from_numpy(lengths)}, y


class PairDataset(Dataset):
    """A torch dataset of (source, target) token-id sequence pairs.

    Parameters
    ----------
    sources : Sequences
        Source token ids; their lengths drive the length-bucketed batches.
    targets : ndarray of object
        Target token ids framed as ``[BOS, ..., EOS]``, one array per source.
    """

    def __init__(self, sources: Sequences, targets: np.ndarray) -> None:
        self.sources = sources
        self.targets = targets
        self.lengths = sources.lengths

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, i: int):
        return self.sources.data[i], self.targets[i]


@register_reference
def pair_collate(batch: list) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Pad a list of (source, framed target) pairs for teacher-forced training.

    Returns
    -------
    X : dict
        ``src`` ``(B, S_max)``, ``src_lengths`` ``(B,)`` and ``tgt_in`` ``(B, T_max)``:
        every target without its last token (``EOS``), padded with 0.
    y : Tensor of shape (B, T_max)
        Every target without its first token (``BOS``), padded with 0.
    """
    X, _ = pad_collate([(source, None) for source, _ in batch])
    targets = [target for _, target in batch]
    width = max(len(t) for t in targets) - 1
    tgt_in = np.zeros((len(targets), width), dtype=np.int64)
    tgt_out = np.zeros((len(targets), width), dtype=np.int64)
    for i, target in enumerate(targets):
        tgt_in[i, : len(target) - 1] = target[:-1]
        tgt_out[i, : len(target) - 1] = target[1:]
    X = {"src": X["x"], "src_lengths": X["lengths"], "tgt_in": torch.from_numpy(tgt_in)}
    return X, torch.from_numpy(tgt_out)


def equal_length_batches(
    order: np.ndarray, lengths: np.ndarray, batch_size: int, offset: int = 0
) -> list:
    """Cut ``order`` (indices sorted by length) into batches of one length where possible.

    Every run of equal lengths is cut into full batches; the remainders of the runs are
    pooled, in length order, into mixed batches. Batches of one length need no padding and
    run through the recurrent layer unpacked, which on CPU is faster than a packed batch
    (oneDNN's fused LSTM kernel); the few mixed batches are packed in
    training and run through :func:`sk_rnn.nn.encoder.run_padded` at inference.

    Parameters
    ----------
    order : ndarray of int
        Indices sorted by ``lengths`` (ties in any order).
    lengths : ndarray of int
        Length of every sequence.
    batch_size : int
        Maximum batch size.
    offset : int, default=0
        Rotate the pooled remainders by this many places before cutting them, so that a
        random offset varies the mixed batches from one epoch to the next (only the batch
        that wraps around mixes short and long sequences).

    Returns
    -------
    list of ndarray
        Batches of indices.
    """
    sorted_lengths = lengths[order]
    starts = np.flatnonzero(np.r_[True, sorted_lengths[1:] != sorted_lengths[:-1]])
    ends = np.r_[starts[1:], len(order)]
    batches, leftovers = [], []
    for start, end in zip(starts, ends, strict=True):
        n_full = (end - start) // batch_size * batch_size
        batches.extend(order[i : i + batch_size] for i in range(start, start + n_full, batch_size))
        leftovers.append(order[start + n_full : end])
    rest = np.concatenate(leftovers) if leftovers else order[:0]
    if len(rest):
        rest = np.roll(rest, -(offset % len(rest)))
    batches.extend(rest[i : i + batch_size] for i in range(0, len(rest), batch_size))
    return batches


def length_batches(
    data: list[np.ndarray], lengths: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, dict[str, torch.Tensor]]]:
    """Inference batches grouped by length: :func:`equal_length_batches` over the
    sequences sorted by length, each padded by :func:`pad_collate`.

    Parameters
    ----------
    data : list of ndarray
        The sequences.
    lengths : ndarray of int
        Length of every sequence.
    batch_size : int
        Maximum batch size.

    Yields
    ------
    indices : ndarray of int
        Positions in ``data`` of the batch's sequences.
    batch : dict
        ``{"x": padded tensor, "lengths": int64 tensor}``.
    """
    order = np.argsort(lengths, kind="stable")
    for indices in equal_length_batches(order, lengths, batch_size):
        batch, _ = pad_collate([(data[i], None) for i in indices])
        yield indices, batch


class LengthBucketSampler(Sampler):
    """Yield batches of indices whose sequences have the same (or nearly the same) length.

    The indices are sorted by length, runs of one length are cut into batches and the
    remainders pooled (:func:`equal_length_batches`), so that almost no batch needs
    padding. When shuffling, sequences of the same length are shuffled before the cut, the
    pooled remainders are cut at a random offset, and the order of the batches is
    shuffled, on every pass.

    Parameters
    ----------
    lengths : array-like of int
        Length of every sequence.
    batch_size : int
        Maximum sequences per batch.
    shuffle : bool, default=False
        Draw new batches and a new batch order on every pass (training).
    seed : int or None, default=None
        Seed of the shuffling, for reproducible training.
    """

    def __init__(
        self,
        lengths,
        batch_size: int,
        shuffle: bool = False,
        seed: int | None = None,
    ) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.rng = np.random.default_rng(seed)
        # The unshuffled batches; a shuffled pass has as many (same runs, same remainder).
        self._sorted_batches = equal_length_batches(
            np.argsort(self.lengths, kind="stable"), self.lengths, self.batch_size
        )

    def __len__(self) -> int:
        return len(self._sorted_batches)

    def __iter__(self):
        if not self.shuffle:
            yield from (b.tolist() for b in self._sorted_batches)
            return
        perm = self.rng.permutation(len(self.lengths))
        offset = int(self.rng.integers(self.batch_size))
        order = perm[np.argsort(self.lengths[perm], kind="stable")]
        batches = equal_length_batches(order, self.lengths, self.batch_size, offset)
        for b in self.rng.permutation(len(batches)):
            yield batches[b].tolist()


@register_reference
class SequenceLoader(DataLoader):
    """A :class:`~torch.utils.data.DataLoader` over a :class:`SequenceDataset` that
    batches by length and pads each batch to its own maximum.

    It takes the ``batch_size`` and ``shuffle`` arguments that skorch passes to its
    iterators, so it can be given as ``iterator_train`` / ``iterator_valid``.

    Parameters
    ----------
    dataset : SequenceDataset
        Must have a ``lengths`` attribute.
    batch_size : int, default=1
        Sequences per batch.
    shuffle : bool, default=False
        Shuffle pools and batches each epoch (training).
    bucket : bool, default=True
        Group by length. ``False`` draws batches in plain (shuffled) order, for
        comparison.
    seed : int or None, default=None
        Seed of the shuffling.
    **kwargs
        Passed on to :class:`~torch.utils.data.DataLoader` (``num_workers``,
        ``pin_memory``, ...).
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        bucket: bool = True,
        seed: int | None = None,
        collate_fn=pad_collate,
        **kwargs,
    ) -> None:
        if bucket:
            sampler = LengthBucketSampler(dataset.lengths, batch_size, shuffle, seed=seed)
            super().__init__(dataset, batch_sampler=sampler, collate_fn=collate_fn, **kwargs)
        else:
            generator = None
            if seed is not None:
                generator = torch.Generator().manual_seed(int(seed))
            super().__init__(
                dataset,
                batch_size=batch_size,
                shuffle=shuffle,
                generator=generator,
                collate_fn=collate_fn,
                **kwargs,
            )
