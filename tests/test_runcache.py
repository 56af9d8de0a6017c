"""The report cache: an unchanged run prints what the last one printed, and any change to
what the run read (a migration, a file it includes, a layout file, the baseline, the
command line) is a miss that recomputes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from schemalint.cli import main


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SCHEMALINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    (tmp_path / ".git").mkdir()  # the project root: the cache goes to .schemalint_cache/
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_init.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY, v text);\n")
    (mig / "002_index.sql").write_text("CREATE INDEX t_v ON t (v);\n")
    return tmp_path


def entries(root) -> list[str]:
    out = []
    for dirpath, _, files in os.walk(root / ".schemalint_cache"):
        if os.path.basename(dirpath) == "reports":
            out += [os.path.join(dirpath, f) for f in files if "." not in f]
    return out


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(["check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def replayed(monkeypatch, capsys, *args) -> tuple[int, str, str] | None:
    """Run `check`, failing if it did more than replay the stored report."""
    from schemalint.commands import check

    def no_full_run(*a, **k):
        raise AssertionError("the report cache missed")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(check, "_run_recorded", no_full_run)
        return run(capsys, *args)


def age(path, seconds: float = 10) -> None:
    """Backdate a file so that its stat is trusted (not 'racily clean')."""
    t = time.time() - seconds
    os.utime(path, (t, t))


def age_all(root) -> None:
    for dirpath, _, files in os.walk(root):
        for f in files:
            age(os.path.join(dirpath, f))


def test_an_unchanged_run_replays_the_report_and_exit_code(project, capsys, monkeypatch):
    first = run(capsys, "migrations", "--format", "json")
    assert first[0] == 1 and len(entries(project)) == 1
    age_all(project / "migrations")
    again = replayed(monkeypatch, capsys, "migrations", "--format", "json")
    assert again == first
    assert json.loads(again[1])["summary"]["files"] == 2


def test_a_replay_loads_neither_parser_nor_rules(project):
    code = ("import sys; from schemalint.cli import main; rc = main(['check', 'migrations']); "
            "print(sorted(m for m in ('pglast', 'schemalint.rules', 'schemalint.model.fold') "
            "if m in sys.modules), file=sys.stderr); sys.exit(rc)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    assert "'pglast'" in first.stderr
    second = subprocess.run([sys.executable, "-c", code], cwd=project, env=env, capture_output=True, text=True)
    assert second.stderr.strip().endswith("[]"), second.stderr
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)


def test_an_edited_migration_is_a_miss(project, capsys):
    run(capsys, "migrations")
    (project / "migrations" / "002_index.sql").write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    code, out, _ = run(capsys, "migrations")
    assert "create-index-non-concurrently" not in out and code == 0


def test_same_bytes_with_a_new_mtime_is_still_a_hit(project, capsys, monkeypatch):
    first = run(capsys, "migrations")
    path = project / "migrations" / "001_init.sql"
    path.write_text(path.read_text())  # a checkout that restores the same bytes
    assert replayed(monkeypatch, capsys, "migrations") == first


def test_an_edit_within_the_same_mtime_tick_is_seen(project, capsys):
    """Same size, same mtime (restored by hand): only the content hash can tell."""
    path = project / "migrations" / "002_index.sql"
    run(capsys, "migrations", "--format", "json")  # the same command both times: same key
    st = os.stat(path)
    path.write_text("CREATE INDEX t_w ON t (v);\n".replace("t_w", "t_x"))  # same length
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert "t_x" in out


def test_only_the_latest_report_of_a_key_is_kept(project, capsys):
    for n in range(3):
        (project / "migrations" / "002_index.sql").write_text(f"CREATE INDEX t_v{n} ON t (v);\n")
        run(capsys, "migrations")
    [entry] = entries(project)
    names = sorted(os.listdir(os.path.dirname(entry)))
    assert len(names) == 2 and names[1].startswith(names[0] + ".") and names[1].endswith(".out")


def test_a_damaged_report_file_is_a_miss(project, capsys, monkeypatch):
    first = run(capsys, "migrations")
    [entry] = entries(project)
    [out] = [n for n in os.listdir(os.path.dirname(entry)) if n.endswith(".out")]
    with open(os.path.join(os.path.dirname(entry), out), "a", encoding="utf-8") as fh:
        fh.write("tampered")
    age_all(project / "migrations")
    assert run(capsys, "migrations") == first


def test_a_new_file_in_the_directory_is_a_miss(project, capsys):
    run(capsys, "migrations", "--format", "json")
    (project / "migrations" / "003_more.sql").write_text("ALTER TABLE t ALTER COLUMN v SET NOT NULL;\n")
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert json.loads(out)["summary"]["files"] == 3


def test_other_arguments_are_other_entries(project, capsys, monkeypatch):
    text = run(capsys, "migrations")
    as_json = run(capsys, "migrations", "--format", "json")
    assert text[1] != as_json[1] and len(entries(project)) == 2
    age_all(project / "migrations")
    assert replayed(monkeypatch, capsys, "migrations") == text


def test_the_number_of_processes_is_not_part_of_the_key(project, capsys, monkeypatch):
    first = run(capsys, "migrations", "--format", "json")
    age_all(project / "migrations")
    assert replayed(monkeypatch, capsys, "migrations", "--format", "json", "--jobs", "2") == first


def test_an_included_file_is_a_dependency(project, capsys):
    (project / "migrations" / "002_index.sql").write_text("\\ir ../shared/index.psql\n")
    shared = project / "shared"
    shared.mkdir()
    (shared / "index.psql").write_text("CREATE INDEX t_v ON t (v);\n")
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert "create-index-non-concurrently" in out
    age_all(project)
    (shared / "index.psql").write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert "create-index-non-concurrently" not in out


def test_a_skipped_file_counts_by_its_presence_not_its_bytes(project, capsys, monkeypatch):
    # Another engine's variant: discovery skips it by its name and never reads it, so its
    # bytes cannot change the report; its presence does (the summary counts it).
    variant = project / "migrations" / "003_more.sql.sqlite"
    variant.write_text("CREATE TABLE u (id integer);\n")
    first = run(capsys, "migrations", "--format", "json")
    assert json.loads(first[1])["summary"]["layouts"][0]["skipped"] == 1
    variant.write_text("CREATE TABLE u (id integer, v text);\n")
    age_all(project / "migrations")
    assert replayed(monkeypatch, capsys, "migrations", "--format", "json") == first
    variant.unlink()
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert json.loads(out)["summary"]["layouts"][0]["skipped"] == 0


def test_a_skipped_file_an_applied_migration_includes_is_a_dependency(project, capsys):
    (project / "migrations" / "002_index.sql").write_text("\\ir 003_index.sql.sqlite\n")
    variant = project / "migrations" / "003_index.sql.sqlite"
    variant.write_text("CREATE INDEX t_v ON t (v);\n")
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert "create-index-non-concurrently" in out
    age_all(project)
    variant.write_text("CREATE INDEX CONCURRENTLY t_v ON t (v);\n")
    _, out, _ = run(capsys, "migrations", "--format", "json")
    assert "create-index-non-concurrently" not in out


def test_a_layout_file_is_a_dependency(project, capsys):
    """Diesel's metadata.toml decides whether the migration runs in a transaction."""
    d = project / "diesel" / "2024-01-01-000000_init"
    d.mkdir(parents=True)
    (d / "up.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n"
                              "CREATE INDEX CONCURRENTLY t_id ON t (id);\n")
    (d / "down.sql").write_text("DROP TABLE t;\n")
    _, before, _ = run(capsys, "diesel", "--format", "json")
    age_all(project / "diesel")
    (d / "metadata.toml").write_text("run_in_transaction = false\n")
    _, after, _ = run(capsys, "diesel", "--format", "json")
    assert before != after


