"""The convolutional front-end for numeric sequences (``conv_frontend``)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from sk_rnn import RNNClassifier, RNNRegressor
from sk_rnn.nn.conv import ConvFrontEnd


def test_padding_does_not_reach_the_real_steps():
    torch.manual_seed(0)
    conv = ConvFrontEnd(input_size=3, channels=8, kernel_size=5, num_layers=2)
    short = torch.randn(1, 4, 3)
    alone = conv(short, torch.tensor([4]))
    # Padded with garbage: the padded steps are masked before every layer.
    padded = torch.cat([short, 100 * torch.randn(1, 6, 3)], dim=1)
    out = conv(padded, torch.tensor([4]))
    assert out.shape == (1, 10, 8) and alone.shape == (1, 4, 8)
    torch.testing.assert_close(out[:, :4], alone)
    assert (out[:, 4:] == 0).all()
    assert (alone >= 0).all()  # ReLU


def test_even_kernels_are_refused():
    with pytest.raises(ValueError, match="kernel_size must be odd, got 4"):
        ConvFrontEnd(2, 4, 4, 1)


def _series(n=24, length=100, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, length, 2))
    return X, np.arange(n) % 2


def test_auto_uses_it_for_patched_series_only():
    X, y = _series()
    params = dict(hidden_size=4, max_epochs=1, batch_size=24, random_state=0)
    long = RNNClassifier(**params).fit(X, y)
    assert long.patch_length_ > 1 and long.conv_frontend_
    encoder = long.net_.module_.encoder
    assert [c.kernel_size for c in encoder.conv.convs] == [(5,), (5,)]
    assert encoder.rnn.input_size == encoder.conv.output_size == 64
    short = RNNClassifier(**params).fit(X[:, :12], y)
    assert short.patch_length_ == 1 and not short.conv_frontend_
    assert short.net_.module_.encoder.conv is None
    forced = RNNClassifier(conv_frontend=True, **params).fit(X[:, :12], y)
    assert forced.net_.module_.encoder.conv is not None
    off = RNNClassifier(conv_frontend=False, **params).fit(X, y)
    assert off.net_.module_.encoder.conv is None and not off.conv_frontend_


def test_variable_length_input_and_the_regressor():
    rng = np.random.RandomState(0)
    X = [rng.normal(size=(n, 1)) for n in rng.randint(20, 60, size=20)]
    target = np.array([seq.mean() for seq in X])
    reg = RNNRegressor(conv_frontend=True, hidden_size=4, max_epochs=1, random_state=0)
    reg.fit(X, target)
    assert reg.conv_frontend_
    pred = reg.predict(X)
    assert pred.shape == (20,) and np.isfinite(pred).all()
    # One sequence alone or in a padded batch: the same prediction.
    np.testing.assert_allclose(reg.predict(X[:1]), pred[:1], rtol=1e-4, atol=1e-5)


def test_text_input_has_no_front_end():
    texts = ["good film", "bad film", "great plot", "awful plot"] * 5
    clf = RNNClassifier(conv_frontend=True, hidden_size=4, embedding_dim=4, max_epochs=1,
                        random_state=0).fit(texts, ["p", "n", "p", "n"] * 5)
    assert clf.net_.module_.encoder.conv is None


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_bad_conv_frontend(value):
    X, y = np.zeros((6, 5)), np.arange(6) % 2
    with pytest.raises(ValueError, match='conv_frontend must be True, False or "auto"'):
        RNNClassifier(conv_frontend=value).fit(X, y)
