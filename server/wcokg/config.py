"""Settings, read once from the environment.

Every limit is on by default; every path and IRI can be changed without touching code.
The README lists each variable; keep the two in step.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

#: The base every file in ontology/, shapes/, data/ and queries/ is written with.
CANONICAL_BASE = "https://w3id.org/wcokg/"


def _project_root() -> Path:
    # server/wcokg/config.py -> the repository root, where the knowledge assets live.
    return Path(__file__).resolve().parents[2]


def _number(name: str, default, kind: type = int):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise SystemExit(f"{name}={value!r}: expected {'an integer' if kind is int else 'a number'}") from None


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=lambda: Path(os.environ.get("WCOKG_HOME") or _project_root()))
    store: Path = field(default_factory=lambda: Path(os.environ.get("WCOKG_STORE") or "var/store"))
    base: str = field(default_factory=lambda: os.environ.get("WCOKG_BASE") or CANONICAL_BASE)
    endpoint: str | None = field(default_factory=lambda: os.environ.get("WCOKG_ENDPOINT") or None)
    update_endpoint: str | None = field(default_factory=lambda: os.environ.get("WCOKG_UPDATE_ENDPOINT") or None)
    write_token: str | None = field(default_factory=lambda: os.environ.get("WCOKG_WRITE_TOKEN") or None, repr=False)
    query_timeout: float = field(default_factory=lambda: _number("WCOKG_QUERY_TIMEOUT", 30.0, float))
    max_rows: int = field(default_factory=lambda: _number("WCOKG_MAX_ROWS", 10_000))
    max_upload_bytes: int = field(default_factory=lambda: _number("WCOKG_MAX_UPLOAD_BYTES", 10 * 1024 * 1024))
    max_triples: int = field(default_factory=lambda: _number("WCOKG_MAX_TRIPLES", 200_000))
    validation_timeout: float = field(default_factory=lambda: _number("WCOKG_VALIDATION_TIMEOUT", 120.0, float))
    #: Server processes; each answers several requests at once on its own threads.
    workers: int = field(default_factory=lambda: _number("WCOKG_WORKERS", min(4, max(2, os.cpu_count() or 2))))
    #: Query answers each server process keeps for repeated requests (0 turns the cache off).
    cache_size: int = field(default_factory=lambda: _number("WCOKG_CACHE_SIZE", 1024))
    #: The bytes of answers that cache may hold in all, each process.
    cache_bytes: int = field(default_factory=lambda: _number("WCOKG_CACHE_BYTES", 64 * 1024 * 1024))
    #: The largest store (in quads) each server process copies into memory to query there,
    #: about 350 bytes a quad; a larger store is queried on disk, and 0 always queries on disk.
    memory_quads: int = field(default_factory=lambda: _number("WCOKG_MEMORY_QUADS", 2_000_000))
    #: What dataset descriptions and dumps state of their terms of use and publisher.
    license: str = field(default_factory=lambda: os.environ.get("WCOKG_LICENSE")
                         or "https://creativecommons.org/licenses/by/4.0/")
    publisher: str = field(default_factory=lambda: os.environ.get("WCOKG_PUBLISHER") or "wco-kg")
    #: How `wcokg export --to` signs in to a partner's server: a bearer token, else basic credentials.
    #: Secrets stay out of repr, so that they never reach a log or a traceback.
    push_token: str | None = field(default_factory=lambda: os.environ.get("WCOKG_PUSH_TOKEN") or None, repr=False)
    push_user: str | None = field(default_factory=lambda: os.environ.get("WCOKG_PUSH_USER") or None)
    push_password: str | None = field(default_factory=lambda: os.environ.get("WCOKG_PUSH_PASSWORD") or None,
                                      repr=False)
    push_timeout: float = field(default_factory=lambda: _number("WCOKG_PUSH_TIMEOUT", 120.0, float))

    @property
    def ontology_dir(self) -> Path:
        return self.home / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.home / "shapes"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    @property
    def queries_dir(self) -> Path:
        return self.home / "queries"

    def with_store(self, store: str | Path | None) -> "Settings":
        if store is None:
            return self
        from dataclasses import replace

        return replace(self, store=Path(store))
