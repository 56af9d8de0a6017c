"""Where the shared real-world corpus is: ../shared/corpus next to the repository."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def corpus_projects() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.iterdir() if p.is_dir())


requires_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"real-world corpus not present at {CORPUS} (CI has it there)"
)
