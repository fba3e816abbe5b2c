"""The author's stance toward an entity over a whole article: BASIL and PerSenT, new model beside the old.

    .venv/bin/python bench/author_stance.py predict --data basil --out /tmp/new-basil.jsonl
    PYTHONPATH=/tmp/old/src .venv/bin/python bench/author_stance.py predict --data basil --out /tmp/old-basil.jsonl
    .venv/bin/python bench/author_stance.py report /tmp/new-basil.jsonl /tmp/old-basil.jsonl

``predict`` runs slant (whichever tree ``import slant`` finds: put an older
tree first on ``PYTHONPATH`` to run it) on every article, finds each labelled
entity among the entities slant found (``slant/stance/targets.py``, loaded by
path from this tree so that both trees are matched alike) and writes one line
per (article, entity) pair: the gold label, the predicted one (null where
slant did not find the entity), the entity's spaCy type.

``report`` prints, for each file and for always-neutral: accuracy, macro-F1
(over the three classes) and the confusion matrix on the pairs slant found,
with standard errors from 1,000 bootstrap resamples of whole articles; by
entity type too (persons; organisations, countries and groups).

``predict --features`` keeps each pair's raw material (the pooled states of
the persuasion pass, the sentences, quotes and persuasion spans), so that
``report --head DIR`` can score a head on it without another pass
(``--neutral-bias B`` with the neutral offset B instead of its own). BASIL's
design choices are made on ``--articles odd`` (odd positions in the sorted
article ids) and reported on ``--articles even``; never fitted on either.

Data, read at run time from ../shared/data (never copied):

- BASIL (``basil``): article-level ``author_feeling_<Entity>`` labels
  (str-neg/neg -> negative, neu -> neutral, pos/str-pos -> positive; the
  ``main_event`` entry is not an entity). Evaluation only: no license.
- PerSenT ``fixed_test.csv`` (``persent``): the paper's "Test Frequent" (827
  documents about four names of two people), never used in training.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
LABELS = ("negative", "neutral", "positive")
BASIL_MAP = {"str-neg": "negative", "neg": "negative", "neu": "neutral", "pos": "positive", "str-pos": "positive"}
PERSON = {"PERSON"}
ORGS = {"ORG", "GPE", "NORP", "LOC", "FAC"}


def _targets() -> Any:
    spec = importlib.util.spec_from_file_location("_targets", ROOT / "src" / "slant" / "stance" / "targets.py")
    mod = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def basil_articles(root: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    """(article id, text, {entity name: gold label})."""
    for ann_path in sorted((root / "annotations").glob("*/*_ann.json")):
        art_path = root / "articles" / ann_path.parent.name / ann_path.name.replace("_ann.json", ".json")
        if not art_path.is_file():
            continue
        art = json.loads(art_path.read_text(encoding="utf-8"))
        ann = json.loads(ann_path.read_text(encoding="utf-8"))
        gold = {}
        for key, value in (ann.get("article-level-annotations") or {}).items():
            if key.startswith("author_feeling_") and key != "author_feeling_main_event" and value in BASIL_MAP:
                gold[key[len("author_feeling_"):].replace("_", " ")] = BASIL_MAP[value]
        if not gold:
            continue
        body = "\n".join(" ".join(s.strip() for s in para) for para in art.get("body-paragraphs") or [])
        yield art_path.stem, f"{art.get('title', '').strip()}\n\n{body}", gold


def persent_articles(path: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    csv.field_size_limit(10**9)
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            text = row["TITLE"].strip() + "\n\n" + row["DOCUMENT"].strip()
            yield row["DOCUMENT_INDEX"], text, {row["TARGET_ENTITY"]: row["TRUE_SENTIMENT"].strip().lower()}


def predict(args: argparse.Namespace) -> None:
    import slant

    targets = _targets()
    if args.data == "basil":
        items = basil_articles(DATA / "basil")
    else:
        items = persent_articles(DATA / "persent" / "fixed_test.csv")
    stages = args.stages.split(",")
    features = None
    if args.features:  # this tree's author-stance model: keep each pair's raw material, to score other heads offline
        from slant.stance.author import article_states
        from slant.train.stance import hidden_fn, raw_record

        hidden = hidden_fn("persuasion")  # the persuasion network's pass (kept from the persuasion stage's run)

        def features(doc: Any, eid: str) -> dict[str, Any] | None:
            return raw_record(doc, eid, article_states(doc.text, hidden))
    t0, n = time.time(), 0
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as out:
        shard, shards = (int(x) for x in args.shard.split("/"))
        for i, (aid, text, gold) in enumerate(items):
            if args.limit and n >= args.limit:
                break
            if i % shards != shard:
                continue
            n += 1
            doc = slant.analyze(text, stages=stages)
            counts = targets.mention_counts(doc.layer("entities"))
            for name, label in gold.items():
                ent = targets.find_entity(doc.entities, counts, name)
                stance = (ent or {}).get("stance") or {}
                row = {"article": aid, "entity": name, "gold": label, "pred": stance.get("label"),
                       "type": (ent or {}).get("type"), "found": ent is not None, "evidence": stance.get("evidence")}
                if features is not None and ent is not None:
                    row["raw"] = features(doc, ent["id"])
                out.write(json.dumps(row) + "\n")
            if n % 25 == 0:
                print(f"{n} articles, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    print(f"{n} articles in {time.time() - t0:.0f} s -> {args.out}", file=sys.stderr)


def scores(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    conf = [[0] * 3 for _ in range(3)]
    for r in rows:
        p = r[key] if r[key] in LABELS else "neutral"
        conf[LABELS.index(r["gold"])][LABELS.index(p)] += 1
    n = sum(map(sum, conf))
    f1s = []
    for k in range(3):
        tp = conf[k][k]
        fp = sum(conf[j][k] for j in range(3)) - tp
        fn = sum(conf[k]) - tp
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {"n": n, "accuracy": sum(conf[k][k] for k in range(3)) / max(n, 1), "macro_f1": sum(f1s) / 3,
            "f1": f1s, "confusion": conf}


def bootstrap(rows: list[dict[str, Any]], key: str, reps: int = 1000, seed: int = 13) -> tuple[float, float]:
    """Standard errors of accuracy and macro-F1, resampling whole articles."""
    by: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by.setdefault(r["article"], []).append(r)
    arts = list(by)
    rng = random.Random(seed)
    accs, f1s = [], []
    for _ in range(reps):
        sample = [r for a in (rng.choice(arts) for _ in arts) for r in by[a]]
        s = scores(sample, key)
        accs.append(s["accuracy"])
        f1s.append(s["macro_f1"])

    def sd(xs: list[float]) -> float:
        m = sum(xs) / len(xs)
        return (sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) ** 0.5

    return sd(accs), sd(f1s)


def report(args: argparse.Namespace) -> None:
    files = [Path(f) for f in args.files]
    runs = {f.name: [json.loads(line) for line in f.open(encoding="utf-8")] for f in files}
    for head_dir in args.head:  # another head scored on the raw material a run kept (same pairs, same pooling)
        import numpy as np

        from slant.stance.author import Head
        from slant.train.stance import features_of

        head = Head.load(Path(head_dir))
        src = next(rows for rows in runs.values() if any(r.get("raw") for r in rows))
        xs = {id(r): features_of(r["raw"], head.sentence) for r in src if r.get("raw")}
        config = json.loads((Path(head_dir) / "config.json").read_text(encoding="utf-8"))
        shipped = float(config.get("training", {}).get("neutral_bias") or 0.0)  # already in the head's bias
        for bias in args.neutral_bias or [None]:
            b = head.b.copy()
            if bias is not None:  # replace the head's own neutral offset by this one (its fit had none added)
                b[LABELS.index("neutral")] += bias - shipped
            def label(r: dict[str, Any]) -> str | None:
                if not r.get("raw"):
                    return None
                z = (xs[id(r)] - head.mean) / head.scale @ head.w.T + b
                return LABELS[int(np.argmax(z))]
            name = f"head {head_dir}" + (f", neutral bias {bias}" if bias is not None else "")
            runs[name] = [{**r, "pred": label(r)} for r in src]
    if args.articles != "all":  # BASIL's odd- or even-numbered articles (in sorted order of their ids)
        ids = sorted({r["article"] for rows in runs.values() for r in rows})
        keep = {a for i, a in enumerate(ids) if i % 2 == (1 if args.articles == "odd" else 0)}
        runs = {name: [r for r in rows if r["article"] in keep] for name, rows in runs.items()}
    # A run that only kept raw material (no stance stage) is a source for --head, not a system.
    runs = {name: rows for name, rows in runs.items() if any(r.get("pred") is not None for r in rows)}
    # Judge every system on the same pairs: those every run found.
    keyset = None
    for rows in runs.values():
        found = {(r["article"], r["entity"]) for r in rows if r["found"] and r["pred"] is not None}
        keyset = found if keyset is None else keyset & found
    total = {(r["article"], r["entity"]) for rows in runs.values() for r in rows}
    print(f"pairs: {len(total)} labelled, {len(keyset or ())} found by every run")
    first = next(iter(runs.values()))
    systems = [("always neutral", [{**r, "pred": "neutral"} for r in first if (r["article"], r["entity"]) in keyset])]
    for name, rows in runs.items():
        systems.append((name, [r for r in rows if (r["article"], r["entity"]) in keyset]))
    groups = [("all", None), ("persons", PERSON), ("orgs/countries/groups", ORGS)]
    print("| system | entities | pairs | articles | accuracy | macro-F1 | F1 neg / neu / pos |")
    print("|---|---|---|---|---|---|---|")
    for gname, types in groups:
        for name, rows in systems:
            ref = {(r["article"], r["entity"]): r.get("type") for r in first}
            sel = [r for r in rows if types is None or ref.get((r["article"], r["entity"])) in types]
            if not sel:
                continue
            s = scores(sel, "pred")
            se_a, se_f = bootstrap(sel, "pred", reps=args.reps)
            arts = len({r["article"] for r in sel})
            print(f"| {name} | {gname} | {s['n']} | {arts} | {s['accuracy']:.3f} ± {se_a:.3f} | "
                  f"**{s['macro_f1']:.3f}** ± {se_f:.3f} | {' / '.join(f'{x:.2f}' for x in s['f1'])} |")
    print()
    for name, rows in systems[1:]:
        s = scores(rows, "pred")
        print(f"confusion, {name} (rows gold, columns predicted: negative, neutral, positive): {s['confusion']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("predict")
    p.add_argument("--data", choices=("basil", "persent"), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--features", action="store_true", help="keep each pair's raw author-stance material (this tree)")
    p.add_argument("--shard", default="0/1", help="K/N: only articles whose index is K modulo N (parallel runs)")
    p.add_argument("--stages", default="language,sentences,entities,entity_merge,quotes,stance")
    r = sub.add_parser("report")
    r.add_argument("files", nargs="+")
    r.add_argument("--reps", type=int, default=1000)
    r.add_argument("--head", action="append", default=[], help="also score this head folder on a run's kept material")
    r.add_argument("--neutral-bias", type=float, action="append", default=[],
                   help="score --head with this offset on the neutral logit instead of its own (repeatable)")
    r.add_argument("--articles", choices=("all", "odd", "even"), default="all",
                   help="only the odd- or even-numbered articles (sorted ids): choose on odd, report on even")
    args = ap.parse_args()
    if args.cmd == "predict":
        predict(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
