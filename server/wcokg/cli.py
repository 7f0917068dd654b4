"""The `wcokg` command line: build, query, validate, export, serve.

Every command takes --store DIR (default ./var/store or WCOKG_STORE). Exit codes: 0 success,
1 a negative answer (violations), 2 unreadable input or a usage error.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import Settings


def _settings(args) -> Settings:
    return Settings().with_store(getattr(args, "store", None))


def cmd_build(args) -> int:
    from .build import BuildError, build

    update_endpoint = args.update_endpoint or _settings(args).update_endpoint
    if args.endpoint and not update_endpoint:
        print("wcokg build: --endpoint needs --update-endpoint (or WCOKG_UPDATE_ENDPOINT) to load", file=sys.stderr)
        return 2
    try:
        report = build(_settings(args))
    except BuildError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"built {_settings(args).store}: {report.asserted} asserted triples in {len(report.graphs)} graphs, "
          f"{report.inferred} inferred")
    return _load_remote(_settings(args), update_endpoint) if update_endpoint else 0


def _load_remote(settings: Settings, update_endpoint: str) -> int:
    """Mirror the built graphs into an existing SPARQL 1.1 server, in one update."""
    from dataclasses import replace

    from .backends import BackendUnavailable, RemoteBackend
    from .sparql import QueryError
    from .store import Store

    store = Store(settings, read_only=True)
    graphs = {graph: store.quads(graph) for graph in store.named_graphs()}
    print(f"loading {sum(map(len, graphs.values()))} triples in {len(graphs)} graphs into {update_endpoint}",
          file=sys.stderr)
    try:
        RemoteBackend(replace(settings, update_endpoint=update_endpoint)).load(graphs)
    except (BackendUnavailable, QueryError) as err:
        print(f"wcokg build: {err}", file=sys.stderr)
        return 2
    return 0


def _key_value(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected NAME=VALUE")
    return name, value


def cmd_query(args) -> int:
    from . import queries, sparql
    from .rdf_io import rebase_text
    from .store import Store

    settings = _settings(args)
    bound = {}
    named = args.expression is None and queries.is_name(args.file)
    if args.params and not named:
        print("wcokg query: --param needs a named query (wcokg query NAME --param k=v)", file=sys.stderr)
        return 2
    if args.expression is not None:
        text = args.expression
    elif args.file == "-":
        text = sys.stdin.read()
    elif named:
        try:
            query = queries.find(settings, args.file)
            bound = queries.bind(query, dict(args.params), settings)
        except (queries.UnknownQuery, queries.ParameterError, queries.CatalogueError) as err:
            print(f"wcokg query: {err}", file=sys.stderr)
            return 2
        text = query.text
    elif args.file:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as err:
            print(f"{args.file}: {err.strerror}", file=sys.stderr)
            return 2
    else:
        print("wcokg query: give a FILE.rq or -e TEXT", file=sys.stderr)
        return 2
    try:
        store = Store(settings, read_only=True)
    except (FileNotFoundError, OSError) as err:
        print(err, file=sys.stderr)
        return 2
    try:
        result = sparql.run(store, rebase_text(text, settings.base), inferred=not args.no_inference,
                            substitutions=bound or None)
        out = sparql.serialize(result, args.format)
    except sparql.QueryError as err:
        print(f"{args.file or '-e'}: {err}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(out.body)
    if not out.body.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")
    return 0


def cmd_validate(args) -> int:
    from .rdf_io import InputError
    from .submissions import LimitExceeded, validate
    from .tables import is_table
    from .validation import ValidationFailure, render, validate_files

    settings = _settings(args)
    try:
        if args.with_store or any(is_table(f) for f in args.files):
            # Each file as a submission: checked together with the current graph, tables cell by cell.
            reports = [validate(_read_bytes(f), f, settings) for f in args.files]
        else:
            reports = [validate_files([Path(f) for f in args.files], settings)]
    except (InputError, LimitExceeded, ValidationFailure) as err:
        print(err, file=sys.stderr)
        return 2
    for report in reports:
        sys.stdout.write(render(report, args.format, args.lang))
    return 0 if all(r.conforms for r in reports) else 1


def _read_bytes(path: str) -> bytes:
    from .rdf_io import InputError

    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise InputError(path, err.strerror or str(err)) from None


def cmd_submit(args) -> int:
    from .rdf_io import InputError
    from .submissions import LimitExceeded, Refused, submit
    from .validation import ValidationFailure, render

    try:
        done, _ = submit(_read_bytes(args.file), args.file, _settings(args), agent=args.agent)
    except Refused as refused:
        sys.stdout.write(render(refused.report, args.format, args.lang))
        print(f"{args.file}: refused, nothing stored", file=sys.stderr)
        return 1
    except (InputError, LimitExceeded, ValidationFailure) as err:
        print(err, file=sys.stderr)
        return 2
    print(f"{'stored' if done.created else 'already stored'}: submission {done.id} ({done.triples} triples) "
          f"in <{done.graph}>")
    return 0


def cmd_submissions(args) -> int:
    import json

    from .submissions import submissions

    found = submissions(_settings(args))
    if args.format == "json":
        print(json.dumps([s.as_dict() for s in found], indent=2))
    for s in found if args.format == "text" else ():
        print(f"{s.id}  {s.generated}  {s.agent}  {s.triples} triples  {s.title}")
    return 0


def cmd_withdraw(args) -> int:
    from .submissions import NotFound, withdraw

    try:
        withdraw(args.id, _settings(args))
    except NotFound:
        print(f"no submission {args.id}", file=sys.stderr)
        return 2
    print(f"withdrawn: submission {args.id}")
    return 0


def cmd_export(args) -> int:
    from . import export

    settings = _settings(args)
    try:
        if args.verify:
            declared, actual = export.verify(settings, Path(args.verify))
            print(f"{args.verify}: RDFC-1.0 SHA-256 {actual} ({'matches' if declared == actual else 'differs from'} "
                  f"the declared {declared})")
            return 0 if declared == actual else 1
        since = export.parse_since(args.since) if args.since else None
        values = dict(args.params) | ({"lang": args.lang} if args.lang else {})
        job = export.Export(settings, graphs=args.graph, inferred=args.inferred, profile=args.profile,
                            values=values, since=since)
        if args.to:
            target = args.target_graph or f"{settings.base}graph/{job.name or 'export'}"
            report = export.push(settings, args.to, target, job.triples(), args.protocol)
            print(report)
            return 0
        compress = args.gzip or args.out.endswith(".gz")
        name = args.out[:-3] if args.out.endswith(".gz") else args.out
        fmt = args.format or name.rsplit(".", 1)[-1] if "." in name else args.format
        if fmt == "csv" or (fmt is None and job.profile is not None and job.is_table):
            with _output(args.out, compress) as out:
                rows = job.write_table(out, args.lang or "en")
            print(f"wrote {rows} rows to {args.out}", file=sys.stderr)
            return 0
        dump_format = export.FORMATS.get(fmt or "nq") or export.FORMAT_BY_EXTENSION.get(fmt or "")
        if dump_format is None:
            raise export.ExportError(f"--format {fmt}: expected one of {', '.join(export.FORMATS)} or csv")
        with _output(args.out, compress) as out:
            report = job.write(dump_format, out, compress=compress)
    except export.ExportError as err:
        print(f"wcokg export: {err}", file=sys.stderr)
        return 2
    print(f"wrote {report.quads} {'quads' if dump_format.quads else 'triples'} as {dump_format.name} to {args.out} "
          f"in {report.seconds:.2f} s; RDFC-1.0 SHA-256 {report.sha256}", file=sys.stderr)
    return 0


def _output(path: str, compress: bool):
    """The binary stream to write to: standard output for '-', else the file."""
    import contextlib

    if path == "-":
        return contextlib.nullcontext(sys.stdout.buffer)
    return open(path, "wb")


def cmd_serve(args) -> int:
    from .web import serve

    return serve(_settings(args), host=args.host, port=args.port, workers=args.workers)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="wcokg", description="wco-kg: the WCO technical-work knowledge graph.")
    sub = top.add_subparsers(dest="command", required=True)

    def command(name, func, help_):
        p = sub.add_parser(name, help=help_, description=help_)
        p.add_argument("--store", metavar="DIR", help="store directory (default: $WCOKG_STORE or ./var/store)")
        p.set_defaults(func=func)
        return p

    b = command("build", cmd_build, "load ontology/, shapes/ and data/ into the store and refresh inference")
    b.add_argument("--endpoint", metavar="URL", help="also load into this SPARQL 1.1 server ($WCOKG_ENDPOINT)")
    b.add_argument("--update-endpoint", metavar="URL",
                   help="its SPARQL Update URL, where the graphs are written ($WCOKG_UPDATE_ENDPOINT)")

    q = command("query", cmd_query, "run a SPARQL query against the store and print its results")
    q.add_argument("file", nargs="?", metavar="FILE.rq|NAME",
                   help="query file ('-' for standard input), or the NAME of a query in queries/ (queries/NAME.rq)")
    q.add_argument("--param", dest="params", action="append", default=[], type=_key_value, metavar="NAME=VALUE",
                   help="a parameter of a named query (repeatable)")
    q.add_argument("-e", dest="expression", metavar="TEXT", help="query text")
    q.add_argument("--format", choices=["csv", "tsv", "json", "xml", "turtle", "jsonld", "nt"],
                   help="result format (default: json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)")
    q.add_argument("--no-inference", action="store_true", help="leave inferred triples out of the default graph")

    v = command("validate", cmd_validate, "validate RDF files against the SHACL shapes")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--format", choices=["text", "json", "turtle", "html"], default="text")
    v.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the messages")
    v.add_argument("--with-store", action="store_true",
                   help="check each file as a submission, together with the current graph (always so for tables)")

    sb = command("submit", cmd_submit, "validate a file (RDF or work-programme table) and store it if it conforms")
    sb.add_argument("file", metavar="FILE")
    sb.add_argument("--agent", help="who submits (default: the user name)")
    sb.add_argument("--format", choices=["text", "json", "turtle", "html"], default="text",
                    help="format of the report of a refused submission")
    sb.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the messages")

    ls = command("submissions", cmd_submissions, "list the stored submissions")
    ls.add_argument("--format", choices=["text", "json"], default="text")

    wd = command("withdraw", cmd_withdraw, "remove a submission from the graph")
    wd.add_argument("id", metavar="ID")

    x = command("export", cmd_export, "write the graph, some of its graphs or a partner profile as a dump, "
                                      "or push it to a partner's SPARQL store")
    x.add_argument("--format", metavar="FORMAT",
                   help="nq, trig, ttl, nt, jsonld, rdfxml or csv (default: from --out, else nq; csv for table profiles)")
    x.add_argument("--graph", action="append", default=[], metavar="NAME",
                   help="a graph to export, e.g. data/bodies or its IRI (repeatable; default: ontology, data, submissions)")
    x.add_argument("--inferred", action="store_true", help="add the inferred graph")
    x.add_argument("--profile", metavar="NAME", help="a query of profiles/ (schema-org, work-programme, theme-safe, ...)")
    x.add_argument("--param", dest="params", action="append", default=[], type=_key_value, metavar="NAME=VALUE",
                   help="a parameter of the profile (repeatable)")
    x.add_argument("--lang", choices=["en", "fr"], help="language of a table profile's texts and header")
    x.add_argument("--since", metavar="DATE", help="only the submissions generated since DATE (prov:generatedAtTime)")
    x.add_argument("--out", default="-", metavar="FILE", help="output file ('-' standard output; .gz compresses)")
    x.add_argument("--gzip", action="store_true", help="compress with gzip")
    x.add_argument("--to", metavar="URL", help="push to this Graph Store Protocol or Update endpoint instead "
                                               "(signed in with $WCOKG_PUSH_TOKEN or $WCOKG_PUSH_USER/_PASSWORD)")
    x.add_argument("--protocol", choices=["gsp", "update"], default="gsp",
                   help="gsp: PUT the graph (default); update: DROP + INSERT DATA in one request")
    x.add_argument("--target-graph", metavar="IRI", help="the graph to replace at --to (default: <BASE>graph/export)")
    x.add_argument("--verify", metavar="FILE", help="check a dump against the checksum its description declares")

    s = command("serve", cmd_serve, "serve the SPARQL endpoint and web UI")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, help="server processes (default: $WCOKG_WORKERS or 2-4 by CPU count)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
