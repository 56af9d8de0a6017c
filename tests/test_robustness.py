"""Never a crash: any input gives a result, never a traceback, in bounded time and memory.

Property-based tests (hypothesis, derandomized so CI is reproducible) over random bytes,
random text, and truncations and mutations of real statements; deeply nested expressions;
a 100 MB dump and a 1 MB single line in a subprocess that reports its peak RSS; and a rule
that raises, which must become an `internal-error` finding while the run continues.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemalint.check.engine import lint
from schemalint.cli import main
from schemalint.config.settings import LintConfig
from schemalint.discover.layouts import LoadEnv
from schemalint.discover.layouts import load_text as load_any
from schemalint.discover.source import decode_bytes
from schemalint.rules import RULES

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CONFIG = LintConfig(select=("ALL",))
FIXTURES = Path(__file__).parent / "rules" / "fixtures"


def _statements() -> list[str]:
    out = [s for rule in RULES for s in (*rule.bad, *rule.good)]
    for f in sorted(FIXTURES.glob("*.sql")):
        out.extend(p.strip() + ";" for p in f.read_text(encoding="utf-8").split(";") if p.strip())
    out += [
        "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql\n"
        "-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION f();",
        "-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;",
        "\\set s x\nCREATE TABLE :s.t (a text DEFAULT :'s');\nCOPY t FROM stdin;\n1\n\\.\n",
        "CREATE TABLE ${schema}.t ({{ col }} int); {% if x %}SELECT 1;{% endif %}",
        "-- Running upgrade  -> abc\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;",
        "CREATE TABLE é (ü text DEFAULT 'ß', \"ö\" int); CREATE INDEX ON é (ü);",
    ]
    return out


STATEMENTS = _statements()
SQL_BITS = ["(", ")", ";", "'", '"', "$$", "$a$", "/*", "*/", "--", "\n", "\\", ":", "::", "${", "{{",
            "}}", "{%", " CONCURRENTLY ", " NOT NULL ", " DEFAULT now() ", "BEGIN;", "COMMIT;", "é", "\x00",
            "\r\n", "-- +goose Down\n", "-- migrate:down\n", "\\.\n", "COPY t FROM stdin;\n"]


def run_all(text: str, path: str = "m.sql") -> list:
    migrations = load_any(path, text, LoadEnv(placeholders={"schema": "s"}))
    diags = lint(migrations, CONFIG, RULES)
    assert isinstance(diags, list)
    internal = [d for d in diags if d.rule == "internal-error"]
    assert not internal, (text, [d.message for d in internal])
    for d in diags:  # every finding lands inside the original file
        assert 1 <= d.line and 1 <= d.column
    return diags


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    decoded = decode_bytes(data)
    run_all(decoded.text)


@FUZZ
@given(st.text(max_size=2000))
def test_random_unicode(text):
    run_all(text)


@FUZZ
@given(st.sampled_from(STATEMENTS), st.integers(min_value=0, max_value=10_000))
def test_truncated_statements(sql, cut):
    run_all(sql[: cut % (len(sql) + 1)])


@st.composite
def mutated(draw):
    text = draw(st.sampled_from(STATEMENTS))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(text)))
        op = draw(st.sampled_from(("insert", "delete", "duplicate", "swap")))
        if op == "insert":
            text = text[:pos] + draw(st.sampled_from(SQL_BITS)) + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(min_value=1, max_value=8)) :]
        elif op == "duplicate":
            text = text[:pos] + text[pos : pos + 20] + text[pos:]
        else:
            other = draw(st.sampled_from(STATEMENTS))
            text = text[:pos] + other
    return text


@FUZZ
@given(mutated())
def test_mutated_statements(text):
    run_all(text)


@pytest.mark.parametrize("depth", [10, 500, 5_000, 50_000])
@pytest.mark.parametrize("shape", [
    "SELECT {open}1{close};",
    "SELECT {nested};",
    "CREATE TABLE t (a int CHECK ({nested}));",
    "SELECT ARRAY{arr};",
    "SELECT {not_}true;",
    "CREATE TABLE t (a int DEFAULT ({nested}));",
])
def test_deeply_nested_expressions(shape, depth):
    nested = "1" + "+(1" * depth + ")" * depth
    sql = shape.format(open="(" * depth, close=")" * depth, nested=nested,
                       arr="[" * depth + "1" + "]" * depth, not_="NOT " * depth)
    diags = run_all(sql + "\nCREATE INDEX i ON orders (a);")
    # The statement after the deep one is still checked.
    assert any(d.rule == "create-index-non-concurrently" and d.line == 2 for d in diags)


HUGE_SCRIPT = r"""
import resource, sys, time
from schemalint.cli import main
code = main(["check", "--select", "ALL", "--fail-on", "never", "-f", "json", sys.argv[1]])
sys.stdout.flush()
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("\n" + str(code) + " " + str(round(peak_mb)), file=sys.stderr)
"""


def run_measured(path: Path) -> tuple[int, float, dict]:
    proc = subprocess.run([sys.executable, "-c", HUGE_SCRIPT, str(path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    code, peak = proc.stderr.strip().splitlines()[-1].split()
    return int(code), float(peak), json.loads(proc.stdout)


def test_huge_inputs_bounded_memory(tmp_path):
    # A 100 MB data dump: schema, then a COPY block of rows (the shape of real big .sql files).
    dump = tmp_path / "dump.sql"
    row = "12345\tsome text value \\N that is moderately long with a : and ${x} and {{ y }}\n"
    with dump.open("w", encoding="utf-8") as fh:
        fh.write("--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE public.t (a int, b text);\n"
                 "COPY public.t (a, b) FROM stdin;\n")
        block = row * 10_000
        for _ in range(100_000_000 // len(block)):
            fh.write(block)
        fh.write("\\.\n\nCREATE INDEX t_a ON public.t (a);\n")
    assert dump.stat().st_size >= 99_000_000
    code, peak_mb, out = run_measured(dump)
    assert code == 0
    assert peak_mb < 800, f"peak RSS {peak_mb} MB for a 100 MB dump"
    assert out["summary"]["statements"] == 3  # CREATE TABLE, COPY, CREATE INDEX
    dump.unlink()

    # A 1 MB single line: one INSERT with 90,000 rows, then one line of 50,000 statements.
    line = tmp_path / "line.sql"
    line.write_text("INSERT INTO t (a, b) VALUES " + ",".join(f"({i}, 'x')" for i in range(90_000)) + ";"
                    + "SELECT 1;" * 50_000 + "CREATE INDEX i ON orders (a);", encoding="utf-8")
    assert line.stat().st_size > 1_000_000
    code, peak_mb, out = run_measured(line)
    assert code == 0  # --fail-on never; the CREATE INDEX at the end of the line is found:
    assert peak_mb < 800, f"peak RSS {peak_mb} MB for a 1 MB line"
    index = [d for d in out["diagnostics"] if d["rule"] == "create-index-non-concurrently"]
    assert len(index) == 1 and index[0]["line"] == 1 and index[0]["column"] > 1_000_000
    assert not [d for d in out["diagnostics"] if d["rule"] in ("parse-error", "internal-error")]


def _broken_check(stmt, ctx):
    raise ZeroDivisionError("boom")


def test_a_broken_rule_becomes_an_internal_error_and_the_run_continues(monkeypatch, tmp_path, capsys):
    base = next(r for r in RULES if r.name == "create-index-non-concurrently")
    broken = base.replace(code="SL999", name="broken-rule", check=_broken_check,
                          node_types=("CreateStmt",))
    from schemalint.check import catalog as rules_catalog

    monkeypatch.setattr(rules_catalog, "all_rules", lambda: (broken, *RULES))
    f = tmp_path / "m.sql"
    f.write_text("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\nCREATE INDEX i ON c (z);\n")
    code = main(["check", "--select", "ALL", "-f", "json", str(f)])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    internal = [(d["line"], d["column"]) for d in out["diagnostics"] if d["rule"] == "internal-error"]
    assert internal == [(1, 1), (2, 1)]  # one per statement the rule failed on, at the statement
    message = next(d["message"] for d in out["diagnostics"] if d["rule"] == "internal-error")
    assert "broken-rule" in message and "ZeroDivisionError: boom" in message
    # The other rules still ran on every statement, after the failures.
    assert any(d["rule"] == "create-index-non-concurrently" and d["line"] == 3 for d in out["diagnostics"])
