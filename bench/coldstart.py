"""Cold start of ``slant analyze``: a fresh process per run, wall and CPU seconds.

    .venv/bin/python bench/coldstart.py [--runs 5] [--path examples/wire-report.html] [-- extra args]

Each run starts the ``slant`` command in a new process (as a user would), on
one bundled example, and waits for it to exit: Python start-up, imports,
model loading, the analysis and the report, all included. The first run is
timed apart and left out of the median: it may build the onnxruntime caches
in ``~/.cache/slant`` (once per weights) and warm the OS file cache.

CPU seconds are user + system time of the child (all its threads), from
``os.wait4``; on shared cores they are steadier than the wall clock. A last,
untimed run with ``python -X importtime`` lists whether torch (or
transformers) was imported at all, and the slowest top-level imports.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "examples" / "wire-report.html"


def slant_command() -> list[str]:
    """The installed ``slant`` script beside this Python, else ``python -m slant.cli``."""
    script = Path(sys.executable).with_name("slant")
    return [str(script)] if script.exists() else [sys.executable, "-m", "slant.cli"]


def one_run(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def imports(args: list[str], env: dict[str, str]) -> dict[str, object]:
    """Which heavy modules one run imports, and the slowest top-level imports (cumulative ms)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "slant.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT)
    top: list[tuple[float, str]] = []
    names: set[str] = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        if not cumulative.strip().isdigit():
            continue
        names.add(name.strip())
        if not name[1:].startswith(" "):  # top level: nested imports are indented further
            top.append((int(cumulative) / 1000, name.strip()))
    top.sort(reverse=True)
    # A refused import is listed too (spaCy is imported with ``import torch`` refused), so look for submodules.
    return {"torch": "torch._C" in names, "transformers": any(n.startswith("transformers.") for n in names),
            "slowest_top_level_ms": [[round(ms), n] for ms, n in top[:8]]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs after the first (default %(default)s)")
    ap.add_argument("--path", type=Path, default=DEFAULT_PATH, help="the article (default: %(default)s)")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("extra", nargs="*", help="more arguments for `slant analyze` (after --), e.g. -- --json")
    args = ap.parse_args(argv)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    analyze_args = ["analyze", str(args.path), *args.extra]
    cmd = [*slant_command(), *analyze_args]
    print(f"command: {' '.join(cmd)}")
    print(f"cpus: {os.cpu_count()}  load average at start: {os.getloadavg()[0]:.2f}")
    first = one_run(cmd, env)
    print(f"first run (may build caches): {first['wall_s']:.2f} s wall, {first['cpu_s']:.2f} CPU-s")
    runs = []
    for i in range(args.runs):
        r = one_run(cmd, env)
        runs.append(r)
        print(f"run {i + 1}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} CPU-s, peak RSS {r['peak_rss_mb']:.0f} MB",
              flush=True)
    found = imports(analyze_args, env)
    result = {
        "command": cmd,
        "first": first,
        "runs": runs,
        "median_wall_s": round(statistics.median(r["wall_s"] for r in runs), 2),
        "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
        "min_wall_s": round(min(r["wall_s"] for r in runs), 2),
        "load_avg_end": round(os.getloadavg()[0], 2),
        "imports": found,
    }
    print(f"median of {args.runs}: {result['median_wall_s']} s wall (min {result['min_wall_s']}), "
          f"{result['median_cpu_s']} CPU-s; load average at end {result['load_avg_end']}")
    print(f"imports torch: {found['torch']}, transformers: {found['transformers']}; slowest top-level imports (ms): "
          + ", ".join(f"{n} {ms}" for ms, n in found["slowest_top_level_ms"]))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
