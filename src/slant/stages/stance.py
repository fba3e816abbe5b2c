"""``stance``: the author's stance toward each entity over the whole article (negative / neutral / positive).

For each entity (numbers, dates and amounts skipped: they take no side), the
model in :mod:`slant.stance.author` reads the sentences naming it outside the
``quotes`` layer (the quoted speakers' opinions are not the author's): the
persuasion network's token states over them, their lexical signals (VADER,
the attacking techniques of the ``persuasion`` layer when it ran) and a
sentence head trained on NewsMTSC; a document head trained on PerSenT gives
the label. ``doc.entities[i]["stance"]`` = ``{"label", "score", "probs", "evidence"}``,
``evidence`` being ``[[start, end], ...]``: the sentences that push hardest
toward the label. Each evidence sentence is also a span of the ``stance``
layer (``label`` the entity's stance, ``score`` its probability, attrs
``entity`` and ``push``, the sentence's share of the label's logit margin).

The states come from the same pass the persuasion stage runs (the network is
loaded once per process and keeps the last windows' states), so after that
stage this one costs pooling only. An entity with no mention span gets no
``stance`` field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..doc import Doc, Span
from ..pipeline import register

if TYPE_CHECKING:
    from ..stance.author import AuthorStance


class Stance:
    def __init__(self, model: AuthorStance) -> None:
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        from ..stance.author import SKIP_TYPES, doc_inputs

        wanted = {e["id"]: e for e in doc.entities
                  if e.get("id") and str(e.get("type") or "").upper() not in SKIP_TYPES}
        got = doc_inputs(doc)
        spans: list[Span] = []
        if got.mentions:
            states = self.model.states(doc.text)
            signals = self.model.signals(doc.text, got.sentences, got.quotes, got.persuasion)
            for eid, entity in wanted.items():
                found = self.model.judge(states, got.mentions[eid], got.sentences, got.quotes, signals,
                                         got.top_mentions) if eid in got.mentions else None
                if found is None:
                    entity.pop("stance", None)
                    continue
                entity["stance"] = {"label": found.label, "score": found.score, "probs": found.probs,
                                    "evidence": [[s, e] for s, e, _ in found.evidence]}
                spans.extend(Span(s, e, found.label, found.score, {"entity": eid, "push": round(push, 4)})
                             for s, e, push in found.evidence)
        else:
            for entity in wanted.values():
                entity.pop("stance", None)
        doc.set_layer("stance", sorted(spans, key=lambda s: (s.start, s.end, str(s.get("entity")))))
        return doc


@register("stance", needs=("sentences", "entities[]"), adds=("stance",), languages={"en"},
          description="the author's stance toward each entity over the article, with evidence (MiniLM, NewsMTSC, PerSenT)")
def stance_stage() -> Stance:
    from ..stance.author import AuthorStance

    return Stance(AuthorStance())
