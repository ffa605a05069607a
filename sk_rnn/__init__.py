"""sk_rnn: scikit-learn compatible recurrent neural networks (RNN, LSTM, GRU).

The estimators wrap :class:`torch.nn.RNN`, :class:`~torch.nn.LSTM` and
:class:`~torch.nn.GRU` modules, train them through skorch and behave like any other
scikit-learn estimator (``clone``, ``Pipeline``, ``GridSearchCV``, ``pickle``).

:func:`save` and :func:`load` store fitted estimators in a format that cannot run code
when it is loaded; ``pickle`` and ``joblib`` files can, so load those only from trusted
sources.

:class:`RNNForecaster` is imported on first use, so that ``import sk_rnn`` and the other
estimators do not import sktime.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._version import __version__
from .classification import RNNClassifier, RNNRegressor
from .generation import TextGenerator
from .persistence import load, save
from .text import TextVectorizer
from .translation import Seq2SeqTranslator

if TYPE_CHECKING:
    from .forecasting import RNNForecaster


__all__ = [
    "RNNClassifier",
    "RNNForecaster",
    "RNNRegressor",
    "Seq2SeqTranslator",
    "TextGenerator",
    "TextVectorizer",
    "__version__",
    "load",
    "save",
]


def __getattr__(name: str):
    """Import :class:`RNNForecaster` (and with it sktime) when it is first asked for."""
    if name == "RNNForecaster":
        from .forecasting import RNNForecaster

        globals()[name] = RNNForecaster
        return RNNForecaster
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"RNNForecaster"})
