"""The driver: items in, one Outcome per item out, in input order, whatever happens.

``run`` reads items (``Article``, the ``InputError`` a reader yielded for a
bad input, or a ``Failure``), sends articles in chunks to an engine, and
yields one ``Outcome`` per item in input order. At most a window of articles
is in flight, so a long batch streams rather than piling up in memory.

What can go wrong with one item stays with that item:

- a reader that raises instead of yielding an ``InputError`` (a bug) ends
  only that file: ``items_from`` reads each file on its own and turns the
  exception into an internal ``Failure`` naming the file, and the batch goes
  on with the next file;
- a stage that raises on one article fails that article;
- a worker process that dies (killed, out of memory, its Ray node gone)
  loses nothing: its chunks are sent again, up to ``ATTEMPTS`` times, then
  one article at a time, so only an article that kills every worker it meets
  fails.

Only a stage that cannot load its model at all stops the batch, with a
``ModelError`` (an installation problem, not an input one).
"""

from __future__ import annotations

import collections
import dataclasses
import os
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..article import Article
from ..doc import Doc
from ..errors import InputError
from ..pipeline import Pipeline
from . import work
from .local import Engine, InProcess, LocalPool
from .work import Result, WorkerLost, one_line

ENGINES = ("local", "ray")
# Sends of one chunk before its articles are tried one at a time.
ATTEMPTS = 3


@dataclasses.dataclass(frozen=True)
class Failure:
    """An input that could not be read, or an article whose analysis failed.

    ``internal`` marks a bug in slant (an exception that is not a
    ``SlantError``) rather than something wrong with the input; the CLI gives
    it its own exit code.
    """

    source: str
    reason: str
    internal: bool = False

    def __str__(self) -> str:
        # One line, whatever the file name holds (newlines, undecodable bytes).
        return f"{one_line(self.source)}: {one_line(self.reason)}"


Item = Article | InputError | Failure


@dataclasses.dataclass
class Outcome:
    """What became of one input item; exactly one of doc, failure, skipped is set."""

    index: int
    source: str
    doc: Doc | None = None
    failure: Failure | None = None
    skipped: str | None = None  # why it was not analysed (already stored, duplicate)
    article_id: str | None = None


