"""What the ERD tests share: the fixture schema (tests/erd/migrations) as `schemalint schema
--format json` prints it, change marks in the diff's shape, and the real Mermaid and DBML
parsers run by node.

The parsers are npm packages, not vendored: the tests look for `node` on PATH and for
`node_modules/mermaid` and `node_modules/@dbml/core` under $SCHEMALINT_NODE_PREFIX (default
~/.cache/schemalint/node), installed with

    npm install --prefix ~/.cache/schemalint/node mermaid@11 @dbml/core

and skip, saying so, when either is missing."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from schemalint.cli import main

HERE = Path(__file__).resolve().parent
MIGRATIONS = HERE / "migrations"
GOLDEN = HERE / "golden"
NODE_PREFIX = Path(os.environ.get("SCHEMALINT_NODE_PREFIX")
                   or Path.home() / ".cache" / "schemalint" / "node")

# Marks as the schema diff produces them: a table altered (a column added, one altered, one
# dropped), one added, one dropped (with a column the diff knew).
MARKS = {
    "public.orders": {"status": "altered", "columns": {
        "tags": {"status": "added", "type": "text[]"},
        "total": {"status": "altered", "type": "numeric(10,2)"},
        "coupon": {"status": "dropped", "type": "character varying(20)"}}},
    "public.customer_profiles": {"status": "added", "columns": {}},
    "public.customers": {"status": None, "columns": {}},
    "billing.refunds": {"status": "dropped", "columns": {
        "id": {"status": "dropped", "type": "bigint"}}},
}


def schema_cli(*args: str, paths=(MIGRATIONS,)) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["schema", *map(str, paths), "--no-config", *args])
    return code, out.getvalue(), err.getvalue()


def dump(paths=(MIGRATIONS,)) -> dict:
    code, out, _ = schema_cli("--format", "json", paths=paths)
    assert code == 0
    return json.loads(out)


def run_node_parser(script: str, package: str, texts: list[str], tmp_path) -> list[dict]:
    """Each text parsed by `script` (tests/erd/*.mjs) with the npm `package`."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Mermaid/DBML parsers are npm packages")
    if not (NODE_PREFIX / "node_modules" / package / "package.json").exists():
        pytest.skip(f"npm package {package} not found under {NODE_PREFIX}/node_modules: "
                    f"npm install --prefix {NODE_PREFIX} {package}")
    source = tmp_path / "texts.json"
    source.write_text(json.dumps(texts), encoding="utf-8")
    done = subprocess.run([node, "--input-type=module", "-e", (HERE / script).read_text(),
                           str(source)], cwd=NODE_PREFIX, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
