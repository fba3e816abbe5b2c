"""What both reports show, read from a Doc once: spans, entities, quotes, dates.

The terminal and HTML reports differ only in how they draw; everything they
pick, sort and look up lives here so the two always agree. Every piece of text
shown is a slice of ``doc.text`` at offsets a stage wrote; nothing is searched
for again.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
from typing import Any, Mapping

from ..doc import Doc, Span
from ..techniques import TECHNIQUES, display_name

# One colour per technique, commonest in the PTC corpus first: fourteen hues
# cannot all be far apart, so the frequent techniques get the clearest ones.
# Text stays dark on their light tints.
_PALETTE: dict[str, str] = {
    "Loaded_Language": "#d53f8c",  # pink
    "Name_Calling,Labeling": "#3182ce",  # blue
    "Doubt": "#805ad5",  # purple
    "Exaggeration,Minimisation": "#dd6b20",  # orange
    "Appeal_to_fear-prejudice": "#c53030",  # red
    "Flag-Waving": "#2f855a",  # green
    "Causal_Oversimplification": "#b7791f",  # ochre
    "Slogans": "#0bc5ea",  # cyan
    "Appeal_to_Authority": "#744210",  # brown
    "Black-and-White_Fallacy": "#234e52",  # dark teal
    "Repetition": "#718096",  # grey
    "Thought-terminating_Cliches": "#7b8b19",  # olive
    "Whataboutism,Straw_Men,Red_Herring": "#97266d",  # plum
    "Bandwagon,Reductio_ad_hitlerum": "#1a365d",  # navy
}

_EXTRA = ("#4a5568", "#9c4221", "#285e61", "#702459", "#276749", "#44337a")


def as_doc(doc: "Doc | Mapping[str, Any]") -> Doc:
    """Accept a Doc or its ``slant.analysis/1`` dict."""
    return doc if isinstance(doc, Doc) else Doc.from_dict(doc)


def colour(label: str | None) -> str:
    """The technique's colour; labels outside the 14 get a stable one from a hash."""
    if label in _PALETTE:
        return _PALETTE[label]
    digest = hashlib.sha1((label or "").encode("utf-8")).digest()
    return _EXTRA[digest[0] % len(_EXTRA)]


def tint(hex_colour: str, amount: float = 0.78) -> str:
    """Blend a colour towards white (for backgrounds under dark text)."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def is_light(hex_colour: str) -> bool:
    """Whether dark text reads better than white on this colour (relative luminance)."""
    def channel(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # The crossing point where black and white text have equal contrast.
    return luminance > 0.179


def technique_name(label: str | None) -> str:
    return display_name(label) if label else "Unlabelled"


def definition(label: str | None) -> str:
    return TECHNIQUES.get(label or "", "A technique outside the PTC set; no definition available.")


def fmt_score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"


def persuasion_spans(doc: Doc, threshold: float | None = None) -> list[Span]:
    """The persuasion layer, in text order, without spans scored below ``threshold``."""
    spans = doc.layer("persuasion")
    if threshold is not None:
        spans = [s for s in spans if s.score is None or s.score >= threshold]
    return sorted(spans, key=lambda s: (s.start, -s.end, s.label or ""))


def technique_counts(spans: list[Span]) -> list[tuple[str, int, float | None]]:
    """``(label, count, mean score)`` per technique, commonest first."""
    counts: dict[str, list[float | None]] = {}
    for span in spans:
        counts.setdefault(span.label or "", []).append(span.score)
    rows = []
    for label, scores in counts.items():
        known = [s for s in scores if s is not None]
        rows.append((label, len(scores), sum(known) / len(known) if known else None))
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows


def covered_share(doc: Doc, spans: list[Span]) -> float:
    """Share of body characters covered by at least one of ``spans`` (as in the contract)."""
    body = doc.article.body_start()
    length = len(doc.text) - body
    if length <= 0:
        return 0.0
    covered, cursor = 0, body
    for span in sorted(spans, key=lambda s: s.start):
        a, b = max(span.start, cursor), span.end
        if b > a:
            covered += b - a
            cursor = b
    return covered / length


# -- sentences and snippets -------------------------------------------------


class Sentences:
    """Finds the sentence around an offset, from the sentences layer if there is one."""

    def __init__(self, doc: Doc) -> None:
        self.text = doc.text
        spans = sorted(doc.layer("sentences"), key=lambda s: s.start)
        self.starts = [s.start for s in spans]
        self.spans = spans

    def around(self, start: int, end: int, attrs: Mapping[str, Any] | None = None) -> tuple[int, int]:
        """The stage's own sentence bounds if it gave them, else the sentences layer, else a window."""
        attrs = attrs or {}
        s, e = attrs.get("sentence_start"), attrs.get("sentence_end")
        if isinstance(s, int) and isinstance(e, int) and 0 <= s <= start and end <= e <= len(self.text):
            return s, e
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and self.spans[i].end >= end:
            return self.spans[i].start, self.spans[i].end
        # No sentence holds the whole span: a window of text around it.
        a = max(0, start - 80)
        b = min(len(self.text), end + 80)
        return a, b


