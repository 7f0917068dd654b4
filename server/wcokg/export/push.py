"""Push: replace one graph at a partner's SPARQL server with an export, in one request.

The partner's server is reached by the two standard ways of writing a graph (Graph Store
Protocol PUT, or SPARQL Update), so that any SPARQL 1.1 store can receive it; credentials
and the time limit come from the settings (WCOKG_PUSH_*), never from the command line,
where other users of the machine could read them.
"""
from __future__ import annotations

import base64
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pyoxigraph as ox

from ..config import Settings
from .formats import ExportError


@dataclass
class PushReport:
    url: str
    protocol: str
    graph: str
    triples: int
    bytes: int
    status: int

    def __str__(self) -> str:
        return (f"pushed {self.triples} triples ({self.bytes} bytes) to graph <{self.graph}> at {self.url} "
                f"by {self.protocol}: HTTP {self.status}")


def push(settings: Settings, url: str, graph: str, triples: list[ox.Triple], protocol: str = "gsp") -> PushReport:
    """Replace `graph` at a partner's endpoint with `triples`, in one request.

    The request carries the settings' bearer token, else their basic credentials, if any.

    gsp: SPARQL 1.1 Graph Store Protocol, PUT to URL?graph=G (N-Triples body).
    update: SPARQL 1.1 Update, POST "DROP SILENT GRAPH G; INSERT DATA { GRAPH G {...} }",
    one request, which a SPARQL 1.1 server applies all or nothing.
    """
    target = ox.NamedNode(graph)
    body_triples = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    if protocol == "gsp":
        separator = "&" if "?" in url else "?"
        request = urllib.request.Request(f"{url}{separator}graph={urllib.parse.quote(graph, safe='')}",
                                         data=body_triples, method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
    elif protocol == "update":
        body = f"DROP SILENT GRAPH {target} ;\nINSERT DATA {{ GRAPH {target} {{\n".encode() + body_triples + b"}}\n"
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/sparql-update"})
    else:
        raise ExportError(f"--protocol {protocol}: expected gsp or update")
    if settings.push_token:
        request.add_header("Authorization", f"Bearer {settings.push_token}")
    elif settings.push_user is not None:
        credentials = base64.b64encode(f"{settings.push_user}:{settings.push_password or ''}".encode()).decode()
        request.add_header("Authorization", f"Basic {credentials}")
    try:
        with urllib.request.urlopen(request, timeout=settings.push_timeout) as response:
            status = response.status
    except urllib.error.HTTPError as err:
        detail = err.read(2000).decode("utf-8", "replace").strip()
        raise ExportError(f"{url}: HTTP {err.code} {err.reason}{': ' + detail if detail else ''}") from None
    except (urllib.error.URLError, OSError) as err:
        raise ExportError(f"{url}: unreachable: {getattr(err, 'reason', err)}") from None
    return PushReport(url, protocol, graph, len(set(triples)), len(request.data), status)
