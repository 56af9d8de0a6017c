"""Folding statements into the schema model."""

from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.parse.statements import parse_migration


def fold(*files: str, pg=(15, 0)) -> Model:
    model = Model(pg)
    for i, text in enumerate(files):
        m = Migration(path=f"{i}.sql", text=text)
        model.begin_migration(m, assume_in_transaction=False)
        for stmt in parse_migration(m).statements:
            model.fold(stmt)
    return model


def test_create_table_columns_and_constraints():
    m = fold("""
      CREATE TABLE s.orders (
        id bigserial PRIMARY KEY,
        ref uuid NOT NULL DEFAULT gen_random_uuid(),
        n int GENERATED ALWAYS AS IDENTITY,
        total numeric(10, 2) CHECK (total >= 0),
        customer_id bigint REFERENCES customers (id) ON DELETE CASCADE,
        UNIQUE (ref)
      );""")
    t = m.tables[("s", "orders")]
    assert list(t.columns) == ["id", "ref", "n", "total", "customer_id"]
    assert t.columns["id"].serial == "bigserial" and t.columns["id"].type == "int8"
    assert t.columns["ref"].not_null and t.columns["ref"].default is not None
    assert t.columns["n"].identity == "always"
    assert t.columns["total"].mods == (10, 2)
    kinds = {c.name: c.kind for c in t.constraints.values()}
    assert kinds == {"orders_pkey": "primary", "orders_total_check": "check",
                     "orders_customer_id_fkey": "foreign", "orders_ref_key": "unique"}
    fk = t.constraints["orders_customer_id_fkey"]
    assert fk.ref_table == ("public", "customers") and fk.ref_columns == ("id",) and fk.on_delete == "c"
    assert {i.name for i in m.indexes_of(("s", "orders"))} == {"orders_pkey", "orders_ref_key"}


def test_alter_table_actions_and_not_valid():
    m = fold(
        "CREATE TABLE t (a int, b text);",
        """ALTER TABLE t ADD COLUMN c text, DROP COLUMN b, ALTER COLUMN a TYPE bigint,
               ALTER COLUMN a SET NOT NULL, ALTER COLUMN c SET DEFAULT 'x';
           ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;""",
    )
    t = m.tables[("public", "t")]
    assert list(t.columns) == ["a", "c"]
    assert t.columns["a"].type == "int8" and t.columns["a"].not_null
    con = t.constraints["t_c_nn"]
    assert not con.validated and con.not_null_columns == {"c"}
    m2 = fold("CREATE TABLE t (c text);", "ALTER TABLE t ADD CONSTRAINT k CHECK (c IS NOT NULL) NOT VALID;",
              "ALTER TABLE t VALIDATE CONSTRAINT k;")
    assert m2.tables[("public", "t")].constraints["k"].validated


def test_renames_follow_references():
    m = fold(
        "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (pid int REFERENCES p (id));"
        "CREATE INDEX c_pid ON c (pid);",
        "ALTER TABLE p RENAME TO parent; ALTER TABLE c RENAME COLUMN pid TO parent_id;"
        "ALTER INDEX c_pid RENAME TO c_parent_id; ALTER TABLE c RENAME CONSTRAINT c_pid_fkey TO c_fk;",
    )
    assert ("public", "parent") in m.tables and ("public", "p") not in m.tables
    fk = m.tables[("public", "c")].constraints["c_fk"]
    assert fk.ref_table == ("public", "parent") and fk.columns == ("parent_id",)
    assert m.indexes[("public", "c_parent_id")].columns == ("parent_id",)


def test_drops_remove_objects_and_their_indexes():
    m = fold("CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); CREATE TABLE u (b int);",
             "DROP TABLE IF EXISTS t, missing CASCADE; DROP INDEX IF EXISTS nothing;")
    assert ("public", "t") not in m.tables and ("public", "t_a") not in m.indexes
    assert ("public", "u") in m.tables


def test_using_index_renames_the_index_to_the_constraint():
    m = fold("CREATE TABLE t (a int);", "CREATE UNIQUE INDEX CONCURRENTLY t_a_uq ON t (a);"
             "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_uq;")
    idx = m.indexes[("public", "t_a_key")]
    assert idx.unique and idx.constraint == "t_a_key" and ("public", "t_a_uq") not in m.indexes


def test_partitions_and_search_path():
    m = fold("CREATE SCHEMA app; SET search_path = app, public;"
             "CREATE TABLE ev (id int, at timestamptz) PARTITION BY RANGE (at);"
             "CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');")
    assert m.tables[("app", "ev")].partitioned
    child = m.tables[("app", "ev_2024")]
    assert child.partition_of == ("app", "ev") and set(child.columns) == {"id", "at"}


