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


# Run in a fresh interpreter: the other tests here may import transformers themselves.
_NO_TRANSFORMERS = """
import sys
from slant import Article, Doc, Span, pipeline
text = "Mayor Quinn under fire\\n\\nCritics call Quinn a disgrace. Quinn praised the volunteers."
doc = Doc(Article(text=text))
doc.set_layer("sentences", [Span(24, 54), Span(55, len(text))])
doc.set_layer("entities", [Span(m, m + 5, "PERSON", attrs={"entity": "e1"}) for m in (6, 37, 55)])
doc.entities = [{"id": "e1", "name": "Quinn", "type": "PERSON", "aliases": ["Quinn"], "mentions": 3}]
doc = pipeline.instance("stance")(doc)
assert doc.entities[0]["stance"]["label"] in ("negative", "neutral", "positive"), doc.entities
assert len(doc.layer("stance")) == 3, doc.layer("stance")
loaded = sorted(m for m in sys.modules if m == "transformers" or m.startswith("transformers."))
print("TRANSFORMERS", loaded[:5])
"""


def test_it_builds_and_runs_the_stage_without_importing_transformers() -> None:
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, "-c", _NO_TRANSFORMERS], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": str(root / "src")}, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "TRANSFORMERS []" in proc.stdout, proc.stdout


HAND_MADE = [
    ("Critics rightly call Delaney a liar and a coward.", "Delaney"),
    ("Patel is widely admired for her courage and generosity.", "Patel"),
    ("The ministry said on Monday that Okafor would attend the summit.", "Okafor"),
    ("Zoë Müller-Ström,  the café's owner, was ＦＵＲＩＯＵＳ at 北京 officials\u200b today 🙂.", "Müller-Ström"),
    ("A very long sentence " + "about nothing in particular, " * 40 + "ends with Ramírez being thanked.", "Ramírez"),
]


def test_it_matches_the_transformers_network_it_replaces() -> None:
    import numpy as np

    from slant.stance.classifier import MODEL_DIR, StanceClassifier
    from slant.stance.model import load

    clf = StanceClassifier()
    old_net, old_tok, _ = load(MODEL_DIR)
    sentences = [s for s, _ in HAND_MADE]
    new = clf.tokenizer(sentences, add_special_tokens=False, return_offsets_mapping=True)
    old = old_tok(sentences, add_special_tokens=False, return_offsets_mapping=True)
    assert new["input_ids"] == old["input_ids"]
    assert [[tuple(o) for o in row] for row in new["offset_mapping"]] == [[tuple(o) for o in row] for row in old["offset_mapping"]]
    assert clf.net.marker_ids == old_net.marker_ids
    items = [(s, s.index(t), s.index(t) + len(t)) for s, t in HAND_MADE]
    got = np.array(clf.predict(items))
    assert "transformers" not in type(clf.net).__module__
    clf.net, clf.tokenizer = old_net, old_tok  # a throwaway classifier, now on the old path
    want = np.array(clf.predict(items))
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert (got.argmax(1) == want.argmax(1)).all()
