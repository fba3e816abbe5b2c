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


def quality(split: str, limit: int, rounds: int = 400, meta_path: Path | None = None) -> dict[str, Any]:
    import numpy as np

    from slant.persuasion import calibration, metrics, scorer
    from slant.persuasion.corpus import load_split
    from slant.persuasion.predictor import Predictor, for_backend
    from slant.techniques import NAMES

    arts = load_split(split)[: limit or None]
    pred = Predictor()
    if meta_path is not None:  # another model's choices over the same network (e.g. the tree before)
        pred.meta = for_backend(json.loads(meta_path.read_text(encoding="utf-8")), pred.backend)
    meta = pred.meta
    has_scorer = bool(meta.get("scorer"))
    research = calibration_threshold(meta)
    reader = float(meta.get("reader_threshold", research))
    t0 = time.time()
    gold_si = {a.id: [(x.start, x.end) for x in a.spans] for a in arts}
    gold_rows = {a.id: [(x.start, x.end, x.label) for x in a.spans] for a in arts}
    rows: dict[str, list[tuple[int, int, str]]] = {}
    reader_rows: dict[str, list[tuple[int, int, str]]] = {}
    pairs_of: dict[str, list[tuple[str, str]]] = {}
    raw, cal, right, labels = [], [], [], []
    spans_of: dict[str, range] = {}  # each article's entries in raw / cal / right
    for a in arts:
        sc = pred.score(a.text)
        cands = pred.candidates(sc)
        found = pred.label(cands, 0.0, sc)  # every entry with its score: the cuts are made below
        rows[a.id] = [(f.start, f.end, f.label) for f in found if f.score >= research]
        reader_rows[a.id] = [(f.start, f.end, f.label) for f in found if f.score >= reader]

        def ranked(s: int, e: int, sc: Any = sc) -> list[str]:
            probs = pred.classify(sc, s, e)
            return [NAMES[k] for k in np.argsort(-probs)] if probs is not None else [NAMES[0]]

        pairs_of[a.id] = metrics.assign_gold_labels(gold_rows[a.id], ranked)
        if has_scorer:  # what the score claims: every entry (candidate span, one of its top techniques)
            entries = [(f.start, f.end, f.label, f.score, None) for f in found]
        else:  # before the scorer: the top technique of each candidate, raw and mapped
            entries = []
            for s, e, conf, probs in cands:
                k = int(np.argmax(probs))
                r = conf * float(probs[k])
                entries.append((s, e, NAMES[k], calibration.apply(meta.get("calibration"), r), r))
        spans_of[a.id] = range(len(raw), len(raw) + len(entries))
        for s, e, label, score, r in entries:
            raw.append(score if r is None else r)
            cal.append(score)
            right.append(any(g.label == label and g.start < e and s < g.end for g in a.spans))
            labels.append(label)
    seconds = time.time() - t0
    pairs = [p for a in arts for p in pairs_of[a.id]]
    si = metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in rows.items()}, gold_si)
    full = metrics.full_scores(rows, gold_rows, NAMES)
    tc = metrics.tc_scores(pairs, NAMES)
    reader_si = metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in reader_rows.items()}, gold_si)
    reader_full = metrics.full_scores(reader_rows, gold_rows, NAMES)
    cal_np, right_np, labels_np = np.asarray(cal), np.asarray(right, bool), np.asarray(labels)
    shown = cal_np >= reader
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
    # Precision at each score band: the reliability diagram.
    edges = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.0001]
    bands = []
    for lo, hi in zip(edges, edges[1:]):
        m = (cal_np >= lo) & (cal_np < hi)
        bands.append({"band": f"{lo:.1f}-{min(hi, 1.0):.1f}", "entries": int(m.sum()),
                      "mean_score": float(cal_np[m].mean()) if m.any() else None,
                      "precision": float(right_np[m].mean()) if m.any() else None})

    # How far the figures would move on another sample of as many articles: the yardstick for any difference
    # between two rows of BENCHMARKS.md.
    def resampled(ids: Sequence[str]) -> tuple[float, ...]:
        keys = [f"{j}:{i}" for j, i in enumerate(ids)]
        r = {k: rows[i] for k, i in zip(keys, ids)}
        rr = {k: reader_rows[i] for k, i in zip(keys, ids)}
        g = {k: gold_rows[i] for k, i in zip(keys, ids)}
        gs = {k: [(s, e) for s, e, _ in v] for k, v in g.items()}
        idx = [j for i in ids for j in spans_of[i]]
        ok = right_np[idx]
        sel = cal_np[idx] >= reader
        reader_si_k = metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in rr.items()}, gs)
        return (metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in r.items()}, gs)["f1"],
                metrics.tc_scores([p for i in ids for p in pairs_of[i]], NAMES)["all"]["f1"],
                metrics.full_scores(r, g, NAMES)["all"]["f1"],
                calibration.ece([raw[j] for j in idx], ok), calibration.ece(cal_np[idx], ok),
                scorer.average_precision(cal_np[idx], ok),
                float(ok[sel].mean()) if sel.any() else 0.0, reader_si_k["recall"], reader_si_k["precision"])

    se = metrics.article_bootstrap([a.id for a in arts], resampled, rounds)
    names = ("si", "tc", "full", "ece_raw", "ece", "average_precision", "reader_precision", "reader_si_recall",
             "reader_si_precision")
    return {
        "split": split, "articles": len(arts), "seconds": round(seconds, 1), "backend": pred.backend,
        "standard_error": dict(zip(names, se), rounds=rounds) if se else None,
        "threshold": research, "reader_threshold": reader, "scorer": has_scorer,
        "piece_threshold": meta["piece_threshold"],
        "piece_threshold_low": meta.get("piece_threshold_low", meta["piece_threshold"]),
        "si": si, "baseline_si": base_si, "tc": tc, "full": full, "si_recall_by_technique": si_recall,
        "reader": {"entries": int(shown.sum()), "precision": float(right_np[shown].mean()) if shown.any() else 0.0,
                   "si": reader_si, "full": reader_full,
                   "by_technique": {name: {"entries": int((shown & (labels_np == name)).sum()),
                                           "right": int((shown & (labels_np == name) & right_np).sum())}
                                    for name in NAMES}},
        "entries": {"n": len(cal), "right_rate": float(right_np.mean()) if len(cal) else 0.0,
                    "average_precision": scorer.average_precision(cal_np, right_np),
                    "ece": calibration.ece(cal_np, right_np), "ece_raw": calibration.ece(raw, right),
                    "bands": bands},
        "held_out": meta.get("scorer_held_out") or meta.get("held_out"),
    }


