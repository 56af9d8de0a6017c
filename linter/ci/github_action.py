"""The GitHub Action's logic (`action.yml` runs `python -m schemalint.ci.github_action`).

Reads the action's inputs from `INPUT_*` variables and the event payload from
`$GITHUB_EVENT_PATH`, then runs `schemalint check` once with annotations on stdout
(`--format github`, which also appends the Markdown report to `$GITHUB_STEP_SUMMARY`), a JSON
report for the counts and a Markdown report for the pull request comment. When only changed
migrations are reported, the SARIF file comes from a separate, complete static pass, run first:
code scanning treats alerts missing from an upload as fixed, so the upload must cover every
migration.

Outputs (`$GITHUB_OUTPUT`): errors, warnings, infos, sarif-file. The exit status is check's:
0 clean, 1 findings at or above fail-on, 2 usage or internal error. Posting the comment never
fails the step: when the token cannot write (pull requests from forks), the report stays in
the job summary and a note says why.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shlex
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from schemalint.cli import main as cli_main
from schemalint.report.markdown_report import FINDINGS_MARK
from schemalint.schemadiff.render import SCHEMA_CHANGES

MARKER = "<!-- schemalint-report -->"
# GitHub rejects comment bodies over 65,536 characters.
COMMENT_LIMIT = 65_000
NULL_SHA = "0" * 40
_TRUE = ("on", "true", "yes", "1")
_FALSE = ("off", "false", "no", "0", "")


class ActionError(Exception):
    """A problem with the action's inputs or environment, shown as an error annotation."""


def flag(name: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ActionError(f"input `{name}`: expected on or off, got {value!r}")


@dataclass
class Inputs:
    paths: list[str]
    config: str
    fail_on: str
    changed_since: str
    sarif_file: str
    replay: bool
    pg_version: str
    comment: bool
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        def get(name: str, default: str = "") -> str:
            return env.get("INPUT_" + name.upper().replace("-", "_"), default).strip()

        return cls(
            paths=shlex.split(get("paths")),
            config=get("config"),
            fail_on=get("fail-on"),
            changed_since=get("changed-since", "auto"),
            sarif_file=get("sarif-file"),
            replay=flag("replay", get("replay")),
            pg_version=get("pg-version"),
            comment=flag("comment", get("comment")),
            token=get("token"),
        )


def load_event(env: Mapping[str, str]) -> dict:
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def base_ref(value: str, event_name: str, event: dict) -> str | None:
    """The git ref to report changes since, or None to report everything."""
    if value.lower() in ("none", "off", "all", ""):
        return None
    if value.lower() != "auto":
        return value
    if "pull_request" in event:  # pull_request, pull_request_target, review events
        return event["pull_request"]["base"]["sha"]
    if event_name == "merge_group":
        return event["merge_group"]["base_sha"]
    if event_name == "push":
        before = event.get("before") or NULL_SHA
        # A newly pushed branch has no "before": everything on it is new.
        return None if before == NULL_SHA else before
    return None


def _check_ref_present(ref: str) -> None:
    """Fail early, with the fix, when the base commit is not in a shallow checkout."""
    try:
        present = subprocess.run(["git", "cat-file", "-e", f"{ref}^{{commit}}"],
                                 capture_output=True).returncode == 0
    except OSError:
        return  # no git: schemalint reports it
    if not present:
        raise ActionError(
            f"commit {ref} (the base to compare with) is not in this checkout: "
            "set `fetch-depth: 0` on actions/checkout, or `changed-since: none`"
        )


def check_argv(inputs: Inputs, since: str | None, json_path: str, md_path: str) -> list[str]:
    argv = ["check", *inputs.paths, "--format", "github",
            "--output", f"json:{json_path}", "--output", f"markdown:{md_path}"]
    argv += _common(inputs)
    if since:
        argv += ["--changed-since", since]
    elif inputs.sarif_file:
        argv += ["--output", f"sarif:{inputs.sarif_file}"]
    if inputs.replay:
        argv.append("--replay")
    return argv


def _common(inputs: Inputs) -> list[str]:
    argv = []
    if inputs.config:
        argv += ["--config", inputs.config]
    if inputs.fail_on:
        argv += ["--fail-on", inputs.fail_on]
    if inputs.pg_version:
        argv += ["--pg-version", inputs.pg_version]
    return argv


def _schemalint(argv: list[str], quiet: bool = False) -> int:
    print("schemalint " + shlex.join(argv), flush=True)
    if not quiet:
        code = cli_main(argv)
        sys.stdout.flush()
        return code
    with contextlib.redirect_stdout(io.StringIO()):
        return cli_main(argv)


def write_outputs(env: Mapping[str, str], values: dict[str, object]) -> None:
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}={value}\n")


def append_summary(env: Mapping[str, str], text: str) -> None:
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text.rstrip("\n") + "\n")
    else:
        print(text)


# --- the pull request comment ------------------------------------------------------------

