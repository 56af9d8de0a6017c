"""The cache (and a run split between two processes) gives exactly the findings of a plain run."""

from __future__ import annotations

import json
import os

import pytest

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.cli import main
from schemalint.config.settings import LintConfig, PgVersion
from schemalint.diagnostics import Diagnostic, Edit, Fix, Severity
from schemalint.diagnostics.rule import StatementRef
from schemalint.discover.source import Migration
from schemalint.speed import cache as cache_mod
from schemalint.speed import parallel
from schemalint.speed.cache import lint_migrations, resolve_dir
from schemalint.speed.findings import decode_diagnostics, encode_diagnostics
from schemalint.speed.keys import _code_files
from schemalint.speed.pack import ParsePack
from schemalint.speed.store import Cache

from .helpers import as_dicts, damage_file

MIGRATIONS = {
    "001_init.sql": (
        "-- Données: création\n"
        "CREATE TABLE customers (id bigserial PRIMARY KEY, email text NOT NULL);\n"
        "CREATE TABLE orders (id bigserial PRIMARY KEY,\n"
        "  customer_id bigint REFERENCES customers (id), note text DEFAULT 'café');\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END; $$;\n"
    ),
    "002_change.sql": (
        "ALTER TABLE orders ADD COLUMN region text NOT NULL;\n"
        "CREATE INDEX orders_region_idx ON orders (region);\n"
        "ALTER TABLE customers ALTER COLUMN email SET NOT NULL;\n"
    ),
    "003_broken.sql": "CREATE TABLE x (a int;\nDROP INDEX orders_region_idx;\n",
    "004_same.sql": "SELECT 1;\n",
    "005_same.sql": "SELECT 1;\n",
}


def migrations(files: dict[str, str]) -> list[Migration]:
    return [Migration(path=name, text=text) for name, text in files.items()]


def reference(files=MIGRATIONS, config=None):
    stats: dict = {}
    diags = lint(migrations(files), config or LintConfig(), all_rules(), stats=stats)
    return as_dicts(diags), stats["statements"]


@pytest.fixture
def cached_env(monkeypatch):
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SCHEMALINT_CACHE_DIR", raising=False)
    # These inputs are tiny: use the parse pack anyway, it is what is tested.
    monkeypatch.setattr(cache_mod, "PACK_MIN_CHARS", 0)


def run(files, cache_dir, config=None, jobs=1):
    stats: dict = {}
    diags = lint_migrations(migrations(files), config or LintConfig(), stats, cache_dir, jobs=jobs)
    return as_dicts(diags), stats


def test_cold_warm_and_uncached_runs_agree(tmp_path, cached_env):
    expected, count = reference()
    assert any(d["rule"] == "parse-error" for d in expected)  # recovery data is cached too
    cold, stats = run(MIGRATIONS, str(tmp_path))
    assert stats["cache"] == "miss"
    warm, stats2 = run(MIGRATIONS, str(tmp_path))
    assert stats2["cache"] == "hit"
    off, stats3 = run(MIGRATIONS, None)
    assert stats3["cache"] == "off"
    assert cold == warm == off == expected
    assert stats["statements"] == stats2["statements"] == count


def test_parse_results_reused_when_only_findings_must_be_recomputed(tmp_path, cached_env, monkeypatch):
    run(MIGRATIONS, str(tmp_path))
    # A different configuration misses the run entry but reuses every parse result.
    config = LintConfig(pg_version=PgVersion(11, 0))
    calls = []
    real = ParsePack.get

    def spy(self, digest):
        raw = real(self, digest)
        calls.append(raw is not None)
        return raw

    monkeypatch.setattr(ParsePack, "get", spy)
    got, stats = run(MIGRATIONS, str(tmp_path), config)
    assert stats["cache"] == "miss"
    assert calls and all(calls)
    assert got == reference(config=config)[0]


def test_a_changed_file_invalidates(tmp_path, cached_env):
    run(MIGRATIONS, str(tmp_path))
    changed = dict(MIGRATIONS)
    changed["001_init.sql"] = changed["001_init.sql"].replace("bigserial", "uuid")
    got, stats = run(changed, str(tmp_path))
    assert stats["cache"] == "miss"
    assert got == reference(changed)[0]
    assert got != reference()[0]