def paired(split: str, limit: int, other: Path, rounds: int = 400) -> dict[str, Any]:
    """The shipped choices against ``other`` (a previous ``meta.json`` over the same network), paired by article:
    the differences (shipped minus other) of the research setting's SI F1 and the reader's default's SI recall, with
    standard errors from resampling the same articles for both; and, for the shipped scorer, each technique's
    reliability (entries, mean score, share right; all of them, and those scored at least 0.3)."""
    import numpy as np

    from slant.persuasion import metrics
    from slant.persuasion.corpus import load_split
    from slant.persuasion.predictor import Predictor, for_backend

    arts = load_split(split)[: limit or None]
    pred = Predictor()
    metas = {"shipped": pred.meta, "other": for_backend(json.loads(other.read_text(encoding="utf-8")), pred.backend)}
    rows: dict[str, dict[str, list[tuple[int, int]]]] = {"shipped": {}, "other": {}}
    reader_rows: dict[str, dict[str, list[tuple[int, int]]]] = {"shipped": {}, "other": {}}
    per: dict[str, list[tuple[float, bool]]] = {}
    for a in arts:
        pred.meta = metas["shipped"]
        sc = pred.score(a.text, states=True)
        for name, meta in metas.items():
            pred.meta = meta
            found = pred.label(pred.candidates(sc), 0.0, sc)
            research = calibration_threshold(meta)
            reader = max(float(meta.get("reader_threshold", research)), research)
            rows[name][a.id] = [(f.start, f.end) for f in found if f.score >= research]
            reader_rows[name][a.id] = [(f.start, f.end) for f in found if f.score >= reader]
            if name == "shipped":
                for f in found:
                    ok = any(g.label == f.label and g.start < f.end and f.start < g.end for g in a.spans)
                    per.setdefault(f.label, []).append((f.score, ok))
    pred.meta = metas["shipped"]
    gold = {a.id: [(x.start, x.end) for x in a.spans] for a in arts}

    def differences(ids: Sequence[str]) -> tuple[float, float]:
        keys = [f"{j}:{i}" for j, i in enumerate(ids)]
        g = {k: gold[i] for k, i in zip(keys, ids)}
        si = {n: metrics.si_scores({k: rows[n][i] for k, i in zip(keys, ids)}, g)["f1"] for n in metas}
        rec = {n: metrics.si_scores({k: reader_rows[n][i] for k, i in zip(keys, ids)}, g)["recall"] for n in metas}
        return si["shipped"] - si["other"], rec["shipped"] - rec["other"]

    ids = [a.id for a in arts]
    diff = differences(ids)
    se = metrics.article_bootstrap(ids, differences, rounds)
    techniques = {}
    for name, values in sorted(per.items()):
        v = np.asarray(values, float)
        hi = v[v[:, 0] >= 0.3]
        techniques[name] = {"entries": len(v), "mean_score": float(v[:, 0].mean()), "precision": float(v[:, 1].mean()),
                            "entries_from_0.3": len(hi),
                            "mean_score_from_0.3": float(hi[:, 0].mean()) if len(hi) else None,
                            "precision_from_0.3": float(hi[:, 1].mean()) if len(hi) else None}
    return {"articles": len(arts), "other": str(other), "rounds": rounds,
            "research_si_f1_difference": diff[0], "research_si_f1_difference_se": se[0] if se else None,
            "reader_si_recall_difference": diff[1], "reader_si_recall_difference_se": se[1] if se else None,
            "reliability_by_technique": techniques}


