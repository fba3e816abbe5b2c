"""Many sources through one pipeline: in this process, a local pool, or Ray.

``run`` maps the pipeline over a stream of items (``Article`` or the
``InputError`` a source yielded for a bad item) and yields one ``Outcome``
per item, in input order, whichever engine analyses them:

- ``engine="local"``, ``workers=1``: in this process, one article at a time;
- ``engine="local"``, ``workers=N``: N worker processes, each building the
  stages once (models load once per process) and analysing articles sent to
  it one at a time;
- ``engine="ray"``: N Ray actors, each holding the models, fed batches of
  articles; on a local Ray instance by default (``num_cpus=N``) or on an
  existing cluster with ``address=``. Results come back to the driver in
  batches.

An exception raised by a stage for one article becomes that article's
failure; the batch goes on. A stage that cannot load its model at all stops
the batch with a ``ModelError`` (an installation problem, not an input one). At most a window of articles is in flight, so a
long batch streams rather than piling up in memory.

``ingest`` adds the store: it skips articles already analysed by this
pipeline, saves results from the driver in batches (each batch one
transaction), and so can be killed at any moment and rerun: the rerun skips
what was committed and analyses the rest, nothing twice.

``SLANT_TEST_DELAY_PER_ARTICLE`` (seconds, test-only) makes each article take
at least that long, so the kill-and-resume test can kill a batch mid-way.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import sys
import time
from typing import Any, Callable, Iterable, Iterator, Sequence

from .article import Article
from .doc import Doc
from .errors import InputError, ModelError, SlantError
from .pipeline import Pipeline, instance

ENGINES = ("local", "ray")
DELAY_ENV = "SLANT_TEST_DELAY_PER_ARTICLE"

Item = Article | InputError
# (True, Doc or its dict), (False, why this article failed), or (None, why no
# article can be analysed: a stage that cannot load its model).
Result = tuple[bool | None, Any]


@dataclasses.dataclass(frozen=True)
class Failure:
    """An input that could not be read, or an article whose analysis failed."""

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"


@dataclasses.dataclass
class Outcome:
    """What became of one input item; exactly one of doc, failure, skipped is set."""

    index: int
    source: str
    doc: Doc | None = None
    failure: Failure | None = None
    skipped: str | None = None  # why it was not analysed (already stored, duplicate)
    article_id: str | None = None


@dataclasses.dataclass
class IngestSummary:
    pipeline: str
    stored: int = 0
    skipped: int = 0
    failures: list[Failure] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def seen(self) -> int:
        return self.stored + self.skipped + len(self.failures)


# ---------------------------------------------------------------------------
# The driver


def run(
    items: Iterable[Item],
    *,
    stages: Sequence[str] | None = None,
    engine: str = "local",
    workers: int = 1,
    address: str | None = None,
    skip: Callable[[Article], str | None] | None = None,
    dedupe: bool = False,
    batch_size: int | None = None,
) -> Iterator[Outcome]:
    """Analyse ``items`` and yield one Outcome per item, in input order.

    ``skip(article)`` returns a reason to leave an article out (e.g. already
    stored), or None. With ``dedupe``, an article whose text appeared earlier
    in the batch is skipped. ``stages`` is checked before anything runs.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if address and engine != "ray":
        raise ValueError("--address is for the Ray engine; add --engine ray")
    names = Pipeline(stages).names  # a PipelineError is raised here, before any work
    delay = _delay()
    if engine == "ray":
        backend: _Engine = _Ray(names, workers, address, delay)
        batch_size = batch_size or 8
    elif workers > 1:
        backend = _LocalPool(names, workers, delay)
        batch_size = batch_size or 1
    else:
        backend = _InProcess(names, delay)
        batch_size = 1
    return _closing(_drive(items, backend, batch_size=batch_size, window=max(4, 2 * workers * batch_size),
                           skip=skip, dedupe=dedupe), backend)


