"""linter/parse/pglast_loader.py: schemalint loads pglast's parser without running pglast's
`__init__` (enums, node classes); a later `import pglast` in the same process must still give
the complete package, reusing the same parser module and exception classes.

Each case runs in a fresh interpreter: this test process has imported pglast already."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_parse_does_not_import_pglast_enums_or_ast():
    out = _run("""
        import sys
        from schemalint.parse import statements as parse
        from schemalint.discover.source import Migration
        result = parse.parse_migration(Migration(path="m.sql", text="CREATE INDEX i ON t (a); SELEC 1;"))
        assert [s.kind for s in result.statements] == ["IndexStmt"], result
        assert len(result.errors) == 1
        import schemalint.rulekit.identifiers
        loaded = sorted(m for m in sys.modules if m.startswith("pglast"))
        print(" ".join(loaded))
    """)
    loaded = out.split()
    assert "pglast.parser" in loaded and "pglast.keywords" in loaded
    assert not [m for m in loaded if m.startswith(("pglast.enums", "pglast.ast"))], loaded


def test_a_later_import_pglast_is_complete_and_shares_the_parser_and_its_errors():
    out = _run("""
        from schemalint.parse import statements as parse
        from schemalint.rulekit.identifiers import NEEDS_QUOTES_AS_NAME
        assert "select" in NEEDS_QUOTES_AS_NAME
        import pglast
        from pglast import enums, parser
        from pglast.keywords import RESERVED_KEYWORDS
        assert parser is parse._pg is pglast.parser
        assert pglast.__version__
        assert "select" in RESERVED_KEYWORDS
        assert enums.LockClauseStrength.LCS_FORUPDATE
        # pglast's own node objects (which need pglast.ast and enums) work.
        (raw,) = pglast.parse_sql("ALTER TABLE t ADD COLUMN c int")
        assert type(raw.stmt).__name__ == "AlterTableStmt"
        assert raw.stmt.objtype == enums.ObjectType.OBJECT_TABLE
        assert type(raw.stmt) is pglast.ast.AlterTableStmt
        # One exception class, whichever way it is reached.
        for call in (lambda: pglast.parse_sql("SELEC 1"), lambda: parse._pg.parse_sql_json("SELEC 1")):
            try:
                call()
            except pglast.Error as exc:
                assert type(exc) is pglast.parser.ParseError is parse._pg.ParseError
            else:
                raise AssertionError("no ParseError")
        assert issubclass(parse._pg.ParseError, pglast.error.Error)
        print("ok")
    """)
    assert out.strip() == "ok"


def test_the_parser_modules_own_ast_and_enums_work_before_pglast_is_imported():
    out = _run("""
        from schemalint.parse import statements as parse
        (raw,) = parse._pg.parse_sql("SELECT 1")  # builds pglast.ast nodes through placeholders
        assert type(raw.stmt).__name__ == "SelectStmt"
        import pglast.ast
        assert type(raw.stmt) is pglast.ast.SelectStmt
        print("ok")
    """)
    assert out.strip() == "ok"


def test_pglast_imported_first_is_used_as_it_is():
    out = _run("""
        import pglast
        from schemalint.parse import statements as parse
        assert parse._pg is pglast.parser
        print("ok")
    """)
    assert out.strip() == "ok"


def test_falls_back_to_the_plain_import_when_the_loader_fails():
    out = _run("""
        import importlib.util
        import sys

        def broken(spec):
            raise RuntimeError("surprise")

        importlib.util.module_from_spec = broken  # what the loader uses; the import system does not
        from schemalint.parse import statements as parse
        import pglast
        assert parse._pg is pglast.parser
        assert "pglast.enums" in sys.modules  # the ordinary import ran pglast's __init__
        assert parse.parse_migration.__name__
        print("ok")
    """)
    assert out.strip() == "ok"


def test_a_failure_half_way_leaves_pglast_as_the_plain_import_would():
    out = _run("""
        import sys
        from schemalint.parse import pglast_loader

        def broken(self, name):
            raise RuntimeError("surprise")  # after the package is registered

        pglast_loader._Deferred.__init__ = broken
        from schemalint.parse import statements as parse
        import pglast
        assert parse._pg is pglast.parser
        assert "pglast.enums" in sys.modules and pglast.__version__
        try:
            pglast.parse_sql("SELEC 1")
        except parse._pg.ParseError:
            print("ok")
    """)
    assert out.strip() == "ok"


def test_keywords_first_then_a_direct_import_of_the_parser():
    out = _run("""
        import sys
        from schemalint.parse.pglast_loader import submodule
        keywords = submodule("keywords")
        assert "pglast.enums" not in sys.modules
        import pglast.parser  # not through the loader
        from pglast import parser
        assert parser is pglast.parser is submodule("parser")
        assert pglast.__version__ and pglast.keywords is keywords
        (raw,) = pglast.parse_sql("SELECT 1")
        assert type(raw.stmt) is pglast.ast.SelectStmt
        print("ok")
    """)
    assert out.strip() == "ok"
