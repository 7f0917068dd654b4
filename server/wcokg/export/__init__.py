"""Exports for partners: dumps with checksums, the dataset description, profiles and push.

    formats       the dump formats, prefixes and JSON-LD context, and ExportError
    source        the graphs an export reads (by name, or submissions since a date)
    checksums     the RDFC-1.0 canonical checksum, which no serialization changes
    description   the VoID/DCAT-AP description every dump carries
    profiles      the SPARQL files of profiles/ (CONSTRUCT as RDF, SELECT as CSV)
    dumps         an export written, read back and verified; the web's cached dumps
    push          one graph replaced at a partner's SPARQL server

The command line and the web use the names below, so they need not know which module
does what.
"""
from .checksums import canonical_sha256, file_sha256
from .description import Distribution, dataset_iri, describe, description_graph, description_subject
from .dumps import DumpReport, Export, cache_dir, cached_dump, read_dump, verify, well_known_void, write_dump
from .formats import (FORMAT_BY_EXTENSION, FORMATS, GZIP_MEDIA_TYPE, PREFIXES, DumpFormat, ExportError,
                      jsonld_context, prefixes, write_jsonld)
from .profiles import Profile, find_profile, profile_catalogue
from .push import PushReport, push
from .source import DumpSource, default_graphs, parse_since

__all__ = [
    "FORMATS", "FORMAT_BY_EXTENSION", "GZIP_MEDIA_TYPE", "PREFIXES", "Distribution", "DumpFormat", "DumpReport",
    "DumpSource", "Export", "ExportError", "Profile", "PushReport", "cache_dir", "cached_dump", "canonical_sha256",
    "dataset_iri", "default_graphs", "describe", "description_graph", "description_subject", "file_sha256",
    "find_profile", "jsonld_context", "parse_since", "prefixes", "profile_catalogue", "push", "read_dump", "verify",
    "well_known_void", "write_dump", "write_jsonld",
]
