"""Work-programme tables (CSV, XLSX) to RDF, through declarative CSVW metadata.

What each column means lives in data/templates/work-programme.csv-metadata.json (W3C CSVW:
aboutUrl, propertyUrl, valueUrl, datatype, lang, separator) and in work-programme.ru, a
SPARQL update that adds what a row states only by its place (the class of an activity in
Part I or II, the links to its deadline and status-report nodes). This module only applies
them: the `csvw` library reads and type-checks the cells, the W3C csv2rdf minimal mode turns
each cell into a triple, and every triple remembers the row and column it came from so that a
validation result can point back at the cell to correct.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .config import CANONICAL_BASE, Settings
from .rdf_io import InputError, rebase

TABLE_EXTENSIONS = (".csv", ".xlsx")
_LOCATOR = ox.NamedNode("https://w3id.org/wcokg/ontology#locator")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DATATYPES = {"date": _XSD + "date", "boolean": _XSD + "boolean", "integer": _XSD + "integer",
              "decimal": _XSD + "decimal", "dateTime": _XSD + "dateTime"}


@dataclass
class MappedTable:
    """The triples of a table, with the cell each one was read from (row as the spreadsheet numbers it)."""

    triples: list[ox.Triple] = field(default_factory=list)
    cells: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    #: Cells that could not be read: (row, column, what is wrong); their rows are left out.
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def locate(self, focus: str | None, path: str | None) -> tuple[int | None, str | None]:
        """The row and column that produced (focus, path), or at least the focus node's row."""
        if (focus, path) in self.cells:
            return self.cells[focus, path]
        return self.rows.get(focus), None


def is_table(name: str) -> bool:
    return Path(name).suffix.lower() in TABLE_EXTENSIONS


def template_dir(settings: Settings) -> Path:
    return settings.data_dir / "templates"


def map_table(content: bytes, source: str, settings: Settings) -> MappedTable:
    """Map a work-programme table to RDF; bad cells are listed by row and column, a bad file is an InputError."""
    from csvw import Table

    csv_bytes = _xlsx_to_csv(content, source) if source.lower().endswith(".xlsx") else content
    table = Table.from_file(template_dir(settings) / "work-programme.csv-metadata.json")
    errors = _ErrorLog()
    mapped = MappedTable()
    name = Path(source).name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.csv"
        path.write_bytes(csv_bytes)
        try:
            rows = list(table.iterdicts(log=errors, with_metadata=True, fname=path))
        except (ValueError, UnicodeDecodeError) as err:
            raise InputError(source, str(err).replace(str(path), name)) from None
    columns = [c for c in table.tableSchema.columns if not c.virtual]
    mapped.errors = [_cell_error(message, columns) for message in errors.messages]
    for _, lineno, typed in rows:
        # URI templates expand the cells as written in the datatype's lexical form, not as Python objects.
        row = {c.header: _lexical(c, typed.get(c.header)) for c in columns}
        subjects = set()
        for col in columns:
            value = typed.get(col.header)
            if value is None or value == "" or value == [] or col.suppressOutput:
                continue
            about = table.expand(col.aboutUrl or table.tableSchema.aboutUrl, row, _row=lineno)
            predicate = table.expand(col.propertyUrl, row, _row=lineno)
            for item in value if isinstance(value, list) else [value]:
                obj = _object(table, col, row, item, lineno)
                mapped.triples.append(ox.Triple(ox.NamedNode(about), ox.NamedNode(predicate), obj))
                mapped.cells.setdefault((about, predicate), (lineno, col.titles.getfirst() if col.titles else col.name))
            subjects.add(about)
        for about in sorted(subjects):
            mapped.rows.setdefault(about, lineno)
            mapped.triples.append(ox.Triple(ox.NamedNode(about), _LOCATOR, ox.Literal(f"{name}, row {lineno}")))
    mapped.triples = _complete(mapped.triples, settings)
    _rebase(mapped, settings.base)
    return mapped


_CSVW_ERROR = re.compile(r"^.*?:(\d+):\d+ (.*?): (.*)$", re.S)


def _cell_error(message: str, columns) -> tuple[int, str, str]:
    # csvw words a cell error "FILE:LINE:COLUMN-INDEX COLUMN-NAME: MESSAGE"; the column's format says what was expected.
    match = _CSVW_ERROR.match(message)
    if not match:
        return 0, "", message
    row, title, what = int(match[1]), match[2], match[3]
    column = next((c for c in columns if title in (c.name, c.titles.getfirst() if c.titles else None)), None)
    expected = column.datatype.format if column is not None and column.datatype else None
    return row, title, f"{what} (expected {expected})" if isinstance(expected, str) else what


def _object(table, col, row, item, lineno):
    if col.valueUrl:
        return ox.NamedNode(table.expand(col.valueUrl, {**row, col.header: _lexical(col, item)}, _row=lineno))
    lang = col.inherit("lang")
    base = col.datatype.base if col.datatype else "string"
    if base in _DATATYPES:
        return ox.Literal(_canonical(item, base), datatype=ox.NamedNode(_DATATYPES[base]))
    return ox.Literal(str(item), language=lang) if lang and lang != "und" else ox.Literal(str(item))


def _canonical(item, base: str) -> str:
    if base == "boolean":
        return "true" if item else "false"
    if base == "date" and hasattr(item, "date"):
        return item.date().isoformat()
    return item.isoformat() if hasattr(item, "isoformat") else str(item)


def _lexical(col, value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_lexical(col, v) for v in value]
    return _canonical(value, col.datatype.base if col.datatype else "string")


def _complete(triples: list[ox.Triple], settings: Settings) -> list[ox.Triple]:
    """Apply work-programme.ru to the mapped triples (in a throwaway in-memory store)."""
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    scratch.update((template_dir(settings) / "work-programme.ru").read_text(encoding="utf-8"))
    return [ox.Triple(q.subject, q.predicate, q.object) for q in scratch]


def _rebase(mapped: MappedTable, base: str) -> None:
    if base == CANONICAL_BASE:
        return
    moved = lambda iri: base + iri[len(CANONICAL_BASE):] if iri and iri.startswith(CANONICAL_BASE) else iri
    mapped.triples = [ox.Triple(q.subject, q.predicate, q.object) for q in
                      rebase((ox.Quad(t.subject, t.predicate, t.object) for t in mapped.triples), base)]
    mapped.cells = {(moved(s), p): where for (s, p), where in mapped.cells.items()}
    mapped.rows = {moved(s): row for s, row in mapped.rows.items()}


def _xlsx_to_csv(content: bytes, source: str) -> bytes:
    """The first sheet of a workbook as CSV text, so one reader (and one mapping) serves both."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as err:  # openpyxl raises many kinds for a file that is not a workbook
        raise InputError(source, f"not a readable XLSX workbook ({err})") from None
    out = io.StringIO()
    writer = csv.writer(out)
    for values in sheet.iter_rows(values_only=True):
        writer.writerow(["" if v is None else (v.date().isoformat() if hasattr(v, "date") else v) for v in values])
    return out.getvalue().encode("utf-8")


class _ErrorLog(logging.Logger):
    """Collects csvw's cell errors ("file:line:column name: message") instead of raising at the first."""

    def __init__(self):
        super().__init__("wcokg.tables")
        self.messages: list[str] = []

    def warning(self, msg, *args, **kwargs):
        self.messages.append(str(msg))

    error = warning
