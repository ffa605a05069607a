"""Plots for forecasts, training curves and attention weights.

============================  ===============================================================
function                      draws
============================  ===============================================================
:func:`plot_forecast`         history, forecast, prediction-interval bands and held-out actuals
:func:`plot_training_curves`  loss (or any recorded metric) per epoch of a fitted estimator
:func:`plot_attention`        a heat map of attention weights between two token sequences
============================  ===============================================================

matplotlib is an optional dependency (``pip install matplotlib``, or the ``examples``
extra); it is imported only when a function is called. The functions never call
``plt.show()``: each returns the matplotlib :class:`~matplotlib.axes.Axes` it drew on, so
the figure can be shown, changed or saved (``ax.figure.savefig("forecast.png")``).
:func:`save_figure` saves a figure by the rule of the example scripts' ``--out`` option
(a folder gets a default file name, ``.png`` is added to a name without an image suffix,
missing folders are created) and returns the path it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError

from .text import JOINER

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_forecast", "plot_training_curves", "plot_attention", "save_figure"]

_MATPLOTLIB_MISSING = "plotting needs matplotlib: pip install matplotlib"

# The first colours of seaborn's "colorblind" palette, which sktime's ``plot_series``
# uses, so that plots from both libraries look alike (without needing seaborn).
_HISTORY_COLOR = "#0173b2"
_ACTUAL_COLOR = "#de8f05"
_FORECAST_COLOR = "#029e73"
_BEST_COLOR = "#d55e00"
_METRIC_COLORS = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78a3", "#ca9161")

_MARKER_SIZE = 4
_MAX_LABELLED_EPOCHS = 10  # up to this many epochs, each gets its own tick
_MIN_EPOCH_PAD = 0.25  # x room (in epochs) either side of the first and last epoch
# How plot_attention labels the joiner (U+FFED, which DejaVu Sans, matplotlib's default
# font, cannot draw): the middle dot is in every font matplotlib ships.
_JOINER_LABEL = "\u00b7"
_DEFAULT_SUFFIX = ".png"


def _pyplot() -> Any:
    """Import and return ``matplotlib.pyplot``, with a clear message when it is missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError(_MATPLOTLIB_MISSING) from err
    return plt


