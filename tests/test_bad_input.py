"""Bad input: every case raises a clear exception from sk_rnn, scikit-learn or sktime code,
naming the argument and what was found, never a traceback from inside torch.

One place for the bad input of all five estimators (RNNClassifier, RNNRegressor,
Seq2SeqTranslator, RNNForecaster, TextGenerator), and for the guarantee that fit and predict
leave the caller's objects as they were.
"""

from __future__ import annotations

import functools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import sparse
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sktime.exceptions import NotFittedError as SktimeNotFittedError

from sk_rnn import RNNClassifier, RNNForecaster, RNNRegressor, Seq2SeqTranslator, TextGenerator

TORCH_DIR = Path(torch.__file__).resolve().parent
TINY = dict(hidden_size=3, embedding_dim=3, max_epochs=1, device="cpu", random_state=0)

RNG = np.random.RandomState(0)
X2 = RNG.normal(size=(20, 5))
X3 = RNG.normal(size=(20, 4, 2))
RAGGED = [RNG.normal(size=(RNG.randint(2, 6), 2)) for _ in range(20)]
TEXTS = ["a good film", "a bad plot"] * 10
Y = np.array([0, 1] * 10)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _with(X, i, value):
    X = X.copy()
    X[np.unravel_index(i, X.shape)] = value
    return X


def _raises(error, match, func, *args):
    """Assert ``func(*args)`` raises ``error`` matching ``match``, not from torch."""
    with pytest.raises(error, match=match) as exc_info:
        func(*args)
    path = Path(str(exc_info.traceback[-1].path)).resolve()
    assert TORCH_DIR not in path.parents, f"raised inside torch: {path}"
    return exc_info


def _fitted(X, y=Y, est=RNNClassifier):
    return est(**TINY).fit(X, y)


# --------------------------------------------------------------------------------------
# Bad data in fit
# --------------------------------------------------------------------------------------

FIT_CASES = [
    pytest.param([], [], ValueError, "X is empty", id="empty-list"),
    pytest.param(np.empty((0, 5)), [], ValueError, r"0 sample\(s\)", id="empty-2d"),
    pytest.param(
        np.empty((0, 5, 2)), [], ValueError, "0 sample|empty", id="empty-3d",
    ),
    pytest.param(X2, Y[:-1], ValueError, "X has 20 samples, y has 19", id="length-mismatch"),
    pytest.param(TEXTS, Y[:5], ValueError, "X has 20 samples, y has 5",
                 id="length-mismatch-text"),
    pytest.param(X2, np.zeros(20), ValueError, "one class only", id="single-class"),
    pytest.param(X2, ["spam"] * 20, ValueError, "one class only.*'spam'",
                 id="single-class-str"),
    pytest.param(None, Y, ValueError, "X is None", id="X-None"),
    pytest.param([[None] * 5] + X2[1:].tolist(), Y, ValueError, "Input X contains NaN",
                 id="None-in-2d-X"),
    pytest.param(["a", None] * 10, Y, TypeError, r"X\[1\] must be a string, found NoneType",
                 id="None-in-text"),
    pytest.param(_with(X2, 7, np.nan), Y, ValueError, "Input X contains NaN", id="NaN-2d"),
    pytest.param(_with(X2, 7, np.inf), Y, ValueError, "Input X contains infinity",
                 id="inf-2d"),
    pytest.param(_with(X3, 9, np.nan), Y, ValueError, "Input X contains NaN or infinity",
                 id="NaN-3d"),
    pytest.param(RAGGED[:3] + [_with(RAGGED[3], 1, -np.inf)] + RAGGED[4:], Y, ValueError,
                 r"Input X\[3\] contains NaN or infinity", id="inf-ragged"),
    pytest.param(X2, [None] + [0, 1] * 9 + [1], ValueError, r"y\[0\] is None", id="None-in-y"),
    pytest.param(X2, [0.0, np.nan] * 10, ValueError, "Input y contains NaN", id="NaN-in-y"),
    pytest.param(X2, np.linspace(0, 1, 20), ValueError, "Unknown label type: continuous",
                 id="continuous-y"),
    pytest.param(X2, None, ValueError, "requires y to be passed", id="y-None"),
    pytest.param([RNG.normal(size=(3, 2)), RNG.normal(size=(4, 3))] * 10, Y, ValueError,
                 r"X\[1\] has 3 features, but X\[0\] has 2", id="different-feature-counts"),
    pytest.param(RAGGED[:5] + [np.zeros((0, 2))] + RAGGED[6:], Y, ValueError,
                 r"X\[5\] is an empty sequence", id="zero-length-sequence"),
    pytest.param(np.zeros((20, 0, 2)), Y, ValueError, "zero time steps", id="zero-steps-3d"),
    pytest.param(sparse.csr_matrix(X2), Y, TypeError, "Sparse data was passed for X",
                 id="sparse"),
    pytest.param("a good film", Y, TypeError, "got a single string", id="single-string"),
    pytest.param(["a", "b", 3] + ["c"] * 17, Y, TypeError, r"X\[2\] must be a string, found int",
                 id="non-string-item"),
    pytest.param(np.zeros(20), Y, ValueError, "Expected 2D array, got 1D array",
                 id="1d-array"),
    # the format slightly wrong
    pytest.param({"text": TEXTS}, Y, TypeError, "X must hold one sample per element, got dict",
                 id="dict"),
    pytest.param([t.encode() for t in TEXTS], Y, TypeError, r"X\[0\] is bytes, not str",
                 id="bytes"),
    pytest.param((t for t in TEXTS), Y, TypeError, "got a one-pass generator", id="generator"),
    pytest.param([t.split() for t in TEXTS], Y, TypeError,
                 r"X\[0\] is a list of strings \(pre-tokenised text\?\)", id="pre-tokenised"),
    pytest.param(np.array(TEXTS).reshape(10, 2), Y[:10], ValueError,
                 r"X of strings must be 1-D or one column, got shape \(10, 2\)", id="2d-str-array"),
    pytest.param(np.array(TEXTS, dtype=object).reshape(10, 2), Y[:10], ValueError,
                 r"X of strings must be 1-D or one column, got shape \(10, 2\)",
                 id="2d-object-str-array"),
    pytest.param(pd.DataFrame({"title": TEXTS, "body": TEXTS}), Y, ValueError,
                 r"X is a DataFrame with 2 columns.*e.g. X\['title'\]", id="two-text-columns"),
    pytest.param(np.array([[1.0, "x"]] * 20, dtype=object), Y, ValueError,
                 "X must be numeric.*could not convert string to float: 'x'",
                 id="mixed-object-array"),
    pytest.param(5, Y, TypeError, "X must be strings, token-id sequences.*got int", id="int"),
    pytest.param(X2, "ab" * 10, TypeError, "y must be array-like.*got str", id="y-str"),
    pytest.param(X2, {"a": 1}, TypeError, "y must be array-like.*got dict", id="y-dict"),
    pytest.param(X2, np.c_[Y, Y], ValueError, r"y should be a 1d array.*shape \(20, 2\)",
                 id="y-2-columns"),
    pytest.param([np.array([2, -1]), np.array([3])] * 10, Y, ValueError,
                 r"X\[0\] holds a negative token id \(-1\)", id="negative-token-id"),
]


