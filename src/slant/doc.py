"""``Doc``: one article's text and the named layers of spans over it.

A span is ``[start, end)`` in Python ``str`` indices into ``doc.text``; no
stage keeps its own copy of the text. Layers may hold overlapping spans, and
the same offsets may appear twice with different labels. ``Doc.to_json`` and
``Doc.from_json`` speak the ``slant.analysis/1`` contract (see DESIGN.md) and
round-trip exactly.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Iterable, Mapping

from .article import Article
from .errors import ContractError

SCHEMA = "slant.analysis/1"

# Span fields that the contract names; anything else a stage attaches lives in
# ``Span.attrs`` and is written beside them.
_CORE = ("start", "end", "label", "score")


@dataclasses.dataclass(frozen=True)
class Span:
    """A slice of the text with an optional label, score and extra fields.

    ``attrs`` carries the layer-specific fields of the contract, such as
    ``entity`` for entity mentions, ``speaker``/``cue``/``source`` for quotes
    or ``value`` for dates.
    """

    start: int
    end: int
    label: str | None = None
    score: float | None = None
    attrs: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)):
            raise ContractError(f"span offsets must be integers, got {self.start!r}, {self.end!r}")
        if self.start < 0 or self.end < self.start:
            raise ContractError(f"span [{self.start}, {self.end}) is not a valid range")

    def __getitem__(self, key: str) -> Any:
        return self.attrs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end}
        if self.label is not None:
            out["label"] = self.label
        if self.score is not None:
            out["score"] = self.score
        for key, value in self.attrs.items():
            if key in _CORE:
                raise ContractError(f"span attribute {key!r} shadows a core field")
            out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Span":
        try:
            start, end = data["start"], data["end"]
        except KeyError as exc:
            raise ContractError(f"span without {exc.args[0]!r}: {dict(data)!r}") from None
        attrs = {k: v for k, v in data.items() if k not in _CORE}
        return cls(start, end, data.get("label"), data.get("score"), attrs)


class Doc:
    """The text of one article and the evidence that stages add over it."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.layers: dict[str, list[Span]] = {}
        # Top-level entities of the contract (``entities[]``), filled by the
        # entity stages; each one a dict with id, name, type, aliases, ...
        self.entities: list[dict[str, Any]] = []
        # Extra summary fields stages may add; techniques and persuasive_share
        # are computed from the persuasion layer when the JSON is written.
        self.summary: dict[str, Any] = {}
        # Which stages ran, and which were skipped and why.
        self.stages_run: list[str] = []
        self.stages_skipped: dict[str, str] = {}
        # Per-process working state shared between stages (the spaCy parse,
        # encoder outputs ...). Never serialised.
        self.cache: dict[str, Any] = {}

    @property
    def text(self) -> str:
        return self.article.text

    def __repr__(self) -> str:
        return f"<Doc {self.article.id[:12]} {len(self.text)} chars, layers={sorted(self.layers)}>"

    # -- layers -------------------------------------------------------------

    def set_layer(self, name: str, spans: Iterable[Span]) -> list[Span]:
        """Put ``spans`` (sorted by offsets) in layer ``name``, checking bounds."""
        n = len(self.text)
        checked = []
        for span in spans:
            if not isinstance(span, Span):
                raise ContractError(f"layer {name!r}: expected Span, got {type(span).__name__}")
            if span.end > n:
                raise ContractError(
                    f"layer {name!r}: span [{span.start}, {span.end}) runs past the text ({n} chars)"
                )
            checked.append(span)
        checked.sort(key=lambda s: (s.start, s.end, s.label or ""))
        self.layers[name] = checked
        return checked

    def layer(self, name: str) -> list[Span]:
        return self.layers.get(name, [])

    def span_text(self, span: Span) -> str:
        return self.text[span.start : span.end]

    # -- the contract -------------------------------------------------------

    def computed_summary(self) -> dict[str, Any]:
        summary = dict(self.summary)
        if "persuasion" in self.layers:
            techniques: dict[str, int] = {}
            for span in self.layers["persuasion"]:
                if span.label:
                    techniques[span.label] = techniques.get(span.label, 0) + 1
            summary["techniques"] = dict(sorted(techniques.items(), key=lambda kv: (-kv[1], kv[0])))
            summary["persuasive_share"] = round(self._persuasive_share(), 4)
        return summary

    def _persuasive_share(self) -> float:
        body = self.article.body_start()
        length = len(self.text) - body
        if length <= 0:
            return 0.0
        covered = 0
        cursor = body
        for span in sorted(self.layers.get("persuasion", []), key=lambda s: s.start):
            start, end = max(span.start, cursor), span.end
            if end > start:
                covered += end - start
                cursor = end
        return covered / length

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "article": self.article.as_dict(),
            "layers": {name: [s.as_dict() for s in spans] for name, spans in self.layers.items()},
            "entities": self.entities,
            "summary": self.computed_summary(),
            "stages": {"ran": list(self.stages_run), "skipped": dict(self.stages_skipped)},
        }

    def to_json(self, **dumps: Any) -> str:
        dumps.setdefault("ensure_ascii", False)
        return json.dumps(self.to_dict(), **dumps)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Doc":
        if data.get("schema") != SCHEMA:
            raise ContractError(f"expected schema {SCHEMA!r}, got {data.get('schema')!r}")
        try:
            article = Article.from_dict(data["article"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ContractError(f"bad article object: {exc}") from None
        doc = cls(article)
        for name, spans in (data.get("layers") or {}).items():
            doc.set_layer(name, (Span.from_dict(s) for s in spans))
        doc.entities = list(data.get("entities") or [])
        summary = dict(data.get("summary") or {})
        if "persuasion" in doc.layers:
            summary.pop("techniques", None)
            summary.pop("persuasive_share", None)
        doc.summary = summary
        stages = data.get("stages") or {}
        doc.stages_run = list(stages.get("ran") or [])
        doc.stages_skipped = dict(stages.get("skipped") or {})
        return doc

    @classmethod
    def from_json(cls, text: str) -> "Doc":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContractError(f"not JSON: {exc}") from None
        return cls.from_dict(data)
