"""The schema section of a pull request's report (`check --changed-since REF` with a
markdown or github report, as the GitHub Action runs it; github writes the markdown report
to the job summary): what the branch changes in the
schema since its merge base with REF, and the ERD of the tables it touches."""

from __future__ import annotations

from schemalint.commands.revisions import Side, at_ref, toplevel
from schemalint.config.resolve import Settings
from schemalint.errors import UsageError
from schemalint.schemadiff import diff_schemas, fold_points
from schemalint.schemadiff.render import review_markdown
from schemalint.schemadiff.touched import touched


def schema_review(settings: Settings, migrations: list, ref: str) -> str:
    """The section's markdown; a note instead when the base cannot be read."""
    try:
        top = toplevel()
        base = at_ref(settings, ref, merge_base=True)
    except UsageError as exc:
        return f"#### Schema changes\n\n> not shown: {exc}\n"
    head = Side(migrations, top, "this branch")
    config = settings.config
    points = fold_points(base.migrations, head.migrations, base.root, head.root,
                         config.pg_version, bool(config.assume_in_transaction))
    diff = diff_schemas(points.base, points.head, points.renames, points.note)
    data, marks, edges = touched(diff, points.base, points.head)
    names = [f"{name} ({mark['status'] or 'unchanged neighbour'})" for name, mark in marks.items()]
    return review_markdown(diff, None, sorted(names), edges)