def _closing(outcomes: Iterator[Outcome], backend: "_Engine") -> Iterator[Outcome]:
    try:
        yield from outcomes
    finally:
        backend.close()


class _Chunk:
    """Articles sent to a worker together; their results come back together."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.handle: Any = None
        self.results: list[Result] | None = None


def _drive(
    items: Iterable[Item],
    backend: "_Engine",
    *,
    batch_size: int,
    window: int,
    skip: Callable[[Article], str | None] | None,
    dedupe: bool,
) -> Iterator[Outcome]:
    # ``pending`` holds, in input order, finished outcomes (bad input, skipped)
    # and slots (chunk, position, outcome) of articles being analysed. Reading
    # pauses while ``window`` articles are in flight or too many outcomes wait,
    # so memory stays bounded however long the stream.
    pending: collections.deque[Outcome | tuple[_Chunk, int, Outcome]] = collections.deque()
    open_chunk = _Chunk()
    in_flight = 0
    seen: set[str] = set()
    source_iter = iter(items)
    exhausted = False
    index = 0

    while True:
        while not exhausted and in_flight < window and len(pending) < 4 * window:
            try:
                item = next(source_iter)
            except StopIteration:
                exhausted = True
                break
            outcome = Outcome(index=index, source=f"<item {index + 1}>")
            index += 1
            if isinstance(item, InputError):
                outcome.source, outcome.failure = item.source, Failure(item.source, item.reason)
                pending.append(outcome)
                continue
            if not isinstance(item, Article):
                raise TypeError(f"batch items must be Article or InputError, not {type(item).__name__}")
            outcome.source = item.source or outcome.source
            outcome.article_id = item.id
            reason = "duplicate of an earlier item in this batch" if dedupe and item.id in seen else None
            reason = reason or (skip(item) if skip else None)
            if dedupe:
                seen.add(item.id)
            if reason:
                outcome.skipped = reason
                pending.append(outcome)
                continue
            pending.append((open_chunk, len(open_chunk.articles), outcome))
            open_chunk.articles.append(item)
            in_flight += 1
            if len(open_chunk.articles) >= batch_size:
                open_chunk.handle = backend.submit(open_chunk.articles)
                open_chunk = _Chunk()
        if not pending:
            return
        head = pending.popleft()
        if isinstance(head, Outcome):
            yield head
            continue
        chunk, position, outcome = head
        if chunk.handle is None:  # the open chunk: send it now rather than wait for more
            chunk.handle = backend.submit(chunk.articles)
            open_chunk = _Chunk()
        if chunk.results is None:
            chunk.results = backend.collect(chunk.handle, len(chunk.articles))
        ok, value = chunk.results[position]
        chunk.results[position] = (ok, None)  # let the finished doc go once it is yielded
        in_flight -= 1
        if ok:
            doc = value if isinstance(value, Doc) else Doc.from_dict(value)
            source = chunk.articles[position].source
            if doc.article.source != source:
                # The contract does not carry ``source``; put it back for the store.
                doc.article = doc.article.replace(source=source)
            outcome.doc = doc
        else:
            outcome.failure = Failure(outcome.source, value)
        yield outcome


# ---------------------------------------------------------------------------
# Work done where the models live (this process, a pool worker, a Ray actor)


def _delay() -> float:
    from .conf import env_float

    return max(0.0, env_float(DELAY_ENV, 0.0))


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, SlantError):
        return f"analysis failed: {message or type(exc).__name__}"
    return f"analysis failed: {type(exc).__name__}: {message}" if message else f"analysis failed: {type(exc).__name__}"


def _analyze(pipeline: Pipeline, article: Article, delay: float) -> tuple[bool, Doc | str]:
    started = time.monotonic()
    try:
        doc = pipeline(Doc(article))
    except Exception as exc:  # noqa: BLE001  (one article's failure must not end the batch)
        return False, _describe(exc)
    finally:
        if delay:
            time.sleep(max(0.0, delay - (time.monotonic() - started)))
    return True, doc


def _limit_threads(threads: int) -> None:
    """Give each worker its share of the cores instead of every core each."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _build(names: Sequence[str], threads: int | None) -> tuple[Pipeline, str | None]:
    """The pipeline with every stage's models loaded, or why one cannot load."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if threads:
        _limit_threads(threads)
    pipeline = Pipeline(names)
    error = _load(pipeline)
    if threads:
        _limit_threads(threads)  # torch may have been imported while loading
    return pipeline, error


def _load(pipeline: Pipeline) -> str | None:
    # A stage that cannot load would fail every article the same way: that
    # is a problem of the installation, not of the inputs, so the batch stops
    # with this message instead of listing one failure per article.
    for spec in pipeline.specs:
        try:
            instance(spec.name)
        except Exception as exc:  # noqa: BLE001
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return f"stage {spec.name!r} cannot load: {message}"
    return None


def _check(results: list[Result]) -> list[Result]:
    for ok, value in results:
        if ok is None:
            raise ModelError(value)
    return results


def _encode(results: list[tuple[bool, Doc | str]]) -> list[Result]:
    # Docs cross process boundaries as their contract dicts: ``Doc.cache``
    # holds spaCy parses and tensors that have no business travelling.
    return [(ok, value.to_dict() if ok else value) for ok, value in results]  # type: ignore[union-attr]


class _Engine:
    def submit(self, articles: list[Article]) -> Any:
        raise NotImplementedError

    def collect(self, handle: Any, n: int) -> list[Result]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _InProcess(_Engine):
    """One worker: this process. Analysis happens when the result is asked for."""

    def __init__(self, names: Sequence[str], delay: float) -> None:
        self.names = list(names)
        self.pipeline: Pipeline | None = None
        self.delay = delay

    def submit(self, articles: list[Article]) -> Any:
        return list(articles)

    def collect(self, handle: Any, n: int) -> list[Result]:
        if self.pipeline is None:  # models load with the first article, not before
            self.pipeline, error = _build(self.names, None)
            if error:
                raise ModelError(error)
        return [_analyze(self.pipeline, article, self.delay) for article in handle]


_WORKER: dict[str, Any] = {}


def _pool_init(names: Sequence[str], threads: int, delay: float) -> None:
    _WORKER["pipeline"], _WORKER["error"] = _build(names, threads)
    _WORKER["delay"] = delay


def _pool_task(articles: list[Article]) -> list[Result]:
    pipeline, error, delay = _WORKER["pipeline"], _WORKER["error"], _WORKER["delay"]
    if error:
        return [(None, error)] * len(articles)
    return _encode([_analyze(pipeline, article, delay) for article in articles])


class _LocalPool(_Engine):
    """N worker processes on this machine, started fresh (spawn), models loaded once each."""

    def __init__(self, names: Sequence[str], workers: int, delay: float) -> None:
        self.names, self.workers, self.delay = list(names), workers, delay
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        self.pool = self._start()

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the driver may hold a database connection, Ray or
        # torch threads, none of which survive a fork.
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_pool_init,
            initargs=(self.names, self.threads, self.delay),
        )

    def submit(self, articles: list[Article]) -> Any:
        return self.pool, self.pool.submit(_pool_task, articles)

    def collect(self, handle: Any, n: int) -> list[Result]:
        from concurrent.futures.process import BrokenProcessPool

        pool, future = handle
        try:
            return _check(future.result())
        except BrokenProcessPool:
            if pool is self.pool:  # start a new pool once; later articles go there
                pool.shutdown(wait=False, cancel_futures=True)
                self.pool = self._start()
            return [(False, "analysis failed: the worker process died (killed, or out of memory)")] * n

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


class _RayWorker:
    """A Ray actor: holds one pipeline with its models, analyses batches of articles."""

    def __init__(self, names: Sequence[str], delay: float) -> None:
        # Ray gives each actor OMP_NUM_THREADS = its CPUs; no more to do here.
        self.pipeline, self.error = _build(names, None)
        self.delay = delay

    def analyze(self, articles: list[Article]) -> list[Result]:
        if self.error:
            return [(None, self.error)] * len(articles)
        return _encode([_analyze(self.pipeline, article, self.delay) for article in articles])


class _Ray(_Engine):
    """N Ray actors, on a local Ray instance or an existing cluster (``address``).

    Ray starts on the first batch sent, so a rerun with nothing left to do
    does not pay for it.
    """

    def __init__(self, names: Sequence[str], workers: int, address: str | None, delay: float) -> None:
        self.names, self.workers, self.address, self.delay = list(names), workers, address, delay
        self.ray: Any = None
        self.actors: list[Any] = []
        self.started = False
        self.turn = 0

    def _start(self) -> None:
        import logging

        import ray

        self.ray = ray
        if not ray.is_initialized():
            if self.address:
                ray.init(address=self.address, logging_level=logging.WARNING)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, logging_level=logging.WARNING)
            self.started = True
        actor = ray.remote(num_cpus=1)(_RayWorker)
        self.actors = [actor.remote(self.names, self.delay) for _ in range(self.workers)]

    def submit(self, articles: list[Article]) -> Any:
        if not self.actors:
            self._start()
        # Round robin: batches are small, and ordered output reads them in turn.
        actor = self.actors[self.turn % len(self.actors)]
        self.turn += 1
        return actor.analyze.remote(list(articles))

    def collect(self, handle: Any, n: int) -> list[Result]:
        try:
            return _check(self.ray.get(handle))
        except self.ray.exceptions.RayError as exc:
            return [(False, f"analysis failed: Ray worker error: {str(exc).strip().splitlines()[0]}")] * n

    def close(self) -> None:
        for actor in self.actors:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001  (already gone)
                pass
        if self.started:
            self.ray.shutdown()


# ---------------------------------------------------------------------------
# Sources and the store


def items_from(sources: Any) -> Iterator[Item]:
    """Items from paths (files, folders) and/or Articles and InputErrors, in order."""
    from .sources import iter_sources

    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            yield from iter_sources(source)
        else:
            yield source


def ingest(
    sources: Any,
    *,
    db: str | None = None,
    stages: Sequence[str] | None = None,
    engine: str = "local",
    workers: int = 1,
    address: str | None = None,
    progress: Callable[[Outcome, IngestSummary], None] | None = None,
    flush_every: int = 32,
    flush_seconds: float = 1.0,
) -> IngestSummary:
    """Analyse and store ``sources`` (paths, or Articles); resumable and idempotent.

    Articles already analysed by this pipeline are skipped without touching
    their rows. Results are saved from the driver in batches of up to
    ``flush_every`` (or every ``flush_seconds``), each batch one transaction.
    """
    from . import store
    from .store.ingest import is_done, save_many

    using = store.setup(db)
    names = Pipeline(stages).names
    pipeline = store.pipeline_id(names)
    summary = IngestSummary(pipeline=pipeline)
    started = time.monotonic()
    buffer: list[Doc] = []
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if buffer:
            save_many(buffer, pipeline, using=using)
            buffer.clear()
        last_flush = time.monotonic()

    def already(article: Article) -> str | None:
        return "already stored" if is_done(article.id, pipeline, using=using) else None

    try:
        for outcome in run(items_from(sources), stages=names, engine=engine, workers=workers,
                           address=address, skip=already, dedupe=True):
            if outcome.doc is not None:
                buffer.append(outcome.doc)
                summary.stored += 1
            elif outcome.failure is not None:
                summary.failures.append(outcome.failure)
            else:
                summary.skipped += 1
            if len(buffer) >= flush_every or time.monotonic() - last_flush >= flush_seconds:
                flush()
            if progress:
                progress(outcome, summary)
    finally:
        # Also on Ctrl-C: what was analysed is kept, so a rerun has less to do.
        flush()
        summary.seconds = time.monotonic() - started
    return summary
