"""The reading model: everything a screen shows of one analysed article, read from its Doc once.

``build(doc)`` returns an ``ArticleView``: the text cut into pieces at every
span boundary, the persuasion spans in two tiers (the reader's, at or above
the threshold, and the remaining candidates), the techniques with their
counts and reliability, the entities with the author's stance and its
evidence, the quotes, the timeline, and a generic panel for any layer no panel
knows. The web reading view, the story view, the HTML report and the terminal
report all render this one model, so they always agree. Every piece of text
shown is a slice of ``doc.text`` at offsets a stage wrote; nothing is searched
for again.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
from typing import Any, Mapping, Sequence

from ..doc import Doc, Span
from ..techniques import TECHNIQUES, display_name
from . import palette, reliability
from .segments import segments

# Layers that have a panel of their own; any other layer gets a generic one.
KNOWN_LAYERS = frozenset({"sentences", "persuasion", "entities", "stance", "quotes", "dates", "language"})
_UNSET: Any = object()


def as_doc(doc: "Doc | Mapping[str, Any]") -> Doc:
    """Accept a Doc or its ``slant.analysis/1`` dict."""
    return doc if isinstance(doc, Doc) else Doc.from_dict(doc)


def technique_name(label: str | None) -> str:
    return display_name(label) if label else "Unlabelled"


def definition(label: str | None) -> str:
    return TECHNIQUES.get(label or "", "A technique outside the PTC set; no definition available.")


def fmt_score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.2f}"


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
        # No sentence holds the whole span: a window of text around it, cut between words.
        a, b = max(0, start - 80), min(len(self.text), end + 80)
        if a > 0:
            space = self.text.find(" ", a, start)
            a = space + 1 if space != -1 else a
        if b < len(self.text):
            space = self.text.rfind(" ", end, b)
            b = space if space != -1 else b
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
    start: int = 0  # the stretch shown is text[start:end] (before the folding)
    end: int = 0


def fold(text: str) -> str:
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
    fb = fold(before) + (" " if before[-1:].isspace() and before.strip() else "")
    fa = (" " if after[:1].isspace() and after.strip() else "") + fold(after)
    return Snippet(fb, fold(text[s:e]) or text[s:e], fa, left_from > a, right_to < b, left_from, right_to)


@dataclasses.dataclass(frozen=True)
class Part:
    """A stretch of an evidence snippet: the entity's mention, quoted speech, or the author's own words."""

    text: str
    mention: bool = False
    quoted: bool = False


def snippet_parts(text: str, snip: Snippet, inner: tuple[int, int], quotes: Sequence[tuple[int, int]]) -> list[Part]:
    """``text[snip.start:snip.end]`` cut where the mention ``inner`` and the quotes begin and end.

    Quoted speech is the speaker's, not the author's (the stance model leaves
    it out), so a view can set it apart. Whitespace runs are folded as in
    the snippet; joined, the parts give the snippet's text.
    """
    a, b = snip.start, snip.end
    cuts = {a, b} | {x for x in inner if a < x < b}
    for qs, qe in quotes:
        cuts |= {x for x in (qs, qe) if a < x < b}
    bounds = sorted(cuts)
    parts: list[Part] = []
    for s, e in zip(bounds, bounds[1:]):
        if e <= s:
            continue
        piece = _fold_keep_edges(text[s:e])
        if not piece:
            continue
        mention = inner[0] <= s and e <= inner[1] and inner[0] < inner[1]
        quoted = any(qs <= s and e <= qe for qs, qe in quotes)
        if parts and parts[-1].mention == mention and parts[-1].quoted == quoted:
            parts[-1] = Part(parts[-1].text + piece, mention, quoted)
        else:
            parts.append(Part(piece, mention, quoted))
    if parts:
        parts[0] = dataclasses.replace(parts[0], text=parts[0].text.lstrip())
        parts[-1] = dataclasses.replace(parts[-1], text=parts[-1].text.rstrip())
    return [p for p in parts if p.text]


def _fold_keep_edges(text: str) -> str:
    """Runs of whitespace folded to one space, keeping a space at either edge."""
    return re.sub(r"\s+", " ", text)


_QUOTE_MARKS = "\"'“”‘’«»„‚"


def quoted(text: str) -> str:
    """``text`` in quotation marks, unless it already starts or ends with its own."""
    if text[:1] in _QUOTE_MARKS or text[-1:] in _QUOTE_MARKS:
        return text
    return f"“{text}”"


def shorten(text: str, width: int) -> str:
    text = fold(text)
    return text if len(text) <= width else text[: max(1, width - 1)].rstrip() + "…"


# -- persuasion -------------------------------------------------------------

SHOWN, CANDIDATE = "shown", "candidate"


@dataclasses.dataclass
class SpanView:
    """One persuasion span: shown to the reader (solid tint) or a candidate below the cut (light tint)."""

    index: int  # position in ArticleView.spans (text order)
    start: int
    end: int
    label: str | None
    score: float | None
    tier: str  # SHOWN or CANDIDATE
    name: str
    css: str  # the palette's class for the technique
    colour: str
    definition: str
    text: str
    reliability: float | str | None  # dev F1, "unreliable", or None when unknown
    key: str | None = None  # the reading view's correction key (m<i>, c<id>)
    state: str | None = None  # model, accepted, relabelled, added
    order: int = 0  # its number among the spans a report draws (set by the report)

    @property
    def unreliable(self) -> bool:
        return self.reliability == "unreliable"

    def tip(self) -> str:
        """Technique, score, tier and definition in one line (native tooltips, aria labels)."""
        score = f"score {fmt_score(self.score)}" if self.score is not None else (self.state or "no score")
        tier = "" if self.tier == SHOWN else ", a candidate below the threshold"
        if self.unreliable:
            rel = "; an unreliable technique"
        elif isinstance(self.reliability, float):
            rel = f"; technique dev F1 {self.reliability:.2f}"
        else:
            rel = ""
        caveat = " The model rarely labels this technique right: a lead to check, not a finding." if self.unreliable else ""
        return f"{self.name} ({score}{rel}{tier}): {self.definition}{caveat}"


@dataclasses.dataclass
class TechniqueView:
    label: str
    name: str
    css: str
    colour: str
    definition: str
    shown: int
    candidates: int
    mean_score: float | None  # over the shown spans
    reliability: float | str | None

    @property
    def unreliable(self) -> bool:
        return self.reliability == "unreliable"

    @property
    def reliability_text(self) -> str:
        if self.reliability is None:
            return ""
        return "unreliable" if self.unreliable else f"dev F1 {self.reliability:.2f}"


def persuasion_spans(doc: Doc, threshold: float | None = None) -> list[Span]:
    """The persuasion layer, in text order, without spans scored below ``threshold``."""
    spans = doc.layer("persuasion")
    if threshold is not None:
        spans = [s for s in spans if s.score is None or s.score >= threshold]
    return sorted(spans, key=lambda s: (s.start, -s.end, s.label or ""))


def covered_share(doc: Doc, spans: Sequence[Any]) -> float:
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


def _technique_rows(spans: list[SpanView], rel: Mapping[str, float | str]) -> list[TechniqueView]:
    by_label: dict[str, list[SpanView]] = {}
    for span in spans:
        by_label.setdefault(span.label or "", []).append(span)
    rows = []
    for label, group in by_label.items():
        shown = [s for s in group if s.tier == SHOWN]
        scores = [s.score for s in shown if s.score is not None]
        rows.append(TechniqueView(
            label=label, name=technique_name(label or None), css=palette.css_class(label), colour=palette.colour(label),
            definition=definition(label), shown=len(shown), candidates=len(group) - len(shown),
            mean_score=sum(scores) / len(scores) if scores else None, reliability=rel.get(label),
        ))
    rows.sort(key=lambda r: (-r.shown, -r.candidates, r.name))
    return rows


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
class EvidenceView:
    """A sentence (or span) behind an entity's stance: ``[start, end)`` in the text, shown as a snippet."""

    start: int
    end: int
    snippet: Snippet
    label: str | None = None  # a mention-level stance label, where the evidence is one
    score: float | None = None
    parts: list[Part] = dataclasses.field(default_factory=list)  # the snippet cut at the mention and the quotes

    @property
    def has_quote(self) -> bool:
        return any(p.quoted for p in self.parts)


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
    evidence: list[EvidenceView]
    first: int | None = None  # offset of the first mention
    only_quoted: bool = False  # every mention is inside quoted speech: the author never names it in their own words


