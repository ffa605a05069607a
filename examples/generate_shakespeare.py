"""Train a character-level TextGenerator on Tiny Shakespeare and write some Shakespeare.

The first 90 % of the text trains the model (its early stopping holds out 5 % of that
part, in blocks spread over it), the last 10 % measures it: ``-score`` is the mean
cross-entropy in nats per character. Samples are written at a few temperatures and with
nucleus (top-p) sampling, and the training curves are saved as a PNG with
:func:`sk_rnn.plotting.plot_training_curves`.

    python examples/generate_shakespeare.py   # about 10 minutes
    python examples/generate_shakespeare.py --n-chars 100000 --max-epochs 1  # a quick look
    python examples/generate_shakespeare.py --smoke  # seconds

It prints the size of the training text, the held-out loss and perplexity, samples at
temperatures 0.5 and 0.8 and with top-p 0.9, and where the PNG went::

    1,003,854 training characters, ... epochs; held-out loss 1.4... nats/char (perplexity ...)

    --- temperature 0.5 ---
    ROMEO:
    ...
    training curves written to .../training_curves_shakespeare.png
"""

from __future__ import annotations

import argparse

from sk_rnn import TextGenerator
from sk_rnn.datasets import load_tiny_shakespeare
from sk_rnn.plotting import plot_training_curves, save_figure

DEFAULT_OUT = "training_curves_shakespeare.png"


def main(argv: list[str] | None = None) -> None:
    """Run the example; ``argv`` defaults to the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None,
                        help="folder holding tinyshakespeare/ (default: SK_RNN_DATA_HOME or "
                             "~/sk_rnn_data, downloaded if missing)")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="training epochs (default: the estimator's)")
    parser.add_argument("--n-chars", type=int, default=None,
                        help="use only the first N characters of each part (a quick run)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"image file to write (a folder gets {DEFAULT_OUT}; no suffix: .png)")
    parser.add_argument("--smoke", action="store_true",
                        help="a quick check: 20,000 characters, a tiny model, 1 epoch, "
                             "short samples")
    args = parser.parse_args(argv)

    train = load_tiny_shakespeare(data_home=args.data_home, split="train")
    valid = load_tiny_shakespeare(data_home=args.data_home, split="validation")
    n_chars, length = args.n_chars, 300
    params: dict = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    if args.smoke:
        n_chars, length = 20_000, 80
        params = {"max_epochs": 1, "hidden_size": 32, "num_layers": 1, "sequence_length": 32}
    if n_chars:
        train, valid = train[:n_chars], valid[: n_chars // 9]
    model = TextGenerator(level="char", random_state=0, **params).fit(train)
    print(f"{len(train):,} training characters, {model.n_iter_} epochs; held-out loss "
          f"{-model.score(valid):.3f} nats/char (perplexity {model.perplexity(valid):.2f})")

    for temperature in (0.5, 0.8):
        print(f"\n--- temperature {temperature} ---")
        print(model.generate("ROMEO:\n", max_length=length, temperature=temperature,
                             random_state=0))
    print("\n--- top_p 0.9, until the first blank line ---")
    print(model.generate("JULIET:\n", max_length=2 * length, top_p=0.9, stop="\n\n",
                         random_state=0))

    ax = plot_training_curves(model)
    ax.set_ylabel("cross-entropy (nats per character)")
    path = save_figure(ax.figure, args.out, DEFAULT_OUT, dpi=120, bbox_inches="tight")
    print(f"\ntraining curves written to {path}")


if __name__ == "__main__":
    main()
