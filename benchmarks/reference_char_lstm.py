"""Hand-written character LSTM on Tiny Shakespeare, for comparison with TextGenerator.

    python benchmarks/reference_char_lstm.py --mode stream --lr 4e-3 --lr-end 1e-4
    python benchmarks/reference_char_lstm.py --init keras ...   # make_rnn's initialisation

A plain PyTorch loop (no skorch, no sk_rnn estimator) on nanoGPT's split: the first 90 %
of the text to train, the last 10 % held out. It trains for a fixed budget of training
seconds (evaluation excluded) and prints the held-out loss, in nats per character, at the
given minutes. ``--mode stream`` reads ``B`` contiguous streams window by window with the
state carried (truncated BPTT, as TextGenerator does); ``--mode random`` draws ``B``
random windows per batch from a zero state (nanoGPT's sampling). The held-out text is
read as 64 contiguous streams with the state carried. Run two at a time, one thread
each, to compare variants on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from _common import DEFAULT_DATA_HOME
from torch import nn

from sk_rnn.datasets import load_tiny_shakespeare
from sk_rnn.nn.encoder import make_rnn


class CharModel(nn.Module):
    """Embedding, LSTM stack and linear output layer."""

    def __init__(self, vocab: int, args: argparse.Namespace) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab, args.embedding_dim)
        self.rnn = make_rnn("lstm", args.embedding_dim, args.hidden_size, args.num_layers,
                            bidirectional=False, dropout=0.0, init=args.init)
        self.output = nn.Linear(args.hidden_size, vocab)

    def forward(self, x, state=None):
        outputs, state = self.rnn(self.embedding(x), state)
        return self.output(outputs), state


def held_out_loss(model: CharModel, ids: torch.Tensor, streams: int = 64) -> float:
    """Mean cross-entropy of ``ids`` read as ``streams`` contiguous streams."""
    model.eval()
    per = (len(ids) - 1) // streams
    x = ids[: streams * per].view(streams, per)
    y = ids[1 : streams * per + 1].view(streams, per)
    total, state = 0.0, None
    with torch.no_grad():
        for i in range(0, per, 256):
            logits, state = model(x[:, i : i + 256], state)
            total += F.cross_entropy(logits.flatten(0, 1), y[:, i : i + 256].flatten(),
                                     reduction="sum").item()
    model.train()
    return total / y.numel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=DEFAULT_DATA_HOME)
    parser.add_argument("--mode", choices=["stream", "random"], default="stream")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--sequence-length", type=int, default=128)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--lr-end", type=float, default=None,
                        help="cosine from --lr to this over the budget (default: constant)")
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--num-layers", type=int, default=2)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--init", choices=["torch", "keras"], default="torch")
    parser.add_argument("--grad-clip", type=float, default=5.0)
    parser.add_argument("--minutes", type=str, default="4,7.5",
                        help="evaluate at these training minutes; stop at the last")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.RandomState(args.seed)
    train_text = load_tiny_shakespeare(data_home=args.data_home, split="train",
                                       download_if_missing=False)
    valid_text = load_tiny_shakespeare(data_home=args.data_home, split="validation",
                                       download_if_missing=False)
    chars = sorted(set(train_text) | set(valid_text))
    index = {c: i for i, c in enumerate(chars)}
    train = torch.tensor([index[c] for c in train_text])
    valid = torch.tensor([index[c] for c in valid_text])
    model = CharModel(len(chars), args)
    optimizer = torch.optim.Adam(model.parameters(), args.lr)
    checkpoints = [float(m) * 60 for m in args.minutes.split(",")]
    budget = checkpoints[-1]
    batch, length = args.batch_size, args.sequence_length
    per_stream = (len(train) - 1) // batch
    starts = torch.arange(batch) * per_stream
    window, windows = 0, per_stream // length
    state, seconds, steps, tokens = None, 0.0, 0, 0
    while checkpoints:
        begin = time.perf_counter()
        if args.lr_end is not None:
            done = min(seconds / budget, 1.0)
            lr = args.lr_end + (args.lr - args.lr_end) * 0.5 * (1 + math.cos(math.pi * done))
            for group in optimizer.param_groups:
                group["lr"] = lr
        if args.mode == "random":
            offsets = torch.from_numpy(rng.randint(0, len(train) - length - 1, batch))
            state = None
        else:
            if window == windows:
                window, state = 0, None
            offsets = starts + window * length
            window += 1
        chunk = train[offsets[:, None] + torch.arange(length + 1)[None, :]]
        logits, new_state = model(chunk[:, :-1], state)
        if args.mode == "stream":
            state = tuple(s.detach() for s in new_state)
        loss = F.cross_entropy(logits.flatten(0, 1), chunk[:, 1:].flatten())
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
        optimizer.step()
        steps, tokens = steps + 1, tokens + batch * length
        seconds += time.perf_counter() - begin
        if seconds >= checkpoints[0]:
            checkpoints.pop(0)
            print(json.dumps({"minutes": round(seconds / 60, 2), "steps": steps,
                              "tokens": tokens,
                              "held_out_nats_per_char": round(held_out_loss(model, valid), 4)}),
                  flush=True)
    print(json.dumps({"args": vars(args)}))


if __name__ == "__main__":
    main()
