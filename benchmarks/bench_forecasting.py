"""Forecasting: RNNForecaster against Darts and classical baselines fitted in the same run.

Five tasks (``--task``), each printed as a markdown table with the command line; every
recurrent model runs seeds 0 1 2 (``--seeds``) on one torch thread:

* ``airline``: Box-Jenkins airline passengers (sktime), the last 36 months held out,
  fh=1..36. ``RNNForecaster`` with default hyper-parameters: sMAPE (%), empirical coverage,
  mean width and interval (Winkler) score of the 90 % interval, fit seconds. Same-run
  interval anchors: the same networks with ``interval_method="scale"``, the earlier
  defaults, sktime's ``ConformalIntervals`` around an uncalibrated ``RNNForecaster``, and
  AutoETS's own interval. Darts' ``BlockRNNModel`` and ``RNNModel`` (``_darts.py``),
  seasonal naive, Theta, AutoETS. Bars (issue 19): sMAPE <= Darts BlockRNNModel; each
  seed's coverage in [0.85, 0.95]; mean width <= 1.3 x the earlier defaults'.
* ``shampoo`` (last 6 months) and ``lynx`` (last 14 years): MASE of RNNForecaster, both
  Darts models, AutoETS and naive; bar: RNNForecaster <= the better Darts model.
* ``panel``: the ten raw quarterly series of statsmodels' US macrodata (sktime
  ``load_macroeconomic``, bundled, 203 quarters 1959Q1-2009Q3; the derived ``infl`` and
  ``realint`` are left out), the last 8 quarters (2007Q4-2009Q3) of every series held out.
  One global ``RNNForecaster`` on the whole panel against one per series (same
  hyper-parameters), global Darts models, naive last / drift and AutoETS per series.
  Headline metric: MASE (sp=1) averaged over series, because ``tbilrate`` falls to 0.12 %
  in the test quarters, where sMAPE explodes for every method. Bars: global MASE <= per
  series and <= AutoETS; global fit seconds <= the per-series total.
* ``panel_large``: the same comparison on every quarterly series that ships with sktime,
  17 in all: the twelve macrodata columns and the five uschange columns.
* ``uschange``: US consumption growth (sktime ``load_uschange``, 187 quarters) with
  Income, Production, Savings and Unemployment as known future covariates, the last 8
  quarters held out. ``RNNForecaster`` with and without X; baselines naive mean, naive last
  and a LinearRegression of y on X. MAE and RMSE (y crosses zero: no sMAPE), and the 90 %
  interval coverage of the RNN.

Darts is optional (``pip install -e ".[benchmarks]"``); without it the Darts rows are left
out. ``--smoke`` runs every task with ``max_epochs=2`` (and 2 Darts epochs) and the first
seed only (a check that the script runs, not a result).

    python benchmarks/bench_forecasting.py --task airline --threads 1
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
    band_stats,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
)
from _darts import DARTS_MODELS, darts_available, darts_forecast
from sklearn.linear_model import LinearRegression
from sktime.datasets import (
    load_airline,
    load_lynx,
    load_macroeconomic,
    load_shampoo_sales,
    load_uschange,
)
from sktime.forecasting.base import ForecastingHorizon
from sktime.forecasting.conformal import ConformalIntervals
from sktime.forecasting.ets import AutoETS
from sktime.forecasting.naive import NaiveForecaster
from sktime.forecasting.theta import ThetaForecaster
from sktime.performance_metrics.forecasting import (
    mean_absolute_percentage_error,
    mean_absolute_scaled_error,
)

from sk_rnn import RNNForecaster

TASKS = ("airline", "shampoo", "lynx", "panel", "uschange", "panel_large")
COVERAGE = 0.9
#: The defaults before issue 19 (one-step interval scale, no dropout, "last" windows, a
#: one-step network, 10 % of the windows held out): the same-run reference of the
#: airline interval-width bar.
EARLIER_DEFAULTS = {"interval_method": "scale", "dropout": 0.0, "window_normalization": "last",
                    "output_chunk_length": 1, "validation_fraction": 0.1}
DARTS_EPOCHS = {"epochs": 300}  # 2 under --smoke
AIRLINE_BARS = {"coverage": (0.85, 0.95), "width_ratio": 1.3}
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
    """:func:`band_stats` of a univariate ``predict_interval`` frame."""
    lower = interval.xs("lower", axis=1, level=-1).iloc[:, 0].to_numpy()
    upper = interval.xs("upper", axis=1, level=-1).iloc[:, 0].to_numpy()
    return band_stats(y_true, lower, upper)


def autoets_interval(forecaster: AutoETS, n_steps: int) -> tuple[np.ndarray, np.ndarray]:
    """AutoETS's own 90 % interval for steps 1..n_steps, from statsmodels directly:
    sktime 1.2's ``predict_interval`` passes statsmodels 0.15's ``simulate`` an argument
    it no longer takes."""
    result = forecaster._fitted_forecaster
    n = int(result.nobs)
    np.random.seed(0)  # a multiplicative model's interval is simulated: make it repeat
    prediction = result.get_prediction(start=n, end=n + n_steps - 1)
    frame = prediction.summary_frame(alpha=1 - COVERAGE)
    return frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy()


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
def conformal_anchor(seed: int, params: dict) -> ConformalIntervals:
    """sktime's ``ConformalIntervals`` (its default, empirical method) around an
    uncalibrated ``RNNForecaster``: refits on expanding windows from month 72 on, one per
    later cutoff (36 refits), and takes quantiles of their residuals per horizon step."""
    inner = rnn(seed, {**params, "calibrate_intervals": False})
    return ConformalIntervals(inner, initial_window=72)


def run_airline(seeds: list[int], params: dict) -> dict:
    y = load_airline()
    y_train, y_test = y.iloc[:-36], y.iloc[-36:]
    fh = ForecastingHorizon(np.arange(1, 37), is_relative=True)

    runs, scale_runs, anchor_runs, earlier_runs = [], [], [], []
    for seed in seeds:
        forecaster = rnn(seed, params)
        with Timer() as t:
            forecaster.fit(y_train)
        interval = forecaster.predict_interval(fh, coverage=COVERAGE)
        runs.append({"seed": seed, "smape": smape(y_test, forecaster.predict(fh)),
                     **interval_stats(y_test, interval), "fit_s": t.seconds})
        # The same network (calibration draws no training randomness), the one-step scale.
        old = rnn(seed, {**params, "interval_method": "scale"})
        with Timer() as t:
            old.fit(y_train)
        scale_runs.append({"seed": seed, "smape": smape(y_test, old.predict(fh)),
                           **interval_stats(y_test, old.predict_interval(fh, coverage=COVERAGE)),
                           "fit_s": t.seconds})
        earlier = rnn(seed, {**params, **EARLIER_DEFAULTS})
        with Timer() as t:
            earlier.fit(y_train)
        earlier_runs.append({"seed": seed, "smape": smape(y_test, earlier.predict(fh)),
                             **interval_stats(y_test, earlier.predict_interval(
                                 fh, coverage=COVERAGE)), "fit_s": t.seconds})
        anchor = conformal_anchor(seed, params)
        with Timer() as t:  # its refits run in predict_interval: time both
            anchor.fit(y_train, fh=fh)
            anchor_interval = anchor.predict_interval(fh, coverage=COVERAGE)
        anchor_runs.append({"seed": seed, "smape": smape(y_test, anchor.predict(fh)),
                            **interval_stats(y_test, anchor_interval), "fit_s": t.seconds})
    peers = run_darts(seeds, [y_train], [y_test], input_chunk=24, output_chunk=12,
                      metric=lambda truth, pred, train: smape(truth, pred))

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
        if name == "AutoETS":  # its own interval, through statsmodels
            baselines[name].update(band_stats(y_test, *autoets_interval(forecaster, 36)))
            baselines[name].pop("error", None)

    summary = {key: mean_of(runs, key)
               for key in ("smape", "coverage", "width", "interval_score", "fit_s")}
    scale_summary = {key: mean_of(scale_runs, key) for key in ("coverage", "width",
                                                                 "interval_score")}
    earlier_summary = {key: mean_of(earlier_runs, key) for key in earlier_runs[0]
                       if key != "seed"}
    block = peers.get("BlockRNNModel", {}).get("mean", {}).get("metric")
    lo, hi = AIRLINE_BARS["coverage"]
    bars = {
        "smape_vs_darts_block": None if block is None else summary["smape"] <= block,
        "coverage_each_seed": all(lo <= r["coverage"] <= hi for r in runs),
        "width_vs_earlier_defaults": summary["width"] <= AIRLINE_BARS["width_ratio"]
        * earlier_summary["width"],
    }

    def row(label, r, bold=False):
        b = (lambda v: f"**{v}**") if bold else (lambda v: v)
        return [label, b(fmt(r.get("smape", r.get("metric")))), b(fmt(r.get("coverage"))),
                fmt(r.get("width"), ".1f"), fmt(r.get("interval_score"), ".1f"),
                fmt(r.get("fit_s"), ".1f")]

    rows = [row(f"RNNForecaster seed {r['seed']}", r) for r in runs]
    rows.append(row(f"RNNForecaster mean of {len(runs)}", summary, bold=True))
    rows += [row(f"RNNForecaster interval_method=scale seed {r['seed']}", r)
             for r in scale_runs]
    rows.append(row(f"RNNForecaster interval_method=scale mean of {len(runs)}",
                    {**scale_summary, "smape": summary["smape"]}))
    rows += [row(f"RNNForecaster, earlier defaults, seed {r['seed']}", r)
             for r in earlier_runs]
    rows.append(row(f"RNNForecaster, earlier defaults, mean of {len(runs)}",
                    earlier_summary))
    rows += [row(f"ConformalIntervals(RNNForecaster) seed {r['seed']}", r)
             for r in anchor_runs]
    rows.append(row(f"ConformalIntervals(RNNForecaster) mean of {len(runs)}",
                    {key: mean_of(anchor_runs, key) for key in anchor_runs[0]}))
    rows += darts_rows(peers, row)
    rows += [row(name, b) for name, b in baselines.items()]
    print_table(f"airline: 108 train / 36 test months, fh=1..36, params {params or 'defaults'}",
                ["model", "sMAPE %", "90% coverage", "mean width", "interval score",
                 "fit s"], rows)
    print_errors(baselines)
    print(f"bars: sMAPE {summary['smape']:.2f} <= Darts BlockRNNModel {fmt(block)}: "
          f"{verdict(bars['smape_vs_darts_block'])}; 90% coverage of every seed in "
          f"[{lo}, {hi}] ({', '.join(fmt(r['coverage']) for r in runs)}): "
          f"{verdict(bars['coverage_each_seed'])}; mean width {summary['width']:.1f} <= "
          f"{AIRLINE_BARS['width_ratio']} x the earlier defaults' "
          f"{earlier_summary['width']:.1f}: {verdict(bars['width_vs_earlier_defaults'])}")
    return {"rnn": runs, "rnn_mean": summary, "rnn_scale_method": scale_runs,
            "conformal_intervals_anchor": anchor_runs, "earlier_defaults": earlier_runs,
            "darts": peers,
            "baselines": baselines, "bars": bars}


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


# -- Darts side by side -----------------------------------------------------------------
def run_darts(seeds: list[int], train: list[pd.Series], test: list[pd.Series], *,
              input_chunk: int, output_chunk: int, metric) -> dict:
    """Both Darts models per seed: ``metric(test, pred, train)`` averaged over series,
    the 90 % interval of ``RNNModel`` (single series), fit seconds. Empty without Darts."""
    if not darts_available():
        print("darts[torch] is not installed: no Darts rows (pip install 'sk-rnn[benchmarks]')")
        return {}
    n_steps = len(test[0])
    out = {}
    for name in DARTS_MODELS:
        runs = []
        for seed in seeds:
            result = darts_forecast(name, train, n_steps, input_chunk=input_chunk,
                                    output_chunk=output_chunk, seed=seed,
                                    epochs=DARTS_EPOCHS["epochs"])
            run = {"seed": seed, "fit_s": result["fit_s"], "metric": float(np.mean(
                [metric(y, p, tr) for y, p, tr in zip(test, result["pred"], train, strict=True)]))}
            if result["lower"] is not None and len(test) == 1:
                run.update(band_stats(test[0], result["lower"][0], result["upper"][0]))
            runs.append(run)
        out[name] = {"runs": runs, "mean": {key: mean_of(runs, key) for key in runs[0]
                                            if key != "seed"}}
    return out


def darts_rows(peers: dict, row) -> list[list[str]]:
    rows = []
    for name, result in peers.items():
        rows += [row(f"Darts {name} seed {r['seed']}", r) for r in result["runs"]]
        rows.append(row(f"Darts {name} mean of {len(result['runs'])}", result["mean"],
                        bold=True))
    return rows


def run_short_series(name: str, seeds: list[int], params: dict) -> dict:
    """shampoo (last 6 months) or lynx (last 14 years): MASE of RNNForecaster, both Darts
    models and AutoETS (sp=1; the series are too short or not seasonal at a fixed
    period for sp)."""
    y, h, icl, ocl = {"shampoo": (load_shampoo_sales(), 6, 12, 6),
                      "lynx": (load_lynx(), 14, 24, 14)}[name]
    y = y.astype(float)
    y_train, y_test = y.iloc[:-h], y.iloc[-h:]
    fh = ForecastingHorizon(np.arange(1, h + 1), is_relative=True)

    def mase(truth, pred, train):
        return float(mean_absolute_scaled_error(pd.Series(np.asarray(truth, float)),
                                                pd.Series(np.asarray(pred, float)),
                                                y_train=pd.Series(np.asarray(train, float))))

    runs = []
    for seed in seeds:
        forecaster = rnn(seed, params)
        with Timer() as t:
            forecaster.fit(y_train)
        runs.append({"seed": seed, "metric": mase(y_test, forecaster.predict(fh), y_train),
                     **interval_stats(y_test, forecaster.predict_interval(
                         fh, coverage=COVERAGE)), "fit_s": t.seconds})
    peers = run_darts(seeds, [y_train], [y_test], input_chunk=icl, output_chunk=ocl,
                      metric=mase)
    ets = AutoETS(auto=True, n_jobs=1)
    with Timer() as t:
        ets.fit(y_train)
    baselines = {"AutoETS": {"metric": mase(y_test, ets.predict(fh), y_train),
                             **band_stats(y_test, *autoets_interval(ets, h)),
                             "fit_s": t.seconds}}
    naive = NaiveForecaster(strategy="last").fit(y_train)
    baselines["naive last"] = {"metric": mase(y_test, naive.predict(fh), y_train)}
    summary = {key: mean_of(runs, key) for key in runs[0] if key != "seed"}
    best_darts = min((p["mean"]["metric"] for p in peers.values()), default=None)
    ok = None if best_darts is None else summary["metric"] <= best_darts

    def row(label, r, bold=False):
        b = (lambda v: f"**{v}**") if bold else (lambda v: v)
        return [label, b(fmt(r.get("metric"), ".3f")), fmt(r.get("coverage")),
                fmt(r.get("interval_score"), ".1f"), fmt(r.get("fit_s"), ".1f")]

    rows = [row(f"RNNForecaster seed {r['seed']}", r) for r in runs]
    rows.append(row(f"RNNForecaster mean of {len(runs)}", summary, bold=True))
    rows += darts_rows(peers, row)
    rows += [row(label, b) for label, b in baselines.items()]
    print_table(f"{name}: {len(y_train)} train / {h} test steps, params {params or 'defaults'}",
                ["model", "MASE", "90% coverage", "interval score", "fit s"], rows)
    print(f"bar: mean MASE {summary['metric']:.3f} <= the better Darts model "
          f"{fmt(best_darts, '.3f')}: {verdict(ok)}")
    return {"rnn": runs, "rnn_mean": summary, "darts": peers, "baselines": baselines,
            "bars": {"mase_vs_darts": ok}}


def run_shampoo(seeds: list[int], params: dict) -> dict:
    return run_short_series("shampoo", seeds, params)


def run_lynx(seeds: list[int], params: dict) -> dict:
    return run_short_series("lynx", seeds, params)


# -- panel ------------------------------------------------------------------------------
def load_panel(large: bool = False) -> pd.DataFrame:
    """The macrodata columns as a ``pd-multiindex`` frame (levels instance, time).

    ``large``: every quarterly series that ships with sktime: all twelve macrodata
    columns (with the derived ``infl`` and ``realint``) and the five uschange columns
    (1970Q1-2016Q3, growth rates that cross zero), 17 series of 187-203 quarters ending
    at different times.
    """
    wide = load_macroeconomic()[PANEL_COLUMNS if not large else slice(None)].astype(float)
    if large:
        y, X = load_uschange()
        changes = pd.concat([y, X], axis=1).astype(float)
        changes.index = pd.period_range("1970Q1", periods=len(changes), freq="Q")
        wide = pd.concat([wide, changes.add_prefix("uschange ")], axis=1)
    long = wide.rename_axis(columns="instance").stack().dropna().rename("value").to_frame()
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


def run_panel(seeds: list[int], params: dict, h: int = 8, large: bool = False) -> dict:
    panel = load_panel(large)
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

    names = list(train.index.unique(level="instance"))
    peers = run_darts(
        seeds, [train.loc[n, "value"] for n in names], [test.loc[n, "value"] for n in names],
        input_chunk=24, output_chunk=h,
        metric=lambda truth, pred, tr: float(mean_absolute_scaled_error(
            truth, pd.Series(np.asarray(pred), index=truth.index), y_train=tr, sp=1)))

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
    rows += darts_rows(peers, lambda label, r, bold=False: [
        label, f"**{fmt(r['metric'], '.3f')}**" if bold else fmt(r["metric"], ".3f"), "",
        fmt(r["fit_s"], ".1f")])
    rows += [[name, fmt(b["mase"], ".3f"), fmt(b["smape"]), fmt(b["fit_s"], ".1f")]
             for name, b in baselines.items()]
    n_series = len(names)
    source = "US macrodata and uschange" if large else "US macrodata"
    print_table(
        f"{'panel_large' if large else 'panel'}: {source}, {n_series} quarterly series, "
        f"{h} test quarters each, params {params or 'defaults'}",
        ["model", "MASE (mean over series)", "sMAPE % (mean)", "fit s"], rows)
    print(f"fit time per series / global: {summary['fit_ratio_per_series_over_global']:.2f}x "
          f"({summary['per_series']['fit_s']:.1f} s vs {summary['global']['fit_s']:.1f} s)")
    ok = {"mase_vs_per_series": summary["global"]["mase"] <= summary["per_series"]["mase"],
          "mase_vs_autoets": summary["global"]["mase"] <= baselines["AutoETS per series"][
              "mase"],
          "fit_vs_per_series": summary["global"]["fit_s"] <= summary["per_series"]["fit_s"]}
    print(f"bars: global MASE {summary['global']['mase']:.3f} <= per series "
          f"{summary['per_series']['mase']:.3f}: {verdict(ok['mase_vs_per_series'])}; <= "
          f"AutoETS {baselines['AutoETS per series']['mase']:.3f}: "
          f"{verdict(ok['mase_vs_autoets'])}; global fit time <= per-series total: "
          f"{verdict(ok['fit_vs_per_series'])}")
    return {"series": names, "horizon": h, "rnn": runs, "rnn_mean": summary,
            "darts": peers, "baselines": baselines, "bars": ok}


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
    try:  # sktime's ARIMA needs pmdarima (in the benchmarks extra)
        from sktime.forecasting.arima import AutoARIMA

        arima = AutoARIMA(suppress_warnings=True).fit(y_train, X=X_train)
        y_pred = arima.predict(fh, X=X_test)
        baselines["AutoARIMA with X"] = {"mae": mae(y_test, y_pred),
                                         "rmse": rmse(y_test, y_pred)}
    except ModuleNotFoundError:
        print("pmdarima is not installed: no AutoARIMA row (pip install 'sk-rnn[benchmarks]')")

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
    with_x, without_x = summary["RNN with X"]["mae"], summary["RNN without X"]["mae"]
    bars = {"with_x_below_without": with_x < without_x,
            "with_x_below_naive_mean": with_x < baselines["naive mean"]["mae"],
            "with_x_within_1.5_linear": with_x <= 1.5 * baselines["LinearRegression on X"]["mae"]}
    if "AutoARIMA with X" in baselines:
        bars["with_x_below_arima"] = with_x < baselines["AutoARIMA with X"]["mae"]
    print("Bars: " + "; ".join(f"{name} {verdict(ok)}" for name, ok in bars.items()))
    return {"rnn": runs, "rnn_mean": summary, "baselines": baselines, "bars": bars}


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
        DARTS_EPOCHS["epochs"] = 2
    tasks = TASKS if args.task == "all" else (args.task,)
    print(f"{command_line()}\n{machine()}; seeds {seeds}; params {params or 'defaults'}")

    runners = {"airline": run_airline, "shampoo": run_shampoo, "lynx": run_lynx,
               "panel": run_panel, "uschange": run_uschange,
               "panel_large": lambda seeds, params: run_panel(seeds, params, large=True)}
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
