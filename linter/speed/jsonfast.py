"""`json.dumps(obj, indent=2, ensure_ascii=False)`, byte for byte, about 3x faster.

With `indent` set, the standard library falls back to its pure-Python generator
encoder; 17,000 findings took 0.35 s to print. This writer keeps the C string escaper
and skips the generators. Anything unusual (subclasses of str or int such as enums,
non-string keys, other types) is handed to `json.dumps` itself, so the output is always
what the standard library would print.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _enc_str  # the C version when available

_INF = float("inf")


def dumps_indent2(obj, end: str = "", nl: str = "\n") -> str:
    """The JSON text, then `end` (appended here rather than by the caller, which would copy
    a report of tens of megabytes once more). `nl`: a newline and the indentation of the
    level `obj` sits at, for writing a document piece by piece."""
    out: list[str] = []
    _write(obj, out, nl)
    out.append(end)
    return "".join(out)


def _scalar(v) -> str | None:
    t = type(v)
    if t is str:
        return _enc_str(v)
    if t is int:
        return int.__repr__(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is float and v == v and v not in (_INF, -_INF):
        return float.__repr__(v)
    return None


def _fallback(obj, nl: str) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False).replace("\n", nl)


def _write(obj, out: list[str], nl: str) -> None:
    t = type(obj)
    if t is dict:
        if not obj:
            out.append("{}")
            return
        inner = nl + "  "
        sep = "{" + inner
        append = out.append
        for k, v in obj.items():
            key = _enc_str(k) if type(k) is str else _fallback_key(k)
            tv = type(v)
            # str and int inline: they are nearly every value of a report.
            if tv is str:
                append(f"{sep}{key}: {_enc_str(v)}")
            elif tv is int:
                append(f"{sep}{key}: {int.__repr__(v)}")
            else:
                s = _scalar(v)
                if s is None:
                    append(f"{sep}{key}: ")
                    _write(v, out, inner)
                else:
                    append(f"{sep}{key}: {s}")
            sep = "," + inner
        append(nl + "}")
    elif t is list or t is tuple:
        if not obj:
            out.append("[]")
            return
        inner = nl + "  "
        sep = "[" + inner
        for v in obj:
            out.append(sep)
            s = _scalar(v)
            if s is None:
                # Each element joined on its own: a report's 40,000 findings would otherwise
                # leave half a million small strings alive until the very end.
                part: list[str] = []
                _write(v, part, inner)
                out.append("".join(part))
            else:
                out.append(s)
            sep = "," + inner
        out.append(nl + "]")
    else:
        s = _scalar(obj)
        out.append(s if s is not None else _fallback(obj, nl))


def _fallback_key(k) -> str:
    # json turns int/float/bool/None keys into strings (and rejects others, as here).
    return json.dumps({k: 0}, ensure_ascii=False)[1:-4]
