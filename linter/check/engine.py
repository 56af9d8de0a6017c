"""lint(migrations, config) -> diagnostics. Pure: no disk, clock, environment or database."""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence

from schemalint import process
from schemalint.check import suppress
from schemalint.check.confirm import merge_confirmed
from schemalint.config.settings import LintConfig
from schemalint.diagnostics import Diagnostic
from schemalint.diagnostics.engine_rules import ENGINE_RULES, INTERNAL_ERROR, INVALID_ENCODING
from schemalint.diagnostics.replay_rules import REPLAY_RULES
from schemalint.diagnostics.rule import Rule, make_diagnostic
from schemalint.discover.source import Migration
from schemalint.model import Model
from schemalint.model.recover import with_recovered
from schemalint.parse.statements import iter_parse, parse_migration
from schemalint.rulekit.context import Context
from schemalint.rulekit.lock_ledger import LockLedger
from schemalint.rules import RULES


class RuleSet:
    """The enabled rules, indexed once so each statement only meets the rules that can fire
    on it: by statement kind and, for ALTER TABLE, by the kinds of action it contains.

    A rule's `node_types` entry is a statement kind (`"IndexStmt"`), or a kind and one of its
    ALTER TABLE subcommand types (`"AlterTableStmt.AT_AddColumn"`): such a rule is called only
    for ALTER TABLE statements with at least one action of a listed type. Most ALTER TABLE
    rules look for one or two action types; calling all twenty on every ALTER TABLE was a
    third of the rules' time."""

    def __init__(self, rules: Iterable[Rule], config: LintConfig) -> None:
        major = config.pg_version[0]
        self.all = rules = list(rules)
        self.rules = [r for r in config.enabled_rules(rules) if r.applies_to(major)]
        self.by_kind: dict[str, list[Rule]] = {}
        # kind -> subcommand type -> rules wanting it
        self.by_action: dict[str, dict[str, list[Rule]]] = {}
        self.every_statement: list[Rule] = []
        for rule in self.rules:
            if rule.check is None:
                continue
            if rule.node_types:
                for kind in rule.node_types:
                    kind, _, action = kind.partition(".")
                    if action:
                        self.by_action.setdefault(kind, {}).setdefault(action, []).append(rule)
                    else:
                        self.by_kind.setdefault(kind, []).append(rule)
            else:
                self.every_statement.append(rule)
        self.end_of_migration = [r for r in self.rules if r.end_of_migration is not None]
        self.schema = [r for r in self.rules if r.check_schema is not None]
        self.options = {r.name: config.rule_options(r) for r in self.rules}
        self._order = {r.name: i for i, r in enumerate(self.rules)}
        # (kind, actions) -> ((rule, check, options), ...), built on first use
        self._calls: dict[tuple, tuple] = {}

    def for_kind(self, kind: str, actions: tuple[str, ...] = ()) -> list[Rule]:
        """The rules to run on a statement of `kind` whose ALTER TABLE actions are `actions`,
        in rule order."""
        found = {id(r): r for r in self.by_kind.get(kind, ())}
        wanted = self.by_action.get(kind)
        if wanted:
            for action in actions:
                for r in wanted.get(action, ()):
                    found[id(r)] = r
        found.update((id(r), r) for r in self.every_statement)
        return sorted(found.values(), key=lambda r: self._order[r.name])

    def calls(self, stmt) -> tuple:
        """(rule, check, options) for each rule to run on `stmt`."""
        kind = stmt.kind
        actions = _actions(stmt.node) if kind in self.by_action else ()
        key = (kind, actions)
        found = self._calls.get(key)
        if found is None:
            options = self.options
            found = self._calls[key] = tuple(
                (r, r.check, options[r.name]) for r in self.for_kind(kind, actions))
        return found


def _actions(node: dict) -> tuple[str, ...]:
    """The distinct ALTER TABLE subcommand types of a statement, sorted."""
    found = set()
    for item in node.get("cmds") or ():
        cmd = item.get("AlterTableCmd")
        if cmd is not None:
            found.add(cmd.get("subtype"))
    found.discard(None)
    return tuple(sorted(found))


