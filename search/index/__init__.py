"""Index stage: bring an on-disk index up to date with a folder of source files.

`build` orchestrates a run (scan, workers, one atomic commit); `workers` read, parse,
enrich and index files in child processes; `segment` writes their segments and holds every
use of Whoosh's private writer internals.
"""
from search.index.build import IndexLocked, IndexSummary, build_index

__all__ = ["IndexLocked", "IndexSummary", "build_index"]
