#!/usr/bin/env python
"""How often schemalint and squawk agree, statement by statement, on real migrations.

    python bench/squawk_agreement.py [--corpus DIR] [--out docs/squawk-agreement.md]
                                     [--raw bench/results/squawk-agreement]

For each project folder of the corpus (default: `../shared/corpus` next to the repository,
else /work/shared/corpus; a project that is absent is skipped and said so), this runs

  * squawk (`--reporter json`, `--pg-version` = ours, `--assume-in-transaction` when the
    project's framework wraps each migration in a transaction, and `--include` for the opt-in
    squawk rules we claim), and
  * schemalint (`check --format json --select ALL`, same PG version and transaction
    assumption) over the same files,

maps every finding to the statement it falls in (file + statement span, from schemalint's
parser), and for every squawk rule that a schemalint rule names in `equivalents` counts the
statements both flag, only squawk flags and only schemalint flags. Rules squawk reports once
per file (the timeouts) are compared per file. Each disagreement is put in a category from
facts of the statement (was its table created earlier in the same file? in an explicit
transaction? ...), and `VERDICTS` says, per category, who is right and why; the report shows
one concrete example per category. The report is Markdown, written to --out; the raw JSON of
both tools goes to --raw (gitignored) so the analysis can be re-checked.

Needs `squawk` 2.70 on PATH or next to this Python (`pip install squawk-cli==2.70.0`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from schemalint.discover import discover
from schemalint.parse import parse_migration
from schemalint.peers import PEERS
from schemalint.rules_catalog import catalog

ROOT = Path(__file__).resolve().parent.parent
PG_VERSION = "15"
SQUAWK_VERSION = "2.70.0"

# Whether each corpus project's framework runs a migration file inside a transaction; both
# tools get the same assumption (squawk has only a global flag, so files that opt out, such
# as goose's `NO TRANSACTION`, are treated like the rest by both).
PROJECTS = {
    "lemmy": True,  # diesel: each migration in a transaction (unless metadata.toml says not)
    "hatchet": True,  # goose: each file in a transaction unless `-- +goose NO TRANSACTION`
    "kestra": True,  # Flyway wraps each PostgreSQL migration in a transaction
    "harbor": False,  # golang-migrate's postgres driver sends the file as it is
    "supabase-postgres": True,  # dbmate wraps each section in a transaction
    "trigger-dev": False,  # Prisma Migrate sends migration.sql as it is
}

# Squawk reports these once per file (at the first statement that needs it); compare per file.
FILE_LEVEL = {"require-lock-timeout", "require-statement-timeout", "ban-uncommitted-transaction"}

# Who is right, per (squawk rule or "*", side, category). side: "squawk" = only squawk
# flags it, "schemalint" = only we flag it. Looked up most specific first.
SAME_FILE = (
    "schemalint is right: a table created earlier in the same migration file is empty and no "
    "application code uses it yet, so the lock blocks no one and the scan or build is instant. "
    "squawk exempts only tables created inside an explicit BEGIN ... COMMIT of the file (not "
    "with `--assume-in-transaction`, not outside a transaction, and not `CREATE TABLE AS` / "
    "`CREATE MATERIALIZED VIEW`)."
)
VERDICTS: dict[tuple[str, str, str], str] = {
    ("*", "squawk", "table created earlier in the same file"): SAME_FILE,
    ("adding-field-with-default", "squawk", "GENERATED ... STORED column"):
        "squawk is right that this rewrites the table: ADD COLUMN ... GENERATED ALWAYS AS ... "
        "STORED computes every row under ACCESS EXCLUSIVE. schemalint reports it with the rule "
        "for rewriting column additions (serial, identity, stored generated), not with "
        "add-column-volatile-default; the pair counts as agreement once that rule claims "
        "`adding-field-with-default` too.",
    ("adding-field-with-default", "squawk", "identity column"):
        "squawk is right that this rewrites the table: an identity column added to an "
        "existing table is filled row by row under ACCESS EXCLUSIVE. Same as above: it "
        "belongs to schemalint's rewriting-column-addition rule.",
    ("adding-required-field", "squawk", "serial column"):
        "squawk is wrong: a serial column has an implicit DEFAULT nextval(...), so ADD COLUMN "
        "... serial NOT NULL does not fail on a table with rows. (It does rewrite the table "
        "to fill the sequence values: schemalint reports that with the rule for rewriting "
        "column additions.)",
    ("ban-concurrent-index-creation-in-transaction", "schemalint", "DROP INDEX CONCURRENTLY"):
        "schemalint's rule is right and squawk's narrower: DROP INDEX CONCURRENTLY cannot run "
        "inside a transaction block either (PostgreSQL docs, DROP INDEX), and squawk only "
        "looks at CREATE INDEX. In this corpus, though, these hatchet files say `-- +goose NO "
        "TRANSACTION`, so neither finding is real: both tools were told every file runs in a "
        "transaction. schemalint's goose layout reads the annotation; squawk cannot.",
    ("ban-concurrent-index-creation-in-transaction", "schemalint", "only statement in the file"):
        "squawk deliberately skips a file whose only statement is CREATE INDEX CONCURRENTLY, "
        "guessing the tool will run it outside a transaction. Under the stated assumption "
        "(the framework wraps each file in a transaction) that guess misses a migration that "
        "fails; schemalint follows the assumption. Here the file says `-- +goose NO "
        "TRANSACTION`, so the index is built outside a transaction and the finding is not "
        "real: schemalint's goose layout reads that annotation.",
    ("prefer-identity", "schemalint", "identity column"):
        "different scope, not a disagreement on a hazard: sequential-primary-key (default "
        "`id_policy: uuid`) flags identity primary keys, which squawk recommends. With "
        "`id_policy: identity` these go away. The direct equivalent of prefer-identity is the "
        "serial-type rule.",
    ("prefer-identity", "squawk", "serial column"):
        "different scope: squawk flags every serial column; sequential-primary-key only "
        "primary keys (and reports a serial key on the statement that makes it the key). The "
        "serial-type rule covers every serial column.",
    ("prefer-identity", "schemalint", "table created earlier in the same file"):
        "different scope: schemalint reports the sequential key where ADD PRIMARY KEY makes it "
        "one; squawk reports the serial column on the CREATE TABLE.",
}


@dataclass
class Stmt:
    path: str
    index: int
    start_line: int
    end_line: int
    text: str
    kind: str
    facts: frozenset[str] = field(default_factory=frozenset)


@dataclass
class FileIndex:
    path: str
    statements: list[Stmt]
    _starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [s.start_line for s in self.statements]

    def at(self, line: int) -> Stmt | None:
        """The statement a finding on `line` (1-based) belongs to: the last one starting at or
        before it; a finding above the first statement (a file-level note) goes to the first."""
        if not self.statements:
            return None
        k = bisect_right(self._starts, line)
        return self.statements[max(k - 1, 0)]


def find_corpus(arg: str | None) -> Path | None:
    candidates = [Path(arg)] if arg else [ROOT.parent / "shared" / "corpus",
                                          Path("/work/shared/corpus")]
    for c in candidates:
        if c.is_dir():
            return c
    return None


def find_squawk() -> str | None:
    here = Path(sys.executable).parent / "squawk"
    return str(here) if here.exists() else shutil.which("squawk")


_SERIAL = {"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"}
_NO_TX_MARKS = ("+goose NO TRANSACTION", "transaction:false")


def _relname(node: dict) -> str | None:
    for key in ("relation", "view"):
        rel = node.get(key)
        if isinstance(rel, dict):
            return rel.get("relname")
    into = node.get("into")
    if isinstance(into, dict):
        return into.get("rel", {}).get("relname")
    return None


def _walk(node, key: str):
    """Every `key` node below `node` (pglast JSON)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)


