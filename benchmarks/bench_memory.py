"""TextGenerator memory: peak memory of a fit on a ~1 MB and a ~10 MB corpus.

    python benchmarks/bench_memory.py                    # 1 MB and 10 MB, a few minutes
    python benchmarks/bench_memory.py --sizes 1 --smoke  # seconds

The corpora repeat Tiny Shakespeare (../shared/data/tinyshakespeare/input.txt, ASCII, so
one byte per character) up to ``--sizes`` million characters. Each size is fitted in a
fresh subprocess (``--child``, so that peaks do not carry over) by
``TextGenerator(level="char", hidden_size=64, num_layers=1, max_epochs=1, ...)``, after
a warm-up fit on 20,000 characters (lazy imports, torch's one-off set-up); the child
reports, as one JSON line:

* ``peak_rss_mb``: its ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, imports included,
  and ``rss_baseline_mb``, its resident size after the imports, loading the corpus and
  the warm-up;
  ``peak_rss_over_baseline_mb`` is the difference;
* ``tracemalloc_peak_mb``: the peak of Python and numpy allocations during ``fit``, traced
  from just before it (so the imports and the corpus itself are the baseline). Torch's
  own allocator is not traced: model, activations and batches count in RSS only;
* both per corpus byte, the fit time (tracemalloc on: it slows Python-level allocation)
  and the epoch's batches.

``TextGenerator`` has no option to cap the batches of an epoch, so a full epoch runs; its
cost is set by ``--batch-size`` (parallel streams) and ``--sequence-length``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from _common import base_parser, machine, set_threads, write_result

MB = 1_000_000


def _rss_mb() -> float:
    """Current resident size of this process, in MB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / MB


def _corpus(data_home: str, n_chars: int) -> str:
    """Tiny Shakespeare repeated up to ``n_chars`` characters."""
    path = Path(data_home) / "tinyshakespeare" / "input.txt"
    base = path.read_text(encoding="utf-8")
    return (base * math.ceil(n_chars / len(base)))[:n_chars]


def child(args) -> dict:
    """One fit, measured in this (fresh) process."""
    import warnings

    from sklearn.base import clone

    from sk_rnn import TextGenerator

    set_threads(args.threads)
    text = _corpus(args.data_home, args.child)
    n_bytes = len(text.encode("utf-8"))
    model = TextGenerator(
        level="char", hidden_size=args.hidden_size, num_layers=1, embedding_dim=16,
        max_epochs=1, batch_size=args.batch_size, sequence_length=args.sequence_length,
        device="cpu", random_state=0,
    )
    with warnings.catch_warnings():
        # warm-up on a slice: the modules fit imports lazily and torch's one-off set-up
        # belong to the baseline, not to the corpus
        warnings.simplefilter("ignore")
        clone(model).fit(text[:20_000])
    rss_baseline = _rss_mb()
    if not args.no_tracemalloc:
        tracemalloc.start()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(text)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] / MB if tracemalloc.is_tracing() else None
    tracemalloc.stop()
    # Linux reports ru_maxrss in kB
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1000 / MB
    history = model.history_
    return {
        "n_chars": len(text), "corpus_mb": round(n_bytes / MB, 3),
        "peak_rss_mb": round(peak_rss, 1), "rss_baseline_mb": round(rss_baseline, 1),
        "peak_rss_over_baseline_mb": round(peak_rss - rss_baseline, 1),
        "peak_rss_over_baseline_per_byte": round((peak_rss - rss_baseline) / (n_bytes / MB), 2),
        "tracemalloc_peak_mb": None if traced is None else round(traced, 1),
        "tracemalloc_peak_per_byte": None if traced is None else round(traced / (n_bytes / MB), 2),
        "fit_seconds": round(seconds, 1),
        "train_batches": len(history[-1]["batches"]),
        "n_training_tokens": model.n_training_tokens_,
        "train_loss": round(history[-1, "train_loss"], 4),
        "valid_loss": round(history[-1, "valid_loss"], 4) if "valid_loss" in history[-1]
        else None,
    }


def main() -> None:
    parser = base_parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 10],
                        help="corpus sizes in millions of characters (bytes)")
    parser.add_argument("--hidden-size", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32,
                        help="parallel streams; more streams, fewer (cheaper) batches")
    parser.add_argument("--sequence-length", type=int, default=64)
    parser.add_argument("--no-tracemalloc", action="store_true",
                        help="RSS and time only (tracemalloc slows Python allocations)")
    parser.add_argument("--smoke", action="store_true", help="a 50,000-character corpus")
    parser.add_argument("--label", default=None, help="recorded with the results")
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(child(args)), flush=True)
        return
    print(f"# {machine()}", flush=True)
    sizes = [0.05] if args.smoke else args.sizes
    for size in sizes:
        command = [sys.executable, __file__, "--child", str(int(size * MB)),
                   "--data-home", args.data_home, "--threads", str(args.threads),
                   "--hidden-size", str(args.hidden_size),
                   "--batch-size", str(args.batch_size),
                   "--sequence-length", str(args.sequence_length)]
        if args.no_tracemalloc:
            command.append("--no-tracemalloc")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the child for {size} MB failed ({done.returncode})")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        write_result({"label": args.label, "hidden_size": args.hidden_size,
                      "batch_size": args.batch_size,
                      "sequence_length": args.sequence_length, "threads": args.threads,
                      **result}, args.out)


if __name__ == "__main__":
    sys.exit(main())
