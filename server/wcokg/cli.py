"""The `wcokg` command line: build, query, validate, serve.

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

    try:
        report = build(_settings(args))
    except BuildError as err:
        print(err, file=sys.stderr)
        return 2
    print(f"built {_settings(args).store}: {report.asserted} asserted triples in {len(report.graphs)} graphs, "
          f"{report.inferred} inferred")
    return 0


def cmd_query(args) -> int:
    from . import sparql
    from .rdf_io import rebase_text
    from .store import Store

    settings = _settings(args)
    if args.expression is not None:
        text = args.expression
    elif args.file == "-":
        text = sys.stdin.read()
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
        result = sparql.run(store, rebase_text(text, settings.base), inferred=not args.no_inference)
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
    from .validation import render, validate_files

    try:
        report = validate_files([Path(f) for f in args.files], _settings(args))
    except InputError as err:
        print(err, file=sys.stderr)
        return 2
    sys.stdout.write(render(report, args.format, args.lang))
    return 0 if report.conforms else 1


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

    command("build", cmd_build, "load ontology/, shapes/ and data/ into the store and refresh inference")

    q = command("query", cmd_query, "run a SPARQL query against the store and print its results")
    q.add_argument("file", nargs="?", metavar="FILE.rq", help="query file ('-' for standard input)")
    q.add_argument("-e", dest="expression", metavar="TEXT", help="query text")
    q.add_argument("--format", choices=["csv", "tsv", "json", "xml", "turtle", "jsonld", "nt"],
                   help="result format (default: json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)")
    q.add_argument("--no-inference", action="store_true", help="leave inferred triples out of the default graph")

    v = command("validate", cmd_validate, "validate RDF files against the SHACL shapes")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--format", choices=["text", "json", "turtle", "html"], default="text")
    v.add_argument("--lang", choices=["en", "fr"], default="en", help="language of the messages")

    s = command("serve", cmd_serve, "serve the SPARQL endpoint and web UI")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--workers", type=int, default=2)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