def _pairs(value: Any, n: int) -> list[tuple[int, int]]:
    """Valid ``[start, end)`` pairs from ``[[s, e], ...]`` or ``[{"start": s, "end": e}, ...]``."""
    out = []
    for item in value if isinstance(value, (list, tuple)) else []:
        if isinstance(item, Mapping):
            item = (item.get("start"), item.get("end"))
        if isinstance(item, (list, tuple)) and len(item) >= 2:
            s, e = item[0], item[1]
            if isinstance(s, int) and isinstance(e, int) and not isinstance(s, bool) and 0 <= s < e <= n:
                out.append((s, e))
    return out


def entity_views(doc: Doc, sentences: Sentences, *, evidence_per_entity: int = 3) -> list[EntityView]:
    """Top-level entities, most mentioned first, with the evidence of the author's stance toward each.

    The evidence is ``entities[].stance.evidence`` (offsets the stance model
    chose) where the analysis has it; otherwise the strongest mention-level
    stance spans that agree with the overall label, each in its sentence.
    """
    text = doc.text
    mentions_of: dict[str, list[Span]] = {}
    for span in doc.layer("entities"):
        ent = span.get("entity")
        if ent is not None:
            mentions_of.setdefault(str(ent), []).append(span)
    quotes = [(q.start, q.end) for q in doc.layer("quotes")]
    stance_spans: dict[str, list[Span]] = {}
    for span in doc.layer("stance"):
        ent = span.get("entity")
        if ent is not None:
            stance_spans.setdefault(str(ent), []).append(span)
    views = []
    for entity in doc.entities:
        eid = str(entity.get("id", ""))
        stance = entity.get("stance") if isinstance(entity.get("stance"), Mapping) else {}
        label = stance.get("label")
        score = stance.get("score") if isinstance(stance.get("score"), (int, float)) else None
        mentions = sorted(mentions_of.get(eid, []), key=lambda s: s.start)
        evidence: list[EvidenceView] = []
        for s, e in _pairs(stance.get("evidence"), len(text))[:evidence_per_entity]:
            # Mark the entity's mention inside the sentence where there is one.
            inner = next(((m.start, m.end) for m in mentions if s <= m.start and m.end <= e), (s, s))
            snip = snippet(text, (s, e), inner, width=260)
            evidence.append(EvidenceView(s, e, snip, parts=snippet_parts(text, snip, inner, quotes)))
        if not evidence:
            spans = sorted(stance_spans.get(eid, []), key=lambda sp: (sp.label != label, -(sp.score or 0.0), sp.start))
            for sp in spans[:evidence_per_entity]:
                s, e = sentences.around(sp.start, sp.end, sp.attrs)
                snip = snippet(text, (s, e), (sp.start, sp.end))
                parts = snippet_parts(text, snip, (sp.start, sp.end), quotes)
                evidence.append(EvidenceView(s, e, snip, sp.label, sp.score, parts))
        count = entity.get("mentions")
        if not isinstance(count, int):
            count = len(count) if isinstance(count, list) else len(mentions)
        first = entity.get("first") if isinstance(entity.get("first"), int) else (mentions[0].start if mentions else None)
        views.append(EntityView(
            id=eid, name=str(entity.get("name") or eid), type=str(entity.get("type") or ""),
            aliases=[str(a) for a in entity.get("aliases") or []], mentions=count, stance_label=label,
            stance_score=score, spellings=spelling_variants(entity), evidence=evidence, first=first,
            only_quoted=bool(mentions) and all(any(qs <= m.start and m.end <= qe for qs, qe in quotes) for m in mentions),
        ))
    views.sort(key=lambda v: (-v.mentions, v.name.lower()))
    return views


