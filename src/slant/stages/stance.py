"""``stance``: how the author treats each entity (negative / neutral / positive).

Every mention of an entity is classified in its sentence by the target-
dependent classifier in ``slant.stance`` (all mentions of the article in a few
batched passes); each becomes a span of the ``stance`` layer (the mention's
offsets, ``label``, ``score``, and attrs ``entity``, ``sentence_start``,
``sentence_end``, ``probs``), so a reader can see why. The mentions are then
aggregated into ``doc.entities[i]["stance"]`` by the rule in
``slant.stance.aggregate`` (mean of class probabilities; label = argmax).

Entities whose type is a number, date or amount are skipped: they have no
attitude to take. An entity with no mention span in the ``entities`` layer
gets no ``stance`` field.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

from ..doc import Doc, Span
from ..pipeline import register
from ..stance.aggregate import aggregate

if TYPE_CHECKING:  # torch loads only when the stage is built, not when stages are listed
    from ..stance.classifier import StanceClassifier

# spaCy types that name quantities or times, not actors.
SKIP_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
MIN_MENTIONS = 1


class Stance:
    def __init__(self, classifier: StanceClassifier) -> None:
        self.classifier = classifier

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        wanted = {
            e["id"]: e for e in doc.entities
            if e.get("id") and str(e.get("type") or "").upper() not in SKIP_TYPES
        }
        sentences = [(s.start, s.end) for s in doc.layer("sentences")]
        starts = [s for s, _ in sentences]
        mentions: list[tuple[str, int, int, int, int]] = []  # entity, start, end, sentence start, end
        for span in doc.layer("entities"):
            eid = span.get("entity")
            if eid not in wanted or span.end <= span.start:
                continue
            s_start, s_end = _sentence_of(text, sentences, starts, span.start, span.end)
            mentions.append((eid, span.start, span.end, s_start, s_end))
        per_entity: dict[str, list[int]] = {}
        for i, (eid, *_rest) in enumerate(mentions):
            per_entity.setdefault(eid, []).append(i)
        mentions = [m for m in mentions if len(per_entity[m[0]]) >= MIN_MENTIONS]

        probs = self.classifier.predict(
            [(text[ss:se], start - ss, end - ss) for _, start, end, ss, se in mentions]
        )
        labels = self.classifier.labels
        spans = []
        by_entity: dict[str, list[tuple[float, float, float]]] = {}
        for (eid, start, end, ss, se), p in zip(mentions, probs):
            best = max(range(len(labels)), key=lambda k: p[k])
            attrs: dict[str, Any] = {
                "entity": eid,
                "sentence_start": ss,
                "sentence_end": se,
                "probs": {label: round(p[k], 4) for k, label in enumerate(labels)},
            }
            spans.append(Span(start, end, labels[best], round(p[best], 4), attrs))
            by_entity.setdefault(eid, []).append(p)
        doc.set_layer("stance", spans)
        for eid, entity in wanted.items():
            if eid in by_entity:
                entity["stance"] = aggregate(by_entity[eid])
            else:
                entity.pop("stance", None)
        return doc


def _sentence_of(
    text: str, sentences: list[tuple[int, int]], starts: list[int], start: int, end: int
) -> tuple[int, int]:
    """The sentence holding the mention, widened to cover it if a boundary cuts it.

    Without a sentence layer entry around it (a mention in a title fragment
    the parser skipped), the mention's own line is its context.
    """
    i = bisect.bisect_right(starts, start) - 1
    if i >= 0 and sentences[i][0] <= start < sentences[i][1]:
        return sentences[i][0], max(sentences[i][1], end)
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end == -1 else line_end


@register("stance", needs=("sentences", "entities[]"), adds=("stance",), languages={"en"},
          description="the author's stance toward each entity, per mention and aggregated (MiniLM, NewsMTSC)")
def stance_stage() -> Stance:
    from ..stance.classifier import StanceClassifier

    return Stance(StanceClassifier())
