"""BM25 over Whoosh query trees, by dictionary arithmetic on cached posting lists.

Whoosh scores a query by walking its matchers document by document in Python, which
costs tens of milliseconds for a common word on a large corpus — and the results page
needs every matching document anyway (totals, facet counts). Here each term's postings
are read once per index generation into a {document: term frequency} dict, and the
tree is evaluated with dict and set operations: the same BM25 as Whoosh's `BM25F`
(per-field BM25, query boosts multiplied in), in a fraction of the time.

Phrases are checked on cached positions (a document holds the phrase when its words
stand at consecutive positions); each such document scores the sum of its words' scores.
"""
from __future__ import annotations

import math
import threading

from whoosh import query as Q

from search.query import WordsWithChar

K1 = 1.2
B = 0.75
CACHE_TERMS = 20_000


class Scorer:
    """Scores query trees against one generation of the index (thread-safe)."""

    def __init__(self, searcher_for_thread, doc_count: int, lengths: dict[str, list[int]]):
        self._searcher = searcher_for_thread  # a callable: this thread's Whoosh searcher
        self._n = max(doc_count, 1)
        self._lengths = lengths  # field → length per document
        self._avg = {f: (sum(ls) / max(sum(1 for x in ls if x), 1)) or 1.0 for f, ls in lengths.items()}
        self._postings: dict[tuple[str, str], dict[int, float]] = {}
        self._positions: dict[tuple[str, str], dict[int, list[int]]] = {}
        self._lock = threading.Lock()

    def postings(self, fieldname: str, text: str) -> dict[int, float]:
        """{document number: term frequency} for one term (deletions excluded)."""
        return self._cached(self._postings, fieldname, text, "weight")

    def positions(self, fieldname: str, text: str) -> dict[int, list[int]]:
        """{document number: token positions} for one term."""
        return self._cached(self._positions, fieldname, text, "positions")

    def _cached(self, cache: dict, fieldname: str, text: str, astype: str) -> dict:
        key = (fieldname, text)
        found = cache.get(key)
        if found is None:
            reader = self._searcher().reader()
            found = dict(reader.postings(fieldname, text).items_as(astype)) if key in reader else {}
            with self._lock:
                if len(cache) >= CACHE_TERMS:
                    cache.clear()
                cache[key] = found
        return found

    def char_postings(self, q) -> dict[int, float]:
        """{document: summed frequency} of the words holding one character (see WordsWithChar)."""
        key = (q.fieldname, "\0" + q.char)  # cannot clash with a real term
        found = self._postings.get(key)
        if found is None:
            found = {}
            for sub in q.subqueries:
                for d, tf in self.postings(sub.fieldname, sub.text).items():
                    found[d] = found.get(d, 0.0) + tf
            with self._lock:
                self._postings[key] = found
        return found

    def phrase_docs(self, fieldname: str, words: list[str]) -> set[int]:
        """Documents holding `words` at consecutive positions."""
        candidates = sorted((self.postings(fieldname, w).keys() for w in words), key=len)
        docs = set(candidates[0]).intersection(*candidates[1:])
        if not docs:
            return docs
        where = [self.positions(fieldname, w) for w in words]
        found = set()
        for d in docs:
            starts = set(where[0][d])
            for offset in range(1, len(words)):
                starts.intersection_update(p - offset for p in where[offset][d])
                if not starts:
                    break
            if starts:
                found.add(d)
        return found

    def term_scores(self, fieldname: str, text: str, boost: float, tfs=None) -> dict[int, float]:
        tfs = self.postings(fieldname, text) if tfs is None else tfs
        if not tfs or fieldname not in self._lengths:  # an ID field: matching is all there is
            return {d: boost for d in tfs}
        idf = math.log(self._n / (len(tfs) + 1)) + 1.0
        lengths, avg = self._lengths[fieldname], self._avg[fieldname]
        k = K1 * (1 - B)
        kb = K1 * B / avg
        factor = boost * idf * (K1 + 1)
        return {d: factor * tf / (tf + k + kb * lengths[d]) for d, tf in tfs.items()}

    def score(self, q: Q.Query) -> dict[int, float]:
        """{document number: score} for every document `q` matches."""
        if isinstance(q, Q.Term):
            return self.term_scores(q.fieldname, q.text, q.boost)
        if isinstance(q, WordsWithChar):
            return self.term_scores(q.fieldname, q.char, q.boost, self.char_postings(q))
        if isinstance(q, Q.Or):
            total: dict[int, float] = {}
            for sub in q.subqueries:
                for d, v in self.score(sub).items():
                    total[d] = total.get(d, 0.0) + v
            return _boosted(total, q.boost)
        if isinstance(q, Q.And):
            parts = sorted((self.score(sub) for sub in q.subqueries), key=len)
            if not parts:
                return {}
            common = set(parts[0]).intersection(*parts[1:])
            return _boosted({d: sum(p[d] for p in parts) for d in common}, q.boost)
        if isinstance(q, Q.AndMaybe):
            required, optional = self.score(q.a), self.score(q.b)
            return _boosted({d: v + optional.get(d, 0.0) for d, v in required.items()}, q.boost)
        if isinstance(q, Q.AndNot):
            excluded = self.score(q.b)
            return _boosted({d: v for d, v in self.score(q.a).items() if d not in excluded}, q.boost)
        if isinstance(q, Q.Phrase):
            total = {d: 0.0 for d in self.phrase_docs(q.fieldname, q.words)}
            for word in q.words:
                for d, v in self.term_scores(q.fieldname, word, q.boost).items():
                    if d in total:
                        total[d] += v
            return total
        return {d: 1.0 for d in q.docs(self._searcher())}


def _boosted(scores: dict[int, float], boost: float) -> dict[int, float]:
    if boost == 1.0:
        return scores
    return {d: v * boost for d, v in scores.items()}