def raw_mentions(doc: Doc) -> list[tuple[str, str, int]]:
    """``(text, type, count)`` of raw NER mentions, for when no entities were merged."""
    counts: dict[tuple[str, str], int] = {}
    for span in doc.layer("entities"):
        key = (fold(doc.span_text(span)), span.label or "")
        counts[key] = counts.get(key, 0) + 1
    return sorted(((t, lab, c) for (t, lab), c in counts.items()), key=lambda r: (-r[2], r[0].lower()))


def entity_name(doc: Doc, names: Mapping[str, str], ref: Any, start: Any = None, end: Any = None) -> str | None:
    """An entity id's name; else the text at ``start:end`` if given; else None."""
    if ref is not None and str(ref) in names:
        return names[str(ref)]
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(doc.text):
        return fold(doc.text[start:end])
    if isinstance(ref, str) and ref:
        return ref
    return None


# -- quotes -----------------------------------------------------------------


@dataclasses.dataclass
class QuoteView:
    start: int
    end: int
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
        views.append(QuoteView(
            start=span.start, end=span.end, text=doc.span_text(span),
            speaker=entity_name(doc, names, span.get("speaker"), span.get("speaker_start"), span.get("speaker_end")),
            cue=str(cue) if cue else None,
            source=entity_name(doc, names, span.get("source"), span.get("source_start"), span.get("source_end")),
            kind=span.get("kind"),
        ))
    return views


