"""`schemalint plan PATHS...`: what `check` would read, without linting it.

Every migration in apply order with the layout that read it, up or down, whether it runs in
a transaction (and whether that is the framework's rule or `assume_in_transaction`), the
templating rendered in it; every file found but not applied with the reason; the layout of
each directory. The discovery is `check`'s (`collect`), with the same flags and configuration.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from schemalint.commands.collect import Collected, collect
from schemalint.commands.common import (
    add_config_arguments,
    add_input_arguments,
    add_layout_argument,
    settings_from,
)
from schemalint.diagnostics.engine_rules import LAYOUT_PROBLEM
from schemalint.errors import UsageError

VERSION = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_input_arguments(p)
    add_layout_argument(p)
    p.add_argument("--format", "-f", default="text", metavar="FORMAT",
                   help="output format on stdout: text (default) or json")
    p.add_argument("--assume-in-transaction", action="store_true", default=None,
                   help="each migration whose framework does not say runs inside a transaction")
    add_config_arguments(p)


def run(args, out=None) -> int:
    out = sys.stdout if out is None else out
    if args.format not in ("text", "json"):
        raise UsageError(f"--format: {args.format!r} is not available here (choose text or json)")
    settings = settings_from(args)
    doc = document(collect(settings, strict=False), settings.config.assume_in_transaction)
    out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if args.format == "json" else text(doc))
    return 0


def document(collected: Collected, assume_in_transaction: bool) -> dict:
    """The plan as data (`--format json`, version 1)."""
    migrations = collected.migrations
    sections = Counter(m.path for m in migrations)
    seen: Counter = Counter()
    rows = []
    for order, m in enumerate(migrations, 1):
        seen[m.path] += 1
        known = m.in_transaction is not None
        use = m.template
        rows.append({
            "order": order,
            "path": m.path,
            "layout": m.layout or "plain",
            "direction": m.direction,
            "transaction": m.in_transaction if known else bool(assume_in_transaction),
            "transaction_from": "layout" if known else "assume_in_transaction",
            "section": {"index": seen[m.path], "of": sections[m.path]} if sections[m.path] > 1 else None,
            "template": None if use is None else {
                "kinds": list(use.kinds),
                "placeholders": [{"name": n, "value_from": v} for n, v in use.placeholders.items()],
            },
            "problems": [d.message for d in m.notes if d.code == LAYOUT_PROBLEM.code],
        })
    skipped = [{"path": s.path, "layout": s.layout, "kind": s.kind, "reason": s.reason}
               for s in collected.skipped]
    return {
        "version": VERSION,
        "migrations": rows,
        "skipped": skipped,
        "unreadable": [{"path": path, "reason": reason} for path, reason in collected.unreadable],
        "directories": [d.to_dict() for d in collected.directories()],
        "summary": {
            "files": len(sections),
            "migrations": len(rows),
            "skipped": len(skipped),
            "skipped_by_kind": dict(sorted(Counter(s["kind"] for s in skipped).items())),
            "unreadable": len(collected.unreadable),
        },
    }


def _transaction(row: dict) -> str:
    word = "yes" if row["transaction"] else "no"
    return word if row["transaction_from"] == "layout" else f"{word} (assumed)"


def _template(use: dict) -> str:
    names = ", ".join(f"{p['name']} ({p['value_from']})" for p in use["placeholders"])
    return "rendered: " + ", ".join(use["kinds"]) + (f"; placeholders: {names}" if names else "")


def text(doc: dict) -> str:
    """The plan for people: directories, the apply order, the skipped files, a summary."""
    lines: list[str] = []
    if doc["directories"]:
        lines.append("Directories:")
        width = max(len(d["directory"]) for d in doc["directories"])
        for d in doc["directories"]:
            lines.append(f"  {d['directory'].ljust(width)}  {d['layout']}: {d['files']} "
                         f"file{'s' if d['files'] != 1 else ''}, {d['skipped']} skipped")
        lines.append("")
    rows = doc["migrations"]
    if rows:
        lines.append("Apply order:")
        cells = [(str(r["order"]), r["direction"], _transaction(r), r["layout"], r["path"]) for r in rows]
        header = ("#", "direction", "transaction", "layout", "file")
        widths = [max(len(c[i]) for c in [header, *cells]) for i in range(4)]
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)) + "  " + header[4])
        indent = "  " + " " * (widths[0] + 2)
        for row, cell in zip(rows, cells, strict=True):
            lines.append("  " + cell[0].rjust(widths[0]) + "  "
                         + "  ".join(c.ljust(w) for c, w in zip(cell[1:4], widths[1:])) + "  " + cell[4])
            if row["section"]:
                lines.append(f"{indent}section {row['section']['index']} of {row['section']['of']}")
            if row["template"]:
                lines.append(indent + _template(row["template"]))
            lines.extend(f"{indent}layout-problem: {p}" for p in row["problems"])
        lines.append("")
    if doc["skipped"]:
        lines.append(f"Skipped ({len(doc['skipped'])}):")
        lines.extend(f"  {s['path']}: {s['reason']} [{s['kind']}]" for s in doc["skipped"])
        lines.append("")
    if doc["unreadable"]:
        lines.append(f"Unreadable ({len(doc['unreadable'])}):")
        lines.extend(f"  {u['path']}: {u['reason']}" for u in doc["unreadable"])
        lines.append("")
    s = doc["summary"]
    by_kind = ", ".join(f"{n} {kind}" for kind, n in s["skipped_by_kind"].items())
    lines.append(f"{s['migrations']} migration{'s' if s['migrations'] != 1 else ''} from {s['files']} "
                 f"file{'s' if s['files'] != 1 else ''}, {s['skipped']} skipped" + (f" ({by_kind})" if by_kind else "")
                 + (f", {s['unreadable']} unreadable" if s["unreadable"] else ""))
    return "\n".join(lines) + "\n"
