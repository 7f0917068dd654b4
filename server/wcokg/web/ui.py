"""/: the home page, a SPARQL editor on this server's /sparql with example queries.

The editor is YASGUI (npm package @zazuko/yasgui, pinned in package.json). `make setup`
installs it with `npm ci` into node_modules/ beside the knowledge assets, and this blueprint
serves its two build files under /assets/yasgui/, so a browser fetches nothing from elsewhere.
Where npm was not available the same page keeps a plain form that posts to /sparql, and says
how to get the editor. Labels are in English or French: `?lang=` first, then Accept-Language.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, request, send_from_directory, url_for
from markupsafe import Markup

from ..config import Settings
from ..rdf_io import prefixes as rdf_prefixes
from . import context

blueprint = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static",
                      static_url_path="/static/ui")

LANGUAGES = ("en", "fr")

#: Where `npm ci` puts YASGUI's build, under the home directory, and the files the page loads.
YASGUI_BUILD = Path("node_modules/@zazuko/yasgui/build")
YASGUI_FILES = ("yasgui.min.js", "yasgui.min.css")

LABELS = {
    "en": {
        "title": "wco-kg: SPARQL endpoint",
        "tagline": "A knowledge graph of the World Customs Organization's technical work: the Permanent "
                   "Technical Committee's work programme, instruments, bodies, strategic plan and decisions.",
        "tagline2": "Every fact links to the document and place it was read from. Ask it in SPARQL below, "
                    "or call the named queries.",
        "examples": "Example queries",
        "links": "More",
        "named_queries": "Named queries (API)",
        "openapi": "OpenAPI description",
        "void": "Dataset description (VoID)",
        "ontology": "Ontology",
        "endpoint": "SPARQL endpoint",
        "query": "Query",
        "format": "Result format",
        "run": "Run query",
        "no_editor": Markup("The query editor is not installed on this server, so this is a plain form that "
                            "posts the query to /sparql: JSON answers open in the browser, the other formats "
                            "download. To get the editor, install Node.js and npm, run <code>make setup</code> "
                            "(or <code>npm ci</code> in the repository) and reload this page."),
    },
    "fr": {
        "title": "wco-kg : point d'accès SPARQL",
        "tagline": "Un graphe de connaissances des travaux techniques de l'Organisation mondiale des douanes : "
                   "programme de travail du Comité technique permanent, instruments, organes, plan "
                   "stratégique et décisions.",
        "tagline2": "Chaque fait renvoie au document et à l'endroit où il a été lu. Interrogez-le en SPARQL "
                    "ci-dessous, ou appelez les requêtes nommées.",
        "examples": "Exemples de requêtes",
        "links": "Pour aller plus loin",
        "named_queries": "Requêtes nommées (API)",
        "openapi": "Description OpenAPI",
        "void": "Description du jeu de données (VoID)",
        "ontology": "Ontologie",
        "endpoint": "Point d'accès SPARQL",
        "query": "Requête",
        "format": "Format du résultat",
        "run": "Exécuter la requête",
        "no_editor": Markup("L'éditeur de requêtes n'est pas installé sur ce serveur : voici un simple "
                            "formulaire qui envoie la requête à /sparql ; les réponses JSON s'ouvrent dans le "
                            "navigateur, les autres formats se téléchargent. Pour avoir l'éditeur, installez "
                            "Node.js et npm, lancez <code>make setup</code> (ou <code>npm ci</code> dans le "
                            "dépôt) et rechargez cette page."),
    },
}

#: The plain form's result formats (names /sparql takes in `format`).
FORM_FORMATS = ("json", "csv", "tsv", "xml")

#: The prefixes the example queries use, declared at the top of each (from rdf_io.PREFIXES).
EDITOR_PREFIXES = ("wco", "dcterms", "skos", "org", "rdfs", "xsd")

# Titles and acronyms are asked for in the page's language: the data carries both.
THEME_QUERY = """\
# Activities of the PTC work programmes on one theme ({code}), the body that leads each,
# and where the fact was read. Change the theme code to ask about another theme.
SELECT ?part ?number ?title ?lead ?locator
WHERE {{
  ?activity a wco:Activity ;
            wco:theme/skos:notation "{code}" ;
            wco:inProgrammePart/wco:code ?part ;
            wco:activityNumber ?number ;
            rdfs:label ?title .
  FILTER(LANG(?title) = "{lang}")
  OPTIONAL {{ ?activity wco:leadBody/wco:acronym ?lead FILTER(LANG(?lead) = "{lang}") }}
  OPTIONAL {{ ?activity dcterms:source/dcterms:identifier ?document ;
                       wco:locator ?where .
             BIND(CONCAT(?document, ", ", ?where) AS ?locator) }}
}}
ORDER BY ?part xsd:integer(?number)
"""

REPORTING_QUERY = """\
# Who reports to whom: each WCO body and the body it reports to directly.
# wco:reportsTo is transitive (a sub-property of org:reportsTo), so the inferred graph also
# links each body to every body above it; the FILTER keeps the direct line only.
SELECT ?body ?name ?reportsTo
WHERE {{
  ?body a org:OrganizationalUnit ;
        wco:reportsTo ?parent ;
        rdfs:label ?name .
  FILTER(LANG(?name) = "{lang}")
  FILTER NOT EXISTS {{
    ?body wco:reportsTo ?between . ?between wco:reportsTo ?parent .
    FILTER(?between != ?parent && ?between != ?body)
  }}
  OPTIONAL {{ ?parent wco:acronym ?acronym FILTER(LANG(?acronym) = "{lang}") }}
  OPTIONAL {{ ?parent rdfs:label ?parentName FILTER(LANG(?parentName) = "{lang}") }}
  BIND(COALESCE(?acronym, ?parentName) AS ?reportsTo)
}}
ORDER BY ?reportsTo ?name
"""


@dataclass(frozen=True)
class Example:
    key: str
    label: str
    text: str


#: The themes with an example (skos:notation of concept/theme/...), and each one's label.
EXAMPLE_THEMES = {
    "e-commerce": {"en": "Activities on e-commerce", "fr": "Activités sur le commerce électronique"},
    "safe": {"en": "Activities on SAFE", "fr": "Activités sur SAFE"},
    "green-customs": {"en": "Activities on green customs", "fr": "Activités sur la douane verte"},
}
REPORTING_LABEL = {"en": "Who reports to whom", "fr": "Qui rend compte à qui"}


def examples(settings: Settings, lang: str) -> list[Example]:
    """The page's example queries, labelled and answering in `lang`; the first fills the editor."""
    iris = rdf_prefixes(settings)
    prefixes = "".join(f"PREFIX {name + ':':<8} <{iris[name]}>\n" for name in EDITOR_PREFIXES) + "\n"
    found = [Example(f"theme-{code}", labels[lang], prefixes + THEME_QUERY.format(code=code, lang=lang))
             for code, labels in EXAMPLE_THEMES.items()]
    found.append(Example("reporting-lines", REPORTING_LABEL[lang], prefixes + REPORTING_QUERY.format(lang=lang)))
    return found