def test_the_baseline_is_a_dependency(project, capsys, monkeypatch):
    assert main(["baseline", "migrations"]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "migrations")
    assert code == 0
    age_all(project)
    assert replayed(monkeypatch, capsys, "migrations")[0] == 0
    os.unlink(project / ".schemalint-baseline.json")
    code, out, _ = run(capsys, "migrations")
    assert code == 1


def test_output_files_and_stderr_are_replayed(project, capsys, monkeypatch):
    first = run(capsys, "migrations", "--output", "sarif:out/report.sarif")
    report = (project / "out" / "report.sarif").read_text()
    os.unlink(project / "out" / "report.sarif")
    age_all(project / "migrations")
    assert replayed(monkeypatch, capsys, "migrations", "--output", "sarif:out/report.sarif") == first
    assert (project / "out" / "report.sarif").read_text() == report


@pytest.mark.parametrize("extra", [["--diff"], ["--no-cache"], ["--changed-since", "HEAD"]])
def test_runs_with_side_effects_or_outside_inputs_are_not_stored(project, capsys, extra):
    from schemalint.cli import build_parser
    from schemalint.config.flags import Flags
    from schemalint.speed import runcache

    args = Flags.from_namespace(build_parser().parse_args(["check", "migrations", *extra]))
    # Refused by the rule itself (each of these runs would also fail to store for other
    # reasons here: no cache directory, no git history).
    assert runcache.eligible(args) is (extra == ["--no-cache"])
    main(["check", "migrations", *extra])
    capsys.readouterr()
    assert entries(project) == []


