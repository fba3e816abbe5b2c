"""The trained stance model: a plainly slanted article, and an F1_m floor on NewsMTSC.

The floor is pinned on a fixed sample (every 4th target of the real-world test
split, 201 targets) a few points below what the shipped model measures there,
so a change that costs accuracy fails here rather than going unnoticed.
``bench/stance.py`` reports the full figures.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

from slant import Article, Doc, Span
from slant.stance.labels import LABELS

pytestmark = pytest.mark.slow

# The shipped model scores F1_m 0.736 on this sample (2026-11-28); see BENCHMARKS.md "## Stance".
SAMPLE_F1_FLOOR = 0.70


@functools.lru_cache(maxsize=1)
def stage():  # type: ignore[no-untyped-def]
    from slant.stages.stance import Stance
    from slant.stance.classifier import StanceClassifier

    return Stance(StanceClassifier())


def hand_doc(text: str, names: dict[str, str]) -> Doc:
    """Sentences split at full stops; every occurrence of each name is a PERSON mention of its id."""
    doc = Doc(Article(text=text))
    sentences = []
    for m in re.finditer(r"[^.\n]+\.?", text):
        lead = len(m.group()) - len(m.group().lstrip())
        if m.group().strip():
            sentences.append(Span(m.start() + lead, m.end()))
    doc.set_layer("sentences", sentences)
    mentions, entities = [], {}
    for surface, eid in names.items():
        for m in re.finditer(re.escape(surface), text):
            mentions.append(Span(m.start(), m.end(), "PERSON", attrs={"entity": eid}))
            entities.setdefault(eid, {"id": eid, "name": surface, "type": "PERSON", "aliases": [surface], "mentions": 0})
            entities[eid]["mentions"] += 1
    doc.set_layer("entities", mentions)
    doc.entities = sorted(entities.values(), key=lambda e: e["id"])
    return doc


SLANTED = (
    "A tale of two leaders\n\n"
    "Governor Delaney has once again shown utter contempt for the people he is supposed to serve. "
    "Delaney wasted millions of taxpayer dollars on a reckless vanity scheme while hospitals begged for help. "
    "Critics rightly call Delaney a liar and a coward who hides from every question.\n\n"
    "Doctor Patel, by contrast, worked through the night to save dozens of lives. "
    "Patel is widely admired for her courage and generosity. "
    "Colleagues praise Patel as a brilliant and compassionate leader."
)


def test_it_sees_hostility_to_one_actor_and_warmth_to_another() -> None:
    doc = stage()(hand_doc(SLANTED, {"Delaney": "e1", "Patel": "e2"}))
    delaney, patel = doc.entities
    assert delaney["stance"]["label"] == "negative", delaney["stance"]
    assert patel["stance"]["label"] == "positive", patel["stance"]
    assert delaney["stance"]["counts"]["negative"] >= 2
    assert patel["stance"]["counts"]["positive"] >= 2
    for span in doc.layer("stance"):
        assert doc.text[span.start : span.end] in {"Delaney", "Patel"}
        assert span.label in LABELS
        assert span["sentence_start"] <= span.start < span.end <= span["sentence_end"]


def test_it_gives_the_same_answer_for_a_repeated_sentence() -> None:
    from slant.stance.classifier import StanceClassifier

    clf: StanceClassifier = stage().classifier
    s = "Critics rightly call Delaney a liar."
    a, b = clf.predict([(s, 21, 28), (s, 21, 28)])
    assert a == b


def test_the_model_files_stay_small() -> None:
    from slant.stance.classifier import MODEL_DIR

    size = sum(p.stat().st_size for p in Path(MODEL_DIR).iterdir() if p.is_file())
    assert size < 8.5 * 1024 * 1024


def test_it_keeps_its_f1_floor_on_newsmtsc_rw_test(shared_data: Path) -> None:
    from slant.stance import data, metrics

    targets = data.read("rw/test", shared_data / "newsmtsc")[::4]
    assert len(targets) == 201
    probs = stage().classifier.predict([(t.sentence, t.start, t.end) for t in targets])
    pred = [max(range(3), key=lambda k: p[k]) for p in probs]
    f1 = metrics.scores([t.label for t in targets], pred)["f1_macro"]
    assert f1 >= SAMPLE_F1_FLOOR, f"F1_m {f1:.4f} fell below the pinned floor {SAMPLE_F1_FLOOR}"


def test_it_runs_in_the_pipeline_after_entity_merge() -> None:
    import slant
    from slant.pipeline import registry

    spec = registry()["stance"]
    assert spec.needs == ("sentences", "entities[]") and spec.adds == ("stance",)
    text = (
        "Senator Blake under fire\n\n"
        "Senator Maria Blake was slammed by voters on Tuesday for her disgraceful handling of the flood relief. "
        "Blake has been widely condemned as incompetent. Meanwhile, the Red Cross won praise for its heroic work."
    )
    doc = slant.analyze(text, stages=["language", "sentences", "entities", "entity_merge", "stance"])
    assert doc.layer("stance"), doc.layers
    mentions = {(s.start, s.end) for s in doc.layer("entities")}
    for span in doc.layer("stance"):
        assert (span.start, span.end) in mentions
        assert doc.text[span.start : span.end] in doc.text[span["sentence_start"] : span["sentence_end"]]
    blake = next(e for e in doc.entities if "Blake" in e["name"])
    assert blake["stance"]["label"] == "negative", blake
