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
from sklearn.base import clone

import sk_rnn
from sk_rnn import RNNClassifier, RNNRegressor, Seq2SeqTranslator, TextGenerator
from sk_rnn._streams import SoftTargetStreamLoader, SoftTokenStream, TokenStream
from sk_rnn.compression import distill, model_size, quantize
from sk_rnn.nn import DistillationLoss, soften
from sk_rnn.nn.distillation import TokenDistillationLoss

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
    with pytest.raises(TypeError, match="teacher must be a fitted RNNClassifier, "
                                        "RNNRegressor or TextGenerator, found Seq2Seq"):
        distill(Seq2SeqTranslator(), texts)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted yet"):
        distill(RNNClassifier(), texts)


# -- TextGenerator: next-token distributions ------------------------------------------------

CORPUS = ("the cat sat on the mat. the dog sat on the log. a cat and a dog. " * 30
          + "we sat and ate the dates. " * 20)
GENERATOR = dict(hidden_size=32, num_layers=1, embedding_dim=12, sequence_length=16,
                 batch_size=8, max_epochs=6, lr=1e-2, random_state=0)


@pytest.fixture(scope="module")
def generator_teacher():
    return TextGenerator(**GENERATOR).fit(CORPUS)


def test_token_distillation_loss_mixes_soft_and_hard_terms():
    torch.manual_seed(0)
    scores = torch.randn(2, 3, 5)
    hard = torch.randint(0, 5, (2, 3))
    soft = torch.softmax(torch.randn(2, 3, 5), -1)
    target = {"targets": hard, "soft": soft}
    log_q = torch.log_softmax(scores / 2, -1)
    soft_term = -(soft * log_q).sum(-1).mean()
    hard_term = torch.nn.functional.cross_entropy(scores.flatten(0, 1), hard.flatten())
    loss = TokenDistillationLoss(temperature=2, alpha=0.25)(scores, target)
    torch.testing.assert_close(loss, 0.25 * 4 * soft_term + 0.75 * hard_term)
    # validation windows (plain ids): the cross-entropy alone
    torch.testing.assert_close(TokenDistillationLoss(2, 0.25)(scores, hard), hard_term)
    # a top-k teacher: the student's probabilities are read at the teacher's ids
    index = torch.tensor([[[4, 1]] * 3] * 2)
    top = {"targets": hard, "soft": torch.full((2, 3, 2), 0.5), "soft_index": index}
    expected = -(0.5 * torch.log_softmax(scores, -1)[..., [4, 1]]).sum(-1).mean()
    torch.testing.assert_close(TokenDistillationLoss(1, 1.0)(scores, top), expected)


def test_soft_target_loader_keeps_the_distributions_with_their_positions():
    ids = np.arange(1, 102)
    soft = np.zeros((101, 7), dtype=np.float32)
    soft[np.arange(101), ids % 7] = 1.0  # position i's row marks id i
    loader = SoftTargetStreamLoader(SoftTokenStream(ids, soft), batch_size=4,
                                    sequence_length=5, shuffle=True, seed=0)
    for X, y in loader:
        assert torch.equal(y["soft"].float().argmax(-1), X["x"] % 7)
        assert torch.equal(y["targets"], X["x"] + 1)
    # the validation part, a plain stream, gives the next ids as StreamLoader does
    plain = SoftTargetStreamLoader(TokenStream(ids), batch_size=4, sequence_length=5)
    assert all(torch.equal(y, X["x"] + 1) for X, y in plain)
    with pytest.raises(ValueError, match="do not match 101 token positions"):
        SoftTokenStream(ids, soft[:50])