def _new_axes(plt: Any, ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    _, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax


# ---------------------------------------------------------------------------------------
# plot_forecast
# ---------------------------------------------------------------------------------------


def _index_kind(index: pd.Index) -> str | None:
    if isinstance(index, pd.PeriodIndex):
        return "PeriodIndex"
    if isinstance(index, pd.DatetimeIndex):
        return "DatetimeIndex"
    if pd.api.types.is_integer_dtype(index.dtype):
        return "integer index"
    return None


def _check_rows(obj: pd.Series | pd.DataFrame, name: str) -> str:
    """Reject panel data and unsupported indexes; return the index kind."""
    index = obj.index
    if isinstance(index, pd.MultiIndex):
        first = index.get_level_values(0)[0] if len(index) else "a"
        raise ValueError(
            f"{name} has a MultiIndex on its rows (panel or hierarchical data), but "
            f"plot_forecast draws a single series: select one first, e.g. {name}.loc[{first!r}]."
        )
    kind = _index_kind(index)
    if kind is None:
        raise TypeError(
            f"{name} must have a PeriodIndex, DatetimeIndex or integer index, "
            f"got {type(index).__name__} of dtype {index.dtype}."
        )
    return kind


def _select_column(columns: pd.Index, name: str, variable: Any) -> Any:
    """Return the column (or top-level column key) of ``name`` to plot."""
    if variable is not None:
        if variable not in columns:
            raise ValueError(
                f"variable={variable!r} is not a variable of {name}; "
                f"its variables are {list(columns)}."
            )
        return variable
    if len(columns) == 0:
        raise ValueError(f"{name} has no columns.")
    if len(columns) > 1:
        raise ValueError(
            f"{name} is multivariate ({len(columns)} variables: {list(columns)}), but "
            "plot_forecast draws one variable: choose it with variable=..."
        )
    return columns[0]


def _as_series(obj: Any, name: str, variable: Any) -> tuple[pd.Series, str]:
    """Validate one of ``y``, ``y_pred``, ``y_test``; return it as a Series and its index kind."""
    if not isinstance(obj, pd.Series | pd.DataFrame):
        raise TypeError(f"{name} must be a pandas Series or DataFrame, got {type(obj).__name__}.")
    kind = _check_rows(obj, name)
    if isinstance(obj, pd.DataFrame):
        obj = obj[_select_column(obj.columns, name, variable)]
    return obj, kind


def _interval_bands(
    pred_interval: Any, variable: Any
) -> tuple[pd.Index, list[tuple[float, pd.Series, pd.Series]], str]:
    """Validate ``pred_interval``; return its index, ``(coverage, lower, upper)`` bands
    sorted from the narrowest to the widest, and its index kind."""
    name = "pred_interval"
    if not isinstance(pred_interval, pd.DataFrame):
        raise TypeError(
            f"{name} must be a pandas DataFrame (the output of forecaster.predict_interval), "
            f"got {type(pred_interval).__name__}."
        )
    columns = pred_interval.columns
    if (
        not isinstance(columns, pd.MultiIndex)
        or columns.nlevels != 3
        or not set(columns.get_level_values(2)) <= {"lower", "upper"}
    ):
        raise ValueError(
            f"{name} must have 3-level MultiIndex columns (variable, coverage, "
            "'lower'/'upper'), as returned by forecaster.predict_interval(coverage=...)."
        )
    kind = _check_rows(pred_interval, name)
    variables = columns.get_level_values(0).unique()
    chosen = _select_column(variables, name, variable)
    sub = pred_interval[chosen]  # columns: (coverage, "lower"/"upper")
    bands = []
    for coverage in sorted(sub.columns.get_level_values(0).unique()):
        bounds = sub[coverage]
        if not {"lower", "upper"} <= set(bounds.columns):
            raise ValueError(
                f"{name} lacks the 'lower' or 'upper' column of coverage {coverage!r}."
            )
        bands.append((float(coverage), bounds["lower"], bounds["upper"]))
    return pred_interval.index, bands, kind


def _plot_x(index: pd.Index) -> pd.Index:
    """An index matplotlib can draw: periods become timestamps (at the period start)."""
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    return index


def _coverage_label(coverage: float) -> str:
    return f"{coverage * 100:g}% interval"


def plot_forecast(
    y: pd.Series | pd.DataFrame,
    y_pred: pd.Series | pd.DataFrame,
    *,
    pred_interval: pd.DataFrame | None = None,
    y_test: pd.Series | pd.DataFrame | None = None,
    variable: Any = None,
    title: str | None = None,
    ax: Axes | None = None,
    labels: Sequence[str] | None = None,
) -> Axes:
    """Plot a time series, its forecast and the forecast's prediction intervals.

    The look follows :func:`sktime.utils.plotting.plot_series`: each series is a line
    with small markers, the history, the held-out actuals and the forecast in different
    colours, and each prediction interval a shaded band in the forecast's colour
    (lighter for a wider coverage).

    Parameters
    ----------
    y : pd.Series or pd.DataFrame
        The history the forecaster was fitted on, indexed by a ``PeriodIndex``,
        ``DatetimeIndex`` or integer index.
    y_pred : pd.Series or pd.DataFrame
        The point forecast, as returned by ``forecaster.predict()``.
    pred_interval : pd.DataFrame, optional
        The prediction intervals, as returned by
        ``forecaster.predict_interval(coverage=...)``: its columns are a 3-level
        MultiIndex ``(variable, coverage, "lower" / "upper")`` and its index must match
        ``y_pred``'s. One band is drawn per coverage, labelled e.g. ``"90% interval"``.
    y_test : pd.Series or pd.DataFrame, optional
        Held-out actual values to compare the forecast with.
    variable : hashable, optional
        The column to plot when the inputs are multivariate DataFrames (and the
        top-level column of ``pred_interval``). Not needed for univariate data.
    title : str, optional
        The title of the axes.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; by default a new wide figure is created.
    labels : sequence of str, optional
        Legend labels, one per series given: ``y``, ``y_pred`` and then ``y_test`` if
        given. Defaults to ``("y", "y_pred", "y_test")``.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is its figure).

    Raises
    ------
    TypeError
        If an input is not a pandas object, or its index is not a ``PeriodIndex``,
        ``DatetimeIndex`` or integer index.
    ValueError
        If an input holds panel data (a row MultiIndex), is multivariate and
        ``variable`` is not given, if the inputs mix index types, if ``pred_interval``
        is malformed or its index differs from ``y_pred``'s, or if the number of
        ``labels`` is wrong.

    Examples
    --------
    >>> import pandas as pd
    >>> from sk_rnn.plotting import plot_forecast
    >>> y = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.period_range("2000-01", periods=4, freq="M"))
    >>> y_pred = pd.Series([5.0, 6.0], index=pd.period_range("2000-05", periods=2, freq="M"))
    >>> columns = pd.MultiIndex.from_tuples([(0, 0.9, "lower"), (0, 0.9, "upper")])
    >>> interval = pd.DataFrame([[4.0, 6.0], [4.5, 7.5]], index=y_pred.index, columns=columns)
    >>> ax = plot_forecast(y, y_pred, pred_interval=interval, title="forecast")
    >>> [line.get_label() for line in ax.get_lines()]
    ['y', 'y_pred']
    >>> ax.figure.savefig("forecast.png")  # doctest: +SKIP
    """
    y_series, y_kind = _as_series(y, "y", variable)
    pred_series, pred_kind = _as_series(y_pred, "y_pred", variable)
    named = [("y", y_series), ("y_pred", pred_series)]
    kinds = {"y": y_kind, "y_pred": pred_kind}
    if y_test is not None:
        test_series, kinds["y_test"] = _as_series(y_test, "y_test", variable)
        named.append(("y_test", test_series))
    bands: list[tuple[float, pd.Series, pd.Series]] = []
    if pred_interval is not None:
        interval_index, bands, kinds["pred_interval"] = _interval_bands(pred_interval, variable)
        if not interval_index.equals(pred_series.index):
            raise ValueError(
                "pred_interval's index must match y_pred's index (both come from the same "
                "forecasting horizon)."
            )

    for name, kind in kinds.items():
        if kind != y_kind:
            raise ValueError(f"{name} has a {kind} but y has a {y_kind}: use the same kind.")

    if labels is None:
        labels = [name for name, _ in named]
    else:
        if isinstance(labels, str) or len(labels) != len(named):
            raise ValueError(
                f"labels must hold one label per series given ({len(named)}: "
                f"{', '.join(name for name, _ in named)}), got {labels!r}."
            )
        labels = list(labels)

    plt = _pyplot()
    ax = _new_axes(plt, ax, figsize=plt.figaspect(0.25))

    colors = {"y": _HISTORY_COLOR, "y_test": _ACTUAL_COLOR, "y_pred": _FORECAST_COLOR}
    for (name, series), label in zip(named, labels, strict=True):
        ax.plot(
            _plot_x(series.index),
            series.to_numpy(dtype=float, na_value=np.nan),
            marker="o",
            markersize=_MARKER_SIZE,
            color=colors[name],
            label=label,
        )

    # Widest band first, so that narrower (darker) bands are drawn over it.
    alphas = np.linspace(0.35, 0.15, len(bands)) if len(bands) > 1 else [0.25]
    for (coverage, lower, upper), alpha in reversed(list(zip(bands, alphas, strict=True))):
        ax.fill_between(
            _plot_x(lower.index),
            lower.to_numpy(dtype=float, na_value=np.nan),
            upper.to_numpy(dtype=float, na_value=np.nan),
            color=_FORECAST_COLOR,
            alpha=float(alpha),
            linewidth=0,
            label=_coverage_label(coverage),
        )

    if title is not None:
        ax.set_title(title)
    if isinstance(y_series.name, str):
        ax.set_ylabel(y_series.name)
    ax.legend()
    return ax


# ---------------------------------------------------------------------------------------
# plot_training_curves
# ---------------------------------------------------------------------------------------


def _epochs_of(estimator_or_history: Any) -> list[Mapping[str, Any]]:
    """The per-epoch rows of a fitted estimator's ``history_`` or of a history."""
    obj = estimator_or_history
    if isinstance(obj, list | tuple):  # a skorch History is a list of dicts
        history = obj
        if len(history) == 0:
            raise ValueError("The history is empty: it records no epoch.")
    else:
        history = getattr(obj, "history_", None)
        if history is None or len(history) == 0:
            raise NotFittedError(
                f"This {type(obj).__name__} instance is not fitted: fit it before plotting "
                "its training curves (or pass a skorch History)."
            )
    if not all(isinstance(row, Mapping) for row in history):
        raise TypeError("The history must be a list of dicts, one per epoch (a skorch History).")
    return list(history)


def plot_training_curves(
    estimator_or_history: Any,
    *,
    ax: Axes | None = None,
    metrics: str | Iterable[str] = ("train_loss", "valid_loss"),
) -> Axes:
    """Plot the loss (or other recorded metrics) of each training epoch.

    Parameters
    ----------
    estimator_or_history : estimator or skorch.history.History
        A fitted estimator with a ``history_`` attribute (such as
        :class:`~sk_rnn.RNNClassifier`), or a skorch ``History`` (a list with one dict
        per epoch) itself.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; by default a new figure is created.
    metrics : str or iterable of str, default=("train_loss", "valid_loss")
        The history keys to plot, one line each. Keys the history does not record
        (``valid_loss`` when there was no validation split, say) are skipped. When
        ``valid_loss`` is drawn and the history records ``valid_loss_best``, the epoch
        with the best validation loss is marked.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes drawn on (``ax.figure`` is its figure).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        (a ``ValueError``) If the estimator has no ``history_``, or an empty one.
    ValueError
        If none of ``metrics`` is in the history, or a given history is empty.
    TypeError
        If the history is not a list of dicts.

    Examples
    --------
    >>> from skorch.history import History
    >>> from sk_rnn.plotting import plot_training_curves
    >>> history = History()
    >>> for epoch, (train, valid) in enumerate([(1.0, 1.1), (0.6, 0.8), (0.4, 0.9)], 1):
    ...     history.new_epoch()
    ...     history.record("epoch", epoch)
    ...     history.record("train_loss", train)
    ...     history.record("valid_loss", valid)
    ...     history.record("valid_loss_best", valid <= 0.8)
    >>> ax = plot_training_curves(history)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss', 'valid_loss']
    """
    epochs = _epochs_of(estimator_or_history)
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    numbers = [row.get("epoch", i) for i, row in enumerate(epochs, 1)]

    curves: list[tuple[str, list[Any], list[float]]] = []
    for metric in metrics:
        points = [(n, row[metric]) for n, row in zip(numbers, epochs, strict=True) if metric in row]
        if points:
            curves.append((metric, [n for n, _ in points], [float(value) for _, value in points]))
    if not curves:
        recorded = sorted({key for row in epochs for key in row})
        raise ValueError(
            f"None of metrics={metrics!r} is recorded in the history; it records {recorded}."
        )

    plt = _pyplot()
    ax = _new_axes(plt, ax)
    for i, (metric, xs, values) in enumerate(curves):
        color = _METRIC_COLORS[i % len(_METRIC_COLORS)]
        ax.plot(xs, values, marker="o", markersize=_MARKER_SIZE, color=color, label=metric)

    plotted = {metric for metric, _, _ in curves}
    best = [
        (n, float(row["valid_loss"]))
        for n, row in zip(numbers, epochs, strict=True)
        if row.get("valid_loss_best") and "valid_loss" in row
    ]
    if "valid_loss" in plotted and best:
        best_epoch, best_loss = min(best, key=lambda point: point[1])
        ax.scatter(
            [best_epoch],
            [best_loss],
            marker="*",
            s=150,
            color=_BEST_COLOR,
            zorder=3,
            label=f"best valid_loss (epoch {best_epoch})",
        )

    ax.set_ymargin(0.1)  # room for the best-epoch star, often the lowest point
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if all(m.endswith("loss") for m in plotted) else "value")
    _epoch_axis(ax, sorted({x for _, xs, _ in curves for x in xs}))
    ax.legend()
    return ax