def _internal_error(rule_name: str, migration: Migration, start: int, end: int, exc: BaseException) -> Diagnostic:
    import traceback  # only when a rule failed: not worth its import at every start-up

    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    origin = f" ({where.filename.rsplit('/', 1)[-1]}:{where.lineno})" if where else ""
    return make_diagnostic(
        INTERNAL_ERROR, migration, start, end,
        f"internal error in {rule_name}: {type(exc).__name__}: {exc}{origin}",
        help="This is a bug in schemalint; the run continued. Please report it with this statement.",
    )


def _run(rule: Rule, fn, ctx: Context, args: tuple, out: list[Diagnostic], migration, start, end) -> None:
    ctx.rule = rule
    ctx.options = ctx.config_options[rule.name]
    try:
        result = fn(*args)
        if result:
            out.extend(result)
    except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
        out.append(_internal_error(rule.name, migration, start, end, exc))


def statement_spans(statements) -> list[tuple[int, int]]:
    """Where each statement lies in its file: what suppression comments are matched to
    (`suppress.apply`), plain data a forked child can send back (parallel.py)."""
    return [(s.start, s.end) for s in statements]


def suppress_comments(diagnostics: list[Diagnostic], files: list, config: LintConfig,
                      rules: Sequence[Rule], running: Iterable[str],
                      report_comments: bool = True,
                      hidden: dict[str, int] | None = None) -> list[Diagnostic]:
    """Apply suppression comments to `diagnostics` (static findings, replay findings, or
    both together: a comment is unused only if it suppresses nothing of any of them).

    `files`: (migration, statement spans) of each file whose text contains the marker; `rules`:
    every rule whose findings may be present; `running`: names of those that ran (an
    ignore naming a rule that did not run is not unused). With `report_comments`, the
    findings about the comments themselves (unused, unknown, without reason) are added.
    `hidden`, if given, counts the findings the comments suppressed, per path."""
    known = {}
    # Replay findings can be suppressed even in a run without replay: their names are known.
    for rule in (*rules, *REPLAY_RULES, *ENGINE_RULES):
        known[rule.name] = known[rule.code] = rule.name
    running = set(running)
    engine_names = {r.name for r in ENGINE_RULES}

    def enabled_at(path: str) -> set[str]:
        policy = config.policy(path, rules, ENGINE_RULES)
        return ((policy.enabled & running) | engine_names) - policy.drop

    kept, new = suppress.apply(diagnostics, files, known, enabled_at, config.require_reason)
    if hidden is not None and len(kept) != len(diagnostics):
        left = {id(d) for d in kept}
        for d in diagnostics:
            if id(d) not in left:
                hidden[d.path] = hidden.get(d.path, 0) + 1
    if not report_comments:
        return kept
    # Findings about the comments obey the configuration too (`ignore: [unused-ignore]`).
    return kept + config.apply(new, rules, ENGINE_RULES)


# Above this many characters a file is checked as a stream of parse batches (Checker._results).
STREAM_CHARS = 1 << 22
_DATA_KINDS = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "CopyStmt", "SelectStmt"})
_NO_TREE: dict = {}


def invalid_encoding(migration: Migration) -> Diagnostic:
    """The `invalid-encoding` finding of a file that is not valid UTF-8 (`check` and `replay`)."""
    at = migration.invalid_utf8_at
    return make_diagnostic(
        INVALID_ENCODING, migration, at, at + 1,
        "this file is not valid UTF-8; invalid bytes were replaced with U+FFFD "
        "and the rest of the file was checked",
    )


class _Ctx(Context):
    __slots__ = ("config_options",)


