"""Batches: input order, failures that do not stop the batch, resuming, engines."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from slant import batch, store
from slant.article import Article
from slant.doc import Doc
from slant.errors import InputError
from slant.store.ingest import counts

CHEAP = ["language"]
SPACY = ["language", "sentences", "entities"]


def _article(i: int, extra: str = "") -> Article:
    text = (f"Story {i}: the council meets\n\nThe city council of Springfield met on Monday to discuss "
            f"item {i} of the budget. Mayor Alice Jones said the plan was sound. {extra}")
    return Article(text=text, title=text.split("\n", 1)[0], source=f"story{i}.txt")


def _write(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"story{i:02d}.txt"
        path.write_text(_article(i).text, encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture
def exploding_stage(temporary_stage) -> str:  # type: ignore[no-untyped-def]
    """A stage that raises on articles containing EXPLODE."""

    def run(doc: Doc) -> Doc:
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom, on purpose")
        doc.set_layer("explode_checked", [])
        return doc

    return temporary_stage("test_explode", run, adds=("explode_checked",))


def test_it_yields_one_outcome_per_item_in_input_order(exploding_stage: str) -> None:
    items = [
        _article(0),
        InputError("broken.html", "no article text found in the page"),
        _article(1, "EXPLODE"),
        _article(2),
        _article(0),
    ]
    out = list(batch.run(items, stages=["language", exploding_stage]))

    assert [o.index for o in out] == [0, 1, 2, 3, 4]
    assert [o.source for o in out] == ["story0.txt", "broken.html", "story1.txt", "story2.txt", "story0.txt"]
    assert out[0].doc is not None and out[0].doc.stages_run == ["language", exploding_stage]
    assert str(out[1].failure) == "broken.html: no article text found in the page"
    assert str(out[2].failure) == "story1.txt: analysis failed: RuntimeError: boom, on purpose"
    assert out[3].doc is not None and out[3].doc.article.source == "story2.txt"
    assert out[4].doc is not None  # without dedupe, a repeat is analysed again


def test_it_skips_what_it_is_told_and_repeats_when_deduping() -> None:
    items = [_article(0), _article(1), _article(0)]
    out = list(batch.run(items, stages=CHEAP, dedupe=True,
                         skip=lambda a: "already stored" if a.source == "story1.txt" else None))
    assert out[0].doc is not None
    assert out[1].skipped == "already stored"
    assert out[2].skipped == "duplicate of an earlier item in this batch"


def test_it_refuses_bad_engines_and_stage_lists() -> None:
    from slant.errors import PipelineError

    with pytest.raises(ValueError):
        list(batch.run([], engine="spark"))
    with pytest.raises(ValueError):
        list(batch.run([], workers=0))
    with pytest.raises(PipelineError):
        list(batch.run([_article(0)], stages=["entities", "language"]))


def test_a_stage_that_cannot_load_stops_the_batch_with_one_error(temporary_stage) -> None:  # type: ignore[no-untyped-def]
    from slant.errors import ModelError

    def factory():  # type: ignore[no-untyped-def]
        raise ModelError("weights not found at /nowhere/model.safetensors")

    name = temporary_stage("test_unloadable", factory=factory, adds=("nothing",))
    outcomes = batch.run([InputError("bad.txt", "empty file"), _article(0), _article(1)], stages=["language", name])
    assert next(outcomes).failure is not None  # bad input comes first, before any model loads
    with pytest.raises(ModelError, match="stage 'test_unloadable' cannot load: weights not found at /nowhere"):
        next(outcomes)


def _stored_rows(using: str) -> list[tuple]:
    from slant.store.models import Analysis, Article as StoredArticle

    return (list(StoredArticle.objects.using(using).order_by("id").values_list("id", "created_at", "updated_at"))
            + list(Analysis.objects.using(using).order_by("id").values_list("id", "created_at", "updated_at", "data")))


def test_ingest_is_idempotent(tmp_path: Path, db_url: str) -> None:
    _write(tmp_path / "in", 4)
    first = batch.ingest([tmp_path / "in"], db=db_url, stages=CHEAP)
    using = store.setup(db_url)
    rows = _stored_rows(using)
    assert (first.stored, first.skipped, first.failures) == (4, 0, [])

    second = batch.ingest([tmp_path / "in", tmp_path / "in" / "story01.txt"], db=db_url, stages=CHEAP)
    assert (second.stored, second.skipped, second.failures) == (0, 5, [])
    assert counts(using=using) == {"articles": 4, "analyses": 4}
    assert _stored_rows(using) == rows  # not one row rewritten


def test_a_batch_goes_on_past_bad_inputs_and_leaves_stored_rows_alone(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    _write(folder, 3)
    batch.ingest([folder / "story00.txt"], db=db_url, stages=CHEAP)
    using = store.setup(db_url)
    before = _stored_rows(using)

    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    summary = batch.ingest([folder, tmp_path / "missing.txt"], db=db_url, stages=CHEAP)

    failed = {Path(f.source).name for f in summary.failures}
    assert failed == {"empty.txt", "binary.txt", "missing.txt"}
    assert all(f.reason for f in summary.failures)
    assert (summary.stored, summary.skipped) == (2, 1)
    assert counts(using=using) == {"articles": 3, "analyses": 3}
    assert [r for r in _stored_rows(using) if r in before] == before


def _count(db_file: Path) -> tuple[int, int, int]:
    """(analyses, distinct article+pipeline pairs, articles), read without Django."""
    try:
        with sqlite3.connect(f"file:{db_file}?mode=ro", uri=True, timeout=30) as conn:
            analyses, pairs = conn.execute(
                "SELECT COUNT(*), COUNT(DISTINCT article_id || pipeline) FROM store_analysis").fetchone()
            (articles,) = conn.execute("SELECT COUNT(*) FROM store_article").fetchone()
            return analyses, pairs, articles
    except sqlite3.OperationalError:
        return 0, 0, 0


@pytest.mark.slow
def test_a_batch_killed_mid_way_finishes_on_rerun_with_nothing_lost_or_twice(tmp_path: Path, sqlite_url: str) -> None:
    db_url = sqlite_url
    folder = tmp_path / "in"
    _write(folder, 12)
    db_file = Path(db_url[len("sqlite:///"):])
    env = {**os.environ, batch.DELAY_ENV: "0.5"}
    command = [sys.executable, "-m", "slant.cli", "ingest", str(folder), "--db", db_url, "--stages", ",".join(CHEAP)]

    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while _count(db_file)[0] < 3:
        assert child.poll() is None, f"the batch ended before it could be killed: {child.communicate()}"
        assert time.monotonic() < deadline, "the batch stored nothing in time"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.communicate()
    assert child.returncode == -signal.SIGKILL
    at_kill = _count(db_file)
    assert 3 <= at_kill[0] < 12, at_kill
    assert at_kill[0] == at_kill[2]  # no article without its analysis

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{12 - at_kill[0]} stored, {at_kill[0]} skipped" in rerun.stdout
    assert _count(db_file) == (12, 12, 12)


def _outputs(items: list, **engine) -> list[tuple[str, str]]:
    return [(o.source, o.doc.to_json() if o.doc else str(o.failure)) for o in batch.run(items, stages=SPACY, **engine)]


def _engine_items() -> list:
    items: list = [_article(i, "President Joe Biden visited Paris.") for i in range(5)]
    items.insert(2, InputError("bad.html", "no article text found in the page"))
    return items


@pytest.mark.slow
def test_the_ray_engine_gives_the_same_json_as_the_local_engine() -> None:
    pytest.importorskip("ray")
    items = _engine_items()
    reference = _outputs(items)
    assert [source for source, _ in reference] == ["story0.txt", "story1.txt", "bad.html", "story2.txt",
                                                   "story3.txt", "story4.txt"]
    assert _outputs(items, engine="ray", workers=2, batch_size=2) == reference


@pytest.mark.slow
def test_the_local_pool_gives_the_same_json_as_one_process() -> None:
    items = _engine_items()
    assert _outputs(items, engine="local", workers=2) == _outputs(items)
