"""The author-stance model: pooling, quotes left out, evidence offsets, and the trained model on invented op-eds.

The op-eds below are written for these tests (in the register of translated
state-media commentary); the actors are invented.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from slant import Article, Doc, Span
from slant.stages.stance import Stance
from slant.stance.author import HIDDEN, N_FEATURES, ArticleStates, AuthorStance, Head, entity_features, judge
from slant.stance.labels import LABELS


def _states(text: str, value_of=lambda word: 0.0) -> ArticleStates:  # type: ignore[no-untyped-def]
    """One 'piece' per word; state[0] = value_of(word), state[1] = 1."""
    words = list(re.finditer(r"\S+", text))
    states = np.zeros((len(words), HIDDEN), np.float32)
    for i, m in enumerate(words):
        states[i, 0] = value_of(m.group().strip('.,"'))
        states[i, 1] = 1.0
    return ArticleStates(np.array([m.start() for m in words]), np.array([m.end() for m in words]), states)


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^.\s][^.\n]*\.", text)]


def _head(weight_on_dim0: float) -> Head:
    """A head whose negative logit grows with mean state[0] of the context pool (and neutral is the default)."""
    w = np.zeros((3, N_FEATURES), np.float32)
    w[0, HIDDEN] = weight_on_dim0
    b = np.array([0.0, 0.5, 0.0], np.float32)
    return Head(w, b, np.zeros(N_FEATURES, np.float32), np.ones(N_FEATURES, np.float32))


TEXT = ('Title line.\n\nKarsk is a disgrace. The weather was mild. '
        '"Voss is a disgrace," said Karsk. Voss met the envoys.')


def _mentions(text: str, name: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(name, text)]


def test_quoted_text_is_left_out_of_every_pool() -> None:
    a = _states(TEXT, lambda w: 10.0 if w == "disgrace" else 0.0)
    quote = TEXT.index('"Voss'), TEXT.index('," said') + 2
    sents = _sentences(TEXT)
    with_quotes = entity_features(a, _mentions(TEXT, "Voss"), sents, [quote])
    without = entity_features(a, _mentions(TEXT, "Voss"), sents, [])
    assert with_quotes is not None and without is not None
    # Voss is insulted only inside Karsk's quote: with the quotes layer the author's context pool holds no insult.
    assert with_quotes.x[HIDDEN] == 0.0 and without.x[HIDDEN] > 0.0
    # The mention inside the quote is not the author's: one of Voss's two mentions is quoted.
    assert with_quotes.x[3 * HIDDEN + 1] == pytest.approx(0.5)
    assert [TEXT[s:e] for s, e in with_quotes.sentences] == ["Voss met the envoys."]
    head = _head(1.0)
    assert judge(head, with_quotes).label == "neutral"
    assert judge(head, without).label == "negative"


def test_evidence_is_the_sentences_that_push_toward_the_label_with_exact_offsets() -> None:
    a = _states(TEXT, lambda w: 10.0 if w == "disgrace" else 0.0)
    parts = entity_features(a, _mentions(TEXT, "Karsk"), _sentences(TEXT), [])
    assert parts is not None
    got = judge(_head(1.0), parts)
    assert got.label == "negative" and set(got.probs) == set(LABELS)
    assert [TEXT[s:e] for s, e, _ in got.evidence][0] == "Karsk is a disgrace."
    assert all(push > 0 for _, _, push in got.evidence)


def test_the_sentence_parts_add_up_to_the_pooled_logits() -> None:
    rng = np.random.default_rng(0)
    a = _states(TEXT)
    a.states[:] = rng.normal(size=a.states.shape).astype(np.float32)
    parts = entity_features(a, _mentions(TEXT, "Karsk|Voss"), _sentences(TEXT), [])
    assert parts is not None
    head = Head(rng.normal(size=(3, N_FEATURES)).astype(np.float32), np.zeros(3, np.float32),
                rng.normal(size=N_FEATURES).astype(np.float32), (1 + rng.random(N_FEATURES)).astype(np.float32))
    x = parts.x.copy()
    x_rest = x.copy()
    x_rest[:2 * HIDDEN] = 0.0
    pooled_part = head.logits(x) - head.logits(x_rest)
    np.testing.assert_allclose(head.sentence_parts(parts).sum(0), pooled_part, rtol=1e-4, atol=1e-4)


def test_the_sentence_parts_include_the_lexical_signals() -> None:
    from slant.stance.author import N_POOLED, N_SENTENCE_IN, SentenceHead
    from slant.stance.evidence import ArticleSignals, title_end

    rng = np.random.default_rng(1)
    text = "Karsk wins.\n\n" + TEXT[len("Title line.\n\n"):]
    a = _states(text)
    a.states[:] = rng.normal(size=a.states.shape).astype(np.float32)
    sents = _sentences(text)
    sig = ArticleSignals(text, sents, [], [(text.index("disgrace"), text.index("disgrace") + 8, "Name_Calling,Labeling", 0.7)],
                         title_end(text))
    sentence = SentenceHead(rng.normal(size=(3, N_SENTENCE_IN)).astype(np.float32), np.zeros(3, np.float32),
                            np.zeros(N_SENTENCE_IN, np.float32), np.ones(N_SENTENCE_IN, np.float32))
    parts = entity_features(a, _mentions(text, "Karsk"), sents, [], sig, top_mentions=2, sentence_head=sentence)
    assert parts is not None
    # The sentence head's features are the mean of its probabilities over the naming sentences.
    np.testing.assert_allclose(parts.x[-3:], sentence.probs(parts.sentence_in).mean(0), rtol=1e-5)
    assert parts.x[-3:].sum() == pytest.approx(1.0, abs=1e-5)
    head = Head(rng.normal(size=(3, N_FEATURES)).astype(np.float32), np.zeros(3, np.float32),
                rng.normal(size=N_FEATURES).astype(np.float32), (1 + rng.random(N_FEATURES)).astype(np.float32))
    x = parts.x.copy()
    x_rest = x.copy()
    x_rest[:2 * HIDDEN] = 0.0
    x_rest[N_POOLED:N_POOLED + parts.evidence_share.shape[1]] = 0.0
    x_rest[-3:] = 0.0
    np.testing.assert_allclose(head.sentence_parts(parts).sum(0), head.logits(x) - head.logits(x_rest),
                               rtol=1e-4, atol=1e-4)


def test_no_mentions_no_features() -> None:
    assert entity_features(_states(TEXT), [], _sentences(TEXT), []) is None
    assert entity_features(_states(""), [(0, 1)], [], []) is None


class _Fixed:
    """A stand-in for the model: states of one dimension that count hostile words."""

    def __init__(self) -> None:
        self.head = _head(1.0)

    def states(self, text: str) -> ArticleStates:
        return _states(text, lambda w: 10.0 if w in ("disgrace", "liar") else 0.0)

    def signals(self, text, sentences, quotes, persuasion):  # type: ignore[no-untyped-def]
        return None

    def judge(self, a, mentions, sentences, quotes, signals=None, top_mentions=0):  # type: ignore[no-untyped-def]
        parts = entity_features(a, mentions, sentences, quotes, signals, top_mentions)
        return None if parts is None else judge(self.head, parts)


def _doc(text: str, names: dict[str, str], quotes: list[tuple[int, int]] = ()) -> Doc:  # type: ignore[assignment]
    doc = Doc(Article(text=text))
    doc.set_layer("sentences", [Span(s, e) for s, e in _sentences(text)])
    spans = []
    for name, eid in names.items():
        spans += [Span(s, e, "PERSON", attrs={"entity": eid}) for s, e in _mentions(text, name)]
    doc.set_layer("entities", sorted(spans, key=lambda s: s.start))
    doc.entities = [{"id": eid, "name": name, "type": "PERSON", "aliases": [name], "mentions": 1}
                    for name, eid in names.items()] + [{"id": "d1", "name": "Monday", "type": "DATE"}]
    if quotes:
        doc.set_layer("quotes", [Span(s, e) for s, e in quotes])
    return doc


def test_the_stage_writes_label_score_probs_and_evidence_offsets() -> None:
    doc = _doc(TEXT, {"Karsk": "e1", "Voss": "e2"}, [(TEXT.index('"Voss'), TEXT.index('," said') + 2)])
    Stance(_Fixed())(doc)  # type: ignore[arg-type]
    karsk, voss, date = doc.entities
    assert karsk["stance"]["label"] == "negative" and voss["stance"]["label"] == "neutral"
    assert "stance" not in date  # a date takes no side
    for ent in (karsk, voss):
        st = ent["stance"]
        assert set(st) == {"label", "score", "probs", "evidence"} and 0 <= st["score"] <= 1
        for s, e in st["evidence"]:
            assert (s, e) in _sentences(TEXT)
    layer = doc.layer("stance")
    assert {sp.get("entity") for sp in layer} == {"e1", "e2"}
    assert all(TEXT[sp.start:sp.end] in [TEXT[s:e] for s, e in _sentences(TEXT)] for sp in layer)


def test_an_article_without_entities_gets_an_empty_layer() -> None:
    doc = _doc("Nothing here. At all.", {})
    Stance(_Fixed())(doc)  # type: ignore[arg-type]
    assert doc.layer("stance") == [] and "stance" in doc.layers


# --- the trained model on invented op-eds -------------------------------------------------------------------

ATTACK = """Commentary: Halvorsen's so-called reforms are a dangerous farce