class GitHub:
    """The few REST calls the comment needs, with urllib (no extra dependency)."""

    def __init__(self, api_url: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token

    def request(self, method: str, path: str, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.api_url + path, data=data, method=method, headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.token}",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "schemalint-action",
            "Content-Type": "application/json",
        })
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"null")

    def find_comment(self, repo: str, number: int) -> int | None:
        page = 1
        while True:
            comments = self.request("GET", f"/repos/{repo}/issues/{number}/comments"
                                           f"?per_page=100&page={page}")
            for c in comments:
                if MARKER in (c.get("body") or ""):
                    return c["id"]
            if len(comments) < 100:
                return None
            page += 1

    def upsert_comment(self, repo: str, number: int, body: str, create: bool) -> str:
        existing = self.find_comment(repo, number)
        if existing is not None:
            self.request("PATCH", f"/repos/{repo}/issues/comments/{existing}", {"body": body})
            return "updated"
        if not create:
            return "skipped"
        self.request("POST", f"/repos/{repo}/issues/{number}/comments", {"body": body})
        return "created"


def comment_body(markdown: str, env: Mapping[str, str]) -> str:
    run_url = ""
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        run_url = f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    footer = f"\n[Full report in the job summary]({run_url})\n" if run_url else ""
    body = f"{MARKER}\n{markdown.rstrip()}\n{footer}"
    if len(body) > COMMENT_LIMIT:
        # The summary and the schema changes (bounded: schemadiff.render.SECTION_BUDGET) stay.
        mark = FINDINGS_MARK if FINDINGS_MARK in markdown else "\n<details"
        head = markdown.split(mark, 1)[0]
        body = (f"{MARKER}\n{head.rstrip()}\n\nThe findings are too many for a comment; "
                f"they are in the job summary and the annotations.\n{footer}")
    return body


def post_comment(env: Mapping[str, str], event: dict, inputs: Inputs, markdown: str,
                 has_findings: bool) -> str:
    """Create or update the report comment. Returns what happened, for the log."""
    pr = event.get("pull_request")
    if not pr:
        return "not a pull request: no comment"
    head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
    base_repo = ((pr.get("base") or {}).get("repo") or {}).get("full_name")
    fallback = ("the pull request comes from a fork, whose token cannot write comments: "
                "the report is in this job summary")
    if head_repo != base_repo:
        append_summary(env, f"> [!NOTE]\n> schemalint: {fallback}.")
        return fallback
    if not inputs.token:
        raise ActionError("input `comment` is on but `token` is empty")
    api = GitHub(env.get("GITHUB_API_URL", "https://api.github.com"), inputs.token)
    try:
        return "comment " + api.upsert_comment(base_repo, int(pr["number"]),
                                               comment_body(markdown, env), create=has_findings)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403, 404):  # a read-only token answers 403 (or 404 when private)
            note = (f"the token cannot write the pull request comment (HTTP {exc.code}; it needs "
                    "`pull-requests: write`): the report is in this job summary")
            append_summary(env, f"> [!NOTE]\n> schemalint: {note}.")
            print(f"::warning title=schemalint::{note}")
            return note
        raise
    except (urllib.error.URLError, OSError) as exc:
        print(f"::warning title=schemalint::could not post the pull request comment: {exc}")
        return f"comment failed: {exc}"


def run(env: Mapping[str, str]) -> int:
    inputs = Inputs.from_env(env)
    event = load_event(env)
    since = base_ref(inputs.changed_since, env.get("GITHUB_EVENT_NAME", ""), event)
    if since:
        _check_ref_present(since)
    work = tempfile.mkdtemp(prefix="schemalint-", dir=env.get("RUNNER_TEMP") or None)
    json_path, md_path = os.path.join(work, "report.json"), os.path.join(work, "report.md")

    full_code = None
    if since and inputs.sarif_file:
        # The complete pass first: the changed-only pass below then takes its findings from
        # the cache this one fills, instead of checking the whole history a second time.
        full = ["check", *inputs.paths, "--format", "json",
                "--output", f"sarif:{inputs.sarif_file}", *_common(inputs)]
        full_code = _schemalint(full, quiet=True)
    code = _schemalint(check_argv(inputs, since, json_path, md_path))
    if not os.path.exists(json_path):  # usage or internal error: schemalint said why
        return code or 2
    with open(json_path, encoding="utf-8") as fh:
        summary = json.load(fh)["summary"]
    if full_code == 2:
        raise ActionError("the complete pass for the SARIF file failed")
    write_outputs(env, {"errors": summary["error"], "warnings": summary["warning"],
                        "infos": summary["info"], "sarif-file": inputs.sarif_file})
    if inputs.comment:
        with open(md_path, encoding="utf-8") as fh:
            markdown = fh.read()
        # A pull request that changes the schema gets the comment even without findings.
        print("schemalint: " + post_comment(env, event, inputs, markdown,
                                            has_findings=summary["diagnostics"] > 0
                                            or SCHEMA_CHANGES in markdown))
    return code


def main() -> int:
    try:
        return run(os.environ)
    except ActionError as exc:
        print(f"::error title=schemalint::{exc}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
