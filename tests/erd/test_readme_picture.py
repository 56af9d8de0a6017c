"""The README opens with the picture of docs/example/migrations: docs/example/erd.svg, drawn by
Graphviz from docs/example/erd.dot (both written by `python -m schemalint.docs`; the DOT's
staleness is tests/test_docs.py's, the SVG's is checked here through the source hash it
carries, since Graphviz versions spell SVG differently)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from schemalint.docs.schema_page import DOT_FILE, SVG_FILE, svg_is_current
from tests.erd.helpers import dump

ROOT = Path(__file__).resolve().parents[2]


def test_readme_opens_with_the_picture():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert f"]({SVG_FILE})" in head


def test_svg_draws_every_table_and_column_of_the_example():
    text = (ROOT / SVG_FILE).read_text(encoding="utf-8")
    nodes = dict(re.findall(r'class="node">\s*<title>([^<]*)</title>(.*?)</g>', text, re.S))
    data = dump(paths=(ROOT / "docs" / "example" / "migrations",))
    assert sorted(nodes) == [f"{t['schema']}.{t['name']}" for t in data["tables"]]
    for t in data["tables"]:
        texts = re.findall(r"<text[^>]*>([^<]*)</text>", nodes[f"{t['schema']}.{t['name']}"])
        assert [c["name"] for c in t["columns"]] == [x for x in texts if x in
                                                    {c["name"] for c in t["columns"]}]


def test_svg_goes_stale_when_the_schema_changes(tmp_path):
    assert svg_is_current(ROOT)
    shutil.copytree(ROOT / "docs" / "example", tmp_path / "docs" / "example")
    assert svg_is_current(tmp_path)
    with (tmp_path / "docs" / "example" / "migrations" / "003_index_orders.sql").open("a") as fh:
        fh.write("ALTER TABLE orders ADD COLUMN note text;\n")
    assert not svg_is_current(tmp_path)


def test_committed_dot_source_renders():
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz's dot is not installed (Debian: apt-get install graphviz)")
    done = subprocess.run([exe, "-Tsvg", str(ROOT / DOT_FILE)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and not done.stderr and "</svg>" in done.stdout
