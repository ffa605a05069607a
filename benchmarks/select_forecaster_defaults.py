"""Choose RNNForecaster defaults on forecast origins that end before the benchmark's test.

The airline benchmark (``bench_forecasting.py``) holds out the last 36 months. Defaults are
compared here on earlier origins only, so that the benchmark stays an honest test:

* airline trained on the first 60, 72, 84 and 96 months, forecasting the next 36, 36, 24
  and 12 (all ending by month 108, before the benchmark's test period);
* shampoo sales (sktime), the last 12 months held out;
* lynx (sktime), the last 14 years held out.

For every task and seed (0, 1, 2): sMAPE (%) and the empirical coverage of the 90 %
interval; the line reports the means, the airline folds also averaged together.

    python benchmarks/select_forecaster_defaults.py --param linear_skip=False
"""

from __future__ import annotations

import warnings

import numpy as np
from _common import Timer, add_param_overrides, base_parser, parse_param_overrides, set_threads
from sktime.datasets import load_airline, load_lynx, load_shampoo_sales
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error

from sk_rnn import RNNForecaster

AIRLINE_ORIGINS = [(60, 36), (72, 36), (84, 24), (96, 12)]


def tasks() -> dict:
    """``{name: (y_train, y_test)}`` of the selection set."""
    airline = load_airline()
    out = {f"airline {o}+{h}": (airline[:o], airline[o:o + h]) for o, h in AIRLINE_ORIGINS}
    shampoo, lynx = load_shampoo_sales(), load_lynx()
    out["shampoo"] = (shampoo[:-12], shampoo[-12:])
    out["lynx"] = (lynx[:-14], lynx[-14:])
    return out


def score(params: dict, seeds: list[int]) -> dict:
    """Mean sMAPE and 90 % coverage per task."""
    results = {}
    for name, (y_train, y_test) in tasks().items():
        fh = np.arange(1, len(y_test) + 1)
        smapes, coverages = [], []
        for seed in seeds:
            forecaster = RNNForecaster(random_state=seed, device="cpu", **params)
            forecaster.fit(y_train, fh=fh if params.get("strategy") == "direct" else None)
            y_pred = forecaster.predict(fh)
            interval = forecaster.predict_interval(fh, coverage=0.9)
            lower, upper = interval.iloc[:, 0].to_numpy(), interval.iloc[:, 1].to_numpy()
            smapes.append(100 * mean_absolute_percentage_error(y_test, y_pred, symmetric=True))
            coverages.append(np.mean((y_test.to_numpy() >= lower) & (y_test.to_numpy() <= upper)))
        results[name] = (float(np.mean(smapes)), float(np.mean(coverages)))
    return results


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    add_param_overrides(parser)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.simplefilter("ignore", FutureWarning)
    params = parse_param_overrides(args.param)
    with Timer() as timer:
        results = score(params, args.seeds)
    airline = [v for k, v in results.items() if k.startswith("airline")]
    line = " | ".join(f"{k} {s:.2f}/{c:.2f}" for k, (s, c) in results.items())
    print(f"{params or 'defaults'}: airline folds {np.mean([s for s, _ in airline]):.2f}/"
          f"{np.mean([c for _, c in airline]):.2f} | {line} ({timer.seconds:.0f} s)")


if __name__ == "__main__":
    main()
