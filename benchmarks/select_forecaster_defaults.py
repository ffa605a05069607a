"""Choose RNNForecaster defaults on forecast origins that end before the benchmark's test.

The airline benchmark (``bench_forecasting.py``) holds out the last 36 months. Defaults are
compared here on earlier origins only, so that the benchmark stays an honest test:

* airline trained on the first 60, 72, 84 and 96 months, forecasting the next 36, 36, 24
  and 12 (all ending by month 108, before the benchmark's test period);
* shampoo sales (sktime), the last 12 months held out;
* lynx (sktime), the last 14 years held out.

``--broad`` adds more series, none of them in a benchmark's test period: PBS (sktime,
monthly, last 24 months held out), five quarterly series of statsmodels' US macrodata
(realgdp, realcons, cpi, unemp, tbilrate) trained up to 1998Q4 with 8 quarters held out,
and the five uschange columns without X, trained on all but the last 16 quarters with the
next 8 held out (the uschange benchmark tests the last 8).

For every task and seed (0, 1, 2): sMAPE (%), MASE (sp=1, comparable across series that
cross zero), the empirical coverage of the 90 % interval and its scaled interval score
(MSIS, as in the M4 competition: the Winkler score, width plus 2/0.1 times the distance by
which the truth falls outside, averaged over the horizon and divided by the mean absolute
one-step difference of the training series; lower is better); the line reports the means,
the airline folds averaged together, and the means over all tasks.

``--exogenous`` instead scores the use of X at an origin before the uschange benchmark's
test: Consumption with Income, Production, Savings and Unemployment as X, trained on all
but the last 16 quarters, the next 8 held out; MAE with X and without, seeds 0-2, next to
the naive mean and a LinearRegression of y on X.

``--panel`` instead scores one global model against one model per series on the ten
macrodata series of the panel benchmark at an origin before its test: every series
trained on all but its last 16 quarters, the next 8 held out (the benchmark tests the last
8); mean MASE (sp=1) over the series, seeds 0-2, with the fit seconds of both. ``--panel
--large`` does the same on the 17 series of the larger panel benchmark.

    python benchmarks/select_forecaster_defaults.py --param linear_skip=False
    python benchmarks/select_forecaster_defaults.py --exogenous --param dropout=0.3
    python benchmarks/select_forecaster_defaults.py --panel --param output_chunk_length=1
    python benchmarks/select_forecaster_defaults.py --panel --by-series --seeds 0
    python benchmarks/select_forecaster_defaults.py --panel --large --param series_identity=False
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from _common import (
    Timer,
    add_param_overrides,
    band_stats,
    base_parser,
    parse_param_overrides,
    set_threads,
)
from sktime.datasets import (
    load_airline,
    load_lynx,
    load_macroeconomic,
    load_PBS_dataset,
    load_shampoo_sales,
    load_uschange,
)
from sktime.performance_metrics.forecasting import (
    mean_absolute_percentage_error,
    mean_absolute_scaled_error,
)

from sk_rnn import RNNForecaster

AIRLINE_ORIGINS = [(60, 36), (72, 36), (84, 24), (96, 12)]


def tasks(broad: bool = False) -> dict:
    """``{name: (y_train, y_test)}`` of the selection set."""
    airline = load_airline()
    out = {f"airline {o}+{h}": (airline[:o], airline[o:o + h]) for o, h in AIRLINE_ORIGINS}
    shampoo, lynx = load_shampoo_sales(), load_lynx()
    out["shampoo"] = (shampoo[:-12], shampoo[-12:])
    out["lynx"] = (lynx[:-14], lynx[-14:])
    if broad:
        pbs = load_PBS_dataset()
        out["PBS"] = (pbs[:-24], pbs[-24:])
        macro = load_macroeconomic()
        origin = macro.index.get_loc(pd.Period("1998Q4", freq="Q")) + 1
        for column in ("realgdp", "realcons", "cpi", "unemp", "tbilrate"):
            series = macro[column].astype(float)
            out[f"macro {column}"] = (series[:origin], series[origin:origin + 8])
        y, X = load_uschange()
        for column, series in [("Consumption", y), *X.items()]:
            series = series.astype(float)
            out[f"uschange {column}"] = (series[:-16], series[-16:-8])
    return out


def interval_score(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                   y_train: np.ndarray, coverage: float = 0.9) -> float:
    """Scaled interval score (MSIS, sp=1) of one interval forecast."""
    winkler = band_stats(y_true, lower, upper, coverage)["interval_score"]
    return float(winkler / np.mean(np.abs(np.diff(y_train))))


def score(params: dict, seeds: list[int], broad: bool = False) -> dict:
    """Mean sMAPE, MASE, 90 % coverage and MSIS per task."""
    results = {}
    for name, (y_train, y_test) in tasks(broad).items():
        fh = np.arange(1, len(y_test) + 1)
        smapes, mases, coverages, msis = [], [], [], []
        for seed in seeds:
            forecaster = RNNForecaster(random_state=seed, device="cpu", **params)
            forecaster.fit(y_train, fh=fh if params.get("strategy") == "direct" else None)
            y_pred = forecaster.predict(fh)
            interval = forecaster.predict_interval(fh, coverage=0.9)
            lower, upper = interval.iloc[:, 0].to_numpy(), interval.iloc[:, 1].to_numpy()
            smapes.append(100 * mean_absolute_percentage_error(y_test, y_pred, symmetric=True))
            mases.append(mean_absolute_scaled_error(y_test, y_pred, y_train=y_train))
            coverages.append(np.mean((y_test.to_numpy() >= lower) & (y_test.to_numpy() <= upper)))
            msis.append(interval_score(y_test.to_numpy(), lower, upper, y_train.to_numpy()))
        results[name] = (float(np.mean(smapes)), float(np.mean(mases)),
                         float(np.mean(coverages)), float(np.mean(msis)))
    return results


def score_exogenous(params: dict, seeds: list[int]) -> str:
    """MAE with and without X at the uschange validation origin, and the baselines."""
    from sklearn.linear_model import LinearRegression

    y, X = load_uschange()
    y_train, y_test, X_train, X_test = y[:-16], y[-16:-8], X[:-16], X[-16:-8]
    fh = np.arange(1, 9)
    mae = {}
    for name, (x_fit, x_pred) in {"with X": (X_train, X_test),
                                  "without X": (None, None)}.items():
        errors = []
        for seed in seeds:
            forecaster = RNNForecaster(random_state=seed, device="cpu", **params)
            y_pred = forecaster.fit(y_train, X=x_fit).predict(fh, X=x_pred)
            errors.append(float(np.mean(np.abs(y_pred.to_numpy() - y_test.to_numpy()))))
        mae[name] = errors
    naive = float(np.mean(np.abs(y_test - y_train.mean())))
    linear = LinearRegression().fit(X_train, y_train).predict(X_test)
    return (f"{params or 'defaults'} uschange validation origin, MAE (seeds "
            f"{' / '.join(map(str, seeds))}): with X {np.mean(mae['with X']):.3f} "
            f"({' / '.join(f'{e:.3f}' for e in mae['with X'])}), without X "
            f"{np.mean(mae['without X']):.3f} "
            f"({' / '.join(f'{e:.3f}' for e in mae['without X'])}); naive mean {naive:.3f}, "
            f"LinearRegression on X {np.mean(np.abs(linear - y_test.to_numpy())):.3f}")


def score_panel(params: dict, seeds: list[int], by_series: bool = False,
                large: bool = False) -> str:
    """Global against per-series MASE at the panel validation origin (with
    ``by_series``, also each series' MASE, averaged over the seeds, on lines of its own;
    with ``large``, on the 17 series of the larger panel benchmark)."""
    from bench_forecasting import fit_per_series, load_panel, panel_scores, split_panel
    from sktime.forecasting.base import ForecastingHorizon

    seen, _ = split_panel(load_panel(large), 8)  # the benchmark's test quarters stay unseen
    train, valid = split_panel(seen, 8)
    fh = ForecastingHorizon(np.arange(1, 9), is_relative=True)
    runs = {"global": [], "per series": []}
    series_mase = {"global": [], "per series": []}
    for seed in seeds:
        forecaster = RNNForecaster(random_state=seed, device="cpu", **params)
        with Timer() as timer:
            forecaster.fit(train)
        scores = panel_scores(train, valid, forecaster.predict(fh))
        runs["global"].append((scores["mase"], timer.seconds))
        series_mase["global"].append(scores["mase_per_series"])
        pred, seconds = fit_per_series(seed, params, train, fh)
        scores = panel_scores(train, valid, pred)
        runs["per series"].append((scores["mase"], seconds))
        series_mase["per series"].append(scores["mase_per_series"])
    parts = [f"{kind} MASE {np.mean([m for m, _ in r]):.3f} "
             f"({' / '.join(f'{m:.3f}' for m, _ in r)}), fit {np.mean([t for _, t in r]):.1f} s"
             for kind, r in runs.items()]
    panel = "larger panel" if large else "panel"
    line = f"{params or 'defaults'} {panel} validation origin: {'; '.join(parts)}"
    if by_series:
        names = list(series_mase["global"][0])
        line += "".join(
            f"\n  {name:10s} global {np.mean([s[name] for s in series_mase['global']]):.3f}"
            f"  per series {np.mean([s[name] for s in series_mase['per series']]):.3f}"
            for name in names)
    return line


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    add_param_overrides(parser)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--broad", action="store_true", help="add PBS, macrodata, uschange")
    parser.add_argument("--by-series", action="store_true",
                        help="with --panel: also each series' MASE (mean over the seeds)")
    parser.add_argument("--large", action="store_true",
                        help="with --panel: the 17 series of the larger panel benchmark")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--exogenous", action="store_true",
                      help="only the use of X, at the uschange validation origin")
    only.add_argument("--panel", action="store_true",
                      help="only global against per-series models, at the panel "
                           "validation origin")
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.simplefilter("ignore", FutureWarning)
    params = parse_param_overrides(args.param)
    if args.exogenous or args.panel:
        with Timer() as timer:
            line = (score_exogenous(params, args.seeds) if args.exogenous
                    else score_panel(params, args.seeds, args.by_series, args.large))
        print(f"{line} ({timer.seconds:.0f} s)")
        return
    with Timer() as timer:
        results = score(params, args.seeds, args.broad)
    airline = np.array([v for k, v in results.items() if k.startswith("airline")])
    table = np.array(list(results.values()))
    line = " | ".join(f"{k} {s:.2f}/{m:.2f}/{c:.2f}/{i:.2f}"
                      for k, (s, m, c, i) in results.items())
    print(f"{params or 'defaults'} (sMAPE/MASE/coverage/MSIS): airline folds "
          f"{airline[:, 0].mean():.2f}/{airline[:, 2].mean():.2f}/{airline[:, 3].mean():.2f}"
          f" | mean over all tasks: MASE {table[:, 1].mean():.3f}, coverage "
          f"{table[:, 2].mean():.2f}, MSIS {table[:, 3].mean():.2f}"
          f" | {line} ({timer.seconds:.0f} s)")


if __name__ == "__main__":
    main()
