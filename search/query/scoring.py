"""BM25 over Whoosh query trees, evaluated on arrays of cached posting lists.

Whoosh scores a query by walking its matchers document by document in Python, which
costs tens of milliseconds for a common word on a large corpus — and a results page
needs every matching document anyway (totals, facet counts). Here each term's postings
are read once per index generation, a block at a time (`search.store.postings`), into
two arrays (documents, term frequencies), and a query tree is evaluated as whole-collection arrays: a boolean "matches" mask and a
score per document. The scores are those of Whoosh's `BM25F` (per-field BM25, query
boosts multiplied in; tests/test_scoring.py compares them), except that a term's document
frequency counts live documents only, where Whoosh also counts deleted ones until a merge.
The query types are those `search.query.language` builds; any other is an error.

Phrases are checked on cached positions, decoded only for the documents holding every
word of the phrase (a document holds the phrase when its words stand at consecutive
positions); each such document scores the sum of its words' scores.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q

from search.query.language import WordsWithChar
from search.store.postings import PositionLists, live_documents, read_positions, read_postings

K1 = 1.2
B = 0.75
CACHE_TERMS = 20_000
CACHE_POSITIONS = 2_000  # positions are larger and only phrases need them
# Scored subqueries kept, least recently used dropped first: 16 bytes a matched document,
# so a common word with its related terms at 1 GB (400,000 documents) takes 6 MB.
CACHE_SCORED_BYTES = 256 << 20
SPARSE = (Q.Term, WordsWithChar, Q.Phrase, Q.Or)  # scored as (documents, scores): see `Scorer._sparse`


@dataclass
class Matches:
    """Which documents a query matches (`mask`) and their scores (0 where not matched)."""
    mask: np.ndarray
    scores: np.ndarray


class Scorer:
    """Scores query trees against one generation of the index (thread-safe)."""

    def __init__(self, searcher_for_thread, doc_count: int, lengths: dict[str, np.ndarray]):
        self._searcher = searcher_for_thread  # a callable: this thread's Whoosh searcher
        self.n = doc_count
        self._lengths = lengths  # field → length per document
        # As Whoosh averages: the field's total length over all documents, file records
        # (which have no text) included, and 1 for an empty field.
        searcher = searcher_for_thread()
        self._avg = {f: searcher.avg_field_length(f) or 1.0 for f in lengths}
        self._live = live_documents(searcher.reader())
        self._postings: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._positions: dict[tuple[str, str], PositionLists] = {}
        self._scored: OrderedDict[Q.Query, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._scored_bytes = 0
        self._lock = threading.Lock()

    # -- cached postings -----------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, term frequencies) of one term, deletions excluded."""
        key = (fieldname, text)
        found = self._postings.get(key)
        if found is None:
            found = read_postings(self._searcher().reader(), fieldname, text, self._live)
            self._store(self._postings, key, found, CACHE_TERMS)
        return found

    def positions(self, fieldname: str, text: str) -> PositionLists:
        """The documents holding one term, and its token positions in each."""
        key = (fieldname, text)
        found = self._positions.get(key)
        if found is None:
            found = read_positions(self._searcher().reader(), fieldname, text, self._live)
            self._store(self._positions, key, found, CACHE_POSITIONS)
        return found

    def _store(self, cache: dict, key, value, limit: int) -> None:
        with self._lock:
            if len(cache) >= limit:
                cache.clear()
            cache[key] = value

    def char_postings(self, q: WordsWithChar) -> tuple[np.ndarray, np.ndarray]:
        """The words holding one character as one term: their frequencies summed per document."""
        key = (q.fieldname, "\0" + q.char)  # cannot clash with a real term
        found = self._postings.get(key)
        if found is None:
            tf = np.zeros(self.n)
            for sub in q.subqueries:
                docs, tfs = self.postings(sub.fieldname, sub.text)
                tf[docs] += tfs  # documents are unique within one posting list
            docs = np.flatnonzero(tf)
            found = (docs, tf[docs])
            self._store(self._postings, key, found, CACHE_TERMS)
        return found

    def documents(self, fieldname: str, text: str) -> np.ndarray:
        return self.postings(fieldname, text)[0]

    # -- scoring -------------------------------------------------------------------

    def term(self, fieldname: str, docs: np.ndarray, tfs: np.ndarray, boost: float) -> Matches:
        return self._dense(docs, self._term_scores(fieldname, docs, tfs, boost))

    def _term_scores(self, fieldname: str, docs: np.ndarray, tfs: np.ndarray, boost: float) -> np.ndarray:
        """The BM25 score of each of `docs`, which hold the term `tfs` times."""
        if fieldname not in self._lengths:  # an ID field: matching is all there is
            return np.full(len(docs), float(boost))
        idf = math.log(max(self.n, 1) / (len(docs) + 1)) + 1.0
        lengths = self._lengths[fieldname][docs]
        return boost * idf * (K1 + 1) * tfs / (tfs + K1 * (1 - B) + K1 * B * lengths / self._avg[fieldname])

    def score(self, q: Q.Query) -> Matches:
        """The documents `q` matches, with their scores."""
        if isinstance(q, SPARSE):
            return self._dense(*self.scored(q))
        if isinstance(q, Q.And):
            parts = [self.score(sub) for sub in q.subqueries]
            if not parts:
                return self.none()
            mask = np.logical_and.reduce([p.mask for p in parts])
            return Matches(mask, sum(p.scores for p in parts) * mask * q.boost)
        if isinstance(q, Q.AndMaybe):
            required, optional = self.score(q.a), self.score(q.b)
            return Matches(required.mask, (required.scores + optional.scores * required.mask) * q.boost)
        if isinstance(q, Q.AndNot):
            kept, excluded = self.score(q.a), self.score(q.b)
            mask = kept.mask & ~excluded.mask
            return Matches(mask, kept.scores * mask * q.boost)
        # Scoring it as a plain match would rank it silently wrong: a new kind of query
        # built by the query language needs its own case here.
        raise TypeError(f"the scorer cannot score a {type(q).__name__} query")

    def scored(self, q: Q.Query) -> tuple[np.ndarray, np.ndarray]:
        """(documents, scores) of a term, a phrase or an Or of them, kept for the next query
        that holds it: a word and its related terms are one such Or, and the same words come
        back in query after query (医疗; 援疆 医疗; 医疗 filtered by year; the next page)."""
        with self._lock:
            found = self._scored.get(q)
            if found is not None:
                self._scored.move_to_end(q)
                return found
        found = self._sparse(q)
        for array in found:  # shared by every query that holds `q` from now on
            array.flags.writeable = False
        size = found[0].nbytes + found[1].nbytes
        with self._lock:
            if q not in self._scored:
                self._scored[q] = found
                self._scored_bytes += size
            while self._scored_bytes > CACHE_SCORED_BYTES and len(self._scored) > 1:
                _, (docs, scores) = self._scored.popitem(last=False)
                self._scored_bytes -= docs.nbytes + scores.nbytes
        return found

    @contextmanager
    def scoring_afresh(self):
        """Within, every subquery is scored again; after, the ones kept before are kept
        again (a benchmark times pages without them, and without cooling the next query)."""
        with self._lock:
            kept = self._scored, self._scored_bytes
            self._scored, self._scored_bytes = OrderedDict(), 0
        try:
            yield
        finally:
            with self._lock:
                self._scored, self._scored_bytes = kept

    def _sparse(self, q: Q.Query) -> tuple[np.ndarray, np.ndarray]:
        """(documents, scores) of `q`, for terms, phrases and their Ors: most of a query tree.

        A related-terms query is an Or of a dozen Ors of terms; scored as arrays over every
        document, each term and each sum would cost a pass over the whole collection. Here
        a term costs its postings, and an Or one pass; the sums are the same, in the same order.
        """
        if isinstance(q, Q.Term):
            docs, tfs = self.postings(q.fieldname, q.text)
            return docs, self._term_scores(q.fieldname, docs, tfs, q.boost)
        if isinstance(q, WordsWithChar):
            docs, tfs = self.char_postings(q)
            return docs, self._term_scores(q.fieldname, docs, tfs, q.boost)
        if isinstance(q, Q.Phrase):  # its documents score the sum of its words' scores
            docs = self.phrase_docs(q.fieldname, q.words)
            scores = np.zeros(len(docs))
            for word in q.words:
                word_docs, word_scores = self._sparse(Q.Term(q.fieldname, word, boost=q.boost))
                scores += word_scores[np.searchsorted(word_docs, docs)]
            return docs, scores
        # An Or
        mask, scores = np.zeros(self.n, dtype=bool), np.zeros(self.n)
        for sub in q.subqueries:
            if isinstance(sub, SPARSE):
                docs, sub_scores = self._sparse(sub)
            else:
                found = self.score(sub)
                docs = np.flatnonzero(found.mask)
                sub_scores = found.scores[docs]
            mask[docs] = True
            scores[docs] += sub_scores  # documents are unique within one part
        docs = np.flatnonzero(mask)
        return docs, scores[docs] * q.boost

    def _dense(self, docs: np.ndarray, scores: np.ndarray) -> Matches:
        mask, dense = np.zeros(self.n, dtype=bool), np.zeros(self.n)
        mask[docs] = True
        dense[docs] = scores
        return Matches(mask, dense)

    def none(self) -> Matches:
        return Matches(np.zeros(self.n, dtype=bool), np.zeros(self.n))

    def phrase_docs(self, fieldname: str, words: list[str]) -> np.ndarray:
        """Documents holding `words` at consecutive positions.

        Each word's positions in the documents holding every word, less the word's place
        in the phrase, are (document, start) keys: the phrase starts where all words share one.
        """
        docs = self.documents(fieldname, words[0])
        for word in words[1:]:
            docs = _common(docs, self.documents(fieldname, word))
        starts = None
        for place, word in enumerate(words):
            rows, positions = self.positions(fieldname, word).of(docs)
            keys = (rows << 32) + (positions + (len(words) - place))  # sorted; never negative
            starts = keys if starts is None else _common(starts, keys)
        found = np.zeros(len(docs), dtype=bool)
        found[starts >> 32] = True
        return docs[found]


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values found in both of two sorted arrays of distinct values."""
    if len(a) > len(b):
        a, b = b, a
    if not len(b):
        return a[:0]
    return a[b[np.minimum(np.searchsorted(b, a), len(b) - 1)] == a]
