"""Helpers shared by the benchmark scripts: data location, thread pinning, timing."""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from ast import literal_eval
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA_HOME = os.environ.get("SK_RNN_DATA_HOME", str(REPO.parent / "shared" / "data"))


def base_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-home", default=DEFAULT_DATA_HOME,
                        help="folder holding the data sets (default: $SK_RNN_DATA_HOME)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process")
    return parser


def add_param_overrides(parser: argparse.ArgumentParser) -> None:
    """Add ``--param NAME=VALUE`` (repeatable): estimator overrides, for tuning runs."""
    parser.add_argument("--param", action="append", default=[],
                        help="override a parameter, e.g. --param cell_type='gru' (tuning only)")


def parse_param_overrides(items: list[str]) -> dict:
    """``["a=1", "b='x'"]`` -> ``{"a": 1, "b": "x"}``; a value that is not a Python
    literal is kept as a string."""
    params = {}
    for item in items:
        key, value = item.split("=", 1)
        try:
            params[key] = literal_eval(value)
        except (ValueError, SyntaxError):
            params[key] = value
    return params


def set_threads(n: int) -> None:
    """Pin torch (intra- and inter-op) to ``n`` threads."""
    torch.set_num_threads(n)


def machine() -> str:
    """One line naming the machine, for the results file."""
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")


class Timer:
    """``with Timer() as t: ...``; then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start


def band_stats(y_true, lower, upper, coverage: float = 0.9) -> dict:
    """Share of ``y_true`` inside ``[lower, upper]``, the mean width, and the mean
    interval (Winkler) score: the width plus ``2 / (1 - coverage)`` times the distance by
    which the truth falls outside (lower is better; it rewards coverage and narrowness
    together)."""
    y, lower, upper = (np.asarray(a, dtype=float) for a in (y_true, lower, upper))
    miss = 2 / (1 - coverage) * ((lower - y) * (y < lower) + (y - upper) * (y > upper))
    return {"coverage": float(np.mean((y >= lower) & (y <= upper))),
            "width": float(np.mean(upper - lower)),
            "interval_score": float(np.mean(upper - lower + miss))}


def write_result(result: dict, out: Path | None) -> None:
    """Print ``result`` as one JSON line and append it to ``out`` if given."""
    line = json.dumps(result, ensure_ascii=False)
    print(line, flush=True)
    if out:
        with out.open("a") as handle:
            handle.write(line + "\n")


def interleaved_times(runs: dict, repeats: int) -> dict:
    """Seconds of each ``runs[name]()`` over ``repeats`` rounds that interleave them,
    rotating the order every round so that machine noise hits all of them."""
    times = {name: [] for name in runs}
    names = list(runs)
    for round_ in range(repeats):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            with Timer() as timer:
                runs[name]()
            times[name].append(timer.seconds)
    return times
