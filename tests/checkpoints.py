"""What the checkpoint tests share (tests/test_checkpoint.py, tests/test_schema_delta.py): runs
with and without the cache (their `cached` fixture is in conftest.py)."""

from __future__ import annotations

import os

from schemalint.check.catalog import all_rules
from schemalint.check.engine import lint
from schemalint.config.settings import LintConfig
from schemalint.discover.source import Migration
from schemalint.speed.cache import lint_migrations

from .helpers import as_dicts


def fresh(files):
    """The same migrations as new objects, as another process reads them."""
    return [Migration(m.path, m.text, sql=m.sql, direction=m.direction, in_transaction=m.in_transaction,
                      to_original=m.to_original, invalid_utf8_at=m.invalid_utf8_at,
                      notes=list(m.notes), layout=m.layout) for m in files]


def reference(files, config=None, **kwargs):
    stats: dict = {}
    found = lint(files, config or LintConfig(), all_rules(), stats=stats, **kwargs)
    return as_dicts(found), stats["statements"]


def cached_run(files, cache_dir, config=None, **kwargs):
    stats: dict = {}
    found = lint_migrations(files, config or LintConfig(), stats, cache_dir, **kwargs)
    return as_dicts(found), stats["statements"]


def entries(cache_dir) -> list[str]:
    return sorted(p for d, _, fs in os.walk(cache_dir) if os.path.basename(d) == "checkpoints"
                  for p in fs)
