"""What replay observed: plain data, filled by the tracer and read by findings and reports."""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = {"r": "table", "p": "table", "i": "index", "I": "index", "S": "sequence",
         "m": "materialized view", "v": "view", "f": "foreign table", "c": "type", "t": "toast"}


@dataclass
class Relation:
    oid: int
    name: str  # schema-qualified unless in public
    kind: str  # "table", "index", ...


@dataclass
class LockTrace:
    relation: Relation
    mode: str  # SQL spelling, e.g. "ACCESS EXCLUSIVE"
    blocks: tuple[str, ...]  # from the conflict matrix: "reads", "writes", "ddl"
    pre_existing: bool  # the relation existed before this migration file
    created: bool = False  # the statement itself created the relation
    held_ms: float = 0.0
    # --probe: what a second session could actually do while the lock was held.
    observed: dict[str, bool] | None = None  # {"reads": blocked?, "writes": blocked?}
    held_estimate_ms: float | None = None
    # The statements that ran while it was held (for the estimate at production size).
    during: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        out = {
            "relation": self.relation.name,
            "kind": self.relation.kind,
            "mode": self.mode,
            "held_ms": round(self.held_ms, 3),
            "blocks": list(self.blocks),
            "pre_existing": self.pre_existing,
        }
        if self.observed is not None:
            out["observed_blocks"] = [k for k in ("reads", "writes") if self.observed.get(k)]
        if self.held_estimate_ms is not None:
            out["held_estimate_ms"] = round(self.held_estimate_ms, 3)
        return out


@dataclass
class Change:
    table: str
    object: str  # "table", "column", "constraint", "index"
    name: str
    change: str  # "added", "dropped", "changed"
    definition: str = ""
    before: str = ""
    oid: int = 0  # the table's

    def to_dict(self) -> dict:
        out = {"table": self.table, "object": self.object, "name": self.name,
               "change": self.change, "definition": self.definition}
        if self.change == "changed":
            out["before"] = self.before
        return out

    def describe(self) -> str:
        if self.object == "table":
            return f"{self.change} table {self.table}"
        what = f"{self.object} {self.name} on {self.table}"
        if self.change == "changed":
            return f"changed {what}: {self.before} -> {self.definition}"
        return f"{self.change} {what}" + (f": {self.definition}" if self.definition else "")


@dataclass
class StatementTrace:
    migration: object  # source.Migration
    start: int  # character offsets of the statement in migration.text
    end: int
    line: int
    sql: str
    kind: str
    status: str = "not_run"  # "ok", "failed" or "not_run"
    traced: bool = True
    in_transaction: bool = False
    duration_ms: float = 0.0
    locks: list[LockTrace] = field(default_factory=list)
    rewrites: list[Relation] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    error: str | None = None
    error_primary: str | None = None  # PostgreSQL's message, when `error` adds advice to it
    sqlstate: str | None = None
    lock_timeout: str | None = None  # the setting in effect when the statement ran
    estimate_ms: float | None = None  # linear extrapolation to production row counts

    @property
    def path(self) -> str:
        return self.migration.path

    def table_created(self, table: str) -> bool:
        return any(c.object == "table" and c.change == "added" and c.table == table
                   for c in self.changes)

    def to_dict(self) -> dict:
        out = {
            "path": self.path,
            "line": self.line,
            "sql": self.sql,
            "status": self.status,
            "duration_ms": round(self.duration_ms, 3),
            "in_transaction": self.in_transaction,
            "locks": [lk.to_dict() for lk in self.locks],
            "rewrites": [{"relation": r.name, "kind": r.kind} for r in self.rewrites],
            "changes": [c.to_dict() for c in self.changes],
            "error": self.error,
            "lock_timeout": self.lock_timeout,
        }
        if self.estimate_ms is not None:
            out["estimate_ms"] = round(self.estimate_ms, 3)
        return out


@dataclass
class NotRun:
    """Statements of one file that did not run (after a failure): counted, not listed, so a
    report never repeats the SQL of a large file that did not run. `seq`: how many
    statement traces precede it in the report."""

    migration: object  # source.Migration
    line: int  # of the first statement not run
    end_line: int  # of the last one
    statements: int
    seq: int = 0

    @property
    def path(self) -> str:
        return self.migration.path

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "end_line": self.end_line,
                "statements": self.statements}

    def describe(self) -> str:
        lines = f"line {self.line}" if self.line == self.end_line else f"lines {self.line}-{self.end_line}"
        return f"{self.statements} statement(s) not run ({lines})"


@dataclass
class Seeded:
    """`--rows`: a table filled right after the migration that created it."""

    table: str
    rows: int
    after: str  # the path of that migration

    def to_dict(self) -> dict:
        return {"table": self.table, "rows": self.rows, "after": self.after}


@dataclass
class RoundTrip:
    """--roundtrip for one migration: up, down, up."""

    up_path: str
    down_path: str
    differences: list[str] = field(default_factory=list)
    error: str | None = None  # the down or the second up failed
    stops: bool = False  # up failed after down: the later migrations cannot be replayed

    def to_dict(self) -> dict:
        return {"up": self.up_path, "down": self.down_path,
                "differences": self.differences, "error": self.error}


@dataclass
class Mismatch:
    """A static lock prediction that replay did not observe, or the reverse."""

    path: str
    line: int
    relation: str
    predicted: str | None
    observed: str | None

    def to_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "relation": self.relation,
                "predicted": self.predicted, "observed": self.observed}


@dataclass
class ReplayReport:
    server_version: str
    backend: str
    statements: list[StatementTrace] = field(default_factory=list)
    diagnostics: list = field(default_factory=list)
    roundtrips: list[RoundTrip] = field(default_factory=list)
    mismatches: list[Mismatch] | None = None  # None: no static lock table available
    not_run: list[NotRun] = field(default_factory=list)
    # Why the replay stopped before the end, and how many files it did not replay.
    stopped: str | None = None
    seeded: dict[str, int] = field(default_factory=dict)  # table -> rows inserted
    seeding: list[Seeded] = field(default_factory=list)  # the same, with where
    seed_problems: list[str] = field(default_factory=list)
    rows_requested: bool = False  # --rows or per-table counts were given
    # The framework bookkeeping tables created before the first migration (golang-migrate's
    # schema_migrations, ...), by framework.
    bookkeeping: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the replay could not set up as asked
    production_rows: dict[str, int] = field(default_factory=dict)
    untraced_migrations: int = 0
    total_ms: float = 0.0
    options: dict = field(default_factory=dict)
    cleanup_errors: list[str] = field(default_factory=list)
    plans: object = None  # the query-plan gate's results (replay.plans.gate.PlanResults)
