"""Dumps, checksums, the dataset description, profiles, --since and push (to a real Oxigraph server)."""
from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import http.server
import socket
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from rdflib.compare import isomorphic

from conftest import ROOT, wcokg
from servers import start_oxigraph, stop
from wcokg import export
from wcokg import store as layout
from wcokg.store import Store

PROV = "http://www.w3.org/ns/prov#"
WCO = "https://w3id.org/wcokg/ontology#"


def rdflib_graph(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"", format="nt")
    return graph


def without_description(settings, quads):
    return [q for q in quads if q.graph_name != export.description_graph(settings)
            and not export.description_subject(settings, q.subject)]


@pytest.fixture(scope="module")
def source_quads(built):
    source = export.DumpSource(built)
    return list(source.stream(export.default_graphs(source)))


def canonical(quads) -> ox.Dataset:
    """The dataset with blank nodes named by RDFC-1.0, so that equal data compares equal."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


@pytest.fixture(scope="module")
def dumps(built, tmp_path_factory):
    """Every format, written once."""
    folder = tmp_path_factory.mktemp("dumps")
    job = export.Export(built)
    files = {}
    for fmt in export.FORMATS.values():
        path = folder / f"wcokg.{fmt.extension}"
        with path.open("wb") as out:
            job.write(fmt, out)
        files[fmt.name] = path
    return files


@pytest.mark.parametrize("name", ["ttl", "nt", "jsonld", "rdfxml"])
def test_triple_dumps_round_trip_to_the_union_of_the_graphs(built, dumps, source_quads, name):
    parsed = without_description(built, export.read_dump(dumps[name]))
    assert canonical(parsed) == canonical(ox.Quad(q.subject, q.predicate, q.object) for q in source_quads)


@pytest.mark.parametrize("name", ["nq", "trig"])
def test_quad_dumps_round_trip_graph_by_graph(built, dumps, source_quads, name):
    parsed = without_description(built, export.read_dump(dumps[name]))
    assert {q.graph_name for q in parsed} == {q.graph_name for q in source_quads}
    assert canonical(parsed) == canonical(source_quads)


def test_round_trip_check_sees_a_lost_triple(built, dumps, source_quads):
    parsed = without_description(built, export.read_dump(dumps["nq"]))
    assert canonical(parsed[1:]) != canonical(source_quads)


def test_jsonld_dump_reads_as_plain_json(dumps):
    import json

    document = json.loads(dumps["jsonld"].read_text(encoding="utf-8"))
    activity = next(n for n in document["@graph"] if n.get("@id", "").endswith("/activity/ptc-2022-2025/I/1"))
    assert activity["activityNumber"] == "1"
    assert activity["leadBody"] == "https://w3id.org/wcokg/body/PTC"
    assert isinstance(document["@context"], dict), "the context is inline, so no reader has to fetch it"


def test_command_line_writes_gzip_of_the_same_bytes(built, dumps, tmp_path):
    packed = tmp_path / "wcokg.nt.gz"
    done = wcokg("export", "--store", str(built.store), "--out", str(packed))
    assert done.returncode == 0, done.stderr
    assert "RDFC-1.0 SHA-256" in done.stderr
    assert gzip.decompress(packed.read_bytes()) == dumps["nt"].read_bytes()
    assert packed.stat().st_size < dumps["nt"].stat().st_size / 4


# -- checksums ------------------------------------------------------------------------------------

def test_every_dump_declares_the_checksum_of_its_canonical_form(built, dumps):
    declared = {}
    for name, path in dumps.items():
        claimed, actual = export.verify(built, path)
        assert claimed == actual, name
        declared[name] = claimed
    assert len({declared[n] for n in ("ttl", "nt", "jsonld", "rdfxml")}) == 1
    assert declared["nq"] == declared["trig"]


def test_canonical_checksum_ignores_blank_node_names_and_order_but_not_content():
    p = ox.NamedNode("http://example.org/p")
    one = [ox.Quad(ox.BlankNode("a"), p, ox.Literal("x")), ox.Quad(ox.NamedNode("http://example.org/s"), p, ox.BlankNode("a"))]
    renamed = [ox.Quad(ox.NamedNode("http://example.org/s"), p, ox.BlankNode("zz")), ox.Quad(ox.BlankNode("zz"), p, ox.Literal("x"))]
    changed = [ox.Quad(ox.BlankNode("a"), p, ox.Literal("y")), one[1]]
    assert export.canonical_sha256(one) == export.canonical_sha256(renamed)
    assert export.canonical_sha256(one) != export.canonical_sha256(changed)
    # Without blank nodes RDFC-1.0 is the sorted N-Quads, so the digest can be checked by hand.
    plain = [ox.Quad(ox.NamedNode("http://example.org/b"), p, ox.Literal("é")),
             ox.Quad(ox.NamedNode("http://example.org/a"), p, ox.Literal("1"))]
    lines = sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in plain)
    assert export.canonical_sha256(plain) == hashlib.sha256("".join(lines).encode()).hexdigest()


def test_verify_catches_a_changed_dump(built, dumps, tmp_path):
    tampered = tmp_path / "wcokg.nt"
    text = dumps["nt"].read_text(encoding="utf-8")
    assert '"Compile the annual updates' in text
    tampered.write_text(text.replace('"Compile the annual updates', '"Compile the yearly updates'), encoding="utf-8")
    done = wcokg("export", "--store", str(built.store), "--verify", str(tampered))
    assert done.returncode == 1
    assert "differs" in done.stdout
    assert wcokg("export", "--store", str(built.store), "--verify", str(dumps["nt"])).returncode == 0


# -- the dataset description --------------------------------------------------------------------

def conforms(triples) -> tuple[bool, str]:
    shapes = rdflib.Graph().parse(ROOT / "shapes" / "dataset-description-shapes.ttl")
    ok, _, text = pyshacl.validate(rdflib_graph(triples), shacl_graph=shapes)
    return ok, text


def test_dump_description_conforms_and_counts_the_triples(built, dumps, source_quads):
    quads = export.read_dump(dumps["nq"])
    description = [q.triple for q in quads if q.graph_name == export.description_graph(built)]
    ok, text = conforms(description)
    assert ok, text
    graph = rdflib_graph(description)
    dataset = rdflib.URIRef(export.dataset_iri(built))
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    assert int(graph.value(dataset, void.triples)) == len({q.triple for q in source_quads})
    assert graph.value(dataset, void.sparqlEndpoint) == rdflib.URIRef(built.base + "sparql")
    assert rdflib.URIRef(WCO) in set(graph.objects(dataset, void.vocabulary))
    subsets = {str(graph.value(s, rdflib.DCTERMS.identifier)): int(graph.value(s, void.triples))
               for s in graph.objects(dataset, void.subset)}
    assert subsets[built.base + "graph/data/bodies"] == sum(
        1 for q in source_quads if q.graph_name.value == built.base + "graph/data/bodies")


def test_description_with_file_sizes_conforms_and_tells_the_truth(built):
    generation = Store(built, read_only=True).generation()
    triples = export.well_known_void(built, generation)
    ok, text = conforms(triples)
    assert ok, text
    graph = rdflib_graph(triples)
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    distributions = list(graph.subjects(rdflib.RDF.type, dcat.Distribution))
    assert len(distributions) == len(export.FORMATS)
    for dist in distributions:
        url = str(graph.value(dist, dcat.downloadURL))
        path = export.cache_dir(built, generation) / url.rsplit("/", 1)[-1]
        assert int(graph.value(dist, dcat.byteSize)) == path.stat().st_size
        checksum = graph.value(dist, spdx.checksum)
        assert str(graph.value(checksum, spdx.checksumValue)) == export.file_sha256(path)


def test_licence_and_publisher_are_configurable(built, tmp_path):
    out = tmp_path / "bodies.ttl"
    done = wcokg("export", "--store", str(built.store), "--graph", "data/bodies", "--out", str(out),
                 env={"WCOKG_LICENSE": "https://example.org/licence", "WCOKG_PUBLISHER": "Example Partner"})
    assert done.returncode == 0, done.stderr
    graph = rdflib.Graph().parse(out)
    assert (None, rdflib.DCTERMS.license, rdflib.URIRef("https://example.org/licence")) in graph
    assert (None, rdflib.FOAF.name, rdflib.Literal("Example Partner")) in graph
    assert (rdflib.URIRef(built.base + "body/PTC"), None, None) in graph
    assert (rdflib.URIRef(built.base + "activity/ptc-2022-2025/I/1"), None, None) not in graph


def test_bad_requests_exit_2_and_say_what(built, tmp_path):
    for args, words in ((["--graph", "data/nothing"], "no such graph"), (["--profile", "nothing"], "no such profile"),
                        (["--since", "last week"], "expected a date"), (["--format", "xlsx"], "expected one of")):
        done = wcokg("export", "--store", str(built.store), "--out", str(tmp_path / "x"), *args)
        assert done.returncode == 2, args
        assert words in done.stderr, done.stderr


# -- profiles --------------------------------------------------------------------------------------

def activity_count(settings) -> int:
    rows = Store(settings, read_only=True).query(
        f"SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE {{ ?a <{WCO}inProgrammePart> ?p }}")
    return int(next(iter(rows))["n"].value)


@pytest.mark.parametrize("lang, first_column, completed", [("en", "programme", "completed"), ("fr", "programme", "achevé")])
def test_work_programme_csv_has_the_template_columns(built, tmp_path, lang, first_column, completed):
    out = tmp_path / f"wp-{lang}.csv"
    done = wcokg("export", "--store", str(built.store), "--profile", "work-programme", "--lang", lang, "--out", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == first_column and len(rows[0]) == 14
    assert len(rows) - 1 == activity_count(built)
    first = dict(zip(rows[0], rows[1]))
    number = first["number" if lang == "en" else "numéro"]
    assert number == "1"
    levels = {r[-1] for r in rows[1:]}
    assert completed in levels


def test_profiles_are_plain_sparql_files(built):
    """A partner can run a profile with any SPARQL engine: here pyoxigraph without wco-kg's help."""
    store = ox.Store.read_only(str(built.store))
    text = (ROOT / "profiles" / "schema-org.rq").read_text(encoding="utf-8")
    triples = list(store.query(text, use_default_graph_as_union=True))
    actions = {t.subject for t in triples if t.object == ox.NamedNode("https://schema.org/Action")}
    assert len(actions) == activity_count(built)


