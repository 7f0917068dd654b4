"""The benchmark of wco-kg against Oxigraph server and rdflib-endpoint (see bench/README.md)."""
