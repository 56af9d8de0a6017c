"""`check --replay` gives one finding per hazard: a replay finding that measures what a static
finding predicted at the same statement is carried by the static finding (check/confirm.py)."""

from __future__ import annotations

import json

from schemalint.cli import main

EXAMPLE = "docs/example/migrations"


def _check(server, capsys, *extra: str) -> tuple[int, list[dict]]:
    code = main(["check", EXAMPLE, "--replay", "--dsn", server.conninfo(), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)["diagnostics"]


def _at(diagnostics, file: str, rule: str) -> dict:
    found = [d for d in diagnostics if d["path"].endswith(file) and d["rule"] == rule]
    assert len(found) == 1, [(d["path"], d["line"], d["rule"]) for d in diagnostics]
    return found[0]


def test_the_example_gives_one_finding_per_hazard(server, capsys):
    code, diagnostics = _check(server, capsys)
    assert code == 1
    shown = [(d["path"].rsplit("/", 1)[-1][:3], d["line"], d["rule"]) for d in diagnostics]
    # 14 static findings; of the 9 replay findings only the lock at 002:4 has no static
    # counterpart at its statement.
    assert shown == [
        ("001", 3, "sequential-primary-key"),
        ("001", 9, "table-without-timestamps"), ("001", 11, "foreign-key-without-index"),
        ("002", 2, "missing-lock-timeout"), ("002", 2, "add-column-not-null-without-default"),
        ("002", 3, "separate-alter-table-statements"), ("002", 3, "missing-statement-timeout"),
        ("002", 3, "add-column-volatile-default"), ("002", 4, "blocking-lock-without-timeout"),
        ("002", 5, "set-not-null-on-existing-column"), ("003", 1, "missing-lock-timeout"),
        ("003", 1, "missing-statement-timeout"), ("003", 1, "create-index-non-concurrently"),
        ("003", 2, "drop-index-non-concurrently"), ("003", 5, "concurrent-index-in-transaction"),
    ]
    index = _at(diagnostics, "003_index_orders.sql", "create-index-non-concurrently")
    [measured] = index["replay"]
    assert measured["rule"] == "blocking-lock-without-timeout" and measured["code"] == "SL603"
    assert [(lk["relation"], lk["lock"]) for lk in measured["locks"]] == [("orders", "SHARE")]
    assert measured["locks"][0]["held_ms"] >= 0
    assert index["message"].endswith(f"(replay: SHARE on `orders` held "
                                     f"{measured['locks'][0]['held_ms']:.0f} ms, with no lock_timeout)")
    rewrite = _at(diagnostics, "002_add_order_columns.sql", "add-column-volatile-default")
    assert {m["rule"] for m in rewrite["replay"]} == {"table-rewrite", "blocking-lock-without-timeout"}
    assert next(m for m in rewrite["replay"] if m["rule"] == "table-rewrite")["relation"] == "orders"
    assert "(replay: rewrote `orders`)" in rewrite["message"]
    failed = _at(diagnostics, "003_index_orders.sql", "concurrent-index-in-transaction")
    assert failed["replay"][0]["error"] == "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"
    fk = _at(diagnostics, "001_create_customers_and_orders.sql", "foreign-key-without-index")
    assert fk["replay"][0]["constraint"] == "orders_customer_id_fkey"
    # Findings replay did not confirm carry nothing.
    assert "replay" not in _at(diagnostics, "001_create_customers_and_orders.sql", "table-without-timestamps")


def test_the_higher_severity_is_kept(server, capsys):
    # Every blocking lock is "long" at a 0 ms threshold: long-blocking-lock (error) confirms
    # drop-index-non-concurrently (warning).
    _, diagnostics = _check(server, capsys, "--lock-threshold-ms", "0")
    drop = _at(diagnostics, "003_index_orders.sql", "drop-index-non-concurrently")
    assert drop["severity"] == "error"
    assert "long-blocking-lock" in {m["rule"] for m in drop["replay"]}
    assert not [d for d in diagnostics if d["rule"] == "long-blocking-lock"
                and d["path"].endswith("003_index_orders.sql") and d["line"] == 2]


def test_sarif_carries_the_measurement_in_properties(server, capsys):
    main(["check", EXAMPLE, "--replay", "--dsn", server.conninfo(), "--format", "sarif"])
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    index = next(r for r in results if r["ruleId"] == "SL101")
    assert index["properties"]["replay"][0]["locks"][0]["lock"] == "SHARE"
    assert not any(r["ruleId"] == "SL602" for r in results)


def test_a_refresh_is_one_finding(server, capsys, tmp_path):
    # REFRESH MATERIALIZED VIEW takes ACCESS EXCLUSIVE on the view: replay's blocking-lock
    # finding at that statement is the static rule's measurement, not a second finding.
    (tmp_path / "001_view.sql").write_text(
        "CREATE TABLE t (id bigint PRIMARY KEY);\nCREATE MATERIALIZED VIEW v AS SELECT id FROM t;\n")
    (tmp_path / "002_refresh.sql").write_text("REFRESH MATERIALIZED VIEW v;\n")
    main(["check", str(tmp_path), "--replay", "--dsn", server.conninfo(), "--format", "json",
          "--no-config"])
    diagnostics = json.loads(capsys.readouterr().out)["diagnostics"]
    at_refresh = [d["rule"] for d in diagnostics if d["path"].endswith("002_refresh.sql")]
    assert "blocking-lock-without-timeout" not in at_refresh, at_refresh
    refresh = _at(diagnostics, "002_refresh.sql", "refresh-materialized-view-non-concurrently")
    assert {m["rule"] for m in refresh["replay"]} == {"blocking-lock-without-timeout"}
