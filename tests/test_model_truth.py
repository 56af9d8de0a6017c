"""The schema model knows what PostgreSQL knows after the same files (issue 14): a CREATE
TABLE over a name the model holds, down migrations on a scratch copy, CREATE TABLEs that do
not parse, and the names PostgreSQL gives what a statement leaves unnamed."""

import pytest

from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.parse.statements import parse_migration
from schemalint.rules import RULES

from .corpus import CORPUS, requires_corpus


def found(migrations, *rules):
    return sorted((d.path, d.line, d.column, d.rule)
                  for d in lint(migrations, LintConfig(select=rules), RULES))


def fold(*texts, directions=None) -> Model:
    model = Model()
    for i, text in enumerate(texts):
        m = Migration(path=f"{i}.sql", text=text, direction=(directions or {}).get(i, "up"))
        model.begin_migration(m, assume_in_transaction=False)
        for stmt in parse_migration(m).statements:
            model.fold(stmt)
        model.end_migration()
    return model


# --- class 1: CREATE TABLE of a name the model already holds -----------------------------

STUB_FIRST = [
    # `-` sorts before `.`: the companion file comes first in plain order, though it must run
    # after the table exists.
    Migration("001_orders-fks.sql",
              "ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey\n"
              "  FOREIGN KEY (customer_id) REFERENCES customers (id);\n"),
    Migration("001_orders.sql",
              "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
              "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);\n"
              "CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n"
              "ALTER TABLE orders ADD CONSTRAINT orders_id_key UNIQUE (id);\n"
              "SET lock_timeout = 0;\n"),
]


def test_create_table_over_a_stub_is_a_new_table_of_this_file():
    # Before: create-index-non-concurrently at 3:40, add-unique-constraint-on-existing-table
    # at 4:24 and missing-lock-timeout at 3:1, as if `orders` had rows.
    assert found(STUB_FIRST, "create-index-non-concurrently", "add-unique-constraint-on-existing-table",
                 "missing-lock-timeout", "foreign-key-without-index") == [
        ("001_orders-fks.sql", 1, 1, "missing-lock-timeout")]


def test_the_stub_keeps_what_its_alters_added():
    model = fold(*(m.text for m in STUB_FIRST))
    orders = model.tables[("public", "orders")]
    assert not orders.external and list(orders.columns) == ["id", "customer_id"]
    assert set(orders.constraints) == {"orders_pkey", "orders_customer_fkey", "orders_id_key"}
    assert model.referencing(("public", "customers")) == [("public", "orders")]


def test_a_second_create_replaces_the_table_and_its_indexes():
    model = fold("CREATE TABLE t (a int PRIMARY KEY, b text); CREATE INDEX t_b ON t (b);",
                 "CREATE TABLE t (a bigint PRIMARY KEY, c int);")
    t = model.tables[("public", "t")]
    assert list(t.columns) == ["a", "c"] and t.columns["a"].type == "int8"
    # The new primary key's index is t_pkey again (the old one went with the old table).
    assert sorted(k[1] for k in model.indexes) == ["t_pkey"]
    assert found([Migration("001.sql", "CREATE TABLE t (a int);\n"),
                  Migration("002.sql", "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\n")],
                 "create-index-non-concurrently") == []


def test_create_table_if_not_exists_on_an_existing_table_changes_nothing():
    model = fold("CREATE TABLE t (a int);", "CREATE TABLE IF NOT EXISTS t (b int);")
    assert list(model.tables[("public", "t")].columns) == ["a"]
    assert found([Migration("001.sql", "CREATE TABLE t (a int);\n"),
                  Migration("002.sql", "CREATE TABLE IF NOT EXISTS t (b int);\n"
                                       "CREATE INDEX t_a ON t (a);\n")],
                 "create-index-non-concurrently") == [("002.sql", 2, 21, "create-index-non-concurrently")]


# --- class 6: a down migration sees its own earlier statements -------------------------

