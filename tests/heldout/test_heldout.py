"""Held-out-style migration sets: realistic framework layouts with exact expected findings.

Each `tests/heldout/<set>/` has a `migrations/` folder laid out as its framework writes it and
an `expected.txt`:

    # args: --select rule-a,rule-b [--pg-version 11] [--layout goose] ...
    path/relative/to/migrations.sql:LINE:COL rule-name

The set is checked through the command line (discovery, layouts, templating, parsing, the
model and the rules), and the findings of the selected rules (plus `parse-error` and
`internal-error`) must be exactly the expected ones, at exact 1-based line:column positions.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from schemalint.cli import main

HERE = Path(__file__).parent
SETS = sorted(p for p in HERE.iterdir() if (p / "expected.txt").is_file())


def _expected(path: Path) -> tuple[list[str], set[tuple[str, int, int, str]]]:
    args: list[str] = []
    expected = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("# args:"):
            args += shlex.split(line[len("# args:"):])
        elif line and not line.startswith("#"):
            where, rule = line.split()
            file, ln, col = where.rsplit(":", 2)
            expected.add((file, int(ln), int(col), rule))
    return args, expected


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
def test_heldout_set(root: Path, capsys) -> None:
    args, expected = _expected(root / "expected.txt")
    migrations = root / "migrations"
    code = main(["check", str(migrations), "--no-config", "--format", "json", "--fail-on", "never", *args])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    got = {
        (Path(d["path"]).resolve().relative_to(migrations.resolve()).as_posix(), d["line"], d["column"], d["rule"])
        for d in doc["diagnostics"]
    }
    assert got == expected, "\n".join(
        [f"unexpected: {g[0]}:{g[1]}:{g[2]} {g[3]}" for g in sorted(got - expected)]
        + [f"missing:    {e[0]}:{e[1]}:{e[2]} {e[3]}" for e in sorted(expected - got)]
    )
