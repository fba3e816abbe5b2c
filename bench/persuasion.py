"""Persuasion techniques: SemEval-2020 Task 11 measures on PTC dev, calibration, and speed.

    nice -n 5 .venv/bin/python bench/persuasion.py [--split dev] [--limit N] [--no-speed] [--json OUT]

Quality (metrics in ``slant.persuasion.metrics``, written from the task's
definitions): SI precision/recall/F1 with partial-overlap credit; TC micro-F1
of the technique predicted for each gold span; the full task (spans with
techniques, SI credit counted only where techniques match), each per
technique. Beside it, the whole-sentence baseline (every non-empty line of the
article, one sentence per line in PTC, predicted as a span). Calibration:
expected calibration error (10 bins) of the span scores before and after the
calibration map, where a (span, technique) is right if it overlaps a gold span
of that technique.

Speed, each system in a fresh subprocess (so peak memory is its own): our
stage's model on 600-word articles (articles/s, ms/article, peak RSS); Prta's
architecture (bert-base-cased shape, ``BertConfig()`` defaults, random weights,
with a token head and a sentence head; MiniLM's word pieces stand in for the
cased vocabulary, which has the same size, and speed does not depend on it);
the whole default pipeline; the cold start of one ``slant analyze`` call.

Each system is timed twice: one process (onnxruntime with its default of one
thread per session, torch with its default threads), and ``--workers`` processes
at once, one thread each, as a batch run on a pool of workers would use the
cores. The workers load and warm up, wait for each other, then all analyse
the same texts; articles/s is all their articles over the slowest one's wall
time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

WORDS = 600


def quality(split: str, limit: int, rounds: int = 400) -> dict[str, Any]:
    import numpy as np

    from slant.persuasion import calibration, metrics
    from slant.persuasion.corpus import load_split
    from slant.persuasion.predictor import Predictor
    from slant.techniques import NAMES

    arts = load_split(split)[: limit or None]
    pred = Predictor()
    meta = pred.meta
    t0 = time.time()
    gold_si = {a.id: [(x.start, x.end) for x in a.spans] for a in arts}
    gold_rows = {a.id: [(x.start, x.end, x.label) for x in a.spans] for a in arts}
    rows: dict[str, list[tuple[int, int, str]]] = {}
    pairs_of: dict[str, list[tuple[str, str]]] = {}
    raw, cal, right = [], [], []
    spans_of: dict[str, range] = {}  # each article's entries in raw / cal / right
    for a in arts:
        sc = pred.score(a.text)
        cands = pred.candidates(sc)
        rows[a.id] = [(f.start, f.end, f.label) for f in pred.label(cands)]

        def ranked(s: int, e: int, sc: Any = sc) -> list[str]:
            probs = pred.classify(sc, s, e)
            return [NAMES[k] for k in np.argsort(-probs)] if probs is not None else [NAMES[0]]

        pairs_of[a.id] = metrics.assign_gold_labels(gold_rows[a.id], ranked)
        spans_of[a.id] = range(len(raw), len(raw) + len(cands))
        for s, e, conf, probs in cands:
            r, ok = calibration.top_technique_entry(s, e, conf, probs, a.spans)
            raw.append(r)
            cal.append(calibration.apply(meta.get("calibration"), r))
            right.append(ok)
    seconds = time.time() - t0
    pairs = [p for a in arts for p in pairs_of[a.id]]
    si = metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in rows.items()}, gold_si)
    full = metrics.full_scores(rows, gold_rows, NAMES)
    tc = metrics.tc_scores(pairs, NAMES)
    baseline = {}
    for a in arts:
        spans, pos = [], 0
        for line in a.text.split("\n"):
            if line.strip():
                spans.append((pos, pos + len(line)))
            pos += len(line) + 1
        baseline[a.id] = spans
    base_si = metrics.si_scores(baseline, gold_si)
    # SI by technique: how much of each technique's gold spans the emitted spans cover, whatever their labels (SI
    # is blind to techniques, so only its recall splits by technique; precision by technique is the full task's).
    emitted = {k: [(s, e) for s, e, _ in v] for k, v in rows.items()}
    si_recall = {name: metrics.si_scores(emitted, {a.id: [(x.start, x.end) for x in a.spans if x.label == name]
                                                   for a in arts})["recall"] for name in NAMES}
    # How far the F1s and ECEs would move on another sample of as many articles: the yardstick for any difference
    # between two rows of BENCHMARKS.md.
    def resampled(ids: Sequence[str]) -> tuple[float, ...]:
        keys = [f"{j}:{i}" for j, i in enumerate(ids)]
        r = {k: rows[i] for k, i in zip(keys, ids)}
        g = {k: gold_rows[i] for k, i in zip(keys, ids)}
        return (metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in r.items()},
                                  {k: [(s, e) for s, e, _ in v] for k, v in g.items()})["f1"],
                metrics.tc_scores([p for i in ids for p in pairs_of[i]], NAMES)["all"]["f1"],
                metrics.full_scores(r, g, NAMES)["all"]["f1"],
                *ece_pair(ids))

    def ece_pair(ids: Sequence[str]) -> tuple[float, float, float]:
        """ECE of the raw and the calibrated scores, and what the map changed (paired: the same spans)."""
        idx = [j for i in ids for j in spans_of[i]]
        ok = [right[j] for j in idx]
        before, after = calibration.ece([raw[j] for j in idx], ok), calibration.ece([cal[j] for j in idx], ok)
        return before, after, after - before

    se = metrics.article_bootstrap([a.id for a in arts], resampled, rounds)
    return {
        "split": split, "articles": len(arts), "seconds": round(seconds, 1), "backend": pred.backend,
        "standard_error": (dict(zip(("si", "tc", "full", "ece_raw", "ece_calibrated", "ece_change"), se), rounds=rounds)
                           if se else None),
        "threshold": calibration_threshold(meta), "piece_threshold": meta["piece_threshold"],
        "piece_threshold_low": meta.get("piece_threshold_low", meta["piece_threshold"]),
        "si": si, "baseline_si": base_si, "tc": tc, "full": full, "si_recall_by_technique": si_recall,
        "ece": {"raw": calibration.ece(raw, right), "calibrated": calibration.ece(cal, right), "n": len(raw),
                "kind": (meta.get("calibration") or {}).get("kind")},
        "held_out": meta.get("held_out"),
    }


def calibration_threshold(meta: dict[str, Any]) -> float:
    from slant.persuasion.predictor import default_threshold

    return default_threshold(meta)


def sample_articles(n: int) -> list[str]:
    """``n`` 600-word texts cut from PTC dev articles (joined when one is shorter)."""
    from slant.persuasion.corpus import load_split

    words = " ".join(a.text for a in load_split("dev")).split(" ")
    out = []
    for i in range(n):
        chunk = words[i * WORDS:(i + 1) * WORDS]
        out.append("Title line\n\n" + " ".join(chunk))
    return out


# One thread per worker: onnxruntime sessions read ours, torch (Prta's shape) reads OMP_NUM_THREADS at import.
ONE_THREAD = {"SLANT_PERSUASION_THREADS": "1", "SLANT_STANCE_THREADS": "1", "OMP_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}


def wait_for_the_others(barrier: Path | None, workers: int) -> None:
    """Start timing only once every worker has loaded and warmed up (files in ``barrier`` count them)."""
    if barrier is None:
        return
    (barrier / f"ready-{os.getpid()}").touch()
    deadline = time.time() + 600
    while len(list(barrier.glob("ready-*"))) < workers:
        if time.time() > deadline:
            raise SystemExit("the other speed workers never got ready")
        time.sleep(0.01)


def speed_worker(system: str, n: int, barrier: Path | None = None, workers: int = 1) -> dict[str, Any]:
    texts = sample_articles(n + 2)
    t_load = time.time()
    if system == "ours":
        from slant.persuasion.predictor import Predictor

        p = Predictor()
        run = p.predict
    elif system == "prta":
        run = prta_runner()
    elif system == "pipeline":
        import slant

        def run(text: str) -> Any:
            return slant.analyze(text)
    else:
        raise SystemExit(f"unknown system {system!r}")
    for t in texts[:2]:  # warm-up: first-call costs are the cold-start figure's business
        run(t)
    load_s = time.time() - t_load
    wait_for_the_others(barrier, workers)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for t in texts[2:]:
        run(t)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    return {"system": system, "workers": 1, "articles": n, "words": WORDS, "articles_per_s": n / wall,
            "ms_per_article": 1000 * wall / n, "wall_s": wall, "cpu_s_per_article": cpu / n, "load_and_warmup_s": load_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_speed(system: str, n: int, workers: int) -> dict[str, Any]:
    """One process with default threads (``workers`` 1), or ``workers`` one-thread processes started together."""
    import tempfile

    cmd = [sys.executable, __file__, "--speed-worker", system, "--speed-n", str(n)]
    with tempfile.TemporaryDirectory() as barrier:
        env = dict(os.environ)
        if workers > 1:
            env.update(ONE_THREAD)
            cmd += ["--barrier", barrier, "--workers", str(workers)]
        procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                 for _ in range(workers)]
        results = []
        for proc in procs:
            out, err = proc.communicate()
            try:
                results.append(json.loads(out.strip().splitlines()[-1]))
            except (IndexError, json.JSONDecodeError):
                for other in procs:
                    other.kill()
                return {"system": system, "workers": workers, "error": (err.strip().splitlines() or ["no output"])[-1]}
    if workers == 1:
        return results[0]
    wall = max(r["wall_s"] for r in results)
    total = sum(r["articles"] for r in results)
    return {"system": system, "workers": workers, "articles": total, "words": WORDS, "articles_per_s": total / wall,
            "ms_per_article": 1000 * wall / total, "wall_s": wall,
            "cpu_s_per_article": sum(r["cpu_s_per_article"] * r["articles"] for r in results) / total,
            "load_and_warmup_s": max(r["load_and_warmup_s"] for r in results),
            "peak_rss_mb": sum(r["peak_rss_mb"] for r in results)}


def prta_runner():  # type: ignore[no-untyped-def]
    """Prta's shape: BERT-base (cased vocabulary size is close; defaults otherwise), token and sentence heads."""
    import torch
    from transformers import BertConfig, BertModel

    from slant.persuasion.windows import batches, pieces

    torch.manual_seed(0)
    bert = BertModel(BertConfig()).eval()
    token_head = torch.nn.Linear(768, 2 * 19)
    sentence_head = torch.nn.Linear(768, 2)

    def run(text: str) -> Any:
        p = pieces(text)
        with torch.inference_mode():
            for _, ids, mask in batches(p, 8):
                out = bert(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))
                token_head(out.last_hidden_state).argmax(-1)
                sentence_head(out.pooler_output).argmax(-1)

    return run


