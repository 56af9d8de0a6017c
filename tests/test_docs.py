from pathlib import Path

from schemalint.docs.generate import stale

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_current():
    out = stale(ROOT)
    assert not out, f"stale generated docs (run `python -m schemalint.docs`): {out}"
