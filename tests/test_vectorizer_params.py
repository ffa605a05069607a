"""``vectorizer__*`` parameters: tuning the tokeniser the scikit-learn way (issue 20).

Every estimator that takes a vectorizer parameter (``RNNClassifier``, ``RNNRegressor``:
``vectorizer``; ``Seq2SeqTranslator``: ``source_vectorizer``, ``target_vectorizer``) must
accept ``<name>__<parameter>`` in ``set_params`` and ``GridSearchCV`` whether the parameter
holds None (the default), a dict or a ``TextVectorizer``, without modifying what the caller
passed in, and keep ``clone`` and persistence working.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from _helpers import tiny_texts
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import sk_rnn
from sk_rnn import RNNClassifier, RNNRegressor, Seq2SeqTranslator, TextVectorizer

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FAST = {"max_epochs": 2, "early_stopping": False, "hidden_size": 8, "embedding_dim": 8,
        "random_state": 0}


@pytest.mark.parametrize("cls", [RNNClassifier, RNNRegressor])
def test_set_params_on_the_default_keeps_what_none_stands_for(cls):
    est = cls().set_params(vectorizer__max_features=5000)
    # None stood for TextVectorizer(normalize_digits=True): that default survives
    assert est.vectorizer == {"normalize_digits": True, "max_features": 5000}
    vectorizer = est._make_vectorizer()
    assert vectorizer.max_features == 5000 and vectorizer.normalize_digits is True


def test_get_params_lists_the_vectorizer_parameters_of_every_form():
    for value in (None, {"max_features": 7}, TextVectorizer(max_features=7)):
        params = RNNClassifier(vectorizer=value).get_params(deep=True)
        expected = set(TextVectorizer().get_params())
        assert {k.split("__", 1)[1] for k in params if k.startswith("vectorizer__")} == expected
    assert RNNClassifier().get_params()["vectorizer__normalize_digits"] is True
    assert RNNClassifier(vectorizer={"max_features": 7}).get_params()[
        "vectorizer__max_features"] == 7
    shallow = RNNClassifier().get_params(deep=False)
    assert not any("__" in key for key in shallow)


def test_a_dict_is_replaced_not_modified():
    given = {"max_features": 3}
    est = RNNClassifier(vectorizer=given).set_params(vectorizer__min_freq=2)
    assert given == {"max_features": 3}
    assert est.vectorizer == {"max_features": 3, "min_freq": 2}


def test_an_instance_is_cloned_not_modified():
    given = TextVectorizer(max_features=3)
    est = RNNClassifier(vectorizer=given).set_params(vectorizer__max_features=9)
    assert given.max_features == 3
    assert isinstance(est.vectorizer, TextVectorizer) and est.vectorizer.max_features == 9
    assert est.vectorizer is not given


def test_setting_the_vectorizer_and_a_nested_parameter_at_once():
    est = RNNClassifier().set_params(vectorizer={"lowercase": False},
                                     vectorizer__max_features=4)
    assert est.vectorizer == {"lowercase": False, "max_features": 4}


def test_unknown_nested_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Invalid parameter 'max_feature' for vectorizer.*"
                                         r"max_features"):
        RNNClassifier().set_params(vectorizer__max_feature=10)
    with pytest.raises(ValueError, match="Invalid parameter"):
        RNNClassifier().set_params(not_a_parameter__x=1)


def test_translator_source_and_target_vectorizers():
    est = Seq2SeqTranslator().set_params(source_vectorizer__max_features=50,
                                         target_vectorizer__min_freq=2)
    assert est.source_vectorizer == {"max_features": 50}
    assert est.target_vectorizer == {"min_freq": 2}
    params = est.get_params()
    # the target side's own defaults show through (case and spacing are kept)
    assert params["target_vectorizer__lowercase"] is False
    assert params["source_vectorizer__lowercase"] is True
    assert params["source_vectorizer__max_features"] == 50
    assert clone(est).get_params() == params


def test_grid_search_over_max_features_runs_and_changes_the_vocabulary():
    texts, labels = tiny_texts(40)
    search = GridSearchCV(RNNClassifier(**FAST), {"vectorizer__max_features": [3, None]},
                          cv=2, error_score="raise").fit(texts, labels)
    assert [p["vectorizer__max_features"] for p in search.cv_results_["params"]] == [3, None]
    capped = clone(search.estimator).set_params(vectorizer__max_features=3).fit(texts, labels)
    full = clone(search.estimator).fit(texts, labels)
    assert capped.vectorizer_.n_tokens_ == 3 + 2  # <pad>, <unk> and the 3 kept words
    assert full.vectorizer_.n_tokens_ > capped.vectorizer_.n_tokens_


def test_the_fitted_estimator_persists(tmp_path):
    texts, labels = tiny_texts(30)
    est = RNNClassifier(**FAST).set_params(vectorizer__max_features=6).fit(texts, labels)
    expected = est.predict_proba(texts)
    path = tmp_path / "model.skrnn"
    sk_rnn.save(est, path)
    for restored in (sk_rnn.load(path), pickle.loads(pickle.dumps(est))):
        assert restored.vectorizer == {"normalize_digits": True, "max_features": 6}
        np.testing.assert_allclose(restored.predict_proba(texts), expected, rtol=1e-5)
