"""Stages registered by name, and the runner that checks and applies them.

A stage is a callable ``Doc -> Doc`` built once per process by a factory.
It declares the layers it ``needs`` and the layers it ``adds``, and the
languages it can read. The runner:

1. checks, before any article is read, that each stage's needs are added by a
   stage before it (``PipelineError`` otherwise);
2. for each article, skips a stage whose language does not match or whose
   needs were not produced, and records why in ``doc.stages_skipped``: a
   non-English article is analysed as far as the stages allow, never guessed at;
3. refuses a stage that returns anything but the Doc, or forgets a layer it
   promised.

Stage modules register themselves with ``@register``; ``slant.stages``
imports them all, so importing the registry never imports a stage back.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Callable, Iterable, Protocol, Sequence

from .doc import Doc
from .errors import ModelError, PipelineError


class StageFn(Protocol):
    def __call__(self, doc: Doc) -> Doc: ...


@dataclasses.dataclass(frozen=True)
class StageSpec:
    name: str
    factory: Callable[[], StageFn]
    needs: tuple[str, ...] = ()
    adds: tuple[str, ...] = ()
    # ISO 639-1 codes the stage can read; None means any language.
    languages: frozenset[str] | None = None
    description: str = ""


_REGISTRY: dict[str, StageSpec] = {}
_INSTANCES: dict[str, StageFn] = {}
_FAILED: dict[str, ModelError] = {}
_LOCK = threading.Lock()

# The stages `analyze` runs when none are named, in order. Issues add to it as
# their stages land; a stage that is not registered (an optional model that is
# absent) is left out with a note rather than failing the whole run.
DEFAULT_STAGES: list[str] = [
    "language",
    "sentences",
    "entities",
    "persuasion",
    "entity_merge",
    "quotes",
    "stance",  # after quotes: quoted speakers' opinions are left out of the author's stance
    "dates",
]


def register(
    name: str,
    *,
    needs: Sequence[str] = (),
    adds: Sequence[str] = (),
    languages: Iterable[str] | None = None,
    description: str = "",
) -> Callable[[Callable[[], StageFn]], Callable[[], StageFn]]:
    """Register a stage factory under ``name``.

    The factory is called once per process, the first time the stage runs,
    so models load once and are shared by every article.
    """

    def decorate(factory: Callable[[], StageFn]) -> Callable[[], StageFn]:
        if name in _REGISTRY and _REGISTRY[name].factory is not factory:
            raise PipelineError(f"stage {name!r} is registered twice")
        _REGISTRY[name] = StageSpec(
            name=name,
            factory=factory,
            needs=tuple(needs),
            adds=tuple(adds),
            languages=frozenset(languages) if languages is not None else None,
            description=description or (factory.__doc__ or "").strip().split("\n")[0],
        )
        return factory

    return decorate


def registry() -> dict[str, StageSpec]:
    from . import stages  # noqa: F401  (registers the built-in stages)

    return dict(_REGISTRY)


def instance(name: str) -> StageFn:
    """The process-wide instance of stage ``name`` (built on first use)."""
    spec = registry()[name]
    with _LOCK:
        if name in _FAILED:
            raise _FAILED[name]
        if name not in _INSTANCES:
            try:
                _INSTANCES[name] = spec.factory()
            except ModelError as exc:
                # Remember it: a missing model is not looked for again per article.
                _FAILED[name] = exc
                raise
        return _INSTANCES[name]


def _is_layer(name: str) -> bool:
    """Whether a needs/adds name is a span layer.

    Other names stand for fields of the contract that a stage fills: a
    top-level list such as ``entities[]`` (which may rightly stay empty) or an
    article field such as ``article.language``.
    """
    return not (name.endswith("[]") or "." in name)


class Pipeline:
    """An ordered, checked list of stages."""

    def __init__(self, names: Sequence[str] | None = None, *, strict: bool = False) -> None:
        known = registry()
        if names is None:
            names = [n for n in DEFAULT_STAGES if n in known]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise PipelineError(
                f"unknown stage(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
            )
        self.specs = [known[n] for n in names]
        available: set[str] = set()
        for spec in self.specs:
            missing = [layer for layer in spec.needs if layer not in available]
            if missing:
                raise PipelineError(
                    f"stage {spec.name!r} needs layer(s) {', '.join(missing)}, "
                    "which no earlier stage adds; put the stage that adds them first"
                )
            available.update(spec.adds)
        self.strict = strict

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.specs]

    def __repr__(self) -> str:
        return f"Pipeline({self.names})"

    def warm_up(self) -> None:
        """Load every stage's models now rather than on the first article."""
        for spec in self.specs:
            instance(spec.name)

    def __call__(self, doc: Doc) -> Doc:
        produced: set[str] = set(doc.layers)
        for spec in self.specs:
            reason = self._skip_reason(spec, doc, produced)
            if reason:
                doc.stages_skipped[spec.name] = reason
                continue
            try:
                stage = instance(spec.name)
            except ModelError as exc:
                # A stage whose model files are absent is reported, not guessed
                # around: the output says it was skipped and why. ``strict``
                # pipelines (tests of a stage itself) raise instead.
                if self.strict:
                    raise
                doc.stages_skipped[spec.name] = f"model unavailable: {exc}"
                continue
            result = stage(doc)
            if result is not doc:
                raise PipelineError(f"stage {spec.name!r} returned {type(result).__name__}, not the Doc it was given")
            forgotten = [layer for layer in spec.adds if _is_layer(layer) and layer not in doc.layers]
            if forgotten:
                raise PipelineError(f"stage {spec.name!r} promised layer(s) {', '.join(forgotten)} but did not add them")
            produced.update(spec.adds)
            doc.stages_run.append(spec.name)
        return doc

    @staticmethod
    def _skip_reason(spec: StageSpec, doc: Doc, produced: set[str]) -> str | None:
        if spec.languages is not None:
            lang = doc.article.language
            if lang is None:
                return "the article's language is unknown"
            if lang not in spec.languages:
                return f"the article is in {lang!r}; this stage reads {', '.join(sorted(spec.languages))} only"
        missing = [layer for layer in spec.needs if layer not in produced]
        if missing:
            return f"needs layer(s) {', '.join(missing)}, which were not produced"
        return None
