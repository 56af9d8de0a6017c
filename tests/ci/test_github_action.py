"""The GitHub Action: its metadata, and its steps in a fake GitHub environment (event file,
GITHUB_STEP_SUMMARY, GITHUB_OUTPUT, GITHUB_WORKSPACE, RUNNER_TEMP), with the pull request
comment posted to a local HTTP server standing in for the REST API (GITHUB_API_URL)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from schemalint.ci import github_action
from schemalint.ci.github_action import MARKER, Inputs, base_ref
from tests.ci.harness import FakeCache, job_env, run_action
from tests.helpers import check_supports, git

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
REPO = "acme/shop"
BAD = "CREATE INDEX orders_region_idx ON orders (region);\n"
BASE = ("CREATE TABLE orders (id uuid PRIMARY KEY, region text, created_at timestamptz,"
        " updated_at timestamptz);\n")


needs_changed_since = pytest.mark.skipif(
    not check_supports("--changed-since"), reason="needs --changed-since (the config work on issue 5)")


# --- metadata ------------------------------------------------------------------------------

def test_action_yml_validates_against_the_github_actions_schema(tmp_path):
    def validate(path: Path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema",
                               "vendor.github-actions", str(path)], capture_output=True, text=True)

    ok = validate(ACTION)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # The schema catches a broken action (a composite step without `shell`).
    broken = yaml.safe_load(ACTION.read_text())
    del broken["runs"]["steps"][1]["shell"]
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken))
    assert validate(tmp_path / "action.yml").returncode != 0


def test_every_input_reaches_the_script_and_every_output_is_written():
    action = yaml.safe_load(ACTION.read_text())
    steps = {step.get("id"): step for step in action["runs"]["steps"]}
    step = steps["check"]
    # `cache` is read by the step that keys the cache (linter/ci/cache_key.py), with the
    # inputs that are part of the key.
    key_inputs = {"cache", "config", "pg-version"}
    for name in action["inputs"]:
        var = "INPUT_" + name.upper().replace("-", "_")
        env = steps["cache-key"]["env"] if name == "cache" else step["env"]
        assert env[var] == "${{ inputs." + name + " }}"
        if name in key_inputs:
            assert steps["cache-key"]["env"][var] == "${{ inputs." + name + " }}"
    fields = {f.replace("_", "-") for f in Inputs.__dataclass_fields__}
    assert fields | {"cache"} == set(action["inputs"])
    source = Path(github_action.__file__).read_text()
    for name, output in action["outputs"].items():
        assert output["value"] == f"${{{{ steps.{step['id']}.outputs.{name} }}}}"
        assert f'"{name}"' in source
    # Installed from the action's own checkout: the action ref and the tool version match.
    assert '"${{ github.action_path }}"' in action["runs"]["steps"][0]["run"]


# --- which commits to compare with ----------------------------------------------------------

def test_base_ref_from_the_event():
    pr = {"pull_request": {"base": {"sha": "abc"}, "number": 1}}
    assert base_ref("auto", "pull_request", pr) == "abc"
    assert base_ref("auto", "pull_request_target", pr) == "abc"
    assert base_ref("auto", "push", {"before": "def"}) == "def"
    assert base_ref("auto", "push", {"before": "0" * 40}) is None  # a new branch
    assert base_ref("auto", "merge_group", {"merge_group": {"base_sha": "fed"}}) == "fed"
    assert base_ref("auto", "schedule", {}) is None
    assert base_ref("none", "pull_request", pr) is None
    assert base_ref("origin/main", "pull_request", pr) == "origin/main"


def test_flags_accept_on_off_and_true_false():
    env = {"INPUT_REPLAY": "on", "INPUT_COMMENT": "false", "INPUT_PATHS": "db/a 'db/b c'"}
    inputs = Inputs.from_env(env)
    assert inputs.replay is True and inputs.comment is False
    assert inputs.paths == ["db/a", "db/b c"]
    with pytest.raises(github_action.ActionError, match="input `replay`"):
        Inputs.from_env({"INPUT_REPLAY": "maybe"})


# --- the fake GitHub environment -------------------------------------------------------------

@pytest.fixture
def github(tmp_path, monkeypatch):
    """A workspace with two commits (the base: a table; the pull request: a blocking index)
    and the files and variables a runner provides."""
    ws = tmp_path / "workspace"
    (ws / "db" / "migrations").mkdir(parents=True)
    git(ws, "init", "-q")
    # One rule, so that rules added later do not change the counts these tests check.
    (ws / "schemalint.yaml").write_text("select: [create-index-non-concurrently]\n")
    (ws / "db" / "migrations" / "001_orders.sql").write_text(BASE)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "base")
    base = git(ws, "rev-parse", "HEAD")
    (ws / "db" / "migrations" / "002_index.sql").write_text(BAD)
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "pr")
    event = {
        "number": 7,
        "pull_request": {"number": 7, "base": {"sha": base, "repo": {"full_name": REPO}},
                         "head": {"sha": git(ws, "rev-parse", "HEAD"),
                                  "repo": {"full_name": REPO}}},
        "repository": {"full_name": REPO},
    }
    runner = tmp_path / "runner"
    runner.mkdir()
    (runner / "event.json").write_text(json.dumps(event))
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(runner / "event.json"), "GITHUB_WORKSPACE": str(ws),
        "GITHUB_STEP_SUMMARY": str(runner / "summary.md"), "GITHUB_OUTPUT": str(runner / "output"),
        "GITHUB_REPOSITORY": REPO, "GITHUB_RUN_ID": "42", "GITHUB_SERVER_URL": "https://github.com",
        "RUNNER_TEMP": str(runner), "INPUT_PATHS": "db/migrations", "INPUT_CHANGED_SINCE": "none",
        "INPUT_SARIF_FILE": "schemalint.sarif", "INPUT_COMMENT": "off", "INPUT_REPLAY": "off",
        "INPUT_TOKEN": "t0ken", "INPUT_CONFIG": "schemalint.yaml",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ws)

    class GitHubEnv:
        workspace = ws
        base_sha = base
        summary = runner / "summary.md"
        output = runner / "output"

        def set(self, **inputs):
            for key, value in inputs.items():
                monkeypatch.setenv("INPUT_" + key.upper(), value)

        def outputs(self) -> dict:
            return dict(line.split("=", 1) for line in self.output.read_text().splitlines())

        def event(self, **changes):
            data = json.loads((runner / "event.json").read_text())
            data["pull_request"].update(changes)
            (runner / "event.json").write_text(json.dumps(data))

    return GitHubEnv()


def test_annotations_summary_sarif_and_outputs(github, capsys):
    assert github_action.run(os.environ) == 1
    out = capsys.readouterr().out
    annotation = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(annotation) == 1
    assert annotation[0].startswith("::error file=db/migrations/002_index.sql,line=1,col=35,")
    assert github.summary.read_text().startswith("### schemalint: 1 error")
    sarif = json.loads((github.workspace / "schemalint.sarif").read_text())
    [result] = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "db/migrations/002_index.sql"
    assert github.outputs() == {"errors": "1", "warnings": "0", "infos": "0",
                                "sarif-file": "schemalint.sarif"}


def test_fail_on_never_passes_but_still_reports(github, capsys):
    github.set(fail_on="never")
    assert github_action.run(os.environ) == 0
    assert github.outputs()["errors"] == "1"


def test_a_usage_error_fails_the_step_with_exit_2(github, capsys):
    github.set(fail_on="sometimes")
    assert github_action.run(os.environ) == 2
    assert not github.output.exists()


@needs_changed_since
def test_only_what_the_pull_request_changed(github, capsys):
    # Rebuild the pull request on a base that already has a finding of its own
    # (001a, committed before): only the pull request's file is annotated, while the SARIF
    # file still covers everything.
    ws = github.workspace
    head = git(ws, "rev-parse", "HEAD")
    git(ws, "checkout", "-q", github.base_sha)
    (ws / "db" / "migrations" / "001a_legacy.sql").write_text(BAD.replace("orders_region", "legacy"))
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "legacy finding")
    base = git(ws, "rev-parse", "HEAD")
    git(ws, "cherry-pick", head)
    github.set(changed_since=base)
    github_action.run(os.environ)
    out = capsys.readouterr().out
    assert "file=db/migrations/002_index.sql" in out
    assert "file=db/migrations/001a_legacy.sql" not in out
    sarif = json.loads((ws / "schemalint.sarif").read_text())
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in sarif["runs"][0]["results"]}
    assert uris == {"db/migrations/001a_legacy.sql", "db/migrations/002_index.sql"}
    assert github.outputs()["errors"] == "1"  # the counts are what was reported


@needs_changed_since
def test_the_changed_only_pass_takes_the_complete_pass_findings_from_the_cache(
        github, capsys, monkeypatch):
    """The complete pass (for the SARIF file) runs first and fills the cache; the history
    is checked once, not twice."""
    import schemalint.speed.checkpoint

    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)  # conftest.py turns it off
    checks = []
    real = schemalint.speed.checkpoint.lint  # the lint stage with the cache on
    monkeypatch.setattr(schemalint.speed.checkpoint, "lint", lambda *a, **k: checks.append(k) or real(*a, **k))
    github.set(changed_since=github.base_sha)
    assert github_action.run(os.environ) == 1
    out = capsys.readouterr().out
    commands = [line for line in out.splitlines() if line.startswith("schemalint check")]
    assert len(commands) == 2 and "--changed-since" in commands[1]
    assert len(checks) == 1 and checks[0].get("reported") is None  # the complete pass only
    assert "file=db/migrations/002_index.sql" in out
    assert github.outputs()["errors"] == "1"
    assert (github.workspace / "schemalint.sarif").exists()


@needs_changed_since
def test_auto_uses_the_pull_request_base(github, capsys):
    github.set(changed_since="auto")
    assert github_action.run(os.environ) == 1
    assert f"--changed-since {github.base_sha}" in capsys.readouterr().out


def test_a_missing_base_commit_says_how_to_fetch_it(github, capsys, monkeypatch):
    github.set(changed_since="0123456789abcdef0123456789abcdef01234567")
    monkeypatch.setattr(sys, "argv", ["github_action"])
    assert github_action.main() == 2
    assert "fetch-depth: 0" in capsys.readouterr().out


# --- the pull request comment -----------------------------------------------------------------

class FakeAPI:
    """GitHub's issue-comment endpoints, in memory, on 127.0.0.1."""

    def __init__(self, comments=(), status: int = 200):
        self.comments = [dict(c) for c in comments]
        self.requests: list[tuple[str, str, dict | None]] = []
        self.status = status
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, code: int, body) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                api.requests.append((method, self.path, body))
                assert self.headers["Authorization"] == "Bearer t0ken"
                if api.status != 200:
                    return self._reply(api.status, {"message": "Resource not accessible by integration"})
                m = re.fullmatch(r"/repos/acme/shop/issues/7/comments\?per_page=100&page=(\d+)", self.path)
                if method == "GET" and m:
                    page = int(m.group(1))
                    return self._reply(200, api.comments[(page - 1) * 100: page * 100])
                if method == "POST" and self.path == "/repos/acme/shop/issues/7/comments":
                    api.comments.append({"id": 900 + len(api.comments), "body": body["body"]})
                    return self._reply(201, api.comments[-1])
                m = re.fullmatch(r"/repos/acme/shop/issues/comments/(\d+)", self.path)
                if method == "PATCH" and m:
                    for c in api.comments:
                        if c["id"] == int(m.group(1)):
                            c["body"] = body["body"]
                            return self._reply(200, c)
                return self._reply(404, {"message": "Not Found"})

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def test_comment_is_created(github, capsys, monkeypatch):
    github.set(comment="on")
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 1
    [(method, path, body)] = [r for r in api.requests if r[0] != "GET"]
    assert (method, path) == ("POST", "/repos/acme/shop/issues/7/comments")
    assert body["body"].startswith(MARKER + "\n### schemalint: 1 error")
    assert "https://github.com/acme/shop/actions/runs/42" in body["body"]
    assert "comment created" in capsys.readouterr().out