def test_standard_input_is_not_stored(project, capsys, monkeypatch):
    import io

    from schemalint.cli import build_parser
    from schemalint.config.flags import Flags
    from schemalint.speed import runcache

    assert runcache.eligible(Flags.from_namespace(build_parser().parse_args(["check", "-"]))) is False
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"SELECT 1;\n")))
    assert main(["check", "-"]) == 0
    capsys.readouterr()
    assert entries(project) == []


def test_a_damaged_entry_is_a_miss(project, capsys):
    first = run(capsys, "migrations")
    [entry] = entries(project)
    with open(entry, "r+b") as fh:
        fh.truncate(10)
    assert run(capsys, "migrations") == first


def test_missing_paths_are_errors_every_time(project, capsys):
    assert run(capsys, "nowhere")[0] == 2
    assert run(capsys, "nowhere")[0] == 2
    assert entries(project) == []


def test_a_file_changed_during_the_run_is_not_stored(project, capsys):
    """A layout file whose mtime is after the run started may have changed after it was
    read: the report is not kept (it could already be stale)."""
    d = project / "diesel" / "2024-01-01-000000_init"
    d.mkdir(parents=True)
    (d / "up.sql").write_text("CREATE TABLE t (id bigint PRIMARY KEY);\n")
    (d / "metadata.toml").write_text("run_in_transaction = true\n")
    future = time.time() + 60
    os.utime(d / "metadata.toml", (future, future))
    run(capsys, "diesel")
    assert entries(project) == []
    age(d / "metadata.toml")
    run(capsys, "diesel")
    assert len(entries(project)) == 1


def test_other_versions_entries_are_dropped_by_a_report_cached_run(project, capsys):
    """The report cache writes into the version's directory of the shared cache, so its
    first write prepares that directory like the other levels' do: the entries of other
    schemalint versions (reports included) are dropped; anything else stays."""
    cache = project / ".schemalint_cache"
    old = cache / ("0" * 20)
    for sub in ("reports", "runs"):
        (old / sub).mkdir(parents=True)
    (old / "reports" / "k").write_text("x")
    only_reports = cache / ("1" * 20) / "reports"
    only_reports.mkdir(parents=True)
    mine = cache / ("2" * 20)
    mine.mkdir()
    (mine / "notes.txt").write_text("user data")
    assert run(capsys, "migrations")[0] == 1
    assert entries(project)  # the run was stored by the report cache
    assert not old.exists() and not only_reports.parent.exists()
    assert (mine / "notes.txt").exists()
