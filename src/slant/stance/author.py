"""The author's stance toward each entity over the whole article: one encoder pass, lexical signals, two linear heads.

What it reads: the top-layer token states of the persuasion network's pass
over the article (``slant.persuasion.runtime.Network.hidden``; the same
windows the persuasion stage reads, so in a pipeline that ran it they cost
nothing more), the sentences, the ``quotes`` layer and the ``persuasion``
layer. Text inside quotes (direct and reported speech) is the quoted
speaker's, not the author's: it is left out of every pool and every lexical
signal, and mentions inside quotes do not count as the author's mentions.

Per entity (:func:`entity_features`): its naming sentences (those holding a
mention outside quotes); for each, the mean state of its mention pieces and
of its author pieces, and its lexical signals (:mod:`slant.stance.evidence`:
VADER, attacking persuasion techniques, figurative words); a sentence head
(:class:`SentenceHead`, trained on NewsMTSC) over those; then the document
features: the pooled states (mentions, naming sentences, article), a few
numbers (log mentions, share quoted, share of sentences naming it, first
mention), the naming-sentence and article means of the lexical signals, how
central the entity is, and the mean of the sentence head's probabilities.

The document head (:class:`Head`) is multinomial logistic regression on the
standardised features, trained on PerSenT (``slant.train.stance``; the shipped
one gives the pooled states weight 0, see the model card). Every feature it
reads per sentence is a mean over the naming sentences, so its logit splits
exactly into one part per sentence, and the evidence is the sentences that
push hardest toward the label given.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ModelError
from .evidence import N_EVIDENCE, N_SENTENCE, ArticleSignals, entity_signals, naming_sentences, title_end
from .labels import LABELS

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance"
HEAD_FILE = "author_stance.safetensors"
CONFIG_FILE = "config.json"
HIDDEN = 384
N_SCALARS = 4
N_POOLED = 3 * HIDDEN + N_SCALARS
# The sentence head reads one sentence naming the entity: its mention pieces' mean, its (author) pieces' mean and
# its lexical signals; the entity's features include the mean of its probabilities over the naming sentences.
N_SENTENCE_IN = 2 * HIDDEN + N_SENTENCE
N_FEATURES = N_POOLED + N_EVIDENCE + 3
# Windows per forward pass, as the persuasion predictor batches them (the states are kept per window, so a
# different batching still finds them).
BATCH = 8
EVIDENCE = 3

Spans = Sequence[tuple[int, int]]


@dataclasses.dataclass
class ArticleStates:
    """An article's word pieces and their top-layer states (averaged over the windows that read each piece)."""

    starts: np.ndarray  # int64 [n], character offsets
    ends: np.ndarray  # int64 [n]
    states: np.ndarray  # float32 [n, 384]


def article_states(text: str, hidden: Callable[[np.ndarray, np.ndarray], list[np.ndarray]]) -> ArticleStates:
    """Run (or look up) the windows of the persuasion pass over ``text``."""
    from ..persuasion.windows import OVERLAP, WINDOW, batches, pieces

    p = pieces(text)
    n = len(p)
    acc = np.zeros((n, HIDDEN), np.float32)
    count = np.zeros((n, 1), np.float32)
    if n:
        for starts, ids, mask in batches(p, BATCH, WINDOW, OVERLAP):
            rows = hidden(ids, mask)
            for s, row in zip(starts, rows):
                width = len(row) - 2
                acc[s:s + width] += row[1:1 + width]
                count[s:s + width] += 1
    return ArticleStates(p.offsets[:, 0].copy(), p.offsets[:, 1].copy(), acc / np.maximum(count, 1))


def _inside(starts: np.ndarray, ends: np.ndarray, spans: Spans) -> np.ndarray:
    """Which pieces lie (by their first character) inside any of ``spans``."""
    out = np.zeros(len(starts), bool)
    for s, e in spans:
        out |= (starts >= s) & (starts < e)
    return out


def _overlapping(starts: np.ndarray, ends: np.ndarray, s: int, e: int) -> np.ndarray:
    return (starts < e) & (ends > s)


