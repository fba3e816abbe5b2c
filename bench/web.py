"""Requests/s and latency of the web app's reading view and API, on loopback.

Starts `slant serve` (waitress + analysis workers) on 127.0.0.1 with a fresh
SQLite database (or DATABASE_URL), adds articles through the API, waits for
their analysis, then runs N concurrent clients against

  * the reading view  GET /collections/<id>/articles/<sha>/   (session login)
  * the API           GET /api/articles/<sha>                 (Bearer token)

Each run is bounded by a request count and a time limit. Nothing leaves
127.0.0.1.

    .venv/bin/python bench/web.py --clients 1,4,8 --requests 300 --max-seconds 30
    .venv/bin/python bench/web.py --clients 50 --requests 0 --max-seconds 60   # load: 50 clients for 60 s each
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ARTICLE = (
    "Council approves the new harbour bridge {n}\n\n"
    "The city council in Portsmouth voted on Tuesday to build a new harbour bridge. "
    "Mayor Jane Holloway called the old crossing a disgraceful relic that had shamed the city for decades. "
    "\"This is a historic day for everyone in Hampshire,\" she said, while opponents warned of spiralling costs. "
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_clients(make_session, url_of, clients: int, total: int | None, max_seconds: float) -> dict:
    """``clients`` threads, each with its own session, sending requests one after another
    until ``total`` requests (None: no limit) or ``max_seconds`` have passed. A
    request that fails (not 200, a connection error, a timeout) counts as an error."""
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    lock = threading.Lock()
    counter = iter(range(total)) if total is not None else iter(int, 1)  # iter(int, 1): 0, 0, 0, ... forever
    numbers = iter(range(10**12))
    # Log every client in before the clock starts: a log-in costs an Argon2
    # hash (about 100 MB and 0.1 s of CPU), which is not what is measured here.
    sessions = [make_session() for _ in range(clients)]
    deadline = time.monotonic() + max_seconds

    def client(i: int) -> None:
        nonlocal errors
        session = sessions[i]
        while time.monotonic() < deadline:
            with lock:
                go = next(counter, None)
                n = next(numbers)
            if go is None:
                return
            t0 = time.perf_counter()
            try:
                r = session.get(url_of(n), timeout=30)
                kind = None if r.status_code == 200 else f"HTTP {r.status_code}"
            except requests.RequestException as exc:
                kind = type(exc).__name__
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                if kind is not None:
                    errors += 1
                    kinds[kind] = kinds.get(kind, 0) + 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[max(0, int(len(latencies) * q + 0.5) - 1)] if latencies else float("nan")

    return {
        "clients": clients, "requests": len(latencies), "errors": errors, "error_kinds": kinds, "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1), "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(pct(0.95) * 1000, 1), "max_ms": round(latencies[-1] * 1000, 1) if latencies else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", default="1,4,8", help="comma-separated concurrent client counts")
    parser.add_argument("--requests", type=int, default=300, help="requests per run (upper bound; 0: none, run for --max-seconds)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time limit per run")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads (slant serve's default is 8)")
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--stages", default="language,sentences,entities", help="SLANT_WEB_STAGES for the workers")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object per run")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="slant-bench-web-")
    env = {**os.environ, "SLANT_DATA_DIR": folder, "SLANT_WEB_STAGES": args.stages, "SLANT_JOB_POLL_S": "0.2",
           "SLANT_LOGIN_FAILURES": "1000"}
    slant = [sys.executable, "-m", "slant.cli"] if not (Path(sys.executable).parent / "slant").exists() else [str(Path(sys.executable).parent / "slant")]
    password = "bench passphrase that is long"
    subprocess.run([*slant, "user", "add", "bench", "--password-stdin"], input=password + "\n", text=True, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    token = subprocess.run([*slant, "token", "create", "bench"], text=True, env=env, check=True, capture_output=True).stdout.strip().splitlines()[-1]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*slant, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
                               "--threads", str(args.threads)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        start_by = time.monotonic() + 300
        while time.monotonic() < start_by:
            try:
                if api.get(f"{base}/api/collections", timeout=30).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or slow to answer while it starts
                time.sleep(0.5)
        cid = api.post(f"{base}/api/collections", json={"name": "bench"}).json()["id"]
        ids = [api.post(f"{base}/api/collections/{cid}/articles", json={"text": ARTICLE.format(n=n)}).json()["id"]
               for n in range(args.articles)]
        t0 = time.monotonic()
        while any(api.get(f"{base}/api/articles/{a}").json()["status"] not in {"done", "failed"} for a in ids):
            if time.monotonic() - t0 > 300:
                raise SystemExit("analysis did not finish in 300 s")
            time.sleep(0.5)

        def browser() -> requests.Session:
            s = requests.Session()
            page = s.get(f"{base}/accounts/login/")
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            r = s.post(f"{base}/accounts/login/", data={"username": "bench", "password": password, "csrfmiddlewaretoken": csrf},
                       headers={"Referer": f"{base}/accounts/login/"}, allow_redirects=False)
            assert r.status_code == 302, r.status_code
            return s

        def token_client() -> requests.Session:
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {token}"
            return s

        targets = {
            "reading view": (browser, lambda n: f"{base}/collections/{cid}/articles/{ids[n % len(ids)]}/"),
            "API article": (token_client, lambda n: f"{base}/api/articles/{ids[n % len(ids)]}"),
        }
        rows = []
        for name, (make, url_of) in targets.items():
            for clients in [int(c) for c in args.clients.split(",")]:
                cpu0 = cpu_seconds(server.pid)
                run = run_clients(make, url_of, clients, args.requests or None, args.max_seconds)
                result = {"target": name, **run, "server_cpu_s": round(cpu_seconds(server.pid) - cpu0, 1)}
                rows.append(result)
                print(json.dumps(result) if args.json else
                      f"{name:13s} clients={clients:<3d} requests={result['requests']:<6d} errors={result['errors']:<3d} "
                      f"{result['rps']:7.1f} req/s  p50 {result['p50_ms']:6.1f} ms  p95 {result['p95_ms']:6.1f} ms  "
                      f"max {result['max_ms']} ms  server CPU {result['server_cpu_s']} s in {result['seconds']} s"
                      + (f"  errors: {result['error_kinds']}" if result["errors"] else ""), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
