"""Generated configuration artefacts: the JSON Schema shipped as `linter/schemalint.schema.json`
and the reference page docs/configuration.md, both made from `config.keys.KEYS` and the rule
catalog (`python -m schemalint.docs` writes them; a test fails when they are stale)."""

from __future__ import annotations

import json
from pathlib import Path

from schemalint.check.catalog import catalog
from schemalint.config.keys import KEYS, SCHEMA_FILE, SCHEMA_ID, SEVERITIES, Key
from schemalint.discover.layouts import layout_names


def _json_type(default) -> dict:
    if isinstance(default, bool):
        return {"type": "boolean"}
    if isinstance(default, int):
        return {"type": "integer"}
    if isinstance(default, float):
        return {"type": "number"}
    if isinstance(default, (list, tuple)):
        return {"type": "array", "items": {"type": "string"}}
    return {"type": "string"}


def _schema_for(key: Key, rules) -> dict:
    strings = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    kind = key.kind
    if kind == "string":
        s: dict = {"type": "string"}
    elif kind == "boolean":
        s = {"type": "boolean"}
    elif kind == "integer":
        s = {"type": "integer", "minimum": 0}
    elif kind == "rows":
        count = {"type": "integer", "minimum": 0}
        s = {"oneOf": [count, {"type": "object", "additionalProperties": count}]}
    elif kind == "number":
        s = {"type": "number", "minimum": 0}
    elif kind == "enum":
        s = {"enum": list(key.choices)}
    elif kind == "version":
        s = {"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]+)?$"}
    elif kind == "layout":
        names = {"enum": list(layout_names())}
        s = {"oneOf": [names, {"type": "object", "additionalProperties": names}]}
    elif kind in ("paths", "globs", "names"):
        s = dict(strings)
    elif kind == "selectors":
        s = dict(strings)
    elif kind == "extensions":
        s = {"type": "array", "items": {"enum": list(key.choices)}}
    elif kind == "string-map":
        s = {"type": "object", "additionalProperties": {"type": ["string", "number"]}}
    elif kind == "severity-map":
        s = {"type": "object", "additionalProperties": {"enum": list(SEVERITIES)}}
    elif kind == "rule-options":
        props = {}
        for r in rules:
            if r.options:
                props[r.name] = {
                    "type": "object", "description": r.summary, "additionalProperties": False,
                    "properties": {o: {**_json_type(d), "default": list(d) if isinstance(d, tuple) else d}
                                   for o, d in r.options.items()},
                }
        s = {"type": "object", "additionalProperties": False, "properties": props}
    elif kind == "section":
        s = _object_schema(key.keys, rules)
    elif kind == "overrides":
        s = {"type": "array", "items": _object_schema(key.keys, rules)}
    else:  # pragma: no cover
        raise AssertionError(kind)
    s["description"] = key.help
    if key.default not in (None, [], {}):
        s["default"] = key.default
    return s


def _object_schema(keys: tuple[Key, ...], rules) -> dict:
    out: dict = {"type": "object", "additionalProperties": False,
                 "properties": {k.name: _schema_for(k, rules) for k in keys}}
    required = [k.name for k in keys if k.required]
    if required:
        out["required"] = required
    return out


def json_schema() -> dict:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "schemalint configuration",
        "description": "`.schemalint.yaml`, or the [tool.schemalint] table of pyproject.toml. "
                       "Generated from schemalint's configuration spec; do not edit.",
    }
    schema.update(_object_schema(KEYS, catalog()))
    return schema


_KIND_TEXT = {
    "string": "string", "boolean": "boolean", "integer": "integer", "number": "number",
    "rows": "integer, or mapping of table to integer",
    "enum": "one of {choices}", "version": "version", "layout": "layout name",
    "paths": "list of paths", "globs": "list of globs", "names": "list of names", "selectors": "list of rule selectors",
    "extensions": "list of {choices}",
    "string-map": "mapping of name to string", "severity-map": "mapping of rule to severity",
    "rule-options": "mapping of rule to options", "section": "mapping",
    "overrides": "list of mappings",
}


def _kind_text(key: Key) -> str:
    return _KIND_TEXT[key.kind].format(choices=", ".join(f"`{c}`" for c in key.choices))


