"""The servers under test, each started as its own process group on a free 127.0.0.1 port.

    wco-kg           `wcokg serve` (granian, as `make run` serves it) over a store built by wcokg
    oxigraph-server  `oxigraph serve` over a directory filled by `oxigraph load`
    rdflib-endpoint  `rdflib-endpoint serve` over rdflib's memory store

A Server samples the resident memory of its whole process tree (granian's workers, say)
while it runs, and is stopped with its tree when the block ends.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import psutil

from .load import Target, fetch

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_tree(pid: int) -> list[psutil.Process]:
    """A process and its descendants (psutil.NoSuchProcess when the process itself is gone)."""
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


class PeakMemory:
    """Samples the RSS of a process and its descendants until stopped; keeps the peak in MB."""

    def __init__(self, pid: int, interval: float = 0.1):
        self.pid, self.interval, self.peak_mb = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                for process in process_tree(self.pid):
                    try:
                        total += process.memory_info().rss
                    except psutil.NoSuchProcess:
                        pass
            except psutil.NoSuchProcess:
                return
            self.peak_mb = max(self.peak_mb, total / 2**20)
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def run_measured(argv: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run a command to its end: (wall seconds, peak RSS MB of its tree). Raises on failure."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    memory = PeakMemory(process.pid)
    output, _ = process.communicate()
    elapsed = time.perf_counter() - start
    peak = memory.stop()
    if process.returncode:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({process.returncode}):\n{output.decode()[-2000:]}")
    return elapsed, peak


class Server:
    def __init__(self, name: str, argv: list[str], target: Target, env: dict | None = None, log: Path | None = None):
        self.name, self.target = name, target
        self.log = open(log, "wb") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.memory = PeakMemory(self.process.pid)
        #: Seconds from answering to settling (`wait_settled`), once `running` has waited.
        self.settled_s: float | None = None

    def wait_ready(self, timeout: float = 300.0, probe: str = "ASK {}") -> float:
        """Seconds until the server answers a query with 200."""
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode} before answering")
            try:
                if fetch(self.target, probe, timeout=5)[0] == 200:
                    return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer within {timeout} s")

    def wait_settled(self, timeout: float = 300.0, window: float = 1.0, busy: float = 0.05) -> float:
        """Seconds until the server's processes, all together, use under `busy` of a core for
        `window` seconds: what a server does on its own after it answers (wco-kg copying its store
        into memory, a store compacting) must not share the machine with the measured cells.
        """
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            before = self._cpu_seconds()
            time.sleep(window)
            if self._cpu_seconds() - before < busy * window:
                return time.perf_counter() - start
        raise TimeoutError(f"{self.name} was still busy after {timeout} s")

    def _cpu_seconds(self) -> float:
        total = 0.0
        try:
            for process in process_tree(self.process.pid):
                try:
                    times = process.cpu_times()
                    total += times.user + times.system
                except psutil.NoSuchProcess:
                    pass
        except psutil.NoSuchProcess:
            raise RuntimeError(f"{self.name} exited with {self.process.poll()}") from None
        return total

    def stop(self) -> float:
        """Stop the server's process group; returns its peak RSS in MB."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.log is not subprocess.DEVNULL:
            self.log.close()
        return self.memory.stop()


@contextmanager
def running(server: Server):
    try:
        server.wait_ready()
        server.settled_s = server.wait_settled()
        yield server
    finally:
        server.stop()


def wcokg(home: Path, store: Path, timeout: float, log: Path | None = None) -> Server:
    port = free_port()
    # Rows are not capped, so that every system sends the same answers (the default cap is 10,000).
    env = {**os.environ, "WCOKG_HOME": str(home), "WCOKG_STORE": str(store), "WCOKG_MAX_ROWS": "10000000",
           "WCOKG_QUERY_TIMEOUT": str(timeout)}
    return Server("wco-kg", [str(BIN / "wcokg"), "serve", "--host", "127.0.0.1", "--port", str(port)],
                  Target("127.0.0.1", port, "/sparql"), env, log)


def oxigraph(location: Path, log: Path | None = None) -> Server:
    """`oxigraph serve` without its --timeout-s: that limit starts a thread per query which lives
    for the whole limit, and at 2,500 queries/s with 30 s they used up the process's memory
    maps and the server crashed (the client's own time limit stands in for it)."""
    port = free_port()
    return Server("oxigraph-server", [str(BIN / "oxigraph"), "serve", "--location", str(location),
                                      "--bind", f"127.0.0.1:{port}"],
                  Target("127.0.0.1", port, "/query"), None, log)


def rdflib_endpoint(data: Path, log: Path | None = None) -> Server:
    port = free_port()
    return Server("rdflib-endpoint", [str(BIN / "rdflib-endpoint"), "serve", str(data), "--host", "127.0.0.1",
                                      "--port", str(port)],
                  Target("127.0.0.1", port, "/"), None, log)
