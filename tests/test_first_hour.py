"""Issue 16, "the first hour": no silent gaps, output a person can read, a CLI that explains
itself. Outputs are compared exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemalint.cli import main
from schemalint.commands.common import use_color
from schemalint.config.flags import Flags

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "example" / "migrations"
BAD = "CREATE INDEX orders_region_idx ON orders (region);\n"


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- no silent gaps ------------------------------------------------------------------------

def test_a_directory_without_sql_files_is_an_error(here, capsys):
    write(here, {"empty/README.md": "no migrations here\n", "db/001.sql": "SELECT 1;\n"})
    assert run(capsys, "check", "empty") == (
        2, "", "schemalint: error: empty matches no migration: no SQL file (*.sql, *.psql, "
               "*.pgsql) in it\n")
    # Beside a path that has migrations, it is still named.
    assert run(capsys, "check", "db", "empty")[::2] == (
        2, "schemalint: error: empty matches no migration: no SQL file (*.sql, *.psql, *.pgsql) "
           "in it\n")


def test_a_mistyped_configured_path_is_an_error_naming_the_file_and_line(here, capsys):
    write(here, {".schemalint.yaml": "fail_on: error\npaths: [db/migratons]\n",
                 "db/migrations/001.sql": BAD})
    assert run(capsys, "check") == (
        2, "", "schemalint: error: no such file or directory: db/migratons (`paths:` in "
               ".schemalint.yaml:2)\n")
    # The pre-commit hook's run (staged files named) fails the same way, instead of checking
    # the file without its history.
    assert run(capsys, "check", "--force-exclude", "db/migrations/001.sql") == (
        2, "", "schemalint: error: no such file or directory: db/migratons (`paths:` in "
               ".schemalint.yaml)\n")


def test_a_configured_directory_without_migrations_is_an_error(here, capsys):
    write(here, {".schemalint.yaml": "paths: [db, sql]\n", "db/001.sql": "SELECT 1;\n",
                 "sql/notes.txt": ""})
    assert run(capsys, "check")[::2] == (
        2, "schemalint: error: sql (`paths:` in .schemalint.yaml:1) matches no migration: no SQL "
           "file (*.sql, *.psql, *.pgsql) in it\n")


def test_a_run_with_only_skipped_files_is_an_error(here, capsys):
    write(here, {"db/1_init.sql.sqlite": "SELECT 1;\n", "db/2_more.mysql.sql": "SELECT 1;\n"})
    code, out, err = run(capsys, "check", "db")
    assert (code, out) == (2, "")
    assert err == ("schemalint: error: no migration to check in db: 2 file(s) found, none "
                   "applied: mysql variant: not PostgreSQL's (1), sqlite variant: not "
                   "PostgreSQL's (1); `schemalint plan` lists them\n")
    # `plan` shows them instead.
    assert run(capsys, "plan", "db")[0] == 0


def test_files_of_other_engines_named_among_migrations_are_skipped_not_errors(here, capsys):
    write(here, {"db/1_init.sql": "SELECT 1;\n", "db/1_init.sql.sqlite": "SELECT 1;\n"})
    code, out, err = run(capsys, "check", "db/1_init.sql", "db/1_init.sql.sqlite")
    assert (code, err) == (0, "")
    assert out.endswith("1 file(s), 1 statement(s) checked: 0 error(s), 0 warning(s), 0 info — "
                        "passed (fail on: error)\n")


def test_files_named_in_any_spelling_count_as_found(here, capsys):
    # An absolute path, a ./ path and a path through ".." name the files discovery reports
    # as db/...: each still counts as found (collect matches them through discovery's own
    # record of the file arguments, not by normalising every path again).
    write(here, {"db/001_a.sql": "SELECT 1;\n", "db/002_b.sql": "SELECT 1;\n",
                 "db/003_c.sql.sqlite": "SELECT 1;\n"})
    code, out, err = run(capsys, "check", str(here / "db" / "001_a.sql"), "./db/002_b.sql",
                         "db/../db/003_c.sql.sqlite")
    assert (code, err) == (0, "")
    assert out.endswith("2 file(s), 2 statement(s) checked: 0 error(s), 0 warning(s), 0 info — "
                        "passed (fail on: error)\n")


def test_a_named_file_that_gave_nothing_is_reported():
    from schemalint.commands.collect import _empty

    files_named = {"./db/a.sql": "db/a.sql", "/x/db/b.sql": "db/b.sql"}
    assert _empty(["./db/a.sql", "/x/db/b.sql"], ["db/a.sql"], files_named) == ["/x/db/b.sql"]


def test_force_exclude_ignores_paths_outside_the_configured_ones(here, capsys):
    write(here, {".schemalint.yaml": "paths: [db/migrations]\n",
                 "db/migrations/001.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, region text);\n",
                 "db/migrations/002.sql": BAD, "seeds/dev.sql": BAD})
    # What the hook runs: only the staged migration is reported, the seed is not linted.
    code, out, err = run(capsys, "check", "--force-exclude", "--format", "concise", "--select",
                         "SL101", "seeds/dev.sql", "db/migrations/002.sql")
    assert (code, out, err) == (
        1,
        "db/migrations/002.sql:1:35: error SL101 [create-index-non-concurrently] building this "
        "index takes a SHARE lock on `orders` (writes blocked) until the build finishes\n"
        "2 file(s), 2 statement(s) checked: 1 error(s), 0 warning(s), 0 info — failed (fail on: "
        "error)\n",
        "schemalint: --force-exclude: 1 path(s) outside the configured paths, not checked: "
        "seeds/dev.sql\n")
    # Only files outside: nothing to check, and that passes.
    assert run(capsys, "check", "--force-exclude", "seeds/dev.sql") == (
        0, "0 file(s), 0 statement(s) checked: 0 error(s), 0 warning(s), 0 info — passed (fail "
           "on: error)\n",
        "schemalint: --force-exclude: 1 path(s) outside the configured paths, not checked: "
        "seeds/dev.sql\n")
    # Without the flag (a person's run), the file named is checked on its own.
    code, out, _ = run(capsys, "check", "--format", "concise", "--select", "SL101", "seeds/dev.sql")
    assert code == 1 and out.startswith("seeds/dev.sql:1:35: error SL101 ")


def test_force_exclude_ignores_files_the_configuration_excludes(here, capsys):
    write(here, {".schemalint.yaml": "exclude: [\"seeds/**\"]\n", "seeds/dev.sql": BAD})
    assert run(capsys, "check", "--force-exclude", "seeds/dev.sql") == (
        0, "0 file(s), 0 statement(s) checked: 0 error(s), 0 warning(s), 0 info — passed (fail "
           "on: error)\n", "")
    assert run(capsys, "check", "seeds/dev.sql") == (
        2, "", "schemalint: error: no migration to check in seeds/dev.sql: 1 file(s) found, none "
               "applied: left out by the configuration's include/exclude (1); `schemalint plan` "
               "lists them\n")


def test_the_hook_passes_force_exclude():
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "  entry: schemalint check --force-exclude\n" in hooks


# --- control characters --------------------------------------------------------------------

def test_control_characters_from_a_file_are_escaped_in_every_text_format(here, capsys):
    # A "binary" file: a bell, an escape sequence inside the table's name, a C1 control.
    write(here, {"db/001.sql": 'CREATE INDEX "i\x07" ON "ord\x1b[2Jers" ("re\x9bgion");\n'.encode()})
    code, out, _ = run(capsys, "check", "db", "--select", "SL101")
    assert code == 1
    assert out.splitlines()[:3] == [
        "db/001.sql:1:22: error SL101 [create-index-non-concurrently] building this index takes a "
        'SHARE lock on `"ord\\x1b[2Jers"` (writes blocked) until the build finishes',
        '    1 | CREATE INDEX "i\\x07" ON "ord\\x1b[2Jers" ("re\\x9bgion");',
        # The marker follows the escaped characters, which are wider than one column.
        "      | " + " " * 24 + "^" * 15,
    ]
    for fmt in ("text", "concise", "github", "gitlab", "junit", "markdown"):
        code, out, _ = run(capsys, "check", "db", "--select", "SL101", "--format", fmt)
        assert not any(ch in out for ch in "\x1b\x07\x9b"), fmt
        if fmt == "gitlab":  # JSON: the backslash of the escape is escaped once more
            out = json.loads(out)[0]["description"]
        assert "ord\\x1b[2Jers" in out, fmt


def test_a_control_character_in_a_path_is_escaped(here, capsys):
    write(here, {"db/001\x1b[1m.sql": BAD})
    _, out, _ = run(capsys, "check", "db", "--select", "SL101", "--format", "concise")
    assert out.startswith("db/001\\x1b[1m.sql:1:35: error SL101 ")


# --- output a person can read --------------------------------------------------------------

def test_statistics(here, capsys):
    code, out, err = run(capsys, "check", str(EXAMPLE), "--statistics", "--select",
                         "SL101,SL102,SL103,SL302,SL301")
    assert (code, err) == (1, "")
    assert out == (
        "1  SL101  [*] create-index-non-concurrently\n"
        "1  SL102  [*] drop-index-non-concurrently\n"
        "1  SL103  [ ] concurrent-index-in-transaction\n"
        "1  SL301  [ ] foreign-key-without-index\n"
        "1  SL302  [ ] table-without-timestamps\n"
        "[*] 2 fixable with `schemalint check --fix`\n"
        "3 file(s), 12 statement(s) checked: 2 error(s), 3 warning(s), 0 info — failed (fail on: "
        "error)\n")
    code, out, _ = run(capsys, "check", str(EXAMPLE), "--statistics", "--select", "SL1,SL5",
                       "--format", "json")
    doc = json.loads(out)
    assert doc["statistics"][:2] == [
        {"code": "SL510", "rule": "missing-lock-timeout", "count": 2, "fixable": 0},
        {"code": "SL511", "rule": "missing-statement-timeout", "count": 2, "fixable": 0}]
    assert doc["summary"]["diagnostics"] == sum(r["count"] for r in doc["statistics"])
    assert run(capsys, "check", str(EXAMPLE), "--statistics", "--format", "sarif") == (
        2, "", "schemalint: error: --statistics: prints a table (--format text or concise) or "
               "JSON (--format json), not --format sarif; --output still writes any format\n")


def test_statistics_counts_the_most_frequent_first_and_keeps_the_outputs(here, capsys):
    write(here, {"db/001.sql": "DROP INDEX a;\nDROP INDEX b;\nCREATE INDEX c ON t (x);\n"})
    code, out, _ = run(capsys, "check", "db", "--select", "SL101,SL102", "--statistics",
                       "--output", "json:report.json")
    assert out.splitlines()[:2] == ["2  SL102  [*] drop-index-non-concurrently",
                                    "1  SL101  [*] create-index-non-concurrently"]
    assert len(json.loads((here / "report.json").read_text())["diagnostics"]) == 3


def test_concise(here, capsys):
    code, out, _ = run(capsys, "check", str(EXAMPLE / "003_index_orders.sql"), "--select",
                       "SL101,SL102", "--format", "concise")
    path = EXAMPLE / "003_index_orders.sql"  # outside the working directory: shown as given
    assert out == (
        f"{path}:1:35: error SL101 [create-index-non-concurrently] building this index takes a "
        "SHARE lock on `orders` (writes blocked) until the build finishes\n"
        f"{path}:2:1: warning SL102 [drop-index-non-concurrently] dropping index "
        "`orders_created_at_idx` takes an ACCESS EXCLUSIVE lock on its table; while it waits for "
        "running queries, new ones queue behind it\n"
        "1 file(s), 5 statement(s) checked: 1 error(s), 1 warning(s), 0 info — failed (fail on: "
        "error)\n")


def test_summary_counts_what_the_baseline_and_suppression_comments_hid(here, capsys):
    write(here, {"db/001.sql": "CREATE TABLE orders (id bigint PRIMARY KEY, region text);\n",
                 "db/002.sql": "-- schemalint: ignore[SL101] empty table\n" + BAD
                               + "CREATE INDEX b ON orders (id);\nDROP INDEX b;\n"})
    assert run(capsys, "baseline", "db", "--select", "SL101,SL102")[0] == 0
    write(here, {"db/003.sql": "DROP INDEX orders_region_idx;\n"})
    code, out, _ = run(capsys, "check", "db", "--select", "SL101,SL102", "--format", "concise",
                       "--fail-on", "warning")
    assert out.splitlines()[-1] == (
        "3 file(s), 5 statement(s) checked: 0 error(s), 1 warning(s), 0 info (hidden: 2 by the "
        "baseline, 1 by suppression comments) — failed (fail on: warning)")
    code, out, _ = run(capsys, "check", "db", "--select", "SL101,SL102", "--format", "json")
    summary = json.loads(out)["summary"]
    assert (summary["baselined"], summary["suppressed"], summary["diagnostics"]) == (2, 1, 1)
    # Files not reported are not counted: only 003 named, in the context of the rest.
    write(here, {".schemalint.yaml": "paths: [db]\n"})
    code, out, _ = run(capsys, "check", "db/003.sql", "--select", "SL101,SL102", "--format", "json")
    summary = json.loads(out)["summary"]
    assert (summary["baselined"], summary["suppressed"], summary["diagnostics"]) == (0, 0, 1)


@pytest.mark.parametrize(("color", "environ", "tty", "expected"), [
    (None, {}, True, True),
    (None, {}, False, False),
    (None, {"NO_COLOR": "1"}, True, False),
    (None, {"NO_COLOR": ""}, True, True),  # set but empty: ignored (no-color.org)
    (None, {"FORCE_COLOR": "1"}, False, True),
    (None, {"FORCE_COLOR": ""}, False, False),
    (None, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),  # NO_COLOR wins, as in CPython
    (None, {"TERM": "dumb"}, True, False),
    (None, {"TERM": "dumb", "FORCE_COLOR": "1"}, True, True),
    (True, {"NO_COLOR": "1"}, False, True),  # the flags decide outright
    (False, {"FORCE_COLOR": "1"}, True, False),
])
def test_colour_decision(color, environ, tty, expected):
    class Stream:
        def isatty(self):
            return tty

    assert use_color(Flags(color=color), Stream(), environ) is expected


def test_force_color_colours_a_pipe():
    env = {**os.environ, "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "schemalint", "check", "--format", "concise",
                           "--select", "SL101", str(EXAMPLE / "003_index_orders.sql")],
                          capture_output=True, text=True, env=env)
    assert "\x1b[1;31merror\x1b[0m SL101" in proc.stdout
    env["NO_COLOR"] = "1"
    proc = subprocess.run([sys.executable, "-m", "schemalint", "check", "--format", "concise",
                           "--select", "SL101", str(EXAMPLE / "003_index_orders.sql")],
                          capture_output=True, text=True, env=env)
    assert "\x1b" not in proc.stdout


# --- the CLI explains itself ---------------------------------------------------------------

def test_rule_prints_the_rule_page(capsys):
    page = (ROOT / "docs" / "rules" / "create-index-non-concurrently.md").read_text(encoding="utf-8")
    for token in ("SL101", "sl101", "create-index-non-concurrently"):
        assert run(capsys, "rule", token) == (0, page, "")
    code, out, _ = run(capsys, "rule", "SL101", "--format", "json")
    assert json.loads(out)["name"] == "create-index-non-concurrently"
    assert run(capsys, "rule", "parse-error")[1].startswith("# parse-error (SL901)\n")
    assert run(capsys, "rule", "create-index-non-concurent") == (
        2, "", "schemalint: error: unknown rule 'create-index-non-concurent' (did you mean "
               "'create-index-non-concurrently'?); `schemalint rules --all` lists them\n")


def _options(command: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-m", "schemalint", command, "--help"],
                          capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 0
    return {w.strip(",[]`").split("=")[0] for w in proc.stdout.split() if w.startswith("--")}


def test_each_subcommand_lists_its_own_options():
    check = _options("check")
    assert {"--fix", "--output", "--statistics", "--replay", "--changed-since",
            "--force-exclude", "--select", "--layout"} <= check
    assert _options("config") == {
        "--help", "--format", "--layout", "--assume-in-transaction", "--fail-on", "--pg-version",
        "--select", "--extend-select", "--ignore", "--config", "--no-config", "--baseline",
        "--no-baseline"}
    assert _options("baseline") == {
        "--help", "--stdin-filename", "--layout", "--assume-in-transaction", "--pg-version",
        "--select", "--extend-select", "--ignore", "--config", "--no-config", "--baseline"}


def test_config_still_takes_the_selection(here, capsys):
    code, out, _ = run(capsys, "config", "--select", "SL1", "--no-config")
    assert code == 0 and 'select: ["SL1"]' in out and "# --select" in out


def test_an_unknown_subcommand_is_named_with_the_nearest(here, capsys):
    assert run(capsys, "chek", "x") == (
        2, "", "schemalint: error: unknown command 'chek' (did you mean 'check'?); to check a "
               "path of that name, write `schemalint check chek`\n")
    code, _, err = run(capsys, "migrations")
    assert code == 2 and err.startswith("schemalint: error: unknown command 'migrations' "
                                        "(commands: check, plan, rule, rules, ")
    # A word that is an existing path, or looks like one, is still `check`'s.
    write(here, {"migrations/001.sql": "SELECT 1;\n"})
    assert run(capsys, "migrations")[0] == 0
    assert run(capsys, "missing/") == (2, "", "schemalint: error: no such file or directory: missing/\n")
    assert run(capsys, "x.sql") == (2, "", "schemalint: error: no such file or directory: x.sql\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_os_errors_name_the_file(here, capsys):
    code, _, err = run(capsys, "check", str(EXAMPLE), "--output", "sarif:/dev/full")
    assert (code, err) == (
        2, "schemalint: error: --output: cannot write /dev/full: No space left on device\n")
    assert run(capsys, "baseline", str(EXAMPLE), "--baseline", "/dev/full") == (
        2, "", "schemalint: error: cannot write /dev/full: No space left on device\n")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "schemalint", "check", str(EXAMPLE)],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert (proc.returncode, proc.stderr) == (
        2, "schemalint: error: cannot write to standard output: No space left on device\n")


def test_an_unreadable_configuration_names_the_file(here, capsys):
    (here / ".schemalint.yaml").mkdir()  # a directory where the file should be
    code, _, err = run(capsys, "check", "--config", ".schemalint.yaml", str(EXAMPLE))
    assert code == 2 and ".schemalint.yaml" in err and "internal error" not in err
