"""Searching the index: ranked, filtered, faceted and highlighted results, and the views
that open an item in the context of its source issue.

One `Searcher` per process. It follows the index: when an indexing run commits, the next
request sees the new generation, without a restart. Whoosh searchers read files through
shared handles, so each thread gets its own searcher over the same generation, while
the per-document facet values are loaded once per generation and shared.

Every method returns plain JSON-ready data: the CLI prints it, the web app renders it and
its API returns it unchanged.
"""
from __future__ import annotations

import heapq
import math
import os
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
from whoosh import query as Q

from search.analysis import is_cjk, segmenter, word_tokens
from search.errors import NotFound, SearchError
from search.query.facets import facet_counts
from search.store.columns import Columns, load_for
from search.query.highlight import compile_terms, find_spans, highlight, snippets
from search.original import PAGED_FORMATS, Originals
from search.pages import line_regions
from search.store import (TOKEN_STAMP, analysis_stamp, file_id, file_key, index_exists, open_index, read_stamp,
                          stamp_change, unpack_texts)
from search.query.language import QueryError, compile_query, normalize_filter, parse_query
from search.store.schema import FILE, ITEM
from search.query.scoring import Matches, Scorer
from search.vocabulary import (BRIEFING, DEFAULT_LIMIT, DEFAULT_SORT, DOC_TYPE_LABELS, FACET_NAMES, FILE_ID_PREFIX, KIND_LABELS,
                               MAX_DEPTH, MAX_LIMIT, NEWEST, RELEVANCE, SORTS, facet_value_label, issue_label)

RELATED_TERMS = 12  # words of an item that find its related items
RELATED_CACHE = 5000
TEXT_CACHE = 256  # source files kept decompressed
MIN_ALL_WORDS = 10  # fewer items holding every word: also show items holding some of them
REFRESH_EVERY = 0.5  # seconds between checks for a new index generation


@dataclass
class Generation:
    """What is shared by all threads for one generation of the index."""
    number: int
    ix: object
    columns: Columns
    local: threading.local = field(default_factory=threading.local)
    _char_words: dict = field(default_factory=dict)
    _char_lock: threading.Lock = field(default_factory=threading.Lock)
    related: dict = field(default_factory=dict)  # docnum → related items, computed on demand
    _texts: dict = field(default_factory=dict)  # source → (text, bodies), recently used
    _issues: list | None = None
    _sources: dict | None = None  # file id → source

    def __post_init__(self):
        self.scorer = Scorer(self.searcher, self.columns.n, self.columns.lengths)

    def searcher(self):
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = self.ix.searcher()
        return s

    def texts(self, source: str) -> tuple[str, list[str]]:
        """A source file's text and its items' bodies."""
        found = self._texts.get(source)
        if found is None:
            s = self.searcher()
            docnum = s.document_number(id=file_id(source))
            if docnum is None:
                raise NotFound(f"no source {source!r}")
            found = unpack_texts(s.stored_fields(docnum)["text"])
            if len(self._texts) >= TEXT_CACHE:
                self._texts.clear()
            self._texts[source] = found
        return found

    def source_of(self, key: str) -> str:
        """The source whose file key is `key` (`search.store.file_key`)."""
        if self._sources is None:
            self._sources = {file_key(src): src for src in self.columns.values["source"] if src}
        source = self._sources.get(key)
        if source is None:
            raise NotFound(f"no file {key!r}")
        return source

    def body(self, docnum: int, stored: dict | None = None) -> str:
        stored = stored or self.searcher().stored_fields(docnum)
        return self.texts(self.columns.value("source", docnum))[1][stored["meta"]["ordinal"] - 1]

    def summary(self, docnum: int, stored: dict | None = None) -> dict:
        """An item's metadata: its stored display fields and its column values."""
        stored = stored or self.searcher().stored_fields(docnum)
        meta, value = stored["meta"], self.columns.value
        kind, issue, year = value("kind", docnum), value("issue", docnum), value("year", docnum)
        source = value("source", docnum)
        pages = meta.get("pages")
        out = {
            "id": stored["id"], "kind": kind, "kind_label": KIND_LABELS.get(kind),
            "title": meta["title"], "subtitle": meta.get("subtitle"),
            "toc_title": meta.get("toc_title", meta["title"]),
            "group": value("group", docnum), "locality": value("locality", docnum),
            "issue": issue, "issue_label": issue_label(issue), "year": int(year) if year else None,
            "date": value("date", docnum), "source": source, "file_key": file_key(source),
            "ordinal": meta["ordinal"],
            "span": dict(zip(("start", "end", "line_start", "line_end"), meta["span"])),
            "pages": {"first": pages[0], "last": pages[1]} if pages else None,
            "ocr_confidence": meta.get("ocr"),
        }
        for name in FACET_NAMES:  # any facet without a field of its own above
            out.setdefault(name, value(name, docnum))
        return out

    def words_containing(self, fieldname: str, ch: str) -> list[str]:
        """Indexed words of `fieldname` that hold the character `ch`.

        Built from the lexicon on the first single-character query of this generation,
        so start-up stays fast and the index needs no per-character postings.
        """
        table = self._char_words.get(fieldname)
        if table is None:
            with self._char_lock:
                table = self._char_words.get(fieldname)
                if table is None:
                    table = defaultdict(list)
                    for term in self.searcher().reader().lexicon(fieldname):
                        word = term.decode("utf-8") if isinstance(term, bytes) else term
                        if len(word) > 1:
                            for c in set(word):
                                if is_cjk(c):
                                    table[c].append(word)
                    self._char_words[fieldname] = table
        return table.get(ch, [])


