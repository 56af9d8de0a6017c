"""The index report (report.py's data) as text or markdown."""

from __future__ import annotations

from schemalint.model.dump import qualified_text


def _cols(columns) -> str:
    return ", ".join(columns)


def _counts(report: dict) -> tuple[int, int]:
    fks = report["foreign_keys"]
    return len(fks), sum(1 for f in fks if f["index"] is None)


def summary(report: dict) -> str:
    total, missing = _counts(report)
    parts = [f"{total} foreign key{'s' if total != 1 else ''}, {missing} without an index",
             f"{len(report['redundant_indexes'])} redundant index"
             f"{'es' if len(report['redundant_indexes']) != 1 else ''}",
             f"{len(report['unique_duplicates'])} unique index"
             f"{'es' if len(report['unique_duplicates']) != 1 else ''} repeating a constraint",
             f"{len(report['tables_without_primary_key'])} table"
             f"{'s' if len(report['tables_without_primary_key']) != 1 else ''} without a primary key"]
    return "; ".join(parts)


def _fk_line(f: dict) -> str:
    ref = f["references"]
    target = qualified_text(ref["schema"], ref["table"]) if ref["table"] else "?"
    return (f"{qualified_text(f['schema'], f['table'])} ({_cols(f['columns'])}) -> {target} "
            f"({_cols(ref['columns'])}) [{f['name']}]")


def report_text(report: dict) -> str:
    out = [f"index report: {summary(report)}"]
    if report["foreign_keys"]:
        out += ["", "foreign keys:"]
        for f in report["foreign_keys"]:
            if f["index"] is not None:
                out.append(f"  {_fk_line(f)}: covered by {f['index']}")
            else:
                out.append(f"  {_fk_line(f)}: no index")
                out += [f"      {line}" for line in f["create"].splitlines()]
    if report["redundant_indexes"]:
        out += ["", "redundant indexes:"]
        for r in report["redundant_indexes"]:
            out += [f"  {qualified_text(r['schema'], r['table'])}: {r['index']} {r['how']} {r['of']}",
                    f"      {r['drop']}"]
    if report["unique_duplicates"]:
        out += ["", "unique indexes repeating a constraint:"]
        for r in report["unique_duplicates"]:
            out += [f"  {qualified_text(r['schema'], r['table'])}: {r['index']} duplicates the "
                    f"index of constraint {r['constraint']}", f"      {r['drop']}"]
    if report["tables_without_primary_key"]:
        out += ["", "tables without a primary key:"]
        out += [f"  {qualified_text(t['schema'], t['table'])}" for t in report["tables_without_primary_key"]]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def report_markdown(report: dict) -> str:
    out = [f"### Index report: {summary(report)}"]
    if report["foreign_keys"]:
        out += ["", "| foreign key | columns | references | covering index |", "|---|---|---|---|"]
        for f in report["foreign_keys"]:
            ref = f["references"]
            target = f"{qualified_text(ref['schema'], ref['table'])} ({_cols(ref['columns'])})" if ref["table"] else "?"
            index = f"`{_cell(f['index'])}`" if f["index"] else f":warning: none: `{_cell(f['create'])}`"
            out.append(f"| `{_cell(qualified_text(f['schema'], f['table']))}.{_cell(f['name'])}` | "
                       f"{_cell(_cols(f['columns']))} | {_cell(target)} | {index} |")
    drops = [(r, f"{r['how']} `{_cell(r['of'])}`") for r in report["redundant_indexes"]]
    drops += [(r, f"duplicates constraint `{_cell(r['constraint'])}`") for r in report["unique_duplicates"]]
    if drops:
        out += ["", "| table | index | why | drop it |", "|---|---|---|---|"]
        for r, why in drops:
            out.append(f"| `{_cell(qualified_text(r['schema'], r['table']))}` | `{_cell(r['index'])}` | "
                       f"{why} | `{_cell(r['drop'])}` |")
    if report["tables_without_primary_key"]:
        names = ", ".join(f"`{_cell(qualified_text(t['schema'], t['table']))}`"
                          for t in report["tables_without_primary_key"])
        out += ["", f"Tables without a primary key: {names}"]
    return "\n".join(out) + "\n"
