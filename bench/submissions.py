"""Timing what a submission costs against a built store: SHACL validation, then inference.

Validation goes through wcokg.validation.validate_submission with the store, the way a
submission is checked before it is accepted (the submission's nodes are the focus; the
store's asserted graphs are there for sh:class and the like). The inference figure is what
an ingest does after a one-activity submission: the entailments of the addition
(wcokg.reasoning.entailments_of_addition) written with the submission in one transaction, in a
process that has closed the ontology before (as a server has). A full, cold
wcokg.reasoning.refresh (what a withdrawal or a build does) is given too.
"""
from __future__ import annotations

import time
from dataclasses import replace

import pyoxigraph as ox

from wcokg import reasoning
from wcokg.config import Settings
from wcokg.rdf_io import rebase
from wcokg.store import INFERRED, SUBMISSION_PREFIX, Store
from wcokg.validation import ValidationFailure, validate_submission

from . import generator


def _triples(activities: int, seed: int, settings: Settings, reference_triples: int) -> list[ox.Triple]:
    text, _ = generator.submission(activities, seed=activities, reference_seed=seed,
                                   reference_triples=reference_triples)
    quads = rebase(ox.parse(text, format=ox.RdfFormat.TURTLE), settings.base)
    return [q.triple for q in quads]


def _timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def measure(settings: Settings, seed: int, reference_triples: int = 100_000, timeout: float | None = None) -> dict:
    """The submission figures; a validation past `timeout` seconds is given as None, with the limit."""
    if timeout is not None:
        settings = replace(settings, validation_timeout=timeout)
    store = Store(settings)
    out = {}
    for activities, key in ((1, "validate_1_activity_s"), (1000, "validate_1000_activities_s")):
        triples = _triples(activities, seed, settings, reference_triples)
        try:
            elapsed, report = _timed(lambda: validate_submission(triples, settings, store=store))
        except ValidationFailure as err:
            out[key], out[key.replace("_s", "_failure")] = None, str(err)
            continue
        out[key] = round(elapsed, 3)
        out[key.replace("_s", "_conforms")] = report.conforms
    # Cold: the first refresh of a process, owlrl closing the ontology included. Warm: a server
    # process that has closed it once (reasoning caches the closure), as after every later submission.
    out["inference_refresh_100k_cold_s"] = round(_timed(lambda: reasoning.refresh(store))[0], 3)
    one = {(t.subject, t.predicate, t.object) for t in _triples(1, seed, settings, reference_triples)}
    tbox = reasoning.ontology_closure(store)

    def ingest():
        entailed = reasoning.entailments_of_addition(store, one, tbox)
        store.apply({store.graph(SUBMISSION_PREFIX + "bench"): one, store.graph(INFERRED): entailed})

    out["inference_refresh_100k_s"] = round(_timed(ingest)[0], 3)
    store.close()
    return out