class Searcher:
    def __init__(self, index_dir: str | os.PathLike):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._checked = 0.0
        self.originals = Originals(self.index_dir)
        self._current()  # fail now, with a message, if there is no index

    # -- generations ---------------------------------------------------------------

    def _current(self) -> Generation:
        now = time.monotonic()
        gen = self._gen
        if gen is not None and now - self._checked < REFRESH_EVERY:
            return gen
        with self._lock:
            self._checked = now
            if self._gen is None or self._gen.ix.latest_generation() != self._gen.number:
                self._gen = self._load()
            return self._gen

    def _load(self) -> Generation:
        try:
            return self._read_generation()
        except SearchError:
            raise
        except Exception as exc:  # written by another version of the schema or the analysis
            raise SearchError(f"{self.index_dir}: the index cannot be read ({type(exc).__name__}: "
                              f"{exc}); rebuild it with `python -m search index --rebuild`") from exc

    def _read_generation(self) -> Generation:
        segmenter()  # Jieba's dictionary, loaded once per process before the first query
        if index_exists(self.index_dir):  # checked before Whoosh unpickles what another version wrote
            change = stamp_change(read_stamp(self.index_dir), analysis_stamp(), TOKEN_STAMP)
            if change:
                raise SearchError(f"{self.index_dir}: {change}; `python -m search index` rebuilds it")
        ix = open_index(self.index_dir, create=False)
        with ix.reader() as reader:
            return Generation(reader.generation(), ix, load_for(reader, self.index_dir))

    # -- search --------------------------------------------------------------------

    def search(self, q: str = "", filters: dict[str, list[str]] | None = None,
               sort: str = DEFAULT_SORT, page: int = 1, limit: int = DEFAULT_LIMIT) -> dict:
        """Ranked hits for one results page, with facet counts over the whole result set."""
        started = time.perf_counter()
        parsed = parse_query(q or "")
        active = _merge_filters(filters, parsed.filters)
        if sort not in SORTS:
            raise QueryError(f"未知的排序方式 {sort!r}（可用：{', '.join(SORTS)}）/ unknown sort {sort!r}")
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"每页条数应在 1 到 {MAX_LIMIT} 之间 / limit must be 1..{MAX_LIMIT}")
        if page < 1 or (page - 1) * limit >= MAX_DEPTH:
            raise QueryError(f"页码超出范围（最多可翻到第 {MAX_DEPTH} 条结果）/ page out of range")

        gen = self._current()
        compiled = None if parsed.empty else compile_query(parsed, gen.words_containing)
        if compiled is None:
            tiers = [Q.Term("rec", ITEM)]
            if sort == RELEVANCE:
                sort = NEWEST  # nothing to rank by: show the latest first
        else:
            tiers = [compiled.all_words()]
            if len(parsed.units) > 1:
                tiers.append(compiled.any_word())

        columns = gen.columns
        scored = [gen.scorer.score(tiers[0])]
        if len(tiers) > 1 and np.count_nonzero(scored[0].mask & columns.filter_mask(active)) < MIN_ALL_WORDS:
            scored.append(gen.scorer.score(tiers[1]))
        relaxed = bool(len(scored) > 1 and scored[1].mask.sum() > scored[0].mask.sum())

        facets, facet_sizes, selected = facet_counts(columns, scored[-1].mask, active)
        total = int(selected.sum())
        offset = (page - 1) * limit
        if sort == RELEVANCE:
            ranked = _rank(scored, selected, offset + limit)
        else:
            ranked = [(int(d), None) for d in columns.chronological(selected, sort == NEWEST)[:offset + limit]]
        pattern = compile_terms(compiled.highlights) if compiled else None
        hits = [self._hit(gen, d, score, pattern) for d, score in ranked[offset:offset + limit]]
        return {
            "query": q or "", "filters": active, "sort": sort, "page": page, "limit": limit,
            "total": total, "pages": -(-min(total, MAX_DEPTH) // limit), "relaxed": relaxed,
            "terms": compiled.highlights if compiled else [],
            "took_ms": round((time.perf_counter() - started) * 1000, 1),
            "hits": hits, "facets": facets, "facet_sizes": facet_sizes,
        }

    def _hit(self, gen: Generation, docnum: int, score, pattern) -> dict:
        stored = gen.searcher().stored_fields(docnum)
        meta = stored["meta"]
        body = gen.body(docnum, stored)
        out = gen.summary(docnum, stored)
        out.update(body=body, score=score, highlights={
            "title": highlight(meta["title"], pattern),
            "subtitle": highlight(meta["subtitle"], pattern) if meta.get("subtitle") else None,
            "body": snippets(body, pattern),
        })
        return out

    # -- items in context ----------------------------------------------------------

    def item(self, item_id: str, q: str = "") -> dict:
        """One item whole, with its issue's contents, its neighbours, related items and source."""
        gen = self._current()
        s = gen.searcher()
        docnum = s.document_number(id=item_id)
        if docnum is None or item_id.startswith(FILE_ID_PREFIX):
            raise NotFound(f"no item {item_id!r}")
        stored = s.stored_fields(docnum)
        pattern = None
        if q:
            try:
                parsed = parse_query(q)
                pattern = None if parsed.empty else compile_terms(compile_query(parsed).highlights)
            except QueryError:
                pattern = None  # the item still opens; only the marks are lost
        body = gen.body(docnum, stored)
        meta = stored["meta"]
        out = gen.summary(docnum, stored)
        record = self._file_record(s, out["source"])
        text = gen.texts(out["source"])[0]
        contents = _contents(record)
        position = next(i for i, c in enumerate(contents) if c["id"] == item_id)
        span = out["span"]
        out.update(
            body=body,
            highlights={"title": highlight(meta["title"], pattern),
                        "subtitle": highlight(meta["subtitle"], pattern) if meta.get("subtitle") else None,
                        "body": highlight(body, pattern)},
            document=_document_header(record),
            contents=contents,
            previous=contents[position - 1] if position > 0 else None,
            next=contents[position + 1] if position + 1 < len(contents) else None,
            related=self._related(gen, docnum, body),
            original=_original(record, span, meta.get("pages")),
            source_text={"text": text, "before": text[:span["start"]],
                         "span": text[span["start"]:span["end"]], "after": text[span["end"]:],
                         "matches": find_spans(text[span["start"]:span["end"]], pattern)},
        )
        return out

    def _related(self, gen: Generation, docnum: int, body: str, top: int = 5) -> list[dict]:
        """More like this: items sharing the body's most telling words (tf·idf), best first."""
        found = gen.related.get(docnum)
        if found is None:
            s = gen.searcher()
            reader, n = s.reader(), gen.columns.n
            counts = Counter(w for w, *_ in word_tokens(body, subwords=False) if len(w) > 1)
            telling = []
            for word, tf in counts.items():
                df = reader.doc_frequency("body", word)
                if df > 1:  # a word only this item has relates it to nothing
                    telling.append((tf * math.log(n / df), word))
            words = [w for _, w in heapq.nlargest(RELATED_TERMS, telling)]
            matches = gen.scorer.score(Q.Or([Q.Term(f, w) for w in words for f in ("title", "body")]))
            matches.mask[docnum] = False
            best = _rank([matches], matches.mask, top)
            found = [gen.summary(d) for d, _ in best]
            if len(gen.related) > RELATED_CACHE:
                gen.related.clear()
            gen.related[docnum] = found
        return found

    @staticmethod
    def _file_record(s, source: str) -> dict:
        docnum = s.document_number(id=file_id(source))
        if docnum is None:
            raise NotFound(f"no source {source!r}")
        return s.stored_fields(docnum)

    # -- originals -----------------------------------------------------------------

    def file(self, key: str) -> dict:
        """An indexed file by its id: its header, format and pages (without line boxes)."""
        gen = self._current()
        record = self._file_record(gen.searcher(), gen.source_of(key))
        return _document_header(record) | _original(record, None, None) | {
            "items": _contents(record)}

    def open_original(self, key: str):
        """The indexed file `key`, open and checked (`search.original.OpenedOriginal`)."""
        gen = self._current()
        record = self._file_record(gen.searcher(), gen.source_of(key))
        return self.originals.open(record["meta"]["source"], record["sha256"], record["meta"].get("encoding"))

    def page_image(self, key: str, number: int) -> bytes:
        """Page `number` of the indexed file `key` as PNG."""
        gen = self._current()
        record = self._file_record(gen.searcher(), gen.source_of(key))
        meta = record["meta"]
        if not 1 <= number <= len(meta.get("pages") or ()):
            raise NotFound(f"no page {number} in {key!r}")
        return self.originals.page_image(meta["source"], record["sha256"], meta.get("format", "text"), number)

    def issues(self) -> list[dict]:
        """Every indexed document: briefings newest first, then other texts by name.

        `title` is what a list of documents shows: a briefing's series and issue, another
        text's headline (its first item), or, without either, the file name."""
        gen = self._current()
        if gen._issues is None:
            docs = []
            for record in gen.searcher().documents(rec=FILE):
                header, items = _document_header(record), record["meta"]["items"]
                if header["issue"]:
                    title = f"{header['series'] or DOC_TYPE_LABELS[BRIEFING]} {header['issue_label']}"
                else:
                    title = items[0]["title"] if items else header["source"]
                docs.append(header | {"title": title, "items": len(items),
                                      "first_item": items[0]["id"] if items else None})
            gen._issues = sorted(docs, key=lambda d: (d["issue"] is None, _neg_key(d), d["source"]))
        return gen._issues

    def issue(self, key: str) -> dict:
        """A briefing issue reconstructed: header, contents and every item in order."""
        key = normalize_filter("issue", key)
        gen = self._current()
        s = gen.searcher()
        sources = sorted({gen.columns.value("source", int(d)) for d in gen.scorer.documents("issue", key)})
        if not sources:
            raise NotFound(f"no issue {key!r}")
        record = self._file_record(s, sources[0])
        items = []
        for entry in record["meta"]["items"]:
            docnum = s.document_number(id=entry["id"])
            items.append(gen.summary(docnum) | {"body": gen.body(docnum)})
        return _document_header(record) | {"items": items, "other_sources": sources[1:]}

    def group(self, name: str) -> dict:
        """A work group's items across all issues, newest first, with a count per issue."""
        name = normalize_filter("group", name)
        gen = self._current()
        mask = gen.scorer.score(Q.Term("group", name)).mask
        docs = gen.columns.chronological(mask, newest=True).tolist()
        if not docs:
            raise NotFound(f"no group {name!r}")
        per_issue = Counter(gen.columns.value("issue", d) or None for d in docs)
        return {
            "group": name, "total": len(docs),
            "issues": [{"value": k, "label": issue_label(k) or "其他", "count": n}
                       for k, n in sorted(per_issue.items(), key=lambda kv: kv[0] or "", reverse=True)],
            "localities": sorted({gen.columns.value("locality", d) for d in docs} - {""}),
            "items": [gen.summary(d) for d in docs],
        }

    def facet_values(self, facet: str) -> list[dict]:
        """All values of one facet with their item counts (e.g. the list of groups)."""
        gen = self._current()
        counts = gen.columns.counts(facet, gen.scorer.score(Q.Term("rec", ITEM)).mask)
        return [{"value": v, "label": facet_value_label(facet, v), "count": n}
                for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _neg_key(doc: dict):
    return (-(doc["year"] or 0), -(doc["issue_no"] or 0))


def _merge_filters(given: dict[str, list[str]] | None, from_query: dict[str, list[str]]) -> dict:
    merged: dict[str, list[str]] = {}
    for source in (given or {}, from_query):
        for facet, values in source.items():
            if facet not in FACET_NAMES:
                raise QueryError(f"未知的筛选项 {facet!r} / unknown filter {facet!r}")
            for v in values if isinstance(values, (list, tuple)) else [values]:
                v = normalize_filter(facet, str(v))
                if v and v not in merged.setdefault(facet, []):
                    merged[facet].append(v)
    return {f: v for f, v in merged.items() if v}


def _rank(tiers: list[Matches], selected: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """Best first: items holding every word, then (when relaxed) items holding some."""
    ranked: list[tuple[int, float]] = []
    taken = np.zeros_like(selected)
    for tier in tiers:
        docs = np.flatnonzero(selected & tier.mask & ~taken)
        taken[docs] = True
        want = depth - len(ranked)
        scores = tier.scores[docs]
        if len(docs) > want:  # keep the best, and every tie of the last one kept
            worst_kept = np.partition(-scores, want - 1)[want - 1]
            keep = -scores <= worst_kept
            docs, scores = docs[keep], scores[keep]
        # Best score first, ties in index order: one total order, so pages never overlap.
        order = np.lexsort((docs, -scores))[:want]
        ranked += [(int(d), round(float(v), 4)) for d, v in zip(docs[order], scores[order])]
        if len(ranked) >= depth:
            break
    return ranked


def _contents(record: dict) -> list[dict]:
    """A file's items in reading order: id, kind, title, ordinal."""
    return [entry | {"kind_label": KIND_LABELS[entry["kind"]]} for entry in record["meta"]["items"]]


def _original(record: dict, span: dict | None, pages: list[int] | None) -> dict:
    """The original of a file record: id, format, OCR and its pages; with an item's
    `span` and page range, the pages it spans with the regions it covers on each."""
    meta = record["meta"]
    fmt = meta.get("format", "text")
    shown = meta.get("pages") or []
    if span is not None:
        shown = shown[pages[0] - 1:pages[1]] if pages else []
    views = []
    for page in shown:
        view = {k: page.get(k) for k in ("number", "label", "width", "height", "ocr", "confidence")}
        if span is not None:
            view["regions"] = [dict(zip(("x0", "y0", "x1", "y1"), box))
                               for box in line_regions(page.get("lines") or (), span["start"], span["end"])]
        views.append(view)
    return {"file_key": file_key(meta["source"]), "version": record["sha256"][:16],
            "name": PurePosixPath(meta["source"]).name, "format": fmt,
            "paged": fmt in PAGED_FORMATS and bool(meta.get("pages")), "page_count": len(meta.get("pages") or ()),
            "ocr_confidence": meta.get("ocr_confidence"), "pages": views}


def _document_header(record: dict) -> dict:
    """A source file's header fields, from its record."""
    meta = record["meta"]
    keys = ("source", "doc_type", "series", "year", "issue_no", "total_no", "date", "publisher",
            "issue", "encoding")
    return {k: meta.get(k) for k in keys} | {"sha256": record["sha256"],
                                             "doc_type_label": DOC_TYPE_LABELS.get(meta.get("doc_type")),
                                             "issue_label": issue_label(meta.get("issue"))}
