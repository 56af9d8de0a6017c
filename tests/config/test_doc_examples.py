"""Every example in the configuration, suppression and baseline guides runs.

In these pages a fenced block with `title=PATH` (```yaml title=.schemalint.yaml) writes that
file into a fresh temporary directory, and a ```console block runs its `$ ` commands there in
order and compares their output (standard error, then standard output) with the lines that
follow each command. A configuration file shown is also validated, unless marked `invalid`.
`schemalint` commands run in-process; others (git, cat) in a shell.
`SCHEMALINT_UPDATE_DOCS=1 python -m pytest tests/config/test_doc_examples.py` rewrites the
expected outputs after a deliberate change. The pages show what a release writes: `schemalint
init` runs as the documented release (tests/helpers.py `documented_tag`), whatever development
version is installed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from schemalint.cli import main
from schemalint.errors import UsageError
from tests.helpers import documented_tag
from tests.helpers import load_config_file as load_file

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["docs/configuring.md", "docs/suppression-and-baseline.md", "docs/configuration.md"]
_FENCE = re.compile(r"^```(?P<lang>[\w-]*)(?P<attrs>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


def _run(command: str, cwd: Path, capsys, monkeypatch) -> str:
    if command.startswith("schemalint ") and not re.search(r"[|;&<>]", command):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        main(shlex.split(command)[1:])
        out, err = capsys.readouterr()
        return err + out
    # The schemalint of this interpreter's environment, whatever else is on PATH.
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True, env=env)
    return proc.stderr + proc.stdout


def run_page(text: str, workdir: Path, capsys, monkeypatch) -> tuple[str, list[str]]:
    """Run a page's examples; return the page with actual outputs and the mismatches."""
    problems: list[str] = []
    pieces, last = [], 0
    for m in _FENCE.finditer(text):
        attrs = dict(re.findall(r"(\w+)=(\S+)", m.group("attrs")))
        body = m.group("body")
        if "title" in attrs:
            target = workdir / attrs["title"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            if target.name in (".schemalint.yaml", "pyproject.toml") and "invalid" not in m.group("attrs"):
                try:
                    load_file(str(target))  # every configuration shown is valid
                except UsageError as exc:
                    problems.append(f"{attrs['title']}: {exc}")
            continue
        if m.group("lang") != "console":
            continue
        new_lines: list[str] = []
        chunks = re.split(r"^(?=\$ )", body, flags=re.M)
        for chunk in chunks:
            if not chunk.startswith("$ "):
                continue
            command, _, expected = chunk[2:].partition("\n")
            actual = _run(command, workdir, capsys, monkeypatch)
            if actual.rstrip("\n") != expected.rstrip("\n"):
                problems.append(f"$ {command}\n--- expected\n{expected}--- actual\n{actual}")
            new_lines.append(f"$ {command}\n{actual.rstrip(chr(10))}\n" if actual.strip() else f"$ {command}\n")
        pieces.append(text[last:m.start("body")] + "".join(new_lines))
        last = m.end("body")
    pieces.append(text[last:])
    return "".join(pieces), problems


@pytest.mark.parametrize("page", PAGES)
def test_examples_in_docs(page, tmp_path, capsys, monkeypatch):
    for key, value in {"HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1",
                       "GIT_AUTHOR_NAME": "docs", "GIT_AUTHOR_EMAIL": "docs@example.com",
                       "GIT_COMMITTER_NAME": "docs", "GIT_COMMITTER_EMAIL": "docs@example.com"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("schemalint.commands.init.__version__", documented_tag().removeprefix("v"))
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    work = tmp_path / "project"
    work.mkdir()
    updated, problems = run_page(text, work, capsys, monkeypatch)
    monkeypatch.chdir(ROOT)
    if os.environ.get("SCHEMALINT_UPDATE_DOCS") and updated != text:
        path.write_text(updated, encoding="utf-8")
        return
    assert not problems, f"{page}: examples out of date:\n" + "\n".join(problems)
