"""The configuration file: discovery, validation errors, precedence, per-path overrides."""

import json

import jsonschema
import pytest
import yaml

from schemalint.commands.init import starter_file
from schemalint.docs.config_reference import json_schema
from schemalint.errors import UsageError
from tests.helpers import load_config_file as load_file

from .conftest import BAD_INDEX, TABLE


def check_json(project, *argv, cwd=None):
    # The timeout rules fire on every lock-taking statement; these tests are about
    # configuration, so they watch the other rules only (--ignore adds to the file's list).
    code, out, err = project.run("check", "--format", "json", "--ignore", "missing-lock-timeout,missing-statement-timeout",
                                 *argv, cwd=cwd)
    assert code in (0, 1), err
    return code, [(d["path"], d["code"]) for d in json.loads(out)["diagnostics"]]


def test_found_by_walking_up_from_a_subdirectory(project):
    project.migrations(**{"001.sql": TABLE, "002.sql": BAD_INDEX})
    project.write("sub/dir/keep", "")
    project.write(".schemalint.yaml", "paths: [migrations]\nignore: [SL101]\n")
    code, found = check_json(project, cwd="sub/dir")
    assert code == 0 and found == []
    project.write(".schemalint.yaml", "paths: [migrations]\n")
    code, found = check_json(project, cwd="sub/dir")
    assert code == 1 and [c for _, c in found] == ["SL101"]
    # Paths are shown from the working directory's point of view.
    assert found[0][0].endswith("migrations/002.sql")


