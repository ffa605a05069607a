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

With ``--structured`` it adds structured pruning (``prune(..., structured=True)``: whole
hidden units and embedding dimensions removed, ranked by the ``"auto"`` criterion on the
training fold's texts) of 50 % and 75 %, each as it is and fine-tuned for
``--fine-tune-epochs`` epochs on the training fold, and the 50 % model quantised to int8.
``--criteria`` adds the same prunings under every criterion (``weight``, ``activation``,
``contribution``), for choosing one; ``--dev`` then keeps the test part untouched: the
models are fitted on 80 % of the training part (stratified, random_state 0) and every
accuracy is measured on the other 20 % (the dev protocol the criterion and the fine-tune
epochs were chosen on). ``--fine-tune-epochs`` may list several counts.

With ``--engines`` it then times the network alone (the test set's batches, already
tokenised and padded, through ``net_.module_``) for the float model and for int8 copies
quantised under each of PyTorch's quantised engines (``x86``, ``fbgemm``, ``onednn``,
``qnnpack``), interleaved the same way.

    python benchmarks/bench_compression.py --repeats 21 --packed --engines
    python benchmarks/bench_compression.py --folds 10 --repeats 15 --structured
    python benchmarks/bench_compression.py --dev --structured --criteria \
        --fine-tune-epochs 1 2 --repeats 3
"""

from __future__ import annotations

import statistics
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from _common import (
    Timer,
    base_parser,
    interleaved_times,
    machine,
    set_threads,
    write_result,
)
from sklearn.model_selection import StratifiedKFold, train_test_split

import sk_rnn
from sk_rnn import RNNClassifier
from sk_rnn._sequences import length_batches
from sk_rnn._structured_pruning import CRITERIA
from sk_rnn.compression import distill, model_size, prune, quantize
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


#: Distilled students (``compression.distill`` on the training fold, with its labels):
#: fewer hidden units, one or two directions; a 64-d embedding over at most 10,000 words
#: for all (fixed before any measurement, not tuned).
STUDENT_BASE = {"embedding_dim": 64, "vectorizer__max_features": 10_000}
STUDENTS = {
    "student h32 bi": {"hidden_size": 32, "bidirectional": True},
    "student h32 uni": {"hidden_size": 32, "bidirectional": False},
    "student h16 bi": {"hidden_size": 16, "bidirectional": True},
    "student h16 uni": {"hidden_size": 16, "bidirectional": False},
}


def _variants(model, X_train, y_train, args, seed: int) -> dict:
    """name -> (estimator, packed) of every compressed variant of ``model``."""
    with warnings.catch_warnings():  # torch.ao.quantization's deprecation notices
        warnings.simplefilter("ignore")
        variants = {"float32": (model, False), "int8": (quantize(model), False),
                    f"pruned {args.amount:.0%}": (prune(model, args.amount), False)}
        if args.students:
            for name, params in STUDENTS.items():
                set_threads(args.fit_threads)
                with Timer() as timer:
                    student = distill(model, X_train, y_train, random_state=seed,
                                      **STUDENT_BASE, **params)
                student.fit_seconds_ = timer.seconds
                variants[name] = (student, False)
            variants["student h32 uni + int8"] = (
                quantize(variants["student h32 uni"][0]), False)
        if args.structured:
            variants.update(_structured_variants(model, X_train, y_train, args))
    if args.packed:
        variants["float32, packed (before)"] = (model, True)
    return variants


#: Shares of hidden units and embedding dimensions that ``--structured`` removes.
STRUCTURED_AMOUNTS = (0.5, 0.75)


def _structured_variants(model, X_train, y_train, args) -> dict:
    """name -> (estimator, packed) of the structured prunings of ``model``: each amount
    under the default criterion (and every criterion with ``--criteria``), as it is and
    fine-tuned on the training fold, plus the 50 % model in int8."""
    variants = {}
    criteria = CRITERIA if args.criteria else ("auto",)
    for amount in STRUCTURED_AMOUNTS:
        for criterion in criteria:
            label = f"structured {amount:.0%}" + (f" [{criterion}]" if args.criteria else "")
            set_threads(args.fit_threads)
            variants[label] = (prune(model, amount, structured=True, X=X_train,
                                     criterion=criterion), False)
            for epochs in args.fine_tune_epochs:
                with Timer() as timer:
                    tuned = prune(model, amount, structured=True, X=X_train, y=y_train,
                                  criterion=criterion, fine_tune_epochs=epochs)
                tuned.fit_seconds_ = timer.seconds
                variants[f"{label} + ft{epochs}"] = (tuned, False)
    if not args.criteria:
        variants["structured 50% + int8"] = (quantize(variants["structured 50%"][0]), False)
    return variants


def _file_kib(estimator) -> float:
    """KiB of the file ``sk_rnn.save`` writes (int8 models included)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.skrnn"
        sk_rnn.save(estimator, path)
        return path.stat().st_size / 1024


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--fit-threads", type=int, default=2, help="torch threads for fit")
    parser.add_argument("--repeats", type=int, default=15, help="timed predictions per model")
    parser.add_argument("--amount", type=float, default=0.5, help="share prune() zeroes")
    parser.add_argument("--packed", action="store_true",
                        help="also time float through the packed path (before)")
    parser.add_argument("--engines", action="store_true",
                        help="also time the network alone under each quantised engine")
    parser.add_argument("--students", action="store_true",
                        help="also distil smaller students (compression.distill)")
    parser.add_argument("--structured", action="store_true",
                        help="also prune whole units (prune(structured=True)) 50 %% / 75 %%")
    parser.add_argument("--criteria", action="store_true",
                        help="with --structured: every pruning criterion, not only 'auto'")
    parser.add_argument("--fine-tune-epochs", type=int, nargs="+", default=[1],
                        help="with --structured: fine-tune epochs of the tuned variants")
    parser.add_argument("--dev", action="store_true",
                        help="fit on 80%% of the training part, measure on its other 20%% "
                             "(the test part is not used)")
    parser.add_argument("--folds", type=int, default=0,
                        help="accuracy over this many stratified folds (shuffle, "
                             "random_state 0; timing on the first); 0: one 80/20 split")
    parser.add_argument("--seed", type=int, default=0, help="random_state of the fit")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()

    texts, labels = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels)
    if args.folds:
        splits = list(StratifiedKFold(args.folds, shuffle=True, random_state=0)
                      .split(texts, labels))
    else:
        splits = [train_test_split(np.arange(len(texts)), test_size=0.2, stratify=labels,
                                   random_state=0)]
    if args.dev:  # the training part only: 80 % to fit, 20 % to measure on
        splits = [train_test_split(train, test_size=0.2, stratify=labels[train],
                                   random_state=0) for train, _ in splits]
    accuracies: dict[str, list[float]] = {}
    for fold, (train, test) in enumerate(splits):
        X_train, X_test = texts[train].tolist(), texts[test].tolist()
        y_train, y_test = labels[train], labels[test]
        set_threads(args.fit_threads)
        with Timer() as fit_timer:
            model = RNNClassifier(random_state=args.seed, device="cpu").fit(X_train, y_train)
        print(f"fold {fold}: fit {fit_timer.seconds:.1f} s, {model.n_iter_} epochs, "
              f"{len(X_train):,} train / {len(X_test):,} {'dev' if args.dev else 'test'} "
              "reviews", flush=True)
        variants = _variants(model, X_train, y_train, args, args.seed)
        set_threads(1)
        predictions = {}
        for name, (estimator, packed) in variants.items():  # warm-up, and the predictions
            with packed_path(packed):
                predictions[name] = estimator.predict(X_test)
            accuracies.setdefault(name, []).append(float(np.mean(predictions[name] == y_test)))
        print("  " + ", ".join(f"{name} {acc[-1]:.4f}" for name, acc in accuracies.items()),
              flush=True)
        if fold == 0:
            timing = _time_variants(variants, X_test, args, fit_timer.seconds)
    _report(variants, accuracies, timing, args)
    if args.engines:
        time_engines(model, X_test, args.repeats, args.out)


