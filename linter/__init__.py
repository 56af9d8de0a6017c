"""schemalint: a PostgreSQL schema and migration linter."""

import importlib

from schemalint.version import __version__

__all__ = ["__version__", "lint", "LintConfig", "Diagnostic", "Severity", "Migration"]


# The public API, loaded on first use: `import schemalint` (which every command does) stays
# cheap, and `schemalint.lint` loads the parser, the model and the rules only when called for.
_PUBLIC = {
    "lint": "schemalint.check.engine",
    "LintConfig": "schemalint.config.settings",
    "Diagnostic": "schemalint.diagnostics",
    "Severity": "schemalint.diagnostics",
    "Migration": "schemalint.discover.source",
}


def __getattr__(name: str):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(name)
    return getattr(importlib.import_module(module), name)
