"""Findings as marshal-able data: the whole-run cache's entries (cache.py) and what a forked
child sends back (parallel.py).

A finding is stored as a row of its fields in `Diagnostic` order. Plain values are stored as
they are; the few typed ones (severity, fix, the statement reference in `extra`) as tagged
tuples. A finding holding anything else is not stored: the run is then simply not cached (or
the child's part is done by the parent), never cached wrongly.
"""

from __future__ import annotations

from schemalint.speed.keys import PLAIN

# Edit, Fix, Severity and StatementRef: imported by `_finding_types()` when findings are
# encoded or decoded, so that computing keys (all a report-cache hit needs) loads no
# diagnostics or rule modules.


class _Unstorable(Exception):
    pass


def _encode_value(value, Severity, Fix, StatementRef):
    # encode_diagnostics and decode_diagnostics inline the "severity" and "extra-statement"
    # cases (nearly every finding has both): change them there too.
    if type(value) in PLAIN:
        return value
    if isinstance(value, Severity):
        return ("severity", int(value))
    if isinstance(value, Fix):
        return ("fix", value.description, value.safe, [(e.start, e.end, e.text) for e in value.edits])
    if isinstance(value, StatementRef):
        return ("statement", value.sql, value.fingerprint)
    if type(value) is dict and len(value) == 1 and type(value.get("statement")) is StatementRef:
        ref = value["statement"]
        return ("extra-statement", ref.sql, ref.fingerprint)  # nearly every finding's extra
    if type(value) is dict:
        return ("dict", [(k, _encode_value(v, Severity, Fix, StatementRef)) for k, v in value.items()])
    if type(value) in (list, tuple):
        return (type(value).__name__, [_encode_value(v, Severity, Fix, StatementRef) for v in value])
    raise _Unstorable(type(value).__name__)


def _decode_value(value, severities: dict):
    if type(value) is not tuple:
        return value

    kind = value[0]
    if kind == "extra-statement":
        return {"statement": StatementRef(value[1], value[2])}
    if kind == "severity":
        return severities[value[1]]
    if kind == "fix":
        return Fix(value[1], tuple(Edit(s, e, t) for s, e, t in value[3]), value[2])
    if kind == "statement":
        return StatementRef(value[1], value[2])
    if kind == "dict":
        return {k: _decode_value(v, severities) for k, v in value[1]}
    items = [_decode_value(v, severities) for v in value[1]]
    return items if kind == "list" else tuple(items)


def _finding_types() -> None:
    global Edit, Fix, Severity, StatementRef
    from schemalint.diagnostics import Edit, Fix, Severity
    from schemalint.diagnostics.rule import StatementRef


class Decoded:
    """The rows findings were decoded from, by finding: a finding stored again as it was
    loaded is written from its row, not encoded anew (a run resumed from a checkpoint stores
    the whole run's findings, most of them the checkpoint's)."""

    __slots__ = ("encoded_at", "rows")

    def __init__(self) -> None:
        # id(finding) -> (finding kept alive, its row, its values and `extra` as decoded)
        self.rows: dict[int, tuple] = {}
        self.encoded_at: set[int] = set()


def encode_diagnostics(diagnostics, decoded: Decoded | None = None) -> tuple | None:
    """Findings as marshal-able data, or None when one cannot be stored faithfully:
    (field names, one tuple of values per finding, the indexes of the fields that hold an
    encoded (tuple) value in some finding, so that decoding looks only at those).
    `decoded`: rows of findings decoded earlier, reused for those findings."""
    from schemalint.diagnostics import Diagnostic

    _finding_types()
    names = Diagnostic._fields
    rows = []
    append = rows.append
    encoded_at: set[int] = set()
    plain = frozenset(PLAIN)
    known = decoded.rows if decoded is not None else {}
    # Findings come in few shapes (the types of their fields, in order): which fields of a
    # shape need encoding is worked out once per shape, not per finding (40,000 findings).
    typed_of: dict[tuple, tuple[int, ...]] = {}
    try:
        for d in diagnostics:
            if type(d) is not Diagnostic:
                return None
            stored = known.get(id(d))
            # Unchanged since it was decoded (`finish` may set a severity, or replace a
            # message or `extra`, in place): its row as loaded.
            if stored is not None and stored[0] is d and d._values() == stored[2] and d.extra == stored[3]:
                append(stored[1])
                continue
            row = d._values()
            shape = tuple(map(type, row))
            typed = typed_of.get(shape)
            if typed is None:
                # Most fields are plain; only the few others (severity, fix, extra) are encoded.
                typed = typed_of[shape] = tuple(i for i, t in enumerate(shape) if t not in plain)
                encoded_at.update(typed)
            if typed:
                values = list(row)
                for i in typed:
                    v = values[i]
                    if type(v) is Severity:  # every finding has one
                        values[i] = ("severity", int(v))
                    elif type(v) is dict and len(v) == 1 and type(v.get("statement")) is StatementRef:
                        ref = v["statement"]  # nearly every finding's extra
                        values[i] = ("extra-statement", ref.sql, ref.fingerprint)
                    else:
                        values[i] = _encode_value(v, Severity, Fix, StatementRef)
                row = tuple(values)
            append(row)
    except _Unstorable:
        return None
    if known:
        encoded_at |= decoded.encoded_at
    return names, rows, tuple(sorted(encoded_at))


def decode_diagnostics(data, decoded: Decoded | None = None) -> list | None:
    """The findings `encode_diagnostics` gave `data` for, or None (another version's);
    `decoded`, if given, keeps each one's row for `encode_diagnostics`."""
    from schemalint.diagnostics import Diagnostic

    _finding_types()
    names, rows, encoded_at = data
    if tuple(names) != Diagnostic._fields:
        return None
    severities = {int(s): s for s in Severity}
    out = []
    append = out.append
    for row in rows:
        values = list(row)
        for i in encoded_at:
            v = values[i]
            if type(v) is tuple:
                kind = v[0]
                if kind == "severity":  # every finding's, then nearly every finding's extra
                    values[i] = severities[v[1]]
                elif kind == "extra-statement":
                    values[i] = {"statement": StatementRef(v[1], v[2])}
                else:
                    values[i] = _decode_value(v, severities)
        append(Diagnostic(*values))
    if decoded is not None:
        known = decoded.rows
        for d, row in zip(out, rows):
            extra = d.extra
            known[id(d)] = (d, row, d._values(), dict(extra) if type(extra) is dict else extra)
        decoded.encoded_at.update(encoded_at)
    return out
