"""The load generator: N client threads, each on its own keep-alive HTTP/1.1 connection.

On a 2-core machine the client shares the CPU with the server under test, so it must cost
little per request: each request is a prebuilt byte string sent on a raw socket, and the
answer is read by its Content-Length (or its chunks) without parsing the body. The threads
spend their time blocked in recv(), where Python releases the GIL. The client's own CPU time
per request is recorded with every run (summary.json, client_cpu_ms_per_request).
"""
from __future__ import annotations

import itertools
import math
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import quote

ACCEPT = "application/sparql-results+json"
#: Numbers the cells of a run, so that no two cells send the same unique text.
_CELLS = itertools.count()


class HTTPFailure(Exception):
    """A request that did not get a 200 answer."""


@dataclass(frozen=True)
class Target:
    """Where to send a query: host, port and the path of the SPARQL GET endpoint."""

    host: str
    port: int
    path: str

    def request(self, text: str, accept: str = ACCEPT) -> bytes:
        return (f"GET {self.path}?query={quote(text, safe='')} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Accept: {accept}\r\n\r\n").encode("ascii")


class Connection:
    """One keep-alive connection that reconnects when the server closes it."""

    def __init__(self, target: Target, timeout: float):
        self.target, self.timeout = target, timeout
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> None:
        self.sock = socket.create_connection((self.target.host, self.target.port), timeout=self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def _take(self, size: int) -> bytes:
        while len(self.buffer) < size:
            self._fill()
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _line(self) -> bytes:
        while (end := self.buffer.find(b"\r\n")) < 0:
            self._fill()
        line, self.buffer = self.buffer[:end], self.buffer[end + 2:]
        return line

    def exchange(self, request: bytes, keep_body: bool = False) -> tuple[int, dict[str, str], bytes]:
        """Send one request, read its whole answer: (status, headers, body if keep_body)."""
        for attempt in (1, 2):
            if self.sock is None:
                self._connect()
            try:
                self.sock.sendall(request)
                return self._answer(keep_body)
            except (ConnectionError, BrokenPipeError) as err:
                # A keep-alive connection the server closed meanwhile: one retry on a new one.
                self.close()
                if attempt == 2:
                    raise HTTPFailure(str(err)) from None
        raise AssertionError("unreachable")

    def _answer(self, keep_body: bool) -> tuple[int, dict[str, str], bytes]:
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
        status_line, *header_lines = head.split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = []
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while size := int(self._line().split(b";")[0], 16):
                body.append(self._take(size))
                self._line()
            while self._line():  # trailers end with an empty line
                pass
        elif "content-length" in headers:
            body.append(self._take(int(headers["content-length"])))
        elif status not in (204, 304):
            # No length: the body runs to the end of the connection.
            try:
                while True:
                    self._fill()
            except ConnectionError:
                body.append(self.buffer)
                self.buffer = b""
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, b"".join(body) if keep_body else b""


def fetch(target: Target, text: str, timeout: float = 120.0, headers: str = "") -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection, for checks; extra headers as 'Name: value\\r\\n' lines."""
    connection = Connection(target, timeout)
    try:
        request = target.request(text)
        return connection.exchange(request[:-2] + headers.encode("ascii") + b"\r\n", keep_body=True)
    finally:
        connection.close()


@dataclass
class Measurement:
    latencies_ms: list[float]
    elapsed_s: float
    errors: int
    #: CPU seconds the client process spent, to show the client is not the bottleneck.
    client_cpu_s: float = 0.0

    @property
    def qps(self) -> float:
        return len(self.latencies_ms) / self.elapsed_s if self.elapsed_s else 0.0

    @classmethod
    def pooled(cls, parts: list[Measurement]) -> Measurement:
        """The rounds of one cell as one measurement: their requests together, over their summed time."""
        return cls([ms for part in parts for ms in part.latencies_ms], sum(part.elapsed_s for part in parts),
                   sum(part.errors for part in parts), sum(part.client_cpu_s for part in parts))

    def percentile(self, p: float) -> float | None:
        if not self.latencies_ms:
            return None
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def measure(target: Target, text: str, clients: int, *, unique: bool, duration: float, max_requests: int,
            warmup: int = 2, timeout: float = 120.0) -> Measurement:
    """Run `clients` closed-loop clients for `duration` seconds or `max_requests` requests.

    unique: every request's text gets its own trailing comment, so no cache can answer it.
    Each client sends at least one request; requests in flight at the deadline are finished.
    """
    prefix = target.request(text).split(b" HTTP/1.1", 1)
    head, tail = prefix[0], b" HTTP/1.1" + prefix[1]
    counter = itertools.count()
    # The comment's number never repeats within a run: numbered from 0 in every cell, a cell's
    # first requests were those of the cell before it (1 client, then 8), and a result cache
    # answered them (every slow query's 8-client cell, up to half of its requests).
    cell = next(_CELLS)
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def build(n: int) -> bytes:
        # "%0A%23%20c4r123": a new line with the comment "# c4r123" after the query.
        return head + f"%0A%23%20c{cell}r{n}".encode() + tail if unique else head + tail

    warm = Connection(target, timeout)
    for _ in range(warmup):
        try:
            warm.exchange(build(next(counter)))
        except (HTTPFailure, OSError):  # past the time limit, say: the cell records its failures
            errors[0] += 1
            break
    warm.close()

    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + duration

    def client() -> None:
        connection = Connection(target, timeout)
        mine, failed, sent = [], 0, 0
        try:
            while sent == 0 or time.perf_counter() < deadline:
                with lock:
                    n = next(counter)
                    if n > max_requests + warmup and sent:
                        break
                request = build(n)
                t0 = time.perf_counter()
                try:
                    status, _, _ = connection.exchange(request)
                except (HTTPFailure, OSError):
                    connection.close()
                    status = 0
                sent += 1
                if status == 200:
                    mine.append((time.perf_counter() - t0) * 1000)
                else:
                    failed += 1
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)
                errors[0] += failed

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Measurement(latencies, time.perf_counter() - start, errors[0], time.process_time() - cpu)
