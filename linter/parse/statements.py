"""pglast -> statements with exact spans.

This is the only module that converts libpg_query's UTF-8 *byte* offsets into
character offsets of the original file. Everything downstream works with
character offsets into `Migration.text`.

We call `pglast.parser.parse_sql_json` and `json.loads` rather than
`pglast.parse_sql`: building pglast's Python node objects and its offset
mapping costs 3-5x more, and the mapping is quadratic on non-ASCII text.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right

from schemalint.diagnostics import Diagnostic, Severity
from schemalint.discover.source import Migration, block_comment_end
from schemalint.lazyre import lazy
from schemalint.parse.pglast_loader import submodule as _pglast_submodule
from schemalint.records import Record

_pg = _pglast_submodule("parser")  # pglast.parser, without pglast's __init__ (pglast_loader.py)

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Identifier characters as PostgreSQL's scanner sees them: ASCII letters, `_` and every
# non-ASCII character start one; digits and `$` may follow. Written as negated ASCII
# classes because a `\x80-\uffff` range costs ~10 ms to compile at every start-up.
_IDENT_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
_IDENT_CONT = r"[^\x00-\x23\x25-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"
_TAG_CONT = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # no `$` inside a dollar tag
# A token that a node `location` can point at, used to give a finding a useful end.
_TOKEN = re.compile(
    rf'"(?:[^"]|"")*"|{_IDENT_START}{_IDENT_CONT}*(?:\.[\w$"]+)*|\S', re.S
)
# The text of a type name as written, from its first token: a possibly quoted and
# qualified name, a second word (`character varying`, `double precision`), modifiers,
# `with[out] time zone` and array bounds. Compiled when a finding first asks for a type's span.
_IDENT = rf'(?:"(?:[^"]|"")*"|{_IDENT_START}{_IDENT_CONT}*)'
_TYPE_TEXT = lazy(
    rf"{_IDENT}(?:\s*\.\s*{_IDENT})*(?:\s+(?:varying|precision)\b)?(?:\s*\([^()]*\))?"
    r"(?:\s+with(?:out)?\s+time\s+zone\b)?(?:\s*\[\s*\d*\s*\])*",
    re.I,
)


class OffsetMap:
    """Byte offsets of the parsed text -> character offsets of the original file."""

    __slots__ = ("_ends", "_extra", "_to_original", "text")

    def __init__(self, text: str, to_original=None) -> None:
        self.text = text
        self._to_original = to_original
        # Built on first use: a statement loaded from the cache needs it only when a
        # finding asks for a span.
        self._ends: list[int] | None = None
        self._extra: list[int] = []

    def _build(self) -> list[int]:
        text = self.text
        ends: list[int] = []
        extra: list[int] = []
        if not text.isascii():
            shift = 0
            for m in _NON_ASCII.finditer(text):
                width = len(m.group().encode("utf-8"))
                shift += width - 1
                # byte offset just past this character
                ends.append(m.start() + shift + 1)
                extra.append(shift)
        self._ends = ends
        self._extra = extra
        return ends

    def char_of_byte(self, byte_offset: int) -> int:
        ends = self._ends
        if ends is None:
            ends = self._build()
        if ends:
            k = bisect_right(ends, byte_offset)
            if k:
                byte_offset -= self._extra[k - 1]
        return byte_offset

    def original(self, char_offset: int) -> int:
        if self._to_original is None:
            return char_offset
        return self._to_original(char_offset)

    def byte_to_original(self, byte_offset: int) -> int:
        return self.original(self.char_of_byte(byte_offset))


class Statement:
    """One parsed statement: `kind` (the libpg_query node name), `node` (its JSON tree),
    `start`/`end` (character offsets into migration.text; `end` excludes the ';')."""

    __slots__ = ("migration", "index", "kind", "node", "start", "end", "_offsets", "_fingerprint",
                 "_memo", "_place", "_sql_start", "_sql_end")

    def __init__(self, migration: Migration, index: int, kind: str, node: dict, start: int, end: int,
                 _offsets: OffsetMap, _sql_start: int = 0, _sql_end: int = 0) -> None:
        self.migration = migration
        self.index = index
        self.kind = kind
        self.node = node
        self.start = start
        self.end = end
        self._offsets = _offsets
        self._fingerprint: str | None = None
        self._memo: dict | None = None
        self._place: StatementPlace | None = None
        # The parser-side character range, kept so `sql` can be recovered under templating.
        self._sql_start = _sql_start
        self._sql_end = _sql_end

    @property
    def path(self) -> str:
        return self.migration.path

    @property
    def text(self) -> str:
        return self.migration.text[self.start : self.end]

    @property
    def sql(self) -> str:
        """The statement as the parser saw it (templates rendered)."""
        # Sliced once, by the statement's place: every finding and model site of this
        # statement shares the string.
        return self.place.sql

    @property
    def fingerprint(self) -> str:
        """pglast fingerprint: the same for reformatted or re-cased statements."""
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.sql)
        return self._fingerprint

    def span_at(self, location: int | None) -> tuple[int, int]:
        """Character span of the token at a node's byte `location` (the statement if None)."""
        if location is None or location < 0:
            return self.start, self.end
        char = self._offsets.char_of_byte(location)
        m = _TOKEN.match(self._offsets.text, char)
        end = m.end() if m else char + 1
        return self._offsets.original(char), self._offsets.original(end)

    def span_matching(self, location: int, pattern: re.Pattern) -> tuple[int, int]:
        """Character span of `pattern` matched at a node's byte `location` (falls back to
        the token there when it does not match)."""
        return _span_matching(self._offsets, location, pattern, (self.start, self.end))

    @property
    def place(self) -> StatementPlace:
        """Where this statement is, without its tree (shared by the model's lazy sites)."""
        place = self._place
        if place is None:
            place = self._place = StatementPlace(self)
        return place

    def memo(self, key: str, compute):
        """`compute(self)`, once per statement: facts several rules need (the identifiers
        it defines, ...) are derived once, not once per rule."""
        memo = self._memo
        if memo is None:
            memo = self._memo = {}
        try:
            return memo[key]
        except KeyError:
            value = memo[key] = compute(self)
            return value

    def offset_of(self, location: int) -> int:
        return self._offsets.byte_to_original(location)


