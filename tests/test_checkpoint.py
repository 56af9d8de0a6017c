"""A run that starts from a checkpoint (linter/speed/checkpoint.py: the check pass's state after
a prefix of the history) gives exactly the findings, and the report, of a run without one."""

from __future__ import annotations

import os

import pytest

from schemalint.check import engine
from schemalint.check.catalog import all_rules
from schemalint.cli import main
from schemalint.config.settings import LintConfig, PgVersion
from schemalint.diagnostics import Severity
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.diagnostics.rule import make_diagnostic
from schemalint.discover.discovery import discover
from schemalint.discover.source import Migration
from schemalint.model.objects import LazySite
from schemalint.speed import cache as cache_mod
from schemalint.speed import checkpoint, parallel
from schemalint.speed.cache import lint_migrations
from schemalint.speed.store import Cache

from .checkpoints import cached_run, entries, fresh, reference
from .corpus import CORPUS, ROOT, corpus_projects
from .helpers import FILES, as_dicts, damage_file

ADDED = [
    Migration("008_added.sql",
              "-- schemalint: ignore[create-index-non-concurrently] a small table\n"
              "CREATE INDEX customers_email_idx ON customers (email);\n"
              "ALTER TABLE customers ADD COLUMN phone text;\n"
              "-- schemalint: ignore[drop-table] suppresses nothing\n"
              "ALTER TABLE orders ADD CONSTRAINT one CHECK (paid IS NOT NULL);\n"),
    Migration("008_added.down.sql", "ALTER TABLE customers DROP COLUMN phone;\n", direction="down"),
]


@pytest.mark.parametrize("streamed", [False, True], ids=["parsed", "streamed"])
def test_every_cut_gives_the_findings_of_a_run_without_checkpoints(cached, monkeypatch, tmp_path, streamed):
    """A checkpoint after each prefix of a history (a schema dump, a down migration, a parse
    error, identical files, suppression comments before and after the cut: one hides a schema
    rule's finding made after the cut, one is unused), then the whole history and two more
    files (one with comments that hide and one that hides nothing, and its down migration)."""
    if streamed:  # every file parsed as a stream, its data statements' trees dropped
        monkeypatch.setattr(engine, "STREAM_CHARS", 8)
    history = FILES + ADDED
    expected = reference(fresh(history))
    assert {d["rule"] for d in expected[0]} >= {"unused-ignore", "parse-error", "foreign-key-without-index"}
    for k in range(1, len(history) + 1):
        cache_dir = str(tmp_path / f"cut{k}")
        assert cached_run(fresh(history[:k]), cache_dir) == reference(fresh(history[:k]))
        assert len(entries(cache_dir)) == 1
        assert cached_run(fresh(history), cache_dir) == expected, f"cut at {k}"
        assert cached.restored[-1] == k, f"cut at {k}"


def test_the_restored_model_refers_to_this_runs_migrations(cached):
    first = fresh(FILES)
    lint_migrations(first, LintConfig(), {}, cached.dir)
    again = fresh(FILES)
    checker = engine.Checker(LintConfig(), all_rules())
    store = checkpoint.Checkpoints(Cache(cached.dir))
    assert store.restore(checker, again, checkpoint.chain(
        cache_mod.run_inputs(store.cache.tag, again, [cache_mod.text_hash(m.parse_text) for m in again],
                             LintConfig())))[0] == len(FILES)
    orders = checker.model.tables[("public", "orders")]
    assert orders.columns["note"].type_site.migration is again[1]
    assert checker.model.pg_version == LintConfig().pg_version and type(checker.model.pg_version) is PgVersion
    assert [m for m, _ in checker.with_directives] == [again[1], again[7]]


