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


def _many_findings():
    from schemalint.diagnostics import Diagnostic, Edit, Fix

    out = []
    for n in range(41):
        d = Diagnostic("SL101", f"rule-{n % 3}", Severity.WARNING, f"m/{n // 7:03d}_é.sql", n + 1, 1, n + 1, 9,
                       f"message {n} — \ud800 lone surrogate, \u2028 and a 😀", "help")
        if n % 5 == 0:
            d.fix = Fix("d", (Edit(0, 1, "CONCURRENTLY "),), safe=True)
        out.append(d)
    return out


def test_json_report_split_between_two_processes_is_the_same_text(monkeypatch):
    # From the command line a large report is rendered half by a forked child
    # (speed/parallel.split_pieces): the same text, a lone surrogate and characters of every
    # UTF-8 length included, whether the child's half comes back or has to be rendered again.
    import io
    import os

    from schemalint import process
    from schemalint.report import LintResult, json_report, write
    from schemalint.speed import parallel

    if not parallel._can_fork():
        import pytest

        pytest.skip("the split needs fork (Linux)")
    result = LintResult(diagnostics=_many_findings(), statements=41)
    expected = json_report.render(result)
    monkeypatch.setattr(process, "ENDS_AFTER_COMMAND", True)
    monkeypatch.setattr(parallel, "SPLIT_PIECES_MIN", 10)
    monkeypatch.setattr(json_report, "_PIECE", 4)
    forked = []
    real_child = parallel._Child
    monkeypatch.setattr(parallel, "_Child", lambda work: forked.append(real_child(work)) or forked[-1])
    parent, rendered_here = os.getpid(), []
    real_items = json_report.item_pieces

    def items(diagnostics, start=0, stop=None, fail_in_child=False):
        if os.getpid() == parent:
            rendered_here.append((start, stop))
        elif fail_in_child:
            raise RuntimeError("the child fails")
        return real_items(diagnostics, start, stop)

    monkeypatch.setattr(json_report, "item_pieces", items)
    stream = io.StringIO()
    write("json", result, stream, split=parallel.split_pieces)
    assert stream.getvalue() == expected and len(forked) == 1 and forked[0].pid is None
    assert rendered_here == [(0, 20)]  # the child rendered the rest

    # A child that fails (here: its rendering raises) leaves its half to this process.
    monkeypatch.setattr(json_report, "item_pieces",
                        lambda ds, start=0, stop=None: items(ds, start, stop, fail_in_child=True))
    rendered_here.clear()
    stream = io.StringIO()
    write("json", result, stream, split=parallel.split_pieces)
    assert stream.getvalue() == expected and len(forked) == 2
    assert rendered_here == [(0, 20), (20, None)]


def test_json_report_is_not_split_for_a_caller_that_goes_on():
    from schemalint.report import LintResult, json_report
    from schemalint.speed import parallel

    seen = []
    items = _many_findings()
    pieces = parallel.split_pieces(lambda ds, *a: seen.append(a) or iter(("x",)), items)
    assert list(pieces) == ["x"] and seen == [()]
    assert json_report.render(LintResult(diagnostics=items)).count('"code"') == 41
