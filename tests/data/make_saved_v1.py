"""Write ``saved_v1/``: one file per estimator in format version 1 of :func:`sk_rnn.save`,
with what each predicted when it was saved.

Run once, with the sk_rnn that wrote format 1 (``python tests/data/make_saved_v1.py``);
``tests/test_persistence.py::test_loads_files_of_format_v1`` then checks that every
later sk_rnn still loads these files and predicts exactly the same. Do not regenerate the
files with a newer sk_rnn: that would test nothing.
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the tests folder, for test_persistence's cases

from _helpers import encode_outputs  # noqa: E402
from test_persistence import CASES  # noqa: E402

import sk_rnn  # noqa: E402


def main() -> None:
    torch.set_num_threads(1)
    out = HERE / "saved_v1"
    out.mkdir(exist_ok=True)
    expected = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in CASES.items():
            estimator, _, outputs = make()
            sk_rnn.save(estimator, out / f"{name}.skrnn")
            expected[name] = encode_outputs(outputs(estimator))
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(f"wrote {len(expected)} files to {out}")


if __name__ == "__main__":
    main()
