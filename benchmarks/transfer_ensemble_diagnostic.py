"""Does the pretrained encoder add what another random seed does? MR, dev splits.

On the training part of ``bench_transfer.py``'s folds, split 90/10 as its ``--dev`` does
(the test parts are never read), fits ``RNNClassifier(pretrained=lm, random_state=0)``
and ``RNNClassifier(random_state=0)`` and ``RNNClassifier(random_state=1)``, and scores
each alone and two soft-vote pairs (class probabilities averaged): pretrained + random
init, and the two random inits. A diagnostic; it chooses no default.

    python benchmarks/transfer_ensemble_diagnostic.py --lm lm_word.skrnn --folds 3
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np
from _common import base_parser, set_threads
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold, train_test_split

import sk_rnn
from sk_rnn import RNNClassifier
from sk_rnn.datasets import load_movie_reviews

PAIRS = {"pretrained+random_init": ("pretrained", "random_init"),
         "random_init+random_init_1": ("random_init", "random_init_1")}


def score_split(X_train, y_train, X_test, y_test, lm_path: Path, threads: int) -> dict:
    """Accuracy of each classifier alone and of each soft-vote pair on one split."""
    set_threads(threads)
    members = {"pretrained": {"pretrained": sk_rnn.load(lm_path), "random_state": 0},
               "random_init": {"random_state": 0}, "random_init_1": {"random_state": 1}}
    probas = {}
    for name, params in members.items():
        clf = RNNClassifier(device="cpu", **params).fit(X_train, y_train)
        probas[name], classes = clf.predict_proba(X_test), clf.classes_
    probas.update({pair: probas[a] + probas[b] for pair, (a, b) in PAIRS.items()})
    return {name: float(np.mean(classes[p.argmax(1)] == y_test)) for name, p in probas.items()}


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--lm", type=Path, required=True,
                        help="language model written by bench_pretrain.py --save")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    X, y = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    X, y = np.asarray(X, dtype=object), np.asarray(y)
    cv = StratifiedKFold(10, shuffle=True, random_state=0)
    splits = [train_test_split(train, test_size=0.1, stratify=y[train], random_state=0)
              for train, _ in list(cv.split(np.zeros(len(y)), y))[: args.folds]]
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(score_split)(list(X[train]), y[train], list(X[test]), y[test], args.lm,
                             args.threads)
        for train, test in splits)
    for name in results[0]:
        accs = [100 * r[name] for r in results]
        print(f"{name}: " + " / ".join(f"{a:.2f}" for a in accs)
              + f" (mean {statistics.mean(accs):.2f})")


if __name__ == "__main__":
    main()
