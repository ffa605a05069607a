"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """Tiny models on one thread: a spinning thread pool only slows them down, and much
    more so on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# Modules that check the small-data update budget itself, or the estimators' real
# training defaults (scikit-learn's checks), see the library's own value.
_REAL_UPDATE_BUDGET = {"test_common", "test_small_data"}


@pytest.fixture(autouse=True, scope="module")
def small_update_budget(request):
    """Unit tests fit tiny numeric data sets, where ``early_stopping="auto"`` would train
    for 600 updates; elsewhere a budget of 20 keeps them to a few epochs, as the tests'
    own ``max_epochs`` intend. Module-scoped, so that module fixtures fit under it too."""
    if request.module.__name__.rsplit(".", 1)[-1] in _REAL_UPDATE_BUDGET:
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sk_rnn.classification._MIN_UPDATES", 20)
        yield