class StatementPlace:
    """A statement's file, offset map and spans: what the model's sites need to locate a
    token of the statement later, and its SQL, without keeping its tree alive. One per
    statement, shared by all its sites (tens of thousands of columns on a long history);
    the SQL is sliced from the parsed text only when a finding asks for it."""

    __slots__ = ("_sql", "end", "migration", "offsets", "sql_end", "sql_start", "start")

    def __init__(self, stmt: Statement) -> None:
        self.migration = stmt.migration
        self.offsets = stmt._offsets
        self.start = stmt.start
        self.end = stmt.end
        self.sql_start = stmt._sql_start
        self.sql_end = stmt._sql_end
        self._sql: str | None = None

    @property
    def sql(self) -> str:
        # Kept once sliced: every finding reported at one of this statement's sites
        # shares the string.
        if self._sql is None:
            self._sql = self.offsets.text[self.sql_start:self.sql_end]
        return self._sql


def token_span(offsets: OffsetMap, location: int) -> tuple[int, int]:
    """`Statement.span_at` for a location >= 0, from the file's offset map alone."""
    char = offsets.char_of_byte(location)
    m = _TOKEN.match(offsets.text, char)
    end = m.end() if m else char + 1
    return offsets.original(char), offsets.original(end)


def _span_matching(offsets: OffsetMap, location: int, pattern: re.Pattern,
                   statement: tuple[int, int]) -> tuple[int, int]:
    char = offsets.char_of_byte(location)
    m = pattern.match(offsets.text, char)
    if m is None or m.end() == char:
        return statement if location < 0 else token_span(offsets, location)
    return offsets.original(char), offsets.original(m.end())


