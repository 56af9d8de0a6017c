from schemalint.rulekit import Rule, Severity, statement_site

RULE = Rule(
    code="SL500",
    name="begin-without-commit",
    category="transactions",
    severity=Severity.ERROR,
    summary="A transaction opened with BEGIN is still open at the end of the migration file.",
    why="Nothing commits the work after this BEGIN: psql and most drivers roll an open transaction "
        "back when the connection closes, so the changes silently disappear; a pooled connection "
        "goes back to the pool inside the transaction, holding every lock it took.",
    instead="End the transaction with COMMIT in the same file.",
    ok_when="The file first ends the framework's transaction with COMMIT (the `COMMIT; ...; "
            "BEGIN;` idiom for running statements outside it): the framework commits the final "
            "BEGIN.",
    bad=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;",),
    good=("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;",),
    equivalents={"squawk": ("ban-uncommitted-transaction",)},
)


def end_of_migration(statements, ctx):
    session = ctx.session
    if session.explicit_depth == 0 or session.open_begin is None:
        return
    if session.orphan_ends or session.escaped_framework_tx:
        return  # COMMIT; ...; BEGIN; -- the framework commits the last BEGIN
    yield ctx.report(
        "this BEGIN is never committed: the migration's changes are rolled back when the "
        "connection closes",
        site=statement_site(session.open_begin),
        help="Add COMMIT; at the end of the file.",
    )
