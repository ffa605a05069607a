"""Tests for :mod:`sk_rnn._sequences` and the masking/padding behaviour of :mod:`sk_rnn.nn`.

The last tests prove that padding never leaks: a padded batch gives, sequence by sequence,
the same pooled vectors and encodings as each sequence run alone.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sk_rnn import TextVectorizer
from sk_rnn._sequences import (
    LengthBucketSampler,
    SequenceDataset,
    SequenceLoader,
    Sequences,
    infer_input_kind,
    pad_collate,
    to_numeric_sequences,
    to_token_sequences,
)
from sk_rnn.nn import SequenceEncoder, SequencePooling, length_mask
from sk_rnn.nn.encoder import make_rnn, run_padded, supports_run_padded


@pytest.fixture(scope="module")
def vowels():
    """Japanese vowels (sktime, local): the same panel as nested_univ and pd-multiindex."""
    datasets = pytest.importorskip("sktime.datasets")
    nested, _ = datasets.load_japanese_vowels(split="train")
    multi, _ = datasets.load_japanese_vowels(split="train", return_type="pd-multiindex")
    return nested, multi


def _ragged(rng, lengths, n_features=3):
    return [rng.normal(size=(n, n_features)) for n in lengths]


# --------------------------------------------------------------------------------------
# infer_input_kind
# --------------------------------------------------------------------------------------

def _object_array(items):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


_TOKENS = TextVectorizer().fit(["a good film", "a bad plot"]).transform(["a good film", "bad"])


@pytest.mark.parametrize(
    "X, kind",
    [
        pytest.param(["a film", "a plot"], "text", id="list-of-str"),
        pytest.param(("a film", "a plot"), "text", id="tuple-of-str"),
        pytest.param(np.array(["a film", "a plot"]), "text", id="array-of-str"),
        pytest.param(np.array(["a film", "a plot"], dtype=object), "text", id="object-array"),
        pytest.param(pd.Series(["a film", "a plot"], index=[7, 3]), "text", id="series-of-str"),
        pytest.param(_TOKENS, "tokens", id="vectorizer-output"),
        pytest.param(
            _object_array([np.array([2, 3]), np.array([4, 5])]),
            "tokens",
            id="object-array-same-length",
        ),
        pytest.param([[2, 3, 4], [5]], "tokens", id="ragged-int-lists"),
        pytest.param(np.zeros((4, 6)), "fixed", id="2d-float"),
        pytest.param(np.zeros((4, 6), dtype=np.int64), "fixed", id="2d-int"),
        pytest.param([[1.0, 2.0], [3.0, 4.0]], "fixed", id="nested-float-lists"),
        pytest.param(pd.DataFrame(np.zeros((4, 6))), "fixed", id="dataframe"),
        pytest.param(np.zeros((4, 6, 2)), "numeric", id="3d"),
        pytest.param(
            _ragged(np.random.RandomState(0), [5, 2, 7]), "numeric", id="ragged-2d-arrays"
        ),
        pytest.param(
            _ragged(np.random.RandomState(0), [4, 4, 4]), "numeric", id="equal-2d-arrays"
        ),
        pytest.param(
            [np.array([1.0, 2.0]), np.array([3.0])], "numeric", id="ragged-univariate"
        ),
    ],
)
def test_infer_input_kind(X, kind):
    assert infer_input_kind(X) == kind


def test_infer_input_kind_sktime_panels(vowels):
    nested, multi = vowels
    assert isinstance(nested.iloc[0, 0], pd.Series)
    assert infer_input_kind(nested) == "numeric"
    assert isinstance(multi.index, pd.MultiIndex)
    assert infer_input_kind(multi) == "numeric"


@pytest.mark.parametrize(
    "X, error, match",
    [
        pytest.param(None, ValueError, "X is None", id="none"),
        pytest.param("a film", TypeError, "single string", id="single-string"),
        pytest.param(b"a film", TypeError, "single bytes object", id="bytes"),
        pytest.param(sparse.csr_matrix(np.eye(3)), TypeError, "Sparse data", id="sparse"),
        pytest.param([], ValueError, "empty", id="empty-list"),
        pytest.param(np.zeros(5), ValueError, "Expected 2D array", id="1d-float"),
        pytest.param([1.0, 2.0], ValueError, "Expected 2D array", id="list-of-scalars"),
        pytest.param(np.zeros((2, 3, 4, 5)), ValueError, "2-D or 3-D", id="4d"),
        pytest.param(np.array([["a", "b"]]), ValueError, "must be 1-D", id="2d-str"),
        pytest.param({"a": 1}, TypeError, "got dict", id="dict"),
        pytest.param(42, TypeError, "got int", id="int"),
    ],
)
def test_infer_input_kind_errors(X, error, match):
    with pytest.raises(error, match=match):
        infer_input_kind(X)


def test_infer_input_kind_names_the_argument():
    with pytest.raises(ValueError, match="X_test is None"):
        infer_input_kind(None, name="X_test")


def test_infer_input_kind_tokens_with_empty_first_sequence():
    ids = TextVectorizer().fit(["good film", "bad"]).transform(["", "good film"])
    assert ids[0].dtype == np.int64 and ids[0].size == 0
    assert infer_input_kind(ids) == "tokens"


# --------------------------------------------------------------------------------------
# to_numeric_sequences / to_token_sequences
# --------------------------------------------------------------------------------------


def test_to_numeric_sequences_2d_is_univariate():
    X = np.arange(12, dtype=np.float64).reshape(3, 4)
    seqs = to_numeric_sequences(X)
    assert len(seqs) == 3
    assert seqs.lengths.dtype == np.int64 and seqs.lengths.tolist() == [4, 4, 4]
    for row, seq in zip(X, seqs.data, strict=True):
        assert seq.dtype == np.float32 and seq.shape == (4, 1)
        np.testing.assert_array_equal(seq[:, 0], row)


def test_to_numeric_sequences_3d_and_ragged():
    rng = np.random.RandomState(0)
    X3 = rng.normal(size=(5, 6, 2))
    seqs = to_numeric_sequences(X3)
    assert seqs.lengths.tolist() == [6] * 5
    np.testing.assert_allclose(np.stack(seqs.data), X3.astype(np.float32))

    ragged = _ragged(rng, [3, 1, 7])
    seqs = to_numeric_sequences(ragged)
    assert seqs.lengths.tolist() == [3, 1, 7]
    for a, b in zip(ragged, seqs.data, strict=True):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a.astype(np.float32))

    univariate = [np.arange(3.0), np.arange(5.0)]
    seqs = to_numeric_sequences(univariate)
    assert [s.shape for s in seqs.data] == [(3, 1), (5, 1)]


def test_to_numeric_sequences_sktime_panels_agree(vowels):
    nested, multi = vowels
    from_nested = to_numeric_sequences(nested)
    from_multi = to_numeric_sequences(multi)
    assert len(from_nested) == len(from_multi) == len(nested) == 270
    expected = [len(nested.iloc[i, 0]) for i in range(len(nested))]
    assert from_nested.lengths.tolist() == expected
    assert from_multi.lengths.tolist() == expected
    assert len(set(expected)) > 1  # a ragged panel
    for a, b in zip(from_nested.data, from_multi.data, strict=True):
        assert a.shape[1] == 12
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(
        from_nested.data[3][:, 5], nested.iloc[3, 5].to_numpy(dtype=np.float32)
    )


def test_to_numeric_sequences_does_not_modify_input():
    rng = np.random.RandomState(0)
    X3 = rng.normal(size=(4, 5, 2)).astype(np.float32)
    ragged = _ragged(rng, [3, 6])
    before = (X3.copy(), [a.copy() for a in ragged])
    to_numeric_sequences(X3)
    to_numeric_sequences(ragged)
    np.testing.assert_array_equal(X3, before[0])
    for a, b in zip(ragged, before[1], strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "X, match",
    [
        pytest.param(np.array([[1.0, np.nan]]), "NaN or infinity", id="nan-2d"),
        pytest.param(np.array([[[1.0], [np.inf]]]), "NaN or infinity", id="inf-3d"),
        pytest.param([np.ones((2, 2)), np.array([[1.0, -np.inf]])], r"X\[1\] contains NaN",
                     id="inf-ragged"),
        pytest.param([np.ones((2, 2)), np.zeros((0, 2))], r"X\[1\] is an empty sequence",
                     id="zero-length"),
        pytest.param(np.zeros((3, 0, 2)), "zero time steps", id="zero-steps-3d"),
        pytest.param([np.ones((2, 2)), np.ones((3, 3))], r"X\[1\] has 3 features.*X\[0\] has 2",
                     id="different-features"),
        pytest.param([np.ones((2, 2, 2))], r"X\[0\] must have shape", id="3d-item"),
    ],
)
def test_to_numeric_sequences_errors(X, match):
    with pytest.raises(ValueError, match=match):
        to_numeric_sequences(X)


def test_to_numeric_sequences_rejects_strings():
    with pytest.raises(TypeError, match=r"X\[0\] is not numeric"):
        to_numeric_sequences([np.array(["a", "b"])])


def test_to_token_sequences():
    X = [np.array([2, 3, 9], dtype=np.int32), [4], np.array([5, 6], dtype=np.uint8)]
    seqs = to_token_sequences(X)
    assert seqs.lengths.dtype == np.int64 and seqs.lengths.tolist() == [3, 1, 2]
    assert all(s.dtype == np.int64 for s in seqs.data)
    assert [s.tolist() for s in seqs.data] == [[2, 3, 9], [4], [5, 6]]
    seqs.data[0][0] = 77  # a copy: the input is untouched
    assert X[0][0] == 2


def test_to_token_sequences_maps_out_of_vocabulary_ids_to_unknown():
    X = [np.array([2, 7, 4, 5])]
    seqs = to_token_sequences(X, vocab_size=5)
    assert seqs.data[0].tolist() == [2, 1, 4, 1]
    assert X[0].tolist() == [2, 7, 4, 5]


@pytest.mark.parametrize(
    "X, error, match",
    [
        pytest.param([np.array([2, -1])], ValueError, r"X\[0\] holds a negative token id",
                     id="negative"),
        pytest.param([np.array([2]), np.array([1.0, 2.0])], TypeError,
                     r"X\[1\] must hold integer token ids.*float64", id="float-ids"),
        pytest.param([np.array([[2, 3]])], ValueError, r"X\[0\] must be a 1-D sequence",
                     id="2d-item"),
    ],
)
def test_to_token_sequences_errors(X, error, match):
    with pytest.raises(error, match=match):
        to_token_sequences(X)


# --------------------------------------------------------------------------------------
# Sequences
# --------------------------------------------------------------------------------------


def test_sequences_truncate():
    rng = np.random.RandomState(0)
    seqs = to_numeric_sequences(_ragged(rng, [3, 8, 5]))
    assert seqs.truncate(None) is seqs
    assert seqs.truncate(8) is seqs
    cut = seqs.truncate(4)
    assert cut.lengths.tolist() == [3, 4, 4]
    assert [len(s) for s in cut.data] == [3, 4, 4]
    for full, short in zip(seqs.data, cut.data, strict=True):
        np.testing.assert_array_equal(short, full[:4])
        assert np.shares_memory(short, full)  # views, no copies
    assert seqs.lengths.tolist() == [3, 8, 5]  # the original is unchanged


def test_sequences_subset():
    seqs = to_token_sequences([[2, 3], [4], [5, 6, 7]])
    sub = seqs.subset(np.array([2, 0]))
    assert [s.tolist() for s in sub.data] == [[5, 6, 7], [2, 3]]
    assert sub.lengths.tolist() == [3, 2]


# --------------------------------------------------------------------------------------
# LengthBucketSampler
# --------------------------------------------------------------------------------------


@pytest.fixture
def lengths():
    return np.random.RandomState(0).randint(1, 200, size=1003)


def _spread(batches, lengths):
    return np.mean([np.ptp(lengths[b]) for b in batches])


def test_bucket_sampler_covers_every_index_once(lengths):
    for shuffle in (True, False):
        sampler = LengthBucketSampler(lengths, batch_size=16, shuffle=shuffle, seed=0)
        for _ in range(2):
            batches = list(sampler)
            assert len(batches) == len(sampler) == 63
            flat = np.concatenate(batches)
            assert sorted(flat.tolist()) == list(range(len(lengths)))
            sizes = sorted(len(b) for b in batches)
            assert sizes == [1003 % 16] + [16] * (1003 // 16)


def test_bucket_sampler_batches_have_similar_lengths(lengths):
    sampler = LengthBucketSampler(lengths, batch_size=16, shuffle=True, seed=0)
    bucketed = _spread(list(sampler), lengths)
    perm = np.random.RandomState(0).permutation(len(lengths))
    random = _spread([perm[i : i + 16] for i in range(0, len(perm), 16)], lengths)
    assert bucketed < 0.1 * random


def test_bucket_sampler_is_seeded_and_reshuffles(lengths):
    a = LengthBucketSampler(lengths, batch_size=16, shuffle=True, seed=42)
    b = LengthBucketSampler(lengths, batch_size=16, shuffle=True, seed=42)
    a1, b1 = [x for x in a], [x for x in b]
    assert a1 == b1
    a2 = list(a)
    assert a2 != a1  # a new pass draws new pools and a new batch order
    assert a2 == list(b)
    c = LengthBucketSampler(lengths, batch_size=16, shuffle=True, seed=43)
    assert list(c) != a1


def _padded_cost(batches, lengths):
    return sum(len(b) * lengths[b].max() for b in batches)


def test_bucket_sampler_without_shuffle_is_sorted(lengths):
    sampler = LengthBucketSampler(lengths, batch_size=16, shuffle=False)
    batches = list(sampler)
    assert batches == list(sampler)  # deterministic
    assert all(isinstance(i, int) for i in batches[0])
    for batch in batches:
        assert np.all(np.diff(lengths[batch]) >= 0)
    # Sorted batches are the least padding: no shuffled pass pads less.
    shuffled = LengthBucketSampler(lengths, batch_size=16, shuffle=True, seed=0)
    assert _padded_cost(batches, lengths) <= _padded_cost(list(shuffled), lengths)
    perm = np.random.RandomState(0).permutation(len(lengths))
    plain = [perm[i : i + 16] for i in range(0, len(perm), 16)]
    assert _padded_cost(batches, lengths) < 0.7 * _padded_cost(plain, lengths)


def test_bucket_sampler_equal_lengths_are_shuffled():
    # All sequences of one length (2-D input): batches must still be random each pass.
    sampler = LengthBucketSampler(np.full(64, 7), batch_size=8, shuffle=True, seed=0)
    first, second = list(sampler), list(sampler)
    assert sorted(map(sorted, first)) != sorted(map(sorted, second))
    assert first[0] != list(range(8))


def test_bucket_sampler_new_batches_with_distinct_lengths():
    sampler = LengthBucketSampler(np.arange(1, 65), batch_size=8, shuffle=True, seed=0)
    compositions = {tuple(sorted(tuple(sorted(b)) for b in sampler)) for _ in range(6)}
    assert len(compositions) > 1


# --------------------------------------------------------------------------------------
# pad_collate / SequenceLoader
# --------------------------------------------------------------------------------------


def test_pad_collate_tokens():
    batch = [(np.array([2, 3, 4]), 1), (np.array([5]), 0), (np.array([6, 7]), 1)]
    X, y = pad_collate(batch)
    assert set(X) == {"x", "lengths"}
    x, lengths = X["x"], X["lengths"]
    assert x.dtype == torch.int64 and x.shape == (3, 3)
    assert x.tolist() == [[2, 3, 4], [5, 0, 0], [6, 7, 0]]
    assert lengths.dtype == torch.int64 and lengths.device.type == "cpu"
    assert lengths.tolist() == [3, 1, 2]
    assert y.tolist() == [1, 0, 1]


def test_pad_collate_numeric():
    rng = np.random.RandomState(0)
    seqs = [rng.normal(size=(n, 2)).astype(np.float32) + 5 for n in (2, 4, 1)]
    targets = [np.array([1.0, 2.0], np.float32) * i for i in range(3)]
    X, y = pad_collate(list(zip(seqs, targets, strict=True)))
    x = X["x"]
    assert x.dtype == torch.float32 and x.shape == (3, 4, 2)
    for row, seq in zip(x, seqs, strict=True):
        np.testing.assert_array_equal(row[: len(seq)].numpy(), seq)
        assert torch.all(row[len(seq) :] == 0)
    assert X["lengths"].dtype == torch.int64 and X["lengths"].tolist() == [2, 4, 1]
    assert y.dtype == torch.float32 and y.shape == (3, 2)
    np.testing.assert_array_equal(y.numpy(), np.stack(targets))


def test_pad_collate_without_targets():
    X, y = pad_collate([(np.array([2, 3]), None), (np.array([4]), None)])
    assert y is None
    assert X["x"].shape == (2, 2)


def _dataset(rng, n=50):
    lengths = rng.randint(1, 30, size=n)
    seqs = Sequences([rng.normal(size=(t, 2)).astype(np.float32) for t in lengths],
                     lengths.astype(np.int64))
    return SequenceDataset(seqs, np.arange(n))


def test_sequence_loader_pads_to_batch_maximum():
    ds = _dataset(np.random.RandomState(0))
    loader = SequenceLoader(ds, batch_size=8, shuffle=True, seed=0)
    seen = []
    for X, y in loader:
        assert X["x"].shape[1] == int(X["lengths"].max())
        for row, i in zip(X["x"], y.tolist(), strict=True):
            np.testing.assert_array_equal(row[: ds.lengths[i]].numpy(), ds.sequences.data[i])
        seen.extend(y.tolist())
    assert sorted(seen) == list(range(50))


def test_sequence_loader_pickles():
    ds = _dataset(np.random.RandomState(0))
    for bucket in (True, False):
        loader = SequenceLoader(ds, batch_size=8, shuffle=False, bucket=bucket)
        clone = pickle.loads(pickle.dumps(loader))
        for (Xa, ya), (Xb, yb) in zip(loader, clone, strict=True):
            assert torch.equal(Xa["x"], Xb["x"]) and torch.equal(ya, yb)


def test_sequence_loader_without_buckets():
    ds = _dataset(np.random.RandomState(0))
    plain = SequenceLoader(ds, batch_size=8, shuffle=False, bucket=False)
    order = np.concatenate([y.numpy() for _, y in plain])
    assert order.tolist() == list(range(50))  # plain order, not sorted by length
    assert [len(y) for _, y in plain] == [8] * 6 + [2]
    a = [y.tolist() for _, y in SequenceLoader(ds, batch_size=8, shuffle=True, bucket=False,
                                               seed=3)]
    b = [y.tolist() for _, y in SequenceLoader(ds, batch_size=8, shuffle=True, bucket=False,
                                               seed=3)]
    assert a == b and a != [list(range(i, min(i + 8, 50))) for i in range(0, 50, 8)]
    # Buckets cost less padding than plain batches.
    bucketed = SequenceLoader(ds, batch_size=8, shuffle=False, bucket=True)
    padded = sum(X["x"].shape[0] * X["x"].shape[1] for X, _ in bucketed)
    unbucketed = sum(X["x"].shape[0] * X["x"].shape[1] for X, _ in plain)
    assert padded < unbucketed


# --------------------------------------------------------------------------------------
# length_mask / SequencePooling
# --------------------------------------------------------------------------------------


def test_length_mask():
    mask = length_mask(torch.tensor([2, 4, 1]), 4)
    assert mask.dtype == torch.bool and mask.shape == (3, 4)
    assert mask.tolist() == [
        [True, True, False, False],
        [True, True, True, True],
        [True, False, False, False],
    ]
    assert length_mask(torch.tensor([1]), 3, device="cpu").tolist() == [[True, False, False]]


def _padded_outputs(lengths, dim=5, pad_value=1e3):
    gen = torch.Generator().manual_seed(0)
    seqs = [torch.randn(n, dim, generator=gen) for n in lengths]
    total = max(lengths)
    batch = torch.full((len(lengths), total, dim), pad_value)
    for row, seq in zip(batch, seqs, strict=True):
        row[: len(seq)] = seq
    return seqs, batch, length_mask(torch.tensor(lengths), total)


@pytest.mark.parametrize("mode", ["mean", "max", "attention"])
def test_pooling_ignores_padding(mode):
    torch.manual_seed(0)
    pool = SequencePooling(mode, 5)
    lengths = [4, 1, 6, 3]
    seqs, batch, mask = _padded_outputs(lengths)
    with torch.no_grad():
        pooled = pool(batch, mask)
        alone = torch.cat([pool(seq[None], None) for seq in seqs])
        unmasked = pool(batch, None)
    assert pooled.shape == (4, 5)
    assert torch.allclose(pooled, alone, atol=1e-6)
    # Without the mask the padding (1e3) would change the result: the mask matters.
    assert not torch.allclose(unmasked, alone, atol=1e-3)


def test_pooling_mean_and_max_values():
    seqs, batch, mask = _padded_outputs([2, 3])
    mean = SequencePooling("mean", 5)(batch, mask)
    maxed = SequencePooling("max", 5)(batch, mask)
    assert torch.allclose(mean[0], seqs[0].mean(0)) and torch.allclose(mean[1], seqs[1].mean(0))
    assert torch.equal(maxed[0], seqs[0].amax(0)) and torch.equal(maxed[1], seqs[1].amax(0))


def test_pooling_rejects_unknown_mode():
    with pytest.raises(ValueError, match="pooling must be"):
        SequencePooling("sum", 4)


# --------------------------------------------------------------------------------------
# SequenceEncoder: a padded batch equals each sequence encoded alone
# --------------------------------------------------------------------------------------


def _encoder(cell_type, pooling, tokens, bidirectional=True):
    torch.manual_seed(0)
    inputs = dict(vocab_size=30, embedding_dim=6) if tokens else dict(input_size=3)
    return SequenceEncoder(
        cell_type=cell_type, hidden_size=5, num_layers=2, bidirectional=bidirectional,
        dropout=0.0, pooling=pooling, **inputs,
    ).eval()


@pytest.mark.parametrize("tokens", [False, True], ids=["numeric", "tokens"])
@pytest.mark.parametrize("pooling", ["last", "mean"])
@pytest.mark.parametrize("cell_type", ["gru", "lstm"])
def test_encoder_padding_never_leaks(cell_type, pooling, tokens):
    enc = _encoder(cell_type, pooling, tokens)
    rng = np.random.RandomState(0)
    lengths = [5, 2, 7, 1, 7]
    if tokens:
        seqs = [rng.randint(2, 30, size=n) for n in lengths]
    else:
        seqs = [rng.normal(size=(n, 3)).astype(np.float32) for n in lengths]
    X, _ = pad_collate([(s, None) for s in seqs])
    garbage = X["x"].clone()  # the same batch with junk in the padded steps
    for row, n in zip(garbage, lengths, strict=True):
        row[n:] = 29 if tokens else 1e3
    with torch.no_grad():
        batched = enc(X["x"], X["lengths"])
        junk = enc(garbage, X["lengths"])
        alone = torch.cat(
            [enc(torch.as_tensor(s)[None], torch.tensor([len(s)])) for s in seqs]
        )
    assert batched.shape == (5, 10)
    assert torch.allclose(batched, alone, atol=1e-5)
    assert torch.allclose(junk, alone, atol=1e-5)


def test_encoder_unidirectional_last_state_ignores_padding():
    uni = _encoder("gru", "last", tokens=False, bidirectional=False)
    seqs = [np.ones((3, 3), np.float32), np.ones((1, 3), np.float32)]
    X, _ = pad_collate([(s, None) for s in seqs])
    with torch.no_grad():
        out = uni(X["x"], X["lengths"])
        alone = torch.cat([uni(torch.as_tensor(s)[None], torch.tensor([len(s)])) for s in seqs])
    assert out.shape == (2, 5)
    assert torch.allclose(out, alone, atol=1e-6)
    assert not torch.allclose(out[0], out[1])


# --------------------------------------------------------------------------------------
# run_padded: the unpacked inference path equals the packed run
# --------------------------------------------------------------------------------------


def _packed_run(rnn, x, lengths):
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    with torch.no_grad():
        outputs, state = rnn(packed)
    outputs, _ = pad_packed_sequence(outputs, batch_first=True, total_length=x.shape[1])
    h_n = state[0] if isinstance(state, tuple) else state
    return outputs, h_n[-(2 if rnn.bidirectional else 1) :]


_LENGTHS = torch.tensor([9, 3, 1, 5, 9, 2, 7])


def _padded_batch(features=4):
    x = torch.randn(len(_LENGTHS), int(_LENGTHS.max()), features,
                    generator=torch.Generator().manual_seed(0))
    return x * length_mask(_LENGTHS, x.shape[1]).unsqueeze(2)


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True], ids=["uni", "bi"])
@pytest.mark.parametrize("cell_type", ["rnn", "lstm", "gru"])
def test_run_padded_equals_the_packed_run(cell_type, bidirectional, num_layers):
    torch.manual_seed(0)
    rnn = make_rnn(cell_type, 4, 6, num_layers, bidirectional, 0.0).eval()
    x = _padded_batch()
    assert supports_run_padded(rnn)
    expected_outputs, expected_final = _packed_run(rnn, x, _LENGTHS)
    with torch.no_grad():
        outputs, final = run_padded(rnn, x, _LENGTHS)
    assert outputs.shape == expected_outputs.shape
    assert final.shape == expected_final.shape
    assert torch.allclose(outputs, expected_outputs, atol=1e-6)  # zeros at the padding too
    assert torch.allclose(final, expected_final, atol=1e-6)


def test_run_padded_leaves_dynamic_quantised_stacks_packed():
    rnn = make_rnn("lstm", 4, 6, 1, True, 0.0).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization deprecation notices
        quantised = torch.ao.quantization.quantize_dynamic(
            nn.Sequential(rnn), {nn.LSTM}, dtype=torch.qint8
        )[0]
    assert not supports_run_padded(quantised)


def test_run_padded_is_not_for_other_modules():
    assert not supports_run_padded(nn.LSTM(3, 4))  # time-major
    assert not supports_run_padded(nn.LSTM(3, 4, batch_first=True, proj_size=2))
    assert not supports_run_padded(nn.Linear(3, 4))


def test_encoder_packs_in_training_and_matches_inference():
    enc = _encoder("lstm", "max", tokens=True)
    x, _ = pad_collate([(np.arange(2, 2 + n), None) for n in (5, 2, 7)])
    with torch.no_grad():
        unpacked = enc.eval()(x["x"], x["lengths"])
        packed = enc.train()(x["x"], x["lengths"])  # dropout 0: only the path differs
    assert not enc._run_unpacked(torch.zeros(1))
    assert torch.allclose(unpacked, packed, atol=1e-6)


def test_to_token_sequences_maps_an_empty_document_to_one_unknown_token():
    seqs = to_token_sequences([np.array([2, 3]), np.array([], dtype=np.int64)])
    assert seqs.data[1].tolist() == [1]
    assert seqs.lengths.tolist() == [2, 1]


@pytest.mark.parametrize("cell_type", ["rnn", "lstm", "gru"])
def test_make_rnn_initialisations(cell_type):
    hidden = 8
    keras = make_rnn(cell_type, 4, hidden, 2, False, 0.0)
    for name, param in keras.named_parameters():
        if name.startswith("weight_hh"):  # each gate's block is orthogonal
            block = param.detach()[:hidden]
            assert torch.allclose(block @ block.T, torch.eye(hidden), atol=1e-5)
        elif name.startswith("bias_hh"):
            assert torch.all(param == 0)
    if cell_type == "lstm":
        assert torch.all(keras.bias_ih_l0[hidden : 2 * hidden] == 1.0)  # forget gate
    torch.manual_seed(0)
    native = make_rnn(cell_type, 4, hidden, 2, False, 0.0, init="torch")
    torch.manual_seed(0)
    reference = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell_type](
        4, hidden, num_layers=2, batch_first=True
    )
    # PyTorch's own uniform(+-1/sqrt(hidden)) draw, untouched
    pairs = zip(native.named_parameters(), reference.parameters(), strict=True)
    for (name, param), expected in pairs:
        assert torch.equal(param, expected), name


def test_make_rnn_rejects_an_unknown_initialisation():
    with pytest.raises(ValueError, match="init must be 'keras' or 'torch', got 'xavier'"):
        make_rnn("lstm", 4, 8, 1, False, 0.0, init="xavier")
