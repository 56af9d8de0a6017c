"""What the corpus sweep found the pictures of real schemas need, read back by the real
parsers.

Column types PostgreSQL spells with quoted identifiers (an enum named in mixed case, as
Prisma's migrations make them: hatchet and trigger.dev in the corpus) in the pictures, read
back by the real parsers. DBML's quoted names have no escape for `"` (dbdiagram.io's parser
stops at `\\"`), so the SQL quotes are left out of the type: `"StepRunStatus"` is drawn as
the type StepRunStatus, the name of the enum the DBML declares."""

from __future__ import annotations

from schemalint.erd import RENDERERS
from tests.erd.helpers import dump, run_node_parser

MIGRATION = """\
CREATE TYPE "StepRunStatus" AS ENUM ('PENDING', 'RUNNING');
CREATE TYPE "Odd Kind" AS ENUM ('a');
CREATE TABLE "Run" (
    id bigint PRIMARY KEY,
    status "StepRunStatus" NOT NULL DEFAULT 'PENDING',
    history "StepRunStatus"[],
    kind "Odd Kind"
);
"""


def _data(tmp_path) -> dict:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001_init.sql").write_text(MIGRATION)
    return dump(paths=(tmp_path / "m",))


def test_dbml_types_drop_the_sql_quotes(tmp_path):
    text = RENDERERS["dbml"](_data(tmp_path))
    assert '  status StepRunStatus [not null, default: `\'PENDING\'::"StepRunStatus"`]' in text
    assert '  history "StepRunStatus[]"' in text and '  kind "Odd Kind"' in text
    assert "Enum StepRunStatus {" in text


def test_dbml_parser_reads_quoted_types(tmp_path):
    data = _data(tmp_path)
    (parsed,) = run_node_parser("dbml_parse.mjs", "@dbml/core", [RENDERERS["dbml"](data)], tmp_path)
    assert "error" not in parsed, parsed.get("error")
    (table,) = parsed["tables"]
    assert [(f["name"], f["type"]) for f in table["fields"]] == [
        ("id", "bigint"), ("status", "StepRunStatus"), ("history", "StepRunStatus[]"),
        ("kind", "Odd Kind")]


def test_mermaid_parser_reads_quoted_types(tmp_path):
    data = _data(tmp_path)
    (parsed,) = run_node_parser("mermaid_parse.mjs", "mermaid", [RENDERERS["mermaid"](data)], tmp_path)
    assert "error" not in parsed, parsed.get("error")
    assert [a["name"] for a in parsed["entities"]["Run"]["attributes"]] == [
        "id", "status", "history", "kind"]


TWO_KEYS = """\
CREATE TABLE parent (id bigint PRIMARY KEY);
CREATE TABLE child (
    parent_id bigint,
    CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id),
    CONSTRAINT child_parent_again_fk FOREIGN KEY (parent_id) REFERENCES parent (id)
);
"""


def test_dbml_holds_one_reference_per_pair_of_endpoints(tmp_path):
    # PostgreSQL keeps both constraints (the whole corpus folded as one history has such a
    # pair); dbdiagram.io's parser rejects a second Ref with the same endpoints.
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "001.sql").write_text(TWO_KEYS)
    text = RENDERERS["dbml"](dump(paths=(tmp_path / "m",)))
    assert ("// Ref child_parent_fk: child.parent_id > parent.id (the same endpoints as "
            "child_parent_again_fk)") in text
    (parsed,) = run_node_parser("dbml_parse.mjs", "@dbml/core", [text], tmp_path)
    assert "error" not in parsed, parsed.get("error")
    assert [r["name"] for r in parsed["refs"]] == ["child_parent_again_fk"]