@pytest.mark.parametrize("X, y, error, match", FIT_CASES)
def test_bad_fit_data(X, y, error, match):
    _raises(error, match, RNNClassifier(**TINY).fit, X, y)


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        pytest.param(X2, [None] + [1.0] * 19, ValueError, "Input y contains NaN",
                     id="None-in-y"),
        pytest.param(X2, [np.nan] + [1.0] * 19, ValueError, "Input y contains NaN",
                     id="NaN-in-y"),
        pytest.param(X2, [np.inf] + [1.0] * 19, ValueError, "Input y contains infinity",
                     id="inf-in-y"),
        pytest.param(X2, np.ones((20, 2, 2)), ValueError, "y", id="3d-y"),
        pytest.param(X2, np.ones(19), ValueError, "X has 20 samples, y has 19",
                     id="length-mismatch"),
        pytest.param(_with(X3, 0, np.nan), np.ones(20), ValueError, "NaN or infinity",
                     id="NaN-3d"),
        pytest.param(X2, ["a"] * 20, ValueError,
                     "y must be numeric for RNNRegressor.*could not convert", id="str-y"),
        pytest.param(X2, "1" * 20, TypeError, "y must be array-like.*got str", id="y-one-str"),
    ],
)
def test_bad_regressor_data(X, y, error, match):
    _raises(error, match, RNNRegressor(**TINY).fit, X, y)


# --------------------------------------------------------------------------------------
# Bad parameters
# --------------------------------------------------------------------------------------

PARAM_CASES = [
    pytest.param({"cell_type": "transformer"}, "cell_type must be one of.*'transformer'",
                 id="cell_type"),
    pytest.param({"hidden_size": 0}, r"hidden_size must be an integer in \[1, inf\), got 0",
                 id="hidden_size-0"),
    pytest.param({"hidden_size": 2.5}, "hidden_size must be an integer", id="hidden_size-float"),
    pytest.param({"num_layers": -1}, "num_layers must be an integer.*got -1", id="num_layers"),
    pytest.param({"dropout": 1.0}, r"dropout must be a number in \[0, 1\), got 1.0",
                 id="dropout-1"),
    pytest.param({"dropout": -0.1}, r"dropout must be a number in \[0, 1\), got -0.1",
                 id="dropout-negative"),
    pytest.param({"batch_size": 0}, "batch_size must be an integer.*got 0", id="batch_size"),
    pytest.param({"lr": 0}, r"lr must be a number in \(0, inf\), got 0", id="lr-0"),
    pytest.param({"lr": -1e-3}, "lr must be", id="lr-negative"),
    pytest.param({"max_epochs": 0}, "max_epochs must be", id="max_epochs"),
    pytest.param({"device": "tpu"}, "device must be.*'tpu'", id="device-tpu"),
    pytest.param({"device": 3}, "device must be.*3", id="device-int"),
    pytest.param({"precision": "8"}, "precision must be one of.*'8'", id="precision"),
    pytest.param({"optimizer": "foo"}, "optimizer must be one of.*'foo'", id="optimizer"),
    pytest.param({"pooling": "sum"}, "pooling must be one of.*'sum'", id="pooling"),
    pytest.param({"validation_fraction": 1.5},
                 r"validation_fraction must be a number in \[0, 1\), got 1.5",
                 id="validation_fraction"),
    pytest.param({"validation_fraction": 1.0},
                 r"validation_fraction must be a number in \[0, 1\), got 1.0",
                 id="validation_fraction-one"),
    pytest.param({"max_length": 0}, "max_length must be a positive integer", id="max_length"),
    pytest.param({"callbacks": "print"}, "callbacks must be None or a list", id="callbacks"),
    pytest.param({"vectorizer": "word"}, "vectorizer must be None", id="vectorizer"),
    pytest.param({"vectorizer": {"max_len": 9}}, "vectorizer: .*unexpected keyword.*max_len",
                 id="vectorizer-dict-key"),
    pytest.param({"lr": np.inf}, r"lr must be a number in \(0, inf\), got inf", id="lr-inf"),
    pytest.param({"weight_decay": np.nan}, "weight_decay must be.*got nan",
                 id="weight_decay-nan"),
    pytest.param({"freeze_embeddings": "yes"}, "freeze_embeddings must be True or False",
                 id="freeze_embeddings"),
    pytest.param({"standardize": None}, "standardize must be True, False, \"series\" or",
                 id="standardize"),
]


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("params, match", PARAM_CASES)
def test_bad_params(estimator, params, match):
    est = estimator(**{**TINY, **params})
    (name, value), = params.items()
    assert est.get_params()[name] is value  # __init__ stores, fit checks
    _raises(ValueError, match, est.fit, X2, np.arange(20) % 2)


