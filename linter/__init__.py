"""schemalint: a PostgreSQL schema and migration linter."""

from schemalint.version import __version__

__all__ = ["__version__", "lint", "LintConfig", "Diagnostic", "Severity", "Migration"]


def __getattr__(name: str):
    # Lazy public API: `import schemalint` stays cheap for the CLI's start-up time.
    if name == "lint":
        from schemalint.check.engine import lint

        return lint
    if name == "LintConfig":
        from schemalint.config.settings import LintConfig

        return LintConfig
    if name in ("Diagnostic", "Severity"):
        from schemalint import diagnostics

        return getattr(diagnostics, name)
    if name == "Migration":
        from schemalint.discover.source import Migration

        return Migration
    raise AttributeError(name)
