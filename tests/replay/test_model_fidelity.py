"""The schema model against PostgreSQL: the fixtures of tests/fidelity and one small project
of the corpus, replayed on a real server and compared with `schemalint schema` of the same
files (bench/model_fidelity.py). Every fact must agree."""

from __future__ import annotations

import psycopg
import pytest

from ..corpus import CORPUS, ROOT, requires_corpus
from ..helpers import bench_module
from .conftest import needs_postgres


@pytest.fixture(scope="module")
def databases(server):
    made: dict[str, str] = {}

    def conninfo_for(name: str) -> str:
        if name not in made:
            db = f"fidelity_{name.replace('-', '_')}"
            with psycopg.connect(server.conninfo(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
                conn.execute(f'CREATE DATABASE "{db}"')
            made[name] = server.conninfo(db)
        return made[name]

    return conninfo_for


def _check(databases, name: str, path: str) -> None:
    result = bench_module("model_fidelity").fidelity(databases, name, path)
    assert result["stopped"] is None and result["applied"] == result["files"], result["stopped"]
    assert result["differences"] == [] and result["fidelity"] == 100.0


@needs_postgres
@pytest.mark.parametrize("name", ["naming", "shapes", "comments"])
def test_the_model_matches_postgresql_on_the_fixtures(databases, name):
    _check(databases, name, str(ROOT / "tests" / "fidelity" / name))


@needs_postgres
@requires_corpus
def test_the_model_matches_postgresql_on_a_real_project(databases):
    _check(databases, "kestra", str(CORPUS / "kestra"))