class Checker:
    """One pass over a history: each migration, in order, is checked by the rules and folded
    into the schema model, with its lock ledger kept beside it (`check`), or only folded
    (`fold`); then the schema rules run on the final model (`check_schema`) and `finish`
    applies the configuration and suppression comments. `lint` is these steps over every
    migration; parallel.py splits them between two processes, one of which folds a prefix
    of the history without checking it."""

    def __init__(self, config: LintConfig, rules: Iterable[Rule], parsed=None) -> None:
        self.config = config
        self.ruleset = RuleSet(rules, config)
        self.parsed = parsed
        self.resume(Model(config.pg_version), [], 0, [])
        process.keep(self)  # its model and parse results: freed by the exit, when it comes next

    def resume(self, model: Model, out: list[Diagnostic], statement_count: int,
               with_directives: list) -> None:
        """Start from `model` and what a pass of the same configuration had made when it left
        the model so: its findings (`out`), statements counted and files with suppression
        comments (speed/checkpoint.py restores a pass this way; a new pass starts from
        nothing). The lock ledger starts afresh: it lives for one migration."""
        self.model = model
        self.locks = LockLedger(model)
        self.ctx = _Ctx(model, self.config, self.locks)
        self.ctx.config_options = self.ruleset.options
        self.out = out
        self.statement_count = statement_count
        # (migration, statement spans) of the files with suppression comments
        self.with_directives = with_directives

    def parse(self, migration: Migration):
        """The parse of `migration` (from `parsed` when given)."""
        result = self.parsed.get(migration) if self.parsed else None
        return parse_migration(migration) if result is None else result

    def check(self, migration: Migration) -> None:
        """Run the rules on each statement of `migration`, folding each after its checks."""
        out, config, ruleset, ctx = self.out, self.config, self.ruleset, self.ctx
        out.extend(migration.notes)
        if migration.invalid_utf8_at is not None:
            out.append(invalid_encoding(migration))
        target, locks = self.model, self.locks
        target.begin_migration(migration, config.assume_in_transaction)
        locks.begin_migration()
        # A schema dump (direction "baseline") is the schema the migrations start from:
        # folded into the model, never reported on.
        baseline = migration.direction == "baseline"
        extend = out.extend
        results, streamed = self._results(migration)
        # A streamed file is large: many statements.
        ctx.file_statements = STREAM_CHARS if streamed else len(results[0].statements)
        statements: list = []
        for result in results:
            out.extend(result.errors)
            self.statement_count += len(result.statements)
            statements += result.statements
            # A piece that failed to parse: CREATE TABLEs recovered from it are folded in
            # their place (model/recover.py).
            batch = with_recovered(target, migration, result) if result.errors else result.statements
            for stmt in batch:
                ctx.stmt = stmt
                ctx.forget_keys()
                for rule, check, options in () if baseline else ruleset.calls(stmt):
                    ctx.rule = rule
                    ctx.options = options
                    try:
                        found = check(stmt, ctx)
                        if found:
                            extend(found)
                    except Exception as exc:  # noqa: BLE001 - one broken rule must not stop the run
                        out.append(_internal_error(rule.name, migration, stmt.start, stmt.end, exc))
                try:
                    claims = locks.before(stmt)
                    target.fold(stmt)
                    locks.after(stmt, claims)
                except Exception as exc:  # noqa: BLE001
                    out.append(_internal_error("the schema model", migration, stmt.start, stmt.end, exc))
                if streamed and stmt.kind in _DATA_KINDS:
                    stmt.node = _NO_TREE  # see _results
        if "schemalint:" in migration.text:
            self.with_directives.append((migration, statement_spans(statements)))
        ctx.stmt = None
        ctx.forget_keys()
        for rule in () if baseline else ruleset.end_of_migration:
            _run(rule, rule.end_of_migration, ctx, (statements, ctx), out, migration, 0, 0)
        target.end_migration()

    def _results(self, migration: Migration):
        """(the file's parse results, streamed). A file above `STREAM_CHARS` is parsed in
        batches, not cached, and the trees of its data statements are dropped once their
        rules ran and they were folded (end-of-migration rules read only DDL trees): a
        50 MB file of INSERTs never has all its trees at once."""
        if len(migration.parse_text) > STREAM_CHARS:
            return iter_parse(migration), True
        return (self.parse(migration),), False

    def fold(self, migration: Migration, count: bool = False) -> None:
        """Bring the model to where it stands after `migration`, without checking it: no
        findings, no lock ledger (it feeds only this file's rules; no fold reads it), so the
        model ends exactly as `check` leaves it. The findings of this file are some other
        pass's business, or nobody's (`lint(reported=)`). `count`: add its statements to
        `statement_count`, as `check` does."""
        model = self.model
        model.begin_migration(migration, self.config.assume_in_transaction)
        self.locks.begin_migration()  # no earlier file's locks pass for this one's
        for result in self._results(migration)[0]:
            if count:
                self.statement_count += len(result.statements)
            for stmt in with_recovered(model, migration, result) if result.errors else result.statements:
                try:
                    model.fold(stmt)
                except Exception:  # noqa: BLE001 - `check` reports it, on the pass that checks this file
                    pass
        model.end_migration()

    def run(self, migrations: Sequence[Migration], reported: Container[str] | None = None,
            progress=None) -> None:
        """Check each of `migrations` in order, or only fold those outside `reported` (see
        `lint`), calling `progress` with each one's path first."""
        for migration in migrations:
            if progress is not None:
                progress(migration.path)
            if reported is None or migration.path in reported:
                self.check(migration)
            else:
                self.fold(migration, count=True)

    def release_model(self) -> None:
        """Free the model once no more migrations will be checked or folded here
        (`finish` does not need it)."""
        self.model = self.locks = self.ctx = None

    def check_schema(self, migrations: Sequence[Migration], model=None, sites: list | None = None,
                     out: list[Diagnostic] | None = None) -> None:
        """The schema rules, on the model folded from every migration (or `model`, a view of
        part of it: speed/schema_delta.py), their findings added to `out` (default: this
        pass's). `sites`, if given, receives (finding, site) for each finding made at a site."""
        ctx = self.ctx
        model = self.model if model is None else model
        out = self.out if out is None else out
        ctx.model = model
        ctx.sites = sites
        first = migrations[0] if migrations else None
        try:
            for rule in self.ruleset.schema:
                _run(rule, rule.check_schema, ctx, (model, ctx), out, first, 0, 0)
        finally:
            ctx.sites = None
            ctx.model = self.model

    def finish(self, migrations: Sequence[Migration], stats: dict | None = None,
               extra: Sequence[Diagnostic] = (), extra_rules: Sequence[Rule] = ()) -> list[Diagnostic]:
        """The findings: selection and severity overrides per path, suppression comments,
        then sorted in migration order. `stats`, if given, receives the number of statements
        and, per path, how many findings suppression comments hid (`"suppressed"`)."""
        config, ruleset, out = self.config, self.ruleset, self.out
        baseline_paths = {m.path for m in migrations if m.direction == "baseline"}
        if baseline_paths:
            schema_rules = {r.name for r in ruleset.schema}
            out = [d for d in out if not (d.path in baseline_paths and d.rule in schema_rules)]
        if stats is not None:
            stats["statements"] = self.statement_count
        # Per-path selection and severity overrides, then suppression comments.
        out.extend(extra)
        every = [*ruleset.all, *extra_rules]
        out = config.apply(out, every, ENGINE_RULES)
        hidden: dict[str, int] = {}
        if self.with_directives:
            running = {r.name for r in ruleset.rules} | {r.name for r in config.enabled_rules(extra_rules)}
            out = suppress_comments(out, self.with_directives, config, every, running, hidden=hidden)
        if stats is not None:
            stats["suppressed"] = hidden
        if extra:
            # After suppression: an ignore comment names the rule it silences, static or replay.
            out = merge_confirmed(out, every)
        # Report in migration order (the order they apply), then by position.
        order = {m.path: i for i, m in enumerate(migrations)}
        out.sort(key=lambda d: (order.get(d.path, len(order)), d.path, d.line, d.column, d.code))
        return out


