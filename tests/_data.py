"""Where the tests find the real data sets, and the one rule for skipping without them.

The folder is ``SK_RNN_TEST_DATA``, else ``../shared/data`` beside the checkout. A test
that reads a data file skips when that file is missing or incomplete (its SHA-256 is not
the one the loader checks downloads against), never because of a folder alone: an empty
``sms_spam/`` left behind must not turn skips into failures, and a data set with one of
its files missing must not fail the tests that read only the others.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from sk_rnn import datasets

DATA_HOME = Path(os.environ.get("SK_RNN_TEST_DATA")
                 or Path(__file__).resolve().parents[1].parent / "shared" / "data").expanduser()


@cache
def _sha256(path: Path, size: int, mtime: float) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_sha256(folder: str, filename: str) -> str | None:
    """The digest the loaders check ``folder/filename`` against (None: format-checked)."""
    return next((f.sha256 for d in datasets._DATASETS.values() if d.folder == folder
                 for f in d.files if f.filename == filename), None)


def file_problem(data_home: Path, folder: str, filename: str) -> str | None:
    """Why ``data_home/folder/filename`` cannot be used (missing, incomplete), or None."""
    path = data_home / folder / filename
    if not path.is_file():
        return f"data file {path} not found"
    expected = _expected_sha256(folder, filename)
    stat = path.stat()
    if expected is not None and _sha256(path, stat.st_size, stat.st_mtime) != expected:
        return f"data file {path} is incomplete or altered (its SHA-256 differs)"
    return None


def data_problems(data_home: Path, relatives: Iterable[str]) -> list[str]:
    """The problems of the data files ``relatives`` (each ``"folder/filename"``)."""
    problems = []
    for relative in relatives:
        folder, _, filename = relative.partition("/")
        if not filename:
            raise ValueError(f"expected 'folder/filename', got {relative!r}")
        problems += filter(None, [file_problem(data_home, folder, filename)])
    return problems


def require_files(data_home: Path, *relatives: str) -> list[Path]:
    """The paths of the data files ``relatives`` (``"folder/filename"``) under
    ``data_home``; skip the calling test when one of them is missing or incomplete."""
    problems = data_problems(data_home, relatives)
    if problems:
        pytest.skip("; ".join(problems) + " (set SK_RNN_TEST_DATA)")
    return [data_home / relative for relative in relatives]


def dataset_files(folders: Iterable[str]) -> list[str]:
    """Every file (``"folder/filename"``) of the data sets stored in ``folders``."""
    return [f"{d.folder}/{f.filename}" for folder in folders
            for d in datasets._DATASETS.values() if d.folder == folder for f in d.files]


def missing_data(data_home: Path, folders: Iterable[str]) -> list[str]:
    """The problems of every file of the data sets stored in ``folders``."""
    return data_problems(data_home, dataset_files(folders))
