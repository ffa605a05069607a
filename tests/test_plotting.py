"""Tests of sk_rnn.plotting: what each function draws, and how it validates its inputs."""

import matplotlib

matplotlib.use("Agg")

import os  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from pandas.testing import assert_frame_equal, assert_series_equal  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from skorch.history import History  # noqa: E402
from sktime.datasets import load_airline  # noqa: E402

from sk_rnn.plotting import (  # noqa: E402
    plot_attention,
    plot_forecast,
    plot_training_curves,
    save_figure,
)
from sk_rnn.text import JOINER, spaced_word_tokenize  # noqa: E402

N_TEST = 12


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _interval(y_pred, coverages=(0.5, 0.9), variable=None):
    """A fake ``predict_interval`` output around ``y_pred``, wider for a larger coverage."""
    variable = y_pred.name if variable is None else variable
    data = {}
    for coverage in coverages:
        half_width = 100 * coverage
        data[(variable, coverage, "lower")] = y_pred.to_numpy() - half_width
        data[(variable, coverage, "upper")] = y_pred.to_numpy() + half_width
    return pd.DataFrame(data, index=y_pred.index)


@pytest.fixture
def airline():
    """y_train, y_test, y_pred and pred_interval built from the airline data (PeriodIndex)."""
    y = load_airline()
    y_train, y_test = y.iloc[:-N_TEST], y.iloc[-N_TEST:]
    y_pred = (y_test * 1.05).rename(y.name)
    return y_train, y_test, y_pred, _interval(y_pred)


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def _legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --------------------------------------------------------------------------- plot_forecast


def test_plot_forecast_period_index(airline):
    y_train, y_test, y_pred, interval = airline
    originals = [y_train.copy(), y_test.copy(), y_pred.copy(), interval.copy()]

    ax = plot_forecast(y_train, y_pred, pred_interval=interval, y_test=y_test, title="Airline")

    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["y", "y_pred", "y_test"]
    assert all(line.get_marker() == "o" for line in lines)
    assert len(lines[0].get_xdata()) == len(y_train)
    np.testing.assert_allclose(lines[1].get_ydata(), y_pred.to_numpy())
    # periods were drawn at their start timestamps
    x_first = pd.Timestamp(matplotlib.dates.num2date(ax.dataLim.x0)).tz_localize(None)
    assert x_first == y_train.index[0].to_timestamp()

    bands = _bands(ax)
    assert sorted(band.get_label() for band in bands) == ["50% interval", "90% interval"]
    alpha = {band.get_label(): band.get_alpha() for band in bands}
    assert alpha["90% interval"] < alpha["50% interval"]  # wider band is lighter
    assert ax.get_title() == "Airline"
    assert ax.get_ylabel() == y_train.name
    assert set(_legend_texts(ax)) == {"y", "y_pred", "y_test", "50% interval", "90% interval"}

    # inputs are not modified (PeriodIndex kept, values unchanged)
    for before, after in zip(originals, [y_train, y_test, y_pred, interval], strict=True):
        if isinstance(before, pd.DataFrame):
            assert_frame_equal(before, after)
        else:
            assert_series_equal(before, after)
        assert isinstance(after.index, pd.PeriodIndex)


def test_plot_forecast_band_limits(airline):
    y_train, _, y_pred, interval = airline
    ax = plot_forecast(
        y_train, y_pred, pred_interval=interval[[c for c in interval if c[1] == 0.9]]
    )
    (band,) = _bands(ax)
    assert band.get_label() == "90% interval"
    vertices = band.get_paths()[0].vertices
    assert vertices[:, 1].min() == pytest.approx((y_pred - 90).min())
    assert vertices[:, 1].max() == pytest.approx((y_pred + 90).max())


