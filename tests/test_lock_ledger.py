"""The lock ledger: the lock bookkeeping the engine keeps beside the model, statement by
statement, for the locking and timeout rules."""

from schemalint.check.engine import Checker
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.model.lock_modes import LockMode
from schemalint.parse.statements import parse_migration
from schemalint.rulekit.lock_ledger import LockLedger
from schemalint.rules import RULES

SETUP = "CREATE TABLE orders (id bigint PRIMARY KEY, quantity int);\nCREATE TABLE customers (id bigint);\n"


def checked(*files: str, select=()) -> Checker:
    """A checker that has checked `files` in order (the ledger then holds the last one's)."""
    checker = Checker(LintConfig(select=select), RULES)
    for i, text in enumerate(files):
        checker.check(Migration(path=f"{i:03}.sql", text=text))
    return checker


def stepped(sql: str):
    """Fold SETUP, then `sql` statement by statement as the engine does, yielding each
    statement and the ledger once it is folded."""
    model = Model()
    ledger = LockLedger(model)
    for text in (SETUP, sql):
        migration = Migration(path="x.sql", text=text)
        model.begin_migration(migration, assume_in_transaction=False)
        ledger.begin_migration()
        for stmt in parse_migration(migration).statements:
            claims = ledger.before(stmt)
            model.fold(stmt)
            ledger.after(stmt, claims)
            if text is sql:
                yield stmt, ledger


def test_the_ledger_holds_the_lock_the_rule_reports():
    checker = checked(SETUP, "SELECT 1;\nALTER TABLE orders ADD COLUMN note text;\n",
                      select=("missing-lock-timeout",))
    stmt, claim = checker.locks.first_unguarded_lock
    assert stmt.sql == "ALTER TABLE orders ADD COLUMN note text"
    assert (claim.relation, claim.mode) == (("public", "orders"), LockMode.ACCESS_EXCLUSIVE)
    (finding,) = [d for d in checker.out if d.rule == "missing-lock-timeout"]
    assert (finding.path, finding.line, finding.start) == ("001.sql", 2, stmt.start)


def test_lock_timeout_or_a_table_of_this_file_is_no_unguarded_lock():
    assert checked(SETUP, "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN note text;\n"
                   ).locks.first_unguarded_lock is None
    assert checked("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b int;\n"
                   ).locks.first_unguarded_lock is None


def test_a_slow_statement_without_statement_timeout():
    checker = checked(SETUP, "ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n")
    stmt, why = checker.locks.first_unbounded_slow
    assert stmt.sql.startswith("ALTER TABLE orders") and why
    assert checked(SETUP, "SET statement_timeout = '1min';\n"
                   "ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;\n"
                   ).locks.first_unbounded_slow is None


def test_access_exclusive_is_held_until_commit():
    seen = [(stmt.sql.split()[0], dict(ledger.access_exclusive), ledger.access_exclusive_extended)
            for stmt, ledger in stepped("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n"
                                        "UPDATE customers SET id = id;\nCOMMIT;\n")]
    assert [(verb, list(held), extended) for verb, held, extended in seen] == [
        ("BEGIN", [], False),
        ("ALTER", [("public", "orders")], False),
        ("UPDATE", [("public", "orders")], True),  # DML while the lock is held
        ("COMMIT", [], False),  # released at the end of the transaction (13.3.1)
    ]


def test_no_lock_is_held_outside_a_transaction():
    for _, ledger in stepped("ALTER TABLE orders ADD COLUMN note text;\n"):
        assert ledger.access_exclusive == {} and not ledger.access_exclusive_extended


def test_claims_are_computed_once_per_statement():
    (stmt, ledger), = stepped("SELECT 1;\n")
    assert ledger.claims(stmt) is ledger.claims(stmt)


def test_fold_leaves_no_earlier_file_in_the_ledger():
    checker = checked(SETUP, "BEGIN;\nALTER TABLE orders ADD COLUMN note text;\n")
    assert checker.locks.access_exclusive and checker.locks.first_unguarded_lock
    checker.fold(Migration(path="002.sql", text="SELECT 1;\n"))
    ledger = checker.locks
    assert (ledger.access_exclusive, ledger.first_unguarded_lock, ledger.first_unbounded_slow) == (
        {}, None, None)
