"""Numeric sequences: the univariate classification and regression sets that ship with
sktime, each on its official train/test split, against same-run baselines.

Classification (GunPoint, ItalyPowerDemand, OSULeaf, ACSF1, PLAID, and the multivariate
JapaneseVowels, 12 channels, whose cell-type grid is ``bench_japanese_vowels.py``):
``RNNClassifier`` with default parameters and ``random_state`` 0, 1, 2 (the mean is
reported), against 1-nearest-neighbour with Euclidean distance and summary statistics
(mean, std, min, max and least-squares slope of each channel) + LogisticRegression. For
the baselines, series of unequal length (PLAID) are resampled linearly to the longest
training length; the recurrent models read them as they are. Published numbers for
1-NN-DTW (full window) and FCN (Wang et al. 2017, as collected by Fawaz et al. 2019) are
printed beside them.

Regression (Tecator, Covid3Month): ``RNNRegressor`` with default parameters, same seeds,
RMSE against RidgeCV on the raw series (standardised) and predicting the training mean.

    python benchmarks/bench_sequences.py
    python benchmarks/bench_sequences.py --sets GunPoint ItalyPowerDemand --seeds 0
    python benchmarks/bench_sequences.py --param hidden_size=32   # overrides, both models
    python benchmarks/bench_sequences.py --protocol cv             # selection: no test split

The **cv** protocol, used to choose defaults, never reads a test split: every score is the
mean over 4 stratified folds (plain folds for regression; shuffle, random_state 0) of the
official training split, baselines included. One torch thread by default
(``--threads``); fit seconds are per seed (per fold under ``cv``).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _common import (
    add_param_overrides,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
    write_result,
)
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sktime import datasets

from sk_rnn import RNNClassifier, RNNRegressor

CLASSIFICATION = {
    "GunPoint": datasets.load_gunpoint,
    "ItalyPowerDemand": datasets.load_italy_power_demand,
    "OSULeaf": datasets.load_osuleaf,
    "ACSF1": datasets.load_acsf1,
    "PLAID": datasets.load_plaid,
    "JapaneseVowels": datasets.load_japanese_vowels,
}
REGRESSION = {
    "Tecator": datasets.load_tecator,
    "Covid3Month": datasets.load_covid_3month,
}
# Published test accuracy (%), UCR archive: 1-NN with full-window DTW (Dau et al. 2019,
# the archive's own table) and FCN (Fawaz et al. 2019, mean of 10 runs).
PUBLISHED = {
    "GunPoint": (90.7, 100.0),
    "ItalyPowerDemand": (95.0, 97.0),
    "OSULeaf": (59.1, 97.9),
    "ACSF1": (64.0, 89.8),
    "PLAID": (84.0, 90.8),
    "JapaneseVowels": (94.9, 99.3),
}


def to_list(X) -> list[np.ndarray]:
    """sktime's nested DataFrame (one cell per channel) as a list of (T, C) arrays."""
    return [np.column_stack([np.asarray(cell, dtype=np.float64) for cell in row])
            for row in X.itertuples(index=False)]