def paired_report(p: dict[str, Any]) -> str:
    lines = [f"Shipped minus {p['other']}, paired by article ({p['articles']} articles, {p['rounds']} rounds): research "
             f"SI F1 {p['research_si_f1_difference']:+.4f} (SE {p['research_si_f1_difference_se']:.4f}); reader's "
             f"default SI recall {p['reader_si_recall_difference']:+.4f} (SE {p['reader_si_recall_difference_se']:.4f})",
             "", "| technique | entries | mean score | precision | scored >= 0.3: entries, mean score, precision |",
             "|---|---|---|---|---|"]
    for name, t in p["reliability_by_technique"].items():
        hi = (f"{t['entries_from_0.3']}, {t['mean_score_from_0.3']:.3f}, {t['precision_from_0.3']:.3f}"
              if t["entries_from_0.3"] else "0")
        lines.append(f"| {name} | {t['entries']} | {t['mean_score']:.3f} | {t['precision']:.3f} | {hi} |")
    return "\n".join(lines)


def write_reliability(q: dict[str, Any]) -> None:
    """Each technique's dev figures and flag into the shipped ``meta.json`` (``techniques``), which
    ``slant.persuasion.technique_reliability`` serves to the views."""
    from slant.persuasion import UNRELIABLE_BELOW
    from slant.persuasion.weights import META_FILE, MODEL_DIR
    from slant.techniques import NAMES

    path = MODEL_DIR / META_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    table = {}
    for name in NAMES:
        f1 = q["full"][name]["f1"]
        shown = q["reader"]["by_technique"][name]
        table[name] = {"dev_f1": round(f1, 4), "dev_tc_f1": round(q["tc"][name]["f1"], 4),
                       "dev_gold_rows": q["tc"][name]["n_gold"], "dev_reader_entries": shown["entries"],
                       "dev_reader_precision": round(shown["right"] / shown["entries"], 4) if shown["entries"] else None,
                       "unreliable": f1 < UNRELIABLE_BELOW}
    meta["techniques"] = table
    meta["techniques_measured"] = (f"PTC dev ({q['articles']} articles), bench/persuasion.py, research setting "
                                   f"(threshold {q['threshold']}); unreliable: full-task F1 below {UNRELIABLE_BELOW}")
    path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


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
                  f"{q['threshold']} (reader's default {q['reader_threshold']}), "
                  f"piece thresholds {q['piece_threshold']}/{q['piece_threshold_low']})", "",
                  "| measure | precision | recall | F1 |", "|---|---|---|---|",
                  f"| SI (span identification) | {fmt(q['si']['precision'])} | {fmt(q['si']['recall'])} | **{fmt(q['si']['f1'])}** |",
                  f"| SI whole-sentence baseline | {fmt(q['baseline_si']['precision'])} | {fmt(q['baseline_si']['recall'])} | {fmt(q['baseline_si']['f1'])} |",
                  f"| TC micro (technique given the gold span) | | | **{fmt(q['tc']['all']['f1'])}** |",
                  f"| full task (spans with techniques) | {fmt(q['full']['all']['precision'])} | {fmt(q['full']['all']['recall'])} | {fmt(q['full']['all']['f1'])} |",
                  "", "SI R by technique: the share of that technique's gold spans the emitted spans cover, labels "
                  "ignored.", "",
                  "| technique | gold rows | SI R | TC P | TC R | TC F1 | full P | full R | full F1 | reader: right / shown |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for name in NAMES:
            t, f = q["tc"][name], q["full"][name]
            rt = q["reader"]["by_technique"][name]
            lines.append(f"| {name} | {t['n_gold']} | {fmt(q['si_recall_by_technique'][name])} | {fmt(t['precision'])} | "
                         f"{fmt(t['recall'])} | {fmt(t['f1'])} | {fmt(f['precision'])} | {fmt(f['recall'])} | {fmt(f['f1'])} | "
                         f"{rt['right']} / {rt['entries']} |")
        if q.get("standard_error"):
            se = q["standard_error"]
            lines += ["", f"Standard errors, articles drawn again with replacement ({se['rounds']} rounds): SI F1 "
                      f"{se['si']:.3f}, TC {se['tc']:.3f}, full {se['full']:.3f}; ECE {se['ece']:.3f} (raw "
                      f"{se['ece_raw']:.3f}); AP {se['average_precision']:.3f}; reader's default: precision "
                      f"{se['reader_precision']:.3f}, SI recall {se['reader_si_recall']:.3f}, SI precision "
                      f"{se['reader_si_precision']:.3f}."]
        r, e = q["reader"], q["entries"]
        lines += ["", f"Reader's default (score >= {q['reader_threshold']}): {r['entries']} entries, precision "
                  f"(share right) {r['precision']:.3f}; SI P {r['si']['precision']:.3f} R {r['si']['recall']:.3f} "
                  f"F1 {r['si']['f1']:.3f}; full F1 {r['full']['all']['f1']:.3f}.",
                  "", f"Scores of every candidate entry on {q['split']} (n={e['n']}, right {e['right_rate']:.3f}; "
                  f"{'second-stage scorer' if q['scorer'] else 'top technique, calibration map'}): average precision "
                  f"{e['average_precision']:.4f}, ECE {e['ece']:.4f} (before the map or scorer's raw input: "
                  f"{e['ece_raw']:.4f}).", "", "| score band | entries | mean score | precision |", "|---|---|---|---|"]
        for b in e["bands"]:
            if b["entries"]:
                lines.append(f"| {b['band']} | {b['entries']} | {b['mean_score']:.3f} | {b['precision']:.3f} |")
            else:
                lines.append(f"| {b['band']} | 0 | | |")
        if q.get("held_out"):
            lines.append(f"Held-out train (used to choose thresholds and fit the scorer): {json.dumps(q['held_out'])}")
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
    ap.add_argument("--write-reliability", action="store_true",
                    help="write each technique's dev figures and its 'unreliable' flag into the shipped meta.json "
                         "(only with the shipped choices on all of dev)")
    ap.add_argument("--meta", type=Path, default=None,
                    help="quality with this meta.json's thresholds and scorer instead of the shipped one's (same network)")
    ap.add_argument("--paired-with", type=Path, default=None,
                    help="only compare the shipped choices with this meta.json's, paired by article, and give each "
                         "technique's reliability (no other quality or speed run)")
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
    if args.paired_with:
        p = paired(args.split, args.limit, args.paired_with, args.bootstrap or 400)
        print(paired_report(p))
        if args.json:
            args.json.write_text(json.dumps({"paired": p}, indent=1, default=float))
        return 0
    q = None if args.no_quality else quality(args.split, args.limit, args.bootstrap, args.meta)
    speed, cold = [], None
    if not args.no_speed:
        for system in args.systems.split(","):
            speed.append(run_speed(system, args.speed_n, 1))
            if args.workers > 1:
                speed.append(run_speed(system, args.speed_n, args.workers))
        cold = cold_start()
    if args.write_reliability:
        if q is None or args.meta is not None or args.limit or args.split != "dev":
            raise SystemExit("--write-reliability needs the quality run of the shipped choices on all of dev")
        write_reliability(q)
    text = report(q, speed, cold)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"quality": q, "speed": speed, "cold_start": cold}, indent=1, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