def _dropped_indexes(node: dict) -> list[str]:
    if node.get("removeType") != "OBJECT_INDEX":
        return []
    out = []
    for obj in node.get("objects") or ():
        items = obj.get("List", {}).get("items") or ()
        if items:
            out.append(items[-1].get("String", {}).get("sval"))
    return out


def _statement_facts(kind: str, node: dict) -> set[str]:
    facts = set()
    for col in _walk(node, "ColumnDef"):
        names = [n.get("String", {}).get("sval") for n in col.get("typeName", {}).get("names", ())]
        if names and names[-1] in _SERIAL:
            facts.add("serial column")
        for con in col.get("constraints") or ():
            contype = con.get("Constraint", {}).get("contype")
            if contype == "CONSTR_GENERATED":
                facts.add("GENERATED ... STORED column")
            elif contype == "CONSTR_IDENTITY":
                facts.add("identity column")
    if kind == "DropStmt" and node.get("removeType") == "OBJECT_INDEX" and node.get("concurrent"):
        facts.add("DROP INDEX CONCURRENTLY")
    if kind == "CreateStmt":
        facts.add("CREATE TABLE")
    return facts


def index_project(project: Path) -> tuple[dict[str, FileIndex], list[str]]:
    """Statements of every file schemalint discovers, with the facts used to categorise.
    The facts are computed here from the statements alone, independently of schemalint's
    model, so that they can judge it."""
    found = discover([str(project)])
    files: dict[str, FileIndex] = {}
    paths = []
    created_before: set[str] = set()  # tables, views created by earlier up migrations
    index_table: dict[str, str] = {}  # index name -> table, over the project
    for migration in found.migrations:
        path = os.path.abspath(migration.path)
        paths.append(path)
        result = parse_migration(migration)
        lines = migration.lines
        opts_out = any(mark in migration.text for mark in _NO_TX_MARKS)
        created_here: set[str] = set()
        depth = 0
        stmts = []
        only_one = len(result.statements) == 1
        for st in result.statements:
            node = st.node
            names = [_relname(node)] if _relname(node) else [
                index_table[i] for i in _dropped_indexes(node) if i in index_table]
            facts = _statement_facts(st.kind, node)
            if only_one:
                facts.add("only statement in the file")
            if opts_out:
                facts.add("file opts out of the framework's transaction")
            if migration.direction == "down":
                facts.add("down migration")
            if names and all(n in created_here for n in names):
                facts.add("table created earlier in the same file")
            elif names and all(n in created_here or n in created_before for n in names):
                facts.add("table created in an earlier migration of this project")
            elif names:
                facts.add("table not created in this project's migrations")
            if depth:
                facts.add("inside an explicit transaction")
            if st.kind == "TransactionStmt":
                kind = node.get("kind", "")
                if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                    depth += 1
                elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
                    depth = max(depth - 1, 0)
            if st.kind in ("CreateStmt", "CreateTableAsStmt", "ViewStmt") and names:
                created_here.add(names[0])
            elif st.kind == "IndexStmt" and node.get("idxname") and names:
                index_table[node["idxname"]] = names[0]
            elif st.kind == "RenameStmt" and node.get("renameType") in (
                    "OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and names:
                if names[0] in created_here:
                    created_here.add(node["newname"])
                else:
                    created_before.add(node["newname"])
            start_line = lines.position(st.start)[0]
            end_line = lines.position(max(st.end, st.start))[0]
            stmts.append(Stmt(path, st.index, start_line, end_line,
                              migration.text[st.start:st.end], st.kind, frozenset(facts)))
        if migration.direction != "down":
            created_before |= created_here
        files[path] = FileIndex(path, stmts)
    return files, paths


def check_inventory(squawk: str) -> list[str]:
    """The squawk rule ids of linter/peers.py that this squawk binary does not know."""
    bad = []
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as fh:
        fh.write("SELECT 1;\n")
        fh.flush()
        for rule in PEERS["squawk"].rules:
            if rule.id == "unused-ignore":  # a meta rule: squawk accepts no selector for it
                continue
            out = subprocess.run([squawk, f"--exclude={rule.id}", fh.name],
                                 capture_output=True, text=True)
            if "invalid rule name" in out.stderr:
                bad.append(rule.id)
    return bad


def run_squawk(squawk: str, paths: list[str], in_tx: bool, include: list[str]) -> list[dict]:
    cmd = [squawk, "--reporter", "json", f"--pg-version={PG_VERSION}",
           "--no-error-on-unmatched-pattern"]
    if in_tx:
        cmd.append("--assume-in-transaction")
    if include:
        cmd.append("--include=" + ",".join(include))
    out = subprocess.run(cmd + paths, capture_output=True, text=True, cwd=ROOT)
    if out.returncode not in (0, 1, 3) and not out.stdout.strip():
        raise SystemExit(f"squawk failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return json.loads(out.stdout or "[]")


def run_schemalint(project: Path, in_tx: bool) -> list[dict]:
    cmd = [sys.executable, "-m", "schemalint", "check", "--format", "json", "--select", "ALL",
           "--pg-version", PG_VERSION, "--fail-on", "never", str(project)]
    if in_tx:
        cmd.append("--assume-in-transaction")
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"schemalint failed ({out.returncode}): {out.stderr.strip()[:500]}")
    return json.loads(out.stdout)["diagnostics"]


@dataclass
class Tally:
    both: int = 0
    only_squawk: int = 0
    only_ours: int = 0
    # (side, category) -> count, and one example statement per pair
    categories: Counter = field(default_factory=Counter)
    examples: dict = field(default_factory=dict)

    @property
    def agreement(self) -> float | None:
        total = self.both + self.only_squawk + self.only_ours
        return self.both / total if total else None


# Facts that explain a disagreement, most telling first; a squawk rule may put its own first.
CATEGORY_ORDER = (
    "file opts out of the framework's transaction",
    "table created earlier in the same file",
    "down migration",
    "inside an explicit transaction",
    "table created in an earlier migration of this project",
    "table not created in this project's migrations",
)
RULE_FACTS = {
    "adding-field-with-default": ("GENERATED ... STORED column", "identity column",
                                  "serial column"),
    "adding-required-field": ("serial column", "identity column", "GENERATED ... STORED column"),
    "ban-concurrent-index-creation-in-transaction": ("DROP INDEX CONCURRENTLY",
                                                     "only statement in the file"),
    "prefer-identity": ("serial column", "identity column"),
}


def category(stmt: Stmt, rule: str) -> str:
    for fact in RULE_FACTS.get(rule, ()) + CATEGORY_ORDER:
        if fact in stmt.facts:
            return fact
    return stmt.kind


def verdict(rule: str, side: str, cat: str) -> str:
    return VERDICTS.get((rule, side, cat)) or VERDICTS.get(("*", side, cat)) or ""


def compare(corpus: Path, squawk: str, raw_dir: Path | None) -> tuple[dict, list[str], dict]:
    rules = catalog()
    ours_for: dict[str, set[str]] = defaultdict(set)  # squawk rule -> our rule names
    for r in rules:
        for sq in r.equivalents.get("squawk", ()):
            ours_for[sq].add(r.name)
    opt_in = {r.id for r in PEERS["squawk"].rules if not r.default_enabled}
    include = sorted(set(ours_for) & opt_in)
    tallies: dict[str, Tally] = {sq: Tally() for sq in sorted(ours_for)}
    notes: list[str] = []
    sizes: dict[str, tuple[int, int]] = {}
    for name, in_tx in PROJECTS.items():
        project = corpus / name
        if not project.is_dir():
            notes.append(f"`{name}`: absent from the corpus, skipped")
            continue
        files, paths = index_project(project)
        sizes[name] = (len(paths), sum(len(f.statements) for f in files.values()))
        sq = run_squawk(squawk, paths, in_tx, include)
        ours = run_schemalint(project, in_tx)
        if raw_dir is not None:
            raw_dir.mkdir(parents=True, exist_ok=True)
            (raw_dir / f"{name}.squawk.json").write_text(json.dumps(sq, indent=1))
            (raw_dir / f"{name}.schemalint.json").write_text(json.dumps(ours, indent=1))
        # statement key -> set of rules flagging it, per side
        flagged_sq: dict[str, set] = defaultdict(set)
        flagged_ours: dict[str, set] = defaultdict(set)
        unplaced = 0
        for d in sq:
            rule = d.get("rule_name")
            if rule not in tallies:
                continue
            fi = files.get(os.path.abspath(d["file"]))
            st = fi.at(d["line"] + 1) if fi else None  # squawk lines are 0-based
            if st is None:
                unplaced += 1
                continue
            key = st.path if rule in FILE_LEVEL else (st.path, st.index)
            flagged_sq[rule].add(key)
        for d in ours:
            fi = files.get(os.path.abspath(os.path.join(ROOT, d["path"])))
            st = fi.at(d["line"]) if fi else None
            if st is None:
                continue
            for sq_rule, names in ours_for.items():
                if d["rule"] in names:
                    key = st.path if sq_rule in FILE_LEVEL else (st.path, st.index)
                    flagged_ours[sq_rule].add(key)
        if unplaced:
            notes.append(f"`{name}`: {unplaced} squawk findings outside any statement ignored")
        by_key = {(s.path, s.index): s for f in files.values() for s in f.statements}
        first_stmt = {f.path: f.statements[0] for f in files.values() if f.statements}
        for rule, tally in tallies.items():
            a, b = flagged_sq[rule], flagged_ours[rule]
            tally.both += len(a & b)
            for side, keys in (("squawk", a - b), ("schemalint", b - a)):
                for key in sorted(keys, key=str):
                    stmt = by_key[key] if isinstance(key, tuple) else first_stmt[key]
                    if side == "squawk":
                        tally.only_squawk += 1
                    else:
                        tally.only_ours += 1
                    cat = "whole file" if not isinstance(key, tuple) else category(stmt, rule)
                    tally.categories[(side, cat)] += 1
                    tally.examples.setdefault((side, cat), (name, stmt))
    return tallies, notes, {"sizes": sizes, "ours_for": ours_for, "include": include}


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _short(text: str, limit: int = 160) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def report(corpus: Path, tallies: dict, notes: list[str], meta: dict) -> str:
    sizes, ours_for = meta["sizes"], meta["ours_for"]
    lines = [
        "# Agreement with squawk on real migrations",
        "",
        "Generated by `python bench/squawk_agreement.py` (do not edit by hand). It runs squawk "
        f"{SQUAWK_VERSION} (`--reporter json --pg-version {PG_VERSION}`, plus "
        "`--assume-in-transaction` for frameworks that wrap migrations in a transaction) and "
        f"`schemalint check --format json --select ALL --pg-version {PG_VERSION}` with the same "
        "transaction assumption over each project of the corpus, maps every finding to the "
        "statement it falls in, and compares, for every squawk rule a schemalint rule claims in "
        "its `equivalents`, which statements each tool flags. Rules squawk reports once per "
        "file (the timeouts) are compared per file. Agreement = both / (both + only squawk + "
        "only schemalint).",
        "",
        "## Corpus",
        "",
        "| project | in a transaction | files | statements |",
        "|---|---|---|---|",
    ]
    for name, (nfiles, nstmts) in sizes.items():
        lines.append(f"| {name} | {'yes' if PROJECTS[name] else 'no'} | {nfiles} | {nstmts} |")
    lines += [""] + [f"- {n}" for n in notes] + ([""] if notes else [])
    total = Tally()
    for t in tallies.values():
        total.both += t.both
        total.only_squawk += t.only_squawk
        total.only_ours += t.only_ours
    lines += [
        "## Agreement per rule",
        "",
        "| squawk rule | schemalint rule(s) | both | only squawk | only schemalint | agreement |",
        "|---|---|---|---|---|---|",
    ]
    for rule, t in tallies.items():
        ours = ", ".join(sorted(ours_for[rule]))
        lines.append(f"| `{rule}` | {ours} | {t.both} | {t.only_squawk} | {t.only_ours} | "
                     f"{_pct(t.agreement)} |")
    lines.append(f"| **all** | | **{total.both}** | **{total.only_squawk}** | "
                 f"**{total.only_ours}** | **{_pct(total.agreement)}** |")
    lines += ["", "## Disagreements", "",
              "Per rule and category: how many statements, who is right, and one example "
              "(project, file:line, statement).", ""]
    for rule, t in tallies.items():
        if not t.categories:
            continue
        lines += [f"### `{rule}`", ""]
        for (side, cat), n in sorted(t.categories.items(), key=lambda kv: (-kv[1], kv[0])):
            project, stmt = t.examples[(side, cat)]
            rel = os.path.relpath(stmt.path, corpus)
            who = "only squawk" if side == "squawk" else "only schemalint"
            why = verdict(rule, side, cat) or "not analysed yet."
            facts = "; ".join(sorted(stmt.facts)) or "none"
            lines.append(f"- **{who}, {cat}** ({n}): {why}")
            lines.append(f"  Example: `{rel}:{stmt.start_line}`: `{_short(stmt.text)}` "
                         f"(facts: {facts})")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", help="folder of projects (default: ../shared/corpus)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "squawk-agreement.md"))
    ap.add_argument("--raw", default=str(ROOT / "bench" / "results" / "squawk-agreement"),
                    help="where to keep both tools' raw JSON ('' to skip)")
    args = ap.parse_args(argv)
    corpus = find_corpus(args.corpus)
    if corpus is None:
        print("corpus not found (looked for ../shared/corpus and /work/shared/corpus); "
              "nothing to compare", file=sys.stderr)
        return 0
    squawk = find_squawk()
    if squawk is None:
        print(f"squawk not found: pip install squawk-cli=={SQUAWK_VERSION}", file=sys.stderr)
        return 2
    version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout
    if SQUAWK_VERSION not in version:
        print(f"warning: expected squawk {SQUAWK_VERSION}, found {version.strip()}",
              file=sys.stderr)
    unknown = check_inventory(squawk)
    if unknown:
        print(f"linter/peers.py names squawk rules this squawk does not know: {unknown}",
              file=sys.stderr)
        return 1
    tallies, notes, meta = compare(corpus, squawk, Path(args.raw) if args.raw else None)
    text = report(corpus, tallies, notes, meta)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