@dataclasses.dataclass(frozen=True)
class Snippet:
    """A stretch of text with one part (the mention or expression) marked.

    ``before + marked + after`` is ``text[start:end]`` with runs of whitespace
    folded; ``cut_left``/``cut_right`` say whether it was shortened.
    """

    before: str
    marked: str
    after: str
    cut_left: bool = False
    cut_right: bool = False


def _fold(text: str) -> str:
    return " ".join(text.split()) if text.strip() else ""


def snippet(text: str, outer: tuple[int, int], inner: tuple[int, int], *, width: int = 160) -> Snippet:
    """``text[outer]`` with ``text[inner]`` marked, cut to about ``width`` characters around it."""
    a, b = outer
    s, e = max(a, inner[0]), min(b, inner[1])
    if e < s:
        s = e = a
    room = max(0, width - (e - s)) // 2
    left_from = max(a, s - room)
    right_to = min(b, e + room)
    # Cut at word boundaries rather than inside a word.
    if left_from > a:
        space = text.find(" ", left_from, s)
        left_from = space + 1 if space != -1 else left_from
    if right_to < b:
        space = text.rfind(" ", e, right_to)
        right_to = space if space != -1 else right_to
    before = text[left_from:s]
    after = text[e:right_to]
    # Fold whitespace but keep the space next to the marked part.
    fb = _fold(before) + (" " if before[-1:].isspace() and before.strip() else "")
    fa = (" " if after[:1].isspace() and after.strip() else "") + _fold(after)
    return Snippet(fb, _fold(text[s:e]) or text[s:e], fa, left_from > a, right_to < b)


_QUOTE_MARKS = "\"'“”‘’«»„‚"


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it already starts or ends with its own."""
    if text[:1] in _QUOTE_MARKS or text[-1:] in _QUOTE_MARKS:
        return text
    return f"“{text}”"


def shorten(text: str, width: int) -> str:
    text = _fold(text)
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"


# -- entities ---------------------------------------------------------------

# The contract leaves the name of the "same actor, several spellings" flag to
# the entity stage; accept the names it is likely to use.
_SPELLING_KEYS = ("spelling_variants", "variant_spellings", "spellings", "transliteration_variants")
_SPELLING_FLAGS = ("spelling_flag", "has_spelling_variants", "multiple_spellings")


def spelling_variants(entity: Mapping[str, Any]) -> list[str] | None:
    """The spellings of one actor when the entity stage flagged several, else None."""
    for key in _SPELLING_KEYS:
        value = entity.get(key)
        if isinstance(value, (list, tuple)) and len(value) > 1:
            return [str(v) for v in value]
        if value is True:
            return [str(a) for a in entity.get("aliases") or []]
    for key in _SPELLING_FLAGS:
        if entity.get(key):
            return [str(a) for a in entity.get("aliases") or []]
    return None


@dataclasses.dataclass
class EntityView:
    id: str
    name: str
    type: str
    aliases: list[str]
    mentions: int
    stance_label: str | None
    stance_score: float | None
    spellings: list[str] | None
    evidence: list[tuple[Span, Snippet]]


def entity_views(doc: Doc, sentences: Sentences, *, evidence_per_entity: int = 2) -> list[EntityView]:
    """Top-level entities, most mentioned first, with their strongest stance evidence."""
    evidence: dict[str, list[Span]] = {}
    for span in doc.layer("stance"):
        ent = span.get("entity")
        if ent is not None:
            evidence.setdefault(str(ent), []).append(span)
    mention_counts: dict[str, int] = {}
    for span in doc.layer("entities"):
        ent = span.get("entity")
        if ent is not None:
            mention_counts[str(ent)] = mention_counts.get(str(ent), 0) + 1
    views = []
    for entity in doc.entities:
        eid = str(entity.get("id", ""))
        stance = entity.get("stance") if isinstance(entity.get("stance"), Mapping) else {}
        label = stance.get("label")
        # Show the evidence that agrees with the overall stance first, strongest first.
        spans = sorted(
            evidence.get(eid, []),
            key=lambda s: (s.label != label, -(s.score or 0.0), s.start),
        )[:evidence_per_entity]
        shown = [(s, snippet(doc.text, sentences.around(s.start, s.end, s.attrs), (s.start, s.end))) for s in spans]
        mentions = entity.get("mentions")
        if not isinstance(mentions, int):
            mentions = len(mentions) if isinstance(mentions, list) else mention_counts.get(eid, 0)
        views.append(
            EntityView(
                id=eid,
                name=str(entity.get("name") or eid),
                type=str(entity.get("type") or ""),
                aliases=[str(a) for a in entity.get("aliases") or []],
                mentions=mentions,
                stance_label=label,
                stance_score=stance.get("score"),
                spellings=spelling_variants(entity),
                evidence=shown,
            )
        )
    views.sort(key=lambda v: (-v.mentions, v.name.lower()))
    return views


def raw_mentions(doc: Doc) -> list[tuple[str, str, int]]:
    """``(text, type, count)`` of raw NER mentions, for when no entities were merged."""
    counts: dict[tuple[str, str], int] = {}
    for span in doc.layer("entities"):
        key = (_fold(doc.span_text(span)), span.label or "")
        counts[key] = counts.get(key, 0) + 1
    return sorted(((t, l, c) for (t, l), c in counts.items()), key=lambda r: (-r[2], r[0].lower()))


def entity_name(doc: Doc, names: Mapping[str, str], ref: Any, start: Any = None, end: Any = None) -> str | None:
    """An entity id's name; else the text at ``start:end`` if given; else None."""
    if ref is not None and str(ref) in names:
        return names[str(ref)]
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(doc.text):
        return _fold(doc.text[start:end])
    if isinstance(ref, str) and ref:
        return ref
    return None


