"""A Ray cluster of separate processes on this machine, for tests and benchmarks.

Each node is a ``ray start --block`` process of its own, with its own temp
folder and ports, started in a new session: tearing the cluster down kills
every process of those sessions (the nodes' raylets, stores and workers) by
pid, never by name, so other Ray instances on the machine are left alone
(``ray stop`` would stop them all).

    with RayCluster() as cluster:
        address = cluster.start_head(num_cpus=1)
        worker = cluster.add_node(num_cpus=1)
        ...  # slant ingest --engine ray --address <address>
        cluster.kill_raylet(worker)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

RAY = str(Path(sys.executable).with_name("ray"))
# Notice a lost node in ~3-6 s rather than ~15-30 s; not so fast that a
# busy two-core machine looks dead.
ENV = {
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "3000",
    "RAY_health_check_failure_threshold": "3",
    "RAY_USAGE_STATS_ENABLED": "0",
    "OMP_NUM_THREADS": "1",
}


@dataclasses.dataclass
class Node:
    name: str
    temp_dir: Path
    process: subprocess.Popen
    log: Path

    @property
    def session(self) -> int:
        return self.process.pid  # a new session's id is its leader's pid


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _worker_ports() -> tuple[int, int]:
    for _ in range(50):
        low = random.randrange(20000, 59000, 100)
        try:
            for port in (low, low + 99):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return low, low + 99
    raise RuntimeError("no free range of worker ports")


def _session_of(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def session_pids(session: int) -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _session_of(int(p.name)) == session]


class RayCluster:
    def __init__(self, root: Path | None = None) -> None:
        # Short paths: Ray's Unix sockets live under the temp folder (108-byte limit).
        self.root = Path(tempfile.mkdtemp(prefix="sray", dir=root or "/tmp"))
        self.nodes: list[Node] = []
        self.lost: list[Node] = []  # nodes whose raylet was killed
        self.address: str | None = None
        # Ray >= 2.5x authenticates every call with a token: one of our own,
        # so neither ~/.ray/auth_token nor another cluster's token is involved.
        # A driver joins with ``cluster.env`` (or these two variables).
        self.env = {**os.environ, **ENV, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}

    def __enter__(self) -> "RayCluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self, name: str, args: list[str], num_cpus: int) -> Node:
        temp_dir = self.root / name
        temp_dir.mkdir()
        low, high = _worker_ports()

        def port() -> int:  # a free port outside the worker range (Ray refuses overlaps)
            while (found := _free_port()) in range(low, high + 1):
                pass
            return found

        log = self.root / f"{name}.log"
        command = [
            RAY, "start", "--block", "--disable-usage-stats", f"--temp-dir={temp_dir}", f"--num-cpus={num_cpus}",
            "--object-store-memory=100000000",
            f"--node-manager-port={port()}", f"--object-manager-port={port()}",
            f"--min-worker-port={low}", f"--max-worker-port={high}",
            f"--metrics-export-port={port()}", f"--dashboard-agent-listen-port={port()}",
            f"--dashboard-agent-grpc-port={port()}", f"--runtime-env-agent-port={port()}",
            *[arg.replace("{port}", str(port())) for arg in args],
        ]
        with open(log, "wb") as out:
            process = subprocess.Popen(command, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        node = Node(name, temp_dir, process, log)
        self.nodes.append(node)
        return node

    def start_head(self, num_cpus: int = 1, timeout: float = 180) -> str:
        head = self._start("head", ["--head", "--node-ip-address=127.0.0.1", "--port={port}",
                                    "--include-dashboard=false", "--dashboard-port={port}"], num_cpus)
        port = next(arg for arg in head.process.args if arg.startswith("--port=")).split("=", 1)[1]
        self.address = f"127.0.0.1:{port}"
        self._wait_for(head, 1, timeout)
        return self.address

    def add_node(self, num_cpus: int = 1, timeout: float = 180) -> Node:
        assert self.address, "start the head first"
        node = self._start(f"node{len(self.nodes)}", ["--node-ip-address=127.0.0.1", f"--address={self.address}"],
                           num_cpus)
        self._wait_for(node, len(self.nodes) - len(self.lost), timeout)
        return node

    def alive_nodes(self) -> int:
        """Nodes the cluster counts as alive (asked through ``ray status``)."""
        out = subprocess.run([RAY, "status", f"--address={self.address}"], env=self.env, capture_output=True,
                             text=True, timeout=60)
        active = out.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0] if "Active:" in out.stdout else ""
        return sum(1 for line in active.splitlines() if "node_" in line)

    def _wait_for(self, node: Node, alive: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if node.process.poll() is not None:
                raise RuntimeError(f"ray start for {node.name} ended: {node.log.read_text(errors='replace')[-2000:]}")
            if self.raylet_pid(node) and self.alive_nodes() >= alive:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{node.name} did not come up: {node.log.read_text(errors='replace')[-2000:]}")
            time.sleep(1)

    def raylet_pid(self, node: Node) -> int | None:
        for pid in session_pids(node.session):
            line = _cmdline(pid)
            if line.split(" ", 1)[0].endswith("/raylet"):
                return pid
        return None

    def kill_raylet(self, node: Node) -> int:
        """SIGKILL the node's raylet: the node is lost as if its machine went away."""
        pid = self.raylet_pid(node)
        assert pid, f"no raylet for {node.name}"
        os.kill(pid, signal.SIGKILL)
        self.lost.append(node)
        return pid

    def stop(self) -> None:
        """Kill every process of every node's session, wait for them, remove the temp folders."""
        for _ in range(3):
            left = [pid for node in self.nodes for pid in session_pids(node.session)]
            if not left:
                break
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            for node in self.nodes:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    node.process.wait(timeout=10)
            time.sleep(0.5)
        # Workers a raylet started may have moved to a session of their own: find them by our temp folder.
        root = str(self.root)
        for proc in Path("/proc").iterdir():
            if proc.name.isdigit() and root in _cmdline(int(proc.name)):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(int(proc.name), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def ray_cluster(nodes: int = 2, num_cpus: int = 1) -> Iterator[RayCluster]:
    with RayCluster() as cluster:
        cluster.start_head(num_cpus=num_cpus)
        for _ in range(nodes - 1):
            cluster.add_node(num_cpus=num_cpus)
        yield cluster
