"""Transfer learning and streaming: a sentiment classifier that starts from a language
model pretrained on unlabelled text, and one trained chunk by chunk with ``partial_fit``.

1. A word-level :class:`~sk_rnn.TextGenerator` learns English from unlabelled text: the
   2,000 full reviews of ``sk_rnn.datasets.load_movie_reviews_v2`` (their labels unused)
   and the Brown corpus (``load_brown``).
2. ``RNNClassifier(pretrained=lm)`` takes the language model's embedding, recurrent layers
   and vocabulary and fine-tunes them on the sentence polarity data set
   (``load_movie_reviews``, split 80/20), next to the same classifier from random
   weights.
3. The training part is written to a TSV file and streamed back in chunks of 1,000
   sentences with ``pandas.read_csv(chunksize=...)``, as a corpus larger than memory
   would be; ``partial_fit`` trains one pass per chunk.

    python examples/transfer_sentiment.py            # ~25 minutes (pretraining: ~15)
    python examples/transfer_sentiment.py --smoke    # seconds

It prints::

    language model: ... training tokens, vocabulary ..., held-out perplexity ...
    8,529 sentences to train, 2,133 to test
    random init  test accuracy 0.7...
    pretrained   test accuracy 0.8...
    partial_fit  test accuracy 0.7... (9 chunks x ... passes)
    accuracy chart written to .../transfer_sentiment.png
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib
import pandas as pd
from sklearn.model_selection import train_test_split

from sk_rnn import RNNClassifier, TextGenerator
from sk_rnn.datasets import load_brown, load_movie_reviews, load_movie_reviews_v2
from sk_rnn.plotting import save_figure

DEFAULT_OUT = "transfer_sentiment.png"


def stream_chunks(path: Path, chunksize: int):
    """Texts and labels of a ``text<TAB>label`` file, ``chunksize`` rows at a time."""
    for chunk in pd.read_csv(path, sep="\t", chunksize=chunksize, quoting=3,
                             keep_default_na=False):
        yield chunk["text"].tolist(), chunk["label"].to_numpy()


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding mr_polarity/, movie_reviews_v2/ and brown/ "
                             "(default: SK_RNN_DATA_HOME or ~/sk_rnn_data, downloaded if "
                             "missing)")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: a slice of each corpus and tiny models")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    args = parser.parse_args(argv)

    unlabelled = (load_movie_reviews_v2(data_home=args.data_home).data
                  + load_brown(data_home=args.data_home))
    texts, labels = load_movie_reviews(data_home=args.data_home, return_X_y=True)
    lm_params, clf_params, chunksize = {}, {}, 1000
    if args.smoke:
        unlabelled = unlabelled[:5] + unlabelled[-1000:]
        texts, _, labels, _ = train_test_split(texts, labels, train_size=600,
                                               stratify=labels, random_state=0)
        lm_params = {"embedding_dim": 16, "hidden_size": 16, "max_epochs": 1}
        clf_params, chunksize = {"hidden_size": 8, "embedding_dim": 8, "max_epochs": 2}, 100

    # 1. Pretraining on unlabelled text: each review and each sentence is a document.
    pretraining, held_out = train_test_split(unlabelled, test_size=0.02, random_state=0)
    start = time.perf_counter()
    lm = TextGenerator(level="word", random_state=0, **lm_params).fit(pretraining)
    print(f"language model: {lm.n_training_tokens_:,} training tokens, vocabulary "
          f"{lm.n_tokens_:,}, held-out perplexity {lm.perplexity(held_out):.1f} "
          f"({time.perf_counter() - start:.0f} s)")

    # 2. Fine-tuning on the labelled sentences, against random initial weights.
    X_train, X_test, y_train, y_test = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=0)
    print(f"{len(X_train):,} sentences to train, {len(X_test):,} to test")
    accuracy = {}
    for name, extra in (("random init", {}), ("pretrained", {"pretrained": lm})):
        clf = RNNClassifier(random_state=0, **clf_params, **extra).fit(X_train, y_train)
        accuracy[name] = clf.score(X_test, y_test)
        print(f"{name:<12} test accuracy {accuracy[name]:.3f} ({clf.n_iter_} epochs)")

    # 3. Streaming: the training part from a file, one chunk at a time.
    streamed = RNNClassifier(random_state=0, **clf_params)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.tsv"
        pd.DataFrame({"text": X_train, "label": y_train}).to_csv(path, sep="\t", index=False,
                                                                 quoting=3)
        for _ in range(streamed.max_epochs):
            n_chunks = 0
            for chunk_texts, chunk_labels in stream_chunks(path, chunksize):
                streamed.partial_fit(chunk_texts, chunk_labels, classes=[0, 1])
                n_chunks += 1
    accuracy["partial_fit"] = streamed.score(X_test, y_test)
    print(f"{'partial_fit':<12} test accuracy {accuracy['partial_fit']:.3f} "
          f"({n_chunks} chunks x {streamed.max_epochs} passes)")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(list(accuracy), list(accuracy.values()), color=["0.6", "tab:blue", "tab:green"])
    ax.set_xlim(0.5, 1.0)
    ax.set_xlabel("test accuracy (sentence polarity)")
    for i, value in enumerate(accuracy.values()):
        ax.text(value + 0.005, i, f"{value:.3f}", va="center")
    fig.tight_layout()
    print(f"accuracy chart written to {save_figure(fig, args.out, DEFAULT_OUT, dpi=100)}")


if __name__ == "__main__":
    main()