def type_span(offsets: OffsetMap, location: int, statement: tuple[int, int]) -> tuple[int, int]:
    """The span of the type text that starts at byte `location` (`Statement.span_matching`
    with `_TYPE_TEXT`), for a model's TypeSite located on demand; `statement`: the
    statement's span, the fallback without a location."""
    return _span_matching(offsets, location, _TYPE_TEXT(), statement)


def statement_ref_fingerprint(ref) -> str:
    """The fingerprint of the statement a finding is in (`diagnostics.rule.StatementRef`),
    computed on first use and kept on the reference."""
    if ref.fingerprint is None:
        ref.fingerprint = fingerprint(ref.sql)
    return ref.fingerprint


def fingerprint(sql: str) -> str:
    """libpg_query's fingerprint (ignores whitespace, case and constants); falls back to
    whitespace-normalised text for SQL it cannot fingerprint."""
    try:
        return _pg.fingerprint(sql)
    except Exception:  # noqa: BLE001 - best effort for unparsable input
        return re.sub(r"\s+", " ", sql.strip().lower())


class ParseResult(Record):
    __slots__ = ("statements", "errors")

    def __init__(self, statements: list[Statement], errors: list[Diagnostic]) -> None:
        self.statements = statements
        self.errors = errors


PARSE_ERROR_CODE = "SL901"


def _skip_space_and_comments(text: str, pos: int, end: int) -> int:
    while pos < end:
        c = text[pos]
        if c.isspace():
            pos += 1
        elif text.startswith("--", pos):
            nl = text.find("\n", pos)
            pos = end if nl == -1 else nl + 1
        elif text.startswith("/*", pos):
            pos = block_comment_end(text, pos, end)
        else:
            break
    return min(pos, end)


def _rstrip_end(text: str, start: int, end: int) -> int:
    while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return end


_SPLIT_TOKEN = lazy(
    rf"""
      (?P<dollar>\$(?:{_IDENT_START}{_TAG_CONT}*)?\$)
    | '(?:[^']|'')*'?
    | "(?:[^"]|"")*"?
    | --[^\n]*
    | /\*
    | (?P<semi>;)
    | [^'"$;/-]+
    | .
    """,
    re.S | re.X,
)


def split_statements(text: str) -> list[tuple[int, int]]:
    """Split SQL at top-level semicolons with a lexer that knows strings, quoted
    identifiers, dollar quotes and (nested) comments. Used only to recover after
    a syntax error, so the rest of a broken file is still checked."""
    pieces: list[tuple[int, int]] = []
    start = pos = 0
    n = len(text)
    match = _SPLIT_TOKEN().match
    while pos < n:
        m = match(text, pos)
        tok_end = m.end()
        if m.group("dollar"):
            close = text.find(m.group("dollar"), tok_end)
            tok_end = n if close == -1 else close + len(m.group("dollar"))
        elif text.startswith("/*", pos):
            tok_end = block_comment_end(text, pos, n)
        elif m.group("semi"):
            pieces.append((start, pos))
            start = tok_end
        pos = tok_end
    if start < n:
        pieces.append((start, n))
    return pieces


def _error_diag(migration: Migration, offsets: OffsetMap, char_pos: int, message: str,
                prefix: str = "PostgreSQL cannot parse this: ") -> Diagnostic:
    pos = offsets.original(char_pos)
    line, col = migration.lines.position(pos)
    end = min(pos + 1, len(migration.text))
    end_line, end_col = migration.lines.position(end)
    return Diagnostic(
        code=PARSE_ERROR_CODE,
        rule="parse-error",
        severity=Severity.ERROR,
        path=migration.path,
        line=line,
        column=col,
        end_line=end_line,
        end_column=end_col,
        message=prefix + message,
        help="Fix the syntax; the other statements of this file were still checked.",
        start=pos,
        end=end,
    )


