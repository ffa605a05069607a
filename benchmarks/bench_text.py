"""Text classification quality: SMS spam (5-fold) and MR polarity (10-fold).

Stratified K-fold cross-validation (shuffle, random_state=0) of ``RNNClassifier`` with its
**default** hyper-parameters on raw strings, and, in the same run and on the same folds,
the baseline TF-IDF (word 1-2-grams, sublinear tf) + LinearSVC. Folds run in parallel
processes with one torch thread each.

    python benchmarks/bench_text.py sms        # accuracy and spam F1
    python benchmarks/bench_text.py mr         # accuracy
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from _common import add_param_overrides, base_parser, parse_param_overrides, set_threads
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sk_rnn import RNNClassifier
from sk_rnn.datasets import load_movie_reviews, load_sms_spam

FOLDS = {"sms": 5, "mr": 10}


def run_fold(X, y, train, test, params: dict, threads: int, positive) -> dict:
    set_threads(threads)
    X = np.asarray(X, dtype=object)
    start = time.perf_counter()
    clf = RNNClassifier(random_state=0, device="cpu", **params).fit(list(X[train]), y[train])
    seconds = time.perf_counter() - start
    pred = clf.predict(list(X[test]))
    baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                             LinearSVC()).fit(X[train], y[train])
    base_pred = baseline.predict(X[test])
    return {
        "acc": accuracy_score(y[test], pred),
        "f1": f1_score(y[test], pred, pos_label=positive),
        "base_acc": accuracy_score(y[test], base_pred),
        "base_f1": f1_score(y[test], base_pred, pos_label=positive),
        "seconds": seconds,
        "epochs": clf.n_iter_,
    }


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(FOLDS))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=None, help="run only the first N folds")
    add_param_overrides(parser)
    args = parser.parse_args()
    if args.dataset == "sms":
        X, y = load_sms_spam(data_home=args.data_home, return_X_y=True)
        positive = "spam"
    else:
        X, y = load_movie_reviews(data_home=args.data_home, return_X_y=True)
        positive = 1
    y = np.asarray(y)
    params = parse_param_overrides(args.param)
    cv = StratifiedKFold(FOLDS[args.dataset], shuffle=True, random_state=0)
    splits = list(cv.split(np.zeros(len(y)), y))[: args.folds]
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(run_fold)(X, y, train, test, params, args.threads, positive)
        for train, test in splits
    )
    for i, r in enumerate(results):
        print(f"fold {i}: sk_rnn acc {r['acc']:.4f} f1 {r['f1']:.4f} "
              f"({r['epochs']} epochs, {r['seconds']:.0f} s) | tfidf+svm acc "
              f"{r['base_acc']:.4f} f1 {r['base_f1']:.4f}")

    def mean(key):
        return statistics.mean(r[key] for r in results)

    print(f"{args.dataset} {len(results)}-fold, params {params or 'defaults'}: "
          f"sk_rnn accuracy {mean('acc'):.4f}, F1({positive}) {mean('f1'):.4f}, "
          f"median fit {statistics.median(r['seconds'] for r in results):.0f} s | "
          f"TF-IDF+LinearSVC accuracy {mean('base_acc'):.4f}, F1 {mean('base_f1'):.4f}")


if __name__ == "__main__":
    main()
