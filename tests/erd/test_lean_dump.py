"""The Mermaid and DOT pictures are drawn from a dump without expression text
(`schema_json(model, expressions=False)`, which `schema` asks for them): they must come out
the same as from the full dump, and that dump must differ from the full one only in the
expression texts."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from schemalint.cli import build_parser
from schemalint.commands.collect import collect
from schemalint.commands.common import settings_from
from schemalint.erd import COLUMN_MODES, RENDERERS
from schemalint.model.dump import schema_json
from schemalint.model.fold import fold_history
from tests.erd.helpers import MARKS, MIGRATIONS


def _dumps() -> tuple[dict, dict]:
    settings = settings_from(build_parser("schema").parse_args(
        ["schema", str(MIGRATIONS), "--no-config"]))
    model = fold_history(collect(settings).migrations, (15, 0), False)
    return schema_json(model), schema_json(model, expressions=False)


def _blanked(full: dict) -> dict:
    """The full dump with each expression text `?`, as the lean dump writes it."""
    tables = []
    for t in full["tables"]:
        columns = {c["name"] for c in t["columns"]}
        tables.append({
            **t,
            "columns": [{**c, "default": _lean_default(c["default"])} for c in t["columns"]],
            "indexes": [{**i, "columns": [n if n in columns else "?" for n in i["columns"]],
                         "where": i["where"] and "?"} for i in t["indexes"]],
            "checks": [{**c, "expression": "?"} for c in t["checks"]],
        })
    return {**full, "tables": tables}


def _lean_default(text: str | None) -> str | None:
    # A literal keeps its cast (`'open'::text` -> `?::text`); a boolean stays itself, and so
    # does a serial's default, which the dump writes (the fixture has no explicit nextval()).
    if text is None or text in ("true", "false") or text.startswith("nextval("):
        return text
    if text.startswith("'") and "'::" in text:
        return "?::" + text.rsplit("'::", 1)[1]
    return "?"


def test_lean_dump_differs_only_in_expression_text():
    full, lean = _dumps()
    assert any(i["where"] for t in full["tables"] for i in t["indexes"])
    assert any(c["default"] for t in full["tables"] for c in t["columns"])
    assert lean == _blanked(full)


@pytest.mark.parametrize("columns", COLUMN_MODES)
@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_pictures_from_lean_dump_are_unchanged(fmt, columns):
    full, lean = _dumps()
    for marks in (None, MARKS):
        assert RENDERERS[fmt](lean, marks, columns=columns) == RENDERERS[fmt](
            full, marks, columns=columns)


@pytest.mark.parametrize("fmt", ["mermaid", "dot", "json"])
def test_only_a_dump_with_expressions_loads_the_printer(fmt):
    # pglast's printer is slow to import (model/deparse.py): the pictures must not need it.
    script = textwrap.dedent(f"""
        import contextlib, io, sys
        from schemalint.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            code = main(["schema", {str(MIGRATIONS)!r}, "--no-config", "--format", {fmt!r}])
        print(code, "schemalint.model.deparse" in sys.modules, "pglast.stream" in sys.modules)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    printer = fmt == "json"
    assert proc.stdout.split() == ["0", str(printer), str(printer)], proc.stderr
