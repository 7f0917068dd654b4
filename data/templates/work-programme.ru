# Completes the triples the CSVW metadata maps from a work-programme table (work-programme.csv-metadata.json):
# what a row states only through its place (which part, which column) becomes explicit, as in data/*.ttl.
PREFIX wco:     <https://w3id.org/wcokg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>

# Part I lists time-bound activities, Part II permanent ones.
INSERT { ?activity a wco:TimeBoundActivity } WHERE {
  ?activity wco:inProgrammePart ?part . FILTER(STRENDS(STR(?part), "/I"))
} ;
INSERT { ?activity a wco:PermanentActivity } WHERE {
  ?activity wco:inProgrammePart ?part . FILTER(STRENDS(STR(?part), "/II"))
} ;
# The deadline and status columns describe nodes of their own, tied to the activity of the row.
INSERT { ?deadline a wco:Deadline . ?activity wco:deadline ?deadline } WHERE {
  ?deadline wco:deadlineText|wco:earliestDate|wco:latestDate ?any .
  BIND(IRI(REPLACE(STR(?deadline), "/deadline/[^/]+$", "")) AS ?activity)
} ;
INSERT { ?report a wco:StatusReport ; wco:statusOf ?activity . ?activity wco:hasStatusReport ?report } WHERE {
  ?report wco:statusDate ?date .
  BIND(IRI(REPLACE(STR(?report), "/status/[^/]+$", "")) AS ?activity)
} ;
# Every node a row describes cites the row's source document.
INSERT { ?node dcterms:source ?source } WHERE {
  ?activity wco:inProgrammePart ?part ; dcterms:source ?source .
  ?activity wco:deadline|wco:hasStatusReport ?node .
}