def test_theme_profiles_keep_to_their_theme(built):
    for theme in ("e-commerce", "safe", "green-customs"):
        job = export.Export(built, profile=f"theme-{theme}")
        triples = job.triples()
        theme_iri = ox.NamedNode(f"{built.base}concept/theme/{theme}")
        tagged = {t.subject for t in triples if t.predicate.value == WCO + "theme" and t.object == theme_iri}
        assert tagged, theme
        activities = {t.subject for t in triples if t.predicate.value == WCO + "activityNumber"}
        assert activities <= tagged, f"{theme}: activities of other themes came along"


# -- --since -----------------------------------------------------------------------------------------

def test_since_keeps_only_submissions_generated_after_the_date(fresh_settings):
    store = Store(fresh_settings)
    base = fresh_settings.base

    def submission(name, when, title):
        graph = store.graph(layout.SUBMISSION_PREFIX + name)
        activity = ox.NamedNode(f"{base}activity/test/{name}")
        return graph, [
            ox.Triple(graph, ox.NamedNode(PROV + "generatedAtTime"),
                      ox.Literal(when, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime"))),
            ox.Triple(activity, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal(title, language="en")),
        ]

    old, recent = submission("old", "2026-01-05T10:00:00Z", "Old"), submission("new", "2026-03-01T09:30:00+01:00", "New")
    asset = store.graph(layout.DATA_PREFIX + "x")
    store.replace_graphs({old[0]: old[1], recent[0]: recent[1],
                          asset: [ox.Triple(ox.NamedNode(base + "body/X"), ox.NamedNode(WCO + "acronym"), ox.Literal("X"))]})
    store.flush()
    del store

    job = export.Export(fresh_settings, since=export.parse_since("2026-02-01"))
    assert job.graphs == [recent[0]]
    assert set(job.triples()) == set(recent[1])
    assert export.Export(fresh_settings, since=export.parse_since("2026-03-02")).triples() == []
    everything = export.Export(fresh_settings)
    assert {q.graph_name for q in everything.quads(export.FORMATS["nq"])} == {old[0], recent[0], asset}


# -- push -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    url, process = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield url
    stop(process)


def remote_graph(url: str, graph: str) -> rdflib.Graph:
    request = urllib.request.Request(f"{url}/store?graph={urllib.parse.quote(graph, safe='')}",
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return rdflib.Graph().parse(data=response.read(), format="nt")



def test_push_by_graph_store_protocol_replaces_the_graph(built, oxigraph_server):
    target = "https://partner.example/graph/wco-bodies"
    export.push(built, f"{oxigraph_server}/store", target,
                [ox.Triple(ox.NamedNode("http://example.org/old"), ox.NamedNode("http://example.org/p"), ox.Literal("x"))])
    done = wcokg("export", "--store", str(built.store), "--graph", "data/bodies", "--to", f"{oxigraph_server}/store",
                 "--target-graph", target)
    assert done.returncode == 0, done.stderr
    assert "HTTP 20" in done.stdout and target in done.stdout
    sent = export.Export(built, graphs=["data/bodies"]).triples()
    assert f"pushed {len(set(sent))} triples" in done.stdout
    assert isomorphic(remote_graph(oxigraph_server, target), rdflib_graph(sent)), "the old triple must be gone"


def test_push_by_update_sends_a_profile(built, oxigraph_server):
    target = "https://partner.example/graph/safe"
    done = wcokg("export", "--store", str(built.store), "--profile", "theme-safe", "--to", f"{oxigraph_server}/update",
                 "--protocol", "update", "--target-graph", target)
    assert done.returncode == 0, done.stderr
    sent = export.Export(built, profile="theme-safe").triples()
    assert isomorphic(remote_graph(oxigraph_server, target), rdflib_graph(sent))


def test_push_reports_a_refusal(built, oxigraph_server):
    with pytest.raises(export.ExportError, match="HTTP 4"):
        export.push(built, f"{oxigraph_server}/nowhere", "https://partner.example/g", [])


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_PUT(self):  # noqa: N802 - the http.server naming
        self.seen.append((self.headers.get("Authorization"), self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_push_sends_the_token_or_basic_credentials(built):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/store"
    triple = ox.Triple(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"), ox.Literal("o"))
    unsigned = replace(built, push_token=None, push_user=None, push_password=None)
    try:
        export.push(replace(unsigned, push_token="s3cret", push_user="ignored"), url, "https://partner.example/g", [triple])
        export.push(replace(unsigned, push_user="wco", push_password="pw"), url, "https://partner.example/g", [triple])
        export.push(unsigned, url, "https://partner.example/g", [triple])
        done = wcokg("export", "--store", str(built.store), "--graph", "data/bodies", "--to", url,
                     env={"WCOKG_PUSH_TOKEN": "", "WCOKG_PUSH_USER": "partner", "WCOKG_PUSH_PASSWORD": "from-env"})
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert "from-env" not in done.stdout + done.stderr
    assert [auth for auth, _ in _Recorder.seen] == [
        "Bearer s3cret", "Basic " + base64.b64encode(b"wco:pw").decode(), None,
        "Basic " + base64.b64encode(b"partner:from-env").decode()]
    assert _Recorder.seen[0][1] == ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES)


def test_secrets_stay_out_of_the_settings_repr(built):
    shown = repr(replace(built, push_token="tok-3141", push_user="wco", push_password="pw-2718", write_token="wt-1618"))
    assert "tok-3141" not in shown and "pw-2718" not in shown and "wt-1618" not in shown
    assert "push_user='wco'" in shown


def test_push_gives_up_after_the_configured_time(built):
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts the connection, never answers
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/store"
        started = time.monotonic()
        with pytest.raises(export.ExportError, match="timed out"):
            export.push(replace(built, push_timeout=0.5), url, "https://partner.example/g", [])
        assert time.monotonic() - started < 5
