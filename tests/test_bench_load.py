"""The benchmark's load generator: what it sends, against a real HTTP server on 127.0.0.1."""
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from bench.load import Target, measure

ANSWER = b'{"head": {"vars": []}, "results": {"bindings": []}}'


@pytest.fixture
def recording_server():
    """A SPARQL GET endpoint that answers every query alike and keeps each query text it was sent."""
    texts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the load generator expects
        disable_nagle_algorithm = True  # headers and body are two writes: no delayed ACK between

        def do_GET(self):
            texts.extend(parse_qs(urlsplit(self.path).query)["query"])
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(ANSWER)))
            self.end_headers()
            self.wfile.write(ANSWER)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Target("127.0.0.1", server.server_address[1], "/sparql"), texts
    server.shutdown()
    server.server_close()


def test_unique_texts_never_repeat_across_cells(recording_server):
    # A result cache keyed by the text must never answer a "unique" request: the 8-client cell
    # that follows a 1-client cell of the same query once resent that cell's texts.
    target, texts = recording_server
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    for clients in (1, 8, 1):
        result = measure(target, query, clients, unique=True, duration=5, max_requests=40)
        assert result.errors == 0 and result.latencies_ms
    assert len(texts) > 3 * 40
    assert all(text.startswith(query + "\n# ") for text in texts)
    repeated = [text for text, count in Counter(texts).items() if count > 1]
    assert repeated == []


def test_repeated_texts_are_the_query_itself(recording_server):
    target, texts = recording_server
    query = "ASK {}"
    result = measure(target, query, 2, unique=False, duration=0.05, max_requests=10)
    assert result.errors == 0
    assert set(texts) == {query}
