"""Forecasting: RNNForecaster against classical baselines fitted in the same run.

Three tasks (``--task``), each printed as a markdown table with the command line:

* ``airline``: Box-Jenkins airline passengers (sktime), the last 36 months held out,
  fh=1..36. ``RNNForecaster`` with default hyper-parameters per seed: sMAPE (%), empirical
  coverage and mean width of the 90 % interval, fit seconds. Baselines: seasonal naive,
  Theta and AutoETS (all sp=12). Bars: mean sMAPE <= 8.0, mean coverage in [0.75, 1.0].
* ``panel``: the ten raw quarterly series of statsmodels' US macrodata (sktime
  ``load_macroeconomic``, bundled, 203 quarters 1959Q1-2009Q3; the derived ``infl`` and
  ``realint`` are left out), the last 8 quarters (2007Q4-2009Q3) of every series held out.
  One global ``RNNForecaster`` on the whole panel against one per series (same
  hyper-parameters), naive last / drift and AutoETS per series. Headline metric: MASE
  (sp=1) averaged over series, because ``tbilrate`` falls to 0.12 % in the test quarters,
  where sMAPE explodes for every method; the mean sMAPE is shown alongside. No seasonal
  naive: the series are seasonally adjusted. Fit seconds of global vs per-series, and ratio.
* ``uschange``: US consumption growth (sktime ``load_uschange``, 187 quarters) with
  Income, Production, Savings and Unemployment as known future covariates, the last 8
  quarters held out. ``RNNForecaster`` with and without X; baselines naive mean, naive last
  and a LinearRegression of y on X. MAE and RMSE (y crosses zero: no sMAPE), and the 90 %
  interval coverage of the RNN.

RNN results are per seed (default 0 1 2) and their mean. ``--smoke`` runs every task with
``max_epochs=2`` and the first seed only (a CI check that the script runs, not a result).

    python benchmarks/bench_forecasting.py
    python benchmarks/bench_forecasting.py --smoke
"""

from __future__ import annotations

import json
import shlex
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import (
    REPO,
    Timer,
    add_param_overrides,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
)
from sklearn.linear_model import LinearRegression
from sktime.datasets import load_airline, load_macroeconomic, load_uschange
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.ets import AutoETS
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import (
    mean_absolute_percentage_error,
    mean_absolute_scaled_error,
)

from sk_rnn import RNNForecaster

TASKS = ("airline", "panel", "uschange")
COVERAGE = 0.9
AIRLINE_BARS = {"smape": 8.0, "coverage": (0.75, 1.0)}
PANEL_COLUMNS = ["realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1",
                 "tbilrate", "unemp", "pop"]


def hide_remember_data_warning() -> None:
    """Drop sktime's ``remember_data`` FutureWarning (one per forecaster created). A
    warnings filter alone does not last: sktime's ``_suppress_pd22_warning`` puts
    ``filterwarnings("default", FutureWarning)`` in front of it on every ``check_fh``."""
    warnings.filterwarnings("ignore", message=".*remember_data", category=FutureWarning)
    show = warnings.showwarning

    def showwarning(message, category, *args, **kwargs):
        if not (issubclass(category, FutureWarning) and "remember_data" in str(message)):
            show(message, category, *args, **kwargs)

    warnings.showwarning = showwarning


# -- metrics ----------------------------------------------------------------------------
def smape(y_true, y_pred) -> float:
    """Symmetric MAPE in %."""
    return 100 * float(mean_absolute_percentage_error(y_true, y_pred, symmetric=True))


def mae(y_true, y_pred) -> float:
    return float(np.mean(np.abs(np.asarray(y_true) - np.asarray(y_pred))))


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))


def interval_stats(y_true: pd.Series, interval: pd.DataFrame) -> dict:
    """Share of ``y_true`` inside a univariate ``predict_interval`` frame, and mean width."""
    lower = interval.xs("lower", axis=1, level=-1).iloc[:, 0].to_numpy()
    upper = interval.xs("upper", axis=1, level=-1).iloc[:, 0].to_numpy()
    y = np.asarray(y_true, dtype=float)
    return {"coverage": float(np.mean((y >= lower) & (y <= upper))),
            "width": float(np.mean(upper - lower))}


