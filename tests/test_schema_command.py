"""`schemalint schema`: the folded model after the last up migration, in the JSON shape
outside tools rely on (model/dump.py), and as text."""

import contextlib
import io
import json

from schemalint.cli import main

MIGRATIONS = {
    "001_init.sql": (
        "CREATE TYPE mood AS ENUM ('sad', 'happy');\n"
        "CREATE TABLE orders (id serial PRIMARY KEY, ref varchar(50) UNIQUE NOT NULL,\n"
        "  at timestamptz DEFAULT now(), tags text[], m mood DEFAULT 'sad',\n"
        "  n bigint GENERATED ALWAYS AS IDENTITY, total numeric(10,2) CHECK (total >= 0));\n"
        "CREATE TABLE lines (order_id int REFERENCES orders ON DELETE CASCADE, sku text);\n"
        "CREATE INDEX ON lines (lower(sku)) WHERE sku IS NOT NULL;\n"
        "COMMENT ON TABLE orders IS 'What customers buy';\n"
        "COMMENT ON COLUMN orders.ref IS 'Printed on the invoice';\n"
        "COMMENT ON INDEX orders_ref_key IS 'Invoice lookup';\n"),
    "002_rename.sql": "ALTER TABLE orders RENAME TO purchases;\n",
    "002_rename.down.sql": ("ALTER TABLE purchases RENAME TO orders;\n"
                            "COMMENT ON TABLE orders IS NULL;\n"),
}


def run(tmp_path, *args):
    for name, text in MIGRATIONS.items():
        (tmp_path / name).write_text(text)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["schema", str(tmp_path), "--no-config", *args])
    assert code == 0
    return out.getvalue()


def test_json_has_the_documented_shape(tmp_path):
    data = json.loads(run(tmp_path, "--format", "json"))
    assert list(data) == ["version", "tables", "enums", "sequences"] and data["version"] == 1
    lines, purchases = data["tables"]
    assert list(purchases) == ["schema", "name", "kind", "comment", "columns", "primary_key", "indexes",
                               "foreign_keys", "checks"]
    # The comments follow the rename; the down migration's COMMENT ... IS NULL stays in its file.
    assert (purchases["comment"], lines["comment"]) == ("What customers buy", None)
    assert (purchases["schema"], purchases["name"], purchases["kind"]) == ("public", "purchases", "table")
    assert purchases["columns"] == [
        {"name": "id", "type": "integer", "nullable": False,
         "default": "nextval('orders_id_seq'::regclass)", "identity": None, "comment": None},
        {"name": "ref", "type": "character varying(50)", "nullable": False, "default": None, "identity": None,
         "comment": "Printed on the invoice"},
        {"name": "at", "type": "timestamp with time zone", "nullable": True, "default": "now()", "identity": None,
         "comment": None},
        {"name": "tags", "type": "text[]", "nullable": True, "default": None, "identity": None, "comment": None},
        {"name": "m", "type": "mood", "nullable": True, "default": "'sad'::mood", "identity": None, "comment": None},
        {"name": "n", "type": "bigint", "nullable": False, "default": None, "identity": "always", "comment": None},
        {"name": "total", "type": "numeric(10,2)", "nullable": True, "default": None, "identity": None,
         "comment": None},
    ]
    assert purchases["primary_key"] == ["id"]
    # The implied indexes keep the names they were given under the table's old name.
    assert purchases["indexes"] == [
        {"name": "orders_pkey", "columns": ["id"], "unique": True, "method": "btree", "where": None,
         "comment": None},
        {"name": "orders_ref_key", "columns": ["ref"], "unique": True, "method": "btree", "where": None,
         "comment": "Invoice lookup"}]
    assert purchases["checks"] == [{"name": "orders_total_check", "expression": "total >= 0"}]
    assert lines["indexes"] == [{"name": "lines_lower_idx", "columns": ["lower(sku)"], "unique": False,
                                 "method": "btree", "where": "sku IS NOT NULL", "comment": None}]
    assert lines["foreign_keys"] == [{
        "name": "lines_order_id_fkey", "columns": ["order_id"],
        "references": {"schema": "public", "table": "purchases", "columns": ["id"]},
        "on_delete": "cascade"}]
    assert data["enums"] == [{"schema": "public", "name": "mood", "values": ["sad", "happy"]}]
    assert data["sequences"] == [{"schema": "public", "name": "orders_id_seq"},
                                 {"schema": "public", "name": "orders_n_seq"}]


def test_text_lists_each_table(tmp_path):
    text = run(tmp_path)
    assert text.startswith("table lines\n    order_id integer\n    sku text\n")
    assert "    id integer not null default nextval('orders_id_seq'::regclass)\n" in text
    assert "    n bigint not null generated always as identity\n" in text
    assert "    unique index orders_pkey using btree (id)\n" in text
    assert "enum mood (sad, happy)\nsequence orders_id_seq\n" in text
