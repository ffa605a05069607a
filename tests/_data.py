"""Where the tests find the real data sets, and the one rule for skipping without them.

The folder is ``SK_RNN_TEST_DATA``, else ``../shared/data`` beside the checkout. A test
that reads a data set skips when one of that data set's files is missing or incomplete
(its SHA-256 is not the one the loader checks downloads against), never because of a
folder alone: an empty ``sms_spam/`` left behind must not turn skips into failures.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from sk_rnn import datasets

DATA_HOME = Path(os.environ.get("SK_RNN_TEST_DATA")
                 or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@cache
def _sha256(path: Path, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_problem(data_home: Path, folder: str, filename: str) -> str | None:
    """Why ``data_home/folder/filename`` cannot be used (missing, incomplete), or None."""
    path = data_home / folder / filename
    if not path.is_file():
        return f"data file {path} not found"
    expected = next((f.sha256 for d in datasets._DATASETS.values() if d.folder == folder
                     for f in d.files if f.filename == filename), None)
    stat = path.stat()
    if expected is not None and _sha256(path, stat.st_size, stat.st_mtime) != expected:
        return f"data file {path} is incomplete or altered (its SHA-256 differs)"
    return None


def missing_data(data_home: Path, folders: Iterable[str]) -> list[str]:
    """The problems of every file of the data sets stored in ``folders``."""
    problems = []
    for folder in folders:
        for dataset in datasets._DATASETS.values():
            if dataset.folder == folder:
                problems += filter(None, (file_problem(data_home, folder, f.filename)
                                          for f in dataset.files))
    return problems