def test_cuda_device_without_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available: device='cuda' is valid here")
    _raises(ValueError, "device='cuda' but CUDA is not available",
            RNNClassifier(**{**TINY, "device": "cuda"}).fit, X2, Y)
    _raises(ValueError, "precision='16' needs a CUDA device",
            RNNClassifier(**{**TINY, "precision": "16"}).fit, X2, Y)


# --------------------------------------------------------------------------------------
# Bad data in predict
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted():
    return {"text": _fitted(TEXTS), "2d": _fitted(X2), "3d": _fitted(X3)}


@pytest.mark.parametrize(
    "fit_kind, X, error, match",
    [
        pytest.param("text", X2, ValueError,
                     "X holds a 2-D numeric array.*was fitted on raw strings", id="text->2d"),
        pytest.param("3d", ["a good film"], ValueError,
                     "X holds raw strings.*was fitted on numeric sequences", id="3d->text"),
        pytest.param("2d", X3, ValueError,
                     "X holds numeric sequences.*fitted on a 2-D numeric array", id="2d->3d"),
        pytest.param("3d", RNG.normal(size=(3, 4, 3)), ValueError,
                     "X has 3 features per time step, but RNNClassifier is expecting 2",
                     id="3d-features"),
        pytest.param("3d", [RNG.normal(size=(5, 1))], ValueError,
                     "X has 1 features per time step.*expecting 2", id="ragged-features"),
        pytest.param("2d", RNG.normal(size=(3, 7)), ValueError,
                     "X has 7 features, but RNNClassifier is expecting 5", id="2d-columns"),
        pytest.param("2d", sparse.csr_matrix(X2), TypeError, "Sparse data", id="sparse"),
        pytest.param("text", "a good film", TypeError, "single string", id="single-string"),
        pytest.param("text", ["a", 3], TypeError, r"X\[1\] must be a string, found int",
                     id="non-string-item"),
        pytest.param("text", [], ValueError, "X is empty", id="empty"),
        pytest.param("2d", _with(X2[:3], 2, np.nan), ValueError, "Input X contains NaN",
                     id="NaN"),
        pytest.param("3d", [np.zeros((0, 2))], ValueError, r"X\[0\] is an empty sequence",
                     id="zero-length"),
        pytest.param("text", [t.split() for t in TEXTS], TypeError, "pre-tokenised",
                     id="pre-tokenised"),
        pytest.param("text", [b"a good film"], TypeError, r"X\[0\] is bytes", id="bytes"),
        pytest.param("text", iter(TEXTS), TypeError, "one-pass", id="iterator"),
        pytest.param("text", None, ValueError, "X is None", id="None"),
        pytest.param("2d", pd.DataFrame({"a": TEXTS[:3], "b": TEXTS[:3]}), ValueError,
                     "DataFrame with 2 columns", id="text-columns"),
    ],
)
def test_bad_predict_data(fitted, fit_kind, X, error, match):
    est = fitted[fit_kind]
    _raises(error, match, est.predict, X)
    _raises(error, match, est.predict_proba, X)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_predict_before_fit(method):
    args = (X2, Y) if method == "score" else (X2,)
    exc = _raises(NotFittedError, "not fitted yet", getattr(RNNClassifier(**TINY), method),
                  *args)
    assert "RNNClassifier" in str(exc.value)
    _raises(NotFittedError, "not fitted yet", RNNRegressor(**TINY).predict, X2)


def test_failed_fit_leaves_no_fitted_state():
    est = RNNClassifier(**TINY)
    _raises(ValueError, "one class only", est.fit, X2, np.zeros(20))
    _raises(NotFittedError, "not fitted yet", est.predict, X2)


def test_failed_refit_keeps_the_previous_model_consistent():
    est = _fitted(X2)
    _raises(ValueError, "one class only", est.fit, TEXTS, np.zeros(20))
    # Restored or unfitted are both fine; a half-replaced model is not.
    _raises((ValueError, NotFittedError), "fitted on a 2-D numeric array|not fitted yet",
            est.predict, TEXTS)


def test_labels_as_a_column_vector_warn_as_in_scikit_learn():
    # (n, 1) labels are scikit-learn's one accepted "slightly wrong" y: raveled with a
    # DataConversionWarning (its own estimator checks require this), never an error.
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        est = RNNClassifier(**TINY).fit(X2, Y.reshape(-1, 1))
    assert est.predict(X2).shape == (20,)


# --------------------------------------------------------------------------------------
# Seq2SeqTranslator
# --------------------------------------------------------------------------------------

TINY_T = dict(hidden_size=4, embedding_dim=3, max_epochs=1, beam_size=1, device="cpu",
              random_state=0)
