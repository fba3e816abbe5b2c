"""Stance on NewsMTSC: macro F1 (F1_m), accuracy, per-class F1, a VADER baseline, speed.

    .venv/bin/python bench/stance.py                       # the reported figures
    .venv/bin/python bench/stance.py --splits rw/test --no-speed

Splits: the repository's own test halves of the two NewsMTSC eval sets,
``dev_test_split/newsmtsc-rw/test`` (real-world distribution) and
``newsmtsc-mt/test`` (sentences with several targets). The published figure
to compare with: NewsMTSC's RoBERTa model, F1_m 83.1 on the real-world test.

VADER baseline: the sentence's VADER compound score taken as the stance
toward every target in it (>= 0.05 positive, <= -0.05 negative, else
neutral; VADER's own thresholds). It cannot tell two targets of one sentence
apart, and lexicon polarity is not attitude toward an actor.

Speed: (1) classifier throughput in mentions per second over rw/test; (2) the
``stance`` stage alone on a ~600-word article assembled from rw/test
sentences (sentences, entities and entity_merge run first and are not timed),
as ms/article. The network runs as the stage runs it: onnxruntime from the
cache (``SLANT_STANCE_BACKEND=torch`` for torch). Threads: ``--threads``
(default 1; the CI machine's 2 cores are shared, where one thread is the
faster choice). ``--onnx`` also times onnxruntime against the torch network
on the same batches and reports the largest logit difference.

NewsMTSC is read from ../shared/data at run time; nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from slant.stance import data, metrics  # noqa: E402
from slant.stance.model import LABELS  # noqa: E402

WOLVES = "By opening the borders, Merkel is inviting wolves into the house."
WOLVES_TARGET = "Merkel"


def vader_predict(sentences: list[str]) -> list[int]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for s in sentences:
        c = analyzer.polarity_scores(s)["compound"]
        out.append(LABELS.index("positive") if c >= 0.05 else LABELS.index("negative") if c <= -0.05 else 1)
    return out


def article_from(targets: list[data.Target], words: int = 600) -> str:
    seen: list[str] = []
    count = 0
    for t in targets:
        if t.sentence in seen:
            continue
        seen.append(t.sentence)
        count += len(t.sentence.split())
        if count >= words:
            break
    paragraphs = [" ".join(seen[i : i + 4]) for i in range(0, len(seen), 4)]
    return "NewsMTSC sentences as one article\n\n" + "\n\n".join(paragraphs)


def speed(clf: Any, targets: list[data.Target], repeats: int) -> dict[str, Any]:
    items = [(t.sentence, t.start, t.end) for t in targets]
    clf.predict(items[:64])  # warm up
    t0, c0 = time.perf_counter(), time.process_time()
    clf.predict(items)
    mentions_per_s = len(items) / (time.perf_counter() - t0)
    # CPU seconds as well: on shared cores the wall clock mostly measures the neighbours.
    mentions_per_cpu_s = len(items) / (time.process_time() - c0)

    import slant
    from slant.pipeline import instance, registry

    text = article_from(targets)
    before = [n for n in ("language", "sentences", "entities", "entity_merge") if n in registry()]
    doc = slant.analyze(text, stages=before)
    stage = instance("stance")
    times, cpu = [], []
    for _ in range(repeats):
        fresh = slant.analyze(text, stages=before)
        t0, c0 = time.perf_counter(), time.process_time()
        stage(fresh)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    stage(doc)
    return {
        "mentions_per_s": round(mentions_per_s, 1),
        "mentions_per_cpu_s": round(mentions_per_cpu_s, 1),
        "article_words": len(text.split()),
        "article_mentions": len(doc.layer("stance")),
        "article_entities": len(doc.entities),
        "ms_per_article_median": round(statistics.median(times), 1),
        "cpu_ms_per_article_median": round(statistics.median(cpu), 1),
    }


def onnx_speed(clf: Any, targets: list[data.Target], threads: int) -> dict[str, Any]:
    """The classifier's network (onnxruntime, from the cache) against the torch network it was exported from.

    Same inputs, same batches (the classifier's own batching); max difference of the logits.
    """
    import numpy as np
    import torch

    from slant.stance.classifier import batches
    from slant.stance.encode import encode, pad
    from slant.stance.model import load_runner
    from slant.stance.runtime import torch_forward

    items = [(t.sentence, t.start, t.end) for t in targets]
    encoded = encode(clf.tokenizer, items, clf.net.marker_ids, clf.max_len)
    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i][0]))
    feeds = [pad([encoded[order[i]] for i in idx])
             for idx in batches([len(encoded[i][0]) for i in order], clf.batch_size, clf.max_tokens)]
    t0 = time.perf_counter()
    net, _, _ = load_runner(clf.directory)
    torch_load_s = time.perf_counter() - t0
    torch.set_num_threads(threads)
    run_torch = torch_forward(net)
    results = {}
    for name, run in (("onnxruntime", clf.net), ("torch", run_torch)):
        run(feeds[0])
        t0, c0 = time.perf_counter(), time.process_time()
        logits = [run(f) for f in feeds]
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        results[name] = (logits, len(items) / cpu, len(items) / wall)
    diff = max(float(np.abs(a - b).max()) for a, b in zip(results["onnxruntime"][0], results["torch"][0]))
    return {"backend": clf.backend, "torch_load_s": round(torch_load_s, 2),
            "onnxruntime_mentions_per_cpu_s": round(results["onnxruntime"][1], 1),
            "onnxruntime_mentions_per_s": round(results["onnxruntime"][2], 1),
            "torch_mentions_per_cpu_s": round(results["torch"][1], 1),
            "torch_mentions_per_s": round(results["torch"][2], 1), "max_logit_diff": diff}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="weights folder (default: the shipped model)")
    ap.add_argument("--splits", nargs="+", default=["rw/test", "mt/test"])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--onnx", action="store_true", help="also time the onnxruntime network against torch's")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)

    import os

    os.environ["SLANT_STANCE_THREADS"] = str(args.threads)  # onnxruntime's threads
    from slant.stance.classifier import StanceClassifier

    t0 = time.perf_counter()
    clf = StanceClassifier(args.model)
    load_s = time.perf_counter() - t0
    if clf.backend == "torch":  # SLANT_STANCE_BACKEND=torch, or no onnxruntime
        import torch

        torch.set_num_threads(args.threads)
    results: dict[str, Any] = {"model": str(args.model or "shipped"), "load_s": round(load_s, 2),
                               "backend": clf.backend, "threads": args.threads, "splits": {}}
    for split in args.splits:
        targets = data.read(split)
        gold = [t.label for t in targets]
        probs = clf.predict([(t.sentence, t.start, t.end) for t in targets])
        pred = [max(range(3), key=lambda k: p[k]) for p in probs]
        ours = metrics.scores(gold, pred)
        vader = metrics.scores(gold, vader_predict([t.sentence for t in targets]))
        results["splits"][split] = {"stance": ours, "vader": vader}
        print(f"{split:8s} n={len(targets):5d}  ours: F1_m {100 * ours['f1_macro']:.1f} acc {100 * ours['accuracy']:.1f} "
              f"(F1 neg/neu/pos {100 * ours['f1_negative']:.1f}/{100 * ours['f1_neutral']:.1f}/"
              f"{100 * ours['f1_positive']:.1f})  |  VADER: F1_m {100 * vader['f1_macro']:.1f} "
              f"acc {100 * vader['accuracy']:.1f}")
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    wolves_vader = SentimentIntensityAnalyzer().polarity_scores(WOLVES)["compound"]
    start = WOLVES.index(WOLVES_TARGET)
    wolves_ours = clf.predict([(WOLVES, start, start + len(WOLVES_TARGET))])[0]
    results["wolves"] = {"sentence": WOLVES, "target": WOLVES_TARGET, "vader_compound": wolves_vader,
                         "ours": dict(zip(LABELS, [round(p, 3) for p in wolves_ours]))}
    print(f"'{WOLVES}': VADER compound {wolves_vader:+.3f}; ours toward {WOLVES_TARGET!r}: "
          + ", ".join(f"{k} {v:.2f}" for k, v in zip(LABELS, wolves_ours)))
    if not args.no_speed:
        results["speed"] = speed(clf, data.read("rw/test"), args.repeats)
        s = results["speed"]
        print(f"speed: {s['mentions_per_s']} mentions/s wall, {s['mentions_per_cpu_s']} per CPU-second; "
              f"stage on a {s['article_words']}-word article ({s['article_mentions']} mentions, "
              f"{s['article_entities']} entities): {s['ms_per_article_median']} ms wall, "
              f"{s['cpu_ms_per_article_median']} ms CPU (median of {args.repeats}); "
              f"model load {load_s:.1f}s; backend {clf.backend}; threads {args.threads}")
    if args.onnx:
        o = results["onnx"] = onnx_speed(clf, data.read("rw/test"), args.threads)
        print(f"onnxruntime vs torch (rw/test, same batches): {o['onnxruntime_mentions_per_cpu_s']} vs "
              f"{o['torch_mentions_per_cpu_s']} mentions per CPU-second ({o['onnxruntime_mentions_per_s']} vs "
              f"{o['torch_mentions_per_s']} wall); torch network load {o['torch_load_s']}s, "
              f"max logit difference {o['max_logit_diff']:.2e}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
