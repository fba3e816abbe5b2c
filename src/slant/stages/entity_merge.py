"""``entity_merge``: the article's NER mentions merged into entities.

Fills ``doc.entities`` (ids e1, e2, ... in salience order: most mentions,
then first appearance) and re-sets the ``entities`` layer with each mention's
``entity`` id. The rules are in ``slant.entities.merge``.
"""

from __future__ import annotations

from ..doc import Doc, Span
from ..entities import gazetteer as gazetteer_mod
from ..entities.merge import merge
from ..pipeline import register


class EntityMerge:
    def __call__(self, doc: Doc) -> Doc:
        gaz = gazetteer_mod.load()
        raw = [(s.start, s.end, s.label or "") for s in doc.layer("entities")]
        sentences = [(s.start, s.end) for s in doc.layer("sentences")]
        entities, linked = merge(doc.text, raw, gaz, sentences)
        doc.entities = entities
        doc.set_layer(
            "entities",
            [Span(m.start, m.end, m.label, attrs={"entity": eid}) for m, eid in linked],
        )
        return doc


@register("entity_merge", needs=("entities",), adds=("entities[]",), languages={"en"},
          description="merges entity mentions into actors (aliases, acronyms, spellings, gazetteer)")
def entity_merge_stage() -> EntityMerge:
    gazetteer_mod.load()
    return EntityMerge()
