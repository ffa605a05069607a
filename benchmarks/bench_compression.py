"""Compression on MR polarity: accuracy, size and predict time of the float model, its
int8 quantisation and its 50 % magnitude pruning.

The default ``RNNClassifier`` (bidirectional LSTM-64 over 128-d word embeddings, max
pooling) is fitted on 80 % of the movie-review polarity data (stratified, random_state=0,
as ``examples/compress_sentiment.py``) with ``--fit-threads`` threads. Then, on one thread,
each model predicts the 2,133 test reviews ``--repeats`` times; the rounds interleave
the models (rotating the order every round) so that machine noise hits all of them, and
the script reports each model's median, the ratio to the float model's median and its
test accuracy. ``predict`` is timed end to end: tokenising, batching and the network.

With ``--packed`` the float model is also timed through the packed path that
``SequenceEncoder`` took for padded batches at inference before ``run_padded`` (a
side-by-side record of that change; it patches the encoder's path choice). The int8
model always takes the packed path: unpacked measured slower for torch's quantised LSTM.

Sizes are those of :func:`sk_rnn.compression.model_size`: the saved ``state_dict``, raw
and zlib-compressed.

With ``--engines`` it then times the network alone (the test set's batches, already
tokenised and padded, through ``net_.module_``) for the float model and for int8 copies
quantised under each of PyTorch's quantised engines (``x86``, ``fbgemm``, ``onednn``,
``qnnpack``), interleaved the same way.

    python benchmarks/bench_compression.py --repeats 21 --packed --engines
"""

from __future__ import annotations

import statistics
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from _common import Timer, base_parser, machine, set_threads, write_result
from sklearn.model_selection import train_test_split

from sk_rnn import RNNClassifier
from sk_rnn._sequences import length_batches
from sk_rnn.compression import model_size, prune, quantize
from sk_rnn.datasets import load_movie_reviews
from sk_rnn.nn.encoder import SequenceEncoder


@contextmanager
def packed_path(enabled: bool):
    """Make ``SequenceEncoder`` pack padded batches at inference (the path before
    ``run_padded``) while ``enabled``."""
    if not enabled:
        yield
        return
    original = SequenceEncoder._run_unpacked
    SequenceEncoder._run_unpacked = lambda self, inputs: False
    try:
        yield
    finally:
        SequenceEncoder._run_unpacked = original


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--fit-threads", type=int, default=2, help="torch threads for fit")
    parser.add_argument("--repeats", type=int, default=15, help="timed predictions per model")
    parser.add_argument("--amount", type=float, default=0.5, help="share prune() zeroes")
    parser.add_argument("--packed", action="store_true",
                        help="also time float through the packed path (before)")
    parser.add_argument("--engines", action="store_true",
                        help="also time the network alone under each quantised engine")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the fit")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()

    texts, labels = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    set_threads(args.fit_threads)
    with Timer() as fit_timer:
        model = RNNClassifier(random_state=args.seed, device="cpu").fit(X_train, y_train)
    print(f"fit {fit_timer.seconds:.1f} s, {model.n_iter_} epochs, "
          f"{len(X_train):,} train / {len(X_test):,} test reviews")

    with warnings.catch_warnings():  # torch.ao.quantization's deprecation notices
        warnings.simplefilter("ignore")
        variants = {"float32": (model, False), "int8": (quantize(model), False),
                    f"pruned {args.amount:.0%}": (prune(model, args.amount), False)}
    if args.packed:
        variants["float32, packed (before)"] = (model, True)

    set_threads(1)
    predictions = {}
    for name, (estimator, packed) in variants.items():  # warm-up, and the predictions
        with packed_path(packed):
            predictions[name] = estimator.predict(X_test)

    def run(estimator, packed):
        def predict():
            with packed_path(packed):
                estimator.predict(X_test)
        return predict

    times = _interleaved_times({name: run(*pair) for name, pair in variants.items()},
                               args.repeats)

    reference = statistics.median(times["float32"])
    rows = []
    for name, (estimator, _) in variants.items():
        median = statistics.median(times[name])
        rows.append({
            "benchmark": "compression_mr", "model": name, "seed": args.seed,
            "accuracy": float(np.mean(predictions[name] == y_test)),
            "agreement": float(np.mean(predictions[name] == predictions["float32"])),
            "size_kib": model_size(estimator) / 1024,
            "zipped_kib": model_size(estimator, compressed=True) / 1024,
            "predict_ms_median": 1000 * median,
            "predict_ms_all": [round(1000 * t, 1) for t in times[name]],
            "speedup_vs_float32": reference / median,
            "fit_seconds": fit_timer.seconds, "machine": machine(),
        })
        write_result(rows[-1], args.out)
    print(f"{'model':>26} {'accuracy':>8} {'agree':>6} {'KiB':>7} {'zlib KiB':>8} "
          f"{'predict ms':>10} {'speed-up':>8}")
    for row in rows:
        print(f"{row['model']:>26} {row['accuracy']:8.4f} {row['agreement']:6.3f} "
              f"{row['size_kib']:7,.0f} {row['zipped_kib']:8,.0f} "
              f"{row['predict_ms_median']:10.1f} {row['speedup_vs_float32']:7.2f}x")


    if args.engines:
        time_engines(model, X_test, args.repeats, args.out)


def _interleaved_times(runs: dict, repeats: int) -> dict:
    """Seconds of each ``runs[name]()`` over ``repeats`` rounds that interleave them,
    rotating the order every round so that machine noise hits all of them."""
    times = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            with Timer() as timer:
                runs[name]()
            times[name].append(timer.seconds)
    return times


def time_engines(model: RNNClassifier, X_test: list[str], repeats: int,
                 out: Path | None) -> None:
    """Network-only time of the float model and of int8 copies under each engine."""
    sequences = model._prepare_X(X_test, reset=False)
    batches = [batch for _, batch in length_batches(sequences.data, sequences.lengths, 256)]
    default_engine = torch.backends.quantized.engine
    modules = {"float32": (model.net_.module_.eval(), default_engine)}
    for engine in ("x86", "fbgemm", "onednn", "qnnpack"):
        if engine not in torch.backends.quantized.supported_engines:
            continue
        torch.backends.quantized.engine = engine  # weights are packed for this engine
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            modules[f"int8 ({engine})"] = (quantize(model).net_.module_, engine)
    torch.backends.quantized.engine = default_engine

    def run(module, engine):
        def forward():
            torch.backends.quantized.engine = engine
            with torch.inference_mode(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for batch in batches:
                    module(batch["x"], batch["lengths"])
        return forward

    runs = {name: run(*pair) for name, pair in modules.items()}
    for forward in runs.values():
        forward()  # warm-up
    medians = {name: statistics.median(t)
               for name, t in _interleaved_times(runs, repeats).items()}
    torch.backends.quantized.engine = default_engine
    print(f"network only, {len(batches)} batches: " + ", ".join(
        f"{name} {1000 * m:.1f} ms" for name, m in medians.items()))
    for name, median in medians.items():
        write_result({"benchmark": "compression_mr_network", "model": name,
                      "network_ms_median": 1000 * median,
                      "speedup_vs_float32": medians["float32"] / median,
                      "machine": machine()}, out)


if __name__ == "__main__":
    main()