@dataclasses.dataclass
class EntityParts:
    """What :func:`entity_features` pooled, kept to split the head's logits by sentence."""

    x: np.ndarray  # [N_FEATURES]
    sentences: list[tuple[int, int]]  # the sentences naming the entity outside quotes
    mention_sums: np.ndarray  # [len(sentences), 384]: sum of mention-piece states per sentence
    context_sums: np.ndarray  # [len(sentences), 384]: sum of non-quote piece states per sentence
    n_mention: int
    n_context: int
    evidence_share: np.ndarray  # [len(sentences), N_SENTENCE]: each sentence's lexical signals / len(sentences)
    sentence_in: np.ndarray  # [len(sentences), N_SENTENCE_IN]: the sentence head's inputs
    sentence_share: np.ndarray  # [len(sentences), 3]: the sentence head's probabilities / len(sentences)


def own_mentions(mentions: Spans, quotes: Spans) -> tuple[list[tuple[int, int]], list[bool]]:
    """The mentions outside quotes (all of them when every one is quoted) and which are quoted."""
    in_quote = [any(qs <= s < qe for qs, qe in quotes) for s, _ in mentions]
    own = [tuple(m) for m, q in zip(mentions, in_quote) if not q] or [tuple(m) for m in mentions]
    return own, in_quote  # type: ignore[return-value]


def evidence_part(signals: ArticleSignals | None, mentions: Spans, quotes: Spans, sentences: Spans,
                  top_mentions: int) -> tuple[np.ndarray, np.ndarray]:
    """The lexical features (:mod:`slant.stance.evidence`) of an entity whose naming sentences are ``sentences``
    (zeros without ``signals``: the pooled states alone)."""
    if signals is None:
        return np.zeros(N_EVIDENCE, np.float32), np.zeros((len(sentences), N_SENTENCE), np.float32)
    own, _ = own_mentions(mentions, quotes)
    return entity_signals(signals, mentions, own, sentences, top_mentions)


@dataclasses.dataclass
class SentenceHead:
    """Logistic regression over one naming sentence (:data:`N_SENTENCE_IN` inputs), trained on NewsMTSC targets."""

    w: np.ndarray  # [3, N_SENTENCE_IN]
    b: np.ndarray
    mean: np.ndarray
    scale: np.ndarray

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.w.T + self.b
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)


def sentence_share(head: SentenceHead | None, sentence_in: np.ndarray) -> np.ndarray:
    """Each naming sentence's probabilities divided by their number (zeros without a sentence head)."""
    if head is None or not len(sentence_in):
        return np.zeros((len(sentence_in), 3), np.float32)
    return (head.probs(sentence_in) / len(sentence_in)).astype(np.float32)


