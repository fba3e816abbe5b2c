"""Engines on this machine: this process, or a pool of worker processes.

An engine ``submit``s a chunk of articles and returns a handle; ``collect``
returns the chunk's results in order, or raises ``WorkerLost`` when the
process analysing it died, so the driver can send the chunk again.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ..article import Article
from ..errors import ModelError
from . import work
from .work import Result, WorkerLost


class Engine:
    # Whether chunks go out as soon as they are full (to keep workers busy),
    # or only when the driver needs their results.
    eager = True

    def submit(self, articles: list[Article]) -> Any:
        raise NotImplementedError

    def collect(self, handle: Any, n: int) -> list[Result]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class InProcess(Engine):
    """One worker: this process. Analysis happens when the result is asked for."""

    eager = False

    def __init__(self, names: Sequence[str], wait: float, vector: bool = False) -> None:
        self.names = list(names)
        self.pipeline: Any = None
        self.wait = wait
        self.vector = vector

    def submit(self, articles: list[Article]) -> Any:
        return list(articles)

    def collect(self, handle: Any, n: int) -> list[Result]:
        if self.pipeline is None:  # models load with the first article, not before
            self.pipeline, error = work.build(self.names, None)
            if error:
                raise ModelError(error)
        return [work.analyze(self.pipeline, article, self.wait, vector=self.vector) for article in handle]


_WORKER: dict[str, Any] = {}


def _pool_init(names: Sequence[str], threads: int, wait: float, parent: int, vector: bool = False) -> None:
    work.exit_with_parent(parent)
    _WORKER["pipeline"], _WORKER["error"] = work.build(names, threads)
    _WORKER["wait"] = wait
    _WORKER["vector"] = vector


def _pool_task(articles: list[Article]) -> list[Result]:
    return work.analyze_all(_WORKER["pipeline"], _WORKER["error"], articles, _WORKER["wait"], _WORKER["vector"])


class LocalPool(Engine):
    """N worker processes on this machine, started fresh (spawn), models loaded once each.

    When a worker dies the pool is broken for every chunk it held: the pool
    is started again (once per broken pool) and ``collect`` raises
    ``WorkerLost`` for each of those chunks, which the driver resends.
    """

    def __init__(self, names: Sequence[str], workers: int, wait: float, vector: bool = False) -> None:
        self.names, self.workers, self.wait, self.vector = list(names), workers, wait, vector
        self.threads = max(1, (os.cpu_count() or 1) // workers)
        self.pool = self._start()

    def _start(self) -> Any:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: the driver may hold a database connection, Ray or
        # torch threads, none of which survive a fork. Workers start on the
        # first chunk sent, so a rerun with nothing to do starts none.
        return ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_pool_init,
            initargs=(self.names, self.threads, self.wait, os.getpid(), self.vector),
        )

    def submit(self, articles: list[Article]) -> Any:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self.pool, self.pool.submit(_pool_task, articles)
        except BrokenProcessPool:  # broken since the last collect: start again
            self._restart(self.pool)
            return self.pool, self.pool.submit(_pool_task, articles)

    def collect(self, handle: Any, n: int) -> list[Result]:
        from concurrent.futures.process import BrokenProcessPool

        pool, future = handle
        try:
            return work.check(future.result())
        except BrokenProcessPool:
            self._restart(pool)
            raise WorkerLost("the worker process died (killed, or out of memory)") from None

    def _restart(self, pool: Any) -> None:
        if pool is self.pool:  # once per broken pool; later chunks go to the new one
            pool.shutdown(wait=False, cancel_futures=True)
            self.pool = self._start()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
