"""The README runs as written (issue 20).

Every fenced Python block of ``README.md`` is written to a file and run as a script in a
fresh interpreter (``python block.py``, in a temporary folder), as a user who pastes it
would run it. A block whose first line starts with ``# Sketch`` is shown for its shape
only (it needs a cluster, GPUs or files of your own) and is not run; the README has none
today. Blocks that load sk_rnn's data sets run when the test data folder
(``SK_RNN_TEST_DATA`` or ``../shared/data``) holds the files they need and skip
otherwise; the download itself is tested in ``test_datasets.py``.

The blocks use slices of the data and few epochs, so that they take seconds; the README
says what to drop for a real run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _data import DATA_HOME, missing_data

import sk_rnn.datasets

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: The data sets (keys of ``sk_rnn.datasets._DATASETS``) each loader reads.
_LOADER_DATASETS = {
    "load_sms_spam": ["sms_spam"],
    "load_movie_reviews": ["movie_reviews"],
    "load_movie_reviews_v2": ["movie_reviews_v2"],
    "load_brown": ["brown"],
    "load_tiny_shakespeare": ["tiny_shakespeare"],
    "load_tatoeba_pairs": ["tatoeba"],
    "load_subjectivity": ["sentence_classification/subj.all"],
    "load_mpqa": ["sentence_classification/mpqa.all"],
    "load_sst": [key for key in sk_rnn.datasets._DATASETS if "/stsa." in key],
}


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The fenced ``python`` blocks of a Markdown text, with the line each starts on."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            start = i + 1
            end = next(j for j in range(start, len(lines)) if lines[j].strip() == "```")
            blocks.append((start + 1, "\n".join(lines[start:end]) + "\n"))
            i = end
        i += 1
    return blocks


BLOCKS = python_blocks(README.read_text(encoding="utf-8"))


def _missing_data(code: str, data_home: Path) -> list[str]:
    """What keeps a block's loaders from reading their files in ``data_home``."""
    folders = {sk_rnn.datasets._DATASETS[key].folder
               for loader in set(re.findall(r"\b(load_\w+)\(", code)) & set(_LOADER_DATASETS)
               for key in _LOADER_DATASETS[loader]}
    return missing_data(data_home, sorted(folders))


def test_the_readme_has_python_blocks_and_all_are_checked():
    assert len(BLOCKS) >= 8
    assert all(code.strip() for _, code in BLOCKS)


def test_the_readme_opens_with_what_sk_rnn_is_then_the_two_commands():
    text = README.read_text(encoding="utf-8")
    before_commands = text[: text.index("```bash")]
    paragraph = before_commands.split("\n\n", 1)[1]  # after the title
    assert "scikit-learn" in paragraph and len(paragraph.split()) > 40
    commands = text[text.index("```bash") + len("```bash"):].split("```", 1)[0].split("\n")
    commands = [c for c in commands if c.strip()]
    assert commands == ['pip install -e . && python examples/demo.py',
                        'pip install -e ".[test]" && python -m pytest']


def test_no_user_facing_text_names_the_teams_data_folder():
    """``../shared`` exists only beside the developers' checkout."""
    texts = [README, *sorted((ROOT / "examples").glob("*.py")),
             *sorted((ROOT / "sk_rnn").rglob("*.py"))]
    offenders = [str(p.relative_to(ROOT)) for p in texts
                 if re.search(r"\.\./shared|shared/data", p.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{line}" for line, _ in BLOCKS])
def test_readme_block_runs_as_written(line, code, tmp_path):
    if code.lstrip().startswith("# Sketch"):
        pytest.skip("marked as a sketch in the README")
    data_home = DATA_HOME
    missing = _missing_data(code, data_home)
    if missing:
        pytest.skip("; ".join(missing))
    script = tmp_path / f"readme_block_{line}.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "SK_RNN_DATA_HOME": str(data_home), "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run([sys.executable, script.name], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"README.md block at line {line} failed:\n{result.stdout[-2000:]}\n"
        f"{result.stderr[-4000:]}"
    )
