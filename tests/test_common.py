"""scikit-learn's estimator checks on every estimator, with tiny models.

Each check fits small recurrent models on a few hundred samples; the parameters below are
the smallest that still learn the checks' toy problems (e.g. ``check_regressors_train``
needs R^2 > 0.5 on the training data).
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_rnn import RNNClassifier, RNNRegressor, TextVectorizer

ESTIMATORS = [
    RNNClassifier(hidden_size=8, max_epochs=20, batch_size=16, random_state=0, device="cpu"),
    RNNRegressor(
        hidden_size=16,
        max_epochs=30,
        batch_size=16,
        lr=1e-2,
        early_stopping=False,
        random_state=0,
        device="cpu",
    ),
    TextVectorizer(),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
