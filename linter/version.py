"""schemalint's version (one place: the package metadata in pyproject.toml reads it too)."""

__version__ = "0.1.0"