def _epoch_axis(ax: Axes, epochs: list[Any]) -> None:
    """Integer epoch ticks, and room around the points when there are only a few epochs.

    matplotlib's default limits around a single epoch are ``epoch ± 5 %``, with
    fractional ticks (MaxNLocator cannot find integers in so narrow a range); a short
    history gets an explicit tick per epoch and at least a quarter epoch either side.
    """
    from matplotlib.ticker import MaxNLocator

    if len(epochs) <= _MAX_LABELLED_EPOCHS:
        ax.set_xticks(epochs)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax.dataLim.intervalx
    pad = max(_MIN_EPOCH_PAD, 0.05 * (high - low))
    ax.set_xlim(low - pad, high + pad)


# ---------------------------------------------------------------------------------------
# plot_attention
# ---------------------------------------------------------------------------------------


def _token_label(token: Any) -> str:
    """A token as a tick label: the joiner, which the default font lacks, as a middle dot."""
    return str(token).replace(JOINER, _JOINER_LABEL)


def plot_attention(
    weights: Any,
    source_tokens: Sequence[Any],
    target_tokens: Sequence[Any],
    *,
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Plot attention weights as a heat map, source tokens across, target tokens down.

    Parameters
    ----------
    weights : array-like of shape (target_length, source_length)
        ``weights[i, j]`` is the attention target token ``i`` pays to source token ``j``.
        A torch tensor is accepted (it is detached and moved to the CPU).
    source_tokens : sequence
        The ``source_length`` source tokens, the labels of the columns (x axis). See Notes
        for how tokens are labelled.
    target_tokens : sequence
        The ``target_length`` target tokens, the labels of the rows (y axis). See Notes
        for how tokens are labelled.
    ax : matplotlib.axes.Axes, optional
        The axes to draw on; by default a new figure is created. A colour bar is added
        beside it.
    cmap : str, default="viridis"
        The matplotlib colour map. Its scale is fixed at 0 to 1 (the weights are
        probabilities), so that heat maps can be compared.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The axes of the heat map (``ax.figure`` is its figure).

    Raises
    ------
    ValueError
        If ``weights`` is not 2-dimensional, or its number of rows (target axis) or
        columns (source axis) differs from the number of target or source tokens, or it
        is empty (the attention of an empty translation).

    Notes
    -----
    A token is labelled ``str(token)``, except that the joiner :data:`sk_rnn.text.JOINER`
    (``"\\uffed"``, HALFWIDTH BLACK SQUARE), which marks punctuation glued to its
    neighbour in the tokens of :meth:`~sk_rnn.Seq2SeqTranslator.predict_attention`, is
    shown as a middle dot ``"·"``: matplotlib's default font (DejaVu Sans) has no glyph
    for the joiner and would draw an empty box, with a "missing from font" warning. So
    ``"\\uffed,"`` (a comma glued to the word before) is labelled ``"·,"`` and
    ``"\\uffed-\\uffed"`` (a hyphen glued on both sides) ``"·-·"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn.plotting import plot_attention
    >>> weights = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    >>> ax = plot_attention(weights, ["hello", "world"], ["bonjour", "le", "monde"])
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['hello', 'world']
    >>> ax = plot_attention(weights[:, :1], ["hi"], ["salut", "\\uffed-\\uffed", "\\uffed!"])
    >>> [label.get_text() for label in ax.get_yticklabels()]
    ['salut', '·-·', '·!']
    """
    if hasattr(weights, "detach"):  # a torch tensor
        weights = weights.detach().cpu().numpy()
    weights = np.asarray(weights, dtype=float)
    source_tokens = [_token_label(token) for token in source_tokens]
    target_tokens = [_token_label(token) for token in target_tokens]
    if weights.ndim != 2:
        raise ValueError(
            "weights must be 2-dimensional, of shape (target_length, source_length); "
            f"got shape {weights.shape}."
        )
    n_target, n_source = weights.shape
    if n_target != len(target_tokens):
        raise ValueError(
            f"weights has {n_target} rows (the target axis) but {len(target_tokens)} "
            "target_tokens were given."
        )
    if n_source != len(source_tokens):
        raise ValueError(
            f"weights has {n_source} columns (the source axis) but {len(source_tokens)} "
            "source_tokens were given."
        )
    if n_target == 0 or n_source == 0:
        raise ValueError(
            f"weights is empty (shape {weights.shape}): there is nothing to plot. An empty "
            "translation attends to nothing; plot the attention of a non-empty one."
        )

    plt = _pyplot()
    ax = _new_axes(plt, ax)
    # A fixed 0-1 scale: the weights are probabilities, and a colour means the same in
    # every heat map (a data-range scale would make a flat 0.3-0.4 map look sharp).
    image = ax.imshow(
        weights, cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest"
    )
    ax.set_xticks(
        np.arange(n_source),
        labels=source_tokens,
        rotation=45,
        ha="right",
        rotation_mode="anchor",
    )
    ax.set_yticks(np.arange(n_target), labels=target_tokens)
    ax.set_xlabel("source")
    ax.set_ylabel("target")
    ax.figure.colorbar(image, ax=ax, label="attention weight")
    return ax


# ---------------------------------------------------------------------------------------
# save_figure
# ---------------------------------------------------------------------------------------


def save_figure(
    fig: Figure,
    out: str | os.PathLike[str],
    default_name: str,
    **savefig_kwargs: Any,
) -> Path:
    """Save a figure where ``out`` says, and return the path of the file written.

    This is the rule of the ``--out`` option of every script in ``examples/``:

    - ``out`` is the path of the file to write; an existing file is overwritten;
    - if ``out`` is an existing folder, or ends with a path separator (``"plots/"``),
      the file is ``default_name`` inside that folder, so that several scripts given the
      same folder write different files;
    - if the file name has no suffix matplotlib can write (``"plots/run"``, or
      ``"run.v2"``), ``".png"`` is appended, and the path returned says so (matplotlib
      itself would silently append its default format to the first and fail, after the
      work, on the second); otherwise the suffix chooses the format (``".pdf"``,
      ``".svg"``, ``".jpg"``, ... in any case);
    - a leading ``~`` is expanded, and missing parent folders are created.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to save (``ax.figure`` for the axes a plotting function returns).
    out : str or path-like
        The file, or the folder, to write to.
    default_name : str
        The file name to write inside a folder, such as ``"forecast_airline.png"``: a plain
        file name, without folders.
    **savefig_kwargs
        Passed to :meth:`matplotlib.figure.Figure.savefig` (``dpi``, ``bbox_inches``...).

    Returns
    -------
    path : pathlib.Path
        The absolute path of the file written, symbolic links resolved: print it to tell
        where the figure went.

    Raises
    ------
    ValueError
        If ``default_name`` is empty or holds a folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from matplotlib.figure import Figure
    >>> from sk_rnn.plotting import save_figure
    >>> fig = Figure()
    >>> _ = fig.subplots().plot([1, 3, 2])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     first = save_figure(fig, folder, "curve.png")  # an existing folder
    ...     second = save_figure(fig, Path(folder) / "new" / "run", "curve.png", dpi=50)
    ...     print(first.relative_to(Path(folder).resolve()),
    ...           second.relative_to(Path(folder).resolve()))
    curve.png new/run.png
    """
    if not default_name or Path(default_name).name != default_name:
        raise ValueError(
            f"default_name must be a plain file name such as 'plot.png', got {default_name!r}."
        )
    text = os.fspath(out)
    separators = tuple(sep for sep in (os.sep, os.altsep) if sep)
    path = Path(text).expanduser()
    if text.endswith(separators) or path.is_dir():
        path = path / default_name
    formats = fig.canvas.get_supported_filetypes()
    if path.suffix[1:].lower() not in formats:
        path = path.with_name(path.name + _DEFAULT_SUFFIX)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, **savefig_kwargs)
    return path.resolve()
