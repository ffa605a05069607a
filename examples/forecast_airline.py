"""Forecast the airline passengers with RNNForecaster and plot the 90 % interval.

The last 36 months of sktime's airline data are held out; the forecaster (default
hyper-parameters) is fitted on the rest, forecasts the 36 months with a 90 % prediction
interval, and the result is saved as a PNG with :func:`sk_rnn.plotting.plot_forecast`.

    python examples/forecast_airline.py --out forecast_airline.png   # about 20 s
    python examples/forecast_airline.py --smoke                      # a few seconds

The data ship with sktime (no ``--data-home``). It prints the sMAPE of the forecast, the
share of the held-out months inside the 90 % interval, and where the PNG went; a full
run printed::

    sMAPE 5.95 %, 90 % interval coverage 0.72 (200 epochs, interval scale 1.00)
    plot written to forecast_airline.png
"""

from __future__ import annotations

import argparse

import numpy as np
from sktime.datasets import load_airline
from sktime.performance_metrics.forecasting import mean_absolute_percentage_error

from sk_rnn import RNNForecaster
from sk_rnn.plotting import plot_forecast


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="forecast_airline.png", help="PNG to write")
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
    interval = forecaster.predict_interval(fh, coverage=0.9)

    smape = 100 * mean_absolute_percentage_error(y_test, y_pred, symmetric=True)
    lower, upper = interval.iloc[:, 0], interval.iloc[:, 1]
    coverage = np.mean((y_test.to_numpy() >= lower.to_numpy())
                       & (y_test.to_numpy() <= upper.to_numpy()))
    print(f"sMAPE {smape:.2f} %, 90 % interval coverage {coverage:.2f} "
          f"({forecaster.n_iter_} epochs, interval scale {forecaster.interval_scale_:.2f})")

    ax = plot_forecast(y_train, y_pred, pred_interval=interval, y_test=y_test,
                       title=f"RNNForecaster on airline: sMAPE {smape:.1f} %")
    ax.figure.savefig(args.out, dpi=120)
    print(f"plot written to {args.out}")


if __name__ == "__main__":
    main()