def _statements_from_json(
    offsets: OffsetMap,
    payload: str,
    byte_base: int,
    byte_limit: int,
    out: list[tuple[str, dict, int, int]],
) -> None:
    text = offsets.text
    for raw in json.loads(payload).get("stmts", ()):
        loc = raw.get("stmt_location", 0) + byte_base
        length = raw.get("stmt_len")
        end_b = byte_limit if not length else loc + length
        c_start = offsets.char_of_byte(loc)
        c_end = offsets.char_of_byte(end_b)
        c_start = _skip_space_and_comments(text, c_start, c_end)
        c_end = _rstrip_end(text, c_start, c_end)
        ((kind, node),) = raw["stmt"].items() if raw.get("stmt") else (("EmptyStmt", {}),)
        if byte_base:
            shift_locations(node, byte_base)
        out.append((kind, node, c_start, c_end))


def shift_locations(node, base: int | None) -> None:
    """Locations of a piece parsed alone, made locations in the whole text (`base`: the
    piece's first byte there; None when it is not in the text: every location unknown)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key == "location" and isinstance(value, int) and value >= 0:
                    cur[key] = -1 if base is None else value + base
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(v for v in cur if isinstance(v, (dict, list)))


# How many following pieces a failing piece may absorb: a function body with
# `BEGIN ATOMIC ... END` contains semicolons our lexer splits at.
_MAX_MERGE = 64


# Above this many characters a file is parsed in batches of whole statements, so that
# libpg_query's JSON for the whole file (about 12 bytes per byte of SQL) never exists at once.
_LARGE = 1 << 22
_BATCH = 1 << 18

_SYNTAX = "PostgreSQL cannot parse this: "

# A file's parse as plain data: (statements, errors), statements as (kind, node, start,
# end) with character offsets into the parsed text, errors as (character offset,
# message). It depends on the parsed text alone, so it can be cached on disk by content
# hash (`cache.py`) and stored by whichever process parsed it (`parallel.py`);
# `build_result` turns it into Statements of a particular Migration.
RawParse = tuple[list[tuple[str, dict, int, int]], list[tuple[int, str]]]


def parse_migration(migration: Migration) -> ParseResult:
    # One offset map for both steps: its byte->character tables are built once per file.
    offsets = migration_offsets(migration)
    return build_result(migration, parse_sql(migration.parse_text, offsets), offsets)


def migration_offsets(migration: Migration) -> OffsetMap:
    """The offset map of `migration`'s parsed text: for `parse_sql` and `build_result`."""
    return OffsetMap(migration.parse_text, migration.to_original)


def build_result(migration: Migration, raw: RawParse, offsets: OffsetMap | None = None) -> ParseResult:
    """`raw` (a parse of `migration.parse_text`) as Statements of `migration`. `offsets`:
    the map `parse_sql` used, if it parsed this text here (its tables are then built)."""
    if offsets is None:
        offsets = migration_offsets(migration)
    original = offsets.original
    statements = [
        Statement(migration, i, kind, node, original(start), original(end), offsets,
                  _sql_start=start, _sql_end=end)
        for i, (kind, node, start, end) in enumerate(raw[0])
    ]
    errors = [_error_diag(migration, offsets, pos, message, prefix="") for pos, message in raw[1]]
    return ParseResult(statements, errors)


def parse_sql(text: str, offsets: OffsetMap | None = None) -> RawParse:
    """`text` parsed, as plain data. `offsets`: a map of this same text to build the
    byte->character tables in (`parse_migration` passes the one `build_result` then uses)."""
    if offsets is None:
        offsets = OffsetMap(text)
    statements: list[tuple[str, dict, int, int]] = []
    errors: list[tuple[int, str]] = []
    if len(text) <= _LARGE:
        try:
            payload = _pg.parse_sql_json(text)
            _statements_from_json(offsets, payload, 0, len(text.encode("utf-8")), statements)
        except (_pg.ParseError, RecursionError):
            # Recovery: parse statement by statement so one typo does not hide the rest.
            statements.clear()
            _recover(offsets, text, split_statements(text), _ByteCounter(text), statements, errors)
        return statements, errors

    for batch in _batches(text, offsets, errors):
        statements.extend(batch)
    return statements, errors


