"""The JSON report, written finding by finding with f-strings, is what json.dumps prints."""

import json

from schemalint.diagnostics import Severity


def test_json_report_is_json_dumps_of_the_document():
    from schemalint.check.catalog import all_rules
    from schemalint.check.engine import lint
    from schemalint.config.settings import LintConfig
    from schemalint.discover.source import Migration
    from schemalint.report import LintResult, json_report

    migrations = [Migration(path="001_é.sql", text="CREATE TABLE t (id serial PRIMARY KEY, n json);\n"
                                                   "CREATE INDEX i ON t (n);\nALTER TABLE t ADD COLUMN x int NOT NULL;\n"),
                  Migration(path="002.sql", text="DROP INDEX i;\nCREATE TABLE (;\n")]
    diags = lint(migrations, LintConfig(select=("ALL",)), all_rules())
    assert any(d.fix is not None for d in diags)
    for result in (LintResult(diagnostics=diags, statements=5), LintResult(diagnostics=[])):
        expected = json.dumps(json_report.document(result), indent=2, ensure_ascii=False) + "\n"
        assert json_report.render(result) == expected


def test_json_report_fast_item_path_matches_the_general_one():
    from schemalint.diagnostics import Diagnostic, Edit, Fix
    from schemalint.report import json_report

    plain = Diagnostic("SL101", "create-index-non-concurrently", Severity.WARNING, "a/é \"q\".sql",
                       3, 1, 4, 20, "`t` — bloqué\n\u2028\x00", "help\\ \t")
    fixed = Diagnostic("SL101", "x", Severity.ERROR, "p", 1, 1, 1, 2, "m",
                       fix=Fix("d", (Edit(0, 1, "CONCURRENTLY "),), safe=False))
    no_edits = Diagnostic("SL101", "x", Severity.ERROR, "p", 1, 1, 1, 2, "m", fix=Fix("d", (), safe=True))
    two = Diagnostic("SL101", "x", Severity.ERROR, "p", 1, 1, 1, 2, "m",
                     fix=Fix("d\"", (Edit(0, 1, "a\n"), Edit(5, 5, "")), safe=True))
    odd = Diagnostic("SL101", "x", Severity.INFO, "p", True, 1, 1, 2, "m")  # a bool is not an int
    odd_fix = Diagnostic("SL101", "x", Severity.INFO, "p", 1, 1, 1, 2, "m", fix=Fix("d", (Edit(0, 1, 2),)))
    blamed = Diagnostic("SL802", "query-plan-regression", Severity.ERROR, "q.sql", 3, 1, 3, 9, "m")
    blamed.source = "replay"
    blamed.extra["related"] = [{"path": "migrations/002.sql", "line": 2, "message": "blamed"}]
    for d in (plain, fixed, no_edits, two, odd, odd_fix, blamed):
        expected = json.dumps(json_report.item(d), indent=2, ensure_ascii=False).replace("\n", "\n    ")
        assert json_report._item_text(d, {}) == expected
        assert json.loads(expected) == json_report.item(d)
    assert json_report.item(blamed)["related"] == [{"path": "migrations/002.sql", "line": 2,
                                                    "message": "blamed"}]
    assert "related" not in json_report.item(plain)


def test_json_report_in_pieces_is_the_same_document(monkeypatch):
    import io

    from schemalint.check.catalog import all_rules
    from schemalint.check.engine import lint
    from schemalint.config.settings import LintConfig
    from schemalint.discover.source import Migration
    from schemalint.report import LintResult, json_report, write

    text = "".join(f"CREATE INDEX i{n} ON t (a);\nALTER TABLE t ADD COLUMN c{n} int NOT NULL;\n"
                   for n in range(7))
    diags = lint([Migration(path="001.sql", text=text)], LintConfig(select=("ALL",)), all_rules())
    assert len(diags) > 6
    monkeypatch.setattr(json_report, "_PIECE", 3)  # several pieces, the last one partial
    result = LintResult(diagnostics=diags, statements=14)
    expected = json.dumps(json_report.document(result), indent=2, ensure_ascii=False) + "\n"
    assert len(list(json_report.render_pieces(result))) > 3
    stream = io.StringIO()
    write("json", result, stream)
    assert stream.getvalue() == expected == json_report.render(result)
