"""`schema --format svg` when Graphviz takes too long: the sweep's 5,915-table history made
`dot` run past the timeout, and the error quoted Python's exception instead of saying what to
do. The real `dot` is run with a timeout it cannot meet."""

from __future__ import annotations

import shutil

import pytest

from schemalint.commands import schema
from tests.erd.helpers import schema_cli


def test_a_slow_layout_says_how_to_draw_less(monkeypatch):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (Debian: apt-get install graphviz)")
    monkeypatch.setattr(schema, "DOT_TIMEOUT", 0.001)
    code, out, err = schema_cli("--format", "svg")
    assert (code, out) == (2, "") and "Traceback" not in err
    assert err.startswith("schemalint: error: --format svg: ") and "did not finish in 0.001 s" in err
    assert "(--tables, --schema, --around), or use --format dot" in err
