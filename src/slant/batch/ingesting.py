"""Ingest: the batch driver plus the store; resumable, idempotent, honest counts.

Articles already analysed by this pipeline are skipped without touching
their rows; the check is made for each chunk just before it goes to a
worker, so a second ingest running beside this one does not redo what the
first has stored meanwhile. Results are saved from the driver in batches,
each one transaction, so the ingest can be killed at any moment and rerun:
the rerun skips what was committed and analyses the rest, nothing twice.

``stored`` counts the analyses this run really inserted. An article that
another process stored between the check and the save is counted as
skipped, not stored.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Sequence

from ..article import Article
from ..doc import Doc
from ..pipeline import Pipeline
from .driver import Failure, Outcome, items_from, run


@dataclasses.dataclass
class IngestSummary:
    pipeline: str
    stored: int = 0  # analyses inserted by this run
    skipped: int = 0  # already stored (before this run, or by another process meanwhile), or repeated
    failures: list[Failure] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    seen: int = 0  # items met so far

    @property
    def internal(self) -> bool:
        """Whether any failure is a bug in slant rather than a bad input."""
        return any(f.internal for f in self.failures)


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

    Results are saved from the driver in batches of up to ``flush_every``
    (or every ``flush_seconds``), each batch one transaction.
    """
    from .. import store
    from ..store.ingest import done_ids

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
            stored, failures = _save(buffer, pipeline, using)
            summary.stored += stored
            summary.skipped += len(buffer) - stored - len(failures)
            summary.failures.extend(failures)
            buffer.clear()
        last_flush = time.monotonic()

    def already(articles: list[Article]) -> dict[str, str]:
        return dict.fromkeys(done_ids([a.id for a in articles], pipeline, using=using), "already stored")

    try:
        for outcome in run(items_from(sources), stages=names, engine=engine, workers=workers,
                           address=address, skip_many=already, dedupe=True, vector=_grouping_on()):
            summary.seen += 1
            if outcome.doc is not None:
                buffer.append(outcome.doc)
            elif outcome.failure is not None:
                summary.failures.append(outcome.failure)
            else:
                summary.skipped += 1
            if len(buffer) >= flush_every or time.monotonic() - last_flush >= flush_seconds:
                flush()
            if progress:
                progress(outcome, summary)
    finally:
        # Also on Ctrl-C or a crash: what was analysed is kept, so a rerun has less to do.
        flush()
        summary.seconds = time.monotonic() - started
    return summary


def _grouping_on() -> bool:
    """Whether stored articles join stories (``SLANT_STORIES``): then the workers compute their vectors."""
    from ..store.aggregates.stories import ENABLED

    return ENABLED


def _save(docs: list[Doc], pipeline: str, using: str) -> tuple[int, list[Failure]]:
    """Save ``docs`` in one transaction; if that fails, one by one, so one bad row fails alone."""
    from django.db import DataError, IntegrityError

    from ..store.ingest import save_many

    try:
        return save_many(docs, pipeline, using=using), []
    except (DataError, IntegrityError, ValueError, UnicodeError):
        pass
    stored, failures = 0, []
    for doc in docs:
        try:
            stored += save_many([doc], pipeline, using=using)
        except (DataError, IntegrityError, ValueError, UnicodeError) as exc:
            source = doc.article.source or doc.article.id
            failures.append(Failure(source, f"cannot be stored: {type(exc).__name__}: {exc}", True))
    return stored, failures