def _time_variants(variants: dict, X_test: list[str], args, fit_seconds: float) -> dict:
    """Interleaved predict times on one thread, and each one's tokenisation share."""
    def run(estimator, packed):
        def predict():
            with packed_path(packed):
                estimator.predict(X_test)
        return predict

    def tokenise(estimator):
        return lambda: estimator._prepare_X(X_test, reset=False)

    runs = {name: run(*pair) for name, pair in variants.items()}
    runs.update({f"{name} [tokenise]": tokenise(estimator)
                 for name, (estimator, packed) in variants.items() if not packed})
    times = interleaved_times(runs, args.repeats)
    medians = {name: statistics.median(t) for name, t in times.items()}
    return {"medians": medians, "times": times, "fit_seconds": fit_seconds}


def _report(variants: dict, accuracies: dict, timing: dict, args) -> None:
    medians = timing["medians"]
    reference = medians["float32"]
    rows = []
    for name, (estimator, _) in variants.items():
        median = medians[name]
        tokenise = medians.get(f"{name} [tokenise]")
        rows.append({
            "benchmark": "compression_mr", "model": name, "seed": args.seed,
            "folds": len(accuracies[name]),
            "accuracy": float(np.mean(accuracies[name])),
            "accuracy_by_fold": [round(a, 4) for a in accuracies[name]],
            "accuracy_vs_float32": float(np.mean(accuracies[name])
                                         - np.mean(accuracies["float32"])),
            "size_kib": model_size(estimator) / 1024,
            "zipped_kib": model_size(estimator, compressed=True) / 1024,
            "file_kib": _file_kib(estimator),
            "predict_ms_median": 1000 * median,
            "tokenise_ms_median": None if tokenise is None else 1000 * tokenise,
            "predict_ms_all": [round(1000 * t, 1) for t in timing["times"][name]],
            "speedup_vs_float32": reference / median,
            "fit_seconds": getattr(estimator, "fit_seconds_", timing["fit_seconds"]),
            "machine": machine(),
        })
        write_result(rows[-1], args.out)
    float_file = rows[0]["file_kib"]
    print(f"{'model':>26} {'accuracy':>8} {'delta':>6} {'file KiB':>8} {'smaller':>7} "
          f"{'state KiB':>9} {'predict ms':>10} {'tokenise':>8} {'speed-up':>8}")
    for row in rows:
        tokenise = "" if row["tokenise_ms_median"] is None else f"{row['tokenise_ms_median']:.1f}"
        print(f"{row['model']:>26} {row['accuracy']:8.4f} "
              f"{100 * row['accuracy_vs_float32']:+6.2f} {row['file_kib']:8,.0f} "
              f"{float_file / row['file_kib']:6.1f}x {row['size_kib']:9,.0f} "
              f"{row['predict_ms_median']:10.1f} "
              f"{tokenise:>8} {row['speedup_vs_float32']:7.2f}x")


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
               for name, t in interleaved_times(runs, repeats).items()}
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