SRC = ["one two", "two three", "three one", "one three"] * 5
TGT = [" ".join(reversed(s.split())) for s in SRC]


@pytest.mark.parametrize(
    "X, y, error, match",
    [
        pytest.param(SRC, TGT[:-1], ValueError, "X has 20 sentences, y has 19", id="lengths"),
        pytest.param(list(range(20)), TGT, TypeError, r"X\[0\] must be a string, found int",
                     id="int-sentences"),
        pytest.param(SRC, list(range(20)), TypeError, r"y\[0\] must be a string, found int",
                     id="int-targets"),
        pytest.param([], [], ValueError, "X is empty", id="empty"),
        pytest.param(list(zip(SRC, TGT, strict=True)), None, ValueError,
                     r"X holds \(source, target\) pairs.*two arguments", id="pairs"),
        pytest.param(SRC, None, ValueError, "requires y", id="y-None"),
        pytest.param(None, TGT, TypeError, "X must be an iterable of strings, got NoneType",
                     id="X-None"),
        pytest.param("one two", "two one", TypeError, "got a single str", id="single-string"),
        pytest.param([s.encode() for s in SRC], TGT, TypeError,
                     r"X\[0\] must be a string, found bytes", id="bytes"),
        pytest.param([s.split() for s in SRC], TGT, TypeError,
                     r"X\[0\] must be a string, found list", id="pre-tokenised"),
        pytest.param(dict(zip(SRC[:4], TGT[:4], strict=True)), TGT[:4], TypeError,
                     "got a dict.*keys only", id="dict"),
        pytest.param(np.array(SRC).reshape(10, 2), np.array(TGT).reshape(10, 2), ValueError,
                     r"X must be one-dimensional.*shape \(10, 2\)", id="2d-array"),
        pytest.param(pd.DataFrame({"src": SRC, "tgt": TGT}), TGT, ValueError,
                     r"X must be one-dimensional.*shape \(20, 2\)", id="two-columns"),
        pytest.param(SRC[:-1] + [None], TGT, TypeError,
                     r"X\[19\] must be a string, found NoneType", id="None-sentence"),
        pytest.param(SRC, TGT[:-1] + [np.nan], TypeError,
                     r"y\[19\] must be a string, found float", id="NaN-target"),
        pytest.param([""] * 20, TGT, ValueError, "X holds only empty strings",
                     id="empty-sentences"),
    ],
)
def test_bad_translator_data(X, y, error, match):
    est = Seq2SeqTranslator(**TINY_T)
    if y is None and isinstance(X, list):
        _raises(error, match, est.fit, X)  # fit(pairs): the one-argument mistake
    _raises(error, match, est.fit, X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        pytest.param({"beam_size": 0}, r"beam_size must be an integer in \[1, inf\), got 0",
                     id="beam_size-0"),
        pytest.param({"max_output_length": 0}, "max_output_length must be", id="max_output"),
        pytest.param({"attention": "dot"}, "attention must be one of.*'dot'", id="attention"),
        pytest.param({"tokenizer": "bpe"}, "tokenizer must be one of.*'bpe'", id="tokenizer"),
        pytest.param({"teacher_forcing": 2}, r"teacher_forcing must be a number in \[0, 1\]",
                     id="teacher_forcing"),
        pytest.param({"label_smoothing": 1}, "label_smoothing must be", id="label_smoothing"),
        pytest.param({"lr_decay": 1}, "lr_decay must be", id="lr_decay"),
        pytest.param({"input_feeding": "no"}, "input_feeding must be True or False",
                     id="input_feeding"),
        pytest.param({"source_vectorizer": {"foo": 1}}, "source_vectorizer: .*'foo'",
                     id="source_vectorizer-key"),
        pytest.param({"target_vectorizer": "word"}, "target_vectorizer must be None",
                     id="target_vectorizer"),
    ],
)
def test_bad_translator_params(params, match):
    _raises(ValueError, match, Seq2SeqTranslator(**{**TINY_T, **params}).fit, SRC, TGT)


@pytest.fixture(scope="module")
def translator():
    return Seq2SeqTranslator(**TINY_T).fit(SRC, TGT)


@pytest.mark.parametrize(
    "method, args, kwargs, error, match",
    [
        pytest.param("predict", ([1, 2],), {}, TypeError, r"X\[0\] must be a string",
                     id="predict-ints"),
        pytest.param("predict", ("one two",), {}, TypeError, "single str", id="predict-str"),
        pytest.param("predict", ([],), {}, ValueError, "X is empty", id="predict-empty"),
        pytest.param("predict", (np.zeros((2, 3)),), {}, ValueError, "one-dimensional",
                     id="predict-numeric"),
        pytest.param("predict", (["one"],), {"beam_size": 0}, ValueError,
                     "beam_size must be.*got 0", id="predict-beam-0"),
        pytest.param("translate", (["one two"],), {}, TypeError,
                     "sentence must be a string, got list", id="translate-list"),
        pytest.param("translate", (b"one two",), {}, TypeError,
                     "sentence must be a string, got bytes", id="translate-bytes"),
        pytest.param("score", (SRC, TGT[:3]), {}, ValueError, "X has 20 sentences, y has 3",
                     id="score-lengths"),
        pytest.param("score", (["one two"], "two one"), {}, TypeError,
                     "y must hold one reference.*single str", id="score-y-str"),
        pytest.param("score", (["one two"], [3]), {}, TypeError,
                     r"references\[0\] must be a string.*got int", id="score-y-ints"),
        pytest.param("predict_attention", ("",), {}, ValueError, "sentence has no tokens",
                     id="attention-empty"),
    ],
)
def test_bad_translator_calls(translator, method, args, kwargs, error, match):
    _raises(error, match, lambda: getattr(translator, method)(*args, **kwargs))