def test_an_earlier_file_edited_or_the_configuration_changed_is_a_miss(cached):
    cached_run(fresh(FILES), cached.dir)
    edited = fresh(FILES)
    edited[3] = Migration("002_change.sql", edited[3].text.replace("region", "area"))
    assert cached_run(edited, cached.dir) == reference(edited)
    assert cached.restored[-1] == 0
    other = LintConfig(pg_version=PgVersion(11))
    assert cached_run(fresh(FILES), cached.dir, other) == reference(fresh(FILES), other)
    assert cached.restored[-1] == 0
    # A file inserted before the end: the checkpoint of the files before it is not stored
    # (only the end of each run is), so it is a miss too.
    inserted = fresh(FILES[:4]) + [Migration("002b_inserted.sql", "SELECT 3;\n")] + fresh(FILES[4:])
    assert cached_run(inserted, cached.dir) == reference(inserted)
    assert cached.restored[-1] == 0
    # The unchanged history still finds its own.
    assert cached_run(fresh(FILES), cached.dir) == reference(fresh(FILES))
    assert cached.restored[-1] == len(FILES)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "flip", "empty"])
def test_a_damaged_checkpoint_is_ignored_and_rebuilt(cached, damage):
    cached_run(fresh(FILES[:-1]), cached.dir)
    [name] = entries(cached.dir)
    [path] = [os.path.join(d, name) for d, _, fs in os.walk(cached.dir) if name in fs]
    damage_file(path, damage)  # "flip": one byte of the model changed, the digest catches it
    assert cached_run(fresh(FILES), cached.dir) == reference(fresh(FILES))
    assert cached.restored[-1] == 0
    assert not os.path.exists(path)  # removed, and the run stored its own
    assert cached_run(fresh(FILES + ADDED), cached.dir) == reference(fresh(FILES + ADDED))
    assert cached.restored[-1] == len(FILES)


def test_a_run_reporting_some_files_starts_from_a_whole_runs_checkpoint_and_stores_none(cached):
    cached_run(fresh(FILES), cached.dir)
    history = FILES + ADDED
    for reported in ({"008_added.sql"}, {"001_init.sql", "008_added.sql"}, {"007_tx.sql"}, set()):
        before = entries(cached.dir)
        found, count = cached_run(fresh(history), cached.dir, reported=reported)
        expected, expected_count = reference(fresh(history), reported=reported)
        assert [d for d in found if d["path"] in reported] == [d for d in expected if d["path"] in reported]
        assert count == expected_count
        assert cached.restored[-1] == len(FILES)
        assert entries(cached.dir) == before


def test_with_jobs_2_a_checkpoint_means_one_process(cached, monkeypatch):
    if not parallel._can_fork():
        pytest.skip("the split needs os.fork (Linux)")
    monkeypatch.setattr(parallel, "_other_threads", lambda: False)
    splits = []
    real = parallel.lint_in_two
    monkeypatch.setattr(parallel, "lint_in_two", lambda *a, **k: splits.append(a[4]) or real(*a, **k))
    # No checkpoint: the split, which stores none (no process holds the whole pass's state).
    assert cached_run(fresh(FILES), cached.dir, jobs=2) == reference(fresh(FILES))
    assert splits and entries(cached.dir) == []
    cached_run(fresh(FILES), cached.dir)
    # A checkpoint: one process checks the rest.
    assert cached_run(fresh(FILES + ADDED), cached.dir, jobs=2) == reference(fresh(FILES + ADDED))
    assert len(splits) == 1 and cached.restored[-1] == len(FILES)


def test_replay_findings_join_after_the_restored_state(cached):
    cached_run(fresh(FILES), cached.dir)
    history = fresh(FILES + ADDED)
    replayed = [make_diagnostic(REPLAY_RULES[0], history[-2], 0, 5, "measured on the server")]
    assert cached_run(history, cached.dir, extra=replayed, extra_rules=REPLAY_RULES) == \
        reference(history, extra=replayed, extra_rules=REPLAY_RULES)
    assert cached.restored[-1] == len(FILES)


def test_a_short_addition_stores_no_new_checkpoint_a_long_one_does(cached, monkeypatch):
    history = fresh(FILES)
    cached_run(history[:-1], cached.dir)
    [first] = entries(cached.dir)
    monkeypatch.setattr(checkpoint, "REFRESH_SHARE", 0.5)
    cached_run(fresh(FILES), cached.dir)  # one file of few statements more: reuses, stores none
    assert entries(cached.dir) == [first] and cached.restored[-1] == len(FILES) - 1
    monkeypatch.setattr(checkpoint, "REFRESH_SHARE", 0.0)
    cached_run(fresh(FILES), cached.dir)
    assert len(entries(cached.dir)) == 2


