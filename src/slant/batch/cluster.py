"""The Ray engine: N actors, each holding the models, on a local Ray or a cluster.

Chunks go to the live actors in turn. When an actor dies (its process
killed, its node gone), ``collect`` raises ``WorkerLost`` for each chunk it
held; the driver sends those chunks again, and they go to the actors that
are left. The dead actor is replaced by a new one, which Ray places wherever
there is room; it gets work once it is up, so a cluster that lost a node goes
on with the nodes it has and grows back when room appears. Results reach the
store only through the driver, so a chunk sent twice is stored once.
"""

from __future__ import annotations

import os
from typing import Any, Sequence

from ..article import Article
from ..errors import ModelError
from ..store.fingerprint import OUTPUT_SETTINGS, pipeline_id
from . import work
from .local import Engine
from .work import Result, WorkerLost


class _RayWorker:
    """A Ray actor: holds one pipeline with its models, analyses chunks of articles."""

    def __init__(self, names: Sequence[str], wait: float, vector: bool = False) -> None:
        # Ray gives each actor OMP_NUM_THREADS = its CPUs; no more to do here.
        self.pipeline, self.error = work.build(names, None)
        self.wait = wait
        self.vector = vector
        # What this node would store its analyses under: its slant version,
        # model files and packages, settings. The driver compares it with its own.
        self.pipeline_id = pipeline_id(names)

    def ready(self) -> bool:
        return True

    def analyze(self, articles: list[Article]) -> tuple[str, list[Result]]:
        return self.pipeline_id, work.analyze_all(self.pipeline, self.error, articles, self.wait, self.vector)


class Ray(Engine):
    """N Ray actors, on a local Ray instance or an existing cluster (``address``).

    Ray starts on the first chunk sent, so a rerun with nothing left to do
    does not pay for it.
    """

    def __init__(self, names: Sequence[str], workers: int, address: str | None, wait: float,
                 vector: bool = False) -> None:
        self.names, self.workers, self.address, self.wait, self.vector = list(names), workers, address, wait, vector
        self.pipeline_id = pipeline_id(self.names)
        self.ray: Any = None
        self.actor_class: Any = None
        self.actors: list[Any] = []
        self.starting: dict[Any, Any] = {}  # replacement actor -> its ready() reference
        self.started = False
        self.turn = 0

    def _start(self) -> None:
        import logging

        import ray

        self.ray = ray
        if not ray.is_initialized():
            # Workers' and raylets' logs stay in the cluster's log files: on the
            # driver's stdout they would mix with the command's own output.
            if self.address:
                ray.init(address=self.address, logging_level=logging.WARNING, log_to_driver=False)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, logging_level=logging.WARNING,
                         log_to_driver=False)
            self.started = True
        # No restarts by Ray: a dead actor's chunks are resent by the driver,
        # which counts the attempts (an article that kills every worker it
        # meets must fail, not loop).
        # The settings that change an analysis travel with the actors, so a
        # node analyses as the driver would.
        settings = {name: os.environ[name] for name in OUTPUT_SETTINGS if name in os.environ}
        self.actor_class = ray.remote(num_cpus=1, max_restarts=0,
                                      runtime_env={"env_vars": settings} if settings else None)(_RayWorker)
        self.actors = [self.actor_class.remote(self.names, self.wait, self.vector) for _ in range(self.workers)]

    def submit(self, articles: list[Article]) -> Any:
        if self.ray is None:
            self._start()
        self._welcome()
        while not self.actors:  # every actor died: wait for a replacement to come up
            self._welcome(timeout=None)
        # Round robin: chunks are small, and ordered output reads them in turn.
        actor = self.actors[self.turn % len(self.actors)]
        self.turn += 1
        return actor, actor.analyze.remote(list(articles))

    def collect(self, handle: Any, n: int) -> list[Result]:
        actor, ref = handle
        exceptions = self.ray.exceptions
        try:
            pipeline, results = self.ray.get(ref)
        except exceptions.RayTaskError as exc:  # the task itself raised: not a lost worker
            reason = f"analysis failed: Ray task error: {str(exc).strip().splitlines()[0]}"
            return [(False, (reason, True))] * n
        except exceptions.RayError as exc:  # actor died or unreachable, node gone, result lost
            self._replace(actor)
            raise WorkerLost(f"the Ray worker was lost ({type(exc).__name__})") from None
        if pipeline != self.pipeline_id:
            raise ModelError(
                f"a Ray worker analyses with pipeline {pipeline}, this driver with {self.pipeline_id}: install "
                "the same slant version and models, with the same SLANT_* settings, on every node"
            )
        return work.check(results)

    def _replace(self, actor: Any) -> None:
        if actor in self.actors:
            self.actors.remove(actor)
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001  (already gone)
                pass
            self._add_replacement()

    def _welcome(self, timeout: float | None = 0) -> None:
        """Give work to replacement actors that are up (waiting ``timeout`` seconds for one)."""
        if not self.starting:
            return
        refs = {ref: actor for actor, ref in self.starting.items()}
        ready, _ = self.ray.wait(list(refs), num_returns=1 if timeout is None else len(refs), timeout=timeout)
        for ref in ready:
            actor = refs[ref]
            del self.starting[actor]
            try:
                self.ray.get(ref)
            except self.ray.exceptions.RayError:  # died while starting: try again
                self._add_replacement()
                continue
            self.actors.append(actor)

    def _add_replacement(self) -> None:
        new = self.actor_class.remote(self.names, self.wait, self.vector)
        self.starting[new] = new.ready.remote()

    def close(self) -> None:
        if self.ray is None:
            return
        for actor in [*self.actors, *self.starting]:
            try:
                self.ray.kill(actor)
            except Exception:  # noqa: BLE001  (already gone)
                pass
        if self.started:
            self.ray.shutdown()
