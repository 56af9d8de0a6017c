"""What a branch changes in the schema since its merge base with a git revision, for the
commands that show it: the schema section of a pull request's report (`check --changed-since
REF` with a markdown or github report, as the GitHub Action runs it; github writes the
markdown report to the job summary) and `schema --changed-since REF`'s picture of the tables
it touches."""

from __future__ import annotations

from schemalint.commands.revisions import Side, at_ref, toplevel
from schemalint.config.resolve import Settings
from schemalint.erd import mermaid
from schemalint.errors import UsageError
from schemalint.records import Record
from schemalint.schemadiff import diff_schemas, fold_points
from schemalint.schemadiff.render import DIFF_BUDGET, SECTION_BUDGET, review_markdown
from schemalint.schemadiff.touched import touched


class Changes(Record):
    """The diff since the merge base, and the touched tables (plus one foreign-key hop) as a
    dump with the marks the ERD renderers take and the number of edges between them."""

    __slots__ = ("data", "diff", "edges", "marks")

    def __init__(self, diff: dict, data: dict, marks: dict, edges: int) -> None:
        self.diff = diff
        self.data = data
        self.marks = marks
        self.edges = edges


def changes_since(settings: Settings, migrations: list, ref: str, cache_dir: str | None = None) -> Changes:
    """`migrations` (the working tree's, as collected) against the merge base of `ref` and
    HEAD. Raises UsageError when the revision cannot be read. `cache_dir`: the check's cache,
    whose checkpoint may hold the model at the merge base (the base branch's run stored it)."""
    top = toplevel()
    base = at_ref(settings, ref, merge_base=True)
    head = Side(migrations, top, "this branch")
    config = settings.config
    stored = None
    if cache_dir is not None:
        from schemalint.speed.cache import checkpoint_model

        def stored(lengths):
            return checkpoint_model(head.migrations, config, cache_dir, lengths)
    points = fold_points(base.migrations, head.migrations, base.root, head.root,
                         config.pg_version, bool(config.assume_in_transaction), stored)
    diff = diff_schemas(points.base, points.head, points.renames, points.note)
    data, marks, edges = touched(diff, points.base, points.head)
    return Changes(diff, data, marks, edges)


def schema_review(settings: Settings, migrations: list, ref: str, cache_dir: str | None = None) -> str:
    """The section's markdown; a note instead when the base cannot be read."""
    try:
        changes = changes_since(settings, migrations, ref, cache_dir)
    except UsageError as exc:
        return f"#### Schema changes\n\n> not shown: {exc}\n"
    names = [f"{name} ({mark['status'] or 'unchanged neighbour'})" for name, mark in changes.marks.items()]
    if not names:
        return review_markdown(changes.diff)
    # Every column while it fits beside the diff, else the key columns only.
    picture = mermaid.render(changes.data, changes.marks)
    if len(picture) > SECTION_BUDGET - DIFF_BUDGET:
        picture = mermaid.render(changes.data, changes.marks, columns="keys")
    return review_markdown(changes.diff, picture, sorted(names), changes.edges)
