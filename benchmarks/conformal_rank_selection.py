"""Compare the conformal rank rules of ``RNNForecaster`` on the forecaster selection set.

The same fitted forecasters (defaults, ``--param`` overrides, the 17 series of
``select_forecaster_defaults.py --broad``) give two 90 % bands: the split-conformal
quantile of the pooled conformity scores with every score counted in its rank (the
default), and with only the held-out origins counted (the earlier rule, which falls back
to the largest score when fewer than nine origins are held out). Both bands are
``point +/- q * spread``, with the spread recovered from ``predict_var`` (its standard
deviation is the spread times ``interval_scale_``). Prints the mean coverage and MSIS
over the tasks for each rule.

    python benchmarks/conformal_rank_selection.py --threads 1
    python benchmarks/conformal_rank_selection.py --threads 1 --param validation_fraction=0.1
"""

from __future__ import annotations

import warnings

import numpy as np
from _common import Timer, add_param_overrides, base_parser, parse_param_overrides, set_threads
from select_forecaster_defaults import interval_score, tasks

from sk_rnn import RNNForecaster
from sk_rnn._forecast_intervals import conformal_quantile

COVERAGE = 0.9
RULES = ("every score", "origins")


def band_scores(forecaster: RNNForecaster, y_train, y_test) -> dict:
    """Coverage and MSIS of the 90 % band of ``forecaster`` under each rank rule."""
    fh = np.arange(1, len(y_test) + 1)
    point = forecaster.predict(fh).to_numpy()
    spread = np.sqrt(forecaster.predict_var(fh).to_numpy()[:, 0]) / forecaster.interval_scale_
    truth, train = y_test.to_numpy(), y_train.to_numpy()
    groups = {"every score": None, "origins": forecaster.n_calibration_origins_}
    out = {}
    for rule in RULES:
        q = conformal_quantile(forecaster.conformity_scores_, COVERAGE,
                               forecaster.interval_scale_, groups[rule])
        lower, upper = point - q * spread, point + q * spread
        out[rule] = (float(np.mean((truth >= lower) & (truth <= upper))),
                     interval_score(truth, lower, upper, train, COVERAGE))
    return out


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    add_param_overrides(parser)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.simplefilter("ignore")  # the short series' window warnings
    params = parse_param_overrides(args.param)
    per_task = {rule: [] for rule in RULES}
    with Timer() as timer:
        for y_train, y_test in tasks(broad=True).values():
            runs = [band_scores(RNNForecaster(random_state=seed, device="cpu", **params)
                                .fit(y_train), y_train, y_test) for seed in args.seeds]
            for rule in RULES:
                per_task[rule].append(np.mean([run[rule] for run in runs], axis=0))
    parts = [f"{rule} counted: coverage {np.mean(per_task[rule], axis=0)[0]:.3f}, "
             f"MSIS {np.mean(per_task[rule], axis=0)[1]:.2f}" for rule in RULES]
    print(f"{params or 'defaults'}, seeds {' '.join(map(str, args.seeds))}, "
          f"{len(per_task[RULES[0]])} tasks: {'; '.join(parts)} ({timer.seconds:.0f} s)")


if __name__ == "__main__":
    main()
