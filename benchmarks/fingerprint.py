"""Behaviour fingerprint: fit every estimator on a slice of real data with fixed seeds and
print a digest of everything it predicts, so that two versions of sk_rnn can be compared
bit for bit (a refactor must not move any of them).

One thread, small models and few epochs: about two minutes on 2 cores.

    python benchmarks/fingerprint.py --out before.json
    python benchmarks/fingerprint.py --out after.json
    diff before.json after.json
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import Timer, base_parser, set_threads
from sktime.datasets import load_airline, load_japanese_vowels

from sk_rnn import (
    RNNClassifier,
    RNNForecaster,
    RNNRegressor,
    Seq2SeqTranslator,
    TextGenerator,
)
from sk_rnn.compression import prune, quantize
from sk_rnn.datasets import load_movie_reviews, load_tatoeba_pairs, load_tiny_shakespeare


def digest(value) -> str:
    """A short hash of nested outputs (arrays, frames, strings, floats), every bit."""
    h = hashlib.sha256()

    def feed(v):
        if isinstance(v, tuple | list):
            for item in v:
                feed(item)
        elif isinstance(v, pd.DataFrame | pd.Series):
            h.update(np.ascontiguousarray(v.to_numpy(np.float64)).tobytes())
            h.update(repr(list(v.index)).encode())
        elif isinstance(v, np.ndarray) and v.dtype.kind in "biuf":
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, np.ndarray):
            h.update(repr(v.tolist()).encode())
        else:
            h.update(repr(v).encode())

    feed(value)
    return h.hexdigest()[:16]


def cases(data_home: str):
    texts, labels = load_movie_reviews(data_home=data_home, return_X_y=True)
    rng = np.random.RandomState(0)
    pick = rng.permutation(len(texts))[:1500]
    texts = [texts[i] for i in pick]
    labels = np.asarray(labels)[pick]
    train, test = slice(0, 1200), slice(1200, None)

    def classifier_text():
        clf = RNNClassifier(max_epochs=3, random_state=0, device="cpu")
        clf.fit(texts[train], labels[train])
        small = quantize(clf)
        sparse = prune(clf, 0.5)
        return clf, (clf.predict_proba(texts[test]), clf.history_[:, "valid_loss"],
                     small.predict_proba(texts[test]), sparse.predict_proba(texts[test]))

    def classifier_vowels():
        X, y = load_japanese_vowels(return_X_y=True)
        X = [np.asarray(np.stack([c.to_numpy() for c in row], axis=1), np.float32)
             for _, row in X.iterrows()]
        clf = RNNClassifier(cell_type="gru", max_epochs=5, random_state=1, device="cpu")
        clf.fit(X[:270], y[:270])
        return clf, (clf.predict_proba(X[270:]), clf.history_[:, "train_loss"])

    def regressor():
        X = rng.normal(size=(300, 12, 2)).astype(np.float32)
        y = X[:, :, 0].sum(axis=1) - X[:, -3:, 1].mean(axis=1)
        reg = RNNRegressor(max_epochs=5, random_state=0, device="cpu").fit(X[:250], y[:250])
        return reg, (reg.predict(X[250:]), reg.history_[:, "valid_loss"])

    def translator():
        src, tgt = load_tatoeba_pairs(data_home=data_home, return_X_y=True)
        src, tgt = list(src[:1500]), list(tgt[:1500])
        model = Seq2SeqTranslator(hidden_size=64, embedding_dim=64, max_epochs=2,
                                  random_state=0, device="cpu").fit(src[:1300], tgt[:1300])
        return model, (model.predict(src[1300:1400]),
                       model.predict(src[1300:1340], beam_size=1),
                       model.predict_attention(src[1300]), model.history_[:, "valid_bleu"])

    def forecaster():
        y = load_airline()
        outputs = []
        for params in ({}, {"strategy": "direct", "distribution": "quantile"},
                       {"early_stopping": True, "linear_skip": True}):
            f = RNNForecaster(max_epochs=30, random_state=0, device="cpu", **params)
            f.fit(y[:-12], fh=list(range(1, 13)))
            outputs += [f.predict(), f.predict_interval(coverage=0.9),
                        f.predict_var(), f.interval_scale_]
        return f, outputs

    def generator():
        text = load_tiny_shakespeare(data_home=data_home)[:60000]
        gen = TextGenerator(hidden_size=64, num_layers=1, max_epochs=1, random_state=0,
                            device="cpu").fit(text[:50000])
        return gen, (gen.score(text[50000:]), gen.generate("ROMEO:", 80, random_state=0),
                     gen.history_[:, "valid_loss"])

    return {"classifier-text": classifier_text, "classifier-vowels": classifier_vowels,
            "regressor": regressor, "translator": translator, "forecaster": forecaster,
            "generator": generator}


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="write the digests here")
    args = parser.parse_args()
    set_threads(args.threads)
    result = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, case in cases(args.data_home).items():
            with Timer() as t:
                estimator, outputs = case()
            result[name] = digest(outputs)
            print(f"{name:18s} {result[name]}  ({t.seconds:.1f} s)", flush=True)
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
