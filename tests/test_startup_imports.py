"""What `schemalint check` of one small migration imports (issue 6: a pre-commit run within
150 ms, cold and warm). Not a timing test: it checks that the modules known to be expensive to
import stay off the start-up path, so that a change that brings one back fails here rather than
in a benchmark weeks later. Each case runs in a fresh interpreter; modules the interpreter had
loaded before schemalint (site hooks, an editable install's finder) do not count."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Never needed to check a small migration without a configuration file: hashing uses the
# builtin _blake2, the terminal width is measured only for help text, pglast's node classes
# and enums are not used (pglast_loader.py), YAML/TOML only when a configuration file exists,
# rich only for progress (a large check or a replay on a terminal: commands/progress.py).
NOT_ON_THE_CHECK_PATH = ("hashlib", "_hashlib", "shutil", "pathlib", "typing", "pglast.enums",
                         "pglast.ast", "yaml", "tomllib", "tomli", "difflib", "urllib.parse",
                         "rich")
# Not imported by the modules that set up a check (the command line, configuration, caches,
# reporting, the rule catalog and the rule metadata types).
NOT_IN_THE_SETUP = ("dataclasses", "inspect", *NOT_ON_THE_CHECK_PATH)
SETUP_MODULES = ("schemalint.cli", "schemalint.commands.check", "schemalint.config.resolve",
                 "schemalint.config.settings", "schemalint.speed.cache", "schemalint.speed.runcache", "schemalint.report",
                 "schemalint.check.catalog", "schemalint.diagnostics.engine_rules", "schemalint.diagnostics",
                 "schemalint.diagnostics.rule", "schemalint.gate.reporting", "schemalint.model.locks", "schemalint.check.suppress")


def _new_modules(code: str, cwd) -> set[str]:
    # An editable install's finder (a .pth file, run at start-up) may already have imported
    # some of the watched modules, which would then never count as new: forget them first,
    # so that an import of one by schemalint loads it again and is seen.
    script = ("import json, sys\n"
              f"for name in {NOT_IN_THE_SETUP!r}:\n    sys.modules.pop(name, None)\n"
              "before = set(sys.modules)\n" + textwrap.dedent(code)
              + "\nprint(json.dumps(sorted(set(sys.modules) - before)))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=cwd, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_checking_a_small_migration_stays_off_the_expensive_imports(tmp_path):
    (tmp_path / "one.sql").write_text(
        "ALTER TABLE orders ADD COLUMN shipped_at timestamptz;\n"
        "CREATE INDEX CONCURRENTLY orders_shipped_at_idx ON orders (shipped_at);\n")
    for extra in (["--no-cache"], ["--cache-dir", str(tmp_path / "cache")],
                  ["--cache-dir", str(tmp_path / "cache")]):  # cold, then warm
        loaded = _new_modules(f"""
            import contextlib, io
            from schemalint.cli import main
            with contextlib.redirect_stdout(io.StringIO()) as out:
                code = main(["check", "one.sql", *{extra!r}])
            assert code == 0 and "missing-lock-timeout" in out.getvalue(), (code, out.getvalue())
        """, tmp_path)
        assert "schemalint.cli" in loaded
        assert not loaded & set(NOT_ON_THE_CHECK_PATH), sorted(loaded & set(NOT_ON_THE_CHECK_PATH))


def test_the_setup_modules_import_no_dataclasses(tmp_path):
    loaded = _new_modules("import " + ", ".join(SETUP_MODULES), tmp_path)
    assert not loaded & set(NOT_IN_THE_SETUP), sorted(loaded & set(NOT_IN_THE_SETUP))