def test_plot_forecast_integer_index(airline):
    y_train, y_test, y_pred, _ = airline
    y_train = y_train.reset_index(drop=True).rename(None)
    y_pred = y_pred.set_axis(pd.RangeIndex(len(y_train), len(y_train) + N_TEST)).rename(None)
    y_test = y_test.set_axis(y_pred.index)
    interval = _interval(y_pred, coverages=(0.8, 0.95), variable=0)  # sktime names it 0

    ax = plot_forecast(y_train, y_pred, pred_interval=interval, y_test=y_test)

    lines = ax.get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[1].get_xdata(), np.arange(132, 144))
    assert sorted(band.get_label() for band in _bands(ax)) == ["80% interval", "95% interval"]
    assert ax.get_ylabel() == ""


def test_plot_forecast_datetime_index_and_dataframes(airline):
    y_train, _, y_pred, interval = airline
    y_frame = y_train.to_timestamp().to_frame()
    pred_frame = y_pred.to_timestamp().to_frame()
    interval = interval.set_axis(interval.index.to_timestamp())

    ax = plot_forecast(y_frame, pred_frame, pred_interval=interval)

    assert len(ax.get_lines()) == 2
    assert len(_bands(ax)) == 2


def test_plot_forecast_labels_coverage_format_and_given_axes(airline):
    y_train, y_test, y_pred, _ = airline
    interval = _interval(y_pred, coverages=(0.975,))
    fig, ax = plt.subplots()

    returned = plot_forecast(
        y_train,
        y_pred,
        pred_interval=interval,
        y_test=y_test,
        ax=ax,
        labels=["history", "forecast", "actual"],
    )

    assert returned is ax
    assert len(fig.axes) == 1
    assert [line.get_label() for line in ax.get_lines()] == ["history", "forecast", "actual"]
    assert [band.get_label() for band in _bands(ax)] == ["97.5% interval"]


def test_plot_forecast_multivariate_needs_variable(airline):
    y_train, _, y_pred, _ = airline
    y = pd.DataFrame({"a": y_train, "b": 2 * y_train})
    pred = pd.DataFrame({"a": y_pred, "b": 2 * y_pred})
    interval = pd.concat(
        [_interval(pred["a"], variable="a"), _interval(pred["b"], variable="b")], axis=1
    )

    with pytest.raises(ValueError, match=r"y is multivariate \(2 variables.*variable="):
        plot_forecast(y, pred)
    with pytest.raises(ValueError, match="variable='c' is not a variable of y"):
        plot_forecast(y, pred, variable="c")

    ax = plot_forecast(y, pred, pred_interval=interval, variable="b")
    y_line, pred_line = ax.get_lines()
    np.testing.assert_allclose(y_line.get_ydata(), 2 * y_train.to_numpy())
    np.testing.assert_allclose(pred_line.get_ydata(), 2 * y_pred.to_numpy())
    upper = _bands(ax)[0].get_paths()[0].vertices[:, 1].max()
    assert upper == pytest.approx((2 * y_pred + 90).max())


def test_plot_forecast_rejects_panel_data(airline):
    y_train, _, y_pred, _ = airline
    panel = pd.concat({"a": y_train, "b": y_train})
    with pytest.raises(ValueError, match=r"y has a MultiIndex.*y\.loc\['a'\]"):
        plot_forecast(panel, y_pred)
    with pytest.raises(ValueError, match=r"y_pred has a MultiIndex.*y_pred\.loc\['x'\]"):
        plot_forecast(y_train, pd.concat({"x": y_pred}))


@pytest.mark.parametrize("argument", ["y", "y_pred", "y_test", "pred_interval"])
def test_plot_forecast_rejects_non_pandas(airline, argument):
    y_train, y_test, y_pred, interval = airline
    kwargs = {"y": y_train, "y_pred": y_pred, "y_test": y_test, "pred_interval": interval}
    kwargs[argument] = kwargs[argument].to_numpy()
    with pytest.raises(TypeError, match=rf"^{argument} must be a pandas .*got ndarray"):
        plot_forecast(**kwargs)


