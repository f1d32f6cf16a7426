"""Benchmarks for the briefing search engine: `make bench` (python -m benchmarks.run).

* `benchmarks.scaler` writes synthetic corpora of a given size from the sample corpus.
* `benchmarks.run` builds, queries, serves and compares them with SQLite FTS5 and tantivy.
"""