def test_a_down_migration_sees_its_own_changes_and_keeps_them_to_itself():
    up = Migration("1/up.sql", "CREATE TABLE t (id bigint PRIMARY KEY, a text);\n", direction="up")
    down = Migration("1/down.sql",
                     "ALTER TABLE t ADD COLUMN c text;\n"
                     "ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\n"
                     "ALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n"
                     "ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n"
                     "ALTER TABLE t RENAME COLUMN a TO b;\n"
                     "ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n", direction="down")
    later = Migration("2/up.sql", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n", direction="up")
    # Line 4 is proven by the validated CHECK the down file added (before: reported, the
    # CHECK went to a throwaway model); line 6 judges the renamed column; the up migration
    # after it still sees `a`, untouched by the down file.
    assert found([up, down, later], "set-not-null-on-existing-column") == [
        ("1/down.sql", 6, 13, "set-not-null-on-existing-column"),
        ("2/up.sql", 1, 13, "set-not-null-on-existing-column")]
    model = fold(up.text, down.text, later.text, directions={1: "down"})
    t = model.tables[("public", "t")]
    assert list(t.columns) == ["id", "a"] and set(t.constraints) == {"t_pkey"}


def test_a_down_migration_never_changes_the_main_model():
    up = ("CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (pid int REFERENCES p, x int);"
          "CREATE INDEX c_x ON c (x); CREATE TYPE mood AS ENUM ('a'); CREATE TABLE m (v mood);"
          "CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);"
          "CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');")
    down = ("ALTER TABLE p RENAME TO parent; ALTER TABLE c RENAME COLUMN pid TO parent_id;"
            "ALTER INDEX c_x RENAME TO c_y; ALTER TYPE mood RENAME TO feeling;"
            "ALTER TABLE c DROP COLUMN x; CREATE INDEX ON ev (at); ALTER TABLE m ADD COLUMN w int;"
            "ALTER TABLE c SET SCHEMA other; DROP TABLE m;")
    model = fold(up)
    state = lambda: repr((dict(model.tables), dict(model.indexes), model.fk_refs,  # noqa: E731
                          model.sequences, model.types, model.enums))
    before = state()
    m = Migration(path="1.down.sql", text=down, direction="down")
    model.begin_migration(m, assume_in_transaction=False)
    for stmt in parse_migration(m).statements:
        model.fold(stmt)
    assert ("other", "c") in model.tables and ("public", "parent") in model.tables
    model.end_migration()
    assert state() == before
    assert model.referencing(("public", "p")) == [("public", "c")]


# --- class 7: a CREATE TABLE that does not parse ---------------------------------------

BROKEN = [
    Migration("001.sql",
              "CREATE TABLE t (\n"
              "  id bigint PRIMARY KEY,\n"
              "  email text NOT NULL,\n"
              "  odd thing WITH STUFF,\n"
              "  n int\n"
              ");\n"
              "CREATE INDEX t_email ON t (email);\n"
              "ALTER TABLE t ADD COLUMN z int NOT NULL;\n"),
    Migration("002.sql", "CREATE INDEX t_n ON t (n);\n"),
]


def test_a_create_table_that_does_not_parse_still_creates_its_table():
    # Before: create-index-non-concurrently at 7:25 and adding-required-field at 8:26, as on
    # a table older than the history.
    assert found(BROKEN, "parse-error", "create-index-non-concurrently", "adding-required-field") == [
        ("001.sql", 4, 13, "parse-error"),
        ("002.sql", 1, 21, "create-index-non-concurrently")]


def test_what_a_broken_create_table_tells_is_recovered():
    from schemalint.check.engine import Checker

    checker = Checker(LintConfig(), RULES)
    checker.fold(BROKEN[0])
    t = checker.model.tables[("public", "t")]
    assert list(t.columns) == ["id", "email", "odd", "n", "z"]
    assert t.columns["email"].not_null and t.columns["odd"].type == "" and t.columns["n"].type == "int4"
    assert set(t.constraints) == {"t_pkey"} and ("public", "t") in checker.model.session.created
    # Its sites point into the file: the table's name, the column's type.
    assert (t.site.start, t.site.end) == (13, 14)
    assert BROKEN[0].text[t.columns["n"].type_site.start:t.columns["n"].type_site.end] == "int"


# --- names PostgreSQL chooses ------------------------------------------------------------

def test_default_names_follow_postgresql():
    long = "a" * 60
    model = fold(
        f"CREATE TABLE {long} (id serial PRIMARY KEY, b int UNIQUE, c int CHECK (c > 0),"
        f" CHECK (b > c), d int REFERENCES {long});"
        "CREATE TABLE t (a int, b int); CREATE INDEX ON t (a); CREATE INDEX ON t (a);"
        "CREATE INDEX ON t (lower(b::text)); CREATE INDEX ON t ((a + b)) INCLUDE (b);"
        "CREATE TABLE t_a_idx2 (x int); CREATE INDEX ON t (a);"
        "CREATE TABLE u (id int GENERATED ALWAYS AS IDENTITY, CONSTRAINT u_pkey CHECK (id > 0), PRIMARY KEY (id));")
    t = model.tables[("public", long)]
    # Checked against PostgreSQL 15 (tests/fidelity/naming).
    assert sorted(t.constraints) == [
        "a" * 55 + "_c_check", "a" * 56 + "_d_fkey", "a" * 57 + "_b_key", "a" * 57 + "_check",
        "a" * 58 + "_pkey"]
    assert t.columns["id"].sequence == "a" * 56 + "_id_seq"
    assert sorted(k[1] for k, i in model.indexes.items() if i.table == ("public", "t")) == [
        "t_a_idx", "t_a_idx1", "t_a_idx3", "t_expr_b_idx", "t_lower_idx"]
    assert set(model.tables[("public", "u")].constraints) == {"u_pkey", "u_pkey1"}
    assert ("public", "u_id_seq") in model.sequences


def test_partitions_get_their_parents_indexes():
    model = fold("CREATE TABLE ev (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);"
                 "CREATE INDEX ev_at ON ev (at);"
                 "CREATE TABLE ev_2020 PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');"
                 "CREATE TABLE ev_2021 (id int NOT NULL, at date NOT NULL);"
                 "CREATE INDEX ev_2021_at ON ev_2021 (at);"
                 "ALTER TABLE ev ATTACH PARTITION ev_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');"
                 "CREATE UNIQUE INDEX ev_id_at ON ev (id, at);")
    names = lambda key: sorted(i.name for i in model.indexes_of(key))  # noqa: E731
    assert names(("public", "ev_2020")) == ["ev_2020_at_idx", "ev_2020_id_at_idx", "ev_2020_pkey"]
    assert names(("public", "ev_2021")) == ["ev_2021_at", "ev_2021_id_at_idx", "ev_2021_pkey"]
    assert model.tables[("public", "ev_2020")].primary_key().columns == ("id", "at")
    fold_drop = fold("CREATE TABLE ev (id int, at date) PARTITION BY RANGE (at);"
                     "CREATE TABLE ev_1 PARTITION OF ev FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');"
                     "CREATE INDEX ev_at ON ev (at); DROP INDEX ev_at;")
    assert list(fold_drop.indexes) == []


def test_renames_keep_index_names_and_carry_constraint_names():
    model = fold("CREATE TABLE t (id int PRIMARY KEY, e text UNIQUE);"
                 "ALTER TABLE t RENAME TO u; ALTER INDEX t_e_key RENAME TO u_e_key;"
                 "ALTER TABLE u RENAME CONSTRAINT t_pkey TO u_pkey;")
    assert sorted(model.indexes) == [("public", "u_e_key"), ("public", "u_pkey")]
    assert set(model.tables[("public", "u")].constraints) == {"u_pkey", "u_e_key"}


def _state(model) -> tuple:
    """What the model holds, objects by identity (a down migration must neither replace nor
    change them)."""
    def values(obj):
        return tuple(v if v is None or isinstance(v, (str, int, tuple, frozenset)) else id(v)
                     for v in obj._values())
    tables = tuple((k, id(t), values(t), tuple((n, id(c), values(c)) for n, c in t.columns.items()),
                    tuple((n, id(c), values(c)) for n, c in t.constraints.items()))
                   for k, t in model.tables.items())
    indexes = tuple((k, id(i), values(i)) for k, i in model.indexes.items())
    refs = tuple((k, tuple((id(t), id(c)) for t, c in v)) for k, v in model.fk_refs.items())
    return tables, indexes, refs, tuple(model.sequences), tuple(model.types.items()), tuple(model.enums.items())


@requires_corpus
@pytest.mark.parametrize("project", ["lemmy", "hydra", "hatchet"])
def test_the_corpus_down_migrations_leave_the_model_as_they_found_it(project):
    from schemalint.discover.discovery import discover


    model, downs = Model(), 0
    for m in discover([str(CORPUS / project)]).migrations:
        before = _state(model) if m.direction == "down" else None
        model.begin_migration(m, assume_in_transaction=False)
        for stmt in parse_migration(m).statements:
            try:
                model.fold(stmt)
            except Exception:  # noqa: BLE001 - as the engine: a statement the model trips on
                pass
        model.end_migration()
        if before is not None:
            downs += 1
            assert _state(model) == before, m.path
    assert downs > 100


def test_recovered_sites_point_into_a_file_with_non_ascii_text():
    from schemalint.check.engine import Checker

    m = Migration("001.sql", "-- café, naïve\nCREATE TABLE t (\n  n int,\n  odd thing WITH STUFF\n);\n")
    checker = Checker(LintConfig(), RULES)
    checker.fold(m)
    site = checker.model.tables[("public", "t")].columns["n"].type_site
    assert m.text[site.start:site.end] == "int"


# --- DO blocks --------------------------------------------------------------------------

def test_ddl_inside_a_do_block_is_folded_where_it_is_written():
    m = Migration("001.sql",
                  "CREATE TABLE customers (id int PRIMARY KEY);\n"
                  "DO $$\n"
                  "BEGIN\n"
                  "  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'orders') THEN\n"
                  "    CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers);\n"
                  "  END IF;\n"
                  "END $$;\n"
                  "CREATE INDEX orders_id_idx ON orders (id);\n")
    # The table is new in this file (no create-index finding), and the foreign key the DO
    # block defines is reported where it is written.
    assert found([m], "create-index-non-concurrently", "foreign-key-without-index") == [
        ("001.sql", 5, 46, "foreign-key-without-index")]


def test_a_do_block_statement_postgresql_would_reject_was_skipped():
    model = fold("CREATE TABLE q (a int PRIMARY KEY, b int);"
                 "DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN ALTER TABLE q ADD PRIMARY KEY (b); END IF;"
                 " BEGIN ALTER TABLE q ADD COLUMN a text; EXCEPTION WHEN duplicate_column THEN NULL; END;"
                 " EXECUTE 'CREATE INDEX q_b ON q (b)'; END $$;")
    q = model.tables[("public", "q")]
    assert q.primary_key().columns == ("a",) and q.columns["a"].type == "int4"
    assert ("public", "q_b") in model.indexes


def test_scratch_clones_are_equal_copies():
    from schemalint.model import Column, Constraint, Index, Table
    from schemalint.model.scratch import _clone

    for obj in (Column("a", "int4", (1,), True, True, {"x": 1}, "always", "serial", True, None, "s", "c1"),
                Constraint("c", "foreign", ("a",), False, ("s", "t"), ("id",), "c", None, None, frozenset("a"),
                           "c2"),
                Index("i", ("s", "t"), ("a",), True, True, False, "hash", "c", None, ("e",), ("b",), "p",
                      frozenset("a"), ("s", "j"), "c3"),
                Table(("s", "t"), {}, {}, "u", True, ("s", "p"), (), None, None, "view", True, False, True,
                      "c4")):
        copy = _clone(obj)
        assert copy == obj and copy is not obj
