"""Fit speed: sk_rnn against a hand-written PyTorch loop on the same model and data.

MR polarity, BiGRU-64 with 128-d embeddings and max pooling, 3 epochs, batch 32, one
thread, no validation. Both sides get the same token ids (``TextVectorizer`` output) and
the same module class; the hand-written loop draws length-bucketed batches (pools of 50
batches sorted by length, as sk_rnn does), pads each batch to its maximum, and runs Adam
with gradient clipping. Runs alternate (ours, baseline, ours, ...) so that machine noise
hits both; the script reports each side's median and the ratio of medians.

With ``--extras`` it also times the hand-written loop padding every batch to the global
maximum, for scale.

    python benchmarks/bench_speed.py --repeats 3
"""

from __future__ import annotations

import statistics

import numpy as np
import torch
from _common import Timer, base_parser, machine, set_threads
from torch.nn.utils.rnn import pad_sequence

from sk_rnn import RNNClassifier, TextVectorizer
from sk_rnn._sequences import equal_length_batches
from sk_rnn.datasets import load_movie_reviews
from sk_rnn.nn import SequenceModel

PARAMS = dict(cell_type="gru", hidden_size=64, embedding_dim=128, bidirectional=True,
              num_layers=1, pooling="max", dropout=0.3, batch_size=32, lr=2e-3,
              grad_clip=5.0, max_epochs=3,
              linear_ngrams=0)  # the hand-written loop has no n-gram path


def sk_rnn_fit(ids, y, seed: int) -> float:
    clf = RNNClassifier(**PARAMS, early_stopping=False, random_state=seed, device="cpu")
    with Timer() as t:
        clf.fit(ids, y)
    return t.seconds


def bucketed_batches(lengths: np.ndarray, batch_size: int, rng, pool_batches: int = 50):
    perm = rng.permutation(len(lengths))
    pool = batch_size * pool_batches
    batches = []
    for start in range(0, len(perm), pool):
        chunk = perm[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def handwritten_fit(ids, y, seed: int, global_pad: bool = False,
                    equal_lengths: bool = False) -> float:
    """The reference loop: what a PyTorch user writes by hand.

    ``equal_lengths`` swaps the classic pooled buckets for sk_rnn's own batching (runs
    of one length, no padding), so that the difference to sk_rnn is the wrapper alone.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    vocab = int(max(s.max() for s in ids)) + 1
    with Timer() as t:
        seqs = [torch.from_numpy(s) for s in ids]
        lengths = np.array([len(s) for s in ids])
        targets = torch.from_numpy(y)
        model = SequenceModel(n_outputs=2, vocab_size=vocab, embedding_dim=128,
                              cell_type="gru", hidden_size=64, num_layers=1,
                              bidirectional=True, dropout=0.3, pooling="max")
        opt = torch.optim.Adam(model.parameters(), lr=PARAMS["lr"])
        loss_fn = torch.nn.CrossEntropyLoss()
        max_len = int(lengths.max())
        model.train()
        for _ in range(PARAMS["max_epochs"]):
            if equal_lengths:
                perm = rng.permutation(len(lengths))
                order = perm[np.argsort(lengths[perm], kind="stable")]
                batches = equal_length_batches(order, lengths, PARAMS["batch_size"])
                batches = [batches[i] for i in rng.permutation(len(batches))]
            else:
                batches = bucketed_batches(lengths, PARAMS["batch_size"], rng)
            for batch in batches:
                x = pad_sequence([seqs[i] for i in batch], batch_first=True)
                if global_pad:
                    x = torch.nn.functional.pad(x, (0, max_len - x.shape[1]))
                lens = torch.from_numpy(lengths[batch])
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x, lens), targets[batch])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), PARAMS["grad_clip"])
                opt.step()
    return t.seconds


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--extras", action="store_true",
                        help="also time the hand-written loop padding to the global maximum")
    args = parser.parse_args()
    set_threads(args.threads)
    X, y = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    ids = TextVectorizer().fit_transform(X)
    y = np.asarray(y, dtype=np.int64)
    print(f"MR: {len(ids)} sentences, mean length {np.mean([len(s) for s in ids]):.1f} "
          f"tokens; {machine()}")
    ours, base, same = [], [], []
    for r in range(args.repeats):
        ours.append(sk_rnn_fit(ids, y, seed=r))
        base.append(handwritten_fit(ids, y, seed=r))
        same.append(handwritten_fit(ids, y, seed=r, equal_lengths=True))
        print(f"  repeat {r}: sk_rnn {ours[-1]:.2f} s, hand-written (pooled buckets) "
              f"{base[-1]:.2f} s, hand-written (equal-length batches) {same[-1]:.2f} s")
    mo, mb, ms = (statistics.median(v) for v in (ours, base, same))
    print(f"median fit time, 3 epochs: sk_rnn {mo:.2f} s | hand-written loop, pooled "
          f"length buckets {mb:.2f} s (ratio {mo / mb:.3f}) | hand-written loop, sk_rnn's "
          f"equal-length batches {ms:.2f} s (ratio {mo / ms:.3f})")
    if args.extras:
        gp = handwritten_fit(ids, y, seed=0, global_pad=True)
        print(f"hand-written, every batch padded to the global maximum: {gp:.2f} s "
              f"({gp / mb:.2f}x the bucketed loop)")


if __name__ == "__main__":
    main()
