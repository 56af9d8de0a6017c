"""When only some files are reported (a pre-commit hook's staged files, folded in the context
of the whole history), the others are only folded (`engine.lint(reported=)`): the reported
files get exactly the findings, and the report exactly the bytes, of checking everything."""

from __future__ import annotations

import json
import os

import pytest

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.cli import main
from schemalint.config.settings import LintConfig
from schemalint.discover.discovery import discover
from schemalint.gate import reporting as gate
from schemalint.speed.cache import lint_migrations

from .corpus import CORPUS, corpus_projects, requires_corpus
from .helpers import FILES, as_dicts, bench_module, git


def _of(found, paths) -> list[dict]:
    return [d for d in as_dicts(found) if d["path"] in paths]


def test_each_reported_file_gets_the_findings_of_a_full_run():
    full_stats: dict = {}
    full = lint(FILES, LintConfig(), all_rules(), stats=full_stats)
    names = [m.path for m in FILES]
    choices = [{n} for n in names] + [{names[1], names[6]}, {names[0], names[-1]}, set()]
    for reported in choices:
        stats: dict = {}
        part = lint(FILES, LintConfig(), all_rules(), stats=stats, reported=reported)
        assert _of(part, reported) == _of(full, reported), reported
        assert stats["statements"] == full_stats["statements"]
    # The files not reported were only folded, not checked (the loop above would also pass
    # if `reported` were ignored): 002_change.sql's finding that depends on the history
    # (orders exists, so its index build blocks writes) is made only when it is reported.
    index_finding = [d for d in _of(full, {"002_change.sql"})
                     if d["rule"] == "create-index-non-concurrently"]
    assert index_finding
    part = lint(FILES, LintConfig(), all_rules(), reported={"007_tx.sql"})
    assert not [d for d in as_dicts(part) if d in index_finding]


def _configured(tmp_path, history_dir: str) -> str:
    config = tmp_path / ".schemalint.yaml"
    config.write_text(f"paths:\n  - {json.dumps(history_dir)}\n", encoding="utf-8")
    return str(config)


def _report(args: list[str], monkeypatch, capsys, fold_others: bool) -> str:
    real = gate.ReportScope.reported_paths
    used = []

    def reported_paths(scope, migrations):
        # fold_others=False: the behaviour before, every file checked, the report filtered.
        found = real(scope, migrations) if fold_others else None
        used.append((found, len(migrations)))
        return found

    with monkeypatch.context() as patch:
        patch.setattr(gate.ReportScope, "reported_paths", reported_paths)
        code = main(["check", *args, "--format", "json", "--no-cache"])
    out = capsys.readouterr().out
    assert code in (0, 1)
    if fold_others:  # the run did fold files without checking them
        assert [0 < len(found) < n for found, n in used] == [True], used
    return out


def _same_report(files: list[str], config: str, monkeypatch, capsys) -> str:
    args = [*files, "--config", config]
    folded = _report(args, monkeypatch, capsys, fold_others=True)
    assert folded == _report(args, monkeypatch, capsys, fold_others=False), files
    return folded


def _generated(tmp_path) -> list[str]:
    repo = tmp_path / "repo"
    bench_module("gen_repo").generate(str(repo), statements=3000)
    return sorted(str(p) for p in repo.rglob("*.sql"))


