"""The claims of geometry-column-without-srid (SL704), observed on a real server with PostGIS
(`postgresql-15-postgis-3`, which .ci/run installs): a column without an SRID accepts
geometries of any SRID; adding a geometry column rewrites nothing, with or without its SRID;
giving an existing column its SRID with ALTER COLUMN TYPE rewrites the table under ACCESS
EXCLUSIVE.

PostGIS is not a trusted extension: as docs/replay.md says, it is installed in template1 (by
the server's superuser), and the scratch database copied from it has it, so the migrations'
`CREATE EXTENSION IF NOT EXISTS postgis` replays."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.replay.conftest import locks_on, needs_postgres, statement

pytestmark = needs_postgres



@pytest.fixture(scope="module", autouse=True)
def postgis_in_template1(server):
    params = conninfo_to_dict(server.conninfo())
    params["dbname"] = "template1"
    with psycopg.connect(make_conninfo(**params), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone() is None:
            pytest.skip("PostGIS is not installed for this server (apt-get install postgresql-15-postgis-3)")
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")


SETUP = """
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE TABLE places (id int PRIMARY KEY, geom geometry, area geography);
INSERT INTO places SELECT i, ST_MakePoint(i, i), ST_MakePoint(i % 90, i % 90)::geography
FROM generate_series(1, 2000) AS i;
"""


def test_a_column_without_srid_takes_any_srid_and_queries_mixing_them_fail(run):
    report = run(SETUP, "INSERT INTO places VALUES (-1, ST_SetSRID(ST_MakePoint(1, 2), 4326));\n"
                        "INSERT INTO places VALUES (-2, ST_SetSRID(ST_MakePoint(1, 2), 3857));\n"
                        "SELECT ST_Distance(a.geom, b.geom) FROM places a, places b "
                        "WHERE a.id = -1 AND b.id = -2;")
    assert statement(report, "4326").status == "ok"
    assert statement(report, "3857").status == "ok"
    mixed = statement(report, "ST_Distance")
    assert mixed.status == "failed" and "mixed SRID" in mixed.error


def test_a_column_with_srid_refuses_another(run):
    report = run(SETUP, "CREATE TABLE pinned (geom geometry(Point, 4326));\n"
                        "INSERT INTO pinned VALUES (ST_SetSRID(ST_MakePoint(1, 2), 3857));")
    t = statement(report, "INSERT INTO pinned")
    assert t.status == "failed" and "does not match column SRID (4326)" in t.error


@pytest.mark.parametrize("column", ["geom2 geometry", "geom2 geometry(Point, 4326)"])
def test_adding_a_geometry_column_rewrites_nothing(run, column):
    report = run(SETUP, f"ALTER TABLE places ADD COLUMN {column};")
    t = statement(report, "ADD COLUMN")
    assert t.status == "ok", t.error
    assert "ACCESS EXCLUSIVE" in locks_on(t, "places")
    assert t.rewrites == []


@pytest.mark.parametrize("alter", [
    "ALTER TABLE places ALTER COLUMN geom TYPE geometry(Point, 4326) USING ST_SetSRID(geom, 4326);",
    "ALTER TABLE places ALTER COLUMN area TYPE geography(Point, 4326);",
])
def test_giving_an_existing_column_its_srid_rewrites_the_table(run, alter):
    report = run(SETUP, alter)
    t = statement(report, "ALTER COLUMN")
    assert t.status == "ok", t.error
    assert "ACCESS EXCLUSIVE" in locks_on(t, "places")
    assert "places" in [r.name for r in t.rewrites if r.kind == "table"]
