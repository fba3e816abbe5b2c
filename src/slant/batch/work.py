"""The work done where the models live: this process, a pool worker, a Ray actor.

A worker builds the pipeline once (models load once per process) and turns
each article into a ``Result``:

- ``(True, doc)``: the analysis, a ``Doc`` here or its contract dict once it
  has crossed a process boundary;
- ``(False, (reason, internal))``: why this article failed; ``internal`` is
  True when the failure is a bug (an exception that is not a ``SlantError``)
  rather than something wrong with the article;
- ``(None, reason)``: no article can be analysed here (a stage cannot load its
  model), which stops the batch with a ``ModelError``.

Nothing here raises for one article: any exception becomes that article's
failure, so the batch goes on.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from typing import Any, Sequence

from ..article import Article
from ..doc import Doc
from ..errors import ModelError, SlantError
from ..pipeline import Pipeline, instance
from ..store.aggregates import embed

DELAY_ENV = "SLANT_TEST_DELAY_PER_ARTICLE"

Result = tuple[bool | None, Any]


class WorkerLost(Exception):
    """The process analysing a chunk died (killed, out of memory, its node gone).

    Raised by an engine's ``collect``; the driver sends the chunk again.
    """


def delay() -> float:
    """``SLANT_TEST_DELAY_PER_ARTICLE``: test-only, so kill tests can kill mid-batch."""
    from ..conf import env_float

    return max(0.0, env_float(DELAY_ENV, 0.0))


def one_line(text: str) -> str:
    """``text`` on one printable line: control characters and lone surrogates escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def describe(exc: BaseException) -> tuple[str, bool]:
    """(reason, internal) for an exception raised while analysing one article."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, SlantError):
        return f"analysis failed: {message or type(exc).__name__}", False
    reason = f"analysis failed: {type(exc).__name__}: {message}" if message else f"analysis failed: {type(exc).__name__}"
    return reason, True


# The Doc.cache key of an article's grouping vector (and, across processes, the contract dict's extra key).
VECTOR = embed.CACHE_KEY


def with_vector(doc: Doc) -> Doc:
    """``doc`` with its article's vector for story grouping in ``doc.cache``, computed here, where the
    models live, so that the driver (which stores results one after another) does not have to. A
    vector that cannot be computed is left out: the store computes it when it groups the article."""
    try:
        doc.cache[VECTOR] = embed.vectors([doc.article.text])[0]
    except Exception:  # noqa: BLE001  (derived data: never fails the article)
        pass
    return doc


def encoded(doc: Doc) -> dict[str, Any]:
    """The contract dict that crosses a process boundary, with the vector (float16 bytes) if there is one."""
    data = doc.to_dict()
    if doc.cache.get(VECTOR) is not None:
        data[f"_{VECTOR}"] = embed.to_bytes(doc.cache[VECTOR])
    return data


def decoded(data: dict[str, Any]) -> Doc:
    """The ``Doc`` of :func:`encoded`'s dict, its vector back in ``doc.cache``."""
    raw = data.pop(f"_{VECTOR}", None)
    doc = Doc.from_dict(data)
    if raw is not None:
        doc.cache[VECTOR] = embed.from_bytes(raw)
    return doc


def analyze(pipeline: Pipeline, article: Article, wait: float, *, encode: bool = False,
            vector: bool = False) -> Result:
    """One article through the pipeline (and its grouping vector, with ``vector``); never raises for the
    article's sake."""
    started = time.monotonic()
    try:
        doc = pipeline(Doc(article))
        if vector:
            with_vector(doc)
        # Docs cross process boundaries as their contract dicts: ``Doc.cache``
        # holds spaCy parses and tensors that have no business travelling.
        return True, (encoded(doc) if encode else doc)
    except Exception as exc:  # noqa: BLE001  (one article's failure must not end the batch)
        return False, describe(exc)
    finally:
        if wait:
            time.sleep(max(0.0, wait - (time.monotonic() - started)))


def analyze_all(pipeline: Pipeline | None, error: str | None, articles: list[Article], wait: float,
                vector: bool = False) -> list[Result]:
    """What a pool worker or a Ray actor sends back for a chunk."""
    if error or pipeline is None:
        return [(None, error)] * len(articles)
    return [analyze(pipeline, article, wait, encode=True, vector=vector) for article in articles]


def limit_threads(threads: int) -> None:
    """Give each worker its share of the cores instead of every core each."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def build(names: Sequence[str], threads: int | None) -> tuple[Pipeline, str | None]:
    """The pipeline with every stage's models loaded, or why one cannot load."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if threads:
        limit_threads(threads)
    pipeline = Pipeline(names)
    error = _load(pipeline)
    if threads:
        limit_threads(threads)  # torch may have been imported while loading
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


def check(results: list[Result]) -> list[Result]:
    """The results, or a ModelError if the worker could not load its models."""
    for ok, value in results:
        if ok is None:
            raise ModelError(value)
    return results


# ---------------------------------------------------------------------------
# Orphans: a worker exits when the process that started it dies

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_SECONDS = 1.0


def exit_with_parent(parent: int) -> None:
    """Make this process exit when ``parent`` (the batch driver) dies.

    A driver killed with ``kill -9`` (or by the out-of-memory killer) cannot
    tell its workers to stop, and a pool worker waiting on its task queue
    holds both ends of the queue's pipe, so it would wait forever, holding
    the models in memory. On Linux the kernel sends this process SIGKILL when
    its parent dies (``prctl(PR_SET_PDEATHSIG)``); everywhere, a daemon thread
    checks once a second that the parent is still ours and exits otherwise.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl here: the watchdog below still works
            pass
    if os.getppid() != parent:  # the parent died before we were watching
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="slant-exit-with-parent", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        if os.getppid() != parent:
            os._exit(1)
