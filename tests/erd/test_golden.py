"""Every picture format pinned by a golden file, from the fixture schema (tests/erd/
migrations), through the command line and, with change marks, through the renderers.

The goldens live in tests/erd/golden/. After an intended change, regenerate them with

    SCHEMALINT_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/erd/test_golden.py

and review the diff.
"""

from __future__ import annotations

import os
import random

import pytest

from schemalint.erd import RENDERERS
from tests.erd.helpers import GOLDEN, MARKS, dump, schema_cli

UPDATE = bool(os.environ.get("SCHEMALINT_UPDATE_SNAPSHOTS"))
EXTENSIONS = {"mermaid": "mmd", "dot": "dot", "dbml": "dbml", "markdown": "md"}

CLI_CASES = {
    "full.mmd": ("--format", "mermaid"),
    "full.dot": ("--format", "dot"),
    "full.dbml": ("--format", "dbml"),
    "full.md": ("--format", "markdown"),
    "keys.mmd": ("--format", "mermaid", "--columns", "keys"),
    "keys.dot": ("--format", "dot", "--columns", "keys"),
    "none.dot": ("--format", "dot", "--columns", "none"),
    "none.md": ("--format", "markdown", "--columns", "none"),
    "around-order_lines.mmd": ("--format", "mermaid", "--around", "order_lines"),
    "tables-order.dbml": ("--format", "dbml", "--tables", "order*", "--tables", "billing.*"),
    "schema-billing.md": ("--format", "markdown", "--schema", "billing"),
}


def _check(name: str, text: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"missing {golden}; create it with SCHEMALINT_UPDATE_SNAPSHOTS=1"
    assert text == golden.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, run with SCHEMALINT_UPDATE_SNAPSHOTS=1 and review the diff")


@pytest.mark.parametrize("name", sorted(CLI_CASES))
def test_command_output_matches_golden(name):
    code, out, err = schema_cli(*CLI_CASES[name])
    assert (code, err) == (0, "")
    _check(name, out)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_marked_output_matches_golden(fmt):
    _check(f"marked.{EXTENSIONS[fmt]}", RENDERERS[fmt](dump(), marks=MARKS))


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_output_does_not_depend_on_input_order(fmt):
    # Diagrams diff cleanly only if the same schema always gives the same text.
    data = dump()
    expected = RENDERERS[fmt](data, marks=MARKS)
    shuffled = dict(data, tables=list(data["tables"]))
    random.Random(17).shuffle(shuffled["tables"])
    for table in shuffled["tables"]:
        table["foreign_keys"] = list(reversed(table["foreign_keys"]))
    marks = dict(reversed(list(MARKS.items())))
    assert RENDERERS[fmt](shuffled, marks=marks) == expected


def test_every_format_has_goldens():
    names = {p.name for p in GOLDEN.iterdir()}
    assert {f"full.{ext}" for ext in EXTENSIONS.values()} <= names
    assert {f"marked.{ext}" for ext in EXTENSIONS.values()} <= names
