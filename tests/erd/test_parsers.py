"""The pictures read back by the real tools, and found equal to the model: Mermaid's own
parser (npm `mermaid`), dbdiagram.io's (`@dbml/core`), Graphviz's `dot`; and the tables and
columns of every diagram equal the dump's (tests/erd/helpers.py says where the npm packages
are looked for; those tests skip without them, and the `dot` ones without Graphviz)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from schemalint.erd import RENDERERS, mermaid, picture
from tests.erd.helpers import MARKS, dump, run_node_parser
from tests.helpers import bench_module

COLUMN_MODES = ("all", "keys", "none")


def _expected(data: dict, marks: dict | None, columns: str = "all") -> dict:
    """{table label: [column names]} as a diagram must show them."""
    pic = picture(data, marks, columns)
    return {e.label: [c.name for c in e.columns] for e in pic.entities + pic.dropped}


def _roles(table: dict) -> dict:
    pk = set(table["primary_key"])
    fk = {c for f in table["foreign_keys"] for c in f["columns"]}
    return {c["name"]: (c["name"] in pk, c["name"] in fk) for c in table["columns"]}


@pytest.mark.parametrize("columns", COLUMN_MODES)
def test_mermaid_parser_reads_every_table_and_column(tmp_path, columns):
    data = dump()
    texts = [mermaid.render(data, columns=columns), mermaid.render(data, MARKS, columns)]
    plain, marked = run_node_parser("mermaid_parse.mjs", "mermaid", texts, tmp_path)
    for parsed, marks in ((plain, None), (marked, MARKS)):
        assert "error" not in parsed, parsed.get("error")
        seen = {}
        for name, entity in parsed["entities"].items():
            label = re.sub(r" \([+~-] (added|dropped|altered)\)$", "", name)
            columns_seen = []
            for attr in entity["attributes"]:
                # A renamed attribute keeps its real name last in the comment; an attribute
                # with neither a marker nor a new name holds its column's COMMENT ON.
                notes = [n for n in attr["comment"].split("; ") if n]
                real = [n for n in notes if n not in mermaid.MARKERS.values()
                        and mermaid.attribute_name(n) == attr["name"]]
                columns_seen.append(real[0] if real else attr["name"])
            seen[label] = columns_seen
        assert seen == _expected(data, marks, columns)
    comments = {(name, a["name"]): a["comment"] for name, e in plain["entities"].items()
                for a in e["attributes"]}
    if columns != "none":  # email is a key column: drawn in "keys" mode too
        assert comments[("customers", "email")] == "Lower case, 'unique': 100pct checked | at sign-up"
    if columns == "all":
        assert comments[("customers", "Display_Name")] == "Display Name"  # the new name's note wins
    tables = {f"{t['schema']}.{t['name']}": t for t in data["tables"]}
    edges = {(r["a"], r["b"], r["role"]): (r["cardB"], r["cardA"], r["type"])
             for r in plain["relationships"]}
    expected_edges = {}
    for key, t in tables.items():
        nullable = {c["name"] for c in t["columns"] if c["nullable"]}
        for fk in t["foreign_keys"]:
            ref = fk["references"]
            parent = ref["table"] if ref["schema"] == "public" else f"{ref['schema']}.{ref['table']}"
            child = t["name"] if t["schema"] == "public" else key
            optional = any(c in nullable for c in fk["columns"])
            expected_edges[(parent, child, fk["name"])] = (
                "ZERO_OR_ONE" if optional else "ONLY_ONE",
                "ZERO_OR_ONE" if fk["name"] == "customer_profiles_customer_id_fkey" else "ZERO_OR_MORE",
                "IDENTIFYING" if set(fk["columns"]) <= set(t["primary_key"]) else "NON_IDENTIFYING")
    assert edges == expected_edges


def test_mermaid_parser_reads_the_markers(tmp_path):
    (marked,) = run_node_parser("mermaid_parse.mjs", "mermaid", [mermaid.render(dump(), MARKS)],
                                tmp_path)
    orders = marked["entities"]["orders (~ altered)"]["attributes"]
    comments = {a["name"]: a["comment"] for a in orders}
    assert (comments["tags"], comments["total"], comments["coupon"]) == (
        "+ added", "~ altered", "- dropped")
    assert set(marked["entities"]) >= {"customer_profiles (+ added)", "billing.refunds (- dropped)"}


def test_dbml_parser_reads_every_table_column_and_reference(tmp_path):
    data = dump()
    texts = [RENDERERS["dbml"](data), RENDERERS["dbml"](data, MARKS)]
    for parsed in run_node_parser("dbml_parse.mjs", "@dbml/core", texts, tmp_path):
        assert "error" not in parsed, parsed.get("error")
        seen = {(t["schema"], t["name"]): [f["name"] for f in t["fields"]] for t in parsed["tables"]}
        # DBML has no views: the view is a comment.
        assert seen == {(t["schema"], t["name"]): [c["name"] for c in t["columns"]]
                        for t in data["tables"] if t["kind"] != "view"}
        refs = {r["name"]: [(e["table"], tuple(e["fields"])) for e in r["endpoints"]]
                for r in parsed["refs"]}
        assert refs == {fk["name"]: [(t["name"], tuple(fk["columns"])),
                                     (fk["references"]["table"], tuple(fk["references"]["columns"]))]
                        for t in data["tables"] for fk in t["foreign_keys"]}


def _dot() -> str:
    exe = shutil.which("dot")
    if exe is None:
        pytest.skip("Graphviz's dot is not installed (Debian: apt-get install graphviz)")
    return exe


@pytest.mark.parametrize("columns", COLUMN_MODES)
@pytest.mark.parametrize("marked", (False, True))
def test_dot_renders_and_shows_every_table_and_column(columns, marked):
    data = dump()
    marks = MARKS if marked else None
    source = RENDERERS["dot"](data, marks, columns)
    done = subprocess.run([_dot(), "-Tsvg"], input=source, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0 and not done.stderr, done.stderr
    # Each node is an SVG group titled with its key, holding its texts in row order.
    nodes = re.findall(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>(.*?)</g>',
                       done.stdout, re.S)
    seen = {}
    for title, body in nodes:
        texts = [_unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", body)]
        seen[_unescape(title)] = texts
    expected = _expected(data, marks, columns)
    labels = {f"{t['schema']}.{t['name']}": (t["name"] if t["schema"] == "public"
                                             else f"{t['schema']}.{t['name']}")
              for t in data["tables"]}
    assert set(seen) == set(labels) | {k for k, m in (marks or {}).items()
                                        if m["status"] == "dropped"}
    for key, texts in seen.items():
        label = labels.get(key, key)
        assert texts[0] == label
        names = [t for t in texts[1:] if t in expected[label]]
        assert names == expected[label], key


def test_dot_edges_join_the_key_columns():
    data = dump()
    source = RENDERERS["dot"](data)
    edges = re.findall(r'^  "([^"]+)":(\w+):e -> "([^"]+)":(\w+):w', source, re.M)
    tables = {f"{t['schema']}.{t['name']}": t for t in data["tables"]}

    def column(key, port):
        return tables[key]["columns"][int(port[1:])]["name"]

    assert sorted((c, column(c, cp), p, column(p, pp)) for p, pp, c, cp in edges) == sorted(
        (key, fk["columns"][0], f"{fk['references']['schema']}.{fk['references']['table']}",
         fk["references"]["columns"][0])
        for key, t in tables.items() for fk in t["foreign_keys"])


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#45;", "-").replace("&amp;", "&"))


def test_a_generated_history_reads_back_whole(tmp_path):
    # bench/gen_repo.py's mix (hundreds of tables, every common type, GIN and expression
    # indexes, renames, views) through both real parsers: nothing it writes breaks them.
    bench_module("gen_repo").generate(str(tmp_path / "repo"), statements=3000)
    data = dump(paths=(tmp_path / "repo" / "migrations",))
    texts = [mermaid.render(data)]
    (parsed,) = run_node_parser("mermaid_parse.mjs", "mermaid", texts, tmp_path)
    assert "error" not in parsed, parsed.get("error")
    assert len(parsed["entities"]) == len(data["tables"])
    assert len(parsed["relationships"]) == len(picture(data).edges)
    (parsed,) = run_node_parser("dbml_parse.mjs", "@dbml/core", [RENDERERS["dbml"](data)], tmp_path)
    assert "error" not in parsed, parsed.get("error")
    assert len(parsed["tables"]) == sum(t["kind"] != "view" for t in data["tables"])
