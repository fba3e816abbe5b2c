"""The stance stage's plumbing: mention evidence, aggregation, sentences, edge cases.

These tests run the stage with a stand-in classifier whose answer depends on
words in the sentence, so they check offsets and aggregation exactly and fast.
The trained model is tested in ``test_stance_model.py``.
"""

from __future__ import annotations

import re

import pytest

from slant import Article, Doc, Span
from slant.stages.stance import Stance
from slant.stance.aggregate import aggregate
from slant.stance.labels import LABELS


class WordClassifier:
    """negative if the sentence says "bad", positive if "good", else neutral."""

    labels = LABELS

    def __init__(self) -> None:
        self.calls: list[list[tuple[str, int, int]]] = []

    def predict(self, items):  # type: ignore[no-untyped-def]
        self.calls.append(list(items))
        out = []
        for sentence, start, end in items:
            assert 0 <= start < end <= len(sentence)
            if "bad" in sentence:
                out.append((0.8, 0.15, 0.05))
            elif "good" in sentence:
                out.append((0.1, 0.2, 0.7))
            else:
                out.append((0.1, 0.8, 0.1))
        return out


def make_doc(text: str, names: dict[str, tuple[str, str]]) -> Doc:
    """A Doc with sentences split at ". " and every occurrence of each name as a mention.

    ``names`` maps the surface string to (entity id, type).
    """
    doc = Doc(Article(text=text))
    sentences = [Span(m.start(), m.end()) for m in re.finditer(r"[^.\n]+\.?", text) if m.group().strip()]
    doc.set_layer("sentences", [Span(s.start + (len(text[s.start:s.end]) - len(text[s.start:s.end].lstrip())), s.end)
                                for s in sentences])
    mentions = []
    entities: dict[str, dict] = {}
    for surface, (eid, etype) in names.items():
        for m in re.finditer(re.escape(surface), text):
            mentions.append(Span(m.start(), m.end(), etype, attrs={"entity": eid}))
            entities.setdefault(eid, {"id": eid, "name": surface, "type": etype, "aliases": [surface], "mentions": 0})
            entities[eid]["mentions"] += 1
    doc.set_layer("entities", mentions)
    doc.entities = list(entities.values())
    return doc


TEXT = (
    "Council vote\n\n"
    "Mayor Holt did a bad job on the budget. Holt met Reyes on Monday. "
    "Reyes did a good job at the hospital. Everyone agrees Reyes is good."
)


def test_it_keeps_per_mention_evidence_at_the_mention_offsets() -> None:
    doc = make_doc(TEXT, {"Holt": ("e1", "PERSON"), "Reyes": ("e2", "PERSON")})
    Stance(WordClassifier())(doc)
    spans = doc.layer("stance")
    assert len(spans) == 5
    for span in spans:
        assert doc.text[span.start : span.end] in {"Holt", "Reyes"}
        sentence = doc.text[span["sentence_start"] : span["sentence_end"]]
        assert doc.text[span.start : span.end] in sentence
        assert span["sentence_start"] <= span.start < span.end <= span["sentence_end"]
        assert span.label in LABELS and 0 < span.score <= 1
        assert set(span["probs"]) == set(LABELS)
    first = spans[0]
    assert doc.text[first["sentence_start"] : first["sentence_end"]] == "Mayor Holt did a bad job on the budget."
    assert first.label == "negative" and first["entity"] == "e1"


def test_it_aggregates_mentions_by_mean_probability() -> None:
    doc = make_doc(TEXT, {"Holt": ("e1", "PERSON"), "Reyes": ("e2", "PERSON")})
    Stance(WordClassifier())(doc)
    holt, reyes = doc.entities
    # Holt: one "bad" sentence, one plain one -> mean (0.45, 0.475, 0.075).
    assert holt["stance"]["label"] == "neutral"
    assert holt["stance"]["score"] == pytest.approx(0.475)
    assert holt["stance"]["counts"] == {"negative": 1, "neutral": 1, "positive": 0}
    # Reyes: two "good" sentences and one plain -> positive.
    assert reyes["stance"]["label"] == "positive"
    assert reyes["stance"]["score"] == pytest.approx((0.7 + 0.7 + 0.1) / 3, abs=1e-4)
    assert reyes["stance"]["counts"] == {"negative": 0, "neutral": 1, "positive": 2}
    assert reyes["stance"]["mentions"] == 3


def test_aggregate_rule() -> None:
    one = aggregate([(0.2, 0.3, 0.5)])
    assert one["label"] == "positive" and one["score"] == 0.5 and one["mentions"] == 1
    # One confident negative outweighs two hesitant neutrals.
    mixed = aggregate([(0.9, 0.05, 0.05), (0.35, 0.4, 0.25), (0.35, 0.4, 0.25)])
    assert mixed["label"] == "negative"
    assert mixed["counts"] == {"negative": 1, "neutral": 2, "positive": 0}
    with pytest.raises(ValueError):
        aggregate([])


def test_it_handles_an_article_with_no_entities() -> None:
    doc = make_doc("Rain\n\nIt rained all day. Nobody went out.", {})
    clf = WordClassifier()
    Stance(clf)(doc)
    assert doc.layer("stance") == [] and "stance" in doc.layers
    assert doc.entities == []


def test_it_skips_number_and_date_entities() -> None:
    doc = make_doc(TEXT + " Monday was bad.", {"Holt": ("e1", "PERSON"), "Monday": ("e2", "DATE")})
    Stance(WordClassifier())(doc)
    assert {s["entity"] for s in doc.layer("stance")} == {"e1"}
    assert "stance" not in doc.entities[1]


def test_it_widens_a_sentence_that_cuts_a_mention() -> None:
    text = "Title\n\nThe U.S. Army did a bad thing. Then it left."
    doc = Doc(Article(text=text))
    cut = text.index("U.S.") + 2  # a parser that split "U.S. Army" after "U."
    doc.set_layer("sentences", [Span(7, cut), Span(cut + 1, text.index(" Then")), Span(text.index("Then"), len(text))])
    start = text.index("U.S. Army")
    doc.set_layer("entities", [Span(start, start + len("U.S. Army"), "ORG", attrs={"entity": "e1"})])
    doc.entities = [{"id": "e1", "name": "U.S. Army", "type": "ORG", "aliases": [], "mentions": 1}]
    Stance(WordClassifier())(doc)
    (span,) = doc.layer("stance")
    assert span["sentence_start"] <= span.start and span.end <= span["sentence_end"]
    assert doc.text[span.start : span.end] == "U.S. Army"


def test_it_classifies_all_mentions_of_an_article_in_one_call() -> None:
    doc = make_doc(TEXT, {"Holt": ("e1", "PERSON"), "Reyes": ("e2", "PERSON")})
    clf = WordClassifier()
    Stance(clf)(doc)
    assert len(clf.calls) == 1 and len(clf.calls[0]) == 5


def test_it_survives_the_json_round_trip() -> None:
    doc = make_doc(TEXT, {"Holt": ("e1", "PERSON"), "Reyes": ("e2", "PERSON")})
    Stance(WordClassifier())(doc)
    back = Doc.from_json(doc.to_json())
    assert back.layer("stance") == doc.layer("stance")
    assert back.entities[0]["stance"] == doc.entities[0]["stance"]
