"""``persuasion``: spans that use one of the 14 PTC persuasion techniques.

Each span carries ``label`` (the technique, as named in the PTC corpus) and
``score``, the probability that the span is right (it overlaps a span of that
technique in PTC's annotation), from a second-stage scorer fitted on held-out
training articles. A span with several techniques appears once per technique;
spans may overlap. The layer keeps every span of the research setting (the
threshold that maximised F1 on held-out training articles;
``SLANT_PERSUASION_THRESHOLD`` (0..1) overrides it); views show the reader's
default, ``slant.persuasion.reader_threshold()``, unless told otherwise.
"""

from __future__ import annotations

from ..doc import Doc, Span
from ..pipeline import register


class Persuasion:
    def __init__(self) -> None:
        # Loaded once per process; imported here so that importing the stage
        # registry never loads a model.
        from ..persuasion.predictor import Predictor

        self.predictor = Predictor()

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if not text[doc.article.body_start():].strip():
            doc.set_layer("persuasion", [])
            return doc
        found = self.predictor.predict(text)
        doc.set_layer("persuasion", (Span(f.start, f.end, f.label, f.score) for f in found))
        return doc


@register("persuasion", needs=("sentences",), adds=("persuasion",), languages={"en"},
          description="persuasion-technique spans (MiniLM-L6 fine-tuned on PTC, SemEval-2020 Task 11)")
def persuasion_stage() -> Persuasion:
    return Persuasion()
