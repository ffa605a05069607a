"""Translate English to French with Seq2SeqTranslator and plot an attention heat map.

Tatoeba English-French pairs (``sk_rnn.datasets.load_tatoeba_pairs``) are split by English
sentence, so that no test sentence is seen in training; the translator (default
hyper-parameters: a bidirectional GRU encoder, Bahdanau attention, beam search) is fitted
on the rest and scored by multi-reference BLEU; a few translations are printed and the
attention of one is saved as a PNG with :func:`sk_rnn.plotting.plot_attention`.

    python examples/translate_tatoeba.py --data-home ../shared/data   # about 10 minutes
    python examples/translate_tatoeba.py --max-epochs 2 --n-pairs 2000  # a quick look
"""

from __future__ import annotations

import argparse

from sklearn.model_selection import train_test_split

from sk_rnn import Seq2SeqTranslator
from sk_rnn.datasets import load_tatoeba_pairs
from sk_rnn.plotting import plot_attention


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding tatoeba_eng_fra/ (default: SK_RNN_DATA_HOME or "
                             "~/sk_rnn_data, downloaded if missing)")
    parser.add_argument("--max-epochs", type=int, default=20, help="training epochs")
    parser.add_argument("--n-pairs", type=int, default=None,
                        help="use only the first N pairs (a quick run)")
    parser.add_argument("--out", default="attention_tatoeba.png", help="PNG to write")
    args = parser.parse_args()

    english, french = load_tatoeba_pairs(data_home=args.data_home, return_X_y=True)
    if args.n_pairs:
        english, french = english[: args.n_pairs], french[: args.n_pairs]
    # Hold out 10 % of the distinct English sentences with all their translations.
    distinct = list(dict.fromkeys(english))  # in file order, as the benchmark splits them
    _, test_sentences = train_test_split(distinct, test_size=0.1, random_state=0)
    held_out = set(test_sentences)
    X_train = [e for e in english if e not in held_out]
    y_train = [f for e, f in zip(english, french, strict=True) if e not in held_out]
    references = {e: [] for e in test_sentences}
    for e, f in zip(english, french, strict=True):
        if e in held_out:
            references[e].append(f)

    model = Seq2SeqTranslator(max_epochs=args.max_epochs, random_state=0, verbose=0)
    model.fit(X_train, y_train)
    bleu = model.score(test_sentences, [references[e] for e in test_sentences])
    print(f"{len(X_train)} training pairs, {model.n_iter_} epochs; "
          f"BLEU on {len(test_sentences)} held-out sentences: {bleu:.1f}")
    for sentence in test_sentences[:8]:
        print(f"  {sentence!r:32} -> {model.translate(sentence)!r}")

    sentence = max(test_sentences[:50], key=len)
    weights, source, target = model.predict_attention(sentence, return_tokens=True)
    ax = plot_attention(weights, source, target)
    ax.set_title(f"{sentence} -> {model.translate(sentence)}")
    ax.figure.savefig(args.out, dpi=120, bbox_inches="tight")
    print(f"attention heat map written to {args.out}")


if __name__ == "__main__":
    main()