def test_only_a_few_checkpoints_are_kept(cached):
    for n in range(2, 9):
        cached_run(fresh(FILES[:n]), cached.dir)
        assert len(entries(cached.dir)) == min(n - 1, checkpoint.MAX_CHECKPOINTS)
    assert not [p for d, _, fs in os.walk(cached.dir) for p in fs if p.endswith(".tmp")]


def test_the_checkpoint_holds_no_parse_tree_or_statement(monkeypatch):
    """The model refers to migrations and their offset maps by position, and keeps no
    statement when the last file leaves none open (the checkpoint's size is that of the
    schema, not of the history): neither does any table's columns, stored apart."""
    import io

    from schemalint.parse.statements import Statement

    checker = engine.Checker(LintConfig(), all_rules())
    history = fresh(FILES + ADDED)
    for m in history:
        checker.check(m)
    buffer = io.BytesIO()
    section, size = checkpoint._write_model(checkpoint._Digesting(buffer), checker.model, history,
                                            {id(m): i for i, m in enumerate(history)})
    held = []
    real = checkpoint._Loader.find_class

    def spy(self, module, name):
        held.append(name)
        return real(self, module, name)

    monkeypatch.setattr(checkpoint._Loader, "find_class", spy)
    model = checkpoint._read_model(buffer.getvalue(), section, size, history)
    before = len(held)
    assert sum(len(t.columns) for t in model.tables.values()) > 10 and len(held) > before
    assert {"_make_Column", "_migration_at"} <= set(held)
    assert "Migration" not in held and Statement.__name__ not in held and "OffsetMap" not in held


def test_loading_takes_only_schemalint_classes():
    import io
    import pickle

    class Evil:
        def __reduce__(self):
            return os.system, ("true",)

    data = pickle.dumps(Evil())
    with pytest.raises(pickle.UnpicklingError):
        checkpoint._Loader(io.BytesIO(data), []).load()


def _cli(args, capsys) -> tuple[int, str]:
    code = main(["check", *args, "--format", "json"])
    return code, capsys.readouterr().out


def test_the_report_is_the_same_bytes_with_a_baseline_and_named_files(cached, tmp_path, capsys):
    """The CLI: a history, its checkpoint, one migration added; the report with the cache is
    the report without it, whole, against a baseline, and for the new file alone."""
    db = tmp_path / "db"
    db.mkdir()
    for m in FILES[1:]:
        if m.direction == "up" and m.in_transaction is None:
            (db / m.path).write_text(m.text, encoding="utf-8")
    config = tmp_path / ".schemalint.yaml"
    config.write_text(f"paths:\n  - {db}\n", encoding="utf-8")
    base = ["--config", str(config), "--cache-dir", cached.dir]
    _cli([str(db), *base], capsys)
    (db / "008_added.sql").write_text(ADDED[0].text, encoding="utf-8")
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(db), "--config", str(config), "--baseline", str(baseline)]) == 0
    capsys.readouterr()
    (db / "009_more.sql").write_text("CREATE INDEX more_idx ON customers (phone);\n", encoding="utf-8")
    for args in ([str(db)], [str(db), "--baseline", str(baseline)], [str(db / "009_more.sql")]):
        with_cache = _cli([*args, *base], capsys)
        assert cached.restored[-1] > 0, args
        assert with_cache == _cli([*args, "--config", str(config), "--no-cache"], capsys), args


@pytest.mark.parametrize("case", sorted(p.name for p in (ROOT / "tests" / "heldout").iterdir()
                                        if p.is_dir() and not p.name.startswith("_")))
def test_held_out_repositories_from_a_checkpoint(case, cached, tmp_path):
    migrations = discover([str(ROOT / "tests" / "heldout" / case)]).migrations
    _cuts(migrations, cached, tmp_path)


@pytest.mark.parametrize("project", corpus_projects() or [CORPUS / "absent"], ids=lambda p: p.name)
def test_corpus_projects_from_a_checkpoint(project, cached, tmp_path):
    if not project.is_dir():
        pytest.skip(f"real-world corpus not present at {CORPUS} (CI has it there)")
    _cuts(discover([str(project)]).migrations, cached, tmp_path)


