"""Transfer learning and continued training: ``pretrained=`` and ``partial_fit`` on MR.

    python benchmarks/bench_pretrain.py --threads 2 --save lm.skrnn   # the LM, once
    python benchmarks/bench_transfer.py mr --lm lm.skrnn              # 10-fold
    python benchmarks/bench_transfer.py sst2 --lm lm.skrnn --threads 2
    python benchmarks/bench_transfer.py partial --folds 1             # partial_fit vs fit
    python benchmarks/bench_transfer.py partial --folds 3 --dev       # the same, dev splits
    python benchmarks/bench_transfer.py mr --smoke                    # seconds, for CI

``mr``: MR polarity, the folds of ``bench_text.py`` (stratified 10-fold, shuffle,
random_state 0), two folds at a time in parallel processes of one thread each. On every
fold, in the same process: ``RNNClassifier(pretrained=lm, random_state=0)``, the
random-init ``RNNClassifier(random_state=0)`` and TF-IDF (word 1-2-grams, sublinear tf) +
LinearSVC. The language model is ``TextGenerator(level="word", random_state=0)`` fitted
on reviews v2 + Brown by ``bench_pretrain.py`` (neither overlaps MR).

``sst2``: the same three on SST-2, trained on the sentence-level training split and
scored on the official test split.

``partial``: on a training fold of MR, ``partial_fit`` over 10 chunks of it (in the
fold's order, shuffled once with seed 0), one pass per chunk, the whole repeated for
``max_epochs`` passes (the default), against ``fit`` on the same fold.

``--dev`` (for choosing defaults): each fold's training part split again 90/10
(stratified, random_state 0); models train on the 90 % and are scored on the 10 %, so
the folds' test parts are never read.

``--smoke`` fits a tiny language model on a slice and runs one small fold of each side.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _common import add_param_overrides, base_parser, machine, parse_param_overrides, set_threads
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

import sk_rnn
from sk_rnn import RNNClassifier, TextGenerator
from sk_rnn.datasets import load_movie_reviews, load_sst

SMOKE_LM = dict(level="word", embedding_dim=16, hidden_size=16, num_layers=1,
                max_epochs=1, random_state=0)
SMOKE_CLF = dict(hidden_size=8, embedding_dim=8, max_epochs=2)


def _timed_fit(make, X, y):
    start = time.perf_counter()
    model = make().fit(X, y)
    return model, time.perf_counter() - start


def compare(X_train, y_train, X_test, y_test, lm, params: dict, threads: int) -> dict:
    """Accuracy and fit time of the pretrained and the random-init classifier and of
    TF-IDF + LinearSVC on one split."""
    set_threads(threads)
    result = {}
    for name, extra in (("pretrained", {"pretrained": lm}), ("random_init", {})):
        clf, seconds = _timed_fit(
            lambda extra=extra: RNNClassifier(random_state=0, device="cpu", **extra, **params),
            X_train, y_train)
        result[name] = {"acc": accuracy_score(y_test, clf.predict(X_test)),
                        "seconds": seconds, "epochs": clf.n_iter_}
    baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                             LinearSVC()).fit(X_train, y_train)
    result["tfidf_svm"] = {"acc": accuracy_score(y_test, baseline.predict(X_test))}
    return result


def partial_versus_fit(X_train, y_train, X_test, y_test, params: dict, threads: int,
                       n_chunks: int = 10) -> dict:
    """``partial_fit`` over ``n_chunks`` chunks for ``max_epochs`` passes against ``fit``."""
    set_threads(threads)
    fitted, fit_seconds = _timed_fit(
        lambda: RNNClassifier(random_state=0, device="cpu", **params), X_train, y_train)
    streamed = RNNClassifier(random_state=0, device="cpu", **params)
    order = np.random.RandomState(0).permutation(len(y_train))
    chunks = np.array_split(order, n_chunks)
    classes = np.unique(y_train)
    start = time.perf_counter()
    for _ in range(streamed.max_epochs):
        for chunk in chunks:
            streamed.partial_fit([X_train[i] for i in chunk], y_train[chunk], classes=classes)
    partial_seconds = time.perf_counter() - start
    return {"fit": {"acc": accuracy_score(y_test, fitted.predict(X_test)),
                    "seconds": fit_seconds, "epochs": fitted.n_iter_},
            "partial_fit": {"acc": accuracy_score(y_test, streamed.predict(X_test)),
                            "seconds": partial_seconds, "passes": streamed.n_iter_}}


def _summary(results: list[dict]) -> dict:
    summary = {}
    for name in results[0]:
        accs = [r[name]["acc"] for r in results]
        summary[name] = {"mean_acc": round(100 * statistics.mean(accs), 2)}
        if "seconds" in results[0][name]:
            summary[name]["median_fit_s"] = round(
                statistics.median(r[name]["seconds"] for r in results), 1)
    return summary


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("task", choices=["mr", "sst2", "partial"])
    parser.add_argument("--lm", type=Path, default=None,
                        help="language model written by bench_pretrain.py --save")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--folds", type=int, default=None, help="run only the first N folds")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--dev", action="store_true",
                        help="score on a 10 %% split of each fold's training part")
    parser.add_argument("--out", type=Path, default=None, help="append a JSON line here")
    add_param_overrides(parser)
    args = parser.parse_args()
    params = parse_param_overrides(args.param)
    if args.task == "sst2":
        X, y = load_sst(data_home=args.data_home, subset="train", return_X_y=True)
        X_test, y_test = load_sst(data_home=args.data_home, subset="test", return_X_y=True)
        X, y, X_test, y_test = list(X), np.asarray(y), list(X_test), np.asarray(y_test)
        splits = None
    else:
        X, y = load_movie_reviews(data_home=args.data_home, return_X_y=True)
        X, y = np.asarray(X, dtype=object), np.asarray(y)
        cv = StratifiedKFold(10, shuffle=True, random_state=0)
        splits = list(cv.split(np.zeros(len(y)), y))[: 1 if args.smoke else args.folds]
        if args.dev:
            splits = [train_test_split(train, test_size=0.1, stratify=y[train],
                                       random_state=0) for train, _ in splits]
    lm = None
    if args.task != "partial":
        if args.smoke:
            corpus = list(X[:2000]) if splits is None else list(X[splits[0][0][:2000]])
            lm = TextGenerator(**SMOKE_LM).fit(corpus)
        elif args.lm is None:
            parser.error("mr and sst2 need --lm (written by bench_pretrain.py --save)")
        else:
            lm = sk_rnn.load(args.lm)
    if args.smoke:
        params = {**SMOKE_CLF, **params}
    print(f"# {machine()}", flush=True)
    start = time.perf_counter()
    if args.task == "sst2":
        results = [compare(X, y, X_test, y_test, lm, params, args.threads)]
    else:
        if args.smoke:
            splits = [(train[:600], test[:200]) for train, test in splits]
        run = partial_versus_fit if args.task == "partial" else compare
        extra = () if args.task == "partial" else (lm,)
        results = Parallel(n_jobs=args.n_jobs)(
            delayed(run)(list(X[train]), y[train], list(X[test]), y[test], *extra, params,
                         args.threads)
            for train, test in splits
        )
    for i, result in enumerate(results):
        print(f"split {i}: " + ", ".join(
            f"{name} {100 * r['acc']:.2f}" + (f" ({r['seconds']:.0f} s)" if "seconds" in r
                                              else "")
            for name, r in result.items()), flush=True)
    summary = {"task": args.task, "smoke": args.smoke, "dev": args.dev, "params": params,
               "lm": None if args.lm is None else str(args.lm), "splits": len(results),
               "wall_seconds": round(time.perf_counter() - start, 1),
               "summary": _summary(results)}
    line = json.dumps(summary)
    print(line, flush=True)
    if args.out:
        with args.out.open("a") as handle:
            handle.write(line + "\n")


if __name__ == "__main__":
    sys.exit(main())
