"""sk_rnn demo: grid search over the recurrent cell on speech features.

Japanese Vowels (shipped with sktime, no download): 12 LPC cepstrum coefficients per
frame, 7-29 frames per utterance, 9 speakers to recognise. A ``GridSearchCV`` over
``cell_type`` picks the best cell by cross-validation, then the refitted model is scored on
the official test split.

Run: ``python examples/demo.py`` (about a minute on 2 CPU cores), or
``python examples/demo.py --smoke`` (a few seconds: a slice, a tiny model, 1 epoch). It
prints the data, the grid-search table (cross-validated accuracy per cell), the test
accuracy of the best cell and where the chart of the table went (``--out``, default
``demo_japanese_vowels.png``; a folder gets that file name; with matplotlib installed)::

    JapaneseVowels: 270 training and 370 test utterances, 12 features per frame, 9 speakers
    Grid search over cell_type (cross-validated accuracy):
    cell_type  cv_accuracy  cv_std  fit_seconds  rank
    ...
    best cell: ...  test accuracy: 0.9...  (search took ... s)
    grid-search chart written to .../demo_japanese_vowels.png

(``examples/speech_japanese_vowels.py`` fits one model on the same data and plots its
confusion matrix.)
"""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sktime.datasets import load_japanese_vowels

from sk_rnn import RNNClassifier
from sk_rnn.plotting import save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_OUT = "demo_japanese_vowels.png"


def plot_search(table: pd.DataFrame, best_cell: str, test_accuracy: float) -> Figure:
    """The grid-search table as a chart: per cell, the cross-validated accuracy (mean and
    standard deviation over the folds; the best cell's test accuracy beside it) and the
    mean fit time."""
    from matplotlib.figure import Figure  # no pyplot: nothing is shown, nothing to close

    fig = Figure(figsize=(8, 3.5), layout="constrained")
    acc_ax, time_ax = fig.subplots(1, 2, width_ratios=(3, 2))
    cells = table["cell_type"].tolist()
    colors = ["#d55e00" if cell == best_cell else "#0173b2" for cell in cells]
    for i, row in enumerate(table.itertuples()):
        acc_ax.errorbar([i], [row.cv_accuracy], yerr=[row.cv_std], fmt="o", capsize=6,
                        color=colors[i], label="cross-validated (mean ± std)" if i == 0 else None)
        acc_ax.annotate(f"{row.cv_accuracy:.3f}", (i, row.cv_accuracy), ha="right",
                        va="center", xytext=(-8, 0), textcoords="offset points")
    best = cells.index(best_cell)
    acc_ax.plot([best + 0.15], [test_accuracy], marker="*", markersize=12, linestyle="none",
                color="black", label=f"test accuracy of {best_cell}: {test_accuracy:.3f}")
    acc_ax.set_xticks(range(len(cells)), labels=cells)
    acc_ax.set_xlim(-0.5, len(cells) - 0.5)
    acc_ax.set_ymargin(0.4)  # room for the legend
    acc_ax.set_ylabel("accuracy")
    acc_ax.legend(loc="upper left")
    time_ax.bar(cells, table["fit_seconds"], color=colors)
    time_ax.set_ylabel("mean fit time per fold (s)")
    fig.suptitle("GridSearchCV over cell_type on JapaneseVowels (best cell in orange)")
    return fig


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: a third of the data, 2 folds, a tiny model, 1 epoch")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    args = parser.parse_args(argv)

    X_train, y_train = load_japanese_vowels(split="train")  # nested DataFrame, ragged
    X_test, y_test = load_japanese_vowels(split="test")
    cv, params = args.cv, {"max_epochs": args.max_epochs}
    if args.smoke:
        X_train, y_train = X_train.iloc[::3], y_train[::3]
        X_test, y_test = X_test.iloc[::3], y_test[::3]
        cv, params = 2, {"max_epochs": 1, "hidden_size": 8, "early_stopping": False}
    print(f"JapaneseVowels: {len(X_train)} training and {len(X_test)} test utterances, "
          f"{X_train.shape[1]} features per frame, {len(set(y_train))} speakers")

    search = GridSearchCV(
        RNNClassifier(random_state=0, **params),
        {"cell_type": ["rnn", "lstm", "gru"]},
        cv=StratifiedKFold(cv, shuffle=True, random_state=0),
        n_jobs=args.n_jobs,
        verbose=0 if args.smoke else 3,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start

    table = pd.DataFrame(search.cv_results_)[
        ["param_cell_type", "mean_test_score", "std_test_score", "mean_fit_time", "rank_test_score"]
    ].rename(columns={"param_cell_type": "cell_type", "mean_test_score": "cv_accuracy",
                      "std_test_score": "cv_std", "mean_fit_time": "fit_seconds",
                      "rank_test_score": "rank"})
    print("\nGrid search over cell_type (cross-validated accuracy):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    best_cell = search.best_params_["cell_type"]
    test_accuracy = search.best_estimator_.score(X_test, y_test)
    print(f"\nbest cell: {best_cell}  test accuracy: {test_accuracy:.4f}  "
          f"(search took {fit_seconds:.0f} s)")

    try:
        fig = plot_search(table, best_cell, test_accuracy)
    except ImportError:  # matplotlib is optional: ``pip install -e .`` does not install it
        print("no chart written: it needs matplotlib (pip install matplotlib)")
        return
    print(f"grid-search chart written to {save_figure(fig, args.out, DEFAULT_OUT, dpi=120)}")


if __name__ == "__main__":
    main()
