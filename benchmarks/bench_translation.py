"""Seq2SeqTranslator benchmarks: the reverse task and Tatoeba English->French.

    python benchmarks/bench_translation.py --task reverse            # ~2 CPU-minutes
    python benchmarks/bench_translation.py --task tatoeba --threads 2  # ~10 minutes

reverse: random sequences of 1-20 symbols drawn from 20, target = the reversed sequence;
10,000 training and 500 test pairs; BLEU (sacreBLEU) and exact match, default parameters.

tatoeba: ../shared/data/tatoeba_eng_fra/eng-fra-18k.txt split by English sentence (10 % of
the distinct English sentences held out, random_state=0), every French translation of a
test sentence a reference; multi-reference sacreBLEU of greedy and beam-5 output, decoding
speed (sentences per second: batched greedy, one sentence at a time, batched beam 5),
sample translations, and a TF-IDF nearest-neighbour baseline in the same run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from _common import (
    Timer,
    add_param_overrides,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
    write_result,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.neighbors import NearestNeighbors

from sk_rnn import Seq2SeqTranslator
from sk_rnn.datasets import load_tatoeba_pairs
from sk_rnn.translation import corpus_bleu

SYMBOLS = [chr(ord("a") + i) for i in range(20)]


def reverse_data(n: int, rng: np.random.RandomState) -> tuple[list[str], list[str]]:
    """``n`` random sequences of 1-20 of the 20 symbols and their reversals."""
    X, y = [], []
    for _ in range(n):
        seq = rng.choice(SYMBOLS, size=rng.randint(1, 21)).tolist()
        X.append(" ".join(seq))
        y.append(" ".join(reversed(seq)))
    return X, y


def run_reverse(params: dict, seed: int, smoke: bool) -> dict:
    rng = np.random.RandomState(seed)
    n_train, n_test = (1000, 100) if smoke else (10_000, 500)
    X_train, y_train = reverse_data(n_train, rng)
    X_test, y_test = reverse_data(n_test, rng)
    model = Seq2SeqTranslator(random_state=seed, **params)
    if smoke:
        model.set_params(max_epochs=2)
    with Timer() as fit:
        model.fit(X_train, y_train)
    with Timer() as dec:
        pred = model.predict(X_test)
    exact = float(np.mean([p == t for p, t in zip(pred, y_test, strict=True)]))
    return {
        "task": "reverse", "seed": seed, "params": params,
        "bleu": round(corpus_bleu(pred.tolist(), y_test), 2),
        "exact_match": round(exact, 4),
        "fit_seconds": round(fit.seconds, 1), "epochs": model.n_iter_,
        "decode_seconds": round(dec.seconds, 2),
    }


def tatoeba_split(data_home: str, smoke: bool = False, dev: bool = False):
    """Train pairs and test sources with all their references, split by English sentence.

    With ``dev``, the test sentences are set aside and never read: a second split of the
    remaining English sentences (10 %, random_state=1) serves as the test set, for choosing
    defaults without looking at the test set.
    """
    english, french = load_tatoeba_pairs(data_home=data_home, return_X_y=True,
                                         download_if_missing=False)
    distinct = list(dict.fromkeys(english))
    train_en, test_en = train_test_split(distinct, test_size=0.1, random_state=0)
    if dev:
        keep = set(train_en)
        french = [f for e, f in zip(english, french, strict=True) if e in keep]
        english = [e for e in english if e in keep]
        train_en, test_en = train_test_split(train_en, test_size=0.1, random_state=1)
    test_set = set(test_en)
    X_train = [e for e in english if e not in test_set]
    y_train = [f for e, f in zip(english, french, strict=True) if e not in test_set]
    references: dict[str, list[str]] = {e: [] for e in test_en}
    for e, f in zip(english, french, strict=True):
        if e in test_set:
            references[e].append(f)
    X_test = list(test_en)
    refs = [references[e] for e in X_test]
    if smoke:
        X_train, y_train, X_test, refs = X_train[:2000], y_train[:2000], X_test[:100], refs[:100]
    return X_train, y_train, X_test, refs


def nearest_neighbour_baseline(X_train, y_train, X_test, refs) -> float:
    """French of the most similar training English sentence (TF-IDF, cosine)."""
    vec = TfidfVectorizer(lowercase=True, token_pattern=r"(?u)\b\w+\b")
    train = vec.fit_transform(X_train)
    nn_index = NearestNeighbors(n_neighbors=1, metric="cosine").fit(train)
    _, idx = nn_index.kneighbors(vec.transform(X_test))
    return corpus_bleu([y_train[i] for i in idx[:, 0]], refs)


def decoding_speed(model, sentences: list[str]) -> dict:
    """Sentences per second: batched greedy, one at a time (greedy), batched beam 5."""
    speeds = {}
    for name, beam, batched in (("greedy_batched", 1, True), ("greedy_one_by_one", 1, False),
                                ("beam5_batched", 5, True)):
        subset = sentences if batched else sentences[:200]
        start = time.perf_counter()
        if batched:
            model.predict(subset, beam_size=beam)
        else:
            for sentence in subset:
                model.translate(sentence, beam_size=beam)
        speeds[name] = round(len(subset) / (time.perf_counter() - start), 1)
    return speeds


def run_tatoeba(params: dict, seed: int, data_home: str, smoke: bool, dev: bool) -> dict:
    X_train, y_train, X_test, refs = tatoeba_split(data_home, smoke, dev)
    model = Seq2SeqTranslator(random_state=seed, **params)
    if smoke:
        model.set_params(max_epochs=2)
    with Timer() as fit:
        model.fit(X_train, y_train)
    results = {
        "task": "tatoeba-dev" if dev else "tatoeba", "seed": seed, "params": params,
        "n_train_pairs": len(X_train), "n_test_sentences": len(X_test),
        "n_references": sum(map(len, refs)),
        "fit_seconds": round(fit.seconds, 1), "epochs": model.n_iter_,
        "valid_loss": [round(h["valid_loss"], 3) for h in model.history_
                       if "valid_loss" in h],
    }
    predictions = {}
    for beam in (1, 5):
        predictions[beam] = model.predict(X_test, beam_size=beam).tolist()
        results[f"bleu_beam{beam}"] = round(corpus_bleu(predictions[beam], refs), 2)
    results["bleu_default"] = round(model.score(X_test, refs), 2)
    results["speed_sentences_per_s"] = decoding_speed(model, X_test)
    results["nearest_neighbour_bleu"] = round(
        nearest_neighbour_baseline(X_train, y_train, X_test, refs), 2)
    results["samples"] = [
        {"source": X_test[i], "beam5": predictions[5][i], "references": refs[i]}
        for i in range(0, len(X_test), max(1, len(X_test) // 8))
    ][:8]
    return results


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    add_param_overrides(parser)
    parser.add_argument("--task", choices=["reverse", "tatoeba"], required=True)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, 2 epochs")
    parser.add_argument("--dev", action="store_true",
                        help="tatoeba: evaluate on a split of the training sentences, not the "
                             "test set (for choosing defaults)")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()
    set_threads(args.threads)
    params = parse_param_overrides(args.param)
    print(f"# {machine()}", flush=True)
    for seed in args.seeds:
        if args.task == "reverse":
            result = run_reverse(params, seed, args.smoke)
        else:
            result = run_tatoeba(params, seed, args.data_home, args.smoke, args.dev)
        write_result(result, args.out)


if __name__ == "__main__":
    sys.exit(main())
