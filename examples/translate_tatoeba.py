"""Translate English to French with Seq2SeqTranslator and plot an attention heat map.

Tatoeba English-French pairs (``sk_rnn.datasets.load_tatoeba_pairs``) are split by English
sentence, so that no test sentence is seen in training; the translator (default
hyper-parameters: a bidirectional GRU encoder, Bahdanau attention, beam search) is fitted
on the rest and scored by multi-reference BLEU; a few translations are printed and the
attention of one is saved as a PNG with :func:`sk_rnn.plotting.plot_attention`.

    python examples/translate_tatoeba.py   # about 10 minutes
    python examples/translate_tatoeba.py --max-epochs 2 --n-pairs 2000  # a quick look
    python examples/translate_tatoeba.py --smoke  # seconds

It prints the size of the training set, the held-out BLEU, eight held-out sentences with
their translations and where the PNG went::

    ... training pairs, ... epochs; BLEU on ... held-out sentences: 4...
      'i am at home .'                 -> 'je suis a la maison .'
    ...
    attention heat map written to .../attention_tatoeba.png
"""

from __future__ import annotations

import argparse

from sklearn.model_selection import train_test_split

from sk_rnn import Seq2SeqTranslator
from sk_rnn.datasets import load_tatoeba_pairs
from sk_rnn.plotting import plot_attention, save_figure

DEFAULT_OUT = "attention_tatoeba.png"


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding tatoeba_eng_fra/ (default: SK_RNN_DATA_HOME or "
                             "~/sk_rnn_data, downloaded if missing)")
    parser.add_argument("--max-epochs", type=int, default=20, help="training epochs")
    parser.add_argument("--n-pairs", type=int, default=None,
                        help="use only the first N pairs (a quick run)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: 400 pairs, a tiny model, 8 epochs, beam size 2")
    args = parser.parse_args(argv)

    english, french = load_tatoeba_pairs(data_home=args.data_home, return_X_y=True)
    n_pairs = 400 if args.smoke else args.n_pairs
    params: dict = {"max_epochs": args.max_epochs}
    if args.smoke:
        params = {"max_epochs": 8, "lr": 1e-2, "hidden_size": 32, "embedding_dim": 32,
                  "beam_size": 2, "max_output_length": 12}
    if n_pairs:
        english, french = english[:n_pairs], french[:n_pairs]
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

    model = Seq2SeqTranslator(random_state=0, verbose=0, **params)
    model.fit(X_train, y_train)
    bleu = model.score(test_sentences, [references[e] for e in test_sentences])
    print(f"{len(X_train)} training pairs, {model.n_iter_} epochs; "
          f"BLEU on {len(test_sentences)} held-out sentences: {bleu:.1f}")
    for sentence in test_sentences[:8]:
        print(f"  {sentence!r:32} -> {model.translate(sentence)!r}")

    # The longest of the first 50 held-out sentences whose translation is not empty.
    translated = [s for s in test_sentences[:50] if model.translate(s)] or test_sentences[:1]
    sentence = max(translated, key=len)
    weights, source, target = model.predict_attention(sentence, return_tokens=True)
    ax = plot_attention(weights, source, target)
    ax.set_title(f"{sentence} -> {model.translate(sentence)}")
    path = save_figure(ax.figure, args.out, DEFAULT_OUT, dpi=120, bbox_inches="tight")
    print(f"attention heat map written to {path}")


if __name__ == "__main__":
    main()
