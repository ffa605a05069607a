"""Knowledge distillation: :func:`sk_rnn.compression.distill` (issue 21, item 2).

A student is a new fitted estimator of the teacher's class with the student's parameters,
trained on the teacher's outputs over ``X`` (labelled or not); the teacher, ``X`` and a
given ``student`` are left as they were; the student predicts, pickles, saves, loads and
quantizes like any other estimator.
"""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
import torch
from _helpers import tiny_texts

import sk_rnn
from sk_rnn import RNNClassifier, RNNRegressor, TextGenerator
from sk_rnn.compression import distill, model_size, quantize
from sk_rnn.nn import DistillationLoss, soften

pytestmark = [
    pytest.mark.usefixtures("one_torch_thread"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:TypedStorage is deprecated:UserWarning"),
]

TEACHER = dict(hidden_size=24, embedding_dim=16, max_epochs=4, early_stopping=False,
               random_state=0)


def _numeric(n=80, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, 10, 2)).astype(np.float32)
    return X, (X[:, :, 0].mean(axis=1) > 0).astype(int)


@pytest.fixture(scope="module")
def text_teacher():
    texts, labels = tiny_texts(80)
    return RNNClassifier(**TEACHER).fit(texts, labels), texts, labels


@pytest.fixture(scope="module")
def numeric_teacher():
    X, y = _numeric()
    return RNNClassifier(**TEACHER).fit(X, y), X, y


@pytest.fixture(scope="module")
def regression_teacher():
    X, y = _numeric()
    target = X[:, :, 0].mean(axis=1) * 3
    return RNNRegressor(**TEACHER).fit(X, target), X, target


def test_soften_matches_a_softmax_at_the_temperature():
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = torch.softmax(torch.log(torch.tensor(proba)) / 3.0, dim=1).numpy()
    np.testing.assert_allclose(soften(proba, 3.0), expected, rtol=1e-5)
    np.testing.assert_allclose(soften(proba, 1.0), proba, rtol=1e-5)


def test_distillation_loss_mixes_soft_and_hard_terms():
    torch.manual_seed(0)
    logits = torch.randn(5, 3)
    soft = torch.softmax(torch.randn(5, 3), dim=1)
    hard = torch.tensor([0, 2, 1, 1, 0])
    target = torch.cat([soft, hard[:, None].float()], dim=1)
    t, a = 2.0, 0.3
    expected = (a * t * t * torch.nn.functional.cross_entropy(logits / t, soft)
                + (1 - a) * torch.nn.functional.cross_entropy(logits, hard))
    got = DistillationLoss(temperature=t, alpha=a)(logits, target)
    assert torch.allclose(got, expected)
    only_soft = DistillationLoss(temperature=t, alpha=1.0)(logits, target)
    assert torch.allclose(only_soft, t * t * torch.nn.functional.cross_entropy(logits / t, soft))


@pytest.mark.parametrize("case", ["text", "numeric"])
def test_student_is_a_smaller_fitted_classifier_that_follows_its_teacher(
        case, text_teacher, numeric_teacher):
    teacher, X, _ = text_teacher if case == "text" else numeric_teacher
    state = {k: v.clone() for k, v in teacher.net_.module_.state_dict().items()}
    proba, params = teacher.predict_proba(X), teacher.get_params()
    X_before = copy.deepcopy(X)
    student = distill(teacher, X, hidden_size=8, bidirectional=False, max_epochs=15)
    assert type(student) is RNNClassifier and student is not teacher
    assert student.hidden_size == 8 and student.bidirectional is False
    assert student.distillation_ == {"teacher": "RNNClassifier", "temperature": 2.0,
                                     "alpha": 1.0, "labelled": False}
    np.testing.assert_array_equal(student.classes_, teacher.classes_)
    assert model_size(student) < model_size(teacher)
    assert student.net_.optimizer_ is None  # a deployable model, as quantize's
    assert teacher.net_.optimizer_ is not None
    agreement = np.mean(student.predict(X) == teacher.predict(X))
    assert agreement >= 0.85, agreement
    # the teacher is untouched
    assert all(torch.equal(v, state[k]) for k, v in teacher.net_.module_.state_dict().items())
    np.testing.assert_array_equal(teacher.predict_proba(X), proba)
    assert teacher.get_params() == params and not hasattr(teacher, "distillation_")
    if case == "numeric":
        np.testing.assert_array_equal(X, X_before)
    else:
        assert X == X_before


