"""The author's stance toward each entity over the whole article: one encoder pass, pooled, and a linear head.

What it reads: the top-layer token states of the persuasion network's pass
over the article (``slant.persuasion.runtime.Network.hidden``; the same
windows the persuasion stage reads, so in a pipeline that ran it they cost
nothing more). Text inside the ``quotes`` layer (direct and reported speech)
is the quoted speaker's, not the author's: its word pieces are left out of
every pool, and mentions inside quotes do not count as the author's mentions.

Features of an entity (:func:`entity_features`), all means of piece states:

- ``mention``: over the word pieces of its mentions (outside quotes);
- ``context``: over the sentences that mention it (outside quotes);
- ``article``: over the whole article (outside quotes);

and a few numbers: log mentions, the share of its mentions inside quotes,
the share of sentences naming it, where it is first named.

The head is multinomial logistic regression on the standardised features,
trained on PerSenT (``slant.train.stance``). Being linear in means of
sentence sums, its logit splits exactly into one part per sentence, so the
evidence is the sentences that push hardest toward the label given.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import ModelError
from .labels import LABELS

MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "stance"
HEAD_FILE = "author_stance.safetensors"
CONFIG_FILE = "config.json"
HIDDEN = 384
N_SCALARS = 4
N_FEATURES = 3 * HIDDEN + N_SCALARS
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


def entity_features(a: ArticleStates, mentions: Spans, sentences: Spans, quotes: Spans) -> EntityParts | None:
    """The entity's features, or None when no word piece of the article was read."""
    n = len(a.starts)
    if n == 0 or not mentions:
        return None
    quoted = _inside(a.starts, a.ends, quotes)
    free = ~quoted
    in_quote = [any(qs <= s < qe for qs, qe in quotes) for s, _ in mentions]
    own = [m for m, q in zip(mentions, in_quote) if not q] or list(mentions)  # all quoted: use them after all
    sent_starts = [s for s, _ in sentences]
    naming: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for s, e in own:
        i = bisect.bisect_right(sent_starts, s) - 1
        if i >= 0 and sentences[i][0] <= s < sentences[i][1]:
            sent = sentences[i]
        else:
            sent = (s, e)
        naming.setdefault(tuple(sent), []).append((s, e))  # type: ignore[arg-type]
    sents = sorted(naming)
    m_sums = np.zeros((len(sents), HIDDEN), np.float32)
    c_sums = np.zeros((len(sents), HIDDEN), np.float32)
    n_m = n_c = 0
    for k, (ss, se) in enumerate(sents):
        sel = _overlapping(a.starts, a.ends, ss, se) & free
        if not sel.any():
            sel = _overlapping(a.starts, a.ends, ss, se)
        c_sums[k] = a.states[sel].sum(0)
        n_c += int(sel.sum())
        msel = np.zeros(n, bool)
        for s, e in naming[(ss, se)]:
            msel |= _overlapping(a.starts, a.ends, s, e)
        m_sums[k] = a.states[msel].sum(0)
        n_m += int(msel.sum())
    article = a.states[free].mean(0) if free.any() else a.states.mean(0)
    first = min(s for s, _ in mentions)
    length = max(int(a.ends[-1]), 1)
    scalars = np.array([
        math.log1p(len(mentions)),
        sum(in_quote) / len(mentions),
        len(sents) / max(len(sentences), 1),
        first / length,
    ], np.float32)
    x = np.concatenate([m_sums.sum(0) / max(n_m, 1), c_sums.sum(0) / max(n_c, 1), article, scalars])
    return EntityParts(x.astype(np.float32), sents, m_sums, c_sums, n_m, n_c)


@dataclasses.dataclass
class Head:
    """Logistic regression over standardised features: ``logits = ((x - mean) / scale) @ w.T + b``."""

    w: np.ndarray  # [3, N_FEATURES]
    b: np.ndarray  # [3]
    mean: np.ndarray  # [N_FEATURES]
    scale: np.ndarray  # [N_FEATURES]

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
        return parts.mention_sums @ wm.T / max(parts.n_mention, 1) + parts.context_sums @ wc.T / max(parts.n_context, 1)

    def save(self, directory: Path, config: dict[str, Any]) -> None:
        from safetensors.numpy import save_file

        directory.mkdir(parents=True, exist_ok=True)
        save_file({"w": self.w.astype(np.float32), "b": self.b.astype(np.float32),
                   "mean": self.mean.astype(np.float32), "scale": self.scale.astype(np.float32)},
                  str(directory / HEAD_FILE))
        (directory / CONFIG_FILE).write_text(json.dumps(config, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> "Head":
        from safetensors.numpy import load_file

        path = directory / HEAD_FILE
        if not path.is_file():
            raise ModelError(f"author-stance head not found at {path}; train it with `slant train stance`")
        t = load_file(str(path))
        head = cls(t["w"], t["b"], t["mean"], t["scale"])
        if head.w.shape != (len(LABELS), N_FEATURES):
            raise ModelError(f"{path}: head of shape {head.w.shape}, expected {(len(LABELS), N_FEATURES)}")
        return head


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

    def judge(self, a: ArticleStates, mentions: Spans, sentences: Spans, quotes: Spans) -> Judgement | None:
        parts = entity_features(a, mentions, sentences, quotes)
        return None if parts is None else judge(self.head, parts)
