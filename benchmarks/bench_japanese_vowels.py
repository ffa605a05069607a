"""Speech features: JapaneseVowels (sktime, official train/test split).

``GridSearchCV`` over ``cell_type`` (5-fold stratified CV on the 270 training utterances)
with otherwise default ``RNNClassifier`` parameters, then the refitted best model scored on
the 370 test utterances. Baseline in the same run: per-utterance summary statistics
(mean, std, min, max, first, last of each of the 12 coefficients, and the length) +
LogisticRegression.

    python benchmarks/bench_japanese_vowels.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _common import (
    add_param_overrides,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sktime.datasets import load_japanese_vowels

from sk_rnn import RNNClassifier


def summary_features(X: pd.DataFrame) -> np.ndarray:
    rows = []
    for row in X.itertuples(index=False):
        seq = np.column_stack([np.asarray(cell, dtype=float) for cell in row])
        rows.append(np.r_[seq.mean(0), seq.std(0), seq.min(0), seq.max(0), seq[0], seq[-1],
                          len(seq)])
    return np.asarray(rows)


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    add_param_overrides(parser)
    args = parser.parse_args()
    set_threads(args.threads)
    params = parse_param_overrides(args.param)
    X_train, y_train = load_japanese_vowels(split="train")
    X_test, y_test = load_japanese_vowels(split="test")
    print(f"JapaneseVowels: {len(X_train)} train / {len(X_test)} test; {machine()}")

    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    baseline.fit(summary_features(X_train), y_train)
    base_acc = baseline.score(summary_features(X_test), y_test)

    accuracies = []
    for seed in args.seeds:
        start = time.perf_counter()
        search = GridSearchCV(
            RNNClassifier(random_state=seed, device="cpu", **params),
            {"cell_type": ["rnn", "lstm", "gru"]},
            cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            n_jobs=args.n_jobs,
        ).fit(X_train, y_train)
        seconds = time.perf_counter() - start
        acc = search.score(X_test, y_test)
        accuracies.append(acc)
        results = search.cv_results_
        cv = ", ".join(f"{c}={s:.3f}" for c, s in zip(
            results["param_cell_type"], results["mean_test_score"], strict=True))
        print(f"random_state={seed}: CV {cv}; best {search.best_params_['cell_type']}, "
              f"test accuracy {acc:.4f} ({seconds:.0f} s)")
    print(f"params {params or 'defaults'}: sk_rnn GridSearchCV(cell_type) test accuracy: "
          f"mean {np.mean(accuracies):.4f} "
          f"over random_state {args.seeds} | summary statistics + LogisticRegression "
          f"{base_acc:.4f}")


if __name__ == "__main__":
    main()
