"""Darts' recurrent forecasters, the peer ``bench_forecasting.py`` runs side by side.

Darts is the forecasting library most users would try instead of ``RNNForecaster``. Its
two recurrent models are set up as a competent Darts user would: an LSTM with 25 hidden
units in one layer, 300 epochs, batch 16, Adam at lr 1e-3, each series scaled to [0, 1]
by its own ``Scaler``, and an input chunk of 24 steps (12 on the short shampoo series):

* ``BlockRNNModel``: reads ``input_chunk_length`` steps and emits ``output_chunk_length``
  at once (a multi-output, direct head); longer horizons are rolled out block by block.
  It has no likelihood here, so it gives point forecasts only.
* ``RNNModel``: a one-step recurrent model fed its own forecasts, trained on sequences of
  ``training_length = input_chunk_length + output_chunk_length`` steps with a Gaussian
  likelihood; 200 sample paths give its median and its 90 % interval.

Darts is an optional benchmark dependency (``pip install "sk-rnn[benchmarks]"``, which
pulls ``darts[torch]``; plain ``darts`` has no torch models), never one of the package.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd
from _common import Timer

DARTS_MODELS = ("BlockRNNModel", "RNNModel")
N_SAMPLES = 200


def darts_available() -> bool:
    """Whether ``darts`` with its torch models imports."""
    try:
        from darts.models import BlockRNNModel, RNNModel  # noqa: F401
    except ImportError:
        return False
    return True


def _quiet() -> None:
    """Silence PyTorch Lightning's banner lines (GPU available, tips, summaries)."""
    for name in ("pytorch_lightning", "lightning", "lightning.pytorch",
                 "lightning_fabric", "pytorch_lightning.utilities.rank_zero"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="pytorch_lightning")
    warnings.filterwarnings("ignore", module="lightning")
    warnings.filterwarnings("ignore", message=".*pin_memory.*")


def _timeseries(y: pd.Series):
    from darts import TimeSeries

    series = y.astype("float32")
    if isinstance(series.index, pd.PeriodIndex):
        series = series.to_timestamp()
    return TimeSeries.from_series(series)


def darts_forecast(model_name: str, train: list[pd.Series], n_steps: int, *,
                   input_chunk: int, output_chunk: int, seed: int,
                   epochs: int = 300) -> dict:
    """Fit one Darts model on ``train`` (one series, or several for a global model) and
    forecast ``n_steps`` ahead of each.

    Returns
    -------
    dict
        ``pred``: one array of point forecasts per series; ``lower``/``upper``: the 90 %
        interval per series (``RNNModel`` only, else None); ``fit_s``: fit seconds.
    """
    from darts.dataprocessing.transformers import Scaler
    from darts.models import BlockRNNModel, RNNModel
    from darts.utils.likelihood_models import GaussianLikelihood

    _quiet()
    common = dict(
        model="LSTM", input_chunk_length=input_chunk, hidden_dim=25, n_rnn_layers=1,
        n_epochs=epochs, batch_size=16, optimizer_kwargs={"lr": 1e-3}, random_state=seed,
        pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                           "enable_model_summary": False, "logger": False,
                           "enable_checkpointing": False},
    )
    if model_name == "BlockRNNModel":
        model = BlockRNNModel(output_chunk_length=output_chunk, **common)
    elif model_name == "RNNModel":
        model = RNNModel(training_length=input_chunk + output_chunk,
                         likelihood=GaussianLikelihood(), **common)
    else:
        raise ValueError(f"model_name must be one of {DARTS_MODELS}, got {model_name!r}.")
    scaler = Scaler()
    scaled = scaler.fit_transform([_timeseries(y) for y in train])
    with Timer() as t:
        model.fit(scaled, verbose=False)
    if model_name == "RNNModel":
        samples = scaler.inverse_transform(
            model.predict(n=n_steps, series=scaled, num_samples=N_SAMPLES, verbose=False))
        values = [s.all_values()[:, 0, :] for s in samples]  # (n_steps, n_samples)
        return {"pred": [np.median(v, axis=1) for v in values],
                "lower": [np.quantile(v, 0.05, axis=1) for v in values],
                "upper": [np.quantile(v, 0.95, axis=1) for v in values],
                "fit_s": t.seconds}
    pred = scaler.inverse_transform(model.predict(n=n_steps, series=scaled, verbose=False))
    return {"pred": [p.values()[:, 0] for p in pred], "lower": None, "upper": None,
            "fit_s": t.seconds}
