"""Forecast the airline passengers with RNNForecaster and plot its calibrated intervals.

The last 36 months of sktime's airline data are held out; the forecaster (default
hyper-parameters) is fitted on the rest and forecasts the 36 months with 50 % and 90 %
prediction intervals, calibrated by its default ``interval_method="conformal"``: a first
fit leaves out the last months, forecasts them from every held-out month, and scales the
spread of its sample paths by the errors it made there, pooled over the steps.
The result is saved as a PNG with :func:`sk_rnn.plotting.plot_forecast`; the earlier
one-step calibration (``interval_method="scale"``) is printed for comparison.

    python examples/forecast_airline.py --out plots/   # about 20 s; plots/forecast_airline.png
    python examples/forecast_airline.py --smoke        # a few seconds

The data ship with sktime (no ``--data-home``). It prints the sMAPE of the forecast, the
share of the held-out months inside the 90 % interval, and where the PNG went; a full
run printed::

    sMAPE 6.69 %; 90 % interval: coverage 1.00, mean width 197.8 (conformal, 184 scores
    from 16 held-out months); one-step scale method: coverage 0.97, width 201.7
    plot written to .../forecast_airline.png

(two torch threads; one thread gives other numbers, see ``benchmarks/RESULTS.md``). With
the default chunks of 4 steps the 90 % band over-covers on this seed; with
``output_chunk_length=1`` it is narrower.
"""

from __future__ import annotations

import argparse

import numpy as np
from sktime.datasets import load_airline
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error

from sk_rnn import RNNForecaster
from sk_rnn.plotting import plot_forecast, save_figure

DEFAULT_OUT = "forecast_airline.png"


def band(y_test, intervals) -> tuple[float, float]:
    """Share of ``y_test`` inside the 90 % interval of ``intervals``, and its mean width."""
    name = intervals.columns.get_level_values(0)[0]
    lower = intervals[(name, 0.9, "lower")].to_numpy()
    upper = intervals[(name, 0.9, "upper")].to_numpy()
    truth = y_test.to_numpy()
    return float(np.mean((truth >= lower) & (truth <= upper))), float(np.mean(upper - lower))


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    parser.add_argument("--max-epochs", type=int, default=200, help="training epochs")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: a tiny model, 2 epochs, 50 sample paths")
    args = parser.parse_args(argv)

    y = load_airline()
    y_train, y_test = y[:-36], y[-36:]
    fh = np.arange(1, 37)
    params: dict = {"max_epochs": args.max_epochs}
    if args.smoke:
        params = {"max_epochs": 2, "hidden_size": 8, "n_sample_paths": 50}
    forecaster = RNNForecaster(random_state=0, **params)
    forecaster.fit(y_train)
    y_pred = forecaster.predict(fh)
    intervals = forecaster.predict_interval(fh, coverage=[0.5, 0.9])
    # The same network with the earlier, one-step calibration, for comparison.
    one_step = RNNForecaster(random_state=0, interval_method="scale", **params).fit(y_train)

    smape = 100 * mean_absolute_percentage_error(y_test, y_pred, symmetric=True)
    coverage, width = band(y_test, intervals)
    old_coverage, old_width = band(y_test, one_step.predict_interval(fh, coverage=0.9))
    print(f"sMAPE {smape:.2f} %; 90 % interval: coverage {coverage:.2f}, mean width "
          f"{width:.1f} (conformal, {len(forecaster.conformity_scores_)} scores from "
          f"{forecaster.n_calibration_origins_} held-out months); one-step scale method: "
          f"coverage {old_coverage:.2f}, width {old_width:.1f}")

    ax = plot_forecast(y_train, y_pred, pred_interval=intervals, y_test=y_test,
                       title=f"RNNForecaster on airline: sMAPE {smape:.1f} %, "
                             f"90 % coverage {coverage:.2f}")
    print(f"plot written to {save_figure(ax.figure, args.out, DEFAULT_OUT, dpi=120)}")


if __name__ == "__main__":
    main()
