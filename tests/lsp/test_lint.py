"""What the server checks for one document (linter/lsp/lint.py): the findings `check` reports
for that file, with the editor's text in place of the disk's, against the history of its
migration directory."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from schemalint.cli import main
from schemalint.discover.source import decode_bytes
from schemalint.lsp.lint import DocumentChecker

HELDOUT = Path(__file__).resolve().parents[1] / "heldout"
SETS = sorted(p.name for p in HELDOUT.iterdir() if (p / "migrations").is_dir())


def _key(rule, line, column, message):
    return rule, line, column, message


def _check_findings(directory: Path) -> dict[str, set]:
    out = io.StringIO()
    with redirect_stdout(out):
        main(["check", "--no-config", "--format", "json", str(directory)])
    found: dict[str, set] = {}
    for d in json.loads(out.getvalue())["diagnostics"]:
        found.setdefault(str(Path(d["path"]).resolve()), set()).add(
            _key(d["rule"], d["line"], d["column"], d["message"]))
    return found


@pytest.mark.parametrize("name", SETS)
def test_each_file_gets_the_findings_check_gives_it(name, tmp_path, monkeypatch):
    # Real layouts (Flyway, goose up/down sections, Prisma's folder per migration, a BOM and
    # CRLF file): the history each file is checked against is the one `check` folds.
    shutil.copytree(HELDOUT / name / "migrations", tmp_path / "migrations")
    monkeypatch.chdir(tmp_path)
    expected = _check_findings(tmp_path / "migrations")
    checker = DocumentChecker(no_config=True)  # one checker: later files reuse earlier parses
    files = sorted(p for p in (tmp_path / "migrations").rglob("*.sql"))
    assert files
    for path in files:
        text = decode_bytes(path.read_bytes()).text
        for editor_text in (text, "\ufeff" + text):  # with or without the BOM an editor may keep
            checked = checker.check(str(path), editor_text)
            assert checked.problem is None and checked.skipped is None, path
            got = {_key(d.rule, d.line, d.column, d.message) for d in checked.diagnostics}
            assert got == expected.get(str(path.resolve()), set()), path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "001_orders.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, vendor_id bigint);\n")
    (migrations / "002_index.sql").write_text("CREATE INDEX CONCURRENTLY i ON orders (customer_id);\n")
    return tmp_path


INDEX = "CREATE INDEX i ON orders (customer_id);\n"


def _rules(checked) -> list[str]:
    return sorted(d.rule for d in checked.diagnostics)


def test_the_editors_text_replaces_the_file_on_disk(project):
    checker = DocumentChecker(no_config=True)
    path = project / "db" / "migrations" / "002_index.sql"
    assert "create-index-non-concurrently" in _rules(checker.check(str(path), INDEX))
    assert "create-index-non-concurrently" not in _rules(checker.check(str(path), path.read_text()))


def test_the_history_is_read_again_when_it_changes_on_disk(project):
    checker = DocumentChecker(no_config=True)
    path = project / "db" / "migrations" / "002_index.sql"
    text = "ALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX i ON orders (note);\n"
    assert "create-index-non-concurrently" in _rules(checker.check(str(path), text))
    # Now the earlier file creates nothing and this one creates the table: no finding.
    (project / "db" / "migrations" / "001_orders.sql").write_text("SELECT 1;\n")
    created_here = "CREATE TABLE orders (id bigint PRIMARY KEY);\n" + text
    assert "create-index-non-concurrently" not in _rules(checker.check(str(path), created_here))


FOREIGN_KEY = "ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (vendor_id) REFERENCES orders (id);\n"


def test_a_new_file_not_yet_on_disk_is_the_newest_migration(project):
    checker = DocumentChecker(no_config=True)
    path = project / "db" / "migrations" / "003_new.sql"
    # Only the history knows that vendor_id has no index to serve the foreign key.
    assert "foreign-key-without-index" in _rules(checker.check(str(path), FOREIGN_KEY))
    assert "foreign-key-without-index" not in _rules(checker.check(None, FOREIGN_KEY))
    assert "create-index-non-concurrently" in _rules(checker.check(None, INDEX))


def test_configuration_comes_from_the_nearest_file_above_the_document(project):
    (project / ".schemalint.yaml").write_text("paths: [db/migrations]\nignore: [create-index-non-concurrently]\n")
    checker = DocumentChecker()
    path = project / "db" / "migrations" / "002_index.sql"
    assert "create-index-non-concurrently" not in _rules(checker.check(str(path), INDEX))
    # Outside the configured paths: not a migration of this project, nothing to report.
    other = project / "scripts" / "report.sql"
    other.parent.mkdir()
    other.write_text(INDEX)
    outside = checker.check(str(other), INDEX)
    assert outside.diagnostics == [] and outside.skipped == "outside the configured paths"
    # A configuration error is reported, not raised.
    (project / ".schemalint.yaml").write_text("pg_version: eleven\n")
    broken = checker.check(str(path), INDEX)
    assert broken.diagnostics == [] and "pg_version" in broken.problem


def test_a_file_its_layout_skips_is_not_checked(project):
    checker = DocumentChecker(no_config=True)
    stray = project / "db" / "migrations" / "003_index.mysql.sql"  # another dialect's variant
    stray.write_text(INDEX)
    checked = checker.check(str(stray), INDEX)
    assert checked.diagnostics == [] and "not PostgreSQL" in checked.skipped


def test_a_new_file_inside_the_configured_paths_has_their_history(project):
    (project / ".schemalint.yaml").write_text("paths: [db/migrations]\n")
    checker = DocumentChecker()
    new = project / "db" / "migrations" / "003_new.sql"
    assert "foreign-key-without-index" in _rules(checker.check(str(new), FOREIGN_KEY))
    outside = project / "scripts" / "new.sql"
    assert checker.check(str(outside), FOREIGN_KEY).skipped == "outside the configured paths"
    # No configuration, a new directory: the file alone.
    elsewhere = DocumentChecker(no_config=True).check(str(project / "new" / "x.sql"), FOREIGN_KEY)
    assert "foreign-key-without-index" not in _rules(elsewhere) and elsewhere.problem is None


def test_the_baseline_hides_what_it_records_and_a_broken_one_is_reported(project):
    path = project / "db" / "migrations" / "002_index.sql"
    path.write_text(INDEX)
    (project / ".schemalint.yaml").write_text("paths: [db/migrations]\n")
    assert main(["baseline"]) == 0
    checker = DocumentChecker()
    assert "create-index-non-concurrently" not in _rules(checker.check(str(path), INDEX))
    assert "create-index-non-concurrently" in _rules(checker.check(str(path), "\n" + INDEX.replace(" i ", " j ")))
    (project / ".schemalint-baseline.json").write_text("{")
    assert "baseline" in checker.check(str(path), INDEX).problem
