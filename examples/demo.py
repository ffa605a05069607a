"""sk_rnn demo: grid search over the recurrent cell on speech features.

Japanese Vowels (shipped with sktime, no download): 12 LPC cepstrum coefficients per
frame, 7-29 frames per utterance, 9 speakers to recognise. A ``GridSearchCV`` over
``cell_type`` picks the best cell by cross-validation, then the refitted model is scored on
the official test split.

Run: ``python examples/demo.py`` (about a minute on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sktime.datasets import load_japanese_vowels

from sk_rnn import RNNClassifier


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", type=int, default=3, help="cross-validation folds")
    parser.add_argument("--max-epochs", type=int, default=40)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args(argv)

    X_train, y_train = load_japanese_vowels(split="train")  # nested DataFrame, ragged
    X_test, y_test = load_japanese_vowels(split="test")
    print(f"JapaneseVowels: {len(X_train)} training and {len(X_test)} test utterances, "
          f"{X_train.shape[1]} features per frame, {len(set(y_train))} speakers")

    search = GridSearchCV(
        RNNClassifier(max_epochs=args.max_epochs, random_state=0),
        {"cell_type": ["rnn", "lstm", "gru"]},
        cv=StratifiedKFold(args.cv, shuffle=True, random_state=0),
        n_jobs=args.n_jobs,
        verbose=3,
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
    best = search.best_estimator_
    print(f"\nbest cell: {search.best_params_['cell_type']}  "
          f"test accuracy: {best.score(X_test, y_test):.4f}  "
          f"(search took {fit_seconds:.0f} s)")


if __name__ == "__main__":
    main()
