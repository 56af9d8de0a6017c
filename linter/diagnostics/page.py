"""A rule's page in Markdown, from its metadata: docs/rules/<name>.md (`python -m
schemalint.docs`) and `schemalint rule NAME` print the same text."""

from __future__ import annotations

# How the peer linters that `Rule.equivalents` names are written on the page.
_PEERS = {"squawk": "squawk", "eugene": "eugene", "strong_migrations": "strong_migrations",
          "pgfence": "pgfence"}


def _versions(rule) -> str:
    if rule.min_pg is None and rule.max_pg is None:
        return "all"
    if rule.max_pg is None:
        return f"{rule.min_pg} and later"
    if rule.min_pg is None:
        return f"{rule.max_pg} and earlier"
    return f"{rule.min_pg} to {rule.max_pg}"


def rule_page(rule) -> str:
    lines = [
        f"# {rule.name} ({rule.code})",
        "",
        f"**{rule.summary}**",
        "",
        "| | |",
        "|---|---|",
        f"| Category | {rule.category} |",
        f"| Default severity | {rule.severity} |",
        f"| Enabled by default | {'yes' if rule.default_enabled else 'no (opt-in)'} |",
        f"| PostgreSQL versions | {_versions(rule)} |",
        f"| Fix | {rule.fix or 'none'} |",
        "",
        "## Why",
        "",
        rule.why,
        "",
        "## Instead",
        "",
        rule.instead,
        "",
    ]
    if rule.ok_when:
        lines += ["## Not reported when", "", rule.ok_when, ""]
    if rule.options:
        lines += ["## Options", "", "| option | default |", "|---|---|"]
        lines += [f"| `{k}` | `{v}` |" for k, v in rule.options.items()]
        lines += ["", f"Set them under `rules.{rule.name}` in `.schemalint.yaml`.", ""]
    for title, examples in (("Bad", rule.bad), ("Good", rule.good)):
        if examples:
            lines += [f"## {title}", ""]
            for sql in examples:
                lines += ["```sql", sql.rstrip(), "```", ""]
    eq = {k: v for k, v in rule.equivalents.items() if v}
    if eq:
        lines += ["## Equivalent peer checks", ""]
        lines += [f"- {_PEERS.get(k, k)}: {', '.join(f'`{x}`' for x in v)}" for k, v in eq.items()]
        lines += [""]
    if rule.category == "queries":
        # Its findings are in a queries file, which is not a migration: no comment reaches them.
        lines += ["## Suppress", "",
                  "In the configuration: `ignore: [" + rule.name + "]`, or for some queries files "
                  "only, an `overrides` entry whose `paths` match them (see "
                  "[the query-plan gate](../queries.md)).", ""]
        return "\n".join(lines)
    lines += [
        "## Suppress",
        "",
        "```sql",
        f"-- schemalint: ignore[{rule.name}] <reason>",
        "```",
        "",
    ]
    return "\n".join(lines)
