"""The baseline: adopt on a legacy history, survive reformatting and line shifts, report new
findings, list and prune entries that no longer occur."""

import json

from .conftest import BAD_INDEX, TABLE


def setup(project, *extra: str):
    project.write(".schemalint.yaml", "paths: [migrations]\nselect: [SL101, SL102, SL302]\n")
    project.migrations(**{"001.sql": TABLE, "002.sql": BAD_INDEX + "DROP INDEX old_idx;\n" + "".join(extra)})


def reported(project, *argv):
    code, out, err = project.run("check", "--format", "json", *argv)
    assert code in (0, 1), err
    return code, [(d["path"], d["line"], d["code"]) for d in json.loads(out)["diagnostics"]], err


def test_adopt_then_only_new_findings(project):
    setup(project)
    assert reported(project)[1] == [("migrations/002.sql", 1, "SL101"), ("migrations/002.sql", 2, "SL102")]
    code, _, err = project.run("baseline")
    assert code == 0 and "wrote 2 finding(s) in 1 file(s) to .schemalint-baseline.json" in err
    assert reported(project)[:2] == (0, [])

    # Reformat the baselined statements and insert lines and a statement above them.
    project.write("migrations/002.sql", (
        "-- a comment\n\nSELECT 1;\n"
        "create   index orders_region_idx\n    on ORDERS (region)   ;\n"
        "drop index\n  old_idx;\n"
    ))
    assert reported(project)[:2] == (0, [])

    # A new finding is reported, the old ones stay suppressed.
    with open("migrations/002.sql", "a") as fh:
        fh.write("CREATE INDEX orders_id_idx ON orders (id);\n")
    assert reported(project)[:2] == (1, [("migrations/002.sql", 8, "SL101")])
    # --no-baseline shows everything.
    assert len(reported(project, "--no-baseline")[1]) == 3


def test_file_is_versioned_sorted_and_stable(project):
    setup(project)
    project.run("baseline")
    first = (project.root / ".schemalint-baseline.json").read_text()
    doc = json.loads(first)
    assert doc["version"] == 1
    keys = [(f["path"], f["rule"], f["fingerprint"], f["occurrence"]) for f in doc["findings"]]
    assert keys == sorted(keys) and len(keys) == 2
    assert {f["rule"] for f in doc["findings"]} == {"create-index-non-concurrently", "drop-index-non-concurrently"}
    assert all("line" not in f for f in doc["findings"])  # line shifts never churn the file
    project.write("migrations/002.sql", "\n\n" + BAD_INDEX + "DROP INDEX old_idx;\n")
    project.run("baseline")
    assert (project.root / ".schemalint-baseline.json").read_text() == first


def test_duplicates_are_counted(project):
    setup(project, "DROP INDEX old_idx;\n")
    project.run("baseline")
    assert reported(project)[1] == []
    with open("migrations/002.sql", "a") as fh:
        fh.write("drop index OLD_IDX;\n")
    assert reported(project)[1] == [("migrations/002.sql", 4, "SL102")]


def test_stale_entries_listed_and_pruned(project):
    setup(project)
    project.run("baseline")
    project.write("migrations/002.sql", "DROP INDEX old_idx;\n")  # the index statement is fixed
    code, found, err = reported(project)
    assert (code, found) == (0, [])
    assert "1 baseline entry in .schemalint-baseline.json no longer occur" in err
    assert "migrations/002.sql: create-index-non-concurrently" in err
    code, found, err = reported(project, "--prune-baseline")
    assert "removed 1 entry" in err
    doc = json.loads((project.root / ".schemalint-baseline.json").read_text())
    assert [f["rule"] for f in doc["findings"]] == ["drop-index-non-concurrently"]
    assert "no longer occur" not in reported(project)[2]


def test_entries_of_files_not_checked_are_not_stale(project):
    setup(project)
    project.migrations(**{"003.sql": "DROP INDEX other_idx;\n"})
    project.run("baseline")
    # Checking a single file with no configuration context: the other entries are not stale.
    code, found, err = reported(project, "--no-config", "--baseline", ".schemalint-baseline.json",
                                "--select", "SL102", "migrations/003.sql")
    assert found == [] and "no longer occur" not in err


def test_schema_findings_survive_reformatting(project):
    project.write(".schemalint.yaml", "paths: [migrations]\nselect: [SL302]\n")
    project.migrations(**{"001.sql": "CREATE TABLE log (id bigint, msg text);\n"})
    project.run("baseline")
    assert reported(project)[1] == []
    project.migrations(**{"001.sql": "\n-- log table\ncreate table LOG (\n  id bigint,\n  msg text\n);\n"})
    assert reported(project)[1] == []
    project.migrations(**{"002.sql": "CREATE TABLE other (id bigint);\n"})
    assert reported(project)[1] == [("migrations/002.sql", 1, "SL302")]


def test_baseline_location_and_errors(project):
    setup(project)
    project.write("sub/keep", "")
    # Written next to the configuration file, even from a subdirectory.
    code, _, err = project.run("baseline", cwd="sub")
    assert code == 0 and (project.root / ".schemalint-baseline.json").exists()
    code, _, err = project.run("check", "--baseline", "missing.json")
    assert code == 2 and "--baseline: no such file: missing.json" in err
    project.write("broken.json", "{")
    code, _, err = project.run("check", "--baseline", "broken.json")
    assert code == 2 and "not a schemalint baseline" in err
    project.write("old.json", '{"version": 99, "findings": []}')
    code, _, err = project.run("check", "--baseline", "old.json")
    assert code == 2 and "baseline version 99 is not supported" in err
    # The `baseline:` key moves it.
    project.write(".schemalint.yaml", "paths: [migrations]\nbaseline: ci/accepted.json\n")
    project.run("baseline")
    assert (project.root / "ci" / "accepted.json").exists()
    assert reported(project)[1] == []
