"""pyshacl, made to validate a thousand focus nodes at once (wcokg.validation uses it).

pyshacl checks a property shape one focus node at a time, finding the shape's parameters again
for each, and sends a SHACL-SPARQL constraint's query once per node: on a 1,000-activity
submission that was 82 % and 17 % of 17 s. The subclasses here check each property shape once
for all focus nodes, and bind $this to all of them in one query by a VALUES block, wherever
that gives pyshacl's very results (otherwise they fall back to pyshacl's own way);
tests/test_validation_engine.py compares them with plain pyshacl result for result. They
reach into pyshacl's internals, hence its narrow version pin in pyproject.toml.
"""
from __future__ import annotations

import re
from types import FunctionType, SimpleNamespace
from typing import Iterable

import pyoxigraph as ox
import pyshacl
import rdflib
from rdflib import SH
from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.graph_abstraction import OxigraphDataGraph, to_ox, to_rdf
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph

from .sparql import blank_opaque


class InMemoryData(OxigraphDataGraph):
    """An in-memory Oxigraph store as pyshacl's data graph: SHACL-SPARQL runs in Oxigraph.

    rdflib's SPARQL engine took milliseconds per query and pyshacl sends each rule once per
    focus node. pyshacl asks for the data graph's truth value once per result it makes, which
    an Oxigraph graph answers by counting its triples: it holds the submission, so it is true.

    pyshacl reads a node's values (objects) once per node and property shape, converting the
    node and the property to Oxigraph terms each time and every value back: 40,000 reads for 40
    property shapes and 1,000 nodes. The conversions are remembered (the graph serves one
    validation and is thrown away).
    """

    def __init__(self, store: ox.Store):
        super().__init__(store, impl=None)
        self._oxigraph_terms, self._rdflib_terms = {}, {}

    def __bool__(self) -> bool:
        return True

    def objects(self, subject=None, predicate=None, unique: bool = False):
        if isinstance(subject, (list, tuple)) or self.locked_context is not None:
            yield from super().objects(subject, predicate, unique)
            return
        graph = None if self.default_union else ox.DefaultGraph()
        for quad in self.impl.quads_for_pattern(self._oxigraph(subject), self._oxigraph(predicate), None, graph):
            yield self._rdflib(quad.object)

    def _oxigraph(self, term):
        found = self._oxigraph_terms.get(term)
        if found is None and term is not None:
            found = self._oxigraph_terms[term] = to_ox(term)
        return found

    def _rdflib(self, term):
        found = self._rdflib_terms.get(term)
        if found is None:
            found = self._rdflib_terms[term] = to_rdf(term)
        return found


class Validator(pyshacl.Validator):
    """pyshacl's validator, with the per-node costs of its hot path taken out; the results are
    pyshacl's own (tests/test_validation_engine.py compares them with plain pyshacl).

    pyshacl keeps the focus nodes in a list and looks each target up in it, for every shape:
    quadratic in the size of the submission, so they go into a set. Its shapes are _Shape.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.shacl_graph = _ShapesGraph(self.shacl_graph.graph, self.debug, self.logger)

    def make_executor(self):
        executor = super().make_executor()
        if executor.focus_nodes:
            executor.focus_nodes = frozenset(executor.focus_nodes)
        return executor


class _PropertyConstraint(PropertyConstraintComponent):
    """sh:property, validating the property shape once for all value nodes instead of once per node.

    Each validation of a shape begins by finding which of its parameters are constraints (a
    list lookup per triple of the shape, with rdflib's term comparison) and building each
    constraint anew from the shapes graph: for a node shape with 40 property shapes and 1,000
    focus nodes, 40,000 times what 40 suffice for. pyshacl's Shape.validate takes a list of
    focus nodes and reports each node as it would alone, so the values are passed together, as
    one item of pyshacl's own loop. Only when a value repeats (two focus nodes sharing it) does
    it go node by node: pyshacl then reports it once per focus node, and a list would merge them.
    """

    def _evaluate_property_shape(self, executor, prop_shape, target_graph, focus_value_nodes,
                                 potentially_recursive, _evaluation_path):
        values = [value for nodes in focus_value_nodes.values() for value in nodes]
        if len(set(values)) == len(values):
            focus_value_nodes = {None: [values]}
        return super()._evaluate_property_shape(executor, prop_shape, target_graph, focus_value_nodes,
                                                potentially_recursive, _evaluation_path)


class _SPARQLConstraint(SPARQLBasedConstraint):
    """sh:sparql, preparing each query once per shape, and asking it once for all focus nodes.

    pyshacl's pre_bind_variables checks the query text with a dozen regular expressions (no
    MINUS, no VALUES, ...) for every focus node; of what it returns only the binding of $this
    depends on the node (_Prepared). It then sends the query once per focus node, $this bound
    to the node: 8,000 queries for 1,000 activities and their status reports. When the query
    allows it (with_focus_nodes), one query with the focus nodes as VALUES of $this finds the
    rows of every node, and pyshacl makes its results from each node's rows as from its own
    query (_Rows).
    """

    #: Each focus node's _Rows while a constraint is evaluated; none: node by node.
    _rows: dict = {}

    def _evaluate_sparql_constraint(self, sparql_constraint, target_graph, f_v_dict):
        prepared = _Prepared(sparql_constraint)
        self._rows = _rows_of_each(prepared, target_graph, list(f_v_dict))
        try:
            return super()._evaluate_sparql_constraint(prepared, target_graph, f_v_dict)
        finally:
            del self._rows

    def _validate_sparql_query(self, query, init_binds, target_graph):
        # pyshacl asks the data graph; a node's _Rows answer in its place.
        rows = self._rows.get(init_binds.get("this"), target_graph)
        return super()._validate_sparql_query(query, init_binds, rows)


class _Prepared:
    """A SPARQL constraint's query helper that remembers its checked, prepared query text."""

    def __init__(self, helper):
        self._helper = helper
        self._prepared = None

    def __getattr__(self, name):
        return getattr(self._helper, name)

    def pre_bind_variables(self, thisnode, valuenode=None, extravars=None):
        if valuenode is not None or extravars:
            return self._helper.pre_bind_variables(thisnode, valuenode, extravars)
        if self._prepared is None:
            self._prepared = self._helper.pre_bind_variables(thisnode)
        bindings, text = self._prepared
        return ({**bindings, "this": thisnode} if "this" in bindings else dict(bindings)), text


