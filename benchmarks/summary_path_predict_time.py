"""What the summary-statistics path (``linear_summary``) costs ``predict_proba``: the
default ``RNNClassifier`` with and without it, fitted on an official training split,
timed on the test split (one torch thread, calls alternating, median of ``--repeats``).

    python benchmarks/summary_path_predict_time.py --sets JapaneseVowels PLAID
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import set_threads
from bench_sequences import CLASSIFICATION, as_model_input, load

from sk_rnn import RNNClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=["JapaneseVowels", "PLAID"],
                        choices=sorted(CLASSIFICATION))
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    for name in args.sets:
        X_train, y_train = load(CLASSIFICATION[name], "train")
        X_test, _ = load(CLASSIFICATION[name], "test")
        X_train, X_test = as_model_input(X_train), as_model_input(X_test)
        models = {flag: RNNClassifier(random_state=0, linear_summary=flag).fit(X_train, y_train)
                  for flag in (True, False)}
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.repeats):
            for flag, model in models.items():
                start = time.perf_counter()
                model.predict_proba(X_test)
                times[flag].append(time.perf_counter() - start)
        with_path, without = np.median(times[True]), np.median(times[False])
        print(f"{name} ({len(X_test)} test series): predict_proba {1e3 * with_path:.1f} ms "
              f"with the path, {1e3 * without:.1f} ms without (ratio {with_path / without:.2f})")


if __name__ == "__main__":
    main()