def language() -> str:
    """The page's language: a valid ?lang= wins, then the browser's Accept-Language, then English."""
    asked = request.args.get("lang", "").strip().lower()
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(LANGUAGES, default=LANGUAGES[0])


def yasgui_dir(settings: Settings) -> Path | None:
    """The folder of YASGUI's build files, or None when `npm ci` has not installed them."""
    folder = settings.home / YASGUI_BUILD
    return folder if all((folder / name).is_file() for name in YASGUI_FILES) else None


@blueprint.route("/")
def home() -> Response:
    settings = context().settings
    lang = language()
    choices = examples(settings, lang)
    chosen = next((e for e in choices if e.key == request.args.get("example")), choices[0])
    # /sparql, under the app's own root (url_for would give its other spelling, /sparql/).
    endpoint = url_for("ui.home") + "sparql"
    page = render_template(
        "ui.html",
        lang=lang,
        t=LABELS[lang],
        examples=choices,
        chosen=chosen,
        editor=yasgui_dir(settings) is not None,
        endpoint=endpoint,
        editor_config={"endpoint": endpoint, "chosen": chosen.key,
                       "examples": [asdict(example) for example in choices]},
        formats=FORM_FORMATS,
    )
    response = Response(page, mimetype="text/html")
    response.vary.add("Accept-Language")
    return response


@blueprint.route("/assets/yasgui/<name>")
def yasgui_asset(name: str) -> Response:
    folder = yasgui_dir(context().settings)
    if folder is None or name not in YASGUI_FILES:
        abort(404)
    return send_from_directory(folder, name, max_age=3600)
