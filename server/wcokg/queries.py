"""Named queries: the .rq files of queries/ as a catalogue that analysts call by name.

Each file opens with a header in grlc's decorator style: lines starting with `#+`, which
together are one YAML mapping::

    #+ summary: Activities of one theme                 (English title)
    #+ summary_fr: Activités d'un thème                 (French title)
    #+ description: ...                                 (English)
    #+ description_fr: ...                              (French)
    #+ params:
    #+   - name: theme                                  (the query variable ?theme it binds)
    #+     type: enum                                   (iri | string | date | integer | enum)
    #+     scheme: theme                                (enum: codes of concept/<scheme>/ in ontology/concepts.ttl)
    #+     default: e-commerce                          (used when the caller gives none)
    #+     example: safe
    #+     description: ...  description_fr: ...
    #+ columns: programme, part, number, title_en       (the result columns, in order)

A parameter without a default is optional unless `required: true`: left out, its variable
stays free and matches anything. A parameter must be a column (pyoxigraph binds projected
variables only) and must not be tested with BOUND(), which does not see a bound value. Values are checked against their type and bound to the
query variable as RDF terms (pyoxigraph substitutions, or a VALUES block on a remote
server); they are never pasted into the query text, so no value can change the query.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import pyoxigraph as ox
import yaml

from .config import CANONICAL_BASE, Settings
from .rdf_io import rebase_text

XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPES = ("iri", "string", "date", "integer", "enum")
#: Namespaces an iri parameter may also name besides the base (the vocabularies the data reuses).
KNOWN_NAMESPACES = (
    "http://www.w3.org/2004/02/skos/core#",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/prov#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/2002/07/owl#",
)
#: Longest string value accepted: no question needs more, and it bounds the work a value causes.
MAX_STRING = 200
#: Request parameter names that choose how results are written, so no query parameter may take them.
RESERVED = ("format",)
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class CatalogueError(Exception):
    """A query file whose header cannot be read (a fault of the repository, not of the caller)."""


class UnknownQuery(LookupError):
    """No query of that name (HTTP 404)."""


class ParameterError(ValueError):
    """A parameter value that does not fit its declaration (HTTP 400, CLI exit 2)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str = ""
    description_fr: str = ""
    default: str | None = None
    example: str | None = None
    required: bool = False
    #: enum: the concept scheme (concept/<scheme>/) whose codes are the allowed values.
    scheme: str | None = None
    #: iri: the path under the base the IRI must lie in, e.g. "body/".
    under: str | None = None
    #: string: a regular expression the whole value must match.
    pattern: str | None = None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    path: Path
    text: str
    summary: str
    summary_fr: str
    description: str
    description_fr: str
    columns: tuple[str, ...]
    params: tuple[Parameter, ...] = field(default=())

    def param(self, name: str) -> Parameter | None:
        return next((p for p in self.params if p.name == name), None)


# -- reading the catalogue -----------------------------------------------------------------

