"""Reporters: one module per output format (`<format>_report.py`), each with
`render(result) -> str`; a module may also define `after_render(result, environ)` for a side
file its CI reads (the GitHub job summary), and `render_pieces(result)` (the same text in
pieces) so that a large report is written to its stream without being held whole.

`write_reports` is the one entry point the CLI uses: one format to stdout plus any number of
`FORMAT:PATH` outputs, in a single run."""

from __future__ import annotations

import functools
import importlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping

from schemalint.records import Record

TYPE_CHECKING = False  # not `typing`'s: importing typing costs every start-up ~3 ms
if TYPE_CHECKING:
    from typing import TextIO

    from schemalint.diagnostics import Diagnostic, Severity

# Severity is imported where it is used: a report-cache hit (runcache.py) needs only FORMATS.

FORMATS = ("text", "concise", "json", "sarif", "junit", "github", "gitlab", "markdown")
# The formats `check --statistics` prints its table in (`statistics.py`).
STATISTICS_FORMATS = ("text", "concise", "json")


class LintResult(Record):
    """What reporters render."""

    _fields = ("diagnostics", "sources", "files_checked", "statements", "fail_on", "rules",
               "color", "extra", "root", "baselined", "suppressed")

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        # path -> original text, for source snippets
        sources: dict[str, str] | None = None,
        files_checked: int = 0,
        statements: int = 0,
        fail_on: str = "error",
        rules: dict | None = None,  # code -> Rule, for formats that describe rules
        color: bool = False,
        extra: dict | None = None,
        # Directory that machine formats (SARIF, GitHub, GitLab) make paths relative to: the
        # repository root. "" keeps paths as displayed (relative to the working directory).
        root: str = "",
        # Findings not reported: matched by the baseline, or hidden by suppression comments
        # (in the files reported). Counted, never listed.
        baselined: int = 0,
        suppressed: int = 0,
    ) -> None:
        self.diagnostics = diagnostics
        self.sources = {} if sources is None else sources
        self.files_checked = files_checked
        self.statements = statements
        self.fail_on = fail_on
        self.rules = {} if rules is None else rules
        self.color = color
        self.extra = {} if extra is None else extra
        self.root = root
        self.baselined = baselined
        self.suppressed = suppressed

    def counts(self) -> dict[str, int]:
        from schemalint.diagnostics import Severity  # ~1 ms a report-cache hit never needs

        c = Counter([d.severity for d in self.diagnostics])  # str() of each: 80 ms on 40,000
        return {"error": c[Severity.ERROR], "warning": c[Severity.WARNING], "info": c[Severity.INFO]}

    def summary(self) -> dict:
        counts = self.counts()
        return {
            "files": self.files_checked,
            "statements": self.statements,
            "diagnostics": len(self.diagnostics),
            **counts,
            "baselined": self.baselined,
            "suppressed": self.suppressed,
            "fail_on": self.fail_on,
            "failed": failed(self.diagnostics, self.fail_on),
        }

    def summary_line(self) -> str:
        """The one-line summary the text formats end with: what was checked, the findings
        per severity, what the baseline and suppression comments hid, the verdict."""
        s = self.summary()
        hidden = [f"{n} by {what}" for n, what in ((s["baselined"], "the baseline"),
                                                   (s["suppressed"], "suppression comments")) if n]
        return (f"{s['files']} file(s), {s['statements']} statement(s) checked: "
                f"{s['error']} error(s), {s['warning']} warning(s), {s['info']} info"
                f"{' (hidden: ' + ', '.join(hidden) + ')' if hidden else ''} — "
                f"{'failed' if s['failed'] else 'passed'} (fail on: {s['fail_on']})")


def threshold(fail_on: str) -> Severity | None:
    from schemalint.diagnostics import Severity  # ~1 ms a report-cache hit never needs

    return None if fail_on == "never" else Severity.parse(fail_on)


def failed(diagnostics: list[Diagnostic], fail_on: str) -> bool:
    level = threshold(fail_on)
    return level is not None and any(d.severity >= level for d in diagnostics)


def _module(fmt: str):
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return importlib.import_module(f"{__name__}.{fmt}_report")


def render(fmt: str, result: LintResult) -> str:
    return _module(fmt).render(result)


def write(fmt: str, result: LintResult, stream: TextIO) -> None:
    """`stream.write(render(fmt, result))`, piece by piece when the format can (a module's
    `render_pieces(result)`): a large report is then never in memory whole."""
    module = _module(fmt)
    pieces = getattr(module, "render_pieces", None)
    if pieces is None:
        stream.write(module.render(result))
        return
    for piece in pieces(result):
        stream.write(piece)