# --------------------------------------------------------------------------------------
# RNNForecaster
# --------------------------------------------------------------------------------------

TINY_F = dict(hidden_size=3, max_epochs=1, window_length=4, n_sample_paths=5, device="cpu",
              random_state=0)
SERIES = pd.Series(100 + 10 * np.sin(np.arange(48) / 3), name="y",
                   index=pd.period_range("2000-01", periods=48, freq="M"))
EXOG = pd.DataFrame({"a": np.cos(np.arange(52) / 3), "b": np.arange(52) / 52.0},
                    index=pd.period_range("2000-01", periods=52, freq="M"))


@pytest.mark.parametrize(
    "y, X, error, match",
    [
        pytest.param(pd.Series(list("abcdefghijklmnopqrst")), None, TypeError,
                     "categorical features in endogeneous y", id="str-y"),
        pytest.param(SERIES.where(SERIES.index != SERIES.index[5]), None, ValueError,
                     "y passed contained missing data", id="NaN-y"),
        pytest.param(SERIES.replace(SERIES.iloc[5], np.inf), None, ValueError,
                     "y contains NaN or infinite values", id="inf-y"),
        pytest.param(pd.Series([True, False] * 20), None, ValueError,
                     r"y must be numeric, got column dtypes \['bool'\]", id="bool-y"),
        pytest.param(SERIES[:2], None, ValueError,
                     "y is too short: the shortest series has 2 observations", id="short-y"),
        pytest.param(SERIES.tolist(), None, TypeError,
                     "input y must be in an sktime compatible format", id="list-y"),
        pytest.param({"y": 1.0}, None, TypeError,
                     "input y must be in an sktime compatible format", id="dict-y"),
        pytest.param(SERIES, EXOG[:48].assign(c="x"), TypeError,
                     "categorical", id="str-column-X"),
        pytest.param(SERIES - 200, None, ValueError,
                     "log_transform=True needs strictly positive y", id="log-negative"),
    ],
)
def test_bad_forecaster_data(y, X, error, match):
    log = {"log_transform": True} if "log" in str(match) else {}
    _raises(error, match, RNNForecaster(**{**TINY_F, **log}).fit, y, X)


@pytest.mark.parametrize(
    "params, match",
    [
        pytest.param({"window_length": 0}, r"window_length must be an integer in \[1, inf\)",
                     id="window_length"),
        pytest.param({"strategy": "dirrect"}, "strategy must be one of.*'dirrect'",
                     id="strategy"),
        pytest.param({"n_sample_paths": 1}, "n_sample_paths must be an integer", id="paths"),
        pytest.param({"distribution": "quantile", "quantiles": [0.0, 0.5]},
                     "quantiles must be a sequence of numbers in", id="quantiles"),
        pytest.param({"calibrate_intervals": "yes"}, "calibrate_intervals must be True",
                     id="calibrate"),
        pytest.param({"validation_fraction": 0.0},
                     "validation_fraction=0.0 holds out no windows, but calibrate_intervals",
                     id="validation_fraction-zero-calibration"),
        pytest.param({"interval_method": "bootstrap"},
                     "interval_method must be one of.*'bootstrap'", id="interval_method"),
        pytest.param({"lr": np.inf}, "lr must be.*got inf", id="lr-inf"),
    ],
)
def test_bad_forecaster_params(params, match):
    _raises(ValueError, match, RNNForecaster(**{**TINY_F, **params}).fit, SERIES)


@pytest.fixture(scope="module")
def plain_forecaster():
    return RNNForecaster(**TINY_F).fit(SERIES)


@pytest.fixture(scope="module")
def forecaster_with_x():
    return RNNForecaster(**TINY_F).fit(SERIES, X=EXOG[:48])


@pytest.mark.parametrize(
    "X, error, match",
    [
        pytest.param(None, ValueError, "X is required", id="X-missing"),
        pytest.param(EXOG[48:49], ValueError, "X does not cover the forecast horizon",
                     id="X-short"),
        pytest.param(EXOG[48:].rename(columns={"a": "z"}), ValueError,
                     r"X has columns \['z', 'b'\].*fitted with X columns \['a', 'b'\]",
                     id="X-wrong-column"),
        pytest.param(EXOG[48:][["a"]], ValueError, r"missing: \['b'\]", id="X-fewer-columns"),
        pytest.param(EXOG[48:].where(EXOG[48:] > 1e9), ValueError,
                     "X passed contained missing data", id="X-NaN"),
    ],
)
def test_bad_forecaster_predict_x(forecaster_with_x, X, error, match):
    _raises(error, match, forecaster_with_x.predict, [1, 2, 3], X)


def test_forecaster_matches_reordered_x_columns_by_name(forecaster_with_x):
    X = EXOG[48:]
    pd.testing.assert_series_equal(forecaster_with_x.predict([1, 2], X[["b", "a"]]),
                                   forecaster_with_x.predict([1, 2], X))


def test_forecaster_warns_about_x_it_was_not_fitted_with():
    forecaster = RNNForecaster(**TINY_F).fit(SERIES)
    with pytest.warns(UserWarning, match="fitted without exogenous X; it is ignored"):
        forecaster.predict([1], X=EXOG[48:])