# -- dates ------------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def human_date(value: str) -> str:
    """``2022`` -> ``2022``, ``2022-06`` -> ``June 2022``, ``2022-06-29`` -> ``29 June 2022``; others as given."""
    try:
        if len(value) == 4 and value.isdigit():
            return value
        if len(value) == 7 and value[4] == "-":
            return f"{_MONTHS[int(value[5:7]) - 1]} {value[:4]}"
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    except (ValueError, IndexError):
        pass
    return value


@dataclasses.dataclass
class DateView:
    start: int
    end: int
    value: str | None  # ISO 8601 at the text's precision, or None when the stage could not resolve it
    when: str  # the value for people ("June 2022"), or "date not resolved"
    expression: str
    sentence: Snippet


def date_views(doc: Doc, sentences: Sentences) -> list[DateView]:
    """Dated expressions ordered by their resolved value; unresolved ones last, in text order."""
    views = []
    for span in doc.layer("dates"):
        raw = span.get("value")
        value = str(raw) if raw not in (None, "", "None") else None
        views.append(DateView(
            start=span.start, end=span.end, value=value,
            when=human_date(value) if value else "date not resolved",
            expression=fold(doc.span_text(span)),
            sentence=snippet(doc.text, sentences.around(span.start, span.end, span.attrs), (span.start, span.end), width=220),
        ))
    # ISO 8601 strings at mixed precision sort correctly as text ("2022" <
    # "2022-06" < "2022-06-29"); a year stays before the days inside it.
    views.sort(key=lambda v: (v.value is None, v.value or "", v.start))
    return views


# -- layers no panel knows --------------------------------------------------


@dataclasses.dataclass
class GenericRow:
    start: int
    end: int
    label: str | None
    score: float | None
    text: str
    extra: list[tuple[str, str]]  # the span's other fields, as text


@dataclasses.dataclass
class GenericPanel:
    name: str
    title: str
    rows: list[GenericRow]


def generic_panels(doc: Doc, *, limit: int = 200) -> list[GenericPanel]:
    """A plain panel for each layer that no panel draws (added by later stages)."""
    panels = []
    for name in sorted(doc.layers):
        if name in KNOWN_LAYERS:
            continue
        rows = []
        for span in sorted(doc.layers[name], key=lambda s: (s.start, s.end))[:limit]:
            extra = [(str(k), shorten(str(v), 80)) for k, v in span.attrs.items() if v is not None]
            rows.append(GenericRow(span.start, span.end, span.label, span.score, shorten(doc.span_text(span), 160), extra))
        panels.append(GenericPanel(name, name.replace("_", " ").capitalize(), rows))
    return panels


# -- the whole article ------------------------------------------------------


@dataclasses.dataclass
class Piece:
    """A stretch of text inside which the covering spans do not change."""

    start: int
    end: int
    spans: list[int]  # indices into ArticleView.spans, ascending
    anchor: bool  # an evidence sentence, quote or date starts here: the piece gets an id to scroll to


