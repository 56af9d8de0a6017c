"""docs/editors.md stays true: its editor settings start `schemalint lsp` with arguments the
command takes, its options table lists the command's options, and without pygls the command
says how to install it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from schemalint.cli import build_parser

DOC = (Path(__file__).resolve().parents[2] / "docs" / "editors.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(?P<kind>\w*)\n(?P<body>.*?)^```\s*$", re.M | re.S)


def _parses(argv: list[str]) -> None:
    args = build_parser(only="lsp").parse_args(argv)
    assert args.command == "lsp"


def test_the_vs_code_settings_start_the_server():
    [settings] = [json.loads(m.group("body")) for m in FENCE.finditer(DOC) if m.group("kind") == "json"]
    assert settings["glspc.serverCommand"] == "schemalint"
    assert settings["glspc.languageId"] == "sql"
    _parses(settings["glspc.serverCommandArguments"])
    assert "source.fixAll.schemalint" in settings["[sql]"]["editor.codeActionsOnSave"]
    _parses(["lsp", "--log-level", "info"])  # the variant the text suggests


def test_the_neovim_configurations_start_the_server():
    lua = [m.group("body") for m in FENCE.finditer(DOC) if m.group("kind") == "lua"]
    commands = [c for body in lua for c in re.findall(r"cmd = \{ ([^}]*) \}", body)]
    assert len(commands) == 2
    for command in commands:
        argv = re.findall(r"'([^']*)'", command)
        assert argv[0] == "schemalint"
        _parses(argv[1:])
    assert any("source.fixAll.schemalint" in body for body in lua)


def test_the_options_table_lists_every_option():
    parser = build_parser(only="lsp")
    sub = next(a for a in parser._actions if a.dest == "command").choices["lsp"]
    options = {o for a in sub._actions if a.help != "==SUPPRESS==" for o in a.option_strings} - {"-h", "--help"}
    documented = set(re.findall(r"^\| `(--[a-z-]+)", DOC, re.M))
    assert documented == options


def test_without_pygls_the_command_says_how_to_install_it(capsys, monkeypatch):
    import sys

    from schemalint.cli import main

    monkeypatch.setitem(sys.modules, "pygls", None)  # `import pygls` fails as if not installed
    monkeypatch.delitem(sys.modules, "schemalint.lsp.server", raising=False)
    monkeypatch.delitem(sys.modules, "schemalint.lsp.features", raising=False)
    assert main(["lsp"]) == 2
    assert "pip install 'schemalint[lsp]'" in capsys.readouterr().err
