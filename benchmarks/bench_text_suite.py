"""The text classification suite: RNNClassifier against linear baselines on six data sets.

Each data set with its standard protocol, and in the same run, on the same splits, the
two baselines a user tries first: TF-IDF (word 1-2-grams, sublinear tf) + LinearSVC, and
NB-SVM (Wang and Manning 2012: binary uni+bigram features scaled by their naive Bayes
log-count ratio, a LinearSVC on them, weights interpolated with their mean magnitude).

=========  ==================================================  ==========================
data set   test protocol (``--protocol test``)                 selection protocol (``dev``)
=========  ==================================================  ==========================
MR         10-fold stratified CV (shuffle, random_state 0)     3 inner folds of fold 0's
SUBJ       10-fold stratified CV (shuffle, random_state 0)     training part (stratified,
MPQA       10-fold stratified CV (shuffle, random_state 0)     shuffle, random_state 0)
SST-2      official train / test split (sentences)             train / dev
SST-1      official train / test split (sentences)             train / dev
SMS spam   5-fold stratified CV (shuffle, random_state 0)      as MR
=========  ==================================================  ==========================

Defaults are chosen on the selection protocol, which never sees a test fold or the SST
test split; the test protocol measures the result. Every fit runs in its own process with
one torch thread (``--n-jobs`` processes at a time; on a 2-core machine the fit seconds
are those of two concurrent single-thread fits).

    python benchmarks/bench_text_suite.py                        # defaults, test protocol
    python benchmarks/bench_text_suite.py --protocol dev --param linear_ngrams=0
    python benchmarks/bench_text_suite.py --only mr sst2         # a subset of the suite

Besides the mixture the classifier predicts, every fit also reports its two parts alone
(the recurrent network, ``ngram_share`` 0, and the n-gram path, ``ngram_share`` 1), so
that one run shows what each adds.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import add_param_overrides, base_parser, machine, parse_param_overrides, set_threads
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from sk_rnn import RNNClassifier
from sk_rnn.datasets import (
    load_movie_reviews,
    load_mpqa,
    load_sms_spam,
    load_sst,
    load_subjectivity,
)

DATASETS = ("mr", "subj", "mpqa", "sst2", "sst1", "sms")
TITLES = {"mr": "MR", "subj": "SUBJ", "mpqa": "MPQA", "sst2": "SST-2", "sst1": "SST-1",
          "sms": "SMS spam"}
CV_LOADERS = {"mr": load_movie_reviews, "subj": load_subjectivity, "mpqa": load_mpqa,
              "sms": load_sms_spam}
CV_FOLDS = {"mr": 10, "subj": 10, "mpqa": 10, "sms": 5}
INNER_FOLDS = 3


class NBSVM(ClassifierMixin, BaseEstimator):
    """NB-SVM (Wang and Manning 2012), one-vs-rest for more than two classes.

    Binary uni+bigram indicators ``x`` are scaled by the log-count ratio
    ``r = log((p / |p|_1) / (q / |q|_1))`` with ``p``, ``q`` the smoothed (``alpha``)
    feature counts of the class and of the rest; a LinearSVC is trained on ``x * r`` and
    its weights ``w`` are interpolated, ``(1 - beta) * mean|w| + beta * w`` (the bias
    ``b`` is scaled to ``beta * b`` with them, so that it keeps its weight on unbalanced
    classes).
    """

    def __init__(self, C: float = 1.0, alpha: float = 1.0, beta: float = 0.25) -> None:
        self.C = C
        self.alpha = alpha
        self.beta = beta

    def fit(self, X, y):
        self.vectorizer_ = CountVectorizer(ngram_range=(1, 2), binary=True,
                                           token_pattern=r"\S+")
        features = self.vectorizer_.fit_transform(X)
        self.classes_, y = np.unique(np.asarray(y), return_inverse=True)
        targets = [1] if len(self.classes_) == 2 else range(len(self.classes_))
        self.ratios_, self.weights_, self.biases_ = [], [], []
        for k in targets:
            positive = y == k
            p = self.alpha + np.asarray(features[positive].sum(axis=0)).ravel()
            q = self.alpha + np.asarray(features[~positive].sum(axis=0)).ravel()
            ratio = np.log((p / p.sum()) / (q / q.sum()))
            svm = LinearSVC(C=self.C).fit(features @ sparse.diags(ratio), positive)
            w = svm.coef_.ravel()
            self.ratios_.append(ratio)
            self.weights_.append((1 - self.beta) * np.abs(w).mean() + self.beta * w)
            self.biases_.append(self.beta * svm.intercept_[0])
        return self

    def decision_function(self, X):
        features = self.vectorizer_.transform(X)
        scores = np.column_stack([features @ (r * w) + b for r, w, b in
                                  zip(self.ratios_, self.weights_, self.biases_, strict=True)])
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]


def tfidf_svm():
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC())


@dataclass
class Task:
    """One fit and evaluation: a fold of a data set."""

    dataset: str
    fold: int
    X_train: list
    y_train: np.ndarray
    X_eval: list
    y_eval: np.ndarray


def _subset(X, indices):
    return [X[i] for i in indices]


def make_tasks(dataset: str, protocol: str, data_home: str) -> list[Task]:
    """The fits of one data set under a protocol (see the module docstring)."""
    if dataset in ("sst2", "sst1"):
        fine = dataset == "sst1"
        X_train, y_train = load_sst(subset="train", fine_grained=fine, data_home=data_home,
                                    return_X_y=True)
        X_eval, y_eval = load_sst(subset="test" if protocol == "test" else "dev",
                                  fine_grained=fine, data_home=data_home, return_X_y=True)
        return [Task(dataset, 0, X_train, y_train, X_eval, y_eval)]
    X, y = CV_LOADERS[dataset](data_home=data_home, return_X_y=True)
    y = np.asarray(y)
    outer = StratifiedKFold(CV_FOLDS[dataset], shuffle=True, random_state=0)
    splits = list(outer.split(np.zeros(len(y)), y))
    if protocol == "dev":
        pool, _ = splits[0]  # the test fold of fold 0 is never read
        inner = StratifiedKFold(INNER_FOLDS, shuffle=True, random_state=0)
        splits = [(pool[a], pool[b]) for a, b in inner.split(np.zeros(len(pool)), y[pool])]
    return [Task(dataset, i, _subset(X, train), y[train], _subset(X, test), y[test])
            for i, (train, test) in enumerate(splits)]


def run_task(task: Task, params: dict, threads: int, baselines: bool) -> dict:
    set_threads(threads)
    start = time.perf_counter()
    clf = RNNClassifier(random_state=0, device="cpu", **params).fit(task.X_train, task.y_train)
    seconds = time.perf_counter() - start
    result = {"dataset": task.dataset, "fold": task.fold, "seconds": seconds,
              "epochs": clf.n_iter_, "rnn": _scores(task, clf.predict(task.X_eval))}
    module = clf.net_.module_
    if getattr(module, "ngrams", None) is not None:
        share = float(module.ngram_share)
        for name, part in (("rnn_encoder_only", 0.0), ("rnn_path_only", 1.0)):
            module.ngram_share.fill_(part)
            result[name] = _scores(task, clf.predict(task.X_eval))
        module.ngram_share.fill_(share)
    if baselines:
        for name, make in (("tfidf_svm", tfidf_svm), ("nbsvm", NBSVM)):
            start = time.perf_counter()
            model = make().fit(task.X_train, task.y_train)
            result[name] = _scores(task, model.predict(task.X_eval))
            result[f"{name}_seconds"] = time.perf_counter() - start
    return result


def _scores(task: Task, predicted) -> dict:
    scores = {"accuracy": accuracy_score(task.y_eval, predicted)}
    if task.dataset == "sms":
        scores["spam_f1"] = f1_score(task.y_eval, predicted, pos_label="spam")
    return scores


def summarize(results: list[dict], models: list[str]) -> dict:
    """Per data set: mean accuracy of each model over its folds, median fit seconds."""
    summary = {}
    for dataset in DATASETS:
        rows = [r for r in results if r["dataset"] == dataset]
        if not rows:
            continue
        entry = {m: 100 * statistics.mean(r[m]["accuracy"] for r in rows) for m in models}
        entry["fit_seconds"] = statistics.median(r["seconds"] for r in rows)
        entry["epochs"] = statistics.median(r["epochs"] for r in rows)
        if dataset == "sms":
            for m in models:
                entry[f"{m}_spam_f1"] = statistics.mean(r[m]["spam_f1"] for r in rows)
        summary[dataset] = entry
    return summary


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=("test", "dev"), default="test",
                        help="test: the standard protocols; dev: the selection splits")
    parser.add_argument("--only", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--label", default=None, help="name of this run in the output")
    parser.add_argument("--out", type=Path, default=None, help="append a JSON summary here")
    add_param_overrides(parser)
    args = parser.parse_args()
    params = parse_param_overrides(args.param)
    tasks = [t for d in args.only for t in make_tasks(d, args.protocol, args.data_home)]
    # Longest first, so that the processes finish together.
    tasks.sort(key=lambda t: -sum(map(len, t.X_train)))
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(run_task)(t, params, args.threads, not args.no_baselines)
        for t in tasks)
    models = ["rnn"] if args.no_baselines else ["rnn", "tfidf_svm", "nbsvm"]
    parts = ["rnn_encoder_only", "rnn_path_only"]
    summary = summarize(results, models + [p for p in parts if p in results[0]])

    print(f"\n{args.protocol} protocol, RNNClassifier, params {params or 'defaults'}")
    header = "| data set | RNNClassifier | " + (
        "" if args.no_baselines else "TF-IDF + LinearSVC | NB-SVM | ") + \
        "RNN fit s / fold (median) | epochs |"
    print(header)
    print("|" + " --- |" * (header.count("|") - 1))
    for dataset, e in summary.items():
        cells = [f"{e[m]:.2f}" for m in models]
        if dataset == "sms":
            cells = [f"{c} (F1 {e[f'{m}_spam_f1']:.4f})"
                     for c, m in zip(cells, models, strict=True)]
        print(f"| {TITLES[dataset]} | " + " | ".join(cells)
              + f" | {e['fit_seconds']:.1f} | {e['epochs']:g} |")
    means = {m: statistics.mean(e[m] for e in summary.values()) for m in models}
    print("| **mean** | " + " | ".join(f"**{means[m]:.2f}**" for m in models) + " | | |")
    if not args.no_baselines:
        gaps = {d: e["rnn"] - e["tfidf_svm"] for d, e in summary.items()}
        print("RNN minus TF-IDF + LinearSVC: " + ", ".join(
            f"{TITLES[d]} {g:+.2f}" for d, g in gaps.items())
            + f"; mean {means['rnn'] - means['tfidf_svm']:+.2f}")
    if parts[0] in results[0]:
        print("Parts alone (mean over the suite): " + ", ".join(
            f"{p.removeprefix('rnn_')} {statistics.mean(e[p] for e in summary.values()):.2f}"
            for p in parts) + "; per data set: " + "; ".join(
            f"{TITLES[d]} {e[parts[0]]:.2f} / {e[parts[1]]:.2f}" for d, e in summary.items()))
    record = {"benchmark": "text_suite", "label": args.label, "protocol": args.protocol,
              "params": {k: repr(v) for k, v in params.items()}, "summary": summary,
              "means": means, "folds": results, "machine": machine()}
    if args.out:
        with args.out.open("a") as handle:
            handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
