"""Ingest stage: a file's bytes → decoded text, with clear errors for what cannot be read."""
from search.ingest.text import read_source

__all__ = ["read_source"]