def _cuts(migrations, cached, tmp_path):
    """Checkpoints at the middle and before the last file, then the whole history."""
    expected = reference(migrations)
    for k in sorted({len(migrations) // 2, len(migrations) - 1} - {0}):
        cache_dir = str(tmp_path / f"cut{k}")
        cached_run(migrations[:k], cache_dir)
        assert cached_run(migrations, cache_dir) == expected, f"cut at {k}"
        assert cached.restored[-1] == k


def test_a_transaction_the_last_file_leaves_open(cached):
    """The last file's session (an open BEGIN, a NOT VALID constraint in it) is stored with the
    model: a run of the same history (the schema rules after it) and one with a file more."""
    history = fresh(FILES) + [
        Migration("008_open.sql", "BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (paid IS NOT NULL) NOT VALID;\n"
                                  "ALTER TABLE orders ADD COLUMN shipped date;\n"),
        Migration("009_after.sql", "COMMIT;\nCREATE INDEX CONCURRENTLY paid_idx ON orders (paid);\n")]
    cached_run(fresh(history[:-1]), cached.dir)
    for files in (history[:-1], history):
        assert cached_run(fresh(files), cached.dir) == reference(fresh(files))
        assert cached.restored[-1] == len(history) - 1


def test_the_sites_the_schema_rules_reported_are_stored_located(cached):
    cached_run(fresh(FILES), cached.dir)
    reported = {(d["path"], d["line"], d["column"]) for d in reference(fresh(FILES))[0]
                if d["rule"] == "foreign-key-without-index"}
    assert reported
    checker = engine.Checker(LintConfig(), all_rules())
    history = fresh(FILES)
    store = checkpoint.Checkpoints(Cache(cached.dir))
    assert store.restore(checker, history, checkpoint.chain(
        cache_mod.run_inputs(store.cache.tag, history, [cache_mod.text_hash(m.parse_text) for m in history],
                             LintConfig())))[0] == len(FILES)
    # The foreign keys foreign-key-without-index reports (every one in FILES; one finding is
    # then silenced by a suppression comment): located by
    # the run that stored them, whose schema rules ran first, so a run from this checkpoint
    # reports them without finding them in their files again.
    sites = [con.site for table in checker.model.tables.values() for con in table.constraints.values()
             if con.kind == "foreign" and isinstance(con.site, LazySite)]
    assert len(sites) == 2
    assert all(site._span is not None for site in sites)


@pytest.mark.parametrize("command_line", [False, True], ids=["in-process", "command-line"])
def test_a_resumed_runs_findings_stored_for_the_next_run_are_as_reported(monkeypatch, tmp_path, command_line):
    """The whole run's findings a resumed run stores (`runs/`) reuse the rows the checkpoint's
    findings were decoded from, except where `finish` changed a finding (a severity override
    is set in place). The next run takes them whole and reports what the resumed run
    reported. From the command line a forked child stores them (parallel.beside), from the
    state they had when the run's findings were made, while the run goes on."""
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    config = LintConfig(severity={"foreign-key-without-index": Severity.ERROR,
                                  "create-index-non-concurrently": Severity.INFO})
    cache_dir = str(tmp_path / "cache")
    cached_run(fresh(FILES), cache_dir, config)
    history = fresh(FILES) + [ADDED[0]]
    expected = reference(fresh(history), config)
    stats: dict = {}
    started = []
    if command_line:
        from schemalint import process

        monkeypatch.setattr(process, "ENDS_AFTER_COMMAND", True)
        real = parallel.beside
        monkeypatch.setattr(parallel, "beside", lambda work: started.append(real(work)) or started[-1])
    try:
        assert as_dicts(lint_migrations(fresh(history), config, stats, cache_dir)) == expected[0]
    finally:
        parallel._reap_beside()  # what the exit does
        if command_line:
            process._kept.clear()
            monkeypatch.setattr(process, "ENDS_AFTER_COMMAND", False)
    assert started == ([True] if command_line else [])
    assert stats["cache"] == "miss"
    again: dict = {}
    assert as_dicts(lint_migrations(fresh(history), config, again, cache_dir)) == expected[0]
    assert again["cache"] == "hit"
    assert any(d["severity"] == "error" for d in expected[0])
