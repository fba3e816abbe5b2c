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
                start, end = offset + ent.start_char, offset + ent.end_char
                # Trim a possessive and stray punctuation so the span is the name.
                text = doc.text[start:end]
                for suffix in ("'s", "’s", "'", "’"):
                    if text.endswith(suffix) and len(text) > len(suffix):
                        end -= len(suffix)
                        text = text[: -len(suffix)]
                        break
                while end > start and not doc.text[end - 1].isalnum() and doc.text[end - 1] not in ".)":
                    end -= 1
                if end > start:
                    spans.append(Span(start, end, ent.label_))
        doc.set_layer("entities", spans)
        return doc


@register("sentences", needs=("language",), adds=("sentences",), languages={"en"},
          description="sentence boundaries (spaCy en_core_web_sm)")
def sentences_stage() -> Sentences:
    _nlp.nlp()
    return Sentences()


@register("entities", needs=("sentences",), adds=("entities",), languages={"en"},
          description="named-entity mentions (spaCy en_core_web_sm)")
def entities_stage() -> Entities:
    _nlp.nlp()
    return Entities()
