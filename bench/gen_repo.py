"""Generate a deterministic repository of realistic PostgreSQL migrations for the benchmark.

    python bench/gen_repo.py OUT_DIR [--statements 50000] [--seed 20240611]

Writes `OUT_DIR/migrations/NNNNNN_<name>.sql`, each file 1-120 statements, the whole
history consistent enough for a schema model to follow it: tables are created before
they are altered, foreign keys point at existing tables, dropped columns are not reused.
Statement mix: CREATE TABLE with many column types and constraints, every common ALTER
TABLE action, indexes (concurrent, unique, partial, expression, GIN), foreign keys,
PL/pgSQL functions and triggers with dollar quotes, enums, sequences, views, COMMENT ON
with non-ASCII text, seed INSERTs, explicit transactions and timeouts, and line and
block comments (non-ASCII included). Same seed and size give byte-identical output.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil

COLUMN_TYPES = [
    "bigint", "integer", "smallint", "text", "varchar(255)", "varchar(64)", "char(2)",
    "numeric(12,2)", "numeric(20,6)", "boolean", "timestamptz", "timestamp", "date",
    "time", "interval", "uuid", "jsonb", "json", "bytea", "inet", "cidr", "text[]",
    "integer[]", "double precision", "real", "tsvector", "money", "citext", "point",
]
DEFAULTS = {
    "bigint": ["0", "1"], "integer": ["0", "42"], "smallint": ["0"], "text": ["''", "'n/a'"],
    "varchar(255)": ["'unknown'"], "boolean": ["false", "true"], "timestamptz": ["now()", "CURRENT_TIMESTAMP"],
    "timestamp": ["now()"], "date": ["CURRENT_DATE"], "uuid": ["gen_random_uuid()"],
    "jsonb": ["'{}'::jsonb", "'[]'::jsonb"], "numeric(12,2)": ["0.00"], "interval": ["'1 day'"],
}
VOLATILE = ["gen_random_uuid()", "random()", "clock_timestamp()", "uuid_generate_v4()"]
WORDS = [
    "account", "order", "invoice", "payment", "customer", "product", "shipment", "review",
    "session", "event", "audit", "tenant", "project", "task", "comment", "tag", "label",
    "webhook", "token", "device", "region", "price", "discount", "cart", "refund", "ledger",
    "message", "thread", "channel", "member", "role", "permission", "setting", "report",
]
NON_ASCII = [
    "Données clients (RGPD) — ne pas exposer", "Straße und Hausnummer", "顧客の注文履歴",
    "Заказы покупателей", "注文ステータス ✅", "montant en €", "cliente año fiscal",
    "🚀 feature flag", "ÆØÅ kolonne", "طلب العميل", "Ελληνικά δεδομένα", "naïve café déjà vu",
]


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.tables: dict[str, dict[str, str]] = {}  # name -> column -> type
        self.indexes: dict[str, str] = {}  # index -> table
        self.enums: list[str] = []
        self.functions: list[str] = []
        self.seq = 0

    def uid(self) -> int:
        self.seq += 1
        return self.seq

    def pick_table(self) -> str:
        return self.r.choice(list(self.tables))

    def col_name(self) -> str:
        r = self.r
        return f"{r.choice(WORDS)}_{r.choice(['id', 'name', 'code', 'at', 'count', 'amount', 'status', 'note', 'flag', 'data'])}_{self.uid()}"

    def coltype(self) -> str:
        if self.enums and self.r.random() < 0.05:
            return self.r.choice(self.enums)
        return self.r.choice(COLUMN_TYPES)

    # --- statements -------------------------------------------------------------------
    def create_table(self) -> list[str]:
        r = self.r
        name = f"{r.choice(WORDS)}s_{self.uid()}"
        cols: dict[str, str] = {}
        lines = []
        pk = r.choice(["bigserial", "uuid", "bigint GENERATED ALWAYS AS IDENTITY", "serial"])
        if pk == "uuid":
            lines.append("    id uuid PRIMARY KEY DEFAULT gen_random_uuid()")
        else:
            lines.append(f"    id {pk} PRIMARY KEY")
        cols["id"] = "bigint" if pk != "uuid" else "uuid"
        for _ in range(r.randint(3, 18)):
            c, t = self.col_name(), self.coltype()
            parts = [f"    {c} {t}"]
            if r.random() < 0.4:
                parts.append("NOT NULL")
            if t in DEFAULTS and r.random() < 0.35:
                parts.append("DEFAULT " + r.choice(DEFAULTS[t]))
            if r.random() < 0.05:
                parts.append("UNIQUE")
            if t in ("integer", "bigint", "numeric(12,2)") and r.random() < 0.1:
                parts.append(f"CHECK ({c} >= 0)")
            lines.append(" ".join(parts))
            cols[c] = t
        if self.tables and r.random() < 0.6:
            for _ in range(r.randint(1, 3)):
                ref = self.pick_table()
                c = f"{ref.split('_')[0].rstrip('s')}_ref_{self.uid()}"
                reft = self.tables[ref].get("id", "bigint")
                action = r.choice(["", " ON DELETE CASCADE", " ON DELETE SET NULL", " ON DELETE RESTRICT"])
                lines.append(f"    {c} {reft} REFERENCES {ref} (id){action}")
                cols[c] = reft
        lines.append("    created_at timestamptz NOT NULL DEFAULT now()")
        if r.random() < 0.8:
            lines.append("    updated_at timestamptz NOT NULL DEFAULT now()")
        if r.random() < 0.1:
            a, b = list(cols)[1:3] if len(cols) > 2 else ("id", "id")
            lines.append(f"    CONSTRAINT {name}_{a}_{b}_uniq UNIQUE ({a}, {b})")
        cols["created_at"] = "timestamptz"
        self.tables[name] = cols
        unlogged = "UNLOGGED " if r.random() < 0.02 else ""
        ine = "IF NOT EXISTS " if r.random() < 0.2 else ""
        stmts = [f"CREATE {unlogged}TABLE {ine}{name} (\n" + ",\n".join(lines) + "\n)"]
        if r.random() < 0.5:
            stmts.append(f"COMMENT ON TABLE {name} IS '{r.choice(NON_ASCII)}'")
        return stmts

    def alter_table(self) -> list[str]:
        r = self.r
        t = self.pick_table()
        cols = self.tables[t]
        kind = r.randint(0, 15)
        plain = [c for c in cols if c not in ("id", "created_at")]
        if kind <= 2:
            c, ty = self.col_name(), self.coltype()
            extra = ""
            roll = r.random()
            if roll < 0.2:
                extra = " NOT NULL DEFAULT " + r.choice(DEFAULTS.get(ty, ["0"]))
            elif roll < 0.3:
                extra = " DEFAULT " + r.choice(VOLATILE)
                ty = "uuid" if "uuid" in extra else ("double precision" if "random" in extra else "timestamptz")
            elif roll < 0.35:
                extra = " NOT NULL"
            cols[c] = ty
            ine = "IF NOT EXISTS " if r.random() < 0.2 else ""
            return [f"ALTER TABLE {t} ADD COLUMN {ine}{c} {ty}{extra}"]
        if kind == 3 and plain:
            c = r.choice(plain)
            del cols[c]
            return [f"ALTER TABLE {t} DROP COLUMN IF EXISTS {c}"]
        if kind == 4 and plain:
            c = r.choice(plain)
            return [f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"]
        if kind == 5 and plain:
            c = r.choice(plain)
            return [f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"]
        if kind == 6 and plain:
            c = r.choice(plain)
            cols[c] = "text"
            return [f"ALTER TABLE {t} ALTER COLUMN {c} TYPE text USING {c}::text"]
        if kind == 7 and plain:
            c = r.choice(plain)
            return [f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {r.choice(['0', 'NULL', 'now()'])}"]
        if kind == 8 and len(self.tables) > 1:
            ref = self.pick_table()
            c = f"{ref.split('_')[0]}_fk_{self.uid()}"
            cols[c] = self.tables[ref].get("id", "bigint")
            name = f"{t}_{c}_fkey"
            out = [
                f"ALTER TABLE {t} ADD COLUMN {c} {cols[c]}",
                f"ALTER TABLE {t} ADD CONSTRAINT {name} FOREIGN KEY ({c}) REFERENCES {ref} (id) NOT VALID",
            ]
            if r.random() < 0.7:
                out.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {name}")
            return out
        if kind == 9 and plain:
            c = r.choice(plain)
            name = f"{t}_{c}_not_null_{self.uid()}"
            return [
                f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID",
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name}",
            ]
        if kind == 10 and plain:
            c = r.choice(plain)
            new = f"{c}_v{self.uid()}"
            cols[new] = cols.pop(c)
            return [f"ALTER TABLE {t} RENAME COLUMN {c} TO {new}"]
        if kind == 11 and r.random() < 0.2:
            new = f"{t}_r{self.uid()}"
            self.tables[new] = self.tables.pop(t)
            for idx, tab in self.indexes.items():
                if tab == t:
                    self.indexes[idx] = new
            return [f"ALTER TABLE {t} RENAME TO {new}"]
        if kind == 12 and len(plain) > 1:
            a, b = r.sample(plain, 2)
            return [f"ALTER TABLE {t} ADD COLUMN x_{self.uid()} integer, ALTER COLUMN {a} DROP DEFAULT, "
                    f"ALTER COLUMN {b} SET STATISTICS 500"]
        if kind == 13:
            return [f"ALTER TABLE {t} SET (fillfactor = {r.choice([70, 80, 90])})"]
        if kind == 14 and plain:
            c = r.choice(plain)
            return [f"COMMENT ON COLUMN {t}.{c} IS '{r.choice(NON_ASCII)}'"]
        c, ty = self.col_name(), "text"
        cols[c] = ty
        return [f"ALTER TABLE {t} ADD COLUMN {c} {ty} /* {r.choice(NON_ASCII)} */"]

    def create_index(self) -> list[str]:
        r = self.r
        t = self.pick_table()
        cols = [c for c in self.tables[t] if c != "id"] or ["id"]
        n = f"{t}_{self.uid()}_idx"
        self.indexes[n] = t
        conc = "CONCURRENTLY " if r.random() < 0.6 else ""
        uniq = "UNIQUE " if r.random() < 0.15 else ""
        roll = r.random()
        if roll < 0.55:
            body = f"({r.choice(cols)})"
        elif roll < 0.75:
            k = min(len(cols), r.randint(2, 3))
            body = "(" + ", ".join(r.sample(cols, k)) + ")"
        elif roll < 0.85:
            body = f"(lower({r.choice(cols)}::text))"
        elif roll < 0.93:
            body = f"USING gin ({r.choice(cols)})"
        else:
            c = r.choice(cols)
            body = f"({c}) WHERE {c} IS NOT NULL"
        return [f"CREATE {uniq}INDEX {conc}IF NOT EXISTS {n} ON {t} {body}"]

    def drop_index(self) -> list[str]:
        if not self.indexes:
            return self.create_index()
        n = self.r.choice(list(self.indexes))
        del self.indexes[n]
        conc = "CONCURRENTLY " if self.r.random() < 0.6 else ""
        return [f"DROP INDEX {conc}IF EXISTS {n}"]

    def function(self) -> list[str]:
        r = self.r
        t = self.pick_table()
        name = f"touch_{t}_{self.uid()}"
        tag = r.choice(["$$", "$body$", "$fn$"])
        self.functions.append(name)
        body = (
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger\n"
            f"LANGUAGE plpgsql AS {tag}\n"
            "BEGIN\n"
            f"    -- {r.choice(NON_ASCII)}; a ';' inside the body must not split the statement\n"
            "    NEW.created_at := coalesce(NEW.created_at, now());\n"
            "    IF TG_OP = 'UPDATE' THEN\n"
            f"        RAISE NOTICE 'updating % ({r.choice(NON_ASCII)})', TG_TABLE_NAME;\n"
            "    END IF;\n"
            "    RETURN NEW;\n"
            f"END;\n{tag}"
        )
        return [body, f"CREATE TRIGGER {name}_trg BEFORE INSERT OR UPDATE ON {t} "
                      f"FOR EACH ROW EXECUTE FUNCTION {name}()"]

    def sql_function(self) -> list[str]:
        t = self.pick_table()
        name = f"count_{t}_{self.uid()}"
        return [f"CREATE FUNCTION {name}(since timestamptz) RETURNS bigint\n"
                f"LANGUAGE sql STABLE AS $q$ SELECT count(*) FROM {t} WHERE created_at >= since $q$"]

    def misc(self) -> list[str]:
        r = self.r
        roll = r.randint(0, 7)
        if roll == 0:
            name = f"{r.choice(WORDS)}_status_{self.uid()}"
            self.enums.append(name)
            vals = ", ".join(f"'{v}'" for v in r.sample(["new", "open", "closed", "archived", "späť", "já"], 3))
            return [f"CREATE TYPE {name} AS ENUM ({vals})"]
        if roll == 1 and self.enums:
            return [f"ALTER TYPE {r.choice(self.enums)} ADD VALUE IF NOT EXISTS 'v{self.uid()}'"]
        if roll == 2:
            return [f"CREATE SEQUENCE IF NOT EXISTS seq_{self.uid()} START 1000 INCREMENT BY 1"]
        if roll == 3:
            t = self.pick_table()
            return [f"CREATE OR REPLACE VIEW v_{t}_{self.uid()} AS SELECT id, created_at FROM {t} "
                    "WHERE created_at > now() - interval '30 days'"]
        if roll == 4:
            t = self.pick_table()
            text_cols = [c for c, ty in self.tables[t].items() if ty in ("text", "varchar(255)")]
            if text_cols:
                c = r.choice(text_cols)
                rows = ", ".join(f"('{r.choice(NON_ASCII).replace(chr(39), '')}')" for _ in range(r.randint(1, 4)))
                return [f"INSERT INTO {t} ({c}) VALUES {rows}"]
            return [f"UPDATE {t} SET created_at = now() WHERE id IS NULL"]
        if roll == 5:
            return [f"SET lock_timeout = '{r.choice([2, 5, 10])}s'"]
        if roll == 6:
            return ["SET statement_timeout = 0"]
        t = self.pick_table()
        return [f"GRANT SELECT, INSERT ON {t} TO app_user"]

    def statements(self) -> list[str]:
        r = self.r
        if len(self.tables) < 3:
            return self.create_table()
        roll = r.random()
        if roll < 0.14:
            return self.create_table()
        if roll < 0.52:
            return self.alter_table()
        if roll < 0.68:
            return self.create_index()
        if roll < 0.72:
            return self.drop_index()
        if roll < 0.78:
            return self.function()
        if roll < 0.81:
            return self.sql_function()
        if roll < 0.83 and len(self.tables) > 20:
            t = self.pick_table()
            del self.tables[t]
            self.indexes = {i: tab for i, tab in self.indexes.items() if tab != t}
            return [f"DROP TABLE IF EXISTS {t} CASCADE"]
        return self.misc()


def render_file(gen: Gen, budget: int) -> tuple[str, int]:
    r = gen.r
    out: list[str] = []
    count = 0
    if r.random() < 0.5:
        out.append(f"-- Migration: {r.choice(WORDS)} changes\n-- {r.choice(NON_ASCII)}\n")
    txn = budget >= 3 and r.random() < 0.15
    if txn:
        out.append("BEGIN;\n")
        budget -= 2
    while count < budget:
        for stmt in gen.statements()[: budget - count]:
            if r.random() < 0.1:
                out.append(f"/* {r.choice(NON_ASCII)}\n   reviewed */\n")
            out.append(stmt + ";\n\n")
            count += 1
    if txn:
        out.append("COMMIT;\n")
        count += 2
    return "".join(out), count


def generate(out_dir: str, statements: int = 50_000, seed: int = 20240611) -> tuple[int, int]:
    """Write the repository; returns (files, statements)."""
    gen = Gen(seed)
    mig = os.path.join(out_dir, "migrations")
    if os.path.isdir(mig):
        shutil.rmtree(mig)
    os.makedirs(mig)
    total = files = 0
    while total < statements:
        budget = min(statements - total, gen.r.choice([1, 2, 3, 5, 8, 13, 21, 40, 80, 120]))
        text, count = render_file(gen, budget)
        files += 1
        name = f"{files:06d}_{gen.r.choice(WORDS)}_{gen.r.choice(['add', 'change', 'backfill', 'index', 'init'])}.sql"
        with open(os.path.join(mig, name), "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        total += count
    return files, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--statements", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=20240611)
    args = ap.parse_args()
    files, total = generate(args.out_dir, args.statements, args.seed)
    print(f"{files} files, {total} statements in {os.path.join(args.out_dir, 'migrations')}")


if __name__ == "__main__":
    main()