def test_unlabelled_data_larger_than_the_teachers_training_set(text_teacher):
    teacher, _, _ = text_teacher
    more, _ = tiny_texts(200, seed=1)  # unlabelled, 2.5 times the labelled set
    student = distill(teacher, more, hidden_size=8, max_epochs=6)
    assert student.predict(more).shape == (200,)


def test_labels_are_mixed_in_and_checked(text_teacher):
    teacher, texts, labels = text_teacher
    student = distill(teacher, texts, labels, alpha=0.3, temperature=4.0, hidden_size=8,
                      max_epochs=3)
    assert student.distillation_["labelled"] is True
    assert student.distillation_["alpha"] == 0.3
    assert student.net_.criterion_.temperature == 4.0
    with pytest.raises(ValueError, match="y holds labels the teacher does not know"):
        distill(teacher, texts, np.where(labels == "pos", "positive", labels), max_epochs=1)


def test_a_given_student_is_cloned_and_its_parameters_kept(numeric_teacher):
    teacher, X, _ = numeric_teacher
    given = RNNClassifier(hidden_size=6, cell_type="gru", max_epochs=2, random_state=1)
    student = distill(teacher, X, student=given, bidirectional=False)
    assert student is not given and not hasattr(given, "net_")
    assert (student.hidden_size, student.cell_type, student.bidirectional) == (6, "gru", False)


def test_regressor_student_learns_the_teachers_predictions(regression_teacher):
    teacher, X, target = regression_teacher
    student = distill(teacher, X, hidden_size=8, max_epochs=30)
    assert type(student) is RNNRegressor
    error_to_teacher = np.sqrt(np.mean((student.predict(X) - teacher.predict(X)) ** 2))
    assert error_to_teacher < np.std(teacher.predict(X)), error_to_teacher
    mixed = distill(teacher, X, target, alpha=0.5, hidden_size=8, max_epochs=2)
    assert mixed.distillation_["labelled"] is True


@pytest.mark.parametrize("case", ["text", "regressor"])
def test_student_pickles_saves_loads_and_quantizes(case, text_teacher, regression_teacher,
                                                    tmp_path):
    teacher, X, _ = text_teacher if case == "text" else regression_teacher
    student = distill(teacher, X, hidden_size=8, max_epochs=2)
    method = "predict_proba" if case == "text" else "predict"
    expected = getattr(student, method)(X)
    path = tmp_path / "student.skrnn"
    sk_rnn.save(student, path)
    for restored in (sk_rnn.load(path), pickle.loads(pickle.dumps(student))):
        np.testing.assert_allclose(getattr(restored, method)(X), expected, rtol=1e-5,
                                   atol=1e-6)
        assert restored.distillation_ == student.distillation_
    small = quantize(student)
    assert getattr(small, method)(X).shape == expected.shape
    # a quantized teacher teaches too
    assert distill(quantize(teacher), X, hidden_size=4, max_epochs=1).predict(X).shape[0] == len(X)


def test_bad_input_gets_clear_errors(text_teacher, numeric_teacher):
    teacher, texts, _ = text_teacher
    with pytest.raises(TypeError, match="student must be a RNNClassifier like the teacher, "
                                        "found RNNRegressor"):
        distill(teacher, texts, student=RNNRegressor())
    with pytest.raises(ValueError, match="X holds 'numeric' input, but the teacher was "
                                         "fitted on 'text' input"):
        distill(teacher, np.zeros((4, 5, 2)))
    with pytest.raises(ValueError, match="temperature must be a positive number, found 0"):
        distill(teacher, texts, temperature=0)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\].*found 1.5"):
        distill(teacher, texts, texts, alpha=1.5)
    with pytest.raises(ValueError, match="Invalid parameter 'hidden'"):
        distill(teacher, texts, hidden=3)
    with pytest.raises(TypeError, match="TextGenerator.*not supported yet"):
        distill(TextGenerator(), texts)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        distill(RNNClassifier(), texts)
