"""``sentences`` and ``entities``: sentence bounds and raw NER mentions (spaCy)."""

from __future__ import annotations

from ..doc import Doc, Span
from ..pipeline import register
from . import _nlp

# spaCy labels we keep as entity mentions: actors and places, not numbers.
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"})


class Sentences:
    def __call__(self, doc: Doc) -> Doc:
        doc.set_layer("sentences", (Span(s, e) for s, e in _nlp.sentence_bounds(doc)))
        return doc


class Entities:
    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for offset, sdoc in _nlp.parsed(doc):
            for ent in sdoc.ents:  # type: ignore[attr-defined]
                if ent.label_ not in ENTITY_LABELS:
                    continue
                # A mention never crosses a line break: the tagger sometimes
                # runs a title into the body ("Biden\n\nSouth Korean").
                for start, end in _nlp.split_lines(doc.text, offset + ent.start_char, offset + ent.end_char):
                    span = _trim(doc.text, start, end, ent.label_)
                    if span is not None:
                        spans.append(span)
        doc.set_layer("entities", spans)
        return doc


def _trim(text: str, start: int, end: int, label: str) -> Span | None:
    """The mention without a possessive or stray trailing punctuation."""
    piece = text[start:end]
    for suffix in ("'s", "’s", "'", "’"):
        if piece.endswith(suffix) and len(piece) > len(suffix):
            end -= len(suffix)
            break
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ".)":
        end -= 1
    return Span(start, end, label) if end > start else None


@register("sentences", needs=("article.language",), adds=("sentences",), languages={"en"},
          description="sentence boundaries (spaCy en_core_web_sm)")
def sentences_stage() -> Sentences:
    _nlp.nlp()
    return Sentences()


@register("entities", needs=("sentences",), adds=("entities",), languages={"en"},
          description="named-entity mentions (spaCy en_core_web_sm)")
def entities_stage() -> Entities:
    _nlp.nlp()
    return Entities()
