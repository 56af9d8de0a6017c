"""Test session settings."""

import os

import pytest

# The CLI caches parse results and findings on disk by default. Tests run the CLI on
# throwaway inputs and sometimes with patched rules: keep the cache out of their way
# (and out of the working tree). tests/test_cache.py turns it on where it is tested.
os.environ["SCHEMALINT_NO_CACHE"] = "1"
# Colour is decided from the environment (commands.common.use_color); a FORCE_COLOR set where
# the suite runs would colour every report the tests compare.
os.environ.pop("FORCE_COLOR", None)


@pytest.fixture
def cached(monkeypatch, tmp_path):
    """The cache on, in `.dir`; runs never take a whole run's findings from `runs/` (a new run
    key each time), so that what is tested is the checkpoint; `.restored` lists the prefix
    length each run started from (tests/test_checkpoint.py, tests/test_schema_delta.py)."""
    from types import SimpleNamespace

    from schemalint.speed import cache as cache_mod
    from schemalint.speed import checkpoint

    monkeypatch.delenv("SCHEMALINT_NO_CACHE", raising=False)
    monkeypatch.delenv("SCHEMALINT_CACHE_DIR", raising=False)
    keys = iter(range(100_000))
    monkeypatch.setattr(cache_mod, "run_key", lambda *a: f"fresh-{next(keys)}")
    restored: list[int] = []
    real = checkpoint.Checkpoints.restore

    def restore(self, checker, migrations, links):
        result = real(self, checker, migrations, links)
        restored.append(result[0])
        return result

    monkeypatch.setattr(checkpoint.Checkpoints, "restore", restore)
    return SimpleNamespace(dir=str(tmp_path / "cache"), restored=restored)