def test_a_generated_history_reports_the_same_bytes(tmp_path, monkeypatch, capsys):
    files = _generated(tmp_path)
    config = _configured(tmp_path, os.path.dirname(files[0]))
    n = len(files)
    reports = [_same_report(chosen, config, monkeypatch, capsys)
               for chosen in ([files[-1]], [files[0]], [files[n // 2], files[n // 3]])]
    summaries = [json.loads(r)["summary"] for r in reports]
    # Every file is still counted (and the history folded); some reported files have findings.
    assert all(s["files"] == n and s["statements"] >= 3000 for s in summaries)
    assert sum(s["diagnostics"] for s in summaries) > 0


@requires_corpus
@pytest.mark.parametrize("project", corpus_projects() or [CORPUS / "absent"], ids=lambda p: p.name)
def test_corpus_projects_report_the_same_bytes(project, tmp_path, monkeypatch, capsys):
    # Files the project applies (a named file another engine's variant is not reported).
    files = sorted({m.path for m in discover([str(project)]).migrations})
    config = _configured(tmp_path, str(project))
    for chosen in ([files[-1]], [files[len(files) // 2]]):
        _same_report(chosen, config, monkeypatch, capsys)


def _history(tmp_path):
    migrations = tmp_path / "db"
    migrations.mkdir()
    (migrations / "001_orders.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, region text);\n", encoding="utf-8")
    (migrations / "002_index.sql").write_text(
        "CREATE INDEX orders_region_idx ON orders (region);\n", encoding="utf-8")
    (migrations / "003_index.sql").write_text(
        "CREATE INDEX orders_id_idx ON orders (id);\n", encoding="utf-8")
    (tmp_path / ".schemalint.yaml").write_text(
        "paths:\n  - db\nselect: [create-index-non-concurrently]\n", encoding="utf-8")
    return migrations


def test_a_baseline_entry_of_an_unreported_file_is_not_stale(tmp_path, monkeypatch, capsys):
    """Unreported files are not checked, so their baseline entries can be neither matched
    nor found stale: --prune-baseline must keep them."""
    migrations = _history(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["baseline"]) == 0
    baseline = tmp_path / ".schemalint-baseline.json"
    entries = json.loads(baseline.read_text(encoding="utf-8"))
    assert len(str(entries).split("create-index-non-concurrently")) == 3  # both indexes
    capsys.readouterr()
    (migrations / "003_index.sql").write_text(
        "CREATE INDEX CONCURRENTLY orders_id_idx ON orders (id);\n", encoding="utf-8")
    code = main(["check", "db/003_index.sql", "--prune-baseline", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 0
    assert "002_index.sql" not in err and "removed 1 entry" in err  # 003's entry only
    kept = baseline.read_text(encoding="utf-8")
    assert "002_index.sql" in kept and "003_index.sql" not in kept


def test_a_run_of_some_files_is_cached_apart_from_the_whole_run(tmp_path, monkeypatch, capsys):
    _history(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)  # conftest.py turns it off
    cache = ["--cache-dir", str(tmp_path / "cache"), "--format", "json"]

    def run(*args: str) -> dict:
        main(["check", *args, *cache])
        return json.loads(capsys.readouterr().out)

    # The run of one file first: its entry holds fewer findings than the whole run's.
    some = run("db/003_index.sql")
    whole = run()
    assert {d["path"] for d in some["diagnostics"]} == {"db/003_index.sql"}
    assert len(whole["diagnostics"]) == 2
    assert run() == whole and run("db/003_index.sql") == some
    assert list((tmp_path / "cache").rglob("runs/*"))  # the runs were cached



def test_changed_since_reports_the_same_bytes(tmp_path, monkeypatch, capsys):
    """--changed-since: the files git does not list as changed are only folded."""
    files = _generated(tmp_path)
    repo = os.path.dirname(files[0])
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "history")
    for changed in (files[len(files) // 2], files[-1]):
        with open(changed, "a", encoding="utf-8") as fh:
            fh.write("CREATE INDEX orders_note_idx ON orders (note);\n")
    monkeypatch.chdir(repo)
    args = [repo, "--changed-since", "HEAD"]
    folded = _report(args, monkeypatch, capsys, fold_others=True)
    assert folded == _report(args, monkeypatch, capsys, fold_others=False)
    paths = {d["path"] for d in json.loads(folded)["diagnostics"]}
    assert paths and paths <= {os.path.relpath(f, repo) for f in (files[len(files) // 2], files[-1])}


def test_a_cached_whole_run_serves_a_run_of_some_files(tmp_path):
    """The GitHub Action's changed-only pass follows its complete pass: it takes the
    complete pass's findings from the cache instead of checking again."""
    config, rules_stats = LintConfig(), {}
    whole = lint_migrations(FILES, config, rules_stats, str(tmp_path))
    assert rules_stats["cache"] == "miss"
    stats: dict = {}
    some = lint_migrations(FILES, config, stats, str(tmp_path), reported={"002_change.sql"})
    assert stats["cache"] == "hit" and as_dicts(some) == as_dicts(whole)
