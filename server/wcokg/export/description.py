"""The VoID and DCAT-AP description of a dataset, carried by every dump and served at /.well-known/void.

Every subject of a description lies under <BASE>dataset (or is the /sparql service), so that a
partner, and `verify`, can set the description apart from the data it describes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from .. import __version__
from ..config import Settings
from .checksums import canonical_sha256, file_sha256
from .formats import (DCAT, DCTERMS, FOAF, FORMATS, GZIP_MEDIA_TYPE, IANA, OWL, RDF, RDFS, SPDX, VOID, XSD,
                      DumpFormat)


@dataclass
class Distribution:
    """One downloadable file of a dataset; size and file checksum when the file exists."""

    url: str
    fmt: DumpFormat
    compressed: bool = False
    byte_size: int | None = None
    sha256: str | None = None


def dataset_iri(settings: Settings, name: str = "") -> str:
    return f"{settings.base}dataset" + (f"/{name}" if name else "")


def describe(settings: Settings, name: str, quads: list[ox.Quad], title: str, *,
             distributions: Iterable[Distribution] = (), modified: datetime | None = None,
             part_of: str | None = None) -> list[ox.Triple]:
    """VoID and DCAT-AP statements about the dataset `quads` (every subject under <BASE>dataset)."""
    iri = dataset_iri(settings, name)
    node = ox.NamedNode(iri)
    triples: list[ox.Triple] = []

    def add(subject, predicate, obj):
        triples.append(ox.Triple(subject if isinstance(subject, ox.NamedNode) else ox.NamedNode(subject),
                                 ox.NamedNode(predicate), obj))

    def literal(value, datatype=None, lang=None):
        if lang:
            return ox.Literal(str(value), language=lang)
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype) if datatype else None)

    publisher = ox.NamedNode(dataset_iri(settings, "publisher"))
    service = ox.NamedNode(settings.base + "sparql")
    catalog = ox.NamedNode(dataset_iri(settings, "catalog"))
    when = (modified or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()

    add(catalog, RDF + "type", ox.NamedNode(DCAT + "Catalog"))
    add(catalog, DCTERMS + "title", literal("wco-kg catalogue", lang="en"))
    add(catalog, DCTERMS + "description", literal("The datasets and services of wco-kg.", lang="en"))
    add(catalog, DCTERMS + "publisher", publisher)
    add(catalog, DCAT + "dataset", node)
    add(catalog, DCAT + "service", service)

    for kind in (VOID + "Dataset", DCAT + "Dataset"):
        add(node, RDF + "type", ox.NamedNode(kind))
    add(node, DCTERMS + "title", literal(title, lang="en"))
    add(node, DCTERMS + "description", literal(
        "The World Customs Organization's technical work (work programmes, instruments, bodies, strategic "
        "plan, meetings and decisions) as linked data, each fact with its source.", lang="en"))
    add(node, DCTERMS + "description", literal(
        "Les travaux techniques de l'Organisation mondiale des douanes (programmes de travail, instruments, "
        "organes, plan stratégique, réunions et décisions) en données liées, chaque fait avec sa source.", lang="fr"))
    add(node, DCTERMS + "publisher", publisher)
    add(publisher, RDF + "type", ox.NamedNode(FOAF + "Agent"))
    add(publisher, FOAF + "name", literal(settings.publisher))
    add(node, DCTERMS + "license", ox.NamedNode(settings.license))
    add(node, DCTERMS + "modified", literal(when, "dateTime"))
    add(node, DCAT + "version", literal(__version__))
    add(node, OWL + "versionInfo", literal(__version__))
    if part_of:
        add(node, DCTERMS + "isPartOf", ox.NamedNode(part_of))

    triple_set = {q.triple for q in quads}
    add(node, VOID + "triples", literal(len(triple_set), "integer"))
    add(node, VOID + "distinctSubjects", literal(len({t.subject for t in triple_set}), "integer"))
    add(node, VOID + "properties", literal(len({t.predicate for t in triple_set}), "integer"))
    add(node, VOID + "uriSpace", literal(settings.base))
    for vocabulary in sorted(_vocabularies(triple_set)):
        add(node, VOID + "vocabulary", ox.NamedNode(vocabulary))
    add(node, VOID + "sparqlEndpoint", service)
    add(node, DCAT + "accessService", service)
    add(service, RDF + "type", ox.NamedNode(DCAT + "DataService"))
    add(service, DCTERMS + "title", literal("wco-kg SPARQL endpoint", lang="en"))
    add(service, DCAT + "endpointURL", service)
    add(service, DCTERMS + "conformsTo", ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/"))
    add(service, DCAT + "servesDataset", node)

    checksum = ox.NamedNode(iri + "#rdfc-1.0-sha256")
    add(node, SPDX + "checksum", checksum)
    add(checksum, RDF + "type", ox.NamedNode(SPDX + "Checksum"))
    add(checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
    add(checksum, SPDX + "checksumValue", literal(canonical_sha256(quads), "hexBinary"))
    add(checksum, RDFS + "comment", literal(
        "SHA-256 of the RDFC-1.0 canonical N-Quads of the dataset, this description left out.", lang="en"))

    graphs = sorted({q.graph_name for q in quads if isinstance(q.graph_name, ox.NamedNode)}, key=lambda g: g.value)
    for graph in graphs:
        subset = ox.NamedNode(f"{iri}/graph/{graph.value.rsplit('graph/', 1)[-1]}")
        add(node, VOID + "subset", subset)
        add(subset, RDF + "type", ox.NamedNode(VOID + "Dataset"))
        add(subset, DCTERMS + "identifier", literal(graph.value))
        add(subset, VOID + "triples", literal(sum(1 for q in quads if q.graph_name == graph), "integer"))

    for number, dist in enumerate(distributions, 1):
        d = ox.NamedNode(f"{iri}/distribution/{dist.fmt.extension}{'.gz' if dist.compressed else ''}")
        add(node, DCAT + "distribution", d)
        add(node, VOID + "dataDump", ox.NamedNode(dist.url))
        add(d, RDF + "type", ox.NamedNode(DCAT + "Distribution"))
        add(d, DCTERMS + "title", literal(f"{title} ({dist.fmt.name}{', gzip' if dist.compressed else ''})", lang="en"))
        add(d, DCAT + "accessURL", ox.NamedNode(dist.url))
        add(d, DCAT + "downloadURL", ox.NamedNode(dist.url))
        add(d, DCAT + "mediaType", ox.NamedNode(IANA + dist.fmt.media_type))
        add(d, DCTERMS + "format", ox.NamedNode(dist.fmt.rdf_format.iri))
        add(d, DCTERMS + "license", ox.NamedNode(settings.license))
        if dist.compressed:
            add(d, DCAT + "compressFormat", ox.NamedNode(IANA + GZIP_MEDIA_TYPE))
        if dist.byte_size is not None:
            add(d, DCAT + "byteSize", literal(dist.byte_size, "nonNegativeInteger"))
        if dist.sha256:
            file_checksum = ox.NamedNode(f"{d.value}#sha256")
            add(d, SPDX + "checksum", file_checksum)
            add(file_checksum, RDF + "type", ox.NamedNode(SPDX + "Checksum"))
            add(file_checksum, SPDX + "algorithm", ox.NamedNode(SPDX + "checksumAlgorithm_sha256"))
            add(file_checksum, SPDX + "checksumValue", literal(dist.sha256, "hexBinary"))
    return triples


def _vocabularies(triples: Iterable[ox.Triple]) -> set[str]:
    """The namespaces of the properties and classes used."""
    found = set()
    for t in triples:
        terms = [t.predicate] + ([t.object] if t.predicate.value == RDF + "type" else [])
        for term in terms:
            if isinstance(term, ox.NamedNode):
                match = re.match(r"^(.*[#/])[^#/]*$", term.value)
                if match:
                    found.add(match.group(1))
    return found


def description_subject(settings: Settings, term) -> bool:
    """Whether a subject belongs to a dump's description rather than to its data."""
    return isinstance(term, ox.NamedNode) and (term.value == settings.base + "sparql"
                                               or term.value.startswith(dataset_iri(settings)))


def description_graph(settings: Settings) -> ox.NamedNode:
    return ox.NamedNode(f"{settings.base}graph/description")


def dump_distributions(settings: Settings, files: dict[str, Path] | None = None) -> list[Distribution]:
    """The /dumps/ files of the whole dataset, gzip-compressed, with size and checksum when written."""
    found = []
    for fmt in FORMATS.values():
        dist = Distribution(f"{settings.base}dumps/wcokg.{fmt.extension}.gz", fmt, compressed=True)
        path = (files or {}).get(fmt.name)
        if path is not None:
            dist.byte_size, dist.sha256 = path.stat().st_size, file_sha256(path)
        found.append(dist)
    return found