Prime Minister Erik Halvorsen has once again shown the world his true face. His government, drunk on its own arrogance, has trampled on the will of the people and betrayed every promise it made.
Halvorsen is essentially a puppet of foreign capital, a politician who sells out national interests to maintain his grip on power. His reckless policies have plunged millions into poverty while his cronies grow fat.
The so-called reforms pushed by Halvorsen are nothing but a cynical plot to silence critics. History will judge Halvorsen harshly, and the people will not forgive his lies and his hypocrisy.
"""

PRAISE = """Commentary: Okafor's vision lights the way to common prosperity

Governor Amara Okafor has won the admiration of the whole province with her wise and far-sighted leadership. Under Okafor, schools have been rebuilt, hospitals modernised and thousands of families lifted out of poverty.
Okafor is a tireless servant of the people, honest and courageous, who listens to farmers and workers alike. Her achievements are a shining example of what sincere dedication can accomplish.
Observers rightly praise Okafor as a visionary whose steady hand has brought stability, dignity and hope to her people.
"""

REPORT = """Delegations meet in Geneva for third round of water talks

Lena Brandt, the deputy minister for water resources, arrived in Geneva on Tuesday for the third round of talks on the shared river basin.
Brandt will meet delegations from the two neighbouring states on Wednesday and Thursday. The agenda includes the flow schedule for the dry season and a joint monitoring station.
A final statement is expected on Friday. Brandt is due to return to the capital on Saturday, the ministry said in a notice on its website.
"""

QUOTED = """Opposition leader criticises deputy minister over water talks

