"""The benchmark's queries: every named query of queries/ and six that each stress one thing.

Named queries run with their parameters bound by a VALUES block (as wco-kg does for a remote
server), so the three systems receive the same self-contained text. A parameter whose default
names an entity of the curated data (body/SAFE-WG, programme/ptc-2022-2025...) is bound to the
synthetic entity of the same kind instead (`synthetic_arguments`): the synthetic graph has no
curated entity, and a query asked about one would find nothing at every scale, measuring only
the cost of a request. Other parameters keep their defaults.
"""
from __future__ import annotations

from wcokg import queries as catalogue
from wcokg.backends import with_values
from wcokg.config import CANONICAL_BASE, Settings

PREFIXES = f"""\
PREFIX wco:  <{CANONICAL_BASE}ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd:  <http://www.w3.org/2001/XMLSchema#>
BASE <{CANONICAL_BASE}>
"""

#: The queries the goal on point lookups is about.
POINT_LOOKUPS = ("point-lookup",)


def core(seed: int = 0) -> dict[str, str]:
    """The six kinds of query the issue names, against generate(..., seed)."""
    tag = f"s{seed}"
    return {
        # One node's description: an index lookup and a few dozen rows.
        "point-lookup": f"SELECT ?p ?o WHERE {{ <activity/syn-{tag}-0/I/7> ?p ?o }}",
        # A range filter over a typed literal.
        "filter": """SELECT ?report ?date WHERE { ?report wco:statusDate ?date .
  FILTER(?date >= "2024-04-01"^^xsd:date && ?date < "2024-04-08"^^xsd:date) }""",
        # A four-pattern join across activities, bodies and programme parts.
        "join": """SELECT ?activity ?acronym ?programme WHERE {
  ?activity wco:theme <concept/theme/transit> ; wco:leadBody ?body ; wco:inProgrammePart ?part .
  ?part wco:isPartOf ?programme .
  ?body wco:acronym ?acronym . FILTER(LANG(?acronym) = "en") }""",
        # A grouped count over every activity.
        "aggregate": """SELECT ?body (COUNT(?activity) AS ?n) WHERE { ?activity wco:leadBody ?body }
GROUP BY ?body ORDER BY DESC(?n) ?body LIMIT 20""",
        # The UI's pattern: labels in either language, either of them possibly missing.
        "optional-lang": """SELECT ?instrument ?en ?fr WHERE { ?instrument a wco:Instrument .
  OPTIONAL { ?instrument rdfs:label ?en FILTER(LANG(?en) = "en") }
  OPTIONAL { ?instrument rdfs:label ?fr FILTER(LANG(?fr) = "fr") } }""",
        # A transitive path down the reporting tree.
        "property-path": f"SELECT ?body WHERE {{ ?body wco:reportsTo+ <body/SYN-{tag}-0> }}",
    }


def synthetic_arguments(seed: int = 0) -> dict[str, str]:
    """Parameter name -> the synthetic entity (of generate(..., seed)) that stands for its default.

    The body is the root of the synthetic reporting tree, as the Council is of the real one;
    the meeting is the second, which hears the report of the first; the activity is a
    time-bound one with deadlines and status reports.
    """
    tag = f"s{seed}"
    return {"body": f"body/SYN-{tag}-0", "top": f"body/SYN-{tag}-0", "instrument": f"instrument/SYN-{tag}-0",
            "programme": f"programme/syn-{tag}-0", "meeting": f"meeting/syn-{tag}-1",
            "activity": f"activity/syn-{tag}-0/I/1"}


def valued(query: catalogue.NamedQuery, values: dict[str, str], settings: Settings) -> str:
    """The named query's text with its parameters (`values`, else the defaults) bound by VALUES."""
    bound = catalogue.bind(query, values, settings)
    return with_values(catalogue.text_for(query, settings), [(v.value, t) for v, t in bound.items()])


def named(settings: Settings, seed: int = 0) -> dict[str, str]:
    """The named queries of queries/, parameters bound to synthetic entities or their defaults."""
    arguments = synthetic_arguments(seed)
    return {name: valued(query, {p.name: arguments[p.name] for p in query.params
                                 if p.name in arguments and p.default is not None}, settings)
            for name, query in catalogue.catalogue(settings).items()}


def benchmark(settings: Settings, seed: int = 0) -> dict[str, str]:
    return {**{name: PREFIXES + text for name, text in core(seed).items()}, **named(settings, seed)}