class _Rows:
    """The rows one focus node has in the answer to a query for all, answering as its own query would."""

    def __init__(self, variables: list, rows: list):
        self._variables, self._rows = variables, rows

    def query(self, *_, **__) -> rdflib.query.Result:
        result = rdflib.query.Result("SELECT")
        result.vars, result.bindings = self._variables, self._rows
        return result


def _rows_of_each(prepared: _Prepared, target_graph, focus: list) -> dict:
    """Each focus node's _Rows, from one query with the nodes as VALUES of $this; {} when the
    constraint must go node by node (one node, a blank node, a query with_focus_nodes refuses,
    a data graph that is not an Oxigraph one, where pyshacl's own pre-binding differs)."""
    if len(focus) < 2 or not isinstance(target_graph, OxigraphDataGraph) \
            or not all(isinstance(node, rdflib.URIRef) for node in focus):
        return {}
    bindings, text = prepared.pre_bind_variables(focus[0])
    if "this" not in bindings:
        return {}
    text = with_focus_nodes(text, focus)
    if text is None:
        return {}
    result = target_graph.query(prepared.apply_prefixes(text),
                                initBindings={k: v for k, v in bindings.items() if k != "this"})
    this = rdflib.Variable("this")
    rows = {node: [] for node in focus}
    for row in result.bindings:
        rows[row[this]].append(row)
    return {node: _Rows(result.vars, found) for node, found in rows.items()}


#: A projection of plain variables, $this among them, and no FROM.
_PLAIN_SELECT = re.compile(r"\s*SELECT\s+(?:DISTINCT\s+)?(?:[?$]\w+\s+)*?[?$]this\s+(?:[?$]\w+\s+)*(?:WHERE\s*)?",
                           re.IGNORECASE)
_EXISTS = re.compile(r"EXISTS\s*$", re.IGNORECASE)


def with_focus_nodes(text: str, focus: list) -> str | None:
    """The SELECT query `text` with $this bound to each of the focus nodes by a VALUES block at the
    start of its WHERE group, or None when that could answer otherwise than one query per node.

    SHACL pre-binds $this by substitution. A VALUES block at the start of the group binds $this
    before every triple pattern, FILTER (EXISTS included: it is evaluated for each solution,
    its variables substituted) and BIND of that group, which then see what substitution gives
    them. A nested group (OPTIONAL, UNION, GRAPH, a sub-SELECT, a plain { }) would be evaluated
    without it, and a solution modifier (GROUP BY, an aggregate, LIMIT) would act across focus
    nodes: so the group may hold no braces but those of EXISTS, nothing may follow it, and the
    projection must be plain variables with $this among them (the rows are told apart by it).
    """
    masked = blank_opaque(text)
    start = masked.find("{")
    if start < 0 or not _PLAIN_SELECT.fullmatch(masked[:start]):
        return None
    depth, end = 0, None
    for at in range(start, len(masked)):
        if masked[at] == "{":
            if depth == 1 and not _EXISTS.search(masked[start + 1:at]):
                return None
            depth += 1
        elif masked[at] == "}":
            depth -= 1
            if depth == 0:
                end = at
                break
    if end is None or masked[end + 1:].strip():
        return None
    values = " ".join(node.n3() for node in focus)
    return f"{text[:start + 1]} VALUES $this {{ {values} }} {text[start + 1:]}"


def _reading_constraints(validate, replacements: dict):
    """pyshacl's Shape.validate, unchanged, but taking the constraint components it runs from
    pyshacl's map with `replacements`.

    Shape.validate finds its components in a map it keeps on its own module (the global name
    `module`, pyshacl.shape). The same code with that name bound to a namespace of ours reads
    our map, while pyshacl's module, and every other user of pyshacl in the process, are left
    as they are.
    """
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    components = {**CONSTRAINT_PARAMETERS_MAP, **replacements}
    own = SimpleNamespace(CONSTRAINT_PARAMS=(ALL_CONSTRAINT_PARAMETERS, components))
    return FunctionType(validate.__code__, {**validate.__globals__, "module": own}, validate.__name__,
                        validate.__defaults__, validate.__closure__)


class _Shape(Shape):
    """A pyshacl shape running _PropertyConstraint and _SPARQLConstraint."""

    __slots__ = ()  # as Shape's, so that _ShapesGraph can make pyshacl's shapes ours
    validate = _reading_constraints(Shape.validate, {SH.property: _PropertyConstraint,
                                                     SH.sparql: _SPARQLConstraint})


class _ShapesGraph(ShapesGraph):
    """pyshacl's shapes graph, its shapes being _Shape."""

    def _build_node_shape_cache(self):
        super()._build_node_shape_cache()
        for shape in self._node_shape_cache.values():
            shape.__class__ = _Shape


def data_graph(triples: Iterable[ox.Triple]) -> InMemoryData:
    data = ox.Store()
    data.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)  # in the default graph
    return InMemoryData(data)
