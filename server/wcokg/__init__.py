"""wco-kg: a knowledge graph of the World Customs Organization's technical work."""

__version__ = "0.1.0"
