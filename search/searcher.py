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

import datetime
import heapq
import math
import re
import os
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import numpy as np
from whoosh import query as Q

from search.analysis import is_cjk, segmenter, word_tokens
from search.citation import citation
from search.errors import NotFound, SearchError
from search.query import dates
from search.query.facets import facet_counts
from search.store.columns import Columns, load_for
from search.store.versions import DocStories
from search import enrich
from search.query import concordance, suggest
from search.query.suggest import SUGGESTED_FACETS, Suggester
from search.query.highlight import compile_terms, find_spans, highlight, plain, snippets
from search.original import PAGED_FORMATS, Originals
from search.pages import line_regions
from search.store import (TOKEN_STAMP, analysis_stamp, file_id, file_key, index_exists, item_id, open_index, read_stamp,
                          stamp_change, unpack_pages, unpack_texts)
from search.query.language import QueryError, compile_query, normalize_filter, parse_query
from search.store.schema import FILE, ITEM
from search.query.scoring import Matches, Scorer
from search.vocabulary import (BRIEFING, COLLAPSE, DEFAULT_LIMIT, DEFAULT_SORT, DEFAULT_VERSIONS, DOC_TYPE_LABELS,
                               EXPORT_LIMIT, FACET_NAMES, FILE_ID_PREFIX, KIND_LABELS, MAX_DEPTH, MAX_LIMIT, NEWEST,
                               OVERVIEW_NEWEST_ISSUES, OVERVIEW_TOP_LOCALITIES, RELEVANCE, SORTS, VERSION_MODES,
                               VERSIONS_LISTED, KWIC_MAX_LINES, KWIC_SORTS, LEFT_CONTEXT, RIGHT_CONTEXT,
                               facet_value_label, issue_label)

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
    stories: DocStories
    local: threading.local = field(default_factory=threading.local)
    _char_words: dict = field(default_factory=dict)
    _char_lock: threading.Lock = field(default_factory=threading.Lock)
    related: dict = field(default_factory=dict)  # docnum → related items, computed on demand
    _texts: dict = field(default_factory=dict)  # source → (text, bodies), recently used
    _headers: dict = field(default_factory=dict)  # source → its header fields (small: all kept)
    _issues: list | None = None
    _suggester: Suggester | None = None
    _sources: dict | None = None  # file id → source
    _overview: dict | None = None

    def __post_init__(self):
        self.scorer = Scorer(self.searcher, self.columns.n, self.columns.lengths)

    def suggester(self) -> Suggester:
        """What to suggest while typing, made on the first request of this generation."""
        if self._suggester is None:
            with self._char_lock:
                if self._suggester is None:
                    self._suggester = self._make_suggester()
        return self._suggester

    def _make_suggester(self) -> Suggester:
        items = self.items()
        facets = {f: self.columns.counts(f, items) for f in SUGGESTED_FACETS if f in self.columns.values}
        reader = self.searcher().reader()
        words: Counter = Counter()
        for fieldname in ("title", "body"):
            for term, info in reader.iter_field(fieldname):
                words[term.decode("utf-8") if isinstance(term, bytes) else term] += info.doc_frequency()
        titles: dict[str, list] = {}
        for record in self.searcher().documents(rec=FILE):
            for entry in record["meta"]["items"]:
                found = titles.setdefault(suggest.fold(entry["title"]), [entry["title"], entry["id"], 0])
                found[2] += 1
        aliases = {g.name: list(g.aliases) for g in enrich.load().groups}
        return Suggester(facets, aliases, words, [tuple(t) for t in titles.values()])

    def items(self) -> np.ndarray:
        """The mask of item documents (not file records, not deleted ones)."""
        return self.scorer.score(Q.Term("rec", ITEM)).mask

    def searcher(self):
        s = getattr(self.local, "searcher", None)
        if s is None:
            s = self.local.searcher = self.ix.searcher()
        return s

    def record(self, source: str) -> dict:
        """A source file's record: its parse (`meta`), hash and packed texts."""
        s = self.searcher()
        docnum = s.document_number(id=file_id(source))
        if docnum is None:
            raise NotFound(f"no source {source!r}")
        return s.stored_fields(docnum)

    def texts(self, source: str) -> tuple[str, list[str]]:
        """A source file's text and its items' bodies."""
        found = self._texts.get(source)
        if found is None:
            record = self.record(source)
            self._headers.setdefault(source, _document_header(record))
            found = unpack_texts(record["text"])
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
    def header(self, source: str) -> dict:
        """A source file's header fields (series, issue, date, publisher …)."""
        found = self._headers.get(source)
        if found is None:
            found = self._headers[source] = _document_header(self.record(source))
        return found

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
            "title_derived": meta.get("title_derived", False), "byline": meta.get("byline"),
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
                if not index_exists(self.index_dir):
                    self._gen = None  # the folder was removed: its files are gone, serve none of them
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
            columns = load_for(reader, self.index_dir)
            stories = DocStories.load_for(reader, self.index_dir, columns)
            return Generation(reader.generation(), ix, columns, stories)

    def updated(self) -> datetime.datetime:
        """When the current generation of the index was committed (UTC)."""
        gen = self._current()
        toc = self.index_dir / f"_{gen.ix.indexname}_{gen.number}.toc"  # Whoosh's table of contents
        try:
            return datetime.datetime.fromtimestamp(toc.stat().st_mtime, datetime.timezone.utc)
        except OSError:  # replaced by a newer generation meanwhile
            return datetime.datetime.now(datetime.timezone.utc)

    # -- search --------------------------------------------------------------------

    def search(self, q: str = "", filters: dict[str, list[str]] | None = None,
               sort: str = DEFAULT_SORT, page: int = 1, limit: int = DEFAULT_LIMIT,
               date_from: str | None = None, date_to: str | None = None,
               versions: str = DEFAULT_VERSIONS) -> dict:
        """Ranked hits for one results page, with facet counts and the timeline over the
        whole result set.

        Collapsed (the default), the versions of one story are one hit, its best-ranked
        version, and pages count stories; `total`, the facet counts and the timeline count
        items, since each version is an item of its own issue, group and date; `stories`
        counts stories.
        """
        started = time.perf_counter()
        if not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"每页条数应在 1 到 {MAX_LIMIT} 之间 / limit must be 1..{MAX_LIMIT}")
        if versions not in VERSION_MODES:
            raise QueryError(f"参数 versions 应为 {' 或 '.join(VERSION_MODES)} / versions must be one of "
                             f"{', '.join(VERSION_MODES)}")
        if page < 1 or (page - 1) * limit >= MAX_DEPTH:
            raise QueryError(f"页码超出范围（最多可翻到第 {MAX_DEPTH} 条结果）/ page out of range")
        found = self._select(q, filters, sort, date_from, date_to)
        gen, selected = found.gen, found.selected
        total = int(selected.sum())
        stories = gen.stories.count(selected)
        collapse = versions == COLLAPSE and stories < total
        offset = (page - 1) * limit
        ranked = found.first_stories(offset + limit) if collapse else found.ranked(offset + limit)
        hits = [self._hit(gen, d, score, found.pattern) for d, score in ranked[offset:offset + limit]]
        return {
            "query": q or "", "filters": found.active, "sort": found.sort, "page": page, "limit": limit,
            "total": total, "stories": stories, "versions": versions, "collapsed": collapse,
            "pages": -(-min(stories if collapse else total, MAX_DEPTH) // limit), "relaxed": found.relaxed,
            "terms": found.terms, "took_ms": round((time.perf_counter() - started) * 1000, 1),
            "hits": hits, "facets": found.facets, "facet_sizes": found.facet_sizes,
            "date_range": found.dates.to_json() | {"undated_excluded": found.undated_excluded},
            **dates.timeline(gen.columns, selected),
        }

    def export(self, q: str = "", filters: dict[str, list[str]] | None = None, sort: str = DEFAULT_SORT,
               date_from: str | None = None, date_to: str | None = None) -> dict:
        """The whole result set (at most EXPORT_LIMIT items, else a QueryError saying so), in
        the order of the results page, each item with its first snippet as plain text."""
        found = self._select(q, filters, sort, date_from, date_to)
        total = int(found.selected.sum())
        if total > EXPORT_LIMIT:
            raise ExportTooLarge(f"结果共 {total} 条，超过导出上限 {EXPORT_LIMIT} 条：请用筛选或日期范围缩小结果 / "
                                 f"{total} results exceed the export limit of {EXPORT_LIMIT}; narrow the search")
        ranked = [d for d, _ in found.ranked(total)]
        gen = found.gen
        # Bodies come out of their source file's packed texts: read them file by file.
        by_source = sorted(ranked, key=lambda d: gen.columns.codes["source"][d])
        rows = {d: self._export_row(gen, d, found.pattern) for d in by_source}
        return {"query": q or "", "filters": found.active, "sort": found.sort,
                "date_range": found.dates.to_json(), "total": total, "items": [rows[d] for d in ranked]}

    def kwic(self, q: str = "", filters: dict[str, list[str]] | None = None, sort: str = DEFAULT_SORT,
             date_from: str | None = None, date_to: str | None = None,
             versions: str = DEFAULT_VERSIONS) -> dict:
        """A concordance of the query's words over the result set: one line per occurrence
        (titles, then bodies), items in the order of the results page, at most
        KWIC_MAX_LINES lines; `sort` is a results order or the left or right context."""
        if sort not in KWIC_SORTS:
            raise QueryError(f"未知的排序方式 {sort!r}（可用：{', '.join(KWIC_SORTS)}）/ "
                             f"unknown sort {sort!r}")
        if versions not in VERSION_MODES:
            raise QueryError(f"参数 versions 应为 {' 或 '.join(VERSION_MODES)} / versions must be one of "
                             f"{', '.join(VERSION_MODES)}")
        by_context = sort in (LEFT_CONTEXT, RIGHT_CONTEXT)
        found = self._select(q, filters, RELEVANCE if by_context else sort, date_from, date_to)
        if found.pattern is None:
            raise QueryError("请输入要查看语境的检索词 / a concordance needs a query")
        gen, total = found.gen, int(found.selected.sum())
        collapse = versions == COLLAPSE
        seen, out, items, truncated = set(), [], 0, False
        for docnum, _ in found.ranked(total):
            if collapse:
                story = gen.stories.story[docnum]
                if story in seen:
                    continue
                seen.add(story)
            stored = gen.searcher().stored_fields(docnum)
            found_lines = [("title", line) for line in concordance.lines(stored["meta"]["title"], found.pattern)]
            found_lines += [("body", line) for line in concordance.lines(gen.body(docnum, stored), found.pattern)]
            if not found_lines:
                continue
            if len(out) + len(found_lines) > KWIC_MAX_LINES:
                found_lines = found_lines[:KWIC_MAX_LINES - len(out)]
                truncated = True
            items += 1
            summary = gen.summary(docnum, stored)
            source = {k: summary[k] for k in ("id", "title", "kind", "group", "issue", "issue_label", "date",
                                               "source")}
            out += [source | {"field": field, "left": line.left, "keyword": line.keyword, "right": line.right,
                              "offset": line.offset} for field, line in found_lines]
            if truncated:
                break
        if by_context:
            out.sort(key=concordance.sort_key(sort))
        return {"query": q or "", "filters": found.active, "sort": sort, "versions": versions,
                "date_range": found.dates.to_json(), "terms": found.terms, "total": total, "items": items,
                "lines": out, "truncated": truncated, "max_lines": KWIC_MAX_LINES}

    def _export_row(self, gen: Generation, docnum: int, pattern) -> dict:
        out = gen.summary(docnum)
        body = gen.body(docnum)
        snippet = (snippets(body, pattern, count=1) or [""])[0]
        out["snippet"] = plain(snippet)
        return out

    def _select(self, q: str, filters, sort: str, date_from, date_to) -> "_Selection":
        """The result set of a query, its filters and date range: what a results page, an
        export and a feed share."""
        parsed = parse_query(q or "")
        active = _merge_filters(filters, parsed.filters)
        if sort not in SORTS:
            raise QueryError(f"未知的排序方式 {sort!r}（可用：{', '.join(SORTS)}）/ unknown sort {sort!r}")
        date_range = dates.parse_range(date_from, date_to)

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
        in_range = dates.range_mask(columns, date_range) if date_range.active else None
        scored = [gen.scorer.score(tiers[0])]
        if len(tiers) > 1:
            enough = scored[0].mask & columns.filter_mask(active)
            if in_range is not None:
                enough &= in_range
            if np.count_nonzero(enough) < MIN_ALL_WORDS:
                scored.append(gen.scorer.score(tiers[1]))
        relaxed = bool(len(scored) > 1 and scored[1].mask.sum() > scored[0].mask.sum())

        matched = scored[-1].mask
        undated_excluded = 0
        if in_range is not None:
            undated_excluded = int(np.count_nonzero(matched & dates.undated(columns) & columns.filter_mask(active)))
            matched = matched & in_range
        facets, facet_sizes, selected = facet_counts(columns, matched, active)
        return _Selection(gen, active, sort, date_range, undated_excluded, scored, selected, relaxed,
                          facets, facet_sizes, compiled.highlights if compiled else [],
                          compile_terms(compiled.highlights) if compiled else None)

    def _hit(self, gen: Generation, docnum: int, score, pattern) -> dict:
        stored = gen.searcher().stored_fields(docnum)
        meta = stored["meta"]
        body = gen.body(docnum, stored)
        out = gen.summary(docnum, stored)
        out.update(body=body, score=score, citation=_citation(gen, out), **self._versions(gen, docnum))
        out["highlights"] = {
            "title": highlight(meta["title"], pattern),
            "subtitle": highlight(meta["subtitle"], pattern) if meta.get("subtitle") else None,
            "body": snippets(body, pattern),
        }
        return out

    @staticmethod
    def _versions(gen: Generation, docnum: int, summaries: bool = False) -> dict:
        """The other versions of `docnum`'s story, oldest first (undated last), at most
        VERSIONS_LISTED: id, source, date and issue from the columns; with `summaries`, each
        version's whole summary (publisher included)."""
        members = gen.stories.members(docnum)
        others = members[members != docnum]
        dates = gen.columns.codes["date"][others]  # codes sort as the dates do; 0: no date
        # Oldest first, undated last, ties in document order, as one key; only the listed
        # ones sorted (a story may have tens of thousands of versions).
        key = np.where(dates == 0, len(gen.columns.values["date"]), dates) * gen.columns.n + others
        if len(key) > VERSIONS_LISTED:
            key = np.partition(key, VERSIONS_LISTED - 1)[:VERSIONS_LISTED]
        shown = (np.sort(key) % gen.columns.n).tolist()
        value, ordinals = gen.columns.value, gen.columns.ordinals
        listed = []
        for d in shown:
            if summaries:
                entry = gen.summary(d)  # with its publisher, a facet
            else:
                source, issue = value("source", d), value("issue", d)
                entry = {"id": item_id(source, int(ordinals[d])), "source": source, "date": value("date", d),
                         "issue": issue, "issue_label": issue_label(issue), "group": value("group", d)}
            listed.append(entry)
        return {"versions": listed, "versions_total": len(others)}

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
        record = gen.record(out["source"])
        text = gen.texts(out["source"])[0]
        contents = _contents(record)
        position = next(i for i, c in enumerate(contents) if c["id"] == item_id)
        span = out["span"]
        out.update(
            body=body,
            citation=_citation(gen, out),
            highlights={"title": highlight(meta["title"], pattern),
                        "subtitle": highlight(meta["subtitle"], pattern) if meta.get("subtitle") else None,
                        "body": highlight(body, pattern)},
            document=_document_header(record),
            contents=contents,
            previous=contents[position - 1] if position > 0 else None,
            next=contents[position + 1] if position + 1 < len(contents) else None,
            related=self._related(gen, docnum, body),
            original=_original(record, span, meta.get("pages")),
            **self._versions(gen, docnum, summaries=True),
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

    # -- originals -----------------------------------------------------------------

    def file(self, key: str) -> dict:
        """An indexed file by its id: its header, format and pages (without line boxes)."""
        gen = self._current()
        record = gen.record(gen.source_of(key))
        return _document_header(record) | _original(record, None, None) | {
            "items": _contents(record)}

    def open_original(self, key: str):
        """The indexed file `key`, open and checked (`search.original.OpenedOriginal`)."""
        gen = self._current()
        record = gen.record(gen.source_of(key))
        meta = record["meta"]
        return self.originals.open(meta["source"], record["sha256"], meta.get("format", "text"), meta.get("encoding"))

    def page_image(self, key: str, number: int) -> bytes:
        """Page `number` of the indexed file `key` as PNG."""
        gen = self._current()
        record = gen.record(gen.source_of(key))
        meta = record["meta"]
        if not 1 <= number <= meta.get("page_count", 0):
            raise NotFound(f"no page {number} in {key!r}")
        return self.originals.page_image(meta["source"], record["sha256"], meta.get("format", "text"), number)

    def issues(self) -> list[dict]:
        """Every indexed work: briefing issues newest first, then other texts.

        A work is one issue, or one story, however many files hold it (a PDF and the text
        extracted from it): it is listed once, by its first file, as the issue page shows
        it, and `files` names them all. `title` is what a list shows: a briefing's series
        and issue, another text's headline (its first item), or, without either, the file name."""
        gen = self._current()
        if gen._issues is None:
            s = gen.searcher()
            works: dict[tuple, dict] = {}
            for record in sorted(s.documents(rec=FILE), key=lambda r: r["meta"]["source"]):
                header, items = _document_header(record), record["meta"]["items"]
                if header["issue"]:
                    key = ("issue", header["issue"])
                    title = f"{header['series'] or DOC_TYPE_LABELS[BRIEFING]} {header['issue_label']}"
                else:
                    first = s.document_number(id=items[0]["id"]) if len(items) == 1 else None
                    key = ("story", int(gen.stories.story[first])) if first is not None else ("file", header["source"])
                    title = items[0]["title"] if items else header["source"]
                held = {"source": header["source"], "format": record["meta"].get("format", "text"), "items": len(items)}
                if key in works:
                    works[key]["files"].append(held)
                    continue
                works[key] = header | {"title": title, "items": len(items),
                                       "first_item": items[0]["id"] if items else None, "files": [held]}
            gen._issues = sorted(works.values(), key=lambda d: (d["issue"] is None, _neg_key(d), d["source"]))
        return gen._issues

    def issue(self, key: str) -> dict:
        """A briefing issue reconstructed: header, contents and every item in order."""
        key = normalize_filter("issue", key)
        gen = self._current()
        s = gen.searcher()
        sources = sorted({gen.columns.value("source", int(d)) for d in gen.scorer.documents("issue", key)})
        if not sources:
            raise NotFound(f"no issue {key!r}")
        record = gen.record(sources[0])
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
            **dates.timeline(gen.columns, mask),
        }

    def timeline(self) -> dict:
        """Items of the whole collection per month or year."""
        gen = self._current()
        return dates.timeline(gen.columns, gen.items())

    def overview(self) -> dict:
        """The collection at a glance: totals, items per group and year, the most frequent
        aided places, the newest issues and the timeline."""
        gen = self._current()
        if gen._overview is None:
            gen._overview = self._overview(gen)
        return gen._overview

    def _overview(self, gen: Generation) -> dict:
        columns, items = gen.columns, gen.items()
        group_codes, year_codes = columns.codes["group"][items], columns.codes["year"][items]
        years = columns.values["year"]
        # One bincount over (group, year) pairs; code 0 of either is "none".
        pairs = np.bincount(group_codes * len(years) + year_codes,
                            minlength=len(columns.values["group"]) * len(years)).reshape(-1, len(years))
        year_order = [c for c in np.argsort(years) if years[c] and pairs[:, c].any()]
        rows = [{"group": g, "total": int(pairs[c].sum()), "counts": [int(pairs[c, y]) for y in year_order]}
                for c, g in enumerate(columns.values["group"]) if g and pairs[c].any()]
        rows.sort(key=lambda r: (-r["total"], r["group"]))
        dated = columns.codes["date"][items]
        dated = dated[dated > 0]
        documents = self.issues()
        return {
            "totals": {"files": sum(len(d["files"]) for d in documents), "issues": len(columns.counts("issue", items)),
                       "items": int(items.sum()), "groups": len(rows),
                       "first_date": columns.values["date"][dated.min()] if len(dated) else None,
                       "last_date": columns.values["date"][dated.max()] if len(dated) else None},
            "groups_by_year": {"years": [years[c] for c in year_order], "rows": rows,
                               "max": int(pairs[1:, year_order].max()) if rows and year_order else 0},
            "localities": [{"value": v, "count": n} for v, n in sorted(
                columns.counts("locality", items).items(), key=lambda kv: (-kv[1], kv[0]))[:OVERVIEW_TOP_LOCALITIES]],
            "newest_issues": [d for d in documents if d["issue"]][:OVERVIEW_NEWEST_ISSUES],
            **dates.timeline(columns, items),
        }

    def suggest(self, q: str) -> dict:
        """Groups, places, issues, outlets, words and titles for what the user has typed."""
        found = self._current().suggester().suggest(q or "")
        return {"query": q or "", "suggestions": [
            {"kind": e.kind, "kind_label": suggest.KIND_LABELS[e.kind], "value": e.value, "label": e.label,
             "count": e.count} for e in found]}

    def facet_values(self, facet: str) -> list[dict]:
        """All values of one facet with their item counts (e.g. the list of groups)."""
        gen = self._current()
        counts = gen.columns.counts(facet, gen.items())
        return [{"value": v, "label": facet_value_label(facet, v), "count": n}
                for v, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


class ExportTooLarge(QueryError):
    pass


@dataclass
class _Selection:
    """A result set before paging: its documents, scores and counts."""
    gen: Generation
    active: dict
    sort: str
    dates: dates.DateRange
    undated_excluded: int
    scored: list[Matches]
    selected: np.ndarray
    relaxed: bool
    facets: dict
    facet_sizes: dict
    terms: list[str]
    pattern: re.Pattern | None

    def ranked(self, depth: int) -> list[tuple[int, float | None]]:
        return _hits(*self.ranked_arrays(depth))

    def ranked_arrays(self, depth: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The first `depth` documents in the order of the page, and their scores (None
        when sorted by date)."""
        if self.sort == RELEVANCE:
            return self._ranking.first(depth)
        return self.gen.columns.chronological(self.selected, self.sort == NEWEST)[:depth], None

    def first_stories(self, depth: int) -> list[tuple[int, float | None]]:
        """The first `depth` hits that tell different stories: each story by its
        best-ranked version (by relevance) or its first in date order."""
        story = self.gen.stories.story
        if self.sort == RELEVANCE:
            return _hits(*self._ranking.first_stories(story, len(self.gen.stories.size), depth))
        order = self.gen.columns.chronological(self.selected, self.sort == NEWEST)
        k = 4 * depth  # a few versions of each story among the first hits are usual
        while True:
            _, first = np.unique(story[order[:k]], return_index=True)  # each story's first hit
            if len(first) >= depth or k >= len(order):
                return _hits(order[np.sort(first)[:depth]], None)
            k *= 4

    @cached_property
    def _ranking(self) -> "_Ranking":
        return _Ranking(self.scored, self.selected)


def _citation(gen: Generation, summary: dict) -> str:
    pages = summary.get("pages")  # known for paged sources (PDF, scans)
    page = None
    if pages:
        page = str(pages["first"]) if pages["first"] == pages["last"] else f"{pages['first']}-{pages['last']}"
    return citation(summary | {"page": page}, gen.header(summary["source"]))


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
    return _hits(*_Ranking(tiers, selected).first(depth))


RANKED_AT_ONCE = 1024  # hits looked at for distinct stories before every version is considered


class _Ranking:
    """The `selected` documents of each tier (items holding every word, then, when relaxed,
    items holding some), best first; each tier's documents and scores gathered once."""

    def __init__(self, tiers: list[Matches], selected: np.ndarray):
        self._tiers, self._selected = tiers, selected
        self._gathered: list[tuple[np.ndarray, np.ndarray]] = []
        self._taken = np.zeros_like(selected)

    def _tier(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        while len(self._gathered) <= n:
            tier = self._tiers[len(self._gathered)]
            docs = np.flatnonzero(self._selected & tier.mask & ~self._taken)
            self._taken[docs] = True
            self._gathered.append((docs, tier.scores[docs]))
        return self._gathered[n]

    def first(self, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `depth` documents and their scores."""
        return self._first(depth, lambda tier, docs, scores: (docs, scores))

    def first_stories(self, story: np.ndarray, stories: int, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The first `depth` documents that tell different stories, each story by its
        best-ranked version. `story` is each document's, of `stories`.

        Usually the first RANKED_AT_ONCE hits tell enough stories. When they do not (the
        bench's largest stories fill the first 40,000 hits of a common word with 10), each
        story's best version is found in a few passes over each tier instead.
        """
        docs, scores = self.first(RANKED_AT_ONCE)
        _, first = np.unique(story[docs], return_index=True)  # each story's best-ranked hit
        if len(first) >= depth or len(docs) < RANKED_AT_ONCE:
            keep = np.sort(first)[:depth]
            return docs[keep], scores[keep]

        def best_versions(tier: int, docs: np.ndarray, scores: np.ndarray):
            of = story[docs]
            if tier:  # a story of an earlier tier is told there
                earlier = np.zeros(stories, dtype=bool)
                for n in range(tier):
                    earlier[story[self._tier(n)[0]]] = True
                new = ~earlier[of]
                docs, scores, of = docs[new], scores[new], of[new]
            best = np.full(stories, -np.inf)
            np.maximum.at(best, of, scores)
            top = scores == best[of]  # a story's best score; of its versions with it, the first
            docs, scores, of = docs[top], scores[top], of[top]
            lowest = np.full(stories, len(self._selected))
            np.minimum.at(lowest, of, docs)
            first = docs == lowest[of]
            return docs[first], scores[first]

        return self._first(depth, best_versions)

    def _first(self, depth: int, candidates) -> tuple[np.ndarray, np.ndarray]:
        """The first `depth` of each tier's `candidates(tier, docs, scores)`, tier after tier."""
        found_docs, found_scores, found = [], [], 0
        for n in range(len(self._tiers)):
            docs, scores = candidates(n, *self._tier(n))
            want = depth - found
            if len(docs) > want:  # keep the best, and every tie of the last one kept
                worst_kept = np.partition(-scores, want - 1)[want - 1]
                keep = -scores <= worst_kept
                docs, scores = docs[keep], scores[keep]
            # Best score first, ties in index order: one total order, so pages never overlap.
            order = np.lexsort((docs, -scores))[:want]
            found_docs.append(docs[order])
            found_scores.append(scores[order])
            found += len(order)
            if found >= depth:
                break
        if not found_docs:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(found_docs), np.concatenate(found_scores)


def _hits(docs: np.ndarray, scores: np.ndarray | None) -> list[tuple[int, float | None]]:
    """(document, score rounded for display) pairs; score None when sorted by date."""
    if scores is None:
        return [(d, None) for d in docs.tolist()]
    return [(d, round(v, 4)) for d, v in zip(docs.tolist(), scores.tolist())]


def _contents(record: dict) -> list[dict]:
    """A file's items in reading order: id, kind, title, ordinal."""
    return [entry | {"kind_label": KIND_LABELS[entry["kind"]]} for entry in record["meta"]["items"]]


def _original(record: dict, span: dict | None, pages: list[int] | None) -> dict:
    """The original of a file record: id, format, OCR and its pages; with an item's
    `span` and page range, the pages it spans with the regions it covers on each."""
    meta = record["meta"]
    fmt = meta.get("format", "text")
    shown = unpack_pages(meta.get("pages"))
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
            "paged": fmt in PAGED_FORMATS and bool(meta.get("page_count")), "page_count": meta.get("page_count", 0),
            "ocr_confidence": meta.get("ocr_confidence"), "pages": views}


def _document_header(record: dict) -> dict:
    """A source file's header fields, from its record."""
    meta = record["meta"]
    keys = ("source", "doc_type", "series", "year", "issue_no", "total_no", "date", "publisher",
            "issue", "encoding")
    return {k: meta.get(k) for k in keys} | {"sha256": record["sha256"],
                                             "doc_type_label": DOC_TYPE_LABELS.get(meta.get("doc_type")),
                                             "issue_label": issue_label(meta.get("issue"))}