def lint(migrations: Sequence[Migration], config: LintConfig, rules: Iterable[Rule] | None = None,
         parsed=None, stats: dict | None = None,
         extra: Sequence[Diagnostic] = (), extra_rules: Sequence[Rule] = (),
         reported: Container[str] | None = None, progress=None) -> list[Diagnostic]:
    """Fold `migrations` in order into a schema model and run the enabled rules.

    Up migrations are folded into one model; a down migration is checked against the
    schema as it stands at that point (right after its up migration, in layouts that
    pair them) but its own changes are never folded (see `Model.begin_migration`).
    `parsed`: anything whose `.get(migration)` gives an already parsed result or None (the
    cache's reader, `cache._Parsed`); `stats`, if given, receives counts (statements
    parsed). `extra`: findings another producer made about these migrations (replay), with
    the rules that produced them (`extra_rules`): they go through the same selection,
    severity overrides and suppression comments.

    `reported`: the paths whose findings will be reported (a pre-commit hook's staged files,
    or the files --changed-since lists, in the context of the whole history). The other
    migrations are only folded, for the model: their statement-level findings are not
    made, so the result holds those of the reported files plus the schema rules' findings
    anywhere. Each reported file meets
    the model a full run would show it (`Checker.fold` leaves the model as `check` does),
    so its findings are the same.
    `progress`, if given, is called with each migration's path before it is checked.
    """
    if rules is None:
        rules = RULES
    checker = Checker(config, rules, parsed)
    checker.run(migrations, reported, progress)
    checker.check_schema(migrations)
    return checker.finish(migrations, stats, extra, extra_rules)