def entity_features(a: ArticleStates, mentions: Spans, sentences: Spans, quotes: Spans,
                    signals: ArticleSignals | None = None, top_mentions: int = 0,
                    sentence_head: SentenceHead | None = None) -> EntityParts | None:
    """The entity's features, or None when no word piece of the article was read.

    ``signals``: the article's lexical signals (:class:`slant.stance.evidence.ArticleSignals`; without them those
    features are zeros); ``top_mentions``: the mention count of the article's most-named entity."""
    n = len(a.starts)
    if n == 0 or not mentions:
        return None
    quoted = _inside(a.starts, a.ends, quotes)
    free = ~quoted
    own, in_quote = own_mentions(mentions, quotes)
    naming = naming_sentences(own, sentences)
    sents = sorted(naming)
    m_sums = np.zeros((len(sents), HIDDEN), np.float32)
    c_sums = np.zeros((len(sents), HIDDEN), np.float32)
    n_m = n_c = 0
    per_m = np.zeros((len(sents), 1), np.float32)
    per_c = np.zeros((len(sents), 1), np.float32)
    for k, (ss, se) in enumerate(sents):
        sel = _overlapping(a.starts, a.ends, ss, se) & free
        if not sel.any():
            sel = _overlapping(a.starts, a.ends, ss, se)
        c_sums[k] = a.states[sel].sum(0)
        n_c += int(sel.sum())
        per_c[k] = sel.sum()
        msel = np.zeros(n, bool)
        for s, e in naming[(ss, se)]:
            msel |= _overlapping(a.starts, a.ends, s, e)
        m_sums[k] = a.states[msel].sum(0)
        n_m += int(msel.sum())
        per_m[k] = msel.sum()
    article = a.states[free].mean(0) if free.any() else a.states.mean(0)
    first = min(s for s, _ in mentions)
    length = max(int(a.ends[-1]), 1)
    scalars = np.array([
        math.log1p(len(mentions)),
        sum(in_quote) / len(mentions),
        len(sents) / max(len(sentences), 1),
        first / length,
    ], np.float32)
    ev, ev_share = evidence_part(signals, mentions, quotes, sents, top_mentions)
    s_in = np.concatenate([m_sums / np.maximum(per_m, 1), c_sums / np.maximum(per_c, 1),
                           ev_share * len(sents)], axis=1).astype(np.float32)
    s_share = sentence_share(sentence_head, s_in)
    x = np.concatenate([m_sums.sum(0) / max(n_m, 1), c_sums.sum(0) / max(n_c, 1), article, scalars, ev,
                        s_share.sum(0)])
    return EntityParts(x.astype(np.float32), sents, m_sums, c_sums, n_m, n_c, ev_share, s_in, s_share)


@dataclasses.dataclass
class Head:
    """Logistic regression over standardised features: ``logits = ((x - mean) / scale) @ w.T + b``."""

    w: np.ndarray  # [3, N_FEATURES]
    b: np.ndarray  # [3]
    mean: np.ndarray  # [N_FEATURES]
    scale: np.ndarray  # [N_FEATURES]
    sentence: SentenceHead | None = None

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.w.T + self.b

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = self.logits(x)
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def sentence_parts(self, parts: EntityParts) -> np.ndarray:
        """``[len(sentences), 3]``: each sentence's share of the logits (the mention and context pools are sums
        over sentences divided by piece counts, and the head is linear in them)."""
        ws = self.w / self.scale  # [3, N_FEATURES]
        wm, wc = ws[:, :HIDDEN], ws[:, HIDDEN:2 * HIDDEN]
        we = ws[:, N_POOLED:N_POOLED + N_SENTENCE]
        wp = ws[:, N_POOLED + N_EVIDENCE:]
        return (parts.mention_sums @ wm.T / max(parts.n_mention, 1) + parts.context_sums @ wc.T / max(parts.n_context, 1)
                + parts.evidence_share @ we.T + parts.sentence_share @ wp.T)

    def save(self, directory: Path, config: dict[str, Any]) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        tensors = {"w": self.w, "b": self.b, "mean": self.mean, "scale": self.scale}
        if self.sentence is not None:
            tensors.update({"sentence_w": self.sentence.w, "sentence_b": self.sentence.b,
                            "sentence_mean": self.sentence.mean, "sentence_scale": self.sentence.scale})
        save_file({k: np.ascontiguousarray(v, np.float32) for k, v in tensors.items()}, str(directory / HEAD_FILE))
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> "Head":
        from safetensors.numpy import load_file

        path = directory / HEAD_FILE
        if not path.is_file():
            raise ModelError(f"author-stance head not found at {path}; train it with `slant train stance`")
        t = load_file(str(path))
        sentence = SentenceHead(t["sentence_w"], t["sentence_b"], t["sentence_mean"], t["sentence_scale"]) \
            if "sentence_w" in t else None
        head = cls(t["w"], t["b"], t["mean"], t["scale"], sentence)
        if head.w.shape != (len(LABELS), N_FEATURES):
            raise ModelError(f"{path}: head of shape {head.w.shape}, expected {(len(LABELS), N_FEATURES)}")
        if sentence is not None and sentence.w.shape != (len(LABELS), N_SENTENCE_IN):
            raise ModelError(f"{path}: sentence head of shape {sentence.w.shape}, "
                             f"expected {(len(LABELS), N_SENTENCE_IN)}")
        return head


