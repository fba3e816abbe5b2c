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


# ---------------------------------------------------------------------------
# One item's failure stays with that item (reading, analysing, storing)


@pytest.fixture
def crashing_reader(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Readers that raise (a bug, not an InputError) on any file whose name holds CRASH."""
    from slant import sources

    real = sources.iter_sources

    def reader(paths, **kwargs):  # type: ignore[no-untyped-def]
        for item in real(paths, **kwargs):
            if isinstance(item, Article) and "CRASH" in (item.source or ""):
                raise RecursionError("maximum recursion depth exceeded while decoding a JSON object")
            yield item

    monkeypatch.setattr(sources, "iter_sources", reader)
    return reader


def test_a_reader_that_raises_fails_its_file_only_and_the_batch_goes_on(tmp_path: Path, crashing_reader) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    _write(folder, 3)
    (folder / "story01.txt").rename(folder / "story01-CRASH.txt")

    out = list(batch.run(batch.items_from([folder]), stages=CHEAP))

    assert [Path(o.source).name for o in out] == ["story00.txt", "story01-CRASH.txt", "story02.txt"]
    assert out[0].doc is not None and out[2].doc is not None
    failure = out[1].failure
    assert failure is not None and failure.internal
    assert "reading failed: RecursionError: maximum recursion depth" in failure.reason


def test_a_stream_that_raises_keeps_what_came_before(tmp_path: Path, db_url: str) -> None:
    def items():  # type: ignore[no-untyped-def]
        yield _article(0)
        yield _article(1)
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    summary = batch.ingest(items(), db=db_url, stages=CHEAP)

    assert summary.stored == 2
    assert [f.internal for f in summary.failures] == [True]
    assert "ValueError: Exceeds the limit (4300 digits)" in summary.failures[0].reason
    assert counts(using=store.setup(db_url)) == {"articles": 2, "analyses": 2}


def test_failures_say_whether_the_input_or_slant_is_at_fault(temporary_stage) -> None:  # type: ignore[no-untyped-def]
    def run(doc: Doc) -> Doc:
        if "TOO LONG" in doc.text:
            raise InputError(doc.article.source or "?", "too long to analyse")
        if "EXPLODE" in doc.text:
            raise RuntimeError("boom, on purpose")
        doc.set_layer("checked", [])
        return doc

    name = temporary_stage("test_fault", run, adds=("checked",))
    out = list(batch.run([_article(0, "TOO LONG"), _article(1, "EXPLODE"), InputError("x.html", "empty file")],
                         stages=["language", name]))
    assert [o.failure.internal for o in out if o.failure] == [False, True, False]


def test_a_failure_is_one_line_whatever_the_file_name_holds() -> None:
    failure = batch.Failure("news\nfake.txt", "cannot read\nthe file \udcff")
    assert str(failure) == "news\\nfake.txt: cannot read\\nthe file \\udcff"


def test_a_file_name_that_is_not_utf8_is_stored(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(name, "wb") as fh:
        fh.write(_article(0).text.encode("utf-8"))

    summary = batch.ingest([folder], db=db_url, stages=CHEAP)

    assert (summary.stored, summary.failures) == (1, [])
    from slant.store.models import Article as StoredArticle

    (source,) = StoredArticle.objects.using(store.setup(db_url)).values_list("source", flat=True)
    assert source.endswith("caf\\xe9.txt")


def _cli(args: list[str]):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from slant.cli import app

    return CliRunner().invoke(app, args)


def test_the_cli_exit_code_tells_bad_inputs_from_internal_errors(tmp_path: Path, db_url: str,
                                                               crashing_reader) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "in"
    _write(folder, 2)
    (folder / "empty.txt").write_bytes(b"")
    bad = _cli(["ingest", str(folder), "--db", db_url, "--stages", "language"])
    assert bad.exit_code == 1, bad.output

    (folder / "story01.txt").rename(folder / "story01-CRASH.txt")
    internal = _cli(["ingest", str(folder), "--db", db_url, "--stages", "language"])
    assert internal.exit_code == 3, internal.output
    assert "story01-CRASH.txt: reading failed: RecursionError" in internal.stderr
    analysed = _cli(["analyze", str(folder), "--json", "--stages", "language"])
    assert analysed.exit_code == 3
    assert len(analysed.stdout.splitlines()) == 1  # story00 still printed


# ---------------------------------------------------------------------------
# Lost workers: chunks are sent again; an article that kills every worker fails alone


class _FlakyEngine:
    """An engine whose workers die on chosen sends, and always on articles holding POISON."""

    eager = True

    def __init__(self, die_on_sends: set[int]) -> None:
        self.die_on_sends, self.sends, self.analysed = die_on_sends, 0, []

    def submit(self, articles: list[Article]):  # type: ignore[no-untyped-def]
        self.sends += 1
        return self.sends, list(articles)

    def collect(self, handle, n: int):  # type: ignore[no-untyped-def]
        from slant.batch.work import WorkerLost

        send, articles = handle
        if send in self.die_on_sends or any("POISON" in a.text for a in articles):
            raise WorkerLost("the worker process died (killed, or out of memory)")
        self.analysed.extend(a.source for a in articles)
        return [(True, Doc(a)) for a in articles]

    def close(self) -> None:
        pass


def test_chunks_of_a_lost_worker_are_sent_again_and_a_poison_article_fails_alone() -> None:
    from slant.batch import driver

    engine = _FlakyEngine(die_on_sends={1, 2})
    items = [_article(i, "POISON" if i == 4 else "") for i in range(8)]
    out = list(driver._drive(items, engine, batch_size=3, window=6, skip=None, dedupe=False))

    assert [o.index for o in out] == list(range(8))
    assert [o.source for o in out if o.failure] == ["story4.txt"]
    assert "died (killed, or out of memory), 3 times on this article" in out[4].failure.reason  # type: ignore[union-attr]
    assert sorted(engine.analysed) == sorted(f"story{i}.txt" for i in range(8) if i != 4)
    assert len(engine.analysed) == 7  # each analysed once: nothing twice


def test_the_store_is_asked_again_just_before_an_article_is_analysed(temporary_stage) -> None:  # type: ignore[no-untyped-def]
    stored_elsewhere: set[str] = set()
    later = _article(1)

    def run(doc: Doc) -> Doc:  # meanwhile, another process stores story1
        stored_elsewhere.add(later.id)
        doc.set_layer("checked", [])
        return doc

    name = temporary_stage("test_other_process", run, adds=("checked",))
    out = list(batch.run([_article(0), later, _article(2)], stages=["language", name],
                         skip_many=lambda arts: {a.id: "already stored" for a in arts if a.id in stored_elsewhere}))
    assert [o.skipped for o in out] == [None, "already stored", None]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _pool_workers(pid: int) -> set[int]:
    """The process-pool workers ``pid`` started (not its resource tracker)."""
    workers = set()
    for child in _children(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                workers.add(child)
        except OSError:
            pass
    return workers


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_a_killed_pool_worker_loses_nothing(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    _write(folder, 10)
    os.environ[batch.DELAY_ENV] = "0.4"
    killed: list[int] = []

    def progress(outcome, summary) -> None:  # type: ignore[no-untyped-def]
        if summary.seen == 2 and not killed:  # kill a worker while both are busy
            workers = sorted(_pool_workers(os.getpid()))
            killed.append(workers[-1])
            os.kill(workers[-1], signal.SIGKILL)

    try:
        summary = batch.ingest([folder], db=db_url, stages=CHEAP, workers=2, progress=progress)
    finally:
        del os.environ[batch.DELAY_ENV]
    assert killed
    assert (summary.stored, summary.failures) == (10, [])
    assert counts(using=store.setup(db_url)) == {"articles": 10, "analyses": 10}


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_pool_workers_exit_when_the_driver_is_killed(tmp_path: Path, sqlite_url: str) -> None:
    folder = tmp_path / "in"
    _write(folder, 40)
    env = {**os.environ, batch.DELAY_ENV: "0.5"}
    command = [sys.executable, "-m", "slant.cli", "ingest", str(folder), "--db", sqlite_url,
               "--stages", ",".join(CHEAP), "--workers", "2"]
    driver = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while _count(Path(sqlite_url[len("sqlite:///"):]))[0] < 2:  # workers up and working
            assert driver.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        workers = _pool_workers(driver.pid)
        assert len(workers) >= 2, workers
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if _alive(pid)], "pool workers outlived their driver"
    finally:
        driver.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_an_article_whose_id_cannot_be_computed_fails_alone() -> None:
    broken = Article(text="Title\n\nA lone surrogate \udc80 in the text", title="Title", source="bad.jsonl:3")
    out = list(batch.run([broken, _article(1)], stages=CHEAP, dedupe=True))
    assert out[0].failure is not None and out[0].failure.internal
    assert "UnicodeEncodeError" in out[0].failure.reason
    assert out[1].doc is not None


def test_a_ray_node_that_would_store_under_another_pipeline_stops_the_batch() -> None:
    import types

    from slant.batch.cluster import Ray
    from slant.errors import ModelError

    engine = Ray(CHEAP, 1, None, 0.0)
    lost = type("RayError", (Exception,), {})
    exceptions = types.SimpleNamespace(RayError=lost, RayTaskError=type("RayTaskError", (lost,), {}))
    engine.ray = types.SimpleNamespace(exceptions=exceptions,
                                       get=lambda ref: ("language@0.0.1+0123456789ab", [(True, {})]))
    with pytest.raises(ModelError, match="install the same slant version and models"):
        engine.collect((None, None), 1)
    engine.ray.get = lambda ref: (engine.pipeline_id, [(True, {"doc": 1})])
    assert engine.collect((None, None), 1) == [(True, {"doc": 1})]