def test_teacher_distributions_follow_the_stream(generator_teacher):
    teacher = generator_teacher
    stream = teacher._stream([CORPUS[:300]])
    probs, ids = teacher._next_token_distributions(stream, 1.0, n_parts=1)
    assert ids is None and probs.shape == (len(stream), teacher.n_tokens_)
    np.testing.assert_allclose(probs[:-1].astype(np.float64).sum(1), 1.0, atol=2e-2)
    module = teacher.net_.module_.eval()
    with torch.inference_mode():
        logits, _ = module.run(torch.as_tensor(stream[None].astype(np.int64)))
    expected = torch.softmax(logits[0], -1).numpy()
    np.testing.assert_allclose(probs[:-1], expected[:-1], atol=2e-3)
    # at a temperature, and read as parts side by side: each part from a zero state
    hot, _ = teacher._next_token_distributions(stream, 2.0, n_parts=3)
    part = -(-len(stream) // 3)
    with torch.inference_mode():
        logits, _ = module.run(torch.as_tensor(stream[None, part : 2 * part].astype(np.int64)))
    np.testing.assert_allclose(hot[part : 2 * part],
                               torch.softmax(logits[0] / 2, -1).numpy(), atol=2e-3)


def test_generator_student_is_smaller_reads_the_teachers_vocabulary_and_learns(
        generator_teacher):
    teacher = generator_teacher
    before = copy.deepcopy(teacher.net_.module_.state_dict())
    student = distill(teacher, CORPUS, hidden_size=12)
    assert isinstance(student, TextGenerator) and student.hidden_size == 12
    assert student.vectorizer_.vocabulary_ == teacher.vectorizer_.vocabulary_
    assert student.vectorizer_ is not teacher.vectorizer_
    assert model_size(student) < model_size(teacher)
    assert student.distillation_ == {"teacher": "TextGenerator", "temperature": 1.0,
                                     "alpha": 0.5, "labelled": False}
    assert student.net_.optimizer_ is None
    # it learned the corpus: well below the characters' own entropy, and it writes
    counts = np.unique(list(CORPUS), return_counts=True)[1] / len(CORPUS)
    assert -student.score(CORPUS) < 0.75 * -(counts * np.log(counts)).sum()
    assert student.generate("the", max_length=20, random_state=0).startswith("the")
    # the teacher is untouched
    after = teacher.net_.module_.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_generator_student_learns_the_teachers_distributions_not_the_data():
    # a teacher stopped after one epoch is far from the data: a student with alpha=1
    # learns its distributions, which a student fitted on the corpus alone does not
    teacher = TextGenerator(**{**GENERATOR, "max_epochs": 1}).fit(CORPUS)
    stream = teacher._stream([CORPUS])
    target, _ = teacher._next_token_distributions(stream, 1.0, n_parts=1)

    def gap(student):  # mean KL(teacher || student) over the corpus
        mine, _ = student._next_token_distributions(stream, 1.0, n_parts=1)
        p, q = target[:-1].astype(np.float64), mine[:-1].astype(np.float64)
        return float(np.mean(np.sum(p * (np.log(p + 1e-9) - np.log(q + 1e-9)), 1)))

    params = dict(hidden_size=12, early_stopping=False, max_epochs=4)
    soft = distill(teacher, CORPUS, alpha=1.0, **params)
    alone = clone(teacher).set_params(**params).fit(CORPUS)
    assert gap(soft) < gap(alone)


def test_word_level_student_with_adaptive_softmax_uses_the_teachers_top_ids():
    words = " ".join(f"w{i % 700}" for i in range(6000))
    teacher = TextGenerator(level="word", hidden_size=16, embedding_dim=8,
                            sequence_length=8, batch_size=8, max_epochs=1,
                            random_state=0).fit(words)
    assert teacher.n_tokens_ > 512  # beyond the dense soft targets: the top 64 ids
    probs, ids = teacher._next_token_distributions(teacher._stream([words[:2000]]), 1.0, 4)
    assert probs.shape[1] == ids.shape[1] == 64
    np.testing.assert_allclose(probs[:-1].astype(np.float64).sum(1), 1.0, atol=2e-2)
    student = distill(teacher, words, hidden_size=8)
    assert student.net_.module_.softmax == "adaptive"
    assert np.isfinite(student.score(words[:3000]))


def test_generator_student_pickles_saves_loads_and_quantizes(generator_teacher, tmp_path):
    student = distill(generator_teacher, CORPUS, hidden_size=8, max_epochs=1)
    expected = student.score(CORPUS)
    path = tmp_path / "student.skrnn"
    sk_rnn.save(student, path)
    for restored in (sk_rnn.load(path), pickle.loads(pickle.dumps(student))):
        assert restored.score(CORPUS) == pytest.approx(expected, rel=1e-5)
        assert restored.distillation_ == student.distillation_
    assert np.isfinite(quantize(student).score(CORPUS))
    # a quantized teacher teaches too
    assert np.isfinite(distill(quantize(generator_teacher), CORPUS, hidden_size=4,
                               max_epochs=1).score(CORPUS))


def test_generator_bad_input_gets_clear_errors(generator_teacher):
    teacher = generator_teacher
    with pytest.raises(ValueError, match="targets are the corpus's own next tokens, so y "
                                         "must be None"):
        distill(teacher, CORPUS, np.zeros(3))
    with pytest.raises(ValueError, match="student's level, lowercase differ from the "
                                         "teacher's.*reads the teacher's vocabulary"):
        distill(teacher, CORPUS, level="word", lowercase=True)
    with pytest.raises(TypeError, match="student must be a TextGenerator like the teacher"):
        distill(teacher, CORPUS, student=RNNClassifier())
    with pytest.raises(TypeError, match="must be a string or an iterable of strings"):
        distill(teacher, 3.5)
    with pytest.raises(ValueError, match="X is too short"):
        distill(teacher, "the cat")