def try_interval(forecaster, fh, y_true, X=None) -> dict:
    """``interval_stats`` for a baseline, or the error it raised (recorded, not fatal)."""
    try:
        return interval_stats(y_true, forecaster.predict_interval(fh, X=X, coverage=COVERAGE))
    except Exception as exc:  # a baseline's broken interval must not stop the benchmark
        return {"coverage": None, "width": None, "error": f"{type(exc).__name__}: {exc}"}


# -- output -----------------------------------------------------------------------------
def fmt(value, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    print(f"\n### {title}\n\n    {command_line()}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def command_line() -> str:
    return shlex.join(["python", *sys.argv])


def print_errors(results: dict) -> None:
    for name, result in results.items():
        if result.get("error"):
            print(f"{name}: no interval ({result['error'][:160]})")


def rnn(seed: int, params: dict) -> RNNForecaster:
    return RNNForecaster(random_state=seed, device="cpu", **params)


def mean_of(runs: list[dict], key: str) -> float | None:
    values = [run[key] for run in runs if run.get(key) is not None]
    return float(np.mean(values)) if values else None


# -- airline ----------------------------------------------------------------------------
def run_airline(seeds: list[int], params: dict) -> dict:
    y = load_airline()
    y_train, y_test = y.iloc[:-36], y.iloc[-36:]
    fh = ForecastingHorizon(np.arange(1, 37), is_relative=True)

    runs = []
    for seed in seeds:
        forecaster = rnn(seed, params)
        with Timer() as t:
            forecaster.fit(y_train)
        interval = forecaster.predict_interval(fh, coverage=COVERAGE)
        runs.append({"seed": seed, "smape": smape(y_test, forecaster.predict(fh)),
                     **interval_stats(y_test, interval), "fit_s": t.seconds})

    baselines = {}
    for name, forecaster in [
        ("seasonal naive", NaiveForecaster(strategy="last", sp=12)),
        ("Theta", ThetaForecaster(sp=12)),
        ("AutoETS", AutoETS(auto=True, sp=12, n_jobs=1)),
    ]:
        with Timer() as t:
            forecaster.fit(y_train)
        baselines[name] = {"smape": smape(y_test, forecaster.predict(fh)),
                           **try_interval(forecaster, fh, y_test), "fit_s": t.seconds}

    summary = {"smape": mean_of(runs, "smape"), "coverage": mean_of(runs, "coverage"),
               "width": mean_of(runs, "width"), "fit_s": mean_of(runs, "fit_s")}
    lo, hi = AIRLINE_BARS["coverage"]
    bars = {"smape_ok": summary["smape"] <= AIRLINE_BARS["smape"],
            "coverage_ok": lo <= summary["coverage"] <= hi}

    rows = [[f"RNNForecaster seed {r['seed']}", fmt(r["smape"]), fmt(r["coverage"]),
             fmt(r["width"], ".1f"), fmt(r["fit_s"], ".1f")] for r in runs]
    rows.append([f"**RNNForecaster mean of {len(runs)}**", f"**{fmt(summary['smape'])}**",
                 f"**{fmt(summary['coverage'])}**", fmt(summary["width"], ".1f"),
                 fmt(summary["fit_s"], ".1f")])
    rows += [[name, fmt(b["smape"]), fmt(b["coverage"]), fmt(b["width"], ".1f"),
              fmt(b["fit_s"], ".1f")] for name, b in baselines.items()]
    print_table(f"airline: 108 train / 36 test months, fh=1..36, params {params or 'defaults'}",
                ["model", "sMAPE %", "90% coverage", "mean width", "fit s"], rows)
    print_errors(baselines)
    print(f"bars: mean sMAPE {summary['smape']:.2f} <= {AIRLINE_BARS['smape']}: "
          f"{'PASS' if bars['smape_ok'] else 'FAIL'}; mean coverage "
          f"{summary['coverage']:.2f} in [{lo}, {hi}]: "
          f"{'PASS' if bars['coverage_ok'] else 'FAIL'}")
    return {"rnn": runs, "rnn_mean": summary, "baselines": baselines, "bars": bars}


# -- panel ------------------------------------------------------------------------------
def load_panel() -> pd.DataFrame:
    """The macrodata columns as a ``pd-multiindex`` frame (levels instance, time)."""
    wide = load_macroeconomic()[PANEL_COLUMNS]
    long = wide.rename_axis(columns="instance").stack().rename("value").to_frame()
    long = long.swaplevel().sort_index()
    long.index.names = ["instance", "time"]
    return long


def split_panel(panel: pd.DataFrame, h: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    by_series = panel.groupby(level="instance", group_keys=False)
    return by_series.apply(lambda s: s.iloc[:-h]), by_series.apply(lambda s: s.iloc[-h:])


def panel_scores(train: pd.DataFrame, test: pd.DataFrame, pred: pd.DataFrame) -> dict:
    """Mean over series of MASE (sp=1) and sMAPE, and per-series MASE."""
    mase, smapes = {}, []
    for name in test.index.unique(level="instance"):
        y_true, y_pred = test.loc[name, "value"], pred.loc[name].iloc[:, 0]
        mase[name] = float(mean_absolute_scaled_error(
            y_true, y_pred, y_train=train.loc[name, "value"], sp=1))
        smapes.append(smape(y_true, y_pred))
    return {"mase": float(np.mean(list(mase.values()))), "smape": float(np.mean(smapes)),
            "mase_per_series": mase}


def fit_per_series(
    seed: int, params: dict, train: pd.DataFrame, fh
) -> tuple[pd.DataFrame, float]:
    """One RNNForecaster per series; the stacked forecasts and the summed fit seconds."""
    parts, seconds = {}, 0.0
    for name in train.index.unique(level="instance"):
        forecaster = rnn(seed, params)
        with Timer() as t:
            forecaster.fit(train.loc[name])
        seconds += t.seconds
        parts[name] = forecaster.predict(fh)
    pred = pd.concat(parts, names=["instance", "time"])
    return pred, seconds


def run_panel(seeds: list[int], params: dict, h: int = 8) -> dict:
    panel = load_panel()
    train, test = split_panel(panel, h)
    fh = ForecastingHorizon(np.arange(1, h + 1), is_relative=True)

    runs = []
    for seed in seeds:
        forecaster = rnn(seed, params)
        with Timer() as t:
            forecaster.fit(train)
        global_scores = panel_scores(train, test, forecaster.predict(fh))
        pred, local_s = fit_per_series(seed, params, train, fh)
        runs.append({"seed": seed, "global": {**global_scores, "fit_s": t.seconds},
                     "per_series": {**panel_scores(train, test, pred), "fit_s": local_s}})

    baselines = {}
    for name, forecaster in [
        ("naive last", NaiveForecaster(strategy="last")),
        ("naive drift", NaiveForecaster(strategy="drift")),
        ("AutoETS per series", AutoETS(auto=True, n_jobs=1)),
    ]:
        with Timer() as t:
            forecaster.fit(train)  # sktime fits one clone per series of the panel
        baselines[name] = {**panel_scores(train, test, forecaster.predict(fh)),
                           "fit_s": t.seconds}

    summary = {kind: {key: mean_of([run[kind] for run in runs], key)
                      for key in ("mase", "smape", "fit_s")}
               for kind in ("global", "per_series")}
    summary["fit_ratio_per_series_over_global"] = (
        summary["per_series"]["fit_s"] / summary["global"]["fit_s"])

    rows = []
    for run in runs:
        for kind, label in (("global", "global RNN"), ("per_series", "RNN per series")):
            r = run[kind]
            rows.append([f"{label} seed {run['seed']}", fmt(r["mase"], ".3f"),
                         fmt(r["smape"]), fmt(r["fit_s"], ".1f")])
    for kind, label in (("global", "global RNN"), ("per_series", "RNN per series")):
        r = summary[kind]
        rows.append([f"**{label} mean of {len(runs)}**", f"**{fmt(r['mase'], '.3f')}**",
                     fmt(r["smape"]), fmt(r["fit_s"], ".1f")])
    rows += [[name, fmt(b["mase"], ".3f"), fmt(b["smape"]), fmt(b["fit_s"], ".1f")]
             for name, b in baselines.items()]
    n_series = len(PANEL_COLUMNS)
    print_table(
        f"panel: US macrodata, {n_series} quarterly series x {len(train) // n_series} train / "
        f"{h} test quarters, params {params or 'defaults'}",
        ["model", "MASE (mean over series)", "sMAPE % (mean)", "fit s"], rows)
    print(f"fit time per series / global: {summary['fit_ratio_per_series_over_global']:.2f}x "
          f"({summary['per_series']['fit_s']:.1f} s vs {summary['global']['fit_s']:.1f} s)")
    return {"series": PANEL_COLUMNS, "horizon": h, "rnn": runs, "rnn_mean": summary,
            "baselines": baselines}


# -- uschange ---------------------------------------------------------------------------
def run_uschange(seeds: list[int], params: dict, h: int = 8) -> dict:
    y, X = load_uschange()
    y_train, y_test, X_train, X_test = y.iloc[:-h], y.iloc[-h:], X.iloc[:-h], X.iloc[-h:]
    fh = ForecastingHorizon(y_test.index, is_relative=False)

    runs = {"RNN with X": [], "RNN without X": []}
    for seed in seeds:
        for name, X_fit, X_pred in (("RNN with X", X_train, X_test),
                                    ("RNN without X", None, None)):
            forecaster = rnn(seed, params)
            with Timer() as t:
                forecaster.fit(y_train, X=X_fit)
            y_pred = forecaster.predict(fh, X=X_pred)
            interval = forecaster.predict_interval(fh, X=X_pred, coverage=COVERAGE)
            runs[name].append({"seed": seed, "mae": mae(y_test, y_pred),
                               "rmse": rmse(y_test, y_pred),
                               **interval_stats(y_test, interval), "fit_s": t.seconds})

    baselines = {}
    for name, forecaster in (("naive mean", NaiveForecaster(strategy="mean")),
                             ("naive last", NaiveForecaster(strategy="last"))):
        y_pred = forecaster.fit(y_train).predict(fh)
        baselines[name] = {"mae": mae(y_test, y_pred), "rmse": rmse(y_test, y_pred)}
    y_pred = LinearRegression().fit(X_train, y_train).predict(X_test)
    baselines["LinearRegression on X"] = {"mae": mae(y_test, y_pred),
                                          "rmse": rmse(y_test, y_pred)}

    summary = {name: {key: mean_of(model_runs, key)
                      for key in ("mae", "rmse", "coverage", "width", "fit_s")}
               for name, model_runs in runs.items()}
    rows = []
    for name, model_runs in runs.items():
        rows += [[f"{name} seed {r['seed']}", fmt(r["mae"], ".3f"), fmt(r["rmse"], ".3f"),
                  fmt(r["coverage"]), fmt(r["fit_s"], ".1f")] for r in model_runs]
        s = summary[name]
        rows.append([f"**{name} mean of {len(model_runs)}**", f"**{fmt(s['mae'], '.3f')}**",
                     f"**{fmt(s['rmse'], '.3f')}**", fmt(s["coverage"]), fmt(s["fit_s"], ".1f")])
    rows += [[name, fmt(b["mae"], ".3f"), fmt(b["rmse"], ".3f"), "n/a", ""]
             for name, b in baselines.items()]
    print_table(f"uschange: Consumption, {len(y_train)} train / {h} test quarters, "
                f"params {params or 'defaults'}",
                ["model", "MAE", "RMSE", "90% coverage", "fit s"], rows)
    return {"rnn": runs, "rnn_mean": summary, "baselines": baselines}


# -- main -------------------------------------------------------------------------------
def parse_args():
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--task", choices=[*TASKS, "all"], default="all")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--smoke", action="store_true",
                        help="max_epochs=2 and the first seed only: a quick run-through")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results (default benchmarks/out/forecasting[_smoke].json)")
    add_param_overrides(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    hide_remember_data_warning()
    set_threads(args.threads)
    params = parse_param_overrides(args.param)
    seeds = args.seeds
    if args.smoke:
        params, seeds = {**params, "max_epochs": 2}, seeds[:1]
    tasks = TASKS if args.task == "all" else (args.task,)
    print(f"{command_line()}\n{machine()}; seeds {seeds}; params {params or 'defaults'}")

    runners = {"airline": run_airline, "panel": run_panel, "uschange": run_uschange}
    results = {"command": command_line(), "machine": machine(), "seeds": seeds,
               "params": params, "smoke": args.smoke}
    for task in tasks:
        with Timer() as t:
            results[task] = runners[task](seeds, params)
        results[task]["seconds"] = t.seconds

    out = args.out or REPO / "benchmarks" / "out" / (
        "forecasting_smoke.json" if args.smoke else "forecasting.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=float) + "\n")
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
