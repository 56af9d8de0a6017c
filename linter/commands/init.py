"""`schemalint init`: a starter `.schemalint.yaml` and, on request, CI configuration.

The GitHub workflow uses this repository's composite action (`action.yml`) with the inputs
documented there; the pre-commit configuration uses the hook id `schemalint` from
`.pre-commit-hooks.yaml`; the GitLab job writes a Code Quality report with `--format gitlab`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from schemalint.commands.common import write_file
from schemalint.config.keys import KEY_BY_NAME, SCHEMA_ID
from schemalint.discover.walk import SQL_SUFFIXES
from schemalint.errors import UsageError
from schemalint.version import __version__

REPO_URL = "https://github.com/schemalint/schemalint"
ACTION = "schemalint/schemalint"
# Directories frameworks keep SQL migrations in, most specific first.
CANDIDATE_DIRS = (
    "db/migrations", "db/migrate", "src/main/resources/db/migration", "supabase/migrations",
    "prisma/migrations", "sql/migrations", "database/migrations", "migrations", "sql",
)
CONFIG_FILE = ".schemalint.yaml"
GITHUB_FILE = ".github/workflows/schemalint.yml"
PRE_COMMIT_FILE = ".pre-commit-config.yaml"
GITLAB_FILE = ".gitlab-ci.yml"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="the migration directories (default: detected, else migrations)")
    p.add_argument("--github", action="store_true", help=f"also write {GITHUB_FILE}")
    p.add_argument("--pre-commit", action="store_true", help=f"also write {PRE_COMMIT_FILE}")
    p.add_argument("--gitlab", action="store_true", help=f"also write {GITLAB_FILE}")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")


def detect_paths(root: str = ".") -> list[str]:
    for candidate in CANDIDATE_DIRS:
        full = os.path.join(root, candidate)
        if os.path.isdir(full):
            for _dirpath, _dirs, files in os.walk(full):
                if any(f.lower().endswith(SQL_SUFFIXES) for f in files):
                    return [candidate]
    return ["migrations"]


def release_tag(version: str | None = None) -> str | None:
    """The git tag of this release (`v1.2.0`), or None for a development build: a version
    with a `.devN` or `+local` part (setuptools-scm's between tags, docs/releasing.md) has
    no tag, so nothing may name one. `version`: this schemalint's unless given."""
    version = __version__ if version is None else version
    if "dev" in version or "+" in version:
        return None
    return f"v{version}"


def _ref(version: str | None) -> tuple[str, str]:
    """The git ref the CI files use, and a YAML comment line to put above it (indented by the
    caller) when that ref is not a release tag."""
    version = __version__ if version is None else version
    tag = release_tag(version)
    if tag is not None:
        return tag, ""
    return "main", (f"# main: schemalint {version} is a development build; pin a release tag "
                    f"(vX.Y.Z, {REPO_URL}/releases)")


def github_workflow(version: str | None = None) -> str:
    ref, note = _ref(version)
    note = f"\n      {note}" if note else ""
    return f"""\
# schemalint: lint the PostgreSQL migrations a pull request adds or changes.
name: schemalint
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  pull-requests: write    # the pull request comment
  security-events: write  # upload SARIF to code scanning
jobs:
  schemalint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0  # changed-only checks need the merge base with the base branch{note}
      - uses: {ACTION}@{ref}
        with:
          config: {CONFIG_FILE}
          fail-on: error
          sarif-file: schemalint.sarif
          comment: "true"
      - uses: github/codeql-action/upload-sarif@v3
        if: always() && hashFiles('schemalint.sarif') != ''
        with:
          sarif_file: schemalint.sarif
          category: schemalint
"""


def pre_commit_config(version: str | None = None) -> str:
    ref, note = _ref(version)
    note = f"\n    {note}" if note else ""
    return f"""\
repos:
  - repo: {REPO_URL}{note}
    rev: {ref}
    hooks:
      - id: schemalint
"""


def gitlab_ci(version: str | None = None) -> str:
    ref, note = _ref(version)
    note = f"\n    {note}" if note else ""
    return f"""\
# schemalint: lint the PostgreSQL migrations; findings appear in the merge request's
# Code Quality widget. On merge requests only the changed migrations are reported.
schemalint:
  stage: test
  image: python:3.12
  variables:
    GIT_DEPTH: "0"  # changed-only checks need the merge base
  script:{note}
    - pip install "schemalint @ git+{REPO_URL}@{ref}"
    - schemalint check ${{CI_MERGE_REQUEST_DIFF_BASE_SHA:+--changed-since "$CI_MERGE_REQUEST_DIFF_BASE_SHA"}} --format gitlab > gl-code-quality-report.json
  cache:  # schemalint's own cache, kept from one pipeline to the next (docs/gitlab.md)
    key:
      files: [{CONFIG_FILE}]
      prefix: schemalint-{ref}
    paths: [.schemalint_cache/]
    when: always
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality-report.json
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""


def run(args) -> int:

    files = {CONFIG_FILE: starter_file(list(args.paths) or detect_paths())}
    if args.github:
        files[GITHUB_FILE] = github_workflow()
    if args.pre_commit:
        files[PRE_COMMIT_FILE] = pre_commit_config()
    if args.gitlab:
        files[GITLAB_FILE] = gitlab_ci()
    existing = [name for name in files if os.path.exists(name)]
    if existing and not args.force:
        hint = ""
        if PRE_COMMIT_FILE in existing:
            hint = f"\nTo keep {PRE_COMMIT_FILE}, add this under its `repos:` instead:\n" + \
                   pre_commit_config().split("\n", 1)[1]
        raise UsageError(f"{', '.join(existing)} already exist(s); nothing was written "
                         f"(--force overwrites){hint}")
    for name, content in files.items():
        if os.path.dirname(name):
            os.makedirs(os.path.dirname(name), exist_ok=True)
        write_file(name, content)
        print(f"wrote {name}", file=sys.stderr)
    return 0


def starter_file(paths: list[str]) -> str:
    """The commented `.schemalint.yaml` that `schemalint init` writes."""
    def flow(value) -> str:
        return json.dumps(value)

    out = [
        f"# schemalint {__version__} configuration. Reference: docs/configuration.md",
        f"# yaml-language-server: $schema={SCHEMA_ID.replace('/blob/', '/raw/')}",
        "",
        f"paths: {flow(paths)}",
        f"pg_version: {flow(KEY_BY_NAME['pg_version'].default)}",
        "assume_in_transaction: false",
        "fail_on: error",
        "",
        "# select: [ALL]                 # opt-in rules too",
        "# ignore: [sequential-primary-key]",
        "# severity:",
        "#   foreign-key-without-index: error",
        "# rules:",
        "#   table-without-timestamps: {created_column: created_at, updated_column: updated_at}",
        "# overrides:",
        "#   - paths: [\"legacy/**\"]",
        "#     ignore: [ALL]",
        "# require_reason: true           # suppression comments must say why",
        "",
    ]
    return "\n".join(out)
