"""TextGenerator as a pretraining step: a word-level language model on 2.7 M tokens.

    python benchmarks/bench_pretrain.py --threads 2 --save /tmp/lm_word.skrnn  # < 20 min
    python benchmarks/bench_pretrain.py --threads 2 --fraction 0.2 \\
        --param max_epochs=1 --param softmax="'full'"     # one softmax variant on a slice
    python benchmarks/bench_pretrain.py --smoke                              # seconds, CI

The corpus is a list of documents: every review of the movie review polarity data set
v2.0 (labels ignored; movie_reviews_v2/reviews.tsv) and every sentence of the Brown
corpus (brown/brown.txt), about 1.5 M + 1.2 M words. The last 5 % of the documents of
each corpus (fixed, not tuned) are held out; the rest is the training corpus, in corpus
order (reviews, then Brown). ``TextGenerator(level="word", random_state=0)`` with its
defaults is fitted on it (its early stopping holds out 5 % of that again, in blocks);
the result is the fit time (vocabulary included), the vocabulary, the tokens trained on
and the per-token perplexity of the held-out documents (``perplexity``, each document
read from its start; words outside the vocabulary are scored as ``"<unk>"``, so compare
perplexities at the same vocabulary only).

``--fraction F`` trains on the first ``F`` of each corpus's training documents (the
held-out documents stay the same), for side-by-side runs of one parameter (the softmax);
``--save PATH`` writes the fitted model with ``sk_rnn.save`` (for the classifier's
transfer benchmark).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from _common import (
    Timer,
    add_param_overrides,
    base_parser,
    machine,
    parse_param_overrides,
    set_threads,
    write_result,
)

import sk_rnn
from sk_rnn import TextGenerator
from sk_rnn.datasets import load_brown, load_movie_reviews_v2

HELD_OUT = 0.05


def split_documents(documents: list[str], fraction: float = 1.0):
    """The training documents (the first ``fraction`` of the first 95 %) and the held-out
    last 5 %."""
    cut = len(documents) - int(round(HELD_OUT * len(documents)))
    return documents[: int(round(fraction * cut))], documents[cut:]


def load_corpus(data_home: str, fraction: float = 1.0) -> tuple[list[str], list[str]]:
    """Training and held-out documents: reviews, then Brown sentences."""
    reviews = load_movie_reviews_v2(data_home=data_home, download_if_missing=False).data
    brown = load_brown(data_home=data_home, download_if_missing=False)
    train, held_out = [], []
    for documents in (reviews, brown):
        part, rest = split_documents(documents, fraction)
        train += part
        held_out += rest
    return train, held_out


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    add_param_overrides(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fraction", type=float, default=1.0,
                        help="train on this share of the training documents")
    parser.add_argument("--smoke", action="store_true", help="a slice of the data, tiny model")
    parser.add_argument("--verbose", type=int, default=0, help="TextGenerator's verbose")
    parser.add_argument("--save", type=Path, default=None,
                        help="write the fitted model here with sk_rnn.save")
    parser.add_argument("--out", type=Path, default=None, help="append a JSON line here")
    args = parser.parse_args()
    set_threads(args.threads)
    params = parse_param_overrides(args.param)
    train, held_out = load_corpus(args.data_home, args.fraction)
    if args.smoke:
        train, held_out = train[:40] + train[-400:], held_out[:5] + held_out[-50:]
        params = {"embedding_dim": 16, "hidden_size": 32, "max_epochs": 1, **params}
    print(f"# {machine()}", flush=True)
    model = TextGenerator(level="word", random_state=args.seed, verbose=args.verbose,
                          **params)
    with Timer() as fit:
        model.fit(train)
    with Timer() as scoring:
        held_out_score = model.score(held_out)
    module = model.net_.module_
    result = {
        "seed": args.seed, "params": params, "fraction": args.fraction,
        "smoke": args.smoke,
        "n_train_documents": len(train), "n_held_out_documents": len(held_out),
        "n_training_tokens": int(model.n_training_tokens_),
        "vocabulary": int(model.n_tokens_),
        "softmax": module.softmax,
        "architecture": {"embedding_dim": module.embedding.embedding_dim,
                         "hidden_size": module.rnn.hidden_size,
                         "num_layers": module.rnn.num_layers},
        "fit_seconds": round(fit.seconds, 1), "epochs": model.n_iter_,
        "held_out_nats_per_token": round(-held_out_score, 4),
        "held_out_perplexity": round(math.exp(-held_out_score), 2),
        "score_seconds": round(scoring.seconds, 1),
        "history_valid_loss": [round(h["valid_loss"], 4) for h in model.history_
                               if "valid_loss" in h],
        "history_train_loss": [round(h["train_loss"], 4) for h in model.history_],
        "history_seconds": [round(h["dur"], 1) for h in model.history_],
        "train_tokens_per_s_first_epoch": round(
            model.n_training_tokens_ / model.history_[0]["dur"]),
    }
    print(json.dumps(result), flush=True)
    result["sample"] = model.generate("the movie", 40, random_state=args.seed)
    if args.save is not None:
        sk_rnn.save(model, args.save)
        result["saved"] = str(args.save)
    write_result(result, args.out)


if __name__ == "__main__":
    sys.exit(main())
