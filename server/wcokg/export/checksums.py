"""Checksums that do not depend on the serialization.

A dump's description gives the SHA-256 of the data's RDFC-1.0 canonical N-Quads, which any
RDFC-1.0 implementation reproduces from any of the formats; files get a plain SHA-256 too.

The checksum is not computed as the data streams by: RDFC-1.0 names every blank node after
its neighbourhood in the whole dataset, numbering them across all graphs, and the canonical
N-Quads are sorted as one document, so the whole dataset is held once. Its serialized lines
cost little beside it (about a seventh of the canonicalized dataset's memory, measured on
140,000 quads), so they are hashed in one piece.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox


def canonical_sha256(quads: Iterable[ox.Quad | ox.Triple]) -> str:
    """SHA-256 of the RDFC-1.0 canonical N-Quads of the dataset (triples go in the default graph)."""
    dataset = ox.Dataset(q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object)
                         for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    lines = sorted(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS).splitlines(keepends=True))
    return hashlib.sha256(b"".join(lines)).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
