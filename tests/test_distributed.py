"""Hyper-parameter search on a Dask cluster: ``GridSearchCV`` and ``cross_validate`` under
``joblib.parallel_backend("dask")``, against a ``LocalCluster`` of two worker processes on
loopback.

Every estimator (and its collate functions) is pickled to the workers, fitted there in
another process and scored; with a fixed ``random_state`` each fit must give exactly the
scores of the same search run sequentially in this process: a fit depends on the estimator
and its data, not on the process it runs in.
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from sk_rnn import RNNClassifier, RNNRegressor, TextGenerator, TextVectorizer

distributed = pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TINY = dict(hidden_size=8, max_epochs=2, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes on 127.0.0.1, each with one torch thread."""
    # OMP_NUM_THREADS reaches every thread that runs tasks (dask's nanny sets it to 1 by
    # default; explicit here). ``client.run(torch.set_num_threads, 1)`` would not do: it
    # runs on the worker's event-loop thread and misses task threads that already exist.
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, env={"OMP_NUM_THREADS": "1"},
    )
    with cluster, distributed.Client(cluster) as dask_client:
        workers = list(dask_client.scheduler_info()["workers"])
        threads = dask_client.gather([
            dask_client.submit(torch.get_num_threads, pure=False, workers=[worker])
            for worker in workers
        ])
        assert threads == [1] * len(workers) == [1, 1]
        yield dask_client


def _texts(n=24, seed=0):
    rng = np.random.RandomState(seed)
    pos, neg = ["great", "fine", "good"], ["awful", "bad", "dull"]
    X = [" ".join(rng.choice((pos if i % 2 else neg) + ["film", "plot"],
                             size=rng.randint(1, 6))) for i in range(n)]
    return X, np.array(["pos" if i % 2 else "neg" for i in range(n)])


def _ragged(n=24, seed=0):
    rng = np.random.RandomState(seed)
    X = [rng.normal(size=(rng.randint(2, 7), 3)) for _ in range(n)]
    return X, np.array([x[:, 0].mean() + x[:, 1].sum() for x in X])


DOCUMENTS = [
    "the cat sat on the mat. " * 3,
    "the dog sat on the log. " * 3,
    "a cat and a dog met on a mat. " * 2,
    "on the log sat the cat. " * 3,
]


def _on_dask(client, run):
    """``run()`` under the dask joblib backend; its result and the workers that ran tasks."""
    with distributed.get_task_stream(client) as stream, joblib.parallel_backend("dask"):
        result = run()
    workers = [task["worker"] for task in stream.data]
    assert workers, "no task ran on the cluster"
    assert set(workers) <= set(client.scheduler_info()["workers"])
    return result


def _assert_same_search(local, remote):
    for key in local.cv_results_:
        if key.startswith(("split", "mean_test", "std_test", "rank_test")):
            np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key],
                                          err_msg=key)
    assert remote.best_params_ == local.best_params_


def test_grid_search_over_cell_type_on_raw_text(client):
    X, y = _texts()

    def search():
        # log loss: a continuous score, so equality says more than a tied accuracy
        return GridSearchCV(RNNClassifier(embedding_dim=4, **TINY),
                            {"cell_type": ["rnn", "lstm", "gru"]}, cv=2,
                            scoring="neg_log_loss")

    local = search().set_params(n_jobs=1).fit(X, y)
    remote = _on_dask(client, lambda: search().fit(X, y))
    _assert_same_search(local, remote)
    assert len(remote.cv_results_["params"]) == 3
    assert np.isfinite(remote.cv_results_["mean_test_score"]).all()
    assert set(remote.best_estimator_.predict(X[:5])) <= {"pos", "neg"}
    np.testing.assert_array_equal(remote.best_estimator_.predict_proba(X),
                                  local.best_estimator_.predict_proba(X))


def test_grid_search_on_variable_length_numeric_sequences(client):
    X, y = _ragged()

    def search():
        # explicit early stopping: the workers do not see the tests' small update budget
        return GridSearchCV(RNNRegressor(**TINY, early_stopping=True),
                            {"cell_type": ["lstm", "gru"], "bidirectional": [False, True]},
                            cv=2)

    local = search().set_params(n_jobs=1).fit(X, y)
    remote = _on_dask(client, lambda: search().fit(X, y))
    _assert_same_search(local, remote)
    assert len(np.unique(remote.cv_results_["mean_test_score"])) > 1  # scores differ
    assert remote.best_estimator_.predict(X[:4]).shape == (4,)


def test_cross_validate_text_generator_returns_the_fitted_models(client):
    generator = TextGenerator(level="char", num_layers=1, embedding_dim=4, sequence_length=8,
                              batch_size=2, early_stopping=False, **TINY)

    def run():
        return cross_validate(generator, DOCUMENTS, cv=2, return_estimator=True)

    local = run()
    remote = _on_dask(client, run)
    np.testing.assert_array_equal(remote["test_score"], local["test_score"])
    assert np.isfinite(remote["test_score"]).all()
    # the fitted models came back from the workers (pickled) and predict as the local ones
    for ours, theirs in zip(local["estimator"], remote["estimator"], strict=True):
        assert theirs.generate("the", 20, random_state=0) == ours.generate(
            "the", 20, random_state=0)
        assert theirs.score(DOCUMENTS[:2]) == ours.score(DOCUMENTS[:2])


def test_grid_search_over_a_vectorizer_pipeline(client):
    X, y = _texts()

    def search():
        pipe = Pipeline([("vec", TextVectorizer()),
                         ("rnn", RNNClassifier(embedding_dim=4, **TINY))])
        return GridSearchCV(pipe, {"vec__max_features": [3, None],
                                   "rnn__cell_type": ["rnn", "gru"]},
                            cv=2, scoring="neg_log_loss")

    local = search().set_params(n_jobs=1).fit(X, y)
    remote = _on_dask(client, lambda: search().fit(X, y))
    _assert_same_search(local, remote)
    assert len(remote.cv_results_["params"]) == 4
    best = remote.best_estimator_
    assert set(best.predict(X)) <= {"pos", "neg"}
    assert len(best.named_steps["vec"].vocabulary_) >= 3
