"""Tests for :mod:`sk_rnn.datasets`, on the real data files and offline downloads."""

from __future__ import annotations

import io
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _data import DATA_HOME, file_problem, require_files

from sk_rnn import datasets
from sk_rnn.datasets import (
    ChecksumMismatchError,
    DatasetDownloadError,
    clear_data_home,
    get_data_home,
    load_brown,
    load_movie_reviews,
    load_movie_reviews_v2,
    load_mpqa,
    load_sms_spam,
    load_sst,
    load_subjectivity,
    load_tatoeba_pairs,
    load_tiny_shakespeare,
)


@pytest.fixture
def data_home(monkeypatch) -> Path:
    """The folder with the real data files (``SK_RNN_TEST_DATA`` or ``../shared/data``).

    A loader that reads a file missing or incomplete there skips the test (the rule of
    ``_data.py``), where it would otherwise try to download it."""
    real_fetch = datasets._fetch_file

    def fetch_or_skip(key, filename, *, data_home, download_if_missing):
        if datasets.get_data_home(data_home) == DATA_HOME:
            problem = file_problem(DATA_HOME, datasets._DATASETS[key].folder, filename)
            if problem:
                pytest.skip(f"{problem} (set SK_RNN_TEST_DATA)")
        return real_fetch(key, filename, data_home=data_home,
                          download_if_missing=download_if_missing)

    monkeypatch.setattr(datasets, "_fetch_file", fetch_or_skip)
    return DATA_HOME


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail any test that would reach the network."""
    real_urlopen = urllib.request.urlopen

    def local_only(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        if not url.startswith("file:"):
            raise AssertionError(f"test tried to download {url}")
        return real_urlopen(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", local_only)


def _point_at(monkeypatch, key: str, path: Path) -> None:
    """Make data set ``key`` download from the local file ``path``."""
    monkeypatch.setitem(
        datasets._DATASETS, key, replace(datasets._DATASETS[key], url=path.as_uri())
    )


def _require(data_home: Path, relative: str) -> Path:
    """The path of one data file under ``data_home``; skip the test when it is missing or
    incomplete."""
    (path,) = require_files(data_home, relative)
    return path


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------------------
# get_data_home
# --------------------------------------------------------------------------------------


def test_get_data_home_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("SK_RNN_DATA_HOME", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert get_data_home() == tmp_path / "home" / "sk_rnn_data"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # not consulted
    assert get_data_home() == tmp_path / "home" / "sk_rnn_data"
    monkeypatch.setenv("SK_RNN_DATA_HOME", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    assert get_data_home("~/data") == tmp_path / "home" / "data"
    assert isinstance(get_data_home(str(tmp_path)), Path)
    monkeypatch.setenv("SK_RNN_DATA_HOME", "~/from_env")
    assert get_data_home() == tmp_path / "home" / "from_env"
    monkeypatch.setenv("SK_RNN_DATA_HOME", "")  # set but empty: the default
    assert get_data_home() == tmp_path / "home" / "sk_rnn_data"
    # Reading the location creates nothing.
    assert not any(tmp_path.iterdir())


def test_get_data_home_refuses_an_empty_path():
    with pytest.raises(ValueError, match="data_home must be a folder path or None"):
        get_data_home("")


def test_env_var_is_honoured(monkeypatch, data_home):
    monkeypatch.setenv("SK_RNN_DATA_HOME", str(data_home))
    assert get_data_home() == data_home
    assert len(load_tiny_shakespeare(download_if_missing=False)) == 1_115_394


# --------------------------------------------------------------------------------------
# The real data
# --------------------------------------------------------------------------------------


def test_sms_spam(data_home):
    bunch = load_sms_spam(data_home=data_home)
    assert len(bunch.data) == len(bunch.target) == 5_574
    assert Counter(bunch.target) == {"ham": 4_827, "spam": 747}
    assert bunch.target_names == ["ham", "spam"]
    assert bunch.frame is None
    assert "SMS" in bunch.DESCR
    assert all(isinstance(text, str) and "\t" not in text for text in bunch.data)
    assert bunch.data[0].startswith("Go until jurong point")
    X, y = load_sms_spam(data_home=data_home, return_X_y=True)
    assert X == bunch.data and np.array_equal(y, bunch.target)


def test_sms_spam_as_frame(data_home):
    bunch = load_sms_spam(data_home=data_home, as_frame=True)
    assert isinstance(bunch.data, pd.Series) and isinstance(bunch.target, pd.Series)
    assert isinstance(bunch.frame, pd.DataFrame)
    assert bunch.frame.shape == (5_574, 2)
    assert list(bunch.frame.columns) == ["text", "label"]
    assert bunch.target.value_counts().to_dict() == {"ham": 4_827, "spam": 747}
    X, y = load_sms_spam(data_home=data_home, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and isinstance(y, pd.Series)


def test_movie_reviews(data_home):
    bunch = load_movie_reviews(data_home=data_home)
    assert len(bunch.data) == 10_662
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [5_331, 5_331]
    # Positives first, then negatives.
    assert bunch.target[:5_331].all() and not bunch.target[5_331:].any()
    assert bunch.target_names == ["negative", "positive"]
    assert bunch.data[0].startswith("the rock is destined to be the 21st century's")
    # latin-1 decoded: non-ASCII characters are present, no replacement characters.
    assert any(any(ord(c) > 127 for c in text) for text in bunch.data)
    assert not any("\ufffd" in text for text in bunch.data)
    # Lines are split on "\n" only and trailing whitespace is stripped.
    assert not any("\n" in text or text != text.rstrip() for text in bunch.data)
    assert all(text for text in bunch.data)
    X, y = load_movie_reviews(data_home=data_home, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and len(X) == 10_662
    assert y.dtype == np.int64


def test_subjectivity(data_home):
    bunch = load_subjectivity(data_home=data_home)
    assert len(bunch.data) == 10_000
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [5_000, 5_000]
    assert bunch.target_names == ["subjective", "objective"]
    assert bunch.data[0].startswith("smart and alert , thirteen conversations")
    # latin-1 decoded, trailing spaces stripped.
    assert any(any(ord(c) > 127 for c in text) for text in bunch.data)
    assert not any("\ufffd" in text or text != text.strip() for text in bunch.data)
    assert "load_movie_reviews" in bunch.DESCR  # it warns about the overlap with MR


def test_mpqa(data_home):
    X, y = load_mpqa(data_home=data_home, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and len(X) == 10_606
    assert y.value_counts().to_dict() == {0: 7_294, 1: 3_312}
    assert X.iloc[0] == "complaining"


@pytest.mark.parametrize("fine_grained, sizes, n_classes", [
    (False, {"train": 6_920, "dev": 872, "test": 1_821}, 2),
    (True, {"train": 8_544, "dev": 1_101, "test": 2_210}, 5),
])
def test_sst(data_home, fine_grained, sizes, n_classes):
    for subset, size in sizes.items():
        bunch = load_sst(subset=subset, fine_grained=fine_grained, data_home=data_home)
        assert len(bunch.data) == len(bunch.target) == size
        assert sorted(set(bunch.target.tolist())) == list(range(n_classes))
        assert len(bunch.target_names) == n_classes
        assert all(bunch.data) and not any("\ufffd" in text for text in bunch.data)


def test_sst_bad_arguments(data_home):
    with pytest.raises(ValueError, match="subset must be 'train', 'dev' or 'test'"):
        load_sst(subset="validation", data_home=data_home)
    with pytest.raises(ValueError, match="fine_grained must be True or False"):
        load_sst(fine_grained="yes", data_home=data_home)


def test_sentence_file_with_a_bad_line(tmp_path):
    folder = tmp_path / "sentence_classification"
    folder.mkdir()
    (folder / "mpqa.all").write_text("1 good\nbad line without a label\n")
    with pytest.raises(ValueError, match=r"mpqa.all, line 2: expected '<label 0..1> <text>'"):
        load_mpqa(data_home=tmp_path, download_if_missing=False)


def test_tiny_shakespeare(data_home):
    text = load_tiny_shakespeare(data_home=data_home)
    assert len(text) == 1_115_394
    assert len(set(text)) == 65
    assert text.startswith("First Citizen:")
    train = load_tiny_shakespeare(data_home=data_home, split="train")
    validation = load_tiny_shakespeare(data_home=data_home, split="validation")
    assert len(train) == int(0.9 * 1_115_394)
    assert train + validation == text


def test_tiny_shakespeare_bad_split(data_home):
    with pytest.raises(ValueError, match="split"):
        load_tiny_shakespeare(data_home=data_home, split="test")


def test_movie_reviews_v2(data_home):
    _require(data_home, "movie_reviews_v2/reviews.tsv")
    bunch = load_movie_reviews_v2(data_home=data_home, download_if_missing=False)
    assert len(bunch.data) == len(bunch.ids) == 2_000
    assert bunch.target.dtype == np.int64
    assert np.bincount(bunch.target).tolist() == [1_000, 1_000]
    assert bunch.target[:1_000].sum() == 0  # negative reviews first
    assert bunch.target_names == ["negative", "positive"]
    assert bunch.ids[0] == "cv000_29416"
    assert bunch.data[0].startswith("plot : two teen couples go to a church party")
    assert all("\t" not in text and "\n" not in text for text in bunch.data)
    n_words = sum(len(text.split()) for text in bunch.data)
    assert 1_400_000 < n_words < 1_600_000
    X, y = load_movie_reviews_v2(data_home=data_home, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and X.name == "text" and len(y) == 2_000


def test_movie_reviews_v2_bad_line(tmp_path):
    folder = tmp_path / "movie_reviews_v2"
    folder.mkdir()
    (folder / "reviews.tsv").write_text("neg\tcv000\tfine\nmaybe\tcv001\tbad\n")
    with pytest.raises(ValueError, match="line 2"):
        load_movie_reviews_v2(data_home=tmp_path, download_if_missing=False)


def test_brown(data_home):
    _require(data_home, "brown/brown.txt")
    sentences = load_brown(data_home=data_home, download_if_missing=False)
    assert len(sentences) == 57_340
    assert sentences[0].startswith("The Fulton County Grand Jury said Friday")
    assert all(sentence and "\n" not in sentence for sentence in sentences)
    assert 1_100_000 < sum(len(s.split()) for s in sentences) < 1_200_000


def test_tatoeba_pairs(data_home):
    bunch = load_tatoeba_pairs(data_home=data_home)
    assert len(bunch.data) == len(bunch.target) == 18_066
    assert bunch.attribution is None
    assert (bunch.data[0], bunch.target[0]) == ("Go.", "Va !")
    assert all(1 <= len(english.split()) <= 5 for english in bunch.data)
    assert all(bunch.data) and all(bunch.target)
    assert any(any(ord(c) > 127 for c in french) for french in bunch.target)

    bunch = load_tatoeba_pairs(data_home=data_home, subset="5k-attributed")
    assert len(bunch.data) == len(bunch.target) == len(bunch.attribution) == 5_000
    assert all("tatoeba.org" in credit for credit in bunch.attribution)


def test_tatoeba_pairs_as_frame(data_home):
    bunch = load_tatoeba_pairs(data_home=data_home, subset="5k-attributed", as_frame=True)
    assert isinstance(bunch.frame, pd.DataFrame)
    assert list(bunch.frame.columns) == ["english", "french", "attribution"]
    assert bunch.frame.shape == (5_000, 3)
    assert isinstance(bunch.attribution, pd.Series)
    X, y = load_tatoeba_pairs(data_home=data_home, return_X_y=True, as_frame=True)
    assert isinstance(X, pd.Series) and isinstance(y, pd.Series) and len(X) == 18_066


def test_tatoeba_bad_subset(data_home):
    with pytest.raises(ValueError, match="subset"):
        load_tatoeba_pairs(data_home=data_home, subset="all")


# --------------------------------------------------------------------------------------
# Missing files and downloads (all offline)
# --------------------------------------------------------------------------------------

_LOADERS = {
    "sms_spam": (load_sms_spam, "sms_spam/SMSSpamCollection"),
    "movie_reviews": (load_movie_reviews, "mr_polarity/rt-polarity.pos"),
    "tiny_shakespeare": (load_tiny_shakespeare, "tinyshakespeare/input.txt"),
    "tatoeba": (load_tatoeba_pairs, "tatoeba_eng_fra/eng-fra-18k.txt"),
    "movie_reviews_v2": (load_movie_reviews_v2, "movie_reviews_v2/reviews.tsv"),
    "brown": (load_brown, "brown/brown.txt"),
    "sentence_classification/subj.all": (load_subjectivity, "sentence_classification/subj.all"),
    "sentence_classification/mpqa.all": (load_mpqa, "sentence_classification/mpqa.all"),
    "sentence_classification/stsa.binary.train": (
        load_sst, "sentence_classification/stsa.binary.train"),
}


@pytest.mark.parametrize("key", sorted(_LOADERS))
def test_missing_file_without_download(key, tmp_path):
    loader, relative = _LOADERS[key]
    with pytest.raises(FileNotFoundError) as info:
        loader(data_home=tmp_path / "empty", download_if_missing=False)
    message = str(info.value)
    assert str(tmp_path / "empty" / relative) in message
    assert "SK_RNN_DATA_HOME" in message and "data_home" in message
    assert not (tmp_path / "empty").exists()


def test_download_zip(monkeypatch, tmp_path, data_home):
    archive = tmp_path / "sms.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(_require(data_home, "sms_spam/SMSSpamCollection"), "SMSSpamCollection")
        zf.writestr("readme", "not used")
    _point_at(monkeypatch, "sms_spam", archive)

    home = tmp_path / "cache" / "nested"
    X, y = load_sms_spam(data_home=home, return_X_y=True)
    assert len(X) == 5_574 and (y == "spam").sum() == 747
    folder = home / "sms_spam"
    assert sorted(p.name for p in folder.iterdir()) == ["SMSSpamCollection"]
    # Cached: a second load does not download.
    archive.unlink()
    assert len(load_sms_spam(data_home=home).data) == 5_574


def test_download_tar_gz(monkeypatch, tmp_path, data_home):
    archive = tmp_path / "rt-polaritydata.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        for suffix in ("pos", "neg"):
            tf.add(
                _require(data_home, f"mr_polarity/rt-polarity.{suffix}"),
                f"rt-polaritydata/rt-polarity.{suffix}",
            )
    _point_at(monkeypatch, "movie_reviews", archive)

    bunch = load_movie_reviews(data_home=tmp_path / "home")
    assert np.bincount(bunch.target).tolist() == [5_331, 5_331]
    folder = tmp_path / "home" / "mr_polarity"
    assert sorted(p.name for p in folder.iterdir()) == ["rt-polarity.neg", "rt-polarity.pos"]
    for suffix in ("pos", "neg"):
        name = f"rt-polarity.{suffix}"
        assert (folder / name).read_bytes() == (data_home / "mr_polarity" / name).read_bytes()


def test_download_plain_file(monkeypatch, tmp_path, data_home):
    _point_at(monkeypatch, "tiny_shakespeare", _require(data_home, "tinyshakespeare/input.txt"))
    text = load_tiny_shakespeare(data_home=tmp_path, split="validation")
    assert len(text) == 1_115_394 - int(0.9 * 1_115_394)
    assert (tmp_path / "tinyshakespeare" / "input.txt").is_file()
    assert _leftovers(tmp_path / "tinyshakespeare") == []


def _fake_fra_txt(data_home: Path) -> bytes:
    """A ``fra.txt``: the 5,000 attributed lines, then the 18k pairs with a credit."""
    attributed = _require(data_home, "tatoeba_eng_fra/eng-fra-5k-attributed.txt").read_text(
        encoding="utf-8")
    pairs = _require(data_home, "tatoeba_eng_fra/eng-fra-18k.txt").read_text(
        encoding="utf-8").split("\n")[:-1]
    more = "".join(f"{pair}\tCC-BY 2.0 (France) test\n" for pair in pairs)
    longer = "This English sentence has six words.\tPhrase trop longue.\tCC-BY test\n"
    return (attributed + longer + more).encode("utf-8")


@pytest.mark.parametrize("fine_grained", [False, True])
def test_download_sst_file(monkeypatch, tmp_path, data_home, fine_grained):
    kind = "fine" if fine_grained else "binary"
    key = f"sentence_classification/stsa.{kind}.test"
    _point_at(monkeypatch, key, _require(data_home, key))
    bunch = load_sst(subset="test", fine_grained=fine_grained, data_home=tmp_path)
    assert len(bunch.data) == (2_210 if fine_grained else 1_821)
    assert (tmp_path / key).read_bytes() == (data_home / key).read_bytes()
    assert _leftovers(tmp_path / "sentence_classification") == []


def test_download_tatoeba_builds_both_subsets(monkeypatch, tmp_path, data_home):
    archive = tmp_path / "fra-eng.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fra.txt", _fake_fra_txt(data_home))
        zf.writestr("_about.txt", "about")
    _point_at(monkeypatch, "tatoeba", archive)

    bunch = load_tatoeba_pairs(data_home=tmp_path / "home")
    assert len(bunch.data) == 18_066
    assert "This English sentence has six words." not in bunch.data
    assert all(1 <= len(english.split()) <= 5 for english in bunch.data)
    archive.unlink()  # both files came from the one download
    attributed = load_tatoeba_pairs(data_home=tmp_path / "home", subset="5k-attributed")
    original = load_tatoeba_pairs(data_home=data_home, subset="5k-attributed")
    assert attributed.data == original.data
    assert attributed.target == original.target
    assert attributed.attribution == original.attribution


def test_download_movie_reviews_v2_builds_the_tsv(monkeypatch, tmp_path, data_home):
    # Cornell's layout, one sentence a line: rebuilt from the local file, whose reviews
    # are split back into lines; the loader must give back the same bytes (digest too).
    local = _require(data_home, "movie_reviews_v2/reviews.tsv")
    archive = tmp_path / "review_polarity.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))

        add("poldata.README.2.0", b"about the data\n")
        for line in reversed(local.read_text(encoding="utf-8").split("\n")[:-1]):
            label, name, text = line.split("\t")
            sentences = text.replace(" . ", " . \n").encode("utf-8") + b"\n"
            add(f"txt_sentoken/{label}/{name}.txt", sentences)
    _point_at(monkeypatch, "movie_reviews_v2", archive)

    bunch = load_movie_reviews_v2(data_home=tmp_path / "home")
    assert np.bincount(bunch.target).tolist() == [1_000, 1_000]
    built = tmp_path / "home" / "movie_reviews_v2" / "reviews.tsv"
    assert built.read_bytes() == local.read_bytes()
    assert _leftovers(built.parent) == []


def test_download_brown_builds_the_text(monkeypatch, tmp_path, data_home):
    # NLTK's layout: tagged files brown/caNN..., a tab-indented sentence a line, blank
    # lines between paragraphs, plus files that are not texts.
    local = _require(data_home, "brown/brown.txt")
    sentences = local.read_text(encoding="utf-8").split("\n")[:-1]
    archive = tmp_path / "brown.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("brown/README", "Brown corpus\n")
        zf.writestr("brown/cats.txt", "ca01 news\n")
        chunks = np.array_split(np.arange(len(sentences)), 20)
        for number, chunk in enumerate(chunks):
            lines = ["\t" + " ".join(f"{token}/nn-tl" for token in sentences[i].split())
                     for i in chunk]
            text = "\n\n".join(lines) + "\n\n"
            zf.writestr(f"brown/c{'abcdefghijklmnopqrst'[number]}{number + 1:02d}", text)
    _point_at(monkeypatch, "brown", archive)

    assert load_brown(data_home=tmp_path / "home") == sentences
    built = tmp_path / "home" / "brown" / "brown.txt"
    assert built.read_bytes() == local.read_bytes()


def test_download_brown_bad_archive(monkeypatch, tmp_path):
    archive = tmp_path / "brown.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("brown/ca01", "\tThe/at jury/nn ./.\n")  # far too short
    _point_at(monkeypatch, "brown", archive)
    with pytest.raises(DatasetDownloadError, match="57,340"):
        load_brown(data_home=tmp_path / "home")
    assert not (tmp_path / "home").exists()  # nor the folders the download created


def test_download_tatoeba_bad_format(monkeypatch, tmp_path):
    archive = tmp_path / "fra-eng.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("fra.txt", "Go.\tVa !\n")  # no attribution, far too short
    _point_at(monkeypatch, "tatoeba", archive)
    with pytest.raises(DatasetDownloadError, match="not as expected"):
        load_tatoeba_pairs(data_home=tmp_path / "home")
    assert not (tmp_path / "home").exists()


def test_download_checksum_mismatch(monkeypatch, tmp_path, data_home):
    archive = tmp_path / "rt-polaritydata.tar.gz"
    corrupted = _require(data_home, "mr_polarity/rt-polarity.pos").read_bytes() + b"extra\n"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(_require(data_home, "mr_polarity/rt-polarity.neg"),
               "rt-polaritydata/rt-polarity.neg")
        info = tarfile.TarInfo("rt-polaritydata/rt-polarity.pos")
        info.size = len(corrupted)
        tf.addfile(info, io.BytesIO(corrupted))
    _point_at(monkeypatch, "movie_reviews", archive)

    folder = tmp_path / "home" / "mr_polarity"
    with pytest.raises(ChecksumMismatchError) as info:
        load_movie_reviews(data_home=tmp_path / "home")
    assert isinstance(info.value, OSError)
    message = str(info.value)
    assert str(folder / "rt-polarity.pos") in message
    assert datasets._DATASETS["movie_reviews"].files[0].sha256 in message
    assert datasets._sha256(corrupted) in message
    assert archive.as_uri() in message
    # Neither the bad file, nor the good one, nor any temporary, nor the folders the
    # download created is left behind.
    assert not (tmp_path / "home").exists()


def test_download_offline(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetDownloadError) as info:
        load_sms_spam(data_home=tmp_path)
    assert isinstance(info.value, OSError)
    message = str(info.value)
    assert "SMS Spam Collection" in message
    assert datasets._DATASETS["sms_spam"].url in message
    assert str(tmp_path / "sms_spam") in message
    assert "SK_RNN_DATA_HOME" in message and "data_home" in message
    assert "SMSSpamCollection" in message  # what to put there
    assert list(tmp_path.iterdir()) == []  # no empty sms_spam/ left behind


def test_failed_download_into_a_fresh_data_home_leaves_nothing(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere" / "sms.zip"
    _point_at(monkeypatch, "sms_spam", missing)
    home = tmp_path / "fresh" / "data"
    with pytest.raises(DatasetDownloadError) as info:
        load_sms_spam(data_home=home)
    message = str(info.value)
    assert missing.as_uri() in message  # what to download
    assert str(home / "sms_spam") in message and "SMSSpamCollection" in message  # where
    assert "\n" not in message  # one paragraph
    assert list(tmp_path.iterdir()) == []  # no data home, no sms_spam/, no temporary


@pytest.mark.parametrize("key", sorted(datasets._DATASETS))
def test_offline_message_names_the_url_folder_and_files(monkeypatch, tmp_path, key):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    dataset = datasets._DATASETS[key]
    with pytest.raises(DatasetDownloadError) as info:
        datasets._fetch_file(key, dataset.files[0].filename, data_home=tmp_path / "home",
                             download_if_missing=True)
    message = str(info.value)
    assert message.count(dataset.url) == 1
    assert str(tmp_path / "home" / dataset.folder) in message
    assert all(f.filename in message for f in dataset.files)
    assert "SK_RNN_DATA_HOME" in message and "data_home=" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_failed_download_keeps_folders_it_did_not_create(monkeypatch, tmp_path):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("offline")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    (tmp_path / "sms_spam").mkdir()
    (tmp_path / "other.txt").write_text("mine")
    with pytest.raises(DatasetDownloadError):
        load_sms_spam(data_home=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt", "sms_spam"]
    assert list((tmp_path / "sms_spam").iterdir()) == []


def test_clear_data_home(monkeypatch, tmp_path):
    home = tmp_path / "data"
    (home / "sms_spam").mkdir(parents=True)
    (home / "sms_spam" / "SMSSpamCollection").write_text("ham\thello\n")
    clear_data_home(home)
    assert not home.exists()
    clear_data_home(home)  # a missing folder is not an error
    monkeypatch.setenv("SK_RNN_DATA_HOME", str(home))
    home.mkdir()
    clear_data_home()
    assert not home.exists()


def test_clear_data_home_refuses_the_home_folder_and_the_root(monkeypatch, tmp_path):
    def must_not_delete(path, *args, **kwargs):
        raise AssertionError(f"clear_data_home tried to delete {path}")

    # Should the guard fail, the test fails instead of deleting anything real.
    monkeypatch.setattr(datasets.shutil, "rmtree", must_not_delete)
    home = tmp_path / "users" / "me"
    home.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    with pytest.raises(ValueError, match=f"refuses to delete {home}: it is your home folder"):
        clear_data_home("~")
    monkeypatch.setenv("SK_RNN_DATA_HOME", str(home))
    with pytest.raises(ValueError, match="your home folder"):
        clear_data_home()
    with pytest.raises(ValueError, match="a folder that holds your home folder"):
        clear_data_home(tmp_path / "users")
    with pytest.raises(ValueError, match="refuses to delete /: it is the file-system root"):
        clear_data_home("/")
    assert home.is_dir()


def test_clear_data_home_leaves_a_file_alone(tmp_path):
    path = tmp_path / "data"
    path.write_text("not a folder")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        clear_data_home(path)
    assert path.read_text() == "not a folder"