def test_an_earlier_file_changes_later_findings(tmp_path, cached_env):
    # Why findings are cached per run, not per file: 002 is unchanged, but a validated
    # CHECK (a IS NOT NULL) added to 001 makes its SET NOT NULL safe.
    later = "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
    files = {"001.sql": "CREATE TABLE t (a int);\n", "002.sql": later}
    first, _ = run(files, str(tmp_path))
    assert [d["path"] for d in first if d["rule"] == "set-not-null-on-existing-column"] == ["002.sql"]
    files2 = {"001.sql": "CREATE TABLE t (a int, CONSTRAINT t_a_nn CHECK (a IS NOT NULL));\n",
              "002.sql": later}
    second, stats = run(files2, str(tmp_path))
    assert stats["cache"] == "miss"
    assert not any(d["rule"] == "set-not-null-on-existing-column" for d in second)
    assert second == reference(files2)[0]


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty", "other-key"])
def test_damaged_cache_entries_are_ignored(tmp_path, cached_env, damage):
    expected, _ = reference()
    run(MIGRATIONS, str(tmp_path))
    entries = [os.path.join(d, f) for d, _, fs in os.walk(tmp_path) for f in fs
               if f == "parse.pack" or os.path.basename(d) == "runs"]
    assert len(entries) == 2
    for path in entries:
        damage_file(path, damage)
    got, stats = run(MIGRATIONS, str(tmp_path))
    assert stats["cache"] == "miss"
    assert got == expected
    # ... and the entries were rewritten: the next run hits again.
    assert run(MIGRATIONS, str(tmp_path)) == (expected, {**stats, "cache": "hit"})


def test_unwritable_cache_dir_is_skipped(tmp_path, cached_env):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    got, stats = run(MIGRATIONS, str(blocker / "cache"))
    assert got == reference()[0]


def test_parallel_lint_equals_serial(tmp_path, cached_env, monkeypatch):
    expected, _ = reference()
    # pytest-xdist's workers run a thread of their own (test_no_split_beside_other_threads).
    monkeypatch.setattr(parallel, "_other_threads", lambda: False)
    assert parallel.split_point(migrations(MIGRATIONS), 2) > 0 or not parallel._can_fork()
    got, _ = run(MIGRATIONS, str(tmp_path), jobs=2)
    assert got == expected
    got_nocache, _ = run(MIGRATIONS, None, jobs=2)
    assert got_nocache == expected


def test_findings_round_trip():
    d = Diagnostic(code="SL101", rule="r", severity=Severity.WARNING, path="a.sql", line=1, column=2,
                   end_line=1, end_column=5, message="m é", help="h",
                   fix=Fix("add it", (Edit(1, 2, "x"),), safe=False), start=1, end=4,
                   extra={"statement": StatementRef("SELECT 1"), "n": [1, (2, "x")]})
    encoded = encode_diagnostics([d])
    import marshal

    (back,) = decode_diagnostics(marshal.loads(marshal.dumps(encoded)))
    assert back.to_dict() == d.to_dict()
    assert back.fix == d.fix and back.severity is Severity.WARNING
    assert back.extra["n"] == [1, (2, "x")]
    assert back.extra["statement"].fingerprint == StatementRef("SELECT 1").fingerprint
    # Something the cache cannot store faithfully: the run is not cached.
    d.extra["odd"] = object()
    assert encode_diagnostics([d]) is None


def test_resolve_dir(tmp_path, cached_env, monkeypatch):
    (tmp_path / "proj" / "sub").mkdir(parents=True)
    (tmp_path / "proj" / "pyproject.toml").write_text("")
    assert resolve_dir(cwd=str(tmp_path / "proj" / "sub")) == str(tmp_path / "proj" / ".schemalint_cache")
    assert resolve_dir(cache_dir="x") == "x"
    assert resolve_dir(no_cache=True, cache_dir="x") is None
    monkeypatch.setenv("SCHEMALINT_CACHE_DIR", "envdir")
    assert resolve_dir() == "envdir"
    monkeypatch.setenv("SCHEMALINT_NO_CACHE", "1")
    assert resolve_dir(cache_dir="x") is None