def test_pyproject_table_and_precedence(project):
    project.migrations(**{"001.sql": TABLE, "002.sql": BAD_INDEX})
    project.write("pyproject.toml", """\
        [project]
        name = "app"

        [tool.schemalint]
        paths = ["migrations"]
        fail_on = "never"
        ignore = ["missing-lock-timeout", "missing-statement-timeout"]

        [tool.schemalint.severity]
        SL101 = "info"
        """)
    code, out, _ = project.run("check", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [d["severity"] for d in doc["diagnostics"]] == ["info"]
    # A .schemalint.yaml in the same directory wins over pyproject.toml.
    project.write(".schemalint.yaml", "paths: [migrations]\nignore: [SL101]\n")
    assert check_json(project) == (0, [])
    # --no-config ignores both; the command line then needs paths.
    assert check_json(project, "--no-config", "migrations")[0] == 1


def test_pyproject_without_table_is_skipped(project):
    project.write(".schemalint.yaml", "fail_on: never\n")
    project.write("app/pyproject.toml", "[project]\nname = 'x'\n")
    project.write("app/migrations/001.sql", TABLE + BAD_INDEX.replace("orders_region_idx", "i"))
    code, out, _ = project.run("config", "--format", "json", cwd="app")
    doc = json.loads(out)
    assert doc["file"] == str(project.root / ".schemalint.yaml")
    assert doc["settings"]["fail_on"]["source"].endswith(".schemalint.yaml:1")


@pytest.mark.parametrize("text,expected", [
    ("pg_versoin: 14\n", ".schemalint.yaml:1: pg_versoin: unknown key (did you mean 'pg_version'?)"),
    ("layout:\n  db/a: flyway\n  db/b: gooze\n",
     ".schemalint.yaml:3: layout.db/b: unknown layout 'gooze' (known: auto, plain, golang-migrate, pop, "
     "flyway, goose, dbmate, diesel, prisma, sqitch, dump, alembic, django) (did you mean 'goose'?)"),
    ("paths: [m]\nfail-on: warning\n", ".schemalint.yaml:2: fail-on: unknown key (did you mean 'fail_on'?)"),
    ("select:\n  - SL101\n  - create-index-concurently\n",
     ".schemalint.yaml:3: select: unknown rule 'create-index-concurently' "
     "(did you mean 'create-index-non-concurrently'?)"),
    ("assume_in_transaction: yes please\n",
     ".schemalint.yaml:1: assume_in_transaction: expected true or false, got a string"),
    ("fail_on: warn\n", ".schemalint.yaml:1: fail_on: expected one of error, warning, info, never, "
                        "got 'warn' (did you mean 'warning'?)"),
    ("pg_version: 8\n", ".schemalint.yaml:1: pg_version: invalid PostgreSQL version '8'"),
    ("rules:\n  table-without-timestamps:\n    created_col: born\n",
     ".schemalint.yaml:3: rules.table-without-timestamps.created_col: unknown option "
     "(did you mean 'created_column'?)"),
    ("rules:\n  table-without-timestamps:\n    created_column: 3\n",
     ".schemalint.yaml:3: rules.table-without-timestamps.created_column: expected a string, got a number"),
    ("rules:\n  table-without-timestamp: {}\n",
     ".schemalint.yaml:2: rules.table-without-timestamp: unknown rule (did you mean 'table-without-timestamps'?)"),
    ("severity:\n  SL101: fatal\n", ".schemalint.yaml:2: severity.SL101: expected error, warning or info, got 'fatal'"),
    ("overrides:\n  - ignore: [SL101]\n", ".schemalint.yaml:2: overrides[0]: missing required key 'paths'"),
    ("overrides:\n  - paths: [a]\n    ignroe: [SL101]\n",
     ".schemalint.yaml:3: overrides[0].ignroe: unknown key (did you mean 'ignore'?)"),
    ("fail_on: [x]\n", ".schemalint.yaml:1: fail_on: expected one of error, warning, info, never, got a list"),
    ("replay:\n  rows: many\n", ".schemalint.yaml:2: replay.rows: expected a whole number >= 0 or a "
     "mapping of table to rows, got 'many'"),
    ("replay:\n  rows:\n    orders: lots\n",
     ".schemalint.yaml:3: replay.rows.orders: expected a whole number >= 0, got 'lots'"),
    ("extensions: [vector, postgres]\n", ".schemalint.yaml:1: extensions: unknown extension "
     "'postgres' (known: postgis, timescaledb, vector) (did you mean 'postgis'?)"),
    ("extensions:\n  - vector\n  - 3\n", ".schemalint.yaml:3: extensions: expected a string, got a number"),
    ("extensions: {vector: true}\n", ".schemalint.yaml:1: extensions: expected a list of strings, got a mapping"),
    ("paths: [a\n", ".schemalint.yaml:2:1: invalid YAML"),
    ("paths: a\npaths: b\n", ".schemalint.yaml:2: paths: duplicate key"),
    ("- a\n", ".schemalint.yaml:1: configuration: expected a mapping, got a list"),
])
def test_errors_name_file_line_and_key(project, text, expected):
    project.write(".schemalint.yaml", text)
    code, out, err = project.run("check", "x.sql")
    assert code == 2 and out == ""
    assert expected in err, err
    assert "Traceback" not in err


def test_all_errors_reported_at_once(project):
    project.write(".schemalint.yaml", "fail_on: warn\nbogus: 1\n")
    code, _, err = project.run("check", "x.sql")
    assert code == 2 and ":1: fail_on" in err and ":2: bogus" in err


def test_toml_errors_have_lines(project):
    project.write("pyproject.toml", """\
        [tool.schemalint]
        paths = ["m"]
        fail_on = "sometimes"

        [[tool.schemalint.overrides]]
        paths = ["a"]

        [[tool.schemalint.overrides]]
        paths = ["b"]
        selectt = ["SL1"]
        """)
    code, _, err = project.run("check", "x.sql")
    assert code == 2
    assert "pyproject.toml:3: fail_on: expected one of" in err
    assert "pyproject.toml:10: overrides[1].selectt: unknown key (did you mean 'select'?)" in err


def test_invalid_toml(project):
    project.write("pyproject.toml", "[tool.schemalint]\npaths = [\n")
    code, _, err = project.run("check", "x.sql")
    assert code == 2 and "pyproject.toml: invalid TOML" in err


def test_cli_overrides_file_and_config_shows_sources(project):
    project.write(".schemalint.yaml", """\
        paths: [migrations]
        pg_version: '14.10'
        ignore: [SL102]
        """)
    code, out, _ = project.run("config", "--format", "json", "--pg-version", "16", "--ignore", "SL103")
    settings = json.loads(out)["settings"]
    assert settings["pg_version"] == {"value": "16", "source": "--pg-version"}
    assert settings["ignore"] == {"value": ["SL102", "SL103"], "source": ".schemalint.yaml:3 + --ignore"}
    assert settings["paths"]["source"] == ".schemalint.yaml:1"
    assert settings["fail_on"] == {"value": "error", "source": "default"}
    code, out, _ = project.run("config")
    assert code == 0
    assert out.splitlines()[0] == "# configuration file: .schemalint.yaml"
    assert any(line.startswith('pg_version: "14.10"') and line.endswith("# .schemalint.yaml:2")
               for line in out.splitlines()), out


def test_unquoted_minor_version_keeps_its_digits(project):
    project.write(".schemalint.yaml", "pg_version: 14.10\n")
    assert load_file(".schemalint.yaml").values["pg_version"] == (14, 10)


def test_explicit_config_path(project):
    project.write("conf/lint.yaml", "fail_on: never\n")
    code, out, _ = project.run("config", "--format", "json", "--config", "conf/lint.yaml")
    assert json.loads(out)["settings"]["fail_on"]["source"] == "conf/lint.yaml:1"
    code, _, err = project.run("check", "--config", "nope.yaml", "x.sql")
    assert code == 2 and "--config: no such file: nope.yaml" in err


def test_rule_options_reach_the_rule(project):
    project.migrations(**{"001.sql": "CREATE TABLE t (id bigint, born timestamptz, changed timestamptz);\n"})
    project.write(".schemalint.yaml", "paths: [migrations]\nselect: [SL302]\n")
    assert check_json(project) == (0, [("migrations/001.sql", "SL302")])
    project.write(".schemalint.yaml", """\
        paths: [migrations]
        select: [SL302]
        rules:
          table-without-timestamps: {created_column: born, updated_column: changed}
        """)
    assert check_json(project) == (0, [])


def test_per_path_overrides(project):
    project.migrations(**{
        "001.sql": TABLE,
        "legacy/002.sql": BAD_INDEX.replace("orders_region_idx", "a"),
        "003.sql": BAD_INDEX.replace("orders_region_idx", "b"),
        "legacy/004.sql": "DROP INDEX a;\n",
    })
    project.write(".schemalint.yaml", """\
        paths: [migrations]
        ignore: [missing-lock-timeout, missing-statement-timeout]
        overrides:
          - paths: ["migrations/legacy/**"]
            ignore: [SL101]
            severity: {drop-index-non-concurrently: info}
          - paths: ["003.sql"]
            severity: {SL101: warning}
        """)
    code, out, _ = project.run("check", "--format", "json")
    got = [(d["path"], d["code"], d["severity"]) for d in json.loads(out)["diagnostics"]]
    assert got == [("migrations/003.sql", "SL101", "warning"),
                   ("migrations/legacy/004.sql", "SL102", "info")]
    assert code == 0  # nothing at error level left


def test_override_select_enables_rule_only_there(project):
    project.migrations(**{"001.sql": "CREATE TABLE a (id bigint);\n",
                          "new/002.sql": "CREATE TABLE b (id bigint);\n"})
    project.write(".schemalint.yaml", """\
        paths: [migrations]
        select: [SL1]
        overrides:
          - paths: [new]
            extend_select: [table-without-timestamps]
        """)
    # The schema finding for table b is reported at its CREATE TABLE in new/002.sql only.
    assert check_json(project)[1] == [("migrations/new/002.sql", "SL302")]


def test_include_exclude(project):
    project.migrations(**{"001.sql": TABLE, "002.sql": BAD_INDEX, "seed/data.sql": BAD_INDEX,
                          "003.psql": BAD_INDEX.replace("orders_region_idx", "x")})
    project.write(".schemalint.yaml", "paths: [migrations]\nexclude: [seed]\ninclude: ['*.sql']\n")
    assert check_json(project)[1] == [("migrations/002.sql", "SL101")]


def test_named_files_inside_configured_paths_fold_the_whole_history(project):
    project.migrations(**{
        "001.sql": "CREATE TABLE t (a text, b bigint);\nCREATE TABLE p (id bigint PRIMARY KEY);\n",
        "002.sql": BAD_INDEX.replace("orders", "t").replace("region", "a"),
        "003.sql": "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (b) REFERENCES p (id);\n",
    })
    project.write(".schemalint.yaml", "paths: [migrations]\nselect: [SL101, SL301]\n")
    # Only 003 is reported, and the foreign key is checked against t and p from 001.
    assert check_json(project, "migrations/003.sql") == (0, [("migrations/003.sql", "SL301")])
    assert check_json(project, "migrations/002.sql", "migrations/003.sql") == (
        1, [("migrations/002.sql", "SL101"), ("migrations/003.sql", "SL301")])
    # Without a configuration, a lone file is checked on its own: t is unknown there.
    assert check_json(project, "--no-config", "--select", "SL301", "migrations/003.sql")[1] == []
    # Files outside the configured paths are checked too.
    project.write("other.sql", "CREATE TABLE q (id int);\nCREATE INDEX qi ON t (a);\n")
    assert check_json(project, "migrations/003.sql", "other.sql")[1] == [
        ("other.sql", "SL101"), ("migrations/003.sql", "SL301")]


def test_no_paths_anywhere_is_a_usage_error(project):
    code, _, err = project.run("check")
    assert code == 2 and "no paths given" in err


# --- the JSON Schema and the validator agree -------------------------------------------------

GOOD = [
    "paths: [migrations]\npg_version: 14\n",
    "select: ALL\nignore: [SL3, locking]\nseverity: {schema: info}\n",
    "rules:\n  table-without-timestamps: {created_column: born}\n",
    "overrides:\n  - paths: ['legacy/**']\n    ignore: [ALL]\n",
    "replay: {rows: 1000, probe: true, statement_timeout_s: 2.5, backend: docker}\n",
    "replay: {rows: {orders: 10, billing.invoices: 0, '*': 1000}}\n",
    "placeholders: {schema: app, n: 3}\nrequire_reason: true\nbaseline: ci/baseline.json\n",
]
BAD = [
    "bogus: 1\n",
    "fail_on: sometimes\n",
    "rules:\n  table-without-timestamps: {created_col: born}\n",
    "rules:\n  table-without-timestamps: {created_column: 1}\n",
    "overrides:\n  - ignore: [SL101]\n",
    "replay: {rows: -1}\n",
    "replay: {rows: {orders: -1}}\n",
    "assume_in_transaction: 1\n",
    "severity: {SL101: fatal}\n",
]


@pytest.mark.parametrize("text", GOOD + [starter_file(["migrations"])])
def test_valid_config_accepted_by_schema_and_validator(project, text):
    project.write(".schemalint.yaml", text)
    load_file(".schemalint.yaml")
    jsonschema.validate(yaml.safe_load(text) or {}, json_schema())


@pytest.mark.parametrize("text", BAD)
def test_invalid_config_rejected_by_schema_and_validator(project, text):
    project.write(".schemalint.yaml", text)
    with pytest.raises(UsageError):
        load_file(".schemalint.yaml")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(text), json_schema())


def test_shipped_schema_is_valid_draft7():
    jsonschema.Draft7Validator.check_schema(json_schema())


def test_layout_per_directory_mapping(project):
    project.write("db/flyway/V1__create.sql", "CREATE TABLE t (a int);\n")
    project.write("db/flyway/V1_1__index.sql", "CREATE INDEX i ON t (a);\n")
    project.write(".schemalint.yaml", "paths: [db]\nselect: [SL101]\nlayout:\n  db/flyway: flyway\n")
    code, found = check_json(project)
    assert (code, found) == (1, [("db/flyway/V1_1__index.sql", "SL101")])
    code, out, _ = project.run("config", "--format", "json")
    assert json.loads(out)["settings"]["layout"]["value"] == {"db/flyway": "flyway"}
