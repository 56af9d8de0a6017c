"""`--stats FILE`: production row counts, for a linear runtime estimate at production size.

Export them from production with (CSV with a header line):

    COPY (SELECT schemaname, relname, n_live_tup FROM pg_stat_user_tables)
      TO STDOUT WITH (FORMAT csv, HEADER);

A JSON object {"schema.table": rows} or a JSON list of {"schemaname", "relname",
"n_live_tup"} objects is accepted too. Tables in `public` may be named without schema.
"""

from __future__ import annotations

import csv
import io
import json

from schemalint.errors import UsageError


def _key(schema: str | None, table: str) -> str:
    return table if not schema or schema == "public" else f"{schema}.{table}"


def parse_stats(text: str, where: str = "--stats") -> dict[str, int]:
    """{table name as replay shows it (public. dropped): live rows}."""
    stripped = text.lstrip()
    try:
        if stripped.startswith(("{", "[")):
            data = json.loads(text)
            if isinstance(data, dict):
                return {_key(*(k.split(".", 1) if "." in k else (None, k))): int(v)
                        for k, v in data.items()}
            return {_key(r.get("schemaname"), r["relname"]): int(r["n_live_tup"]) for r in data}
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "relname" not in rows[0]:
            raise KeyError("relname")
        return {_key(r.get("schemaname"), r["relname"]): int(float(r["n_live_tup"])) for r in rows}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsageError(
            f"{where}: expected CSV with columns schemaname,relname,n_live_tup (see docs/replay.md) "
            f"or a JSON object of row counts ({type(exc).__name__}: {exc})") from None


def load_stats(path: str) -> dict[str, int]:
    try:
        with open(path, encoding="utf-8") as fh:
            return parse_stats(fh.read(), f"--stats {path}")
    except OSError as exc:
        raise UsageError(f"--stats {path}: {exc.strerror or exc}") from None