def parse_output(spec: str) -> tuple[str, str]:
    """`FORMAT:PATH` -> (format, path). Raises ValueError with a message for the user."""
    fmt, sep, path = spec.partition(":")
    if not sep or not path:
        raise ValueError(f"expected FORMAT:PATH, e.g. sarif:schemalint.sarif, got {spec!r}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} in {spec!r} (choose from {', '.join(FORMATS)})")
    return fmt, path


def write_reports(result: LintResult, fmt: str | None, outputs: Iterable[tuple[str, str]],
                  stdout: TextIO, environ: Mapping[str, str] | None = None) -> None:
    """Render `fmt` (None: nothing) to `stdout` and each (format, path) of `outputs` to its
    file. Colour is for the terminal only. Side files (the GitHub job summary) are written
    once per format. An OSError writing a file names it (`filename`), even when it comes
    from a write rather than from `open` (a full disk, /dev/full)."""
    environ = os.environ if environ is None else environ
    done: set[str] = set()
    if fmt is not None:
        write(fmt, result, stdout)
        done.add(fmt)
    plain = result.replace(color=False)
    for out_fmt, path in outputs:
        # Streamed like stdout: an --output report of 40,000 findings is not held whole.
        if path == "-":
            write(out_fmt, plain, stdout)
        else:
            try:
                parent = os.path.dirname(path)
                if parent:
                    os.makedirs(parent, exist_ok=True)
                with open(path, "w", encoding="utf-8", newline="") as fh:
                    write(out_fmt, plain, fh)
            except OSError as exc:
                if exc.filename is not None:
                    raise
                raise OSError(exc.errno, exc.strerror or str(exc), path) from None
        done.add(out_fmt)
    for name in sorted(done):
        hook = getattr(_module(name), "after_render", None)
        if hook is not None:
            hook(plain, environ)


def find_root(start: str) -> str:
    """The repository root above `start` (the nearest directory holding `.git`), else `start`."""
    here = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            return os.path.abspath(start)
        here = parent


# --- helpers shared by the machine formats ------------------------------------------------

def artifact_path(result: LintResult, path: str) -> str:
    """`path` relative to `result.root`, with forward slashes (SARIF URIs, annotations and
    Code Quality reports all want repository-relative paths). Paths outside the root and
    pseudo-paths such as `<stdin>` are kept as they are."""
    if result.root and not path.startswith("<"):
        return _relative(result.root, path, os.getcwd())
    return path.replace(os.sep, "/")


@functools.lru_cache(maxsize=8192)
def _relative(root: str, path: str, cwd: str) -> str:
    # Once per file, not per finding: a long history's report has tens of findings per file.
    rel = os.path.relpath(os.path.join(cwd, path), root)
    return (path if rel.startswith("..") else rel).replace(os.sep, "/")


def statement_fingerprint(d: Diagnostic, by_sql: dict[str, str] | None = None) -> str:
    """A fingerprint of the statement a finding is in that survives line shifts and
    reformatting (libpg_query's); the message for findings outside any statement. `by_sql`:
    fingerprints already computed, by the statement's SQL (the findings of one statement
    each hold a reference of their own)."""
    stmt = d.extra.get("statement")
    if stmt is not None:
        if stmt.fingerprint is None and by_sql is not None:
            known = by_sql.get(stmt.sql)
            if known is not None:
                stmt.fingerprint = known
                return known
        # The parser loads only when a format needs fingerprints (never on a report-cache hit).
        from schemalint.parse.statements import statement_ref_fingerprint

        found = statement_ref_fingerprint(stmt)
        if by_sql is not None:
            by_sql[stmt.sql] = found
        return found
    return d.fingerprint or d.message


def stable_ids(result: LintResult) -> list[str]:
    """One id per diagnostic (same order): a hash of rule + repository path + statement
    fingerprint, plus the occurrence number among findings sharing those, so that two
    identical findings in one file still get distinct ids and an id does not change when
    lines move."""
    import hashlib  # OpenSSL: ~3 ms, for the formats with stable ids only

    seen: Counter = Counter()
    ids = []
    by_sql: dict[str, str] = {}  # findings in one statement: fingerprinted once
    for d in result.diagnostics:
        base = f"{d.code}\0{artifact_path(result, d.path)}\0{statement_fingerprint(d, by_sql)}"
        seen[base] += 1
        ids.append(hashlib.sha256(f"{base}\0{seen[base]}".encode()).hexdigest())
    return ids


def rules_of(result: LintResult) -> dict:
    """code -> Rule for every rule the result may mention (the catalog when not given)."""
    if result.rules:
        return dict(result.rules)
    from schemalint.check.catalog import catalog  # the rules: only when the result has none

    return {r.code: r for r in catalog()}


def checked_paths(result: LintResult) -> list[str]:
    """Every file the run looked at, in the order they were checked, then any path only a
    finding names (unreadable files)."""
    paths = list(result.sources)
    paths += sorted({d.path for d in result.diagnostics} - set(paths))
    return paths
