"""Helpers for messages that teach: the user's own SQL, cut out of the statement, and the
lock facts from `locks.py` worded for a sentence."""

from __future__ import annotations

from schemalint.model import Site
from schemalint.model.lock_modes import LockClaim, LockMode, blocked_phrase, strongest
from schemalint.parse.names import display_name, quote_ident, strings


def clause_text(stmt, location: int | None) -> str:
    """The source text of one ALTER TABLE subcommand element (a constraint, a column
    definition) starting at node `location`: up to the next comma at parenthesis depth 0,
    or the end of the statement."""
    if location is None or location < 0:
        return stmt.text.strip()
    start = stmt.offset_of(location)
    text = stmt.migration.text
    depth, i, end = 0, start, stmt.end
    quote = None
    while i < end:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            break
        i += 1
    return " ".join(text[start:i].split())


def lock_sentence(claim: LockClaim | None, table: str) -> str:
    """'an ACCESS EXCLUSIVE lock on `orders` (reads and writes blocked)'."""
    if claim is None:
        return f"a lock on `{table}`"
    article = "an" if claim.mode.sql_name[0] in "AEIOU" else "a"
    return f"{article} {claim.mode.sql_name} lock on `{table}` ({blocked_phrase(claim.mode)} blocked)"


def claim_on(ctx, stmt, key) -> LockClaim | None:
    return strongest(ctx.locks.claims(stmt), key)


def constraint_name(con: dict, table_name: str, kind: str) -> str:
    """The constraint's name, or PostgreSQL's default (<table>_<columns>_<suffix>)."""
    if con.get("conname"):
        return con["conname"]
    suffix = {"foreign": "fkey", "check": "check", "unique": "key", "primary": "pkey", "exclusion": "excl"}[kind]
    if kind == "primary":
        return f"{table_name}_pkey"
    cols = strings(con.get("fk_attrs") if kind == "foreign" else con.get("keys"))
    return "_".join([table_name, *cols, suffix]) if cols else f"{table_name}_{suffix}"


def named_constraint_sql(stmt, con: dict, name: str) -> str:
    """`CONSTRAINT name <definition>` from the user's text, naming it if it had no name."""
    text = clause_text(stmt, con.get("location"))
    if con.get("conname"):
        return text
    return f"CONSTRAINT {quote_ident(name)} {text}"


def statement_site(stmt) -> Site:
    return Site(stmt.migration, stmt.start, stmt.end, stmt.sql)


def line_of(stmt) -> int:
    return stmt.migration.lines.position(stmt.start)[0]


__all__ = ["LockMode", "blocked_phrase", "claim_on", "clause_text", "constraint_name", "display_name",
           "line_of", "lock_sentence", "named_constraint_sql", "statement_site"]


def split_note(ctx) -> str:
    """The help's closing note when the runner sends this file as one query string with other
    statements: a CONCURRENTLY statement needs a migration file of its own."""
    if ctx.in_transaction or not ctx.in_transaction_block:
        return ""
    return ("\nThis file holds other statements and its runner sends it as one query string, which "
            "PostgreSQL runs as one transaction block: move the statement to a migration file of its "
            "own, right after this one.")
