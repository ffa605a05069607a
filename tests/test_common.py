"""scikit-learn's estimator checks on every estimator and sktime's on the forecaster,
with tiny models.

Each check fits small recurrent models on a few hundred samples; the networks below are
small, and the regressor keeps its default training parameters (``check_regressors_train``
needs R^2 > 0.5 on the training data).
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks
from sktime.utils.estimator_checks import check_estimator
from sktime.utils.estimator_checks import parametrize_with_checks as parametrize_with_sktime_checks

from sk_rnn import (
    RNNClassifier,
    RNNForecaster,
    RNNRegressor,
    Seq2SeqTranslator,
    TextGenerator,
    TextVectorizer,
)

ESTIMATORS = [
    RNNClassifier(hidden_size=8, max_epochs=20, batch_size=16, random_state=0, device="cpu"),
    # Default training parameters (epochs, batch, lr, early stopping): the defaults must
    # learn the checks' small problems, e.g. R^2 > 0.5 in check_regressors_train.
    RNNRegressor(hidden_size=16, random_state=0, device="cpu"),
    TextVectorizer(),
    # String input only (no 2-D numeric input), so scikit-learn runs its API checks
    # (parameters, cloning, fitted-state errors, ...), not its numeric-data checks.
    Seq2SeqTranslator(hidden_size=8, embedding_dim=8, max_epochs=2, random_state=0,
                      device="cpu"),
    TextGenerator(hidden_size=8, num_layers=1, embedding_dim=8, sequence_length=8,
                  max_epochs=2, random_state=0, device="cpu"),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# sktime's suite for the forecaster: every check runs on both parameter sets of
# RNNForecaster.get_test_params (tiny networks, a few epochs), about a minute in all.
@parametrize_with_sktime_checks(RNNForecaster, obj_varname="forecaster")
def test_sktime_compatible_forecaster(forecaster, test_name):
    check_estimator(forecaster, tests_to_run=test_name, raise_exceptions=True)