def _default_text(key: Key) -> str:
    if key.default is None:
        return "—"
    return f"`{json.dumps(key.default)}`"


def _key_table(keys: tuple[Key, ...]) -> list[str]:
    rows = ["| key | type | default | command line | meaning |", "|---|---|---|---|---|"]
    for k in keys:
        meaning = k.help.replace("|", "\\|") + (" Required." if k.required else "")
        rows.append(f"| `{k.name}` | {_kind_text(k)} | {_default_text(k)} | "
                    f"{('`' + k.flag + '`') if k.flag.startswith('--') else (k.flag or '—')} | {meaning} |")
    return rows


EXAMPLE = """\
paths: [db/migrations]
exclude: ["db/migrations/seeds/**"]
pg_version: "14"
assume_in_transaction: true
extend_select: [SL3]
ignore: [sequential-primary-key]
severity:
  drop-index-non-concurrently: error
rules:
  table-without-timestamps: {created_column: inserted_at, updated_column: updated_at}
overrides:
  - paths: ["db/migrations/2019*", "db/migrations/legacy"]
    ignore: [schema]
    severity: {locking: warning}
fail_on: warning
require_reason: true
replay:
  rows: 10000
  lock_threshold_ms: 200
"""

EXAMPLE_TOML = """\
[tool.schemalint]
paths = ["db/migrations"]
pg_version = "14"
ignore = ["sequential-primary-key"]
fail_on = "warning"

[tool.schemalint.rules.table-without-timestamps]
created_column = "inserted_at"

[[tool.schemalint.overrides]]
paths = ["db/migrations/legacy"]
ignore = ["schema"]
"""


def reference_page() -> str:
    lines = [
        "# Configuration reference",
        "",
        "<!-- generated by `python -m schemalint.docs` from linter/config/keys.py; do not edit -->",
        "",
        "schemalint reads `.schemalint.yaml` (or `.schemalint.yml`), or the `[tool.schemalint]` "
        "table of `pyproject.toml`, from the working directory or the nearest parent directory "
        "that has one; `--config PATH` names a file and `--no-config` ignores them. Relative paths "
        "and globs in the file are relative to the file's directory. Command-line flags override "
        "the file. `schemalint config` prints the effective configuration and where each value "
        "came from. See the [configuration guide](configuring.md) for worked examples.",
        "",
        f"Editors can complete and check the file with the JSON Schema `linter/{SCHEMA_FILE}` "
        "(for the YAML language server, first line "
        f"`# yaml-language-server: $schema={SCHEMA_ID.replace('/blob/', '/raw/')}`).",
        "",
        "Unknown keys, unknown rule names and values of the wrong type are errors naming the file, "
        "line and key (exit code 2).",
        "",
        "## Keys",
        "",
        *_key_table(KEYS),
        "",
        "Rule selectors are a rule code (`SL101`), a rule name (`create-index-non-concurrently`), "
        "a code prefix (`SL1`), a category (`locking`, `breaking`, `schema`, `types`, "
        "`transactions`, `timeouts`, `extensions`, `engine`) or `ALL`.",
        "",
    ]
    for key in KEYS:
        if key.keys:
            lines += [f"## `{key.name}`", "", key.help, "", *_key_table(key.keys), ""]
    lines += ["## Example", "", "```yaml title=.schemalint.yaml", EXAMPLE.rstrip(), "```", "",
              "The same in `pyproject.toml`:", "", "```toml title=pyproject.toml",
              EXAMPLE_TOML.rstrip(), "```", ""]
    lines += ["## Rule options", "", "Set under `rules:`; the type of each option is that of its default.", "",
              "| rule | option | default |", "|---|---|---|"]
    for r in catalog():
        for opt, default in r.options.items():
            shown = list(default) if isinstance(default, tuple) else default
            lines.append(f"| [{r.name}](rules/{r.name}.md) | `{opt}` | `{json.dumps(shown)}` |")
    lines.append("")
    return "\n".join(lines)


def generated_files(root: Path) -> dict[Path, str]:
    """Files `python -m schemalint.docs` writes and the staleness test checks."""
    return {
        root / "docs" / "configuration.md": reference_page(),
        root / "linter" / SCHEMA_FILE: json.dumps(json_schema(), indent=2) + "\n",
    }