def test_comment_is_updated_not_duplicated(github, capsys, monkeypatch):
    github.set(comment="true")
    others = [{"id": i, "body": f"comment {i}"} for i in range(1, 131)]  # two pages
    mine = {"id": 131, "body": MARKER + "\nold report"}
    with FakeAPI([*others, mine]) as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        github_action.run(os.environ)
    writes = [r for r in api.requests if r[0] != "GET"]
    assert [(m, p) for m, p, _ in writes] == [("PATCH", "/repos/acme/shop/issues/comments/131")]
    assert api.comments[-1]["body"].startswith(MARKER + "\n### schemalint: 1 error")
    assert len(api.comments) == 131


def test_no_comment_is_created_for_a_clean_pull_request(github, capsys, monkeypatch):
    (github.workspace / "db" / "migrations" / "002_index.sql").write_text(
        BAD.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
    github.set(comment="on")
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 0
    assert [r[0] for r in api.requests] == ["GET"]


def test_fork_pull_requests_fall_back_to_the_summary(github, capsys, monkeypatch):
    github.set(comment="on")
    github.event(head={"sha": "f" * 40, "repo": {"full_name": "someone/shop"}})
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 1
    assert api.requests == []  # a fork's token cannot write: do not even try
    summary = github.summary.read_text()
    assert summary.startswith("### schemalint: 1 error")  # the full report is there
    assert "comes from a fork" in summary


def test_a_read_only_token_falls_back_to_the_summary(github, capsys, monkeypatch):
    github.set(comment="on")
    with FakeAPI(status=403) as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 1  # the check's verdict, not the comment's
    assert "HTTP 403" in github.summary.read_text()
    assert "::warning title=schemalint::the token cannot write" in capsys.readouterr().out


# --- the composite action's steps, run as a runner would --------------------------------------

@pytest.mark.slow
def test_composite_steps_run_in_a_fake_runner(github, tmp_path):
    """Each step of action.yml run as the runner does (tests/ci/harness.py): the install step
    builds a virtualenv from this checkout; the cache steps restore nothing on a first run
    and save the cache the check filled."""
    runner = Path(os.environ["RUNNER_TEMP"])
    cache = FakeCache(tmp_path / "caches")
    env = {**job_env(runner), "GITHUB_RUN_ID": "42", "GITHUB_RUN_ATTEMPT": "1"}
    run = run_action(github.workspace, runner, {
        "paths": "db/migrations", "changed-since": "none", "token": "t0ken",
        "config": "schemalint.yaml"}, cache, env)
    for name, result in run.results.items():
        assert result.returncode == (1 if name == "check" else 0), result.stdout + result.stderr
    assert run.skipped == []
    check = run.results["check"]
    assert "::error file=db/migrations/002_index.sql,line=1,col=35," in check.stdout
    assert github.summary.read_text().startswith("### schemalint: 1 error")
    assert json.loads((github.workspace / "schemalint.sarif").read_text())["version"] == "2.1.0"
    action = yaml.safe_load(ACTION.read_text())
    assert {name: run.outputs["check"][name] for name in action["outputs"]} == {
        "errors": "1", "warnings": "0", "infos": "0", "sarif-file": "schemalint.sarif"}
    # Saved although the check step failed: the next run starts from it.
    assert [key for key, _ in cache.entries] == [run.outputs["cache-key"]["key"]]
    assert run.outputs["cache-key"]["path"] == str(github.workspace / ".schemalint_cache")


# --- the schema changes in the comment and the job summary --------------------------------------

@needs_changed_since
def test_comment_and_summary_show_the_schema_changes(github, capsys, monkeypatch):
    github.set(comment="on", changed_since=github.base_sha)
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 1
    [(_, _, body)] = [r for r in api.requests if r[0] == "POST"]
    for text in (body["body"], github.summary.read_text()):
        assert "#### Schema changes: 1 table changed (1 altered)" in text
        assert "```diff\n~ table orders\n+   index orders_region_idx using btree (region)\n```" in text
        assert "<details open><summary>ERD: 1 table (those changed" in text
        assert '```mermaid\nerDiagram\n    "orders (~ altered)" {' in text
        # The schema changes come before the findings.
        assert text.index("#### Schema changes") < text.index("002_index.sql")


@needs_changed_since
def test_a_clean_pull_request_that_changes_the_schema_gets_a_comment(github, capsys, monkeypatch):
    (github.workspace / "db" / "migrations" / "002_index.sql").write_text(
        BAD.replace("CREATE INDEX", "CREATE INDEX CONCURRENTLY"))
    github.set(comment="on", changed_since=github.base_sha)
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 0
    [(_, _, body)] = [r for r in api.requests if r[0] == "POST"]
    assert body["body"].startswith(MARKER + "\n### schemalint: no findings — passed")
    assert "#### Schema changes: 1 table changed" in body["body"]


@needs_changed_since
def test_a_comment_too_long_keeps_the_schema_changes_and_drops_the_findings(github, capsys, monkeypatch):
    many = "".join(f"CREATE INDEX orders_region_{i}_idx ON orders (region);\n" for i in range(1500))
    (github.workspace / "db" / "migrations" / "002_index.sql").write_text(many)
    github.set(comment="on", changed_since=github.base_sha)
    with FakeAPI() as api:
        monkeypatch.setenv("GITHUB_API_URL", api.url)
        assert github_action.run(os.environ) == 1
    [(_, _, body)] = [r for r in api.requests if r[0] == "POST"]
    text = body["body"]
    assert len(text) <= github_action.COMMENT_LIMIT < 65_536
    assert text.startswith(MARKER + "\n### schemalint: 1500 errors")
    assert "#### Schema changes: 1 table changed (1 altered)" in text
    assert "more lines: `schemalint diff` shows them all" in text
    assert "The findings are too many for a comment" in text and "002_index.sql</code>" not in text
    # The job summary has everything.
    assert "002_index.sql</code>" in github.summary.read_text()