def test_cli_flags(tmp_path, cached_env, capsys, monkeypatch):
    mig = tmp_path / "migrations"
    mig.mkdir()
    for name, text in MIGRATIONS.items():
        (mig / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cache_dir = tmp_path / "c"
    outputs = []
    for extra in (["--cache-dir", str(cache_dir)], ["--cache-dir", str(cache_dir)], ["--no-cache"]):
        assert main(["check", str(mig), "--format", "json", *extra]) == 1
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1] == outputs[2]
    assert (cache_dir / ".gitignore").exists()
    # --no-cache wrote nothing at the project root (tmp_path has no marker: XDG is used).
    assert not (tmp_path / ".schemalint_cache").exists()


def test_entries_of_other_versions_are_dropped_but_nothing_else(tmp_path, cached_env):
    old = tmp_path / ("0" * 20)
    (old / "runs").mkdir(parents=True)
    (old / "parse.pack").write_bytes(b"x")
    mine = tmp_path / ("1" * 20)
    mine.mkdir()
    (mine / "notes.txt").write_text("user data")
    run(MIGRATIONS, str(tmp_path))
    assert not old.exists()
    assert (mine / "notes.txt").exists()


def test_small_runs_skip_the_parse_pack_but_cache_findings(tmp_path, cached_env, monkeypatch):
    monkeypatch.setattr(cache_mod, "PACK_MIN_CHARS", 10**9)
    expected, _ = reference()
    assert run(MIGRATIONS, str(tmp_path))[0] == expected
    got, stats = run(MIGRATIONS, str(tmp_path))
    assert (got, stats["cache"]) == (expected, "hit")
    assert not list(tmp_path.rglob("parse.pack"))


def test_a_truncated_pack_keeps_the_records_before_the_cut(tmp_path, cached_env):
    run(MIGRATIONS, str(tmp_path))
    [pack] = list(tmp_path.rglob("parse.pack"))
    whole = ParsePack(Cache(str(tmp_path)))
    data = pack.read_bytes()
    pack.write_bytes(data[:-1])  # the last record loses its last byte
    cut = ParsePack(Cache(str(tmp_path)))
    assert 0 < len(cut.entries) == len(whole.entries) - 1
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_failed_run_leaves_no_half_written_pack(tmp_path, cached_env, monkeypatch):
    from schemalint.speed import checkpoint

    def boom(migrations, config, rules, parsed, *args, **kwargs):
        for m in parsed.migrations:  # parse (and store) every file first
            parsed.get(m)
        raise RuntimeError("boom")

    monkeypatch.setattr(checkpoint, "lint", boom)
    with pytest.raises(RuntimeError):
        run(MIGRATIONS, str(tmp_path))
    assert not list(tmp_path.rglob("*.tmp")) and not list(tmp_path.rglob("parse.pack"))


def test_the_code_fingerprint_covers_every_package_and_the_rules():
    files = {entry.rsplit(":", 2)[0].replace(os.sep, "/") for entry in _code_files()}
    assert {"check/engine.py", "parse/statements.py", "speed/keys.py", "cli.py"} <= files
    assert "create_index_non_concurrently.py" in files or "rules/create_index_non_concurrently.py" in files


@pytest.mark.parametrize("count", [0, 1, 3, 7])
def test_findings_are_written_a_frame_at_a_time_and_read_back_whole(count, monkeypatch, tmp_path):
    """A run's findings (and a checkpoint's) are marshalled a few rows at a time: read back,
    they are the rows written, in order, across frames; a truncated entry is a miss."""
    import io

    from schemalint.speed import store

    monkeypatch.setattr(store, "ROWS_PER_FRAME", 3)
    rows = [(f"rule-{i}", i, ("severity", 2)) for i in range(count)]
    buffer = io.BytesIO()
    written = store.write_frames(buffer.write, ("head", 1), rows)
    data = buffer.getvalue()
    assert written == len(data)
    assert store.read_frames(memoryview(data)) == (("head", 1), rows)
    with pytest.raises(ValueError):
        store.read_frames(memoryview(data)[:-1])
    cache = Cache(str(tmp_path))
    cache.store_run("key", (5, ("names", rows, (2,)), {"a.sql": 1}))
    assert cache.load_run("key") == (5, ("names", rows, (2,)), {"a.sql": 1})
    path = cache.run_path("key")
    with open(path, "rb") as fh:
        whole = fh.read()
    with open(path, "wb") as fh:
        fh.write(whole[:-2])
    assert cache.load_run("key") is None