# -- quotes -----------------------------------------------------------------


@dataclasses.dataclass
class QuoteView:
    span: Span
    text: str
    speaker: str | None
    cue: str | None
    source: str | None
    kind: str | None  # "direct" or "reported" where the quotes stage says


def quote_views(doc: Doc) -> list[QuoteView]:
    names = {str(e.get("id")): str(e.get("name")) for e in doc.entities if e.get("id") is not None}
    views = []
    for span in sorted(doc.layer("quotes"), key=lambda s: (s.start, s.end)):
        cue = span.get("cue")
        if not cue and isinstance(span.get("cue_start"), int) and isinstance(span.get("cue_end"), int):
            cue = doc.text[span["cue_start"] : span["cue_end"]]
        views.append(
            QuoteView(
                span=span,
                text=doc.span_text(span),
                speaker=entity_name(doc, names, span.get("speaker"), span.get("speaker_start"), span.get("speaker_end")),
                cue=str(cue) if cue else None,
                source=entity_name(doc, names, span.get("source"), span.get("source_start"), span.get("source_end")),
                kind=span.get("kind"),
            )
        )
    return views


# -- dates ------------------------------------------------------------------


@dataclasses.dataclass
class DateView:
    span: Span
    value: str | None
    expression: str
    sentence: Snippet


def date_views(doc: Doc, sentences: Sentences) -> list[DateView]:
    """Dated expressions ordered by their resolved value; unresolved ones last, in text order."""
    views = []
    for span in doc.layer("dates"):
        value = span.get("value")
        views.append(
            DateView(
                span=span,
                value=str(value) if value else None,
                expression=_fold(doc.span_text(span)),
                sentence=snippet(doc.text, sentences.around(span.start, span.end, span.attrs), (span.start, span.end), width=220),
            )
        )
    # ISO 8601 strings at mixed precision sort correctly as text ("2022" <
    # "2022-06" < "2022-06-29"); a year stays before the days inside it.
    views.sort(key=lambda v: (v.value is None, v.value or "", v.span.start))
    return views


SHOWN_LAYERS = {"sentences", "persuasion", "entities", "stance", "quotes", "dates", "language"}


def other_layers(doc: Doc) -> list[tuple[str, int]]:
    """Layers no panel draws (added by later stages), so the report can at least name them."""
    return sorted((name, len(spans)) for name, spans in doc.layers.items() if name not in SHOWN_LAYERS)
