"""Seed ensembles on the selection protocol: does averaging the probabilities of
``RNNClassifier()`` fitted with different ``random_state`` beat one fit?

Each group of seeds (e.g. ``0,1,2``) is a soft-vote ensemble of default classifiers; a
single seed is one fit. Scored under ``bench_sequences.py``'s **cv** protocol only (4
stratified folds of the official training split, ``random_state=0``), never the test
split, so the result may choose a default.

    python benchmarks/seed_ensemble_selection.py --groups 0 1 2 0,1,2 3 4 5 3,4,5
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import set_threads
from bench_sequences import CLASSIFICATION, as_model_input, splits

from sk_rnn import RNNClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="JapaneseVowels", choices=sorted(CLASSIFICATION))
    parser.add_argument("--groups", nargs="+", default=["0", "1", "2", "0,1,2"],
                        help="seeds, comma-separated for a soft-vote ensemble")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    groups = [[int(seed) for seed in group.split(",")] for group in args.groups]
    seeds = sorted({seed for group in groups for seed in group})
    scores: dict[str, list[float]] = {",".join(map(str, g)): [] for g in groups}
    for X_train, y_train, X_test, y_test in splits(CLASSIFICATION[args.set], "cv", True):
        X_train, X_test = as_model_input(X_train), as_model_input(X_test)
        probas = {}
        for seed in seeds:
            model = RNNClassifier(random_state=seed).fit(X_train, y_train)
            probas[seed], classes = model.predict_proba(X_test), model.classes_
        for group, name in zip(groups, scores, strict=True):
            mean = np.mean([probas[seed] for seed in group], axis=0)
            scores[name].append(100 * float(np.mean(classes[mean.argmax(axis=1)] == y_test)))
    print(f"{args.set}, cv protocol (4 folds of the training split): accuracy %")
    for name, folds in scores.items():
        kind = "ensemble" if "," in name else "one fit "
        print(f"  {kind} seeds {name:<8} {np.mean(folds):6.2f}  folds "
              + " ".join(f"{a:5.1f}" for a in folds))


if __name__ == "__main__":
    main()
