"""Shrink a fitted sentiment classifier: int8 quantisation, pruning and distillation.

An RNNClassifier (bidirectional LSTM over word embeddings) is fitted on the movie-review
polarity data (``sk_rnn.datasets.load_movie_reviews``, split 80/20), then compressed with
:mod:`sk_rnn.compression`:

- ``quantize(model)``: a copy whose LSTM, linear and embedding weights are stored as int8
  (PyTorch dynamic quantisation, CPU only), about 4x smaller;
- ``prune(model, amount)``: a copy with the smallest ``amount`` share of every weight
  matrix set to zero, which shrinks when saved compressed;
- ``prune(model, amount, structured=True, X=X_train, y=y_train, fine_tune_epochs=1)``: a
  smaller dense copy without the ``amount`` share of hidden units and embedding
  dimensions (those that contribute least over ``X_train``), fine-tuned for one epoch;
  faster, unlike the zeroed weights above;
- ``distill(model, X_train, y_train, hidden_size=32, ...)``: a new, smaller classifier
  (unidirectional LSTM-32 over 64-d embeddings of at most 10,000 words) trained on the
  model's softened probabilities; smaller dense matrices are what make predict faster on
  a CPU; and that student quantised.

All return fitted estimators with the same API, so they are scored exactly like the
original. A bar chart of size and accuracy is saved as a PNG.

    python examples/compress_sentiment.py          # ~1 minute
    python examples/compress_sentiment.py --smoke  # seconds

It prints one row per model: test accuracy, the share of test predictions equal to the
float model's, the saved size in KiB (raw and zlib-compressed) and the time of one
``predict`` of the test set after a warm-up (milliseconds, 2 CPU cores); a full run
printed::

    8,529 reviews to train, 2,133 to test
    pruned weight sparsity 0.50
                   model accuracy agreement size_kb zipped_kb predict_ms
                 float32    0.783     1.000  10,646     8,934        176
         int8 (quantize)    0.783     1.000   4,107     3,012        196
              pruned 50%    0.783     0.990  10,646     5,210        166
    structured 50% + ft1    0.783     0.955   6,099     4,725        101
    structured 75% + ft1    0.781     0.954   3,897     2,688         81
                 student    0.777     0.950   4,029     2,946         62
          student + int8    0.777     0.948   2,197     1,296         94
    sample predictions of the int8 model (p = probability of positive):
      p=0.00  'the characters are paper thin and the plot is so cliched ...'
    ...
    chart written to .../compression_sentiment.png

int8 buys size, not speed, on this model: PyTorch's int8 LSTM is no faster than oneDNN's
float one here. Speed comes from smaller dense matrices: the structured prunings and the
student. One call is noisy; ``benchmarks/bench_compression.py`` times interleaved
medians on one thread over MR 10-fold (int8 1.0-1.1x the float model's speed, structured
75 % + one epoch 2.4x, the student 2.2-2.6x).
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from sk_rnn import RNNClassifier
from sk_rnn.compression import distill, model_size, prune, quantize
from sk_rnn.datasets import load_movie_reviews
from sk_rnn.plotting import save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_OUT = "compression_sentiment.png"


def _row(
    name: str, model, X_test: list[str], y_test: np.ndarray, reference: np.ndarray | None
) -> tuple[dict, np.ndarray]:
    """Accuracy, agreement with ``reference``, sizes and predict time of ``model``, and
    its predictions."""
    model.predict(X_test[:8])  # warm-up: one-off set-up costs are not predict time
    start = time.perf_counter()
    y_pred = model.predict(X_test)
    seconds = time.perf_counter() - start
    return {
        "model": name,
        "accuracy": float(np.mean(y_pred == y_test)),
        "agreement": 1.0 if reference is None else float(np.mean(y_pred == reference)),
        "size_kb": model_size(model) / 1024,
        "zipped_kb": model_size(model, compressed=True) / 1024,
        "predict_ms": 1000 * seconds,
    }, y_pred


def _plot(table: pd.DataFrame) -> Figure:
    """Two bar charts side by side: saved size (raw and zipped) and test accuracy."""
    import matplotlib.pyplot as plt

    fig, (size_ax, acc_ax) = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained")
    x = np.arange(len(table))
    size_ax.bar(x - 0.2, table["size_kb"], width=0.4, label="saved", color="#0173b2")
    size_ax.bar(x + 0.2, table["zipped_kb"], width=0.4, label="saved + zlib",
                color="#de8f05")
    size_ax.set_ylabel("size (KiB)")
    size_ax.set_ylim(0, 1.25 * table["size_kb"].max())  # room for the legend
    size_ax.legend()
    acc_ax.bar(x, table["accuracy"], width=0.6, color="#029e73")
    for i, value in enumerate(table["accuracy"]):
        acc_ax.annotate(f"{value:.3f}", (i, value), ha="center", va="bottom",
                        xytext=(0, 2), textcoords="offset points")
    acc_ax.set_ylim(0, 1.08)
    acc_ax.set_ylabel("test accuracy")
    for ax in (size_ax, acc_ax):
        ax.set_xticks(x, labels=table["model"], rotation=20, ha="right")
    fig.suptitle("Compressing an RNNClassifier (movie-review polarity)")
    return fig


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding mr_polarity/ (default: SK_RNN_DATA_HOME or "
                             "~/sk_rnn_data, downloaded if missing)")
    parser.add_argument("--max-epochs", type=int, default=10, help="training epochs (at most)")
    parser.add_argument("--amount", type=float, default=0.5,
                        help="share of each weight matrix that prune() zeroes")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: 400 reviews, a tiny model, 1 epoch")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    args = parser.parse_args(argv)

    texts, labels = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    params: dict = {"max_epochs": args.max_epochs}
    student_params: dict = {"hidden_size": 32, "bidirectional": False, "embedding_dim": 64,
                            "vectorizer__max_features": 10_000}
    if args.smoke:
        student_params.update(hidden_size=8, embedding_dim=8, max_epochs=1)
        texts, _, labels, _ = train_test_split(texts, labels, train_size=400, stratify=labels,
                                               random_state=0)
        params = {"max_epochs": 1, "hidden_size": 16, "embedding_dim": 16}
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    print(f"{len(X_train):,} reviews to train, {len(X_test):,} to test")

    model = RNNClassifier(random_state=0, device="cpu", **params).fit(X_train, y_train)
    rows = []
    row, reference = _row("float32", model, X_test, y_test, None)
    rows.append(row)
    small = quantize(model)  # a fitted RNNClassifier too: predict, predict_proba, score...
    pruned = prune(model, args.amount)
    print(f"pruned weight sparsity {pruned.compression_['sparsity']:.2f}")
    student = distill(model, X_train, y_train, random_state=0, **student_params)
    variants = [("int8 (quantize)", small), (f"pruned {args.amount:.0%}", pruned)]
    for amount in (0.5, 0.75):  # whole units removed, then one epoch on the training part
        variants.append((f"structured {amount:.0%} + ft1",
                         prune(model, amount, structured=True, X=X_train, y=y_train,
                               fine_tune_epochs=1)))
    variants += [("student", student), ("student + int8", quantize(student))]
    for name, compressed in variants:
        rows.append(_row(name, compressed, X_test, y_test, reference)[0])
    table = pd.DataFrame(rows)
    formats = {"accuracy": "{:.3f}".format, "agreement": "{:.3f}".format,
               "size_kb": "{:,.0f}".format, "zipped_kb": "{:,.0f}".format,
               "predict_ms": "{:,.0f}".format}
    print(table.to_string(index=False, formatters=formats))

    print("sample predictions of the int8 model (p = probability of positive):")
    for text, p in zip(X_test[:3], small.predict_proba(X_test[:3])[:, 1], strict=True):
        short = text if len(text) <= 60 else text[:57] + "..."
        print(f"  p={p:.2f}  {short!r}")

    print(f"chart written to {save_figure(_plot(table), args.out, DEFAULT_OUT, dpi=120)}")


if __name__ == "__main__":
    main()
