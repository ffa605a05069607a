"""Run every script of ``examples/`` in its ``--smoke`` mode, in a subprocess.

Each script must exit with status 0, print its result lines, write a real PNG under
``tmp_path``, print the resolved path of that PNG and write no warning or traceback to
stderr. The runs also exercise the ``--out`` rule (``sk_rnn.plotting.save_figure``): two
scripts get the same folder and must each write their own default file name in it, one
gets a file name without a suffix in a folder that does not exist yet.

The scripts that read the data of ``sk_rnn.datasets`` get ``--data-home`` pointing at the
test data folder (``SK_RNN_TEST_DATA`` or ``../shared/data``, as in ``test_datasets.py``)
and are skipped when a file they need there is missing or incomplete (``_data.py``); the
others read data shipped with sktime.

To stay fast on a small machine the selected scripts are started together, two at a time
with one torch thread each (several threads per process on a busy 2-core machine make
training many times slower), and each test waits for its own script.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from _data import DATA_HOME, data_problems, dataset_files

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
_TIMEOUT = 180  # seconds per script; a smoke run takes about 10 s
_WORKERS = 2


@dataclass(frozen=True)
class Example:
    """A script, the data folder it needs under ``--data-home`` (None: no data home),
    the patterns its standard output must match, and the file name it writes its PNG to
    when ``--out`` is a folder (its ``DEFAULT_OUT``)."""

    script: str
    data: str | None
    expected: tuple[str, ...]
    out_name: str


EXAMPLES_RUN = {
    "spam": Example(
        "spam_sms.py",
        "sms_spam",
        (r"600 distinct messages \(\d+ spam\): 480 to train, 120 to test",
         r"test accuracy 0\.\d{3} \(\d epochs?\)",
         r"\bspam\b.*\n.*accuracy",  # the classification report
         r"sample predictions:\n(  (ham |spam) \(true (ham |spam)\)  .+\n){5}",
         r"training curves written to .+\.png"),
        "training_curves_spam.png"),
    "sentiment": Example(
        "sentiment_movie_reviews.py",
        "mr_polarity",
        (r"400 reviews \(200 positive\): 320 to train, 80 to test",
         r"cell_type +cv_accuracy +cv_std +fit_seconds +rank\n(\s+(rnn|lstm|gru) .+\n){3}",
         r"best cell: (rnn|lstm|gru)  test accuracy: [01]\.\d{3}",
         r"sample predictions:\n(  (negative|positive) \(p=.+\n){5}",
         r"training curves written to .+\.png"),
        "training_curves_sentiment.png"),
    "speech": Example(
        "speech_japanese_vowels.py",
        None,
        (r"JapaneseVowels: 90 training and 124 test utterances, 12 coefficients per frame, "
         r"\d+-\d+ frames per utterance, 9 speakers",
         r"test accuracy [01]\.\d{3} \(GRU, 2 epochs\)",
         r"sample predictions:\n(  utterance +\d+ \(\s*\d+ frames\): speaker \d \(true \d\)\n){5}",
         r"confusion matrix written to .+\.png"),
        "confusion_japanese_vowels.png"),
    "demo": Example(
        "demo.py",
        None,
        (r"JapaneseVowels: 90 training and 124 test utterances",
         r"cell_type +cv_accuracy +cv_std +fit_seconds +rank\n(\s+(rnn|lstm|gru) .+\n){3}",
         r"best cell: (rnn|lstm|gru)  test accuracy: [01]\.\d{4}",
         r"grid-search chart written to .+\.png"),
        "demo_japanese_vowels.png"),
    "forecast": Example(
        "forecast_airline.py",
        None,
        (r"sMAPE \d+\.\d\d %; 90 % interval: coverage [01]\.\d\d, mean width \d+\.\d "
         r"\(conformal, \d+ scores from \d+ held-out months\); one-step scale method",
         r"plot written to .+\.png"),
        "forecast_airline.png"),
    "translation": Example(
        "translate_tatoeba.py",
        "tatoeba_eng_fra",
        (r"\d+ training pairs, \d+ epochs?; BLEU on \d+ held-out sentences: \d+\.\d",
         r"(  ['\"].+['\"] +-> ['\"].*['\"]\n){8}",
         r"attention heat map written to .+\.png"),
        "attention_tatoeba.png"),
    "generation": Example(
        "generate_shakespeare.py",
        "tinyshakespeare",
        (r"20,000 training characters, 1 epochs?; held-out loss \d\.\d{3} nats/char "
         r"\(perplexity \d+\.\d\d\)",
         r"--- temperature 0\.5 ---\nROMEO:\n",
         r"--- top_p 0\.9, until the first blank line ---\nJULIET:\n",
         r"training curves written to .+\.png"),
        "training_curves_shakespeare.png"),
    "compression": Example(
        "compress_sentiment.py",
        "mr_polarity",
        (r"320 reviews to train, 80 to test",
         r"model +accuracy +agreement +size_kb +zipped_kb +predict_ms\n"
         r" *float32 .+\n *int8 \(quantize\) .+\n *pruned 50% .+\n"
         r" *structured 50% \+ ft1 .+\n *structured 75% \+ ft1 .+\n *student .+\n"
         r" *student \+ int8 .+\n",
         r"sample predictions of the int8 model",
         r"chart written to .+\.png"),
        "compression_sentiment.png"),
    "transfer": Example(
        "transfer_sentiment.py",
        "movie_reviews_v2",
        (r"language model: [\d,]+ training tokens, vocabulary [\d,]+, held-out perplexity "
         r"\d+\.\d",
         r"480 sentences to train, 120 to test",
         r"random init  test accuracy [01]\.\d{3} \(\d+ epochs\)",
         r"pretrained   test accuracy [01]\.\d{3} \(\d+ epochs\)",
         r"partial_fit  test accuracy [01]\.\d{3} \(5 chunks x 2 passes\)",
         r"accuracy chart written to .+\.png"),
        "transfer_sentiment.png"),
}


# The data files a script reads under --data-home, where they are not all the files of
# its ``data`` folder (translate_tatoeba reads only the 18k pairs) or not all in it.
_DATA_FILES = {
    "translation": ("tatoeba_eng_fra/eng-fra-18k.txt",),
    "transfer": ("movie_reviews_v2/reviews.tsv", "brown/brown.txt",
                 "mr_polarity/rt-polarity.pos", "mr_polarity/rt-polarity.neg"),
}


def _data_problems(name: str) -> list[str]:
    """Why example ``name`` cannot run here: a data file it reads missing or incomplete."""
    example = EXAMPLES_RUN[name]
    if example.data is None:
        return []
    return data_problems(DATA_HOME, _DATA_FILES.get(name) or dataset_files([example.data]))


# The --out rule, exercised by runs that happen anyway: these two scripts get the same
# folder (one as it is, one with a trailing separator), the other a file name without a
# suffix in a folder that does not exist yet; every other script a plain file path.
_SHARED_OUT = ("demo", "speech")
_SHARED_OUT_TEST = "test_examples_given_one_folder_write_different_files"  # needs both
_NO_SUFFIX_OUT = "forecast"


def _out(name: str, example: Example, out_dir: Path) -> tuple[str, Path]:
    """The ``--out`` argument of an example, and the file it must write."""
    if name in _SHARED_OUT:
        folder = out_dir / "shared"
        folder.mkdir(exist_ok=True)
        separator = os.sep if name == _SHARED_OUT[1] else ""
        return f"{folder}{separator}", folder / example.out_name
    if name == _NO_SUFFIX_OUT:
        return str(out_dir / "new" / name), out_dir / "new" / f"{name}.png"
    return str(out_dir / f"{name}.png"), out_dir / f"{name}.png"


def _written(stdout: str) -> list[str]:
    """The paths a script says it wrote (its ``... written to PATH`` lines)."""
    return re.findall(r"written to (.+)$", stdout, re.MULTILINE)


def _command(example: Example, out: str, data_home: Path | None) -> list[str]:
    command = [sys.executable, str(EXAMPLES / example.script), "--smoke", "--out", out]
    if example.data is not None:
        command += ["--data-home", str(data_home)]
    return command


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(MPLBACKEND="Agg", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONWARNINGS="default", PYTHONDONTWRITEBYTECODE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("SK_RNN_DATA_HOME", None)  # only --data-home decides where data come from
    return env


def _selected(request: pytest.FixtureRequest) -> list[str]:
    """The examples whose test is selected in this session (``-k`` and node ids respected)."""
    names = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        in_this_file = getattr(item, "module", None) is request.module  # doctests have none
        if in_this_file and callspec is not None and "name" in callspec.params:
            names.append(callspec.params["name"])
        if in_this_file and getattr(item, "originalname", None) == _SHARED_OUT_TEST:
            names.extend(_SHARED_OUT)
    return names


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory):
    """Start the selected scripts that can run (two at a time); name -> (future, PNG)."""
    data_home = DATA_HOME
    out_dir = tmp_path_factory.mktemp("examples")
    env = _environment()
    executor = ThreadPoolExecutor(max_workers=_WORKERS)
    started: dict[str, tuple[Future, Path]] = {}
    for name in _selected(request):
        example = EXAMPLES_RUN[name]
        if name in started or _data_problems(name):
            continue
        out, png = _out(name, example, out_dir)
        future = executor.submit(subprocess.run, _command(example, out, data_home), env=env,
                                 cwd=out_dir, capture_output=True, text=True,
                                 timeout=_TIMEOUT)
        started[name] = (future, png)
    yield started
    executor.shutdown(wait=True, cancel_futures=True)


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    assert header[12:16] == b"IHDR"
    return struct.unpack(">II", header[16:24])


@pytest.mark.parametrize("name", list(EXAMPLES_RUN))
def test_example_smoke(name, runs):
    example = EXAMPLES_RUN[name]
    if name not in runs:
        pytest.skip(f"{example.script}: " + "; ".join(_data_problems(name))
                    + " (set SK_RNN_TEST_DATA)")
    future, png = runs[name]
    result = future.result()
    report = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, f"{example.script} failed\n{report}"
    for pattern in example.expected:
        assert re.search(pattern, result.stdout), f"{pattern!r} not printed\n{report}"
    assert not re.search(r"Traceback|Warning|warn\(", result.stderr), (
        f"{example.script} wrote warnings to stderr\n{report}"
    )
    assert _written(result.stdout) == [str(png.resolve())], report  # the path it wrote
    assert png.is_file(), f"{png} not written\n{report}"
    width, height = _png_size(png)
    assert width >= 400 and height >= 250, (width, height)
    assert png.stat().st_size > 10_000  # a drawing, not an empty canvas


def test_examples_given_one_folder_write_different_files(runs):
    if not all(name in runs for name in _SHARED_OUT):
        pytest.skip(f"{' and '.join(_SHARED_OUT)} did not run")
    written = []
    for name in _SHARED_OUT:
        result = runs[name][0].result()  # the run of test_example_smoke, not a second one
        assert result.returncode == 0, result.stderr
        (path,) = _written(result.stdout)
        written.append(Path(path))
        assert written[-1].is_absolute() and written[-1].is_file(), path
        assert written[-1].name == EXAMPLES_RUN[name].out_name
    assert len({path.parent for path in written}) == 1, written  # the one folder given
    assert len(set(written)) == len(written), written


def test_every_example_has_its_own_out_name():
    names = [example.out_name for example in EXAMPLES_RUN.values()]
    assert len(set(names)) == len(names), names
    for example in EXAMPLES_RUN.values():
        text = (EXAMPLES / example.script).read_text(encoding="utf-8")
        assert f'DEFAULT_OUT = "{example.out_name}"' in text, example.script
        assert "save_figure(" in text and ".savefig(" not in text, example.script
        assert "a folder gets {DEFAULT_OUT}" in text, example.script  # the --out help


def test_every_example_is_run():
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert scripts == {example.script for example in EXAMPLES_RUN.values()}


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_docstring_shows_how_to_run(script):
    text = (EXAMPLES / script).read_text(encoding="utf-8")
    docstring = re.match(r'"""(.+?)"""', text, re.DOTALL)
    assert docstring, f"{script} has no module docstring"
    assert f"python examples/{script}" in docstring.group(1)
    assert "--smoke" in docstring.group(1)