def test_session_tracks_transactions_timeouts_and_created_objects():
    model = Model((15, 0))
    m = Migration(path="1.sql", text="BEGIN; SET lock_timeout = '2s'; CREATE TABLE t (a int); COMMIT;")
    model.begin_migration(m, assume_in_transaction=False)
    states = []
    for stmt in parse_migration(m).statements:
        model.fold(stmt)
        states.append((model.session.in_transaction, model.session.lock_timeout))
    assert states == [(True, False), (True, True), (True, True), (False, True)]
    assert model.created_in_this_migration(("public", "t"))
    model.begin_migration(Migration(path="2.sql", text=""), assume_in_transaction=True)
    assert model.session.in_transaction and not model.created_in_this_migration(("public", "t"))


def test_unknown_statements_are_ignored():
    m = fold("GRANT SELECT ON t TO x; COMMENT ON TABLE t IS 'x'; DO $$ BEGIN END $$; VACUUM;")
    assert m.tables == {}


def test_alter_of_unknown_table_creates_an_external_stub():
    m = fold("ALTER TABLE legacy ADD COLUMN a int;")
    t = m.tables[("public", "legacy")]
    assert t.external and "a" in t.columns and t.site is None


def test_plain_index_element_shape_is_the_general_shape():
    from schemalint.model.shapes import element_shape, general_element_shape

    # A plain column: the fast path writes what the general shape would.
    for elem in ({"name": "a"}, {"name": 'é"x\u2028\x00'},
                 {"name": "a", "ordering": "SORTBY_DEFAULT", "nulls_ordering": "SORTBY_NULLS_DEFAULT"},
                 {"name": "a", "ordering": "SORTBY_ASC"}):
        assert element_shape(elem) == general_element_shape(elem)
    # Anything else takes the general shape (which would compare with itself): pinned.
    assert element_shape({"name": ""}) == "{}"
    assert element_shape({"name": "a", "ordering": "SORTBY_DESC"}) == \
        '{"name":"a","ordering":"SORTBY_DESC"}'
    assert element_shape({"name": "a", "nulls_ordering": "SORTBY_NULLS_FIRST"}) == \
        '{"name":"a","nulls_ordering":"SORTBY_NULLS_FIRST"}'
    assert element_shape({"name": "a", "opclass": [{"String": {"sval": "text_pattern_ops"}}]}) == \
        '{"name":"a","opclass":[{"String":{"sval":"text_pattern_ops"}}]}'
    assert element_shape({"expr": {"A_Const": {"ival": {"ival": 1}, "location": 5}}}) == \
        '{"expr":{"A_Const":{"ival":{"ival":1}}}}'
    # The general shape drops the parser's defaults and locations.
    assert general_element_shape({"name": "a", "ordering": "SORTBY_ASC"}) == '{"name":"a"}'
    assert (general_element_shape({"expr": {"A_Const": {"ival": {"ival": 1}, "location": 5}}})
            == '{"expr":{"A_Const":{"ival":{"ival":1}}}}')


def test_sites_keep_the_statements_place_not_its_tree():
    """Every column and constraint gets a site; sites must not keep statement trees alive
    (memory on long histories), and a statement's sites share one place and one SQL string."""
    import gc

    from schemalint.parse.statements import Statement

    sql = "CREATE TABLE t (a int NOT NULL, b timestamp, CONSTRAINT t_a UNIQUE (a));"
    mig = Migration(path="001.sql", text=sql)
    (stmt,) = parse_migration(mig).statements
    model = Model()
    model.begin_migration(mig, True)
    model.fold(stmt)
    table = model.tables[("public", "t")]
    sites = [table.columns["a"].type_site, table.columns["b"].type_site, table.constraints["t_a"].site]
    for site in sites:
        assert not any(isinstance(r, (Statement, dict)) for r in gc.get_referents(site))
        assert site.sql == sql[:-1] and site.migration is mig
    assert sites[0]._place is sites[1]._place is stmt.place
    assert sites[0].sql is sites[2].sql is stmt.sql  # sliced once
    assert sql[sites[1].start:sites[1].end] == "timestamp"


def test_settings_follow_transaction_scope():
    # PostgreSQL's SET page: SET LOCAL lasts until the end of the transaction and does nothing
    # outside one; a plain SET in a transaction that rolls back is undone, one that commits stays.
    m = fold("SET LOCAL search_path = app;"
             "BEGIN; SET LOCAL lock_timeout = '1s'; SET statement_timeout = '1min'; COMMIT;")
    assert m.search_path == ("public",)
    assert not m.session.lock_timeout and m.session.statement_timeout
    m = fold("CREATE SCHEMA app; BEGIN; SET search_path = app; SET TIME ZONE 'UTC'; ROLLBACK;")
    assert m.search_path == ("public",) and m.session.timezone is None
    m = fold("BEGIN; SET LOCAL search_path = app, public; CREATE TABLE t (a int); COMMIT;")
    assert ("app", "t") in m.tables and m.search_path == ("public",)
    m = fold("BEGIN; SET lock_timeout = '1s'; SET LOCAL lock_timeout = 0; COMMIT;")
    assert m.session.lock_timeout