def _batches(text: str, offsets: OffsetMap, errors: list[tuple[int, str]]):
    """A large text parsed in batches of whole statements: each batch's statements (raw,
    as in `RawParse`), its errors appended to `errors`."""
    pieces = split_statements(text)
    byte_of = _ByteCounter(text)
    i = 0
    while i < len(pieces):
        j = i + 1
        while j < len(pieces) and pieces[j][1] - pieces[i][0] < _BATCH:
            j += 1
        start, end = pieces[i][0], pieces[j - 1][1]
        batch: list[tuple[str, dict, int, int]] = []
        try:
            payload = _pg.parse_sql_json(text[start:end])
            _statements_from_json(offsets, payload, byte_of(start), byte_of(end), batch)
        except (_pg.ParseError, RecursionError):
            batch.clear()
            _recover(offsets, text, pieces[i:j], byte_of, batch, errors)
        yield batch
        i = j


def iter_parse(migration: Migration):
    """`parse_migration` as a stream of ParseResults, one per batch of statements, for a
    consumer that needs one statement at a time (replay): a large file's trees never all
    exist at once. Statement indexes run across batches."""
    offsets = migration_offsets(migration)
    text = migration.parse_text
    if len(text) <= _LARGE:
        yield build_result(migration, parse_sql(text, offsets), offsets)
        return
    index = 0
    errors: list[tuple[int, str]] = []
    for batch in _batches(text, offsets, errors):
        result = build_result(migration, (batch, errors), offsets)
        errors.clear()  # `_batches` appends the next batch's errors to this same list
        for stmt in result.statements:
            stmt.index += index
        index += len(batch)
        yield result


def _recover(offsets: OffsetMap, text: str, pieces: list[tuple[int, int]], byte_of,
             statements: list[tuple[str, dict, int, int]], errors: list[tuple[int, str]]) -> None:
    i = 0
    while i < len(pieces):
        start = pieces[i][0]
        j = i
        while True:
            end = pieces[j][1]
            chunk = text[start:end]
            try:
                payload = _pg.parse_sql_json(chunk)
                found: list[tuple[str, dict, int, int]] = []
                _statements_from_json(offsets, payload, byte_of(start), byte_of(end), found)
            except RecursionError:
                # libpg_query accepted it, but its tree nests deeper than Python can walk.
                errors.append((start + len(chunk) - len(chunk.lstrip()),
                               "this statement nests deeper than schemalint can walk (PostgreSQL "
                               "itself stops at max_stack_depth); it was not checked"))
                break
            except _pg.ParseError as exc:
                message, at = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
                at_end = at is None or at >= len(chunk.rstrip())
                if at_end and j + 1 < len(pieces) and j - i < _MAX_MERGE:
                    j += 1
                    continue
                if j != i:  # merging did not help: report the first piece alone
                    j = i
                    end = pieces[i][1]
                    chunk = text[start:end]
                    try:
                        _pg.parse_sql_json(chunk)
                    except _pg.ParseError as exc2:
                        message = exc2.args[0]
                        at = exc2.args[1] if len(exc2.args) > 1 else None
                pos = start + (len(chunk.rstrip()) if at is None else at)
                errors.append((pos, _SYNTAX + message))
                break
            else:
                statements.extend(found)
                break
        i = j + 1


class _ByteCounter:
    """Incremental char -> byte offset for increasing positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.char = 0
        self.byte = 0

    def __call__(self, char: int) -> int:
        if self.ascii:
            return char
        if char < self.char:
            self.char, self.byte = 0, 0
        self.byte += len(self.text[self.char : char].encode("utf-8"))
        self.char = char
        return self.byte
