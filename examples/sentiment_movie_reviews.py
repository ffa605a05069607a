"""Movie-review sentiment: a grid search over the recurrent cell of an RNNClassifier.

The sentence polarity data set (``sk_rnn.datasets.load_movie_reviews``, 10,662 review
snippets, half positive, half negative) is split 80/20; a ``GridSearchCV`` picks the
``cell_type`` ("rnn", "lstm" or "gru") by cross-validated accuracy on the training part,
the refitted best model is scored on the held-out part, and its training curves are saved
as a PNG with :func:`sk_rnn.plotting.plot_training_curves`.

    python examples/sentiment_movie_reviews.py   # ~10 minutes
    python examples/sentiment_movie_reviews.py --smoke  # seconds

It prints the data, the grid-search table, the test accuracy of the best cell, a few
reviews with their predicted polarity, and where the PNG went::

    10,662 reviews (5,331 positive): 8,529 to train, 2,133 to test
    Grid search over cell_type (3-fold cross-validated accuracy):
    cell_type  cv_accuracy  cv_std  fit_seconds  rank
    ...
    best cell: gru  test accuracy: 0.7...
    training curves written to .../training_curves_sentiment.png
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split

from sk_rnn import RNNClassifier
from sk_rnn.datasets import load_movie_reviews
from sk_rnn.plotting import plot_training_curves, save_figure

DEFAULT_OUT = "training_curves_sentiment.png"


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding mr_polarity/ (default: SK_RNN_DATA_HOME or "
                             "~/sk_rnn_data, downloaded if missing)")
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--max-epochs", type=int, default=10, help="training epochs (at most)")
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel fits of the search")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: 400 reviews, 2 folds, a tiny model, 1 epoch")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    args = parser.parse_args(argv)

    texts, labels = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    target_names = np.array(["negative", "positive"])
    cv, params = args.cv, {"max_epochs": args.max_epochs}
    if args.smoke:
        texts, _, labels, _ = train_test_split(texts, labels, train_size=400, stratify=labels,
                                               random_state=0)
        cv, params = 2, {"max_epochs": 1, "hidden_size": 8, "embedding_dim": 8}
    # The file lists all positive snippets, then all negative ones: the split shuffles.
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0
    )
    print(f"{len(texts):,} reviews ({int(np.sum(labels)):,} positive): "
          f"{len(X_train):,} to train, {len(X_test):,} to test")

    search = GridSearchCV(
        RNNClassifier(random_state=0, **params),
        {"cell_type": ["rnn", "lstm", "gru"]},
        cv=StratifiedKFold(cv, shuffle=True, random_state=0),
        n_jobs=args.n_jobs,
    )
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - start

    table = pd.DataFrame(search.cv_results_)[
        ["param_cell_type", "mean_test_score", "std_test_score", "mean_fit_time", "rank_test_score"]
    ].rename(columns={"param_cell_type": "cell_type", "mean_test_score": "cv_accuracy",
                      "std_test_score": "cv_std", "mean_fit_time": "fit_seconds",
                      "rank_test_score": "rank"})
    print(f"\nGrid search over cell_type ({cv}-fold cross-validated accuracy):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    best = search.best_estimator_
    print(f"\nbest cell: {search.best_params_['cell_type']}  "
          f"test accuracy: {best.score(X_test, y_test):.3f}  (search took {seconds:.0f} s)")

    print("sample predictions:")
    probabilities = best.predict_proba(X_test[:5])[:, 1]
    for text, truth, p in zip(X_test[:5], y_test[:5], probabilities, strict=True):
        short = text if len(text) <= 60 else text[:57] + "..."
        print(f"  {target_names[int(p >= 0.5)]:8} (p={p:.2f}, true {target_names[truth]:8})"
              f"  {short!r}")

    ax = plot_training_curves(best)
    ax.set_title(f"best cell ({search.best_params_['cell_type']}) refitted on the training part")
    ax.set_ylabel("log-loss")
    path = save_figure(ax.figure, args.out, DEFAULT_OUT, dpi=120)
    print(f"training curves written to {path}")


if __name__ == "__main__":
    main()
