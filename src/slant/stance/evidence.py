"""What the author writes about an entity, read off the text: the lexical half of the author-stance features.

The pooled token states of :mod:`slant.stance.author` carry what a network trained on persuasion techniques saw;
these few numbers carry what a reader checks first, in the author's own words only (text inside the ``quotes``
layer is left out, as everywhere in the stance model):

per sentence naming the entity (:data:`SENTENCE_SIGNALS`), over the sentence's author text:

- VADER's compound score, and whether it is clearly negative (<= -0.4) or clearly positive (>= 0.4);
- the persuasion spans on it: the summed scores of the attacking techniques (name calling, loaded language,
  doubt, appeals to fear, exaggeration, reductio ad hitlerum), at most 1 (the other techniques are too rare in
  the training data to weigh);
- whether it holds a word of the figurative lexicon (animals, vermin, disease, puppetry:
  :mod:`slant.persuasion.lexicon`);

the entity's features are the means of these over its naming sentences (so the head stays linear in per-sentence
parts and the evidence sentences stay exact), the same means over every author sentence of the article (the
piece's tone), and how central the entity is (:data:`ENTITY_SIGNALS`): named in the title, its mentions as a share
of the most-named entity's, whether it is the most named, its naming sentences as a share of all. (The trained
document head gives the figurative means weight 0: in its training data such words are mostly literal; the
sentence head reads them per sentence.)
"""

from __future__ import annotations

import bisect
import math
from functools import lru_cache
from typing import Sequence

import numpy as np

from ..persuasion.lexicon import figurative_words

Spans = Sequence[tuple[int, int]]
Labelled = Sequence[tuple[int, int, str, float]]

SENTENCE_SIGNALS = ("vader_compound", "vader_negative", "vader_positive", "attack_techniques", "figurative_words")
ENTITY_SIGNALS = ("in_title", "mention_share", "most_named", "sentence_share")
N_SENTENCE = len(SENTENCE_SIGNALS)
# The entity's naming-sentence means, the article's means, the entity's centrality.
N_EVIDENCE = 2 * N_SENTENCE + len(ENTITY_SIGNALS)
ATTACK = frozenset({"Name_Calling,Labeling", "Loaded_Language", "Doubt", "Appeal_to_fear-prejudice",
                    "Exaggeration,Minimisation", "Bandwagon,Reductio_ad_hitlerum"})
CLEAR = 0.4


@lru_cache(maxsize=1)
def _vader():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def title_end(text: str) -> int:
    """End of the title: the first line of an article of several lines (0 for a single line)."""
    stripped = text.rstrip()
    newline = stripped.find("\n")
    return newline if newline > 0 else 0


def author_pieces(s: int, e: int, quotes: Spans) -> list[tuple[int, int]]:
    """``[s, e)`` less the parts inside ``quotes`` (sorted, possibly overlapping spans)."""
    out, at = [], s
    for qs, qe in quotes:
        if qe <= at or qs >= e:
            continue
        if qs > at:
            out.append((at, qs))
        at = max(at, qe)
    if at < e:
        out.append((at, e))
    return out


def sentence_signals(text: str, s: int, e: int, quotes: Spans, persuasion: Labelled) -> np.ndarray:
    """:data:`SENTENCE_SIGNALS` of sentence ``[s, e)``, over its author text (zeros when it is all quoted)."""
    out = np.zeros(N_SENTENCE, np.float32)
    pieces = author_pieces(s, e, quotes)
    own = " ".join(text[a:b].strip() for a, b in pieces).strip()
    if not any(ch.isalpha() for ch in own):
        return out
    compound = float(_vader().polarity_scores(own)["compound"])
    out[0] = compound
    out[1] = compound <= -CLEAR
    out[2] = compound >= CLEAR
    attack = sum(float(score) for ps, pe, label, score in persuasion
                 if label in ATTACK and any(ps < b and pe > a for a, b in pieces))
    out[3] = min(attack, 1.0)
    out[4] = float(any(figurative_words(text, a, b) for a, b in pieces))
    return out


def naming_sentences(mentions: Spans, sentences: Spans) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """The sentence holding each mention (the mention itself when no sentence does), with its mentions."""
    starts = [s for s, _ in sentences]
    naming: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s, e in mentions:
        i = bisect.bisect_right(starts, s) - 1
        sent = tuple(sentences[i]) if i >= 0 and sentences[i][0] <= s < sentences[i][1] else (s, e)
        naming.setdefault(sent, []).append((s, e))  # type: ignore[arg-type]
    return naming


class ArticleSignals:
    """The article's sentence signals, computed once and shared by its entities."""

    def __init__(self, text: str, sentences: Spans, quotes: Spans, persuasion: Labelled, title_end: int) -> None:
        self.text = text
        self.quotes = sorted(quotes)
        self.persuasion = list(persuasion)
        self.title_end = title_end
        self.n_sentences = max(len(sentences), 1)
        self._by_sentence: dict[tuple[int, int], np.ndarray] = {}
        rows = [self.of(int(s), int(e)) for s, e in sentences]
        self.article = np.mean(rows, axis=0).astype(np.float32) if rows else np.zeros(N_SENTENCE, np.float32)

    def of(self, s: int, e: int) -> np.ndarray:
        key = (s, e)
        if key not in self._by_sentence:
            self._by_sentence[key] = sentence_signals(self.text, s, e, self.quotes, self.persuasion)
        return self._by_sentence[key]


def entity_signals(art: ArticleSignals, mentions: Spans, own: Spans, sentences: Spans, top_mentions: int
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(the entity's :data:`N_EVIDENCE` features, the per-sentence signals of ``sentences`` divided by their count).

    ``mentions``: all of the entity's mentions; ``own``: those outside quotes; ``sentences``: its naming sentences
    (outside quotes), in the order the caller keeps them.
    """
    per = np.stack([art.of(s, e) for s, e in sentences]) if sentences else np.zeros((0, N_SENTENCE), np.float32)
    share = per / max(len(sentences), 1)
    centrality = np.array([
        float(any(s < art.title_end for s, _ in mentions)),
        len(mentions) / max(top_mentions, len(mentions), 1),
        float(len(mentions) >= top_mentions),
        len(sentences) / art.n_sentences,
    ], np.float32)
    x = np.concatenate([share.sum(0), art.article, centrality]).astype(np.float32)
    assert len(x) == N_EVIDENCE and not any(math.isnan(v) for v in x)
    return x, share.astype(np.float32)