def test_plot_forecast_rejects_bad_index_and_mixed_indexes(airline):
    y_train, _, y_pred, interval = airline
    with pytest.raises(TypeError, match="y must have a PeriodIndex.*got Index of dtype str"):
        plot_forecast(y_train.set_axis(y_train.index.astype(str)), y_pred)
    with pytest.raises(ValueError, match="y_pred has a DatetimeIndex but y has a PeriodIndex"):
        plot_forecast(y_train, y_pred.to_timestamp())
    with pytest.raises(ValueError, match="pred_interval's index must match y_pred's"):
        plot_forecast(y_train, y_pred, pred_interval=interval.iloc[:-1])


def test_plot_forecast_rejects_bad_interval_and_labels(airline):
    y_train, y_test, y_pred, interval = airline
    flat = interval.copy()
    flat.columns = [f"{v}_{c}_{b}" for v, c, b in interval.columns]
    with pytest.raises(ValueError, match="pred_interval must have 3-level MultiIndex columns"):
        plot_forecast(y_train, y_pred, pred_interval=flat)
    with pytest.raises(ValueError, match="lacks the 'lower' or 'upper' column of coverage 0.5"):
        plot_forecast(y_train, y_pred, pred_interval=interval.drop(columns=[interval.columns[0]]))
    with pytest.raises(ValueError, match=r"labels must hold one label per series given \(3"):
        plot_forecast(y_train, y_pred, y_test=y_test, labels=["a", "b"])


def test_plot_forecast_saves_png(airline, tmp_path):
    y_train, y_test, y_pred, interval = airline
    ax = plot_forecast(y_train, y_pred, pred_interval=interval, y_test=y_test, title="Airline")
    path = tmp_path / "forecast.png"
    ax.figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 1000


def test_missing_matplotlib_message(monkeypatch, airline):
    y_train, _, y_pred, _ = airline
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # makes the import fail
    with pytest.raises(ImportError, match="plotting needs matplotlib: pip install matplotlib"):
        plot_forecast(y_train, y_pred)
    with pytest.raises(ImportError, match="plotting needs matplotlib"):
        plot_attention(np.eye(2), ["a", "b"], ["c", "d"])


# -------------------------------------------------------------------- plot_training_curves


def _history(valid=True):
    history = History()
    for epoch, (train, valid_loss) in enumerate([(1.0, 1.2), (0.7, 0.9), (0.5, 0.95)], 1):
        history.new_epoch()
        history.record("epoch", epoch)
        history.record("train_loss", train)
        if valid:
            history.record("valid_loss", valid_loss)
            history.record("valid_loss_best", epoch in (1, 2))
    return history


class _FakeEstimator:
    def __init__(self, history):
        self.history_ = history


