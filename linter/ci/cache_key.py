"""The GitHub Action's cache key (`action.yml` runs `python -m schemalint.ci.cache_key` before
restoring `.schemalint_cache/` with actions/cache, and saves it after the check).

Outputs (`$GITHUB_OUTPUT`): `enabled` (the `cache` input), `path` (the directory `check` uses,
docs/cache.md: the configuration file's directory, else the project root found from the
workspace), `key` and `restore-keys`.

The key is `schemalint-OS-ARCH-VERSION-CONFIG-RUN-ATTEMPT`: a cache entry is never overwritten
(actions/cache), so each run saves under a key of its own. The restore keys are its prefixes,
most specific first: the newest entry of this schemalint version, OS and configuration (the
findings of the base branch's last run, the parse of every file), else the newest of this
version and OS with another configuration (its parse results still hold: they depend on the
text alone). Another schemalint version's entry is never restored: its directory would be
removed at the first run (speed/store.py keeps only the running version's).
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping

from schemalint import __version__
from schemalint.ci.github_action import ActionError, flag, write_outputs
from schemalint.config.reader import find_config
from schemalint.speed.cache import resolve_dir


def config_digest(config_path: str | None, pg_version: str) -> str:
    """A short hash of the configuration file's bytes and the pg-version input ("none" hashed
    when there is no file)."""
    h = hashlib.sha256()
    if config_path:
        try:
            with open(config_path, "rb") as fh:
                h.update(fh.read())
        except OSError as exc:
            raise ActionError(f"input `config`: cannot read {config_path}: "
                              f"{exc.strerror or exc}") from None
    else:
        h.update(b"none")
    h.update(b"\0" + pg_version.encode())
    return h.hexdigest()[:16]


def cache_outputs(env: Mapping[str, str]) -> dict[str, str]:
    def get(name: str, default: str = "") -> str:
        return env.get("INPUT_" + name.upper().replace("-", "_"), default).strip()

    if not flag("cache", get("cache", "on")):
        return {"enabled": "false", "path": "", "key": "", "restore-keys": ""}
    config = get("config") or find_config()
    # Where `check` keeps it (docs/cache.md): the configuration file's directory, else the
    # project root found from the working directory; None: SCHEMALINT_NO_CACHE is set.
    path = resolve_dir(root=os.path.dirname(os.path.abspath(config)) if config else None)
    if path is None:
        return {"enabled": "false", "path": "", "key": "", "restore-keys": ""}
    system = f"{env.get('RUNNER_OS', sys.platform)}-{env.get('RUNNER_ARCH', os.uname().machine)}"
    general = f"schemalint-{system}-{__version__}-"
    specific = f"{general}{config_digest(config, get('pg-version'))}-"
    run = f"{env.get('GITHUB_RUN_ID', '0')}-{env.get('GITHUB_RUN_ATTEMPT', '1')}"
    return {"enabled": "true", "path": path, "key": specific + run,
            "restore-keys": f"{specific}\n{general}"}


def write_multiline_outputs(env: Mapping[str, str], values: dict[str, str]) -> None:
    """Values with newlines in `$GITHUB_OUTPUT`'s heredoc form (`name<<DELIMITER`)."""
    path = env.get("GITHUB_OUTPUT")
    if not path:
        for key, value in values.items():
            print(f"{key}: {value!r}")
        return
    with open(path, "a", encoding="utf-8") as fh:
        for key, value in values.items():
            fh.write(f"{key}<<SCHEMALINT_EOF\n{value}\nSCHEMALINT_EOF\n")


def main() -> int:
    try:
        outputs = cache_outputs(os.environ)
    except ActionError as exc:
        print(f"::error title=schemalint::{exc}")
        return 2
    write_outputs(os.environ, {k: v for k, v in outputs.items() if k != "restore-keys"})
    write_multiline_outputs(os.environ, {"restore-keys": outputs["restore-keys"]})
    print(f"schemalint cache: {outputs['key'] or 'off'}"
          + (f" in {outputs['path']}" if outputs["path"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
