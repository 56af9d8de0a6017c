import textwrap

import pytest

from schemalint.cli import main

BAD_INDEX = "CREATE INDEX orders_region_idx ON orders (region);\n"
TABLE = ("CREATE TABLE orders (id bigint PRIMARY KEY, region text, "
         "created_at timestamptz, updated_at timestamptz);\n")


class Project:
    """A temporary project directory; `run` calls the CLI in-process from `cwd`."""

    def __init__(self, root, capsys, monkeypatch):
        self.root = root
        self.capsys = capsys
        self.monkeypatch = monkeypatch
        monkeypatch.chdir(root)

    def write(self, name: str, text: str):
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def run(self, *argv, cwd=None):
        if cwd is not None:
            self.monkeypatch.chdir(self.root / cwd)
        self.capsys.readouterr()
        code = main([str(a) for a in argv])
        out, err = self.capsys.readouterr()
        self.monkeypatch.chdir(self.root)
        return code, out, err

    def migrations(self, **files):
        for name, text in files.items():
            self.write(f"migrations/{name}", text)


@pytest.fixture
def project(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    return Project(tmp_path, capsys, monkeypatch)
