"""Render templated SQL before parsing, keeping a map back to the original text.

Two passes, each run only when a cheap search finds something for it to do, so a
file that needs no templating costs a few substring searches:

1. psql: backslash meta-commands (`\\set`, `\\echo`, `\\connect`, `\\i`, `\\copy`,
   `\\gset`, ...) are blanked; `\\g`-style commands end the statement as psql does;
   `COPY ... FROM stdin` / `\\copy ... from stdin` data (up to `\\.`) is dropped (it may
   be most of a dump and is never linted); `:name`, `:'name'` and `:"name"` are
   interpolated outside quotes, comments and dollar-quoted bodies (psql never
   substitutes there).
2. Text templates, substituted anywhere in the file as their tools do (they know
   nothing about SQL quoting): Flyway / goose ENVSUB `${name}`, Go templates and
   Jinja `{{ expr }}`, and Jinja / Go control tags (`{% ... %}`, `{# ... #}`,
   `{{ if }}`, `{{ end }}`), which are blanked so both branches are linted.

A placeholder without a value renders as an identifier made of its name (or a
string literal after `IS`/`PASSWORD`, where the grammar needs one) so the rest of
the statement still parses. Every edit is recorded, and `to_original` maps an
offset of the rendered SQL back to the original file.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Callable, Mapping

from schemalint.discover.inputs import InputLog
from schemalint.discover.source import block_comment_end
from schemalint.lazyre import lazy

# Cheap tests that decide whether a pass runs at all (substring tests and a regex with a
# literal first character: both scan at C speed, where an alternation would not).
_TEXT_MARKS = ("${", "{{", "{%", "{#")
# `::type` casts and `:=` are not variables (the look-behind sits after the literal `:`, so
# the search still skips to each `:` at C speed).
_COLON_VAR = re.compile(r":(?![:=])(?<!::)['\"A-Za-z_]")


def _text_hint(text: str) -> bool:
    """Whether one of _TEXT_MARKS is in `text` (C-speed scans; every mark holds a "{")."""
    return "{" in text and any(mark in text for mark in _TEXT_MARKS)


def _psql_hint(text: str) -> bool:
    return "\\" in text or _COLON_VAR.search(text) is not None


_TEXT_TEMPLATE = lazy(
    r"""(?<!\$)\$\{(?P<flyway>[^{}\n]*)\}
      | \{\{-?(?P<expr>[^{}]*?)-?\}\}
      | \{%(?P<tag>.*?)%\}
      | \{\#.*?\#\}
    """,
    re.S | re.X,
)
_GO_CONTROL = frozenset(("if", "else", "end", "range", "with", "define", "template", "block", "break",
                         "continue"))
_NAME = lazy(r"[A-Za-z_][\w.:]*")
# The words of a Go template or Jinja expression: a quoted string, a parenthesis or `|`, or
# a run of anything else.
_EXPR_TOKEN = lazy(r"""\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>[^']*)'|`(?P<bq>[^`]*)`|(?P<punct>[(),|])|(?P<word>[^\s"'`(),|]+))""")
_NOT_IDENT = lazy(r"\W+")
# Keywords after which the grammar wants a string literal, not an identifier.
_LITERAL_AFTER = lazy(r"(?:\bIS|\bPASSWORD|\bENCODING|\bLOCATION)\s*$", re.I)

# Character classes of the psql lexer, spelled so that compiling them is cheap: `re` fills a
# 64K-entry table in a Python loop for a class with a range inside U+0100..U+FFFF (15 ms for
# this lexer, more than linting a small file), but not for negated or astral-only ranges.
# The sets are the same: tests/test_template.py compares them character by character.
_BMP_NON_ASCII = r"[^\x00-\x7f\U00010000-\U0010ffff]"  # [\x80-\uffff]
_WORD_START = r"[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f\U00010000-\U0010ffff]"  # [A-Za-z_\x80-\uffff]
# [\w$\x80-\uffff]* and [\w\x80-\uffff]*: the two alternatives never match the same
# character, so a failed match backtracks in linear time.
_WORD_REST = r"[\w$]*(?:(?!\w)" + _BMP_NON_ASCII + r"[\w$]*)*"
_TAG_REST = r"\w*(?:(?!\w)" + _BMP_NON_ASCII + r"\w*)*"
# [^'"$;:/\\\[\]A-Za-z_\x80-\uffff-]+: ASCII punctuation, digits and spaces, or astral characters.
_OTHER_ASCII = r"\x00-\x21\x23\x25\x26\x28-\x2c\x2e\x30-\x39\x3c-\x40\x5e\x60\x7b-\x7f"
_ASTRAL = r"[\U00010000-\U0010ffff]"
_OTHER = r"(?:[" + _OTHER_ASCII + r"]+|" + _ASTRAL + r"+)+"
_WORD = _WORD_START + _WORD_REST
# Quotes, comments, meta-commands and variables: what both lexers below find the same way.
# Strings are written `'[^']*(?:''[^']*)*'?` rather than `'(?:[^']|'')*'?`: the same
# matches, but a run of ordinary characters is one step of the matcher, not one each.
_QUOTED_AND_META = r"""
    | '[^']*(?:''[^']*)*'?
    | "[^"]*(?:""[^"]*)*"?
    | --[^\n]*
    | (?P<block>/\*)
    | (?P<meta>\\)
    | ::
    | (?P<var>:(?:'[A-Za-z_]\w*'|"[A-Za-z_]\w*"|[A-Za-z_]\w*))
"""
_PSQL_TOKEN = lazy(
    rf"""
      (?P<dollar>(?<![\w$])\$(?:{_WORD_START}{_TAG_REST})?\$)
    | (?<![\w$])[eE]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'?
    {_QUOTED_AND_META}
    | (?P<semi>;)
    | (?P<word>{_WORD})
    | (?P<open>\[) | (?P<close>\])
    | {_OTHER}
    | .
    """,
    re.S | re.X,
)
# The same tokens for a text without `stdin`, where words and semicolons change nothing (they
# only find `COPY ... FROM stdin`): everything but quotes, comments, brackets, `$`, `:` and
# `\` is skipped in one run, so the loop below turns a few times per statement instead of
# once per word. A run may now end inside a word, so what followed from token boundaries
# follows from the characters before: a `$` after a word character, or after U+0080..U+FFFF
# (a word character above), continues that word rather than opening a dollar quote; `'`
# right after an `E` that starts a word (not the variable `:E`) opens an escape string. An
# `E` right after another token is not in a run: the second line matches it where it stands.
_PSQL_TOKEN_NO_COPY = lazy(
    rf"""
      (?P<dollar>(?<![\w$])(?<!{_BMP_NON_ASCII})\$(?:{_WORD_START}{_TAG_REST})?\$)
    | (?<![\w$])[eE]'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'?
    | (?<=[eE])(?<![\w$:][eE])(?<!{_BMP_NON_ASCII}[eE])'[^'\\]*(?:(?:\\.|'')[^'\\]*)*'?
    {_QUOTED_AND_META}
    | (?P<open>\[) | (?P<close>\])
    | [^'"$:/\\\[\]\-]+
    | .
    """,
    re.S | re.X,
)
_META_NAME = lazy(r"\\([A-Za-z]+|.)?")
_TERMINATORS = frozenset(("g", "gx", "gset", "gexec", "gdesc", "crosstabview", "watch"))
_INCLUDES = {"i": False, "include": False, "ir": True, "include_relative": True}
_STDIN = lazy(r"\bfrom\s+(?:stdin|pstdin)\b", re.I)


# Every byte but "\n" to a space, for blanking ASCII text in one C call.
_BLANK_BYTES = bytes(b if b == 10 else 32 for b in range(128)) + b" " * 128


def blank(text: str) -> str:
    """Same length, newlines kept: line and column numbers do not move."""
    if "\n" not in text:
        return " " * len(text)
    if text.isascii():
        return text.encode("ascii").translate(_BLANK_BYTES).decode("ascii")
    return "\n".join(" " * len(line) for line in text.split("\n"))


def identifier_for(name: str) -> str:
    ident = _NOT_IDENT().sub("_", name.strip()).strip("_") or "placeholder"
    return "_" + ident if ident[0].isdigit() else ident


class Include:
    """A psql `\\i` / `\\ir` of another file."""

    __slots__ = ("offset", "path", "relative")

    def __init__(self, offset: int, path: str, relative: bool) -> None:
        self.offset = offset  # offset in the original text where psql reads the other file
        self.path = path
        self.relative = relative  # \ir: relative to the including file

    def __repr__(self) -> str:
        return f"Include(offset={self.offset!r}, path={self.path!r}, relative={self.relative!r})"


class Rendered:
    """The SQL the parser sees, the map back to the original text, and the psql includes."""

    __slots__ = ("includes", "sql", "to_original", "use")

    def __init__(self, sql: str, to_original: Callable[[int], int] | None,
                 includes: list[Include] | None = None, use: TemplateUse | None = None) -> None:
        self.sql = sql
        self.to_original = to_original
        self.includes = [] if includes is None else includes
        self.use = TemplateUse() if use is None else use

    def __repr__(self) -> str:
        return (f"Rendered(sql={self.sql!r}, to_original={self.to_original!r}, includes={self.includes!r}, "
                f"use={self.use!r})")


class TemplateUse:
    """What rendering one text did: the kinds of templating found ("psql" variables and
    meta-commands, "copy-data", "flyway" `${}`, "go/jinja" `{{ }}` and `{% %}`), in the order
    first met, and each placeholder substituted with where its value came from ("config":
    `placeholders:`, "set": a psql `\\set`, "unset": none, rendered as its own name)."""

    __slots__ = ("kinds", "placeholders")

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.placeholders: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"TemplateUse(kinds={self.kinds!r}, placeholders={self.placeholders!r})"

    def __eq__(self, other) -> bool:
        return (isinstance(other, TemplateUse) and self.kinds == other.kinds
                and self.placeholders == other.placeholders)

    __hash__ = None

    def kind(self, kind: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)

    def placeholder(self, name: str, source: str) -> None:
        self.placeholders.setdefault(name, source)


class _Edits:
    """Non-overlapping replacements, in increasing order, of spans of `text`."""

    __slots__ = ("edits", "text", "use")

    def __init__(self, text: str, use: TemplateUse | None = None) -> None:
        self.text = text
        self.edits: list[tuple[int, int, str]] = []
        self.use = TemplateUse() if use is None else use  # what the rendering found

    def add(self, start: int, end: int, replacement: str) -> None:
        if self.text[start:end] != replacement:
            self.edits.append((start, end, replacement))

    def apply(self) -> tuple[str, Callable[[int], int] | None]:
        if not self.edits:
            return self.text, None
        parts: list[str] = []
        pos = 0
        r_starts: list[int] = []
        segments: list[tuple[int, int, int, int]] = []  # (rendered start, rendered len, orig start, orig len)
        out_len = 0
        same_length = True
        for start, end, repl in self.edits:
            parts.append(self.text[pos:start])
            out_len += start - pos
            r_starts.append(out_len)
            segments.append((out_len, len(repl), start, end - start))
            same_length &= len(repl) == end - start
            parts.append(repl)
            out_len += len(repl)
            pos = end
        parts.append(self.text[pos:])
        rendered = "".join(parts)
        if same_length:
            return rendered, None

        def to_original(offset: int) -> int:
            k = bisect_right(r_starts, offset) - 1
            if k < 0:
                return offset
            r_start, r_len, o_start, o_len = segments[k]
            if offset < r_start + r_len:
                # Inside a replacement: point into the placeholder it came from.
                return o_start + min(offset - r_start, max(o_len - 1, 0))
            return o_start + o_len + (offset - r_start - r_len)

        return rendered, to_original


def _compose(outer: Callable[[int], int] | None, inner: Callable[[int], int] | None):
    """outer maps pass-1 offsets to original; inner maps pass-2 offsets to pass-1."""
    if inner is None:
        return outer
    if outer is None:
        return inner
    return lambda offset: outer(inner(offset))


def _unknown(name: str, text: str, start: int) -> str:
    ident = identifier_for(name)
    if _LITERAL_AFTER().search(text[max(0, start - 20) : start]):
        return "'" + ident + "'"
    return ident


def _pad(value: str, length: int) -> str:
    """Keep the length when the value is not longer, so no offset moves."""
    return value + " " * (length - len(value)) if len(value) <= length else value


def _expression_names(body: str) -> list[str]:
    """The placeholder names a Go template or Jinja expression may stand for, most specific
    first; the last one names an identifier when none has a value.

    `.Schema`, `$.Schema`, `schema`, `config.schema` are references; `index .Options
    "Namespace"` is the map entry (`Options.Namespace`, then `Namespace`); `printf "%s"
    .Schema` and other function calls stand for their first reference; Jinja's `var('x')`
    and `env_var("X")` for their first string. Only the first command of a pipeline
    (`.Schema | quote`) counts."""
    tokens: list[tuple[str, str]] = []  # (kind, text): "str", "word", "punct"
    pos = 0
    match = _EXPR_TOKEN().match
    while pos < len(body):
        m = match(body, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        if m.group("punct") == "|":
            break
        kind = m.lastgroup
        tokens.append(("str" if kind in ("dq", "sq", "bq") else kind, m.group(kind)))
    words = [t for k, t in tokens if k == "word"]
    strings = [t for k, t in tokens if k == "str"]
    if not words:
        return strings[:1]
    head = words[0]
    call = len(tokens) > 1 and tokens[0] == ("word", head) and tokens[1] == ("punct", "(")  # Jinja f(x)

    def path_names(path: str) -> list[str]:
        last = path.rsplit(".", 1)[-1]
        return [path, last] if last != path else [path]

    if head.startswith((".", "$")) or len(tokens) == 1:
        return path_names(head.lstrip("$."))
    if head == "index" and len(words) > 1:
        keys = strings or [w.lstrip("$.") for w in words[2:]]
        if keys:
            full = ".".join(filter(None, (words[1].lstrip("$."), *keys)))
            return [full, keys[-1]] if full != keys[-1] else [full]
    refs = [w.lstrip("$.") for w in words[1:] if (call or w.startswith((".", "$"))) and w.lstrip("$.")]
    if strings and (call or not refs):
        return [strings[0]]
    if refs:
        return path_names(refs[0])
    name = _NAME().search(head)
    return [name.group()] if name else [body]


def _render_text_templates(text: str, values: Mapping[str, str], use: TemplateUse | None = None) -> _Edits:
    edits = _Edits(text, use)
    use = edits.use
    for m in _TEXT_TEMPLATE().finditer(text):
        start, end = m.span()
        flyway = m.group("flyway")
        expr = m.group("expr")
        if flyway is not None:
            use.kind("flyway")
            name = flyway.strip()
            value = values.get(name)
            if value is None and name.startswith("flyway:"):
                value = values.get(name[len("flyway:") :])
            use.placeholder(name, "unset" if value is None else "config")
            edits.add(start, end, _pad(value if value is not None else _unknown(name, text, start),
                                       end - start))
        elif expr is not None:
            use.kind("go/jinja")
            body = expr.strip()
            words = body.split()
            head = words[0] if words else ""
            if not body or body.startswith("/*") or head in _GO_CONTROL or head.startswith(("$", "-")) and "=" in body:
                edits.add(start, end, blank(m.group()))
                continue
            names = _expression_names(body) or [body]
            value = None
            for name in names:
                value = values.get(name)
                if value is not None:
                    use.placeholder(name, "config")
                    break
            if value is None:
                use.placeholder(names[-1], "unset")
                value = _unknown(names[-1], text, start)
            edits.add(start, end, _pad(value, end - start))
        else:  # {% tag %} and {# comment #}: control flow and comments render to nothing
            use.kind("go/jinja")
            edits.add(start, end, blank(m.group()))
    return edits


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote_ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _meta_value(args: str, variables: Mapping[str, str]) -> str:
    """The value of `\\set name value...`: psql concatenates the arguments, unquoting them."""
    out = []
    for m in re.finditer(r"'((?:[^']|'')*)'|:'?(\w+)'?|(\S+)", args):
        if m.group(1) is not None:
            out.append(m.group(1).replace("''", "'"))
        elif m.group(2) is not None:
            out.append(variables.get(m.group(2), m.group()))
        else:
            out.append(m.group(3))
    return "".join(out)


def _render_psql(text: str, values: Mapping[str, str], includes: list[Include],
                 use: TemplateUse | None = None) -> _Edits:
    edits = _Edits(text, use)
    use = edits.use
    variables = dict(values)
    set_here: set[str] = set()  # variables a `\set` gave their value
    n = len(text)
    pos = 0
    depth = 0  # square brackets: `arr[a:b]` is a slice, not a variable
    first_word: str | None = None  # of the current statement
    copy_from_stdin = False
    match = (_PSQL_TOKEN() if "stdin" in text.lower() else _PSQL_TOKEN_NO_COPY()).match
    while pos < n:
        m = match(text, pos)
        end = m.end()
        kind = m.lastgroup
        if kind == "word":
            word = m.group().lower()
            if first_word is None:
                first_word = word
            elif first_word == "copy" and word == "stdin" and _STDIN().search(text, max(0, pos - 12), end):
                copy_from_stdin = True
        elif kind == "dollar":
            close = text.find(m.group(), end)
            end = n if close == -1 else close + len(m.group())
        elif kind == "block":
            end = block_comment_end(text, pos, n)
        elif kind == "semi":
            first_word = None
            if copy_from_stdin:
                copy_from_stdin = False
                end = _skip_copy_data(text, end, edits)
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "var":
            token = m.group()
            name = token[1:].strip("'\"")
            value = variables.get(name)
            if value is not None or depth == 0 and not _after_operand(text, pos) or token[1] in "'\"":
                use.kind("psql")
                use.placeholder(name, "unset" if value is None else "set" if name in set_here else "config")
            if token[1] == "'":
                edits.add(pos, end, _quote_literal(value) if value is not None else _pad("'" + name + "'", end - pos))
            elif token[1] == '"':
                edits.add(pos, end, _quote_ident(value) if value is not None else _pad('"' + name + '"', end - pos))
            elif value is not None:
                edits.add(pos, end, value)
            elif depth == 0 and not _after_operand(text, pos):
                edits.add(pos, end, " " + _unknown(name, text, pos))
        elif kind == "meta":
            use.kind("psql")
            nl = text.find("\n", pos)
            line_end = n if nl == -1 else nl
            name_m = _META_NAME().match(text, pos)
            command = (name_m.group(1) or "") if name_m else ""
            args = text[name_m.end() if name_m else pos + 1 : line_end]
            if command in _TERMINATORS:
                # psql sends the query buffer: the statement ends here.
                edits.add(pos, line_end, ";" + blank(text[pos + 1 : line_end]))
                first_word = None
            else:
                edits.add(pos, line_end, blank(text[pos:line_end]))
            if command == "set":
                parts = args.split(None, 1)
                if parts:
                    variables[parts[0]] = _meta_value(parts[1] if len(parts) > 1 else "", variables)
                    set_here.add(parts[0])
            elif command == "unset":
                for var in args.split():
                    variables.pop(var, None)
                    set_here.discard(var)
            elif command in _INCLUDES and args.strip():
                includes.append(Include(pos, args.strip().strip("'"), _INCLUDES[command]))
            end = line_end
            if command == "copy" and _STDIN().search(args):
                end = _skip_copy_data(text, line_end, edits)
        pos = end
    return edits


def _after_operand(text: str, pos: int) -> bool:
    prev = text[pos - 1] if pos else " "
    return prev.isalnum() or prev in "_)]\"'"


def _skip_copy_data(text: str, start: int, edits: _Edits) -> int:
    """Drop the rows that follow `COPY ... FROM stdin;` up to and including `\\.`.

    They are removed rather than blanked: a data dump's rows are most of its size, and the
    parser need not see megabytes of spaces (offsets after them map back through the edit)."""
    nl = text.find("\n", start)
    if nl == -1:
        return len(text)
    edits.use.kind("copy-data")
    data_start = nl + 1
    data_end = _data_end(text, data_start)
    if data_end > data_start:
        edits.add(data_start, data_end, "")
    return data_end


def _data_end(text: str, start: int) -> int:
    """The end of the line `\\.` that ends COPY data (the end of the text without one)."""
    pos = start - 1
    while True:
        pos = text.find("\\.", pos + 1)
        if pos == -1:
            return len(text)
        if pos == start or text[pos - 1] == "\n":
            nl = text.find("\n", pos)
            line_end = len(text) if nl == -1 else nl
            if not text[pos + 2 : line_end].strip(" \t\r"):
                return line_end


def needs_rendering(text: str) -> bool:
    return _text_hint(text) or _psql_hint(text)


def render(text: str, values: Mapping[str, str] | None = None) -> Rendered | None:
    """Render `text`; None when there is nothing to render (the common, fast case)."""
    psql = _psql_hint(text)
    if not psql and not _text_hint(text):
        return None
    values = values or {}
    to_original = None
    sql = text
    includes: list[Include] = []
    use = TemplateUse()
    # psql first: it drops COPY data, which may be most of a dump and is never linted.
    if psql:
        sql, to_original = _render_psql(sql, values, includes, use).apply()
    if not psql or _text_hint(sql):  # without psql, the text holds a template mark (above)
        sql, inner = _render_text_templates(sql, values, use).apply()
        to_original = _compose(to_original, inner)
    if sql is text:
        return None
    return Rendered(sql, to_original, includes, use)


def resolve_include(include: Include, including_path: str, inputs: InputLog) -> str:
    """Where psql finds an `\\i` (current directory) or `\\ir` (the including file's directory)
    file; for `\\i` we also try the including file's directory, where it usually is."""
    inputs.look(include.path)
    if os.path.isabs(include.path):
        return include.path
    here = os.path.join(os.path.dirname(including_path), include.path)
    inputs.look(here)
    if include.relative or os.path.exists(here):
        return here
    return include.path
