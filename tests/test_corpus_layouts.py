"""Every project of the shared real-world corpus: detected layout, order, transactions,
and neither parse errors nor layout problems (tests/test_corpus.py checks for crashes).

The corpus lives beside the repository (`../shared/corpus`, or where SCHEMALINT_CORPUS
points); the tests skip without it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from schemalint.cli import main
from schemalint.discover.discovery import discover, find_candidates
from schemalint.discover.layouts import assign
from tests.corpus import CORPUS as SHARED

CORPUS = Path(os.environ.get("SCHEMALINT_CORPUS") or SHARED)
needs_corpus = pytest.mark.skipif(not (CORPUS / "MANIFEST.md").is_file(),
                                  reason=f"the shared corpus is not at {CORPUS}")

# project -> (detected layout, first migration, last migration, in_transaction values)
EXPECTED = {
    "lemmy": ("diesel", "00000000000000_diesel_initial_setup/up.sql",
              "2026-07-27-143313-0000_rename_resolve_reason_to_conclusion/down.sql", {True}),
    "hatchet": ("auto", "20240115180414_init.sql", None, {True, False}),
    "kestra": ("flyway", "V1_1__initial.sql", "V1_27__escape_fulltext.sql", {True}),
    "harbor": ("golang-migrate", "0001_initial_schema.up.sql", "0190_2.16.0_schema.up.sql", {False}),
    "supabase-postgres": ("auto", "init-scripts/00000000000000-initial-schema.sql", None, {True}),
    "trigger-dev": ("prisma", "20221206131204_init/migration.sql", None, {False}),
    "hydra": ("pop", "20150101000001000000_networks.postgres.up.sql", None, {True, False}),
}


@needs_corpus
@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_corpus_project_layout_and_order(project):
    root = CORPUS / project
    layout, first, last, txs = EXPECTED[project]
    cands, _ = find_candidates([str(root)])
    assert [g.name for g, _ in assign(cands, "auto")] == [layout]
    found = discover([str(root)])
    rel = [os.path.relpath(m.path, root).replace(os.sep, "/") for m in found.migrations]
    assert rel[0] == first
    if last:
        assert rel[-1] == last
    assert {m.in_transaction for m in found.migrations} == txs
    assert not found.unreadable


@needs_corpus
def test_kestra_flyway_versions_are_numeric():
    rel = [os.path.basename(m.path) for m in discover([str(CORPUS / "kestra")]).migrations]
    assert rel.index("V1_9__execution_queued.sql") < rel.index("V1_10__multitenant_indices.sql")
    nums = [int(n.split("__")[0].split("_")[1]) for n in rel]
    assert nums == sorted(nums)


@needs_corpus
def test_supabase_init_scripts_run_before_migrations():
    rel = [os.path.relpath(m.path, CORPUS / "supabase-postgres") for m in
           discover([str(CORPUS / "supabase-postgres")]).migrations]
    kinds = [r.split(os.sep)[0] for r in rel]
    assert kinds == sorted(kinds, key=lambda k: k != "init-scripts")


@needs_corpus
def test_hydra_popx_variants_order_and_autocommit():
    # popx: per version the postgres variant, else the generic file (459 of the 1,223
    # files are one or the other, MANIFEST.md; 3 generic ones have a postgres variant);
    # versions in order, each up before its down; `.autocommit` files outside a transaction.
    found = discover([str(CORPUS / "hydra")])
    names = [os.path.basename(m.path) for m in found.migrations]
    assert len(names) == 456 and len(found.skipped) == 767
    assert sorted(s.kind for s in found.skipped).count("replaced") == 3
    assert not any(n.split(".")[-3] in ("cockroach", "mysql", "sqlite") for n in names if n.count(".") > 2)
    versions = [n.split("_")[0] for n in names]
    assert versions == sorted(versions)
    assert {m.in_transaction for m in found.migrations if ".autocommit." in m.path} == {False}
    assert {m.in_transaction for m in found.migrations if ".autocommit." not in m.path} == {True}
    assert "20241609000001000000_device_flow.postgres.up.sql" in names
    assert "20241609000001000000_device_flow.autocommit.up.sql" not in names


@needs_corpus
def test_hatchet_goose_sections_split():
    found = discover([str(CORPUS / "hatchet")]).migrations
    downs = [m for m in found if m.direction == "down"]
    assert downs and all(len(m.sql) == len(m.text) for m in downs)
    no_tx = {m.path for m in found if m.in_transaction is False}
    assert len(no_tx) == 33  # the files with `-- +goose NO TRANSACTION` (MANIFEST)


@needs_corpus
@pytest.mark.parametrize("project", sorted(EXPECTED))
def test_corpus_never_crashes_and_has_no_parse_errors(project, capsys):
    code = main(["check", "--select", "ALL", "-f", "json", str(CORPUS / project)])
    out = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    bad = [d for d in out["diagnostics"] if d["rule"] in ("internal-error", "parse-error", "layout-problem")]
    assert bad == []
