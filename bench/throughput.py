"""End-to-end throughput of ``slant ingest``: articles per second, by engine.

    .venv/bin/python bench/throughput.py [--data DIR] [--limit N] [--stages a,b]
                                         [--configs local:1,local:2,ray:2] [--json OUT]
                                         [--tree before=/tmp/old-checkout ...]

Each configuration runs in a fresh child process, so each starts cold the
same way: read the articles from their files (the 75 PTC dev articles by
default, read at run time from ../shared/data), start the engine (worker
processes or Ray actors), load the models, analyse, and store the results in
a new SQLite database, exactly as ``slant ingest`` does. Two rates:

- overall: articles / wall time from the call to the last stored result,
  start-up and model loading included (what a user waits for);
- warm: the marginal rate once running. Each configuration also runs, cold
  again, over the first third of the articles; the difference in articles
  over the difference in wall time cancels start-up out. (A rate read from
  result arrival times would flatter pipelined engines: Ray actors work
  ahead while the driver waits for results in input order.)

Beside them, warm CPU-s/article: the same difference taken on CPU seconds
(user + system, of the run and its worker processes; local engine only, Ray's
processes are not children of the run). On cores shared with other work it
is the steadier figure: the wall clock then mostly measures the neighbours.

``--tree NAME=PATH`` runs another checkout beside this one, turn about
within each configuration (its ``src`` first on ``PYTHONPATH``; e.g. a
``git archive`` of the previous commit), so both see the same neighbours.
Its ONNX files go to ``$SLANT_CACHE_DIR-NAME``: build them first (one
``slant analyze`` with that tree), or its first run pays for the export.

The stages are the default pipeline as registered when the script runs,
less any stage whose model cannot load here (printed, with the reason).

``--per-stage N`` instead runs the pipeline in this process over the first N
articles (after one warm-up article) and prints each stage's CPU seconds per
article, and the models' load time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11" / "dev-articles"
DEFAULT_CONFIGS = "local:1,local:2,ray:2"


def usable_stages(requested: list[str] | None) -> tuple[list[str], dict[str, str]]:
    """The stages to run: requested or default, less those that cannot load here."""
    from slant.pipeline import DEFAULT_STAGES, Pipeline, instance, registry

    known = registry()
    names = requested or [n for n in DEFAULT_STAGES if n in known]
    dropped: dict[str, str] = {n: "not registered" for n in DEFAULT_STAGES if n not in known and not requested}
    kept: list[str] = []
    added: set[str] = set()
    for name in names:
        spec = known[name]
        missing = [layer for layer in spec.needs if layer not in added]
        if missing:
            dropped[name] = f"needs {', '.join(missing)}"
            continue
        try:
            instance(name)
        except Exception as exc:  # noqa: BLE001  (a model that is not there yet)
            dropped[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            continue
        kept.append(name)
        added.update(spec.adds)
    Pipeline(kept)  # the order still holds
    return kept, dropped


def run_one(data: Path, limit: int | None, stages: list[str], engine: str, workers: int) -> dict:
    """One configuration, in this process: ingest into a fresh database, timing each result."""
    from slant import batch
    from slant.sources import iter_sources

    items = list(iter_sources(data))
    items = items[:limit] if limit else items
    arrivals: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        from slant import store

        store.setup(db)  # migrations are not what we measure
        load_before = os.getloadavg()[0]
        cpu_before = _cpu_seconds()
        started = time.perf_counter()
        summary = batch.ingest(items, db=db, stages=stages, engine=engine, workers=workers,
                               progress=lambda outcome, _: arrivals.append(time.perf_counter()))
        wall = time.perf_counter() - started
        cpu = _cpu_seconds() - cpu_before
    n = summary.stored
    return {
        "engine": engine,
        "workers": workers,
        "articles": n,
        "failed": len(summary.failures),
        "failures": [str(f) for f in summary.failures[:5]],
        "chars": sum(len(a.text) for a in items if hasattr(a, "text")),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "first_result_s": round(arrivals[0] - started, 2) if arrivals else None,
        "overall_per_s": round(n / wall, 3) if wall else None,
        "load_avg_before": round(load_before, 2),
        "load_avg_after": round(os.getloadavg()[0], 2),
    }


def engine_of(config: str) -> str:
    return config.split(":")[0]


def _cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (local pool workers; not Ray's processes)."""
    import resource

    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def per_stage(data: Path, limit: int, stages: list[str] | None) -> dict:
    """CPU seconds per article of each stage, in this process, after loading the models and one warm-up article."""
    import sys as _sys

    from slant import Article
    from slant.doc import Doc
    from slant import pipeline as _pipeline
    from slant.pipeline import Pipeline, instance
    from slant.sources import iter_sources

    articles = [a for a in iter_sources(data) if isinstance(a, Article)][: limit + 1]
    pipeline = Pipeline(stages)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    pipeline.warm_up()
    load = {"wall_s": round(time.perf_counter() - wall0, 2), "cpu_s": round(time.process_time() - cpu0, 2),
            "torch_imported": "torch._C" in _sys.modules}
    pipeline(Doc(articles[0]))
    cpu = {spec.name: 0.0 for spec in pipeline.specs}

    def timed(name: str, stage):  # type: ignore[no-untyped-def]
        def run(doc: Doc) -> Doc:
            c = time.process_time()
            try:
                return stage(doc)
            finally:
                cpu[name] += time.process_time() - c
        return run

    # The runner itself decides what runs (language checks, skips); each built stage is wrapped to time it.
    for spec in pipeline.specs:
        _pipeline._INSTANCES[spec.name] = timed(spec.name, instance(spec.name))
    started = time.perf_counter()
    for article in articles[1:]:
        pipeline(Doc(article))
    wall = time.perf_counter() - started
    n = len(articles) - 1
    return {"articles": n, "mean_words": round(sum(len(a.text.split()) for a in articles[1:]) / n),
            "mean_chars": round(sum(len(a.text) for a in articles[1:]) / n), "load": load,
            "cpu_s_per_article": {k: round(v / n, 3) for k, v in cpu.items()},
            "total_cpu_s_per_article": round(sum(cpu.values()) / n, 3), "wall_s_per_article": round(wall / n, 3)}


