"""``pretrained=``: seeding a classifier's or regressor's encoder from a language model or
another fitted estimator (transfer learning), with gradual unfreezing and discriminative
learning rates."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from skorch.callbacks import Callback
from test_classification import TINY, _texts

import sk_rnn
from sk_rnn import RNNClassifier, RNNRegressor, TextGenerator

LM_PARAMS = dict(level="word", hidden_size=8, embedding_dim=6, num_layers=2,
                 sequence_length=8, batch_size=4, max_epochs=1, random_state=0)


@pytest.fixture(scope="module")
def language_model():
    X, _ = _texts(n=80, seed=1)
    return TextGenerator(**LM_PARAMS).fit(X)


def _state(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


class _Recorder(Callback):
    """Records the encoder weights when training begins and which encoder parameters
    are trainable in every epoch."""

    def on_train_begin(self, net, **kwargs):
        self.start = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
        self.trainable = []

    def on_epoch_begin(self, net, **kwargs):
        pass

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and len(self.trainable) < len(net.history):
            self.trainable.append({name for name, p in net.module_.named_parameters()
                                   if p.requires_grad and name.startswith("encoder.")})


def _fit_recording(estimator, X, y):
    estimator.set_params(callbacks=[("recorder", _Recorder())])
    estimator.fit(X, y)
    return dict(estimator.net_.callbacks_)["recorder"]


def test_language_model_seeds_the_encoder(language_model):
    X, y = _texts()
    lm_state = _state(language_model.net_.module_)
    clf = RNNClassifier(pretrained=language_model, max_epochs=2, random_state=0)
    start = _fit_recording(clf, X, y).start
    # the encoder starts from the language model's embedding and recurrent stack
    # (the embedding rescaled to the classifier's scale, the first layer's input weights
    # inversely: the same first-layer inputs)
    n_tokens = language_model.vectorizer_.n_tokens_
    embedding = start["encoder.embedding.weight"][1:]
    assert float(embedding.pow(2).mean().sqrt()) == pytest.approx(0.05 / 3**0.5, rel=1e-4)
    torch.testing.assert_close(
        embedding @ start["encoder.rnn.weight_ih_l0"].T,
        lm_state["embedding.weight"][1:n_tokens] @ lm_state["rnn.weight_ih_l0"].T)
    for key, value in lm_state.items():
        if key.startswith("rnn.") and key != "rnn.weight_ih_l0":
            torch.testing.assert_close(start[f"encoder.{key}"], value)
    # its architecture and vocabulary are the language model's
    rnn = clf.net_.module_.encoder.rnn
    assert (rnn.hidden_size, rnn.num_layers, rnn.bidirectional) == (8, 2, False)
    assert clf.embedding_dim_ == 6
    assert clf.vectorizer_.vocabulary_ == language_model.vectorizer_.vocabulary_
    assert clf.vectorizer_ is not language_model.vectorizer_
    # and the language model is untouched
    for key, value in _state(language_model.net_.module_).items():
        assert torch.equal(value, lm_state[key])
    assert clf.predict(X).shape == (40,)


def test_gradual_unfreezing_opens_one_layer_group_per_epoch(language_model):
    X, y = _texts()
    clf = RNNClassifier(pretrained=language_model, max_epochs=4, early_stopping=False,
                        gradual_unfreezing=True, random_state=0)
    trainable = _fit_recording(clf, X, y).trainable
    assert trainable[0] == set()  # the new head alone
    assert trainable[1] == {f"encoder.rnn.{n}_l1" for n in
                            ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    assert {n for n in trainable[2] if "_l0" in n}  # then the first layer
    assert "encoder.embedding.weight" not in trainable[2]
    assert "encoder.embedding.weight" in trainable[3]  # the embedding last
    # after training everything is trainable again
    assert all(p.requires_grad for n, p in clf.net_.module_.named_parameters()
               if n.startswith("encoder."))


def test_without_gradual_unfreezing_everything_trains_from_the_start(language_model):
    X, y = _texts()
    clf = RNNClassifier(pretrained=language_model, max_epochs=1, early_stopping=False,
                        gradual_unfreezing=False, random_state=0)
    trainable = _fit_recording(clf, X, y).trainable
    assert "encoder.embedding.weight" in trainable[0]


def test_discriminative_learning_rates(language_model):
    X, y = _texts()
    clf = RNNClassifier(pretrained=language_model, lr=1e-2, layer_lr_decay=2.0,
                        max_epochs=1, random_state=0).fit(X, y)
    rates = {}
    names = {id(p): n for n, p in clf.net_.module_.named_parameters()}
    for group in clf.net_.optimizer_.param_groups:
        for p in group["params"]:
            rates[names.get(id(p))] = group["lr"]  # (the n-gram path's are replaced in fit)
    assert rates["head.weight"] == pytest.approx(1e-2)
    assert rates["encoder.rnn.weight_hh_l1"] == pytest.approx(5e-3)
    assert rates["encoder.rnn.weight_hh_l0"] == pytest.approx(2.5e-3)
    assert rates["encoder.embedding.weight"] == pytest.approx(1.25e-3)
    flat = RNNClassifier(pretrained=language_model, layer_lr_decay=1.0, max_epochs=1,
                         random_state=0).fit(X, y)
    assert len(flat.net_.optimizer_.param_groups) == 1


def test_pretrained_is_a_plain_parameter(language_model, tmp_path):
    X, y = _texts()
    clf = RNNClassifier(pretrained=language_model, max_epochs=1, random_state=0)
    copy_ = clone(clf)
    assert copy_.pretrained is language_model  # a fitted model is passed on, not unfitted
    assert clone(RNNClassifier()).pretrained is None
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(clf)).predict_proba(X), proba)
    sk_rnn.save(clf, tmp_path / "clf.skrnn")
    loaded = sk_rnn.load(tmp_path / "clf.skrnn")
    np.testing.assert_allclose(loaded.predict_proba(X), proba, rtol=1e-6)
    # same seed, same result: fitting reads the pretrained model, never changes it
    np.testing.assert_allclose(clone(clf).fit(X, y).predict_proba(X), proba, rtol=1e-5)
    search = GridSearchCV(clf, {"layer_lr_decay": [1.0, 2.6]}, cv=2).fit(X, y)
    assert search.best_estimator_.pretrained is language_model


def test_pretrained_from_a_saved_file(language_model, tmp_path):
    X, y = _texts()
    path = tmp_path / "lm.skrnn"
    sk_rnn.save(language_model, path)
    from_file = RNNClassifier(pretrained=str(path), max_epochs=1, random_state=0).fit(X, y)
    from_object = RNNClassifier(pretrained=language_model, max_epochs=1,
                                random_state=0).fit(X, y)
    np.testing.assert_allclose(from_file.predict_proba(X), from_object.predict_proba(X),
                               rtol=1e-5)


def test_task_transfer_from_a_fitted_classifier():
    X, y = _texts()
    source = RNNClassifier(**TINY).fit(X, y)
    source_state = _state(source.net_.module_)
    # a regressor on the same texts reuses the classifier's encoder and vocabulary
    target = (y == "pos").astype(float)
    reg = RNNRegressor(pretrained=source, max_epochs=1, random_state=0)
    start = _fit_recording(reg, X, target).start
    for key, value in source_state.items():
        if key.startswith("encoder."):
            torch.testing.assert_close(start[key], value)
    assert reg.vectorizer_.vocabulary_ == source.vectorizer_.vocabulary_
    assert reg.predict(X).shape == (40,)
    for key, value in _state(source.net_.module_).items():
        assert torch.equal(value, source_state[key])


def test_numeric_sequences_transfer_between_data_sets():
    rng = np.random.RandomState(0)
    big = rng.normal(size=(60, 30, 3)).astype(np.float32)
    small = rng.normal(size=(20, 30, 3)).astype(np.float32) * 5 + 1
    source = RNNClassifier(**TINY).fit(big, (big[:, :, 0].mean(1) > 0).astype(int))
    clf = RNNClassifier(pretrained=source, max_epochs=1, random_state=0)
    start = _fit_recording(clf, small, np.arange(20) % 3).start
    torch.testing.assert_close(start["encoder.rnn.weight_hh_l0"],
                               source.net_.module_.state_dict()["encoder.rnn.weight_hh_l0"])
    assert (clf.scaling_, clf.patch_length_, clf.conv_frontend_) == (
        source.scaling_, source.patch_length_, source.conv_frontend_)
    # the scaling is learnt on the new data
    assert not np.allclose(clf.feature_mean_, source.feature_mean_)
    assert clf.predict(small).shape == (20,)
    with pytest.raises(ValueError, match="X has 2 features per time step, but pretrained"):
        RNNClassifier(pretrained=source).fit(small[:, :, :2], np.arange(20) % 2)


@pytest.mark.parametrize("pretrained, error, match", [
    (3, TypeError, "pretrained must be a fitted word-level TextGenerator"),
    (TextGenerator(), NotFittedError, "pretrained is an unfitted TextGenerator"),
    ("missing-file.skrnn", ValueError, "pretrained='missing-file.skrnn' is not a file"),
])
def test_bad_pretrained(pretrained, error, match):
    X, y = _texts()
    with pytest.raises(error, match=match):
        RNNClassifier(pretrained=pretrained).fit(X, y)


def test_character_level_language_model_is_refused():
    X, y = _texts()
    lm = TextGenerator(hidden_size=4, embedding_dim=4, num_layers=1, sequence_length=8,
                       batch_size=4, max_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="char-level TextGenerator"):
        RNNClassifier(pretrained=lm).fit(X, y)


def test_conflicts_and_input_kinds(language_model):
    X, y = _texts()
    with pytest.raises(ValueError, match="embeddings and pretrained"):
        RNNClassifier(pretrained=language_model, embeddings={"great": [1.0] * 6}).fit(X, y)
    with pytest.raises(ValueError, match="vectorizer must be None"):
        RNNClassifier(pretrained=language_model, vectorizer={"lowercase": False}).fit(X, y)
    with pytest.raises(ValueError, match="but pretrained \\(the TextGenerator\\) reads raw"):
        RNNClassifier(pretrained=language_model).fit(np.zeros((40, 5)), y)
    too_big = [np.array([1, 2, 10_000]), np.array([3, 4])] * 20  # ragged: token ids
    with pytest.raises(ValueError, match="token id 10000, but the vocabulary of pretrained"):
        RNNClassifier(pretrained=language_model).fit(too_big, y)
    token_ids = [np.array([1, 2, 3]), np.array([3, 4])] * 20
    with pytest.raises(ValueError, match="lm_fine_tune_epochs=1 fine-tunes .* token-id"):
        RNNClassifier(pretrained=language_model, lm_fine_tune_epochs=1).fit(token_ids, y)


@pytest.mark.filterwarnings("ignore:TextGenerator. the corpus")
def test_language_model_fine_tuned_on_the_training_texts_first(language_model):
    """ULMFiT's second stage: a copy of the language model trains on the task's texts,
    and the encoder starts from that copy; the language model itself is untouched."""
    X, y = _texts()
    lm_state = _state(language_model.net_.module_)
    plain = RNNClassifier(pretrained=language_model, max_epochs=1, random_state=0)
    tuned = clone(plain).set_params(lm_fine_tune_epochs=2)
    plain_start = _fit_recording(plain, X, y).start
    tuned_start = _fit_recording(tuned, X, y).start
    # the same LM trained two more epochs on X, then read as `pretrained` reads it
    expected = pickle.loads(pickle.dumps(language_model)).set_params(
        warm_start=True, max_epochs=2, random_state=tuned._training_seed(
            np.random.RandomState(0))).fit(X)
    reference = _fit_recording(
        RNNClassifier(pretrained=expected, max_epochs=1, random_state=0), X, y).start
    for key, value in reference.items():
        if key.startswith("encoder."):
            torch.testing.assert_close(tuned_start[key], value)
    assert any(not torch.equal(tuned_start[key], plain_start[key])
               for key in plain_start if key.startswith("encoder.rnn."))
    assert tuned.vectorizer_.vocabulary_ == language_model.vectorizer_.vocabulary_
    for key, value in _state(language_model.net_.module_).items():
        assert torch.equal(value, lm_state[key])
    assert language_model.n_iter_ == 1 and not language_model.warm_start
    # a grid over it works like any parameter; other pretrained values ignore it
    search = GridSearchCV(RNNClassifier(pretrained=language_model, max_epochs=1,
                                        random_state=0),
                          {"lm_fine_tune_epochs": [0, 1]}, cv=2).fit(X, y)
    assert search.best_estimator_.lm_fine_tune_epochs in (0, 1)
    RNNClassifier(pretrained=plain, lm_fine_tune_epochs=1, max_epochs=1).fit(X, y)


def test_fitted_before_lm_fine_tuning_existed(language_model):
    X, y = _texts()
    clf = RNNClassifier(pretrained=language_model, max_epochs=1, random_state=0).fit(X, y)
    state = clf.__getstate__()
    del state["lm_fine_tune_epochs"]
    old = RNNClassifier.__new__(RNNClassifier)
    old.__setstate__(state)
    assert old.get_params()["lm_fine_tune_epochs"] == 0
    np.testing.assert_array_equal(old.predict(X), clf.predict(X))