# spaCy types that name quantities or times, not actors: they take no side.
SKIP_TYPES = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


@dataclasses.dataclass
class DocInputs:
    """What the model reads of an analysed document besides its token states."""

    mentions: dict[str, list[tuple[int, int]]]  # entity id -> its mention spans (entities that can take a side)
    sentences: list[tuple[int, int]]
    quotes: list[tuple[int, int]]
    persuasion: list[tuple[int, int, str, float]]

    @property
    def top_mentions(self) -> int:
        return max((len(m) for m in self.mentions.values()), default=0)


def doc_inputs(doc: Any) -> DocInputs:
    """The mentions of each entity that can take a side, the sentences, quotes and persuasion spans of ``doc``."""
    wanted = {e["id"] for e in doc.entities if e.get("id") and str(e.get("type") or "").upper() not in SKIP_TYPES}
    mentions: dict[str, list[tuple[int, int]]] = {}
    for span in doc.layer("entities"):
        eid = span.get("entity")
        if eid in wanted and span.end > span.start:
            mentions.setdefault(eid, []).append((span.start, span.end))
    quotes = [(q.start, q.end) for q in doc.layer("quotes")] if "quotes" in doc.layers else []
    persuasion = [(p.start, p.end, str(p.label), float(p.score or 0.0)) for p in doc.layer("persuasion")] \
        if "persuasion" in doc.layers else []
    return DocInputs(mentions, [(s.start, s.end) for s in doc.layer("sentences")], quotes, persuasion)


@dataclasses.dataclass
class Judgement:
    label: str
    score: float
    probs: dict[str, float]
    evidence: list[tuple[int, int, float]]  # sentence [start, end) and its push toward the label


def judge(head: Head, parts: EntityParts, evidence: int = EVIDENCE) -> Judgement:
    p = head.probs(parts.x[None, :])[0]
    k = int(np.argmax(p))
    per = head.sentence_parts(parts)
    # A sentence's push toward the label: its part of the label's logit minus its mean part of the others'.
    others = [j for j in range(len(LABELS)) if j != k]
    push = per[:, k] - per[:, others].mean(axis=1)
    order = np.argsort(-push, kind="stable")
    chosen = [(parts.sentences[i][0], parts.sentences[i][1], float(push[i])) for i in order[:evidence] if push[i] > 0]
    if not chosen and len(order):  # nothing pushes toward it (a label the article part decides): the closest one
        i = int(order[0])
        chosen = [(parts.sentences[i][0], parts.sentences[i][1], float(push[i]))]
    return Judgement(LABELS[k], round(float(p[k]), 4), {lab: round(float(p[j]), 4) for j, lab in enumerate(LABELS)},
                     sorted(chosen))


class AuthorStance:
    """The loaded model: the shared persuasion network (loaded once per process) and the head."""

    def __init__(self, directory: Path = MODEL_DIR, *, net: Any = None, head: Head | None = None) -> None:
        self.head = head or Head.load(directory)
        if net is None:
            from ..persuasion.runtime import load_net
            from ..persuasion.weights import MODEL_DIR as PERSUASION_DIR
            from ..persuasion.weights import our_members

            net, _ = load_net(lambda: our_members(PERSUASION_DIR), PERSUASION_DIR)
        self.net = net

    def states(self, text: str) -> ArticleStates:
        return article_states(text, self.net.hidden)

    def signals(self, text: str, sentences: Spans, quotes: Spans,
                persuasion: Sequence[tuple[int, int, str, float]]) -> ArticleSignals:
        return ArticleSignals(text, sentences, quotes, persuasion, title_end(text))

    def judge(self, a: ArticleStates, mentions: Spans, sentences: Spans, quotes: Spans,
              signals: ArticleSignals | None = None, top_mentions: int = 0) -> Judgement | None:
        parts = entity_features(a, mentions, sentences, quotes, signals, top_mentions, self.head.sentence)
        return None if parts is None else judge(self.head, parts)
