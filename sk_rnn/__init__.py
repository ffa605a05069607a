"""sk_rnn: scikit-learn compatible recurrent neural networks (RNN, LSTM, GRU).

The estimators wrap :class:`torch.nn.RNN`, :class:`~torch.nn.LSTM` and
:class:`~torch.nn.GRU` modules, train them through skorch and behave like any other
scikit-learn estimator (``clone``, ``Pipeline``, ``GridSearchCV``, ``pickle``).

:func:`save` and :func:`load` store fitted estimators in a format that cannot run code
when it is loaded; ``pickle`` and ``joblib`` files can, so load those only from trusted
sources.
"""

from .classification import RNNClassifier, RNNRegressor
from .forecasting import RNNForecaster
from .generation import TextGenerator
from .persistence import load, save
from .text import TextVectorizer
from .translation import Seq2SeqTranslator

__version__ = "0.1.0.dev0"

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