def _count_articles(data: Path) -> int:
    from slant.sources import iter_sources

    return sum(1 for item in iter_sources(data) if not isinstance(item, Exception))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder (or file) of articles")
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--stages", default=None, help="comma-separated stages (default: every default stage that loads)")
    ap.add_argument("--configs", default=DEFAULT_CONFIGS, help="engine:workers,... (default %(default)s)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--per-stage", type=int, default=None, metavar="N",
                    help="instead: CPU seconds per article of each stage over the first N articles, in this process")
    ap.add_argument("--tree", action="append", default=[], metavar="NAME=PATH",
                    help="also run another checkout (its src/ first on PYTHONPATH), e.g. before=/tmp/old; "
                         "repeatable; the trees take turns within each configuration")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)  # engine:workers, run in this process
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    if args.one:
        engine, workers = args.one.split(":")
        print(json.dumps(run_one(args.data, args.limit, args.stages.split(","), engine, int(workers))))
        return 0

    if not args.data.exists():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    if args.per_stage:
        r = per_stage(args.data, args.per_stage, args.stages.split(",") if args.stages else None)
        print(f"models loaded in {r['load']['wall_s']} s ({r['load']['cpu_s']} CPU-s; torch imported: "
              f"{r['load']['torch_imported']}); {r['articles']} articles, {r['mean_words']} words / "
              f"{r['mean_chars']} chars on average")
        print("CPU s/article: " + ", ".join(f"{k} {v}" for k, v in r["cpu_s_per_article"].items())
              + f"; total {r['total_cpu_s_per_article']}; wall {r['wall_s_per_article']} s/article")
        if args.json:
            args.json.write_text(json.dumps(r, indent=2))
        return 0
    # Which stages can load is found in a child too, so no configuration
    # below starts with models already in memory.
    probe = subprocess.run(
        [sys.executable, "-c", "import json, sys; sys.path.insert(0, sys.argv[1]); import throughput as t; "
         "print(json.dumps(t.usable_stages(sys.argv[2].split(',') if sys.argv[2] else None)))",
         str(Path(__file__).parent), args.stages or ""],
        capture_output=True, text=True, check=True,
    )
    stages, dropped = json.loads(probe.stdout.strip().splitlines()[-1])
    print(f"stages: {','.join(stages)}")
    for name, why in dropped.items():
        print(f"left out: {name} ({why})")
    print(f"cpus: {os.cpu_count()}  load average at start: {os.getloadavg()[0]:.2f}")

    total = args.limit or _count_articles(args.data)
    results = []
    trees = [("now", None)] + [(t.split("=", 1)[0], Path(t.split("=", 1)[1])) for t in args.tree]
    for config, (tree, path) in ((c, t) for c in args.configs.split(",") for t in trees):
        env = dict(os.environ)
        if path is not None:
            env["PYTHONPATH"] = os.pathsep.join([str(path / "src")] + [p for p in [env.get("PYTHONPATH")] if p])
            # Its own ONNX cache folder: trees that name their files differently would prune each other's.
            base = env.get("SLANT_CACHE_DIR") or str(Path.home() / ".cache" / "slant")
            env["SLANT_CACHE_DIR"] = f"{base}-{tree}"
        runs = []
        for limit in (max(2, total // 3), total):
            cmd = [sys.executable, __file__, "--data", str(args.data), "--stages", ",".join(stages),
                   "--one", config, "--limit", str(limit)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if done.returncode != 0:
                print(f"{config}: failed\n{done.stderr[-2000:]}", file=sys.stderr)
                return 1
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        short, result = runs
        extra_s = result["wall_s"] - short["wall_s"]
        result["warm_per_s"] = round((result["articles"] - short["articles"]) / extra_s, 3) if extra_s > 0 else None
        extra_n = result["articles"] - short["articles"]
        # Marginal CPU per article (start-up cancels out as for the warm rate); Ray's processes are not counted.
        result["warm_cpu_s_per_article"] = (round((result["cpu_s"] - short["cpu_s"]) / extra_n, 3)
                                            if extra_n > 0 and engine_of(config) == "local" else None)
        result["short_run"] = short
        result["tree"] = tree
        results.append(result)
        print(f"{tree}, {config:>8}: {result['articles']} articles ({result['failed']} failed) in {result['wall_s']} s; "
              f"overall {result['overall_per_s']}/s, warm {result['warm_per_s']}/s "
              f"({short['articles']} articles took {short['wall_s']} s); first result after "
              f"{result['first_result_s']} s (load {result['load_avg_before']}→{result['load_avg_after']}); "
              f"warm CPU-s/article {result['warm_cpu_s_per_article']}", flush=True)

    print()
    print("| tree | engine | workers | articles | wall s | first result s | overall articles/s | warm articles/s "
          "| warm CPU-s/article |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['tree']} | {r['engine']} | {r['workers']} | {r['articles']} | {r['wall_s']} | {r['first_result_s']} | "
              f"{r['overall_per_s']} | {r['warm_per_s']} | {r['warm_cpu_s_per_article']} |")
    if args.json:
        args.json.write_text(json.dumps({"stages": stages, "dropped": dropped, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