def test_plot_training_curves_from_history():
    history = _history()
    before = [dict(row) for row in history]

    ax = plot_training_curves(history)

    train, valid = ax.get_lines()
    assert [train.get_label(), valid.get_label()] == ["train_loss", "valid_loss"]
    np.testing.assert_array_equal(train.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(train.get_ydata(), [1.0, 0.7, 0.5])
    np.testing.assert_allclose(valid.get_ydata(), [1.2, 0.9, 0.95])
    (best,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(best.get_offsets(), [[2, 0.9]])
    assert best.get_label() == "best valid_loss (epoch 2)"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"
    assert [dict(row) for row in history] == before


def test_plot_training_curves_from_estimator_skips_absent_metrics():
    fig, ax = plt.subplots()
    returned = plot_training_curves(
        _FakeEstimator(_history(valid=False)), ax=ax, metrics=("train_loss", "valid_loss")
    )
    assert returned is ax
    assert [line.get_label() for line in ax.get_lines()] == ["train_loss"]
    assert not [c for c in ax.collections if isinstance(c, PathCollection)]

    ax = plot_training_curves(_history(), metrics="valid_loss")
    assert [line.get_label() for line in ax.get_lines()] == ["valid_loss"]
    assert to_rgba(ax.get_lines()[0].get_color()) != to_rgba("white")


def _short_history(n_epochs):
    history = History()
    for epoch in range(1, n_epochs + 1):
        history.new_epoch()
        history.record("epoch", epoch)
        history.record("train_loss", 1.0 / epoch)
        history.record("valid_loss", 1.1 / epoch)
        history.record("valid_loss_best", True)
    return history


def test_plot_training_curves_one_epoch_has_integer_ticks_and_room():
    ax = plot_training_curves(_short_history(1))

    train, valid = ax.get_lines()
    assert train.get_marker() == "o" and valid.get_marker() == "o"  # a lone point shows
    np.testing.assert_array_equal(ax.get_xticks(), [1])
    low, high = ax.get_xlim()
    assert low <= 0.75 and high >= 1.25  # not matplotlib's 1 +- 5 % (fractional ticks)
    assert low > 0 and high < 2
    assert ax.xaxis.get_major_formatter().get_offset() == ""


@pytest.mark.parametrize("n_epochs", [2, 7, 40])
def test_plot_training_curves_ticks_are_whole_epochs(n_epochs):
    ax = plot_training_curves(_short_history(n_epochs))

    low, high = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if low <= t <= high]
    assert all(float(t).is_integer() for t in ticks)
    assert low < 1 and high > n_epochs  # the first and last points are inside
    if n_epochs <= 10:
        assert ticks == list(range(1, n_epochs + 1))  # one tick per epoch


def test_plot_training_curves_errors():
    with pytest.raises(ValueError, match="_FakeEstimator instance is not fitted: fit it before"):
        plot_training_curves(_FakeEstimator(None))
    with pytest.raises(NotFittedError, match="is not fitted"):
        plot_training_curves(_FakeEstimator(History()))
    with pytest.raises(ValueError, match="The history is empty"):
        plot_training_curves(History())
    with pytest.raises(ValueError, match=r"None of metrics=\['accuracy'\].*'train_loss'"):
        plot_training_curves(_history(), metrics=["accuracy"])


def test_plot_training_curves_unfitted_sk_rnn_estimator():
    from sk_rnn import RNNRegressor

    with pytest.raises(ValueError, match="RNNRegressor instance is not fitted"):
        plot_training_curves(RNNRegressor())


# -------------------------------------------------------------------------- plot_attention


def test_plot_attention_heat_map():
    weights = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1]])
    before = weights.copy()
    source, target = ["the", "cat", "<eos>"], ["le", "chat"]

    ax = plot_attention(weights, source, target, cmap="magma")

    assert [label.get_text() for label in ax.get_xticklabels()] == source
    assert [label.get_text() for label in ax.get_yticklabels()] == target
    (image,) = ax.get_images()
    np.testing.assert_array_equal(image.get_array(), weights)
    assert image.get_cmap().name == "magma"
    assert image.get_clim() == (0.0, 1.0)  # probabilities, on the same scale in every map
    assert len(ax.figure.axes) == 2  # the heat map and its colour bar
    np.testing.assert_array_equal(weights, before)


def test_plot_attention_accepts_given_axes_and_tensors():
    torch = pytest.importorskip("torch")
    fig, ax = plt.subplots()
    weights = torch.softmax(torch.randn(2, 4, requires_grad=True), dim=1)
    returned = plot_attention(weights, list("abcd"), ["x", "y"], ax=ax)
    assert returned is ax
    assert ax.get_images()[0].get_array().shape == (2, 4)


def test_plot_attention_shape_errors():
    weights = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"2 rows \(the target axis\) but 3 target_tokens"):
        plot_attention(weights, ["a", "b", "c"], ["x", "y", "z"])
    with pytest.raises(ValueError, match=r"3 columns \(the source axis\) but 2 source_tokens"):
        plot_attention(weights, ["a", "b"], ["x", "y"])
    with pytest.raises(ValueError, match="weights must be 2-dimensional"):
        plot_attention(np.ones(3), ["a", "b", "c"], ["x"])
    with pytest.raises(ValueError, match=r"weights is empty \(shape \(0, 2\)\).*empty translation"):
        plot_attention(np.ones((0, 2)), ["a", "b"], [])