def cold_start() -> dict[str, Any]:
    """Seconds for one fresh process to analyse one short article with the persuasion stage (after the model cache exists)."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("A test of patience\n\nThe senator called the plan a disgraceful betrayal of every hard-working family.\n")
        path = fh.name
    cmds = {
        "python: analyze(stages=language,sentences,persuasion)": [sys.executable, "-c",
            f"import slant; slant.analyze({path!r}, stages=['language','sentences','persuasion'])"],
        "slant analyze one.txt (all stages)": [str(Path(sys.executable).parent / "slant"), "analyze", path, "--json"],
    }
    out = {}
    for name, cmd in cmds.items():
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            times.append(time.perf_counter() - t0)
            if r.returncode != 0:
                out[name] = {"error": (r.stderr or r.stdout).strip().splitlines()[-1:] }
                break
        else:
            out[name] = {"seconds_first": round(times[0], 2), "seconds_second": round(times[1], 2)}
    os.unlink(path)
    return out


def fmt(x: float) -> str:
    return f"{x:.3f}"


def report(q: dict[str, Any] | None, speed: list[dict[str, Any]], cold: dict[str, Any] | None) -> str:
    from slant.techniques import NAMES

    lines = []
    if q:
        lines += [f"Quality on PTC {q['split']} ({q['articles']} articles; backend {q['backend']}; output threshold "
                  f"{q['threshold']}, "
                  f"piece thresholds {q['piece_threshold']}/{q['piece_threshold_low']})", "",
                  "| measure | precision | recall | F1 |", "|---|---|---|---|",
                  f"| SI (span identification) | {fmt(q['si']['precision'])} | {fmt(q['si']['recall'])} | **{fmt(q['si']['f1'])}** |",
                  f"| SI whole-sentence baseline | {fmt(q['baseline_si']['precision'])} | {fmt(q['baseline_si']['recall'])} | {fmt(q['baseline_si']['f1'])} |",
                  f"| TC micro (technique given the gold span) | | | **{fmt(q['tc']['all']['f1'])}** |",
                  f"| full task (spans with techniques) | {fmt(q['full']['all']['precision'])} | {fmt(q['full']['all']['recall'])} | {fmt(q['full']['all']['f1'])} |",
                  "", "SI R by technique: the share of that technique's gold spans the emitted spans cover, labels "
                  "ignored.", "",
                  "| technique | gold rows | SI R | TC P | TC R | TC F1 | full P | full R | full F1 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name in NAMES:
            t, f = q["tc"][name], q["full"][name]
            lines.append(f"| {name} | {t['n_gold']} | {fmt(q['si_recall_by_technique'][name])} | {fmt(t['precision'])} | "
                         f"{fmt(t['recall'])} | {fmt(t['f1'])} | {fmt(f['precision'])} | {fmt(f['recall'])} | {fmt(f['f1'])} |")
        if q.get("standard_error"):
            se = q["standard_error"]
            lines += ["", f"Standard errors, articles drawn again with replacement ({se['rounds']} rounds): SI F1 "
                      f"{se['si']:.3f}, TC {se['tc']:.3f}, full {se['full']:.3f}; ECE raw {se['ece_raw']:.3f}, calibrated "
                      f"{se['ece_calibrated']:.3f}, the map's change of ECE (paired) {se['ece_change']:.3f}."]
        e = q["ece"]
        lines += ["", f"Calibration ({e['kind']}), top technique of every candidate span on {q['split']} (n={e['n']}): "
                  f"ECE raw {e['raw']:.4f} -> calibrated {e['calibrated']:.4f}."]
        if q.get("held_out"):
            lines.append(f"Held-out train (used to choose thresholds and fit calibration): {json.dumps(q['held_out'])}")
    if speed:
        lines += ["", f"Speed on {WORDS}-word articles (cut from PTC dev); workers > 1: that many one-thread processes "
                  "at once (peak RSS summed over them):", "",
                  "| system | workers | articles/s | ms/article | CPU-s/article | peak RSS MB | load+warm-up s |",
                  "|---|---|---|---|---|---|---|"]
        for s in speed:
            if "error" in s:
                lines.append(f"| {s['system']} | {s['workers']} | error: {s['error']} | | | | |")
            else:
                lines.append(f"| {s['system']} | {s['workers']} | {s['articles_per_s']:.2f} | {s['ms_per_article']:.0f} | "
                             f"{s['cpu_s_per_article']:.2f} | {s['peak_rss_mb']:.0f} | {s['load_and_warmup_s']:.1f} |")
    if cold:
        lines += ["", "Cold start (fresh process, model cache already built):"]
        for k, v in cold.items():
            lines.append(f"- {k}: {v}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (sorted by id)")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--speed-n", type=int, default=10, help="600-word articles per speed run")
    ap.add_argument("--systems", default="ours,prta,pipeline")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--bootstrap", type=int, default=400,
                    help="rounds of resampling articles for the standard errors (default 400; 0: skip)")
    ap.add_argument("--workers", type=int, default=2,
                    help="also time this many one-thread processes at once (default 2, one per core; 1: skip)")
    ap.add_argument("--speed-worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--barrier", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.speed_worker:
        print(json.dumps(speed_worker(args.speed_worker, args.speed_n, args.barrier, args.workers)))
        return 0
    q = None if args.no_quality else quality(args.split, args.limit, args.bootstrap)
    speed, cold = [], None
    if not args.no_speed:
        for system in args.systems.split(","):
            speed.append(run_speed(system, args.speed_n, 1))
            if args.workers > 1:
                speed.append(run_speed(system, args.speed_n, args.workers))
        cold = cold_start()
    text = report(q, speed, cold)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"quality": q, "speed": speed, "cold_start": cold}, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