def run(
    items: Iterable[Item],
    *,
    stages: Sequence[str] | None = None,
    engine: str = "local",
    workers: int = 1,
    address: str | None = None,
    skip: Callable[[Article], str | None] | None = None,
    skip_many: Callable[[list[Article]], dict[str, str]] | None = None,
    dedupe: bool = False,
    batch_size: int | None = None,
    vector: bool = False,
) -> Iterator[Outcome]:
    """Analyse ``items`` and yield one Outcome per item, in input order.

    ``skip(article)`` returns a reason to leave an article out (e.g. already
    stored), or None; ``skip_many(articles)`` does the same for a chunk at
    once, as ``{article id: reason}``. Both are asked just before the chunk
    goes to a worker, so work another process finished meanwhile is not done
    again. With ``dedupe``, an article whose text appeared earlier in the
    batch is skipped. With ``vector``, the workers also compute each
    article's vector for story grouping (``Doc.cache``), for the store.
    ``stages`` is checked before anything runs.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if address and engine != "ray":
        raise ValueError("--address is for the Ray engine; add --engine ray")
    names = Pipeline(stages).names  # a PipelineError is raised here, before any work
    # A bad SLANT_MAX_BYTES / SLANT_MAX_CHARS is a setting of the whole run, not of one item: a
    # SettingError here, before any input is read, rather than the same failure for every item.
    from ..read.limits import Limits

    Limits.resolve()
    wait = work.delay()
    backend: Engine
    if engine == "ray":
        from .cluster import Ray

        backend = Ray(names, workers, address, wait, vector)
        batch_size = batch_size or 8
    elif workers > 1:
        backend = LocalPool(names, workers, wait, vector)
        batch_size = batch_size or 1
    else:
        backend = InProcess(names, wait, vector)
        batch_size = 1
    window = max(4, 2 * workers * batch_size)
    return _closing(_drive(items, backend, batch_size=batch_size, window=window,
                           skip=_skipper(skip, skip_many), dedupe=dedupe), backend)


def _skipper(skip: Callable[[Article], str | None] | None,
             skip_many: Callable[[list[Article]], dict[str, str]] | None,
             ) -> Callable[[list[Article]], dict[str, str]] | None:
    if skip is None and skip_many is None:
        return None

    def reasons(articles: list[Article]) -> dict[str, str]:
        found = dict(skip_many(articles)) if skip_many else {}
        if skip:
            for article in articles:
                if article.id not in found and (reason := skip(article)):
                    found[article.id] = reason
        return found

    return reasons


def _closing(outcomes: Iterator[Outcome], backend: Engine) -> Iterator[Outcome]:
    try:
        yield from outcomes
    finally:
        backend.close()


class _Chunk:
    """Articles sent to a worker together; their results come back together."""

    def __init__(self) -> None:
        self.slots: list[tuple[Article, Outcome]] = []
        self.articles: list[Article] = []  # those sent (the slots less the skipped)
        self.handle: Any = None
        self.sent = False
        self.results: dict[int, Result] | None = None  # by the outcome's index


def _drive(
    items: Iterable[Item],
    backend: Engine,
    *,
    batch_size: int,
    window: int,
    skip: Callable[[list[Article]], dict[str, str]] | None,
    dedupe: bool,
) -> Iterator[Outcome]:
    # ``pending`` holds, in input order, finished outcomes (bad input,
    # duplicates) and slots (chunk, outcome) of articles on their way. Reading
    # pauses while ``window`` articles are in flight or too many outcomes wait,
    # so memory stays bounded however long the stream.
    pending: collections.deque[Outcome | tuple[_Chunk, Outcome]] = collections.deque()
    open_chunk = _Chunk()
    in_flight = 0
    seen: set[str] = set()
    source_iter = iter(items)
    exhausted = False
    index = 0

    def send(chunk: _Chunk) -> None:
        chunk.sent = True
        reasons = skip([a for a, _ in chunk.slots]) if skip else {}
        for article, outcome in chunk.slots:
            if article.id in reasons:
                outcome.skipped = reasons[article.id]
            else:
                chunk.articles.append(article)
        if chunk.articles:
            chunk.handle = backend.submit(chunk.articles)

    while True:
        while not exhausted and in_flight < window and len(pending) < 4 * window:
            try:
                item = next(source_iter)
            except StopIteration:
                exhausted = True
                break
            except Exception as exc:  # noqa: BLE001  (a reader's bug: keep what came before)
                exhausted = True
                source = f"<item {index + 1}>"
                failure = Failure(source, f"reading failed: {type(exc).__name__}: {exc}", True)
                pending.append(Outcome(index=index, source=source, failure=failure))
                index += 1
                break
            outcome = Outcome(index=index, source=f"<item {index + 1}>")
            index += 1
            if isinstance(item, (InputError, Failure)):
                failure = item if isinstance(item, Failure) else Failure(item.source, item.reason)
                outcome.source, outcome.failure = failure.source, failure
                pending.append(outcome)
                continue
            if not isinstance(item, Article):
                raise TypeError(f"batch items must be Article, InputError or Failure, not {type(item).__name__}")
            outcome.source = item.source or outcome.source
            try:
                outcome.article_id = item.id
            except Exception as exc:  # noqa: BLE001  (e.g. a text the id cannot hash: this item only)
                outcome.failure = Failure(outcome.source, f"reading failed: {type(exc).__name__}: {exc}", True)
                pending.append(outcome)
                continue
            if dedupe and item.id in seen:
                outcome.skipped = "duplicate of an earlier item in this batch"
                pending.append(outcome)
                continue
            if dedupe:
                seen.add(item.id)
            pending.append((open_chunk, outcome))
            open_chunk.slots.append((item, outcome))
            in_flight += 1
            if len(open_chunk.slots) >= batch_size:
                if backend.eager:
                    send(open_chunk)
                open_chunk = _Chunk()
        if not pending:
            return
        head = pending.popleft()
        if isinstance(head, Outcome):
            yield head
            continue
        chunk, outcome = head
        in_flight -= 1
        if not chunk.sent:  # the open chunk, or a lazy engine's: send it now
            send(chunk)
            if chunk is open_chunk:
                open_chunk = _Chunk()
        if outcome.skipped is None:
            if chunk.results is None:
                chunk.results = dict(zip((o.index for a, o in chunk.slots if o.skipped is None),
                                         _collect(backend, chunk)))
            ok, value = chunk.results.pop(outcome.index)
            _settle(outcome, ok, value, chunk)
        yield outcome


def _collect(backend: Engine, chunk: _Chunk) -> list[Result]:
    """The chunk's results; a chunk whose worker died is sent again, then split."""
    handle, lost = chunk.handle, ""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return backend.collect(handle, len(chunk.articles))
        except WorkerLost as exc:
            lost = str(exc)
            if attempt < ATTEMPTS:
                handle = backend.submit(chunk.articles)
    if len(chunk.articles) == 1:
        return [(False, (f"analysis failed: {lost}, {ATTEMPTS} times on this article", True))]
    # The chunk keeps losing its worker: one article at a time finds the one that does it.
    results: list[Result] = []
    for article in chunk.articles:
        single = _Chunk()
        single.articles = [article]
        single.handle = backend.submit([article])
        results.extend(_collect(backend, single))
    return results


def _settle(outcome: Outcome, ok: bool | None, value: Any, chunk: _Chunk) -> None:
    if not ok:
        reason, internal = value if isinstance(value, tuple) else (str(value), True)
        outcome.failure = Failure(outcome.source, reason, internal)
        return
    try:
        doc = value if isinstance(value, Doc) else work.decoded(value)
        source = next(a.source for a, o in chunk.slots if o is outcome)
        if doc.article.source != source:
            # The contract does not carry ``source``; put it back for the store.
            doc.article = doc.article.replace(source=source)
    except Exception as exc:  # noqa: BLE001  (a result that does not read back fails its article only)
        reason, _ = work.describe(exc)
        outcome.failure = Failure(outcome.source, reason, True)
        return
    outcome.doc = doc


# ---------------------------------------------------------------------------
# Items from paths


def items_from(sources: Any) -> Iterator[Item]:
    """Items from paths (files, folders) and/or Articles and InputErrors, in order.

    Each file is read on its own: a reader that raises (a bug; readers are
    meant to yield an ``InputError`` for a bad input) ends that file with an
    internal ``Failure`` naming it, and the next file is read.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    for source in sources:
        if not isinstance(source, (str, os.PathLike)):
            yield source
            continue
        name = os.fspath(source)
        files = _files(name)
        if files is None:
            yield from _guarded(name)
        else:
            for file in files:
                yield from _guarded(file)


def _files(name: str) -> list[str] | None:
    """The files a folder holds, in the readers' order; None for anything else."""
    if not os.path.isdir(name):
        return None
    from ..sources import walk

    return walk(name)


def _guarded(path: str) -> Iterator[Item]:
    from ..sources import iter_sources

    reader = iter(iter_sources(path))
    while True:
        try:
            item = next(reader)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001  (a reader's bug ends this file only)
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            yield Failure(path, f"reading failed: {type(exc).__name__}{': ' + message if message else ''}", True)
            return
        yield item