def test_plot_attention_shows_joiners_without_missing_glyphs():
    source = spaced_word_tokenize("Well, it's a well-known fact!")
    target = [JOINER + ",", JOINER + "-" + JOINER, "fait", 7]
    assert JOINER + "," in source and JOINER + "-" + JOINER in source
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plot_attention(np.full((len(target), len(source)), 0.5), source, target)
        ax.figure.canvas.draw()  # the text is laid out (and glyphs looked up) here
    glyph_warnings = [str(w.message) for w in caught
                      if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    assert glyph_warnings == []
    # as the docstring says: the joiner is shown as a middle dot, the rest as str(token)
    shown_source = [label.get_text() for label in ax.get_xticklabels()]
    assert shown_source == [token.replace(JOINER, "\u00b7") for token in source]
    assert "\u00b7," in shown_source and "\u00b7-\u00b7" in shown_source
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "\u00b7,", "\u00b7-\u00b7", "fait", "7"
    ]


# ----------------------------------------------------------------------------- save_figure


@pytest.fixture
def figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([1, 3, 2])
    return fig


def _is_png(path):
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_save_figure_file_path(figure, tmp_path):
    out = tmp_path / "chart.png"
    written = save_figure(figure, out, "default.png", dpi=50)
    assert written == out.resolve() and written.is_absolute()
    assert _is_png(written)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]
    save_figure(figure, str(out), "default.png")  # an existing file is overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chart.png"]


def test_save_figure_folder_gets_the_default_name(figure, tmp_path):
    written = save_figure(figure, tmp_path, "forecast.png")  # an existing folder
    assert written == (tmp_path / "forecast.png").resolve()
    assert _is_png(written)
    # two scripts given the same folder write two files
    other = save_figure(figure, str(tmp_path), "attention.png")
    assert other != written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["attention.png", "forecast.png"]


def test_save_figure_trailing_separator_makes_a_folder(figure, tmp_path):
    written = save_figure(figure, f"{tmp_path / 'new' / 'plots'}{os.sep}", "curves.png")
    assert written == (tmp_path / "new" / "plots" / "curves.png").resolve()
    assert _is_png(written)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("run", "run.png"), ("run.v2", "run.v2.png"), (".hidden", ".hidden.png"),
     ("run.png", "run.png")],
)
def test_save_figure_appends_png_without_an_image_suffix(figure, tmp_path, name, expected):
    written = save_figure(figure, tmp_path / "missing" / name, "default.png")
    assert written == (tmp_path / "missing" / expected).resolve()  # parent created
    assert _is_png(written)
    assert [p.name for p in written.parent.iterdir()] == [expected]


def test_save_figure_other_formats_by_suffix(figure, tmp_path):
    pdf = save_figure(figure, tmp_path / "chart.PDF", "default.png")
    assert pdf.name == "chart.PDF"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    svg = save_figure(figure, tmp_path / "chart.svg", "default.png")
    assert b"<svg" in svg.read_bytes()[:1000]


def test_save_figure_expands_user(figure, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    written = save_figure(figure, "~/plots/", "curves.png")
    assert written == (tmp_path / "plots" / "curves.png").resolve()
    assert written.is_file()


def test_save_figure_relative_path_is_resolved(figure, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    written = save_figure(figure, "chart", "default.png")
    assert written == tmp_path.resolve() / "chart.png"
    assert written.is_file()


@pytest.mark.parametrize("default_name", ["", "plots/curves.png", "."])
def test_save_figure_rejects_a_default_name_with_folders(figure, tmp_path, default_name):
    with pytest.raises(ValueError, match="default_name must be a plain file name"):
        save_figure(figure, tmp_path, default_name)
    assert list(tmp_path.iterdir()) == []