def test_bad_forecaster_horizon():
    forecaster = RNNForecaster(**TINY_F).fit(SERIES)
    _raises(NotImplementedError, "can not perform in-sample prediction", forecaster.predict,
            [0])
    _raises(TypeError, "Invalid `fh`", forecaster.predict, [1.5])
    direct = RNNForecaster(**{**TINY_F, "strategy": "direct"})
    _raises(ValueError, "`fh` must be passed to `fit`", direct.fit, SERIES)


@pytest.mark.parametrize("method, name", [("predict_interval", "coverage"),
                                          ("predict_quantiles", "alpha")])
@pytest.mark.parametrize(
    "value, error, match",
    [
        pytest.param(2, ValueError, r"open interval \(0, 1\), found 2\.", id="int-2"),
        pytest.param(1.5, ValueError, "open interval", id="above-1"),
        pytest.param(0.0, ValueError, "open interval", id="zero"),
        pytest.param(float("nan"), ValueError, "found nan", id="NaN"),
        pytest.param([0.9, 2], ValueError, "found 2", id="list-with-2"),
        pytest.param([], ValueError, "non-empty list", id="empty-list"),
        pytest.param("0.9", TypeError, "found str", id="string"),
        pytest.param(True, TypeError, "found bool", id="bool"),
    ],
)
def test_bad_forecaster_interval_levels(plain_forecaster, method, name, value, error, match):
    # sktime's own check leaked "'int' object is not iterable" for coverage=2
    _raises(error, f"{name} must .*{match}",
            functools.partial(getattr(plain_forecaster, method), [1, 2], **{name: value}))


def test_forecaster_interval_levels_accept_numpy(plain_forecaster):
    interval = plain_forecaster.predict_interval([1, 2], coverage=np.float32(0.8))
    assert interval.shape == (2, 2)
    quantiles = plain_forecaster.predict_quantiles([1, 2], alpha=np.array([0.1, 0.9]))
    assert quantiles.shape == (2, 2)


# --------------------------------------------------------------------------------------
# TextGenerator
# --------------------------------------------------------------------------------------

TINY_G = dict(hidden_size=4, num_layers=1, embedding_dim=3, sequence_length=8, batch_size=2,
              max_epochs=1, device="cpu", random_state=0)
CORPUS = "the cat sat on the mat. " * 10


@pytest.mark.parametrize(
    "X, error, match",
    [
        pytest.param("", ValueError, "X holds no text", id="empty-string"),
        pytest.param([], ValueError, "X is empty", id="empty-list"),
        pytest.param(["", ""], ValueError, "X holds no text", id="empty-documents"),
        pytest.param(None, TypeError, "X must be a string or an iterable.*got NoneType",
                     id="None"),
        pytest.param(42, TypeError, "X must be a string or an iterable.*got int", id="int"),
        pytest.param([1, 2, 3], TypeError, r"X\[0\] must be a string, found int",
                     id="ints"),
        pytest.param(b"the cat", TypeError, "got bytes; decode it first", id="bytes"),
        pytest.param([CORPUS.encode()], TypeError, r"X\[0\] must be a string, found bytes",
                     id="bytes-documents"),
        pytest.param([CORPUS.split()], TypeError, r"X\[0\] must be a string, found list",
                     id="pre-tokenised"),
        pytest.param({"doc": CORPUS}, TypeError, "got a dict.*keys only", id="dict"),
        pytest.param(np.array([[CORPUS, CORPUS]]), ValueError, "X must be one-dimensional",
                     id="2d-array"),
        pytest.param([CORPUS, np.nan], TypeError, r"X\[1\] must be a string, found float",
                     id="NaN-document"),
        pytest.param("short", ValueError, "X is too short.*sequence_length=8", id="too-short"),
    ],
)
def test_bad_corpus(X, error, match):
    _raises(error, match, TextGenerator(**TINY_G).fit, X)


@pytest.mark.parametrize(
    "params, match",
    [
        pytest.param({"level": "byte"}, "level must be one of.*'byte'", id="level"),
        pytest.param({"sequence_length": 0}, "sequence_length must be an integer",
                     id="sequence_length"),
        pytest.param({"max_features": 0}, "max_features must be an integer", id="max_features"),
        pytest.param({"min_freq": 0}, "min_freq must be an integer", id="min_freq"),
        pytest.param({"min_freq": 10_000}, "the vocabulary is empty.*min_freq=10000",
                     id="min_freq-too-high"),
        pytest.param({"lr_schedule": "linear"}, "lr_schedule must be one of", id="schedule"),
        pytest.param({"lr_schedule": "plateau", "early_stopping": False},
                     "lr_schedule='plateau'.*early_stopping=False holds no validation",
                     id="plateau-without-validation"),
        pytest.param({"lowercase": "yes"}, "lowercase must be True or False", id="lowercase"),
    ],
)
def test_bad_generator_params(params, match):
    _raises(ValueError, match, TextGenerator(**{**TINY_G, **params}).fit, CORPUS)


@pytest.fixture(scope="module")
def generator():
    return TextGenerator(**TINY_G).fit(CORPUS)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        pytest.param({"temperature": 0}, ValueError, r"temperature must be.*\(0, inf\)",
                     id="temperature-0"),
        pytest.param({"temperature": -1.0}, ValueError, "temperature must be",
                     id="temperature-negative"),
        pytest.param({"temperature": np.inf}, ValueError, "temperature must be",
                     id="temperature-inf"),
        pytest.param({"top_p": 0.0}, ValueError, r"top_p must be a number in \(0, 1\]",
                     id="top_p-0"),
        pytest.param({"top_p": 1.5}, ValueError, "top_p must be.*got 1.5", id="top_p-1.5"),
        pytest.param({"top_k": 0}, ValueError, "top_k must be an integer.*got 0",
                     id="top_k-0"),
        pytest.param({"max_length": -1}, ValueError, r"max_length must be an integer in \[0",
                     id="max_length-negative"),
        pytest.param({"prompt": b"the"}, TypeError, "prompt must be a string, got bytes",
                     id="prompt-bytes"),
        pytest.param({"prompt": ["the"]}, TypeError, "prompt must be a string, got list",
                     id="prompt-list"),
        pytest.param({"stop": ""}, ValueError, "stop must be", id="stop-empty"),
    ],
)
def test_bad_generation_arguments(generator, kwargs, error, match):
    _raises(error, match, lambda: generator.generate(**kwargs))


