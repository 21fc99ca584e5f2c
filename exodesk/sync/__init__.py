"""Talking to PubMed E-utilities, Crossref and Europe PMC. Every HTTP call of exodesk lives
in this package, and nothing here knows about Qt."""
