"""bench/run.py never empties docs/performance.md (issue 16): the doc is written only after a
complete run, in one step, keeping the sections other scripts write (bench/docfile.py); and a
run without the shared corpus renders (it crashed with KeyError: 'files' after 4 minutes).
The writer is tested with runs that fail, without running the bench."""

from __future__ import annotations

import argparse
import os

import pytest

from .helpers import bench_module

docfile = bench_module("docfile")
bench_module("run_notes")
run = bench_module("run")
BEGIN, END = docfile.PIECES_BEGIN, docfile.PIECES_END  # bench/pieces.py's section

PIECES = f"{BEGIN}\n## Each speed piece, on and off\n\nfigures\n{END}\n"
HAND = "\n**What the model's truths cost**: written by hand, kept.\n"
# docs/performance.md as it was before bench/run.py marked its part.
LEGACY = "# Performance\n\nold run figures\n\n" + PIECES + HAND


def _publish_run(path, produce):
    docfile.publish(str(path), produce, docfile.RUN_BEGIN, docfile.RUN_END,
                    legacy_end=BEGIN)


def test_a_run_that_fails_leaves_the_doc_as_it_was(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(LEGACY)

    def failing_run():
        raise KeyError("files")  # the crash of issue 16, after the measuring

    with pytest.raises(KeyError):
        _publish_run(doc, failing_run)
    assert doc.read_text() == LEGACY and os.listdir(tmp_path) == ["performance.md"]


def test_a_write_that_fails_halfway_leaves_the_doc_as_it_was(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(LEGACY)
    with pytest.raises(UnicodeEncodeError):  # fails inside the temporary file's write
        _publish_run(doc, lambda: run.section("# Performance\n\nhalf \ud800 written"))
    assert doc.read_text() == LEGACY and os.listdir(tmp_path) == ["performance.md"]


def test_a_complete_run_replaces_its_part_and_keeps_the_others(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(LEGACY)
    _publish_run(doc, lambda: run.section("# Performance\n\nnew run figures"))
    first = doc.read_text()
    assert first == (f"{docfile.RUN_BEGIN}\n# Performance\n\nnew run figures\n{docfile.RUN_END}\n"
                     "\n" + PIECES + HAND)
    # Marked now: the next run replaces only its part; pieces.py only its own.
    _publish_run(doc, lambda: run.section("# Performance\n\nnewer"))
    assert doc.read_text() == first.replace("new run figures", "newer")
    docfile.publish(str(doc), lambda: PIECES.replace("figures", "other figures"),
                    BEGIN, END)
    assert doc.read_text() == first.replace("new run figures", "newer").replace(
        "\nfigures\n", "\nother figures\n")


def test_a_missing_doc_is_written_whole(tmp_path):
    doc = tmp_path / "performance.md"
    _publish_run(doc, lambda: run.section("# Performance"))
    assert doc.read_text() == f"{docfile.RUN_BEGIN}\n# Performance\n{docfile.RUN_END}\n"


def test_a_run_without_the_corpus_renders(tmp_path):
    """From a clean clone ../shared/corpus is absent: input (a) is skipped, and the doc says
    so (measure() returns at once for it: nothing is run)."""
    args = argparse.Namespace(only=["a"], corpus=str(tmp_path / "no-corpus"), runs=1,
                              no_reference=True, statements=0)
    results = run.measure(args, {}, ["schemalint"], None)
    meta = {"machine": "m", "python": "3", "schemalint": "0", "squawk": "squawk not installed",
            "rounds": 1, "date": "today", "load": "0 / 0", "notes": "notes"}
    text = run.render(results, meta)
    assert f"## (a) the shared corpus\n\nSkipped: no corpus at `{tmp_path / 'no-corpus'}`." in text