@dataclasses.dataclass
class ArticleView:
    doc: Doc
    threshold: float | None  # the cut between shown spans and candidates (None: every span is shown)
    reader_threshold: float | None  # the model's reader default, whatever the cut in use
    spans: list[SpanView]
    pieces: list[Piece]
    title_end: int  # the title line is text[:title_end] (0 when the text does not start with it)
    techniques: list[TechniqueView]
    entities: list[EntityView]
    mentions: list[tuple[str, str, int]]  # raw mentions when no entities were merged
    quotes: list[QuoteView]
    dates: list[DateView]
    panels: list[GenericPanel]

    @property
    def text(self) -> str:
        return self.doc.text

    @property
    def shown(self) -> list[SpanView]:
        return [s for s in self.spans if s.tier == SHOWN]

    @property
    def candidates(self) -> list[SpanView]:
        return [s for s in self.spans if s.tier == CANDIDATE]

    @property
    def persuasive_share(self) -> float:
        return covered_share(self.doc, self.shown)

    @property
    def has_stance(self) -> bool:
        return "stance" in self.doc.layers or any(e.stance_label for e in self.entities)

    @property
    def unreliable(self) -> list[TechniqueView]:
        return [t for t in self.techniques if t.unreliable]

    def has(self, layer: str) -> bool:
        return layer in self.doc.layers

    @property
    def skipped(self) -> dict[str, str]:
        return dict(self.doc.stages_skipped)


def build(
    doc: "Doc | Mapping[str, Any]",
    *,
    threshold: float | None = None,
    reader_threshold: float | None = _UNSET,
    reliability_by_technique: Mapping[str, float | str] | None = None,
    persuasion: Sequence[Mapping[str, Any]] | None = None,
) -> ArticleView:
    """The reading model of one analysed article.

    ``threshold`` is the reader's own cut (``--threshold``, the web control);
    without it the model's reader threshold (``slant.persuasion``) is used,
    and without that every span is shown. ``persuasion`` replaces the layer
    with span dicts (the web view's corrected spans, each with ``key`` and
    ``state``); spans without a score, such as those an editor added, are
    always shown.
    """
    doc = as_doc(doc)
    text = doc.text
    if reader_threshold is _UNSET:
        reader_threshold = reliability.reader_threshold()
    rel = dict(reliability.technique_reliability() if reliability_by_technique is None else reliability_by_technique)
    cut = threshold if threshold is not None else reader_threshold
    if persuasion is None:
        raw = [(s.start, s.end, s.label, s.score, None, None) for s in doc.layer("persuasion")]
    else:
        raw = [(int(s["start"]), int(s["end"]), s.get("label"), s.get("score"), s.get("key"), s.get("state")) for s in persuasion]
    raw.sort(key=lambda r: (r[0], -r[1], r[2] or ""))
    spans = []
    for i, (start, end, label, score, key, state) in enumerate(raw):
        tier = SHOWN if score is None or cut is None or score >= cut else CANDIDATE
        spans.append(SpanView(
            index=i, start=start, end=end, label=label, score=score, tier=tier, name=technique_name(label),
            css=palette.css_class(label), colour=palette.colour(label), definition=definition(label),
            text=text[start:end], reliability=rel.get(label or ""), key=key, state=state,
        ))
    sentences = Sentences(doc)
    entities = entity_views(doc, sentences) if doc.entities else []
    quotes = quote_views(doc)
    dates = date_views(doc, sentences)
    anchors = {e.start for ent in entities for e in ent.evidence} | {q.start for q in quotes} | {d.start for d in dates}
    title = doc.article.title
    title_end = len(title) if title and text.startswith(title) else 0
    # Cut at span boundaries, at the places panels link to, and at the end of the title line.
    bounds = [(s.start, s.end) for s in spans]
    # Their ends are cuts too, so a panel link flashes exactly [start, end) and not the rest of a piece.
    ends = {e.end for ent in entities for e in ent.evidence} | {q.end for q in quotes} | {d.end for d in dates}
    cuts = sorted({0, len(text), title_end} | anchors | {x for x in ends if 0 < x < len(text)})
    pieces: list[Piece] = []
    for a, b in zip(cuts, cuts[1:]):
        for s, e, covering in segments(text, bounds, start=a, end=b):
            pieces.append(Piece(s, e, covering, s in anchors))
    return ArticleView(
        doc=doc, threshold=cut, reader_threshold=reader_threshold, spans=spans, pieces=pieces, title_end=title_end,
        techniques=_technique_rows(spans, rel), entities=entities,
        mentions=raw_mentions(doc) if not doc.entities else [], quotes=quotes, dates=dates, panels=generic_panels(doc),
    )
