"""The lexical half of the author-stance features: the author's words only, per sentence naming the entity."""

from __future__ import annotations

import numpy as np
import pytest

from slant.stance.evidence import (N_EVIDENCE, N_SENTENCE, SENTENCE_SIGNALS, ArticleSignals, author_pieces,
                                   entity_signals, naming_sentences, sentence_signals, title_end)

TEXT = ("Karsk tour ends\n\n"
        "Karsk is a vile, corrupt liar and a puppet of the cartel. "
        '"Voss is a vile, corrupt liar," Karsk said. '
        "Voss met the envoys on Monday.")


def _sentences(text: str) -> list[tuple[int, int]]:
    out, at = [], 0
    for part in ("Karsk tour ends", "Karsk is a vile, corrupt liar and a puppet of the cartel.",
                 '"Voss is a vile, corrupt liar," Karsk said.', "Voss met the envoys on Monday."):
        s = text.index(part, at)
        out.append((s, s + len(part)))
        at = s + len(part)
    return out


QUOTE = (TEXT.index('"Voss'), TEXT.index('," Karsk') + 2)


def test_author_pieces_leave_out_the_quotes() -> None:
    s, e = _sentences(TEXT)[2]
    pieces = author_pieces(s, e, [QUOTE])
    assert "".join(TEXT[a:b] for a, b in pieces) == " Karsk said."
    assert author_pieces(0, 10, []) == [(0, 10)]
    assert author_pieces(5, 10, [(0, 20)]) == []


def test_hostile_author_words_count_and_quoted_ones_do_not() -> None:
    sents = _sentences(TEXT)
    own = sentence_signals(TEXT, *sents[1], [QUOTE], [])
    quoted = sentence_signals(TEXT, *sents[2], [QUOTE], [])
    plain = sentence_signals(TEXT, *sents[3], [QUOTE], [])
    col = {name: i for i, name in enumerate(SENTENCE_SIGNALS)}
    assert own[col["vader_compound"]] < -0.4 and own[col["vader_negative"]] == 1.0
    assert own[col["figurative_words"]] == 1.0  # "puppet"
    assert quoted[col["vader_compound"]] == pytest.approx(0.0) and quoted[col["vader_negative"]] == 0.0
    assert plain[col["vader_negative"]] == 0.0 and plain[col["figurative_words"]] == 0.0


def test_persuasion_spans_count_only_on_the_authors_text() -> None:
    sents = _sentences(TEXT)
    vile_own = TEXT.index("vile")
    vile_quoted = TEXT.index("vile", vile_own + 1)
    liar = TEXT.index("liar")
    spans = [(vile_own, vile_own + 4, "Name_Calling,Labeling", 0.8), (vile_quoted, vile_quoted + 4, "Loaded_Language", 0.9),
             (TEXT.index("envoys"), TEXT.index("envoys") + 6, "Flag-Waving", 0.3)]
    col = {name: i for i, name in enumerate(SENTENCE_SIGNALS)}
    assert sentence_signals(TEXT, *sents[1], [QUOTE], spans)[col["attack_techniques"]] == pytest.approx(0.8)
    assert sentence_signals(TEXT, *sents[2], [QUOTE], spans)[col["attack_techniques"]] == 0.0
    assert sentence_signals(TEXT, *sents[3], [QUOTE], spans)[col["attack_techniques"]] == 0.0  # not an attack
    # The attack signal is capped at 1 per sentence.
    more = spans + [(liar, liar + 4, "Loaded_Language", 0.7)]
    assert sentence_signals(TEXT, *sents[1], [QUOTE], more)[col["attack_techniques"]] == pytest.approx(1.0)


def test_entity_signals_are_means_over_its_naming_sentences_and_its_centrality() -> None:
    sents = _sentences(TEXT)
    art = ArticleSignals(TEXT, sents, [QUOTE], [], title_end(TEXT))
    assert title_end(TEXT) == len("Karsk tour ends") and title_end("one line") == 0
    karsk = [(0, 5), (sents[1][0], sents[1][0] + 5), (TEXT.index("Karsk said"), TEXT.index("Karsk said") + 5)]
    naming = sorted(naming_sentences(karsk, sents))
    assert naming == [sents[0], sents[1], sents[2]]
    x, share = entity_signals(art, karsk, karsk, naming, top_mentions=3)
    assert x.shape == (N_EVIDENCE,) and share.shape == (3, N_SENTENCE)
    np.testing.assert_allclose(x[:N_SENTENCE], share.sum(0), rtol=1e-6)
    np.testing.assert_allclose(x[:N_SENTENCE], np.mean([art.of(*s) for s in naming], axis=0), rtol=1e-5)
    in_title, mention_share, most_named, sentence_share = x[2 * N_SENTENCE:]
    assert (in_title, mention_share, most_named, sentence_share) == (1.0, 1.0, 1.0, 0.75)
    voss = [(TEXT.index("Voss met"), TEXT.index("Voss met") + 4)]
    xv, _ = entity_signals(art, voss, voss, sorted(naming_sentences(voss, sents)), top_mentions=3)
    assert tuple(xv[2 * N_SENTENCE:]) == pytest.approx((0.0, 1 / 3, 0.0, 0.25))
