"""Passwords out of connection strings and messages, however malformed the DSN.

Pure string work (no psycopg), so that commands which only show a configuration can use it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

_URL = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://")
_QUERY_PASSWORD = re.compile(r"[?&]password=([^&#]*)", re.I)
# key=value form: the value runs to the next ` key=` (an unquoted value with a space in it
# is malformed, and libpq would echo its pieces) or to the end; a quoted one to its quote.
_KV_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*(?:'|$)|.*?(?=\s+\w+\s*=|\s*$))",
                          re.I | re.S)
_TEXT_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S+)", re.I)
_TEXT_URL = re.compile(r"(://[^\s:/@\"]*:)[^\s\"]*@")
_QUOTED = re.compile(r'"([^"\n]*)"')


def _secret_spans(dsn: str) -> list[tuple[int, int]]:
    """Where passwords may be in `dsn`, as (start, end), generously: a URL's user
    information is taken up to its LAST '@' (a raw '@' in a password is malformed, and libpq
    would cut it at the first and show the rest as the host name)."""
    spans = []
    url = _URL.match(dsn)
    if url:
        start = url.end()
        at = dsn.rfind("@")
        colon = dsn.find(":", start)
        if at > start and -1 < colon < at:
            spans.append((colon + 1, at))
        spans += [m.span(1) for m in _QUERY_PASSWORD.finditer(dsn, start)]
    else:
        spans += [m.span(1) for m in _KV_PASSWORD.finditer(dsn)]
    return sorted(s for s in spans if s[1] > s[0])


def mask_dsn(dsn: str) -> str:
    """The DSN with every password replaced by ***, in URL or key=value form."""
    out = dsn
    for start, end in reversed(_secret_spans(dsn)):
        out = out[:start] + "***" + out[end:]
    return out


def _fragments(dsn: str) -> set[str]:
    """The passwords of `dsn`, decoded and undecoded, quoted and not, and their pieces: what
    libpq may echo of a malformed DSN (a host `ss@host`, a port, a token in quotes)."""
    out: set[str] = set()
    for start, end in _secret_spans(dsn):
        value = dsn[start:end]
        for v in (value, value.strip("'"), unquote(value)):
            out.add(v)
            out.update(re.split(r"[\s@/:?&#'%=]+", v))
    out.discard("")
    return out


def mask_text(text: str, dsn: str | None) -> str:
    """A message with anything that may be a password of `dsn` (or of any DSN quoted in it)
    replaced by ***."""
    fragments = _fragments(dsn) if dsn else set()
    for frag in sorted(fragments, key=len, reverse=True):
        if len(frag) >= 4:
            text = text.replace(frag, "***")
    if fragments:
        def quoted(m: re.Match) -> str:
            inner = m.group(1)
            hit = inner in fragments or any(len(f) >= 2 and f in inner for f in fragments)
            return '"***"' if hit else m.group()

        text = _QUOTED.sub(quoted, text)
    text = _TEXT_PASSWORD.sub(r"\1***", text)
    return _TEXT_URL.sub(r"\1***@", text)
