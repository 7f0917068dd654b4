"""Profiles: the SPARQL files of profiles/, each a view of the graph for one kind of partner.

A profile is a CONSTRUCT (written as RDF) or a SELECT (written as CSV) with the header of the
named queries (queries.py), so that any SPARQL engine runs it as it is; its parameters are
bound as RDF terms, never pasted into the text.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from .. import queries
from ..config import Settings
from .formats import ExportError
from .source import DumpSource, default_graphs


@dataclass(frozen=True)
class Profile:
    """A query of profiles/, with the header of the named queries (see queries.py) and its bound values."""

    query: queries.NamedQuery
    values: tuple[tuple[str, str], ...] = ()
    #: Short names offered for some values of the first parameter: <name>-<value>.
    featured: tuple[str, ...] = ()
    columns_fr: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.query.name

    @property
    def is_table(self) -> bool:
        """Whether the query is a SELECT (a table, written as CSV) rather than a CONSTRUCT."""
        form = re.search(r"^\s*(SELECT|CONSTRUCT)\b", self.query.text, re.MULTILINE | re.IGNORECASE)
        return bool(form) and form.group(1).upper() == "SELECT"


def profiles_dir(settings: Settings) -> Path:
    return settings.home / "profiles"


def read_profile(path: Path) -> Profile:
    query, header = queries.read(path)
    return Profile(query, featured=queries.names(header.get("featured")),
                   columns_fr=queries.names(header.get("columns_fr")))


def profile_catalogue(settings: Settings) -> dict[str, Profile]:
    """Every profile by name, with `<name>-<value>` for each featured value of its first parameter."""
    found = {}
    for path in sorted(profiles_dir(settings).glob("*.rq")):
        profile = read_profile(path)
        found[profile.name] = profile
        for value in profile.featured:
            found[f"{profile.name}-{value}"] = Profile(profile.query, ((profile.query.params[0].name, value),),
                                                       columns_fr=profile.columns_fr)
    return found


def find_profile(settings: Settings, name: str, values: dict[str, str] | None = None) -> Profile:
    try:
        catalogue = profile_catalogue(settings)
    except queries.CatalogueError as err:
        raise ExportError(str(err)) from None
    if name not in catalogue:
        raise ExportError(f"--profile {name}: no such profile in {profiles_dir(settings)} "
                          f"(profiles: {', '.join(catalogue)})")
    profile = catalogue[name]
    return Profile(profile.query, tuple({**dict(profile.values), **(values or {})}.items()),
                   columns_fr=profile.columns_fr)


def run_profile(source: DumpSource, profile: Profile, graphs: list[ox.NamedNode] | None = None):
    """The profile's result over `graphs` (default: the asserted and inferred data)."""
    try:
        bound = queries.bind(profile.query, dict(profile.values), source.settings)
    except queries.ParameterError as err:
        raise ExportError(f"--profile {profile.name}: {err}") from None
    if graphs is None:
        graphs = default_graphs(source, inferred=True)
    try:
        return source.query(queries.text_for(profile.query, source.settings),
                            default_graphs=graphs or [ox.DefaultGraph()], substitutions=bound)
    except SyntaxError as err:
        raise ExportError(f"{profile.query.path}: SPARQL syntax {err}") from None


def write_csv(solutions: ox.QuerySolutions, out: IO[bytes], hidden: set[str], header: list[str]) -> int:
    """Solutions as CSV of plain values (no N-Triples syntax), `hidden` variables left out; the row count."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    variables = [v for v in solutions.variables if v.value not in hidden]
    writer.writerow(header if len(header) == len(variables) else [v.value for v in variables])
    rows = 0
    for row in solutions:
        writer.writerow(["" if row[v] is None else row[v].value for v in variables])
        rows += 1
    text.detach()
    return rows
