"""Real servers for the tests, on 127.0.0.1 and free ports: `wcokg serve` (granian), Oxigraph
server (PyPI `oxigraph`), and the Flask app in a thread. Each is stopped by its caller."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Iterator

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def stop(process: subprocess.Popen) -> None:
    """Stop a server started here and every process it started.

    Each server runs in a session of its own, so that its whole process group can be told to
    stop: killing granian's main process alone, when a worker was slow to finish, left the
    worker running after the tests.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(20)
    with contextlib.suppress(ProcessLookupError):  # what is left of the group, if anything
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _command(name: str) -> str:
    """A command installed beside this Python (the project's virtual environment)."""
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def start_wcokg(store: Path, env: dict | None = None) -> tuple[str, subprocess.Popen]:
    """`wcokg serve` on a free port; returns its base URL once /healthz answers 200."""
    port = free_port()
    process = subprocess.Popen(
        [_command("wcokg"), "serve", "--store", str(store), "--port", str(port), "--workers", "2"], cwd=ROOT,
        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz", process)
    except RuntimeError:
        stop(process)
        raise
    return base, process


def start_oxigraph(location: Path, port: int | None = None) -> tuple[str, subprocess.Popen]:
    """A real Oxigraph server; returns its base URL once it answers."""
    port = port or free_port()
    process = subprocess.Popen([_command("oxigraph"), "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/query?query=ASK%7B%7D", process)
    except RuntimeError:
        stop(process)
        raise
    return base, process


@contextlib.contextmanager
def serving(app) -> Iterator[str]:
    """The Flask app on a free port in a thread (werkzeug's server); yields its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
        app.extensions["wcokg"].backend.close()