def test_bad_generator_score_input(generator):
    _raises(ValueError, "X holds no text", generator.score, "")
    _raises(TypeError, "got a dict", generator.score, {"doc": CORPUS})
    _raises(TypeError, "got float", generator.perplexity, 3.5)


# --------------------------------------------------------------------------------------
# Not fitted
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: Seq2SeqTranslator().predict(SRC), id="translator-predict"),
        pytest.param(lambda: Seq2SeqTranslator().translate("one"), id="translator-translate"),
        pytest.param(lambda: Seq2SeqTranslator().score(SRC, TGT), id="translator-score"),
        pytest.param(lambda: Seq2SeqTranslator().predict_attention("one"),
                     id="translator-attention"),
        pytest.param(lambda: TextGenerator().generate("a"), id="generator-generate"),
        pytest.param(lambda: TextGenerator().score("a"), id="generator-score"),
        pytest.param(lambda: TextGenerator().perplexity("a"), id="generator-perplexity"),
        pytest.param(lambda: RNNForecaster().predict(fh=[1]), id="forecaster-predict"),
        pytest.param(lambda: RNNForecaster().predict_interval(fh=[1]),
                     id="forecaster-interval"),
    ],
)
def test_not_fitted(call):
    # RNNForecaster is an sktime estimator: sktime's own NotFittedError (a ValueError)
    _raises((NotFittedError, SktimeNotFittedError), "not (been )?fitted yet", call)


# --------------------------------------------------------------------------------------
# The caller's objects are never modified
# --------------------------------------------------------------------------------------


FLAGS = ("C_CONTIGUOUS", "F_CONTIGUOUS", "OWNDATA", "WRITEABLE", "ALIGNED")


def _flags(array: np.ndarray) -> dict:
    return {name: array.flags[name] for name in FLAGS}


def _snapshot(obj):
    """A deep copy plus, for arrays, their flags."""
    if isinstance(obj, np.ndarray):
        return obj.copy(), _flags(obj)
    if isinstance(obj, (pd.Series, pd.DataFrame)):
        return obj.copy(deep=True), None
    return [x.copy() if isinstance(x, np.ndarray) else x for x in obj], None


def _assert_unchanged(obj, snapshot):
    copy, flags = snapshot
    if isinstance(obj, np.ndarray):
        np.testing.assert_array_equal(obj, copy)
        assert obj.dtype == copy.dtype and _flags(obj) == flags
    elif isinstance(obj, pd.Series):
        pd.testing.assert_series_equal(obj, copy)
    elif isinstance(obj, pd.DataFrame):
        pd.testing.assert_frame_equal(obj, copy)
    else:
        assert len(obj) == len(copy)
        for a, b in zip(obj, copy, strict=True):
            if isinstance(a, np.ndarray):
                np.testing.assert_array_equal(a, b)
            else:
                assert a == b


def _read_only(array):
    array = np.array(array)
    array.flags.writeable = False
    return array


