"""Bad input: every case raises a clear exception from sk_rnn or scikit-learn code,
naming the argument and what was found, never a traceback from inside torch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import sparse
from sklearn.exceptions import NotFittedError

from sk_rnn import RNNClassifier, RNNRegressor

TORCH_DIR = Path(torch.__file__).resolve().parent
TINY = dict(hidden_size=3, embedding_dim=3, max_epochs=1, device="cpu", random_state=0)

RNG = np.random.RandomState(0)
X2 = RNG.normal(size=(20, 5))
X3 = RNG.normal(size=(20, 4, 2))
RAGGED = [RNG.normal(size=(RNG.randint(2, 6), 2)) for _ in range(20)]
TEXTS = ["a good film", "a bad plot"] * 10
Y = np.array([0, 1] * 10)


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
                 r"validation_fraction must be a number in \(0, 1\), got 1.5",
                 id="validation_fraction"),
    pytest.param({"max_length": 0}, "max_length must be a positive integer", id="max_length"),
    pytest.param({"callbacks": "print"}, "callbacks must be None or a list", id="callbacks"),
    pytest.param({"vectorizer": "word"}, "vectorizer must be None", id="vectorizer"),
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