def load(loader, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    X, y = loader(split=split, return_X_y=True)
    return to_list(X), np.asarray(y)


def resample(series: list[np.ndarray], length: int) -> np.ndarray:
    """Each (T, C) series linearly resampled to ``length`` steps, flattened."""
    out = []
    for seq in series:
        old = np.linspace(0.0, 1.0, len(seq))
        new = np.linspace(0.0, 1.0, length)
        out.append(np.column_stack([np.interp(new, old, seq[:, c])
                                    for c in range(seq.shape[1])]).ravel())
    return np.asarray(out)


def summary_stats(series: list[np.ndarray]) -> np.ndarray:
    rows = []
    for seq in series:
        t = np.arange(len(seq), dtype=np.float64)
        slope = np.polyfit(t, seq, 1)[0] if len(seq) > 1 else np.zeros(seq.shape[1])
        rows.append(np.r_[seq.mean(0), seq.std(0), seq.min(0), seq.max(0), slope])
    return np.asarray(rows)


def as_model_input(series: list[np.ndarray]):
    """A 3-D array when every series has the same length, else the list itself."""
    if len({len(seq) for seq in series}) == 1:
        return np.stack(series).astype(np.float32)
    return [seq.astype(np.float32) for seq in series]


def splits(loader, protocol: str, stratified: bool):
    """``(X_train, y_train, X_test, y_test)`` of the official split, or under ``cv`` of
    each fold of the official training split."""
    X, y = load(loader, "train")
    if protocol == "test":
        yield (X, y, *load(loader, "test"))
        return
    folds = (StratifiedKFold if stratified else KFold)(4, shuffle=True, random_state=0)
    for train, test in folds.split(np.zeros(len(y)), y):
        yield ([X[i] for i in train], y[train], [X[i] for i in test], y[test])


def rmse(y, pred) -> float:
    return float(np.sqrt(np.mean((np.asarray(y) - np.asarray(pred)) ** 2)))


def classification_baselines(X_train, y_train, X_test, y_test) -> dict:
    """Test accuracy (%) of 1-NN Euclidean and of summary statistics + LogReg."""
    length = max(len(seq) for seq in X_train)
    knn = KNeighborsClassifier(1).fit(resample(X_train, length), y_train)
    stats = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
    stats.fit(summary_stats(X_train), y_train)
    return {"one_nn": 100 * knn.score(resample(X_test, length), y_test),
            "summary_stats": 100 * stats.score(summary_stats(X_test), y_test)}


def regression_baselines(X_train, y_train, X_test, y_test) -> dict:
    """Test RMSE of RidgeCV on the standardised raw series and of the training mean."""
    length = max(len(seq) for seq in X_train)
    ridge = make_pipeline(StandardScaler(), RidgeCV(alphas=np.logspace(-3, 3, 13)))
    ridge.fit(resample(X_train, length), y_train)
    return {"ridge": rmse(y_test, ridge.predict(resample(X_test, length))),
            "mean": rmse(y_test, np.full(len(y_test), y_train.mean()))}


# task: (data sets, estimator, its score on the test part, baselines, stratified folds,
# number format, what the score is called)
TASKS = {
    "classification": (CLASSIFICATION, RNNClassifier,
                       lambda model, X, y: 100 * model.score(X, y),
                       classification_baselines, True, ".1f", "RNN"),
    "regression": (REGRESSION, RNNRegressor,
                   lambda model, X, y: rmse(y, model.predict(X)),
                   regression_baselines, False, ".4g", "RNN RMSE"),
}


def run_split(task: str, X_train, y_train, X_test, y_test, seeds, params) -> dict:
    """The baselines and one fit per seed of the recurrent model on one split."""
    _, estimator, score, baselines, *_ = TASKS[task]
    if task == "regression":
        y_train, y_test = y_train.astype(np.float64), y_test.astype(np.float64)
    result = baselines(X_train, y_train, X_test, y_test)
    scores, seconds, epochs = [], [], []
    for seed in seeds:
        start = time.perf_counter()
        model = estimator(random_state=seed, device="cpu", **params)
        model.fit(as_model_input(X_train), y_train)
        seconds.append(time.perf_counter() - start)
        epochs.append(model.n_iter_)
        scores.append(score(model, as_model_input(X_test), y_test))
    return {**result, "rnn": float(np.mean(scores)), "rnn_per_seed": scores,
            "fit_seconds_median": float(np.median(seconds)), "epochs": epochs}


def run(name: str, seeds: list[int], params: dict, protocol: str) -> dict:
    """One data set under ``protocol``: scores averaged over its splits, printed."""
    task = "classification" if name in CLASSIFICATION else "regression"
    loaders, _, _, _, stratified, fmt, label = TASKS[task]
    runs = [run_split(task, *split, seeds, params)
            for split in splits(loaders[name], protocol, stratified)]
    X_train, _ = load(loaders[name], "train")
    result = {"data set": name, "task": task, "protocol": protocol,
              "n_train": len(X_train), "length": max(len(seq) for seq in X_train)}
    for key in runs[0]:
        if key not in ("rnn_per_seed", "epochs"):
            result[key] = float(np.mean([run[key] for run in runs]))
    result["rnn_per_seed"] = np.mean([run["rnn_per_seed"] for run in runs], axis=0).tolist()
    result["epochs"] = [run["epochs"] for run in runs]
    names = {"one_nn": "1-NN", "summary_stats": "stats+LogReg", "ridge": "RidgeCV",
             "mean": "mean"}
    baselines = " | ".join(f"{names[k]} {result[k]:{fmt}}" for k in names if k in result)
    print(f"{name}: {label} {result['rnn']:{fmt}} (seeds "
          f"{', '.join(f'{a:{fmt}}' for a in result['rnn_per_seed'])}; fit "
          f"{result['fit_seconds_median']:.1f} s, epochs {result['epochs']}) | {baselines}",
          flush=True)
    return result


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", default=[*CLASSIFICATION, *REGRESSION],
                        choices=[*CLASSIFICATION, *REGRESSION])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--protocol", choices=["test", "cv"], default="test")
    parser.add_argument("--label", default="", help="a name for this run in --out")
    parser.add_argument("--out", type=Path, default=None,
                        help="append the results here (JSON lines)")
    add_param_overrides(parser)
    args = parser.parse_args()
    set_threads(args.threads)
    params = parse_param_overrides(args.param)
    print(f"{machine()}; {args.protocol} protocol; params {params or 'defaults'}; "
          f"seeds {args.seeds}")
    results = []
    for name in args.sets:
        results.append(run(name, args.seeds, params, args.protocol))

    classified = [r for r in results if r["task"] == "classification"]
    if classified:
        print("\n| data set (train, length) | RNNClassifier | 1-NN Euclidean | summary stats + "
              "LogReg | 1-NN-DTW (published) | FCN (published) | fit s |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for r in classified:
            dtw, fcn = PUBLISHED[r["data set"]]
            print(f"| {r['data set']} ({r['n_train']}, {r['length']}) | {r['rnn']:.1f} | "
                  f"{r['one_nn']:.1f} | {r['summary_stats']:.1f} | {dtw} | {fcn} | "
                  f"{r['fit_seconds_median']:.1f} |")
        if len(classified) > 1:
            means = {k: np.mean([r[k] for r in classified])
                     for k in ("rnn", "one_nn", "summary_stats")}
            dtw = np.mean([PUBLISHED[r["data set"]][0] for r in classified])
            fcn = np.mean([PUBLISHED[r["data set"]][1] for r in classified])
            print(f"| **mean** | **{means['rnn']:.1f}** | **{means['one_nn']:.1f}** | "
                  f"{means['summary_stats']:.1f} | {dtw:.1f} | {fcn:.1f} | |")
    regressed = [r for r in results if r["task"] == "regression"]
    if regressed:
        print("\n| data set (train, length) | RNNRegressor RMSE | RidgeCV | training mean | "
              "fit s |")
        print("| --- | --- | --- | --- | --- |")
        for r in regressed:
            print(f"| {r['data set']} ({r['n_train']}, {r['length']}) | {r['rnn']:.4g} | "
                  f"{r['ridge']:.4g} | {r['mean']:.4g} | {r['fit_seconds_median']:.1f} |")
    write_result({"label": args.label, "protocol": args.protocol, "params": params,
                  "seeds": args.seeds,
                  "results": results}, args.out)


if __name__ == "__main__":
    main()