@pytest.mark.parametrize(
    "X, y",
    [
        pytest.param(list(TEXTS), list(Y), id="lists"),
        pytest.param(pd.Series(TEXTS, name="text"), pd.Series(Y), id="series"),
        pytest.param(pd.DataFrame({"text": TEXTS}), Y.copy(), id="text-frame"),
        pytest.param(_read_only(X2.astype(np.float32)), _read_only(Y), id="read-only-2d"),
        pytest.param(np.asfortranarray(X3.astype(np.float32)), Y.copy(), id="fortran-3d"),
        pytest.param([r.astype(np.float32) for r in RAGGED], list(Y), id="ragged"),
        pytest.param([np.array([2, 3, 4]), np.array([5, 3])] * 10, Y.copy(), id="token-ids"),
        pytest.param(pd.DataFrame(X2), pd.Series(Y), id="numeric-frame"),
    ],
)
@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor])
@pytest.mark.parametrize("standardize", [True, False])
def test_fit_and_predict_leave_the_input_alone(estimator, standardize, X, y):
    before_X, before_y = _snapshot(X), _snapshot(y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = estimator(**TINY, standardize=standardize).fit(X, y)
    est.predict(X)
    _assert_unchanged(X, before_X)
    _assert_unchanged(y, before_y)


@pytest.mark.parametrize(
    "X, y",
    [
        pytest.param(list(SRC), list(TGT), id="lists"),
        pytest.param(pd.Series(SRC), pd.Series(TGT), id="series"),
        pytest.param(_read_only(np.array(SRC, dtype=object)),
                     _read_only(np.array(TGT, dtype=object)), id="read-only-arrays"),
    ],
)
def test_translator_leaves_the_input_alone(X, y):
    before_X, before_y = _snapshot(X), _snapshot(y)
    est = Seq2SeqTranslator(**TINY_T).fit(X, y)
    est.predict(X)
    est.score(X, y)
    _assert_unchanged(X, before_X)
    _assert_unchanged(y, before_y)


@pytest.mark.parametrize(
    "corpus",
    [
        pytest.param([CORPUS, CORPUS.upper()], id="list"),
        pytest.param(pd.Series([CORPUS, CORPUS.upper()]), id="series"),
        pytest.param(_read_only(np.array([CORPUS, CORPUS.upper()])), id="read-only-array"),
    ],
)
def test_generator_leaves_the_corpus_alone(corpus):
    before = _snapshot(corpus)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        est = TextGenerator(**{**TINY_G, "lowercase": True}).fit(corpus)
    est.score(corpus)
    _assert_unchanged(corpus, before)


def test_forecaster_leaves_the_input_alone():
    y, X = SERIES.copy(), EXOG.copy()
    y_before, X_before = _snapshot(y), _snapshot(X)
    forecaster = RNNForecaster(**TINY_F).fit(y, X=X[:48])
    forecaster.predict([1, 2], X=X[48:])
    forecaster.predict_interval([1, 2], X=X[48:])
    forecaster.update(y[-4:] + 1, X=X[44:48], update_params=False)
    _assert_unchanged(y, y_before)
    _assert_unchanged(X, X_before)
    y_np = _read_only(SERIES.to_numpy())
    before = _snapshot(y_np)
    RNNForecaster(**TINY_F).fit(y_np).predict([1])
    _assert_unchanged(y_np, before)


@pytest.mark.parametrize("estimator", [RNNClassifier, RNNRegressor])
def test_zero_validation_fraction_with_early_stopping(estimator):
    est = estimator(**{**TINY, "validation_fraction": 0.0, "early_stopping": True})
    _raises(ValueError, "validation_fraction=0.0 holds out nothing, but early_stopping=True",
            est.fit, X2, np.arange(20) % 2)


def test_zero_validation_fraction_trains_on_all_the_data():
    # As MLPClassifier: 0 <= validation_fraction < 1; 0 holds nothing out, and says nothing.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 6, 2)).astype(np.float32), np.arange(24) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = RNNClassifier(validation_fraction=0.0, early_stopping=False, max_epochs=2,
                            hidden_size=4, random_state=0, device="cpu").fit(X, y)
    assert "valid_loss" not in clf.history_[-1]
    assert clf.predict(X).shape == (24,)


def test_class_labels_in_messages_read_as_python_values():
    # 'ham', not np.str_('ham'): numpy scalars are shown as the values they hold.
    with pytest.raises(ValueError) as info:
        RNNClassifier(**TINY).fit(["a b", "c d"], np.array(["ham", "ham"]))
    assert "('ham')" in str(info.value) and "np.str_" not in str(info.value)


# --------------------------------------------------------------------------------------
# One rule for single samples (issue 20): methods that take X take a collection of
# samples; a lone string gets the same error everywhere. An (n, 1) array of strings is
# read as its column, as a one-column DataFrame is.
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fitted_on_text():
    from sk_rnn import TextVectorizer

    return {
        "classifier": RNNClassifier(**TINY).fit(TEXTS, Y),
        "regressor": RNNRegressor(**TINY).fit(TEXTS, Y.astype(float)),
        "translator": Seq2SeqTranslator(hidden_size=4, embedding_dim=4, max_epochs=1,
                                        random_state=0).fit(TEXTS, TEXTS),
        "vectorizer": TextVectorizer().fit(TEXTS),
    }


SINGLE_STRING = r"X must hold one sample per element .*got a single string; wrap one sample"


@pytest.mark.parametrize("name, method, extra", [
    ("classifier", "predict", ()), ("classifier", "predict_proba", ()),
    ("classifier", "score", (Y[:1],)), ("classifier", "fit", (Y[:1],)),
    ("regressor", "predict", ()), ("regressor", "score", (Y[:1],)),
    ("translator", "predict", ()), ("translator", "score", (TEXTS[:1],)),
    ("translator", "fit", (TEXTS[:1],)),
    ("vectorizer", "transform", ()), ("vectorizer", "fit", ()),
])
def test_a_lone_string_is_refused_by_every_method_that_takes_x(fitted_on_text, name, method,
                                                                extra):
    est = fitted_on_text[name]
    if method == "fit":
        est = type(est)(**est.get_params(deep=False))
    _raises(TypeError, SINGLE_STRING, getattr(est, method), "a good film", *extra)


def test_methods_named_after_one_item_take_one_string(fitted_on_text):
    translator = fitted_on_text["translator"]
    assert isinstance(translator.translate("a good film"), str)
    assert translator.predict_attention("a good film").ndim == 2
    _raises(TypeError, "sentence must be a string, got list; use predict",
            translator.translate, ["a good film"])


@pytest.mark.parametrize("name", ["classifier", "regressor", "translator", "vectorizer"])
def test_one_column_arrays_and_frames_are_read_alike(fitted_on_text, name):
    est = fitted_on_text[name]
    method = est.transform if name == "vectorizer" else est.predict
    expected = method(TEXTS[:4])
    for column in (np.array(TEXTS[:4])[:, None], np.array(TEXTS[:4], dtype=object)[:, None],
                   pd.DataFrame({"text": TEXTS[:4]})):
        got = method(column)
        if name == "vectorizer":
            assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
        else:
            np.testing.assert_array_equal(got, expected)


def test_fit_on_a_one_column_array_equals_fit_on_the_list():
    a = RNNClassifier(**TINY).fit(np.array(TEXTS)[:, None], Y)
    b = RNNClassifier(**TINY).fit(TEXTS, Y)
    np.testing.assert_allclose(a.predict_proba(TEXTS), b.predict_proba(TEXTS), rtol=1e-6)