def read_header(text: str, where: str) -> dict:
    lines = [line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        header = yaml.safe_load("\n".join(line[1:] if line.startswith(" ") else line for line in lines)) or {}
    except yaml.YAMLError as err:
        raise CatalogueError(f"{where}: the #+ header is not valid YAML: {err}") from None
    if not isinstance(header, dict):
        raise CatalogueError(f"{where}: the #+ header must be a mapping of fields")
    return header


def _parameter(spec, where: str, text: str) -> Parameter:
    if not isinstance(spec, dict) or "name" not in spec or "type" not in spec:
        raise CatalogueError(f"{where}: each parameter needs a name and a type")
    known = set(Parameter.__dataclass_fields__)
    if set(spec) - known:
        raise CatalogueError(f"{where}: parameter {spec['name']}: unknown field(s) {', '.join(sorted(set(spec) - known))}")
    values = {k: (str(v) if k in ("default", "example") and v is not None else v) for k, v in spec.items()}
    param = Parameter(**values)
    if not _VARIABLE.match(param.name) or not re.search(rf"[?$]{param.name}\b", text):
        raise CatalogueError(f"{where}: parameter {param.name} is not a variable of the query")
    if param.type not in TYPES:
        raise CatalogueError(f"{where}: parameter {param.name}: type {param.type!r} is not one of {', '.join(TYPES)}")
    if param.name in RESERVED:
        raise CatalogueError(f"{where}: {param.name!r} is reserved for the result format; rename the parameter")
    if param.type == "enum" and not param.scheme:
        raise CatalogueError(f"{where}: enum parameter {param.name} needs a scheme")
    return param


def names(value) -> tuple[str, ...]:
    """A header list, written either as YAML or as comma-separated names."""
    if isinstance(value, str):
        return tuple(c.strip() for c in value.split(","))
    return tuple(value or ())


def read(path: Path, required: tuple[str, ...] = ()) -> tuple[NamedQuery, dict]:
    """A query file with its #+ header (also read for export profiles, with their own fields)."""
    text = path.read_text(encoding="utf-8")
    header = read_header(text, path.name)
    missing = [k for k in required if not header.get(k)]
    if missing:
        raise CatalogueError(f"{path.name}: the #+ header lacks {', '.join(missing)}")
    params = tuple(_parameter(spec, path.name, text) for spec in header.get("params") or ())
    query = NamedQuery(path.stem, path, text, str(header.get("summary", "")), str(header.get("summary_fr", "")),
                       str(header.get("description", "")), str(header.get("description_fr", "")),
                       names(header.get("columns")), params)
    return query, header


def read_query(path: Path) -> NamedQuery:
    query, _ = read(path, ("summary", "summary_fr", "description", "description_fr", "columns"))
    # pyoxigraph binds only projected variables, so every parameter is also a column.
    unprojected = [p.name for p in query.params if p.name not in query.columns]
    if unprojected:
        raise CatalogueError(f"{path.name}: parameter(s) {', '.join(unprojected)} must also be columns")
    return query


def catalogue(settings: Settings) -> dict[str, NamedQuery]:
    """Every named query of queries/ (not its subfolders), by name, in name order."""
    folder = settings.queries_dir
    paths = sorted(p for p in folder.glob("*.rq") if _NAME.match(p.stem))
    return _catalogue(folder, tuple((p, p.stat().st_mtime_ns) for p in paths))


@lru_cache(maxsize=4)
def _catalogue(folder: Path, stamped: tuple[tuple[Path, int], ...]) -> dict[str, NamedQuery]:
    # Keyed by the files' modification times: an edited query is read again, an unchanged one is not.
    return {path.stem: read_query(path) for path, _ in stamped}


def is_name(argument: str | None) -> bool:
    """Whether a command-line argument names a query (queries/NAME.rq) rather than a file."""
    return bool(argument) and _NAME.match(argument) is not None


def find(settings: Settings, name: str) -> NamedQuery:
    try:
        return catalogue(settings)[name]
    except KeyError:
        raise UnknownQuery(f"no query named {name!r} in {settings.queries_dir}") from None


# -- concept codes, for enum parameters ----------------------------------------------------

@lru_cache(maxsize=4)
def _concepts(path: Path, mtime: int) -> dict[str, dict[str, str]]:
    """scheme -> {code: canonical concept IRI}, read from ontology/concepts.ttl."""
    schemes: dict[str, dict[str, str]] = {}
    notations, in_scheme = {}, {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        if quad.predicate.value == SKOS + "notation":
            notations[quad.subject.value] = quad.object.value
        elif quad.predicate.value == SKOS + "inScheme":
            in_scheme[quad.subject.value] = quad.object.value
    prefix = CANONICAL_BASE + "concept/"
    for concept, scheme in in_scheme.items():
        if concept in notations and scheme.startswith(prefix):
            schemes.setdefault(scheme[len(prefix):], {})[notations[concept]] = concept
    return schemes


def concept_codes(settings: Settings, scheme: str) -> dict[str, str]:
    """The codes of a concept scheme and their IRIs under the configured base."""
    path = settings.ontology_dir / "concepts.ttl"
    codes = _concepts(path, path.stat().st_mtime_ns).get(scheme, {})
    return {code: settings.base + iri[len(CANONICAL_BASE):] for code, iri in sorted(codes.items())}


# -- checking and binding parameter values ---------------------------------------------------

def _term(param: Parameter, value: str, settings: Settings):
    kind = param.type
    if kind == "integer":
        try:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
        except ValueError:
            raise ParameterError(f"parameter {param.name}: {value!r} is not an integer") from None
    if kind == "date":
        try:
            return ox.Literal(datetime.date.fromisoformat(value).isoformat(), datatype=ox.NamedNode(XSD + "date"))
        except ValueError:
            raise ParameterError(f"parameter {param.name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if kind == "enum":
        codes = concept_codes(settings, param.scheme)
        if value not in codes:
            raise ParameterError(f"parameter {param.name}: {value!r} is not a {param.scheme} code "
                                 f"(one of {', '.join(codes)})")
        return ox.NamedNode(codes[value])
    if kind == "iri":
        return _iri(param, value, settings)
    if len(value) > MAX_STRING:
        raise ParameterError(f"parameter {param.name}: longer than {MAX_STRING} characters")
    if param.pattern and not re.fullmatch(param.pattern, value):
        raise ParameterError(f"parameter {param.name}: {value!r} does not match {param.pattern}")
    return ox.Literal(value)


def _iri(param: Parameter, value: str, settings: Settings) -> ox.NamedNode:
    """An IRI under the base (given whole or as its key, e.g. body/PTC) or in a known vocabulary."""
    iri = value if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value) else settings.base + value.lstrip("/")
    scope = settings.base + (param.under or "")
    if param.under and not iri.startswith(scope):
        raise ParameterError(f"parameter {param.name}: {value!r} is not under {scope}")
    if not iri.startswith(settings.base) and not iri.startswith(KNOWN_NAMESPACES):
        raise ParameterError(f"parameter {param.name}: {value!r} is neither under {settings.base} "
                             f"nor in a known vocabulary")
    try:
        return ox.NamedNode(iri)
    except ValueError as err:
        raise ParameterError(f"parameter {param.name}: {value!r} is not a valid IRI ({err})") from None


def bind(query: NamedQuery, values: Mapping[str, str], settings: Settings) -> dict[ox.Variable, object]:
    """The substitutions for the given values (defaults filled in); ParameterError names the bad one."""
    unknown = sorted(set(values) - {p.name for p in query.params})
    if unknown:
        known = ", ".join(p.name for p in query.params) or "none"
        raise ParameterError(f"{query.name}: unknown parameter(s) {', '.join(unknown)} (parameters: {known})")
    bound = {}
    for param in query.params:
        value = values.get(param.name)
        if value is None or value == "":
            value = param.default
        if value is None:
            if param.required:
                raise ParameterError(f"{query.name}: parameter {param.name} is required (e.g. {param.example})")
            continue
        bound[ox.Variable(param.name)] = _term(param, value, settings)
    return bound


def text_for(query: NamedQuery, settings: Settings) -> str:
    """The query text, written with the canonical base, rebased to the configured one."""
    return rebase_text(query.text, settings.base)
