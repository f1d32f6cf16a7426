"""Peers on the same items and the same tokens: SQLite FTS5 and tantivy.

Both get the items the real parser finds in the corpus, with title and body already cut by
our analyzer (`search.analysis.word_tokens`, precise tokens, space-joined), so the peers
and our engine see the same words; the peers only split on spaces. Queries go through our
query parser (`search.query.language.parse_query`) and are translated unit by unit: a
unit's pieces must all match (a run of single characters as one phrase), a quoted unit is
one phrase, -words exclude, filters restrict, and, like our Searcher, when every-word
matching finds fewer than `MIN_ALL_WORDS` items, any-word matching is used instead. A
results page is: the `DEFAULT_LIMIT` best (title weighted as ours is), highlights of title and body for
them, the total and counts per value of every facet of `search.vocabulary.FACETS` (each
facet's counts apply the *other* facets' filters, as our Searcher does).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from search.analysis import is_cjk, normalize, word_tokens
from search.analysis import query_words
from search.query.language import (CHARS_BOOST, RELATED_BOOST, TITLE_BOOST, normalize_filter, parse_query,
                                   related_terms)
from search.searcher import MIN_ALL_WORDS
from search.vocabulary import DEFAULT_LIMIT, FACET_NAMES, FACETS


@dataclass
class PeerItem:
    id: str
    title: str
    body: str
    facets: dict[str, str]
    date: str
    tok_title: str = ""
    tok_body: str = ""
    sub_title: str = ""  # dictionary words inside longer tokens (our index puts them at the
    sub_body: str = ""  # parent's position; the peers get them in a column of their own)
    tok_chars: str = ""


def load_items(corpus: Path) -> list[PeerItem]:
    """The items of every file under `corpus`, as the real parser reads them."""
    from search.index.build import find_sources
    from search.store import item_id
    from search.pipeline import read_document

    sources, _ = find_sources(corpus)
    items = []
    for source in sources:
        doc = read_document(corpus / source, source)
        for it in doc.items:
            items.append(PeerItem(
                id=item_id(source, it.ordinal),
                title="\n".join(t for t in (it.title, it.subtitle) if t),
                body=it.body,
                facets={f.name: f.value_of(doc, it) or "" for f in FACETS},
                date=doc.date or ""))
    return items


def _split_tokens(text: str) -> tuple[str, str]:
    """(precise tokens, sub-words) of `text`, each space-joined, as our index sees them."""
    precise, subs, last = [], [], -1
    for word, pos, _, _ in word_tokens(text, subwords=True):
        if pos != last:
            precise.append(word)
            last = pos
        else:
            subs.append(word)
    return " ".join(precise), " ".join(subs)


def tokenize_items(items: list[PeerItem], with_chars: bool) -> float:
    """Fill in the pre-tokenised text; returns the seconds it took."""
    started = time.perf_counter()
    for it in items:
        it.tok_title, it.sub_title = _split_tokens(it.title)
        it.tok_body, it.sub_body = _split_tokens(it.body)
        if with_chars:
            it.tok_chars = " ".join(c for c in normalize(f"{it.title}\n{it.body}") if is_cjk(c))
    return time.perf_counter() - started


# ---------------------------------------------------------------------------- queries

@dataclass
class PeerQuery:
    # unit → pieces → alternatives → words: a piece matches when one of its alternatives
    # (its words side by side, or a related term's) does; every piece of a unit must match.
    units: list[list[list[list[str]]]]
    unit_fields: list[str | None]
    excluded: list[tuple[list[str], str | None]]
    filters: dict[str, list[str]]


def translate(q: str, filters: dict[str, list[str]]) -> PeerQuery:
    from search.query.language import _pieces  # the same grouping of single characters as ours

    parsed = parse_query(q)
    merged: dict[str, list[str]] = {}
    for source in (filters, parsed.filters):
        for f, vs in source.items():
            for v in vs:
                v = normalize_filter(f, v)
                if v not in merged.setdefault(f, []):
                    merged[f].append(v)
    def alternatives(words: list[str]) -> list[list[str]]:
        alts = [words]
        for alt in related_terms().get("".join(words), ()):
            if query_words(alt):
                alts.append(query_words(alt))
        return alts

    units = []
    for u in parsed.units:
        if u.exact:
            units.append([[u.words]])
            continue
        # As ours: each piece with its related terms; the whole chunk's related terms
        # are an alternative way to match the whole unit, approximated per piece.
        pieces = [alternatives(p) for p in _pieces(u.words)]
        if len(pieces) > 1:
            whole = alternatives(u.words)[1:]
            pieces = [p + whole for p in pieces]
        units.append(pieces)
    return PeerQuery(units, [u.field for u in parsed.units],
                     [(u.words, u.field) for u in parsed.excluded], merged)


def _fields(field: str | None) -> tuple[str, ...]:
    return (field,) if field else ("title", "body")


# ---------------------------------------------------------------------------- SQLite FTS5

class Fts5:
    name = "sqlite-fts5"

    def __init__(self, path: Path, with_chars: bool):
        self.path = path
        self.with_chars = with_chars
        self.db: sqlite3.Connection | None = None

    def build(self, items: list[PeerItem]) -> float:
        if self.path.exists():
            self.path.unlink()
        started = time.perf_counter()
        db = sqlite3.connect(self.path)
        cols = "title, body, sub_title, sub_body" + (", chars" if self.with_chars else "")
        facet_columns = ", ".join(f'"{f}" TEXT' for f in FACET_NAMES)
        db.executescript(f"""
            PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
            CREATE TABLE meta(id INTEGER PRIMARY KEY, item TEXT, {facet_columns}, date TEXT, title TEXT, body TEXT);
            CREATE VIRTUAL TABLE fts USING fts5({cols},
                tokenize="unicode61 categories 'L* N* Co M* P* S*'");
        """)
        db.executemany(f"INSERT INTO meta VALUES ({','.join('?' * (len(FACET_NAMES) + 5))})",
                       [(n, it.id, *(it.facets[f] for f in FACET_NAMES), it.date, it.title, it.body)
                        for n, it in enumerate(items, 1)])
        rows = [(n, it.tok_title, it.tok_body, it.sub_title, it.sub_body) + ((it.tok_chars,) if self.with_chars else ())
                for n, it in enumerate(items, 1)]
        db.executemany(f"INSERT INTO fts(rowid, {cols}) VALUES (?,?,?,?,?{',?' if self.with_chars else ''})", rows)
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.commit()
        db.close()
        return time.perf_counter() - started

    def size(self) -> int:
        return self.path.stat().st_size

    def open(self):
        self.db = sqlite3.connect(self.path, check_same_thread=False)

    @staticmethod
    def _phrase(words: list[str]) -> str:
        return '"' + " ".join(w.replace('"', '""') for w in words) + '"'

    def _literal(self, words: list[str], field: str | None) -> str:
        cols = _fields(field) + (tuple(f"sub_{f}" for f in _fields(field)) if len(words) == 1 else ())
        expr = "{" + " ".join(cols) + "} : " + self._phrase(words)
        if self.with_chars and len(words) == 1 and len(words[0]) == 1 and is_cjk(words[0]):
            expr = f"({expr} OR chars : {self._phrase(words)})"
        return expr

    def _match(self, pq: PeerQuery, any_word: bool) -> str:
        units = ["(" + " AND ".join("(" + " OR ".join(self._literal(a, f) for a in alts) + ")" for alts in pieces)
                 + ")" for pieces, f in zip(pq.units, pq.unit_fields)]
        expr = "(" + (" OR " if any_word else " AND ").join(units) + ")"
        if pq.excluded:
            expr += " NOT (" + " OR ".join(self._literal(w, f) for w, f in pq.excluded) + ")"
        return expr

    @staticmethod
    def _where(filters: dict[str, list[str]], skip: str | None = None) -> tuple[str, list]:
        sql, args = "", []
        for f, vs in filters.items():
            if f == skip:
                continue
            sql += f' AND m."{f}" IN ({",".join("?" * len(vs))})'
            args += vs
        return sql, args

    def _count(self, match: str, filters) -> int:
        where, args = self._where(filters)
        return self.db.execute(f"SELECT count(*) FROM fts JOIN meta m ON m.id = fts.rowid "
                               f"WHERE fts MATCH ?{where}", [match, *args]).fetchone()[0]

    def page(self, q: str, filters: dict, facets: bool = True, highlights: bool = True) -> dict:
        pq = translate(q, filters)
        if not pq.units:
            return {"total": 0, "hits": [], "facets": {}}
        match = self._match(pq, any_word=False)
        total = self._count(match, pq.filters)
        if total < MIN_ALL_WORDS and len(pq.units) > 1:
            wider = self._match(pq, any_word=True)
            wider_total = self._count(wider, pq.filters)
            if wider_total > total:
                match, total = wider, wider_total
        where, args = self._where(pq.filters)
        weights = f"{TITLE_BOOST}, 1.0, {TITLE_BOOST}, 1.0" + (f", {CHARS_BOOST}" if self.with_chars else "")
        extra = (", highlight(fts, 0, '<mark>', '</mark>'), snippet(fts, 1, '<mark>', '</mark>', '…', 32)"
                 if highlights else "")
        hits = self.db.execute(
            f"SELECT m.item, bm25(fts, {weights}) AS r{extra} FROM fts JOIN meta m ON m.id = fts.rowid "
            f"WHERE fts MATCH ?{where} ORDER BY r LIMIT {DEFAULT_LIMIT}", [match, *args]).fetchall()
        counts = {}
        if facets:
            for f in FACET_NAMES:
                w, a = self._where(pq.filters, skip=f)
                counts[f] = dict(self.db.execute(
                    f'SELECT m."{f}", count(*) FROM fts JOIN meta m ON m.id = fts.rowid '
                    f'WHERE fts MATCH ?{w} GROUP BY 1', [match, *a]).fetchall())
        return {"total": total, "hits": hits, "facets": counts}


# ---------------------------------------------------------------------------- tantivy

class Tantivy:
    name = "tantivy"

    def __init__(self, path: Path, with_chars: bool, threads: int = 1):
        import tantivy

        self.t = tantivy
        self.path = path
        self.with_chars = with_chars
        self.threads = threads
        b = tantivy.SchemaBuilder()
        b.add_text_field("item", stored=True, tokenizer_name="raw")
        b.add_text_field("title", stored=True, tokenizer_name="whitespace")
        b.add_text_field("body", stored=True, tokenizer_name="whitespace")
        b.add_text_field("sub_title", tokenizer_name="whitespace", index_option="freq")
        b.add_text_field("sub_body", tokenizer_name="whitespace", index_option="freq")
        if with_chars:
            b.add_text_field("chars", tokenizer_name="whitespace", index_option="freq")
        for f in FACET_NAMES + ("date",):
            b.add_text_field(f, stored=True, fast=True, tokenizer_name="raw")
        self.schema = b.build()
        self.index = None
        self.searcher = None

    def build(self, items: list[PeerItem]) -> float:
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True)
        started = time.perf_counter()
        index = self.t.Index(self.schema, path=str(self.path))
        writer = index.writer(heap_size=256_000_000, num_threads=self.threads)
        for it in items:
            fields = {"item": it.id, "title": it.tok_title, "body": it.tok_body, "sub_title": it.sub_title,
                      "sub_body": it.sub_body, "date": it.date}
            if self.with_chars:
                fields["chars"] = it.tok_chars
            fields.update({f: it.facets[f] for f in FACET_NAMES})
            writer.add_document(self.t.Document(**fields))
        writer.commit()
        writer.wait_merging_threads()
        return time.perf_counter() - started

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def open(self):
        self.index = self.t.Index.open(str(self.path))
        self.index.reload()
        self.searcher = self.index.searcher()

    def _literal(self, words: list[str], field: str | None):
        Q, Occur = self.t.Query, self.t.Occur
        parts = []
        for f in _fields(field) + (tuple(f"sub_{f}" for f in _fields(field)) if len(words) == 1 else ()):
            q = Q.term_query(self.schema, f, words[0]) if len(words) == 1 else Q.phrase_query(self.schema, f, words)
            parts.append(Q.boost_query(q, TITLE_BOOST) if f.endswith("title") else q)
        if self.with_chars and len(words) == 1 and len(words[0]) == 1 and is_cjk(words[0]):
            parts.append(Q.boost_query(Q.term_query(self.schema, "chars", words[0]), CHARS_BOOST))
        return parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Should, p) for p in parts])

    def _query(self, pq: PeerQuery, any_word: bool, skip: str | None = None, text: bool = True):
        Q, Occur = self.t.Query, self.t.Occur
        def either(alts, f):
            lits = [self._literal(a, f) if n == 0 else Q.boost_query(self._literal(a, f), RELATED_BOOST)
                    for n, a in enumerate(alts)]
            return lits[0] if len(lits) == 1 else Q.boolean_query([(Occur.Should, x) for x in lits])

        units = [Q.boolean_query([(Occur.Must, either(alts, f)) for alts in pieces])
                 for pieces, f in zip(pq.units, pq.unit_fields)]
        clauses = [(Occur.Should if any_word else Occur.Must, u) for u in units]
        if any_word:
            clauses = [(Occur.Must, Q.boolean_query(clauses))]
        clauses += [(Occur.MustNot, self._literal(w, f)) for w, f in pq.excluded]
        for f, vs in pq.filters.items():
            if f == skip:
                continue
            terms = Q.term_set_query(self.schema, f, vs)
            clauses.append((Occur.Must, Q.const_score_query(terms, 0.0)))
        return Q.boolean_query(clauses)

    def page(self, q: str, filters: dict, facets: bool = True, highlights: bool = True) -> dict:
        pq = translate(q, filters)
        if not pq.units:
            return {"total": 0, "hits": [], "facets": {}}
        s = self.searcher
        any_word = False
        query = self._query(pq, False)
        result = s.search(query, limit=DEFAULT_LIMIT, count=True)
        if result.count < MIN_ALL_WORDS and len(pq.units) > 1:
            wider = self._query(pq, True)
            wider_result = s.search(wider, limit=DEFAULT_LIMIT, count=True)
            if wider_result.count > result.count:
                any_word, query, result = True, wider, wider_result
        hits = []
        if highlights and result.hits:
            gens = [self.t.SnippetGenerator.create(s, query, self.schema, f) for f in ("title", "body")]
            for _, addr in result.hits:
                doc = s.doc(addr)
                hits.append((doc["item"][0], *(g.snippet_from_doc(doc).to_html() for g in gens)))
        else:
            hits = [s.doc(addr)["item"][0] for _, addr in result.hits]
        counts = {}
        if facets:
            if not pq.filters:
                aggs = {f: {"terms": {"field": f, "size": 100_000}} for f in FACET_NAMES}
                out = s.aggregate(query, aggs)
                counts = {f: {b["key"]: b["doc_count"] for b in out[f]["buckets"]} for f in FACET_NAMES}
            else:
                for f in FACET_NAMES:
                    qf = self._query(pq, any_word, skip=f) if f in pq.filters else query
                    out = s.aggregate(qf, {f: {"terms": {"field": f, "size": 100_000}}})
                    counts[f] = {b["key"]: b["doc_count"] for b in out[f]["buckets"]}
        return {"total": result.count, "hits": hits, "facets": counts}


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