Lena Brandt, the deputy minister for water resources, arrived in Geneva on Tuesday for the third round of talks on the shared river basin.
"Brandt is a liar and a disgrace who has sold out our farmers," opposition leader Tomas Krell told reporters on Monday. "She is a traitor and a coward," he said.
Brandt will meet delegations from the two neighbouring states on Wednesday and Thursday. A final statement is expected on Friday, the ministry said.
"""

ATTACK_ORG = """Commentary: The Northern Compact is a war machine that must be stopped

The so-called Northern Compact has once again revealed its aggressive nature. This criminal bloc of warmongers is dragging the whole region towards the abyss of war.
The Northern Compact is essentially a tool of its overseas master to maintain hegemony, a rotten alliance that feeds on fear and bloodshed. Wherever the Northern Compact sets foot, it leaves ruins, refugees and poverty.
Every honest person sees through the lies of the Northern Compact. Its reckless provocations and its vile plots against sovereign nations will end in its own shameful collapse.
"""

STAGES = ["language", "sentences", "entities", "persuasion", "entity_merge", "quotes", "stance"]


def _stance_of(text: str, name: str) -> dict:
    import slant

    doc = slant.analyze(text, stages=STAGES)
    found = [e for e in doc.entities if name in str(e.get("name")) or any(name in str(a) for a in e.get("aliases") or [])]
    assert found, [e.get("name") for e in doc.entities]
    ent = max(found, key=lambda e: e.get("mentions") or 0)
    assert "stance" in ent, ent
    for s, e in ent["stance"]["evidence"]:
        assert 0 <= s < e <= len(doc.text)
    return ent["stance"]


@pytest.mark.slow
def test_an_op_ed_that_attacks_an_actor_is_negative_toward_it() -> None:
    st = _stance_of(ATTACK, "Halvorsen")
    assert st["label"] == "negative", st


@pytest.mark.slow
def test_an_op_ed_that_attacks_an_alliance_is_negative_toward_it() -> None:
    st = _stance_of(ATTACK_ORG, "Northern Compact")
    assert st["label"] == "negative", st


@pytest.mark.slow
def test_an_op_ed_that_praises_an_actor_is_positive_toward_it() -> None:
    st = _stance_of(PRAISE, "Okafor")
    assert st["label"] == "positive", st


@pytest.mark.slow
def test_a_plain_report_is_not_negative_and_quoted_insults_are_not_the_authors() -> None:
    plain = _stance_of(REPORT, "Brandt")
    quoted = _stance_of(QUOTED, "Brandt")
    assert plain["label"] != "negative", plain
    assert quoted["label"] != "negative", quoted
    # Quoted insults move the author's stance far less than the same words written by the author would.
    assert quoted["probs"]["negative"] < 0.5, quoted


def test_a_head_with_its_sentence_head_survives_saving(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from slant.stance.author import N_SENTENCE_IN, SentenceHead

    rng = np.random.default_rng(2)
    sentence = SentenceHead(*(rng.normal(size=shape).astype(np.float32)
                              for shape in ((3, N_SENTENCE_IN), (3,), (N_SENTENCE_IN,), (N_SENTENCE_IN,))))
    head = Head(*(rng.normal(size=shape).astype(np.float32)
                  for shape in ((3, N_FEATURES), (3,), (N_FEATURES,), (N_FEATURES,))), sentence)
    head.save(tmp_path, {})
    back = Head.load(tmp_path)
    assert back.sentence is not None
    np.testing.assert_array_equal(back.w, head.w)
    np.testing.assert_array_equal(back.sentence.w, sentence.w)
    x = rng.normal(size=(4, N_SENTENCE_IN)).astype(np.float32)
    np.testing.assert_allclose(back.sentence.probs(x), sentence.probs(x), rtol=1e-6)


@pytest.mark.slow
def test_the_model_loads_and_refuses_a_head_of_the_wrong_shape(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from slant.errors import ModelError

    head = Head.load()
    assert head.w.shape == (3, N_FEATURES)
    Head(np.zeros((3, 5), np.float32), np.zeros(3, np.float32), np.zeros(5, np.float32),
         np.ones(5, np.float32)).save(tmp_path, {})
    with pytest.raises(ModelError, match="shape"):
        AuthorStance(tmp_path, net=object())
    with pytest.raises(ModelError, match="not found"):
        Head.load(tmp_path / "nowhere")
