"""Writing one new segment of the index, as an indexing worker does.

Whoosh's segment writer puts every posting into a pool of (field, term, docnum, weight,
value) tuples, sorts them all when the segment is finished, and hands them one by one to
the posting writer: at 50 MB that is millions of tuples sorted and millions of calls.
`SegmentBuilder` keeps each term's postings together as documents arrive instead.
Documents arrive in docnum order, so every posting list is already sorted; finishing
sorts the distinct terms only and writes each posting list a block at a time.

The files are the ones Whoosh's own writer writes for the same documents, in the same
W3 format, so Whoosh reads them as it reads any segment (tests/test_segment.py).

This module and `search.store.postings` (which reads posting blocks for the searcher)
are the only code that uses Whoosh's private names (posting-writer buffers, the writer's
merge and table-of-contents steps). They are those of one release: the version fence in
`search.store.postings` refuses any other.
"""
from __future__ import annotations

import heapq
from array import array
from itertools import groupby, repeat
from operator import itemgetter

# Imported first: it refuses any other Whoosh release before the private names below are imported.
import search.store.postings  # noqa: F401

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3LeafMatcher, W3PostingsWriter
from whoosh.index import TOC, clean_files
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter


class TermPool:
    """The postings of a segment by (field, term): docnums and weights in arrays, values in
    a list (most are shared: `CompactPositions` caches single positions).

    About 20 bytes a posting, where tuples or lists of Python numbers take 80: a worker
    holds four times as much text before it must write a segment.
    """

    def __init__(self):
        self._postings: dict[tuple[str, bytes], tuple[array, array, list]] = {}
        self.count = 0  # postings held

    def add(self, posting: tuple[str, bytes, int, float, bytes]) -> None:
        fieldname, btext, docnum, weight, value = posting
        postings = self._postings.get((fieldname, btext))
        if postings is None:
            self._postings[fieldname, btext] = (array("I", (docnum,)), array("f", (weight,)), [value])
        else:
            ids, weights, values = postings
            ids.append(docnum)
            weights.append(weight)
            values.append(value)
        self.count += 1

    def terms(self):
        """(field, term, (docnums, weights, values)), in the order of a segment's files."""
        for key in sorted(self._postings):
            yield key[0], key[1], self._postings[key]

    def cleanup(self) -> None:
        self._postings.clear()
        self.count = 0


class BlockPostingsWriter(W3PostingsWriter):
    """W3 posting writer that takes a term's whole posting list at once."""

    def add_posting_list(self, postings: tuple[array, array, list]) -> None:
        """Fill and write blocks as `add_posting` would, one block per step, not one posting.

        The last block stays buffered, as with `add_posting`: `finish_postings` writes it.
        """
        ids, weights, values = postings
        step = self._blocklimit
        for start in range(0, len(ids), step):
            if start:
                self._write_block()
            end = start + step
            self._ids = ids[start:end]
            self._weights = weights[start:end]
            self._values = [value for value in values[start:end] if value]  # ID fields have none
            self._maxweight = max(self._weights)


class TermFieldWriter(W3FieldWriter):
    def add_terms(self, schema, terms) -> None:
        """Write `terms` [(field, term, postings)], sorted by field and term."""
        current = None
        for fieldname, btext, postings in terms:
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current = fieldname
            self.start_term(btext)
            self._postwriter.add_posting_list(postings)
            self.finish_term()
        if current is not None:
            self.finish_field()


class Codec(W3Codec):
    """Whoosh's W3 codec, writing with the writers above and no per-block length statistics.

    Recording length statistics reads every posting's document length back from disk;
    they serve only Whoosh's own score-bounded skipping, and ranking here is
    `search.query.scoring`.
    """

    length_stats = False

    def field_writer(self, storage, segment):
        return TermFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return BlockPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                   compression=self._compression, inlinelimit=self._inlinelimit)


class SegmentBuilder(SegmentWriter):
    """A writer of one new segment that someone else commits, under their lock.

    Its files stay apart, not in one compound file: Whoosh reads a compound file's parts
    through in-memory copies (a reader of a 50 MB corpus's index took 110 MB), separate
    files through the page cache.

    `add_document` is Whoosh's; `finish` returns the segment for the committing
    writer's table of contents, `discard` drops it.
    """

    def __init__(self, ix):
        super().__init__(ix, _lk=False, codec=Codec(), compound=False)
        self.pool = TermPool()

    @property
    def postings(self) -> int:
        """Postings held in memory until the segment is finished."""
        return self.pool.count

    def _flush_segment(self):
        self.perdocwriter.close()
        self.fieldwriter.add_terms(self.schema, self.pool.terms())
        self.fieldwriter.close()

    def finish(self):
        """The finished segment, or None when no document was added."""
        if not self._added:
            self.discard()
            return None
        return self._finalize_segment()

    def discard(self) -> None:
        # Not cancel(): that deletes the temporary folder all writers of the index share.
        # Files left behind are removed by the next commit.
        self._close_segment()


def merge(ix, segments: list, owned: bool = True):
    """One new segment holding the live documents of `segments`, in order.

    Documents are copied one by one (Whoosh's own per-document copy); postings a term at
    a time, a block at a time: memory holds one term's posting list, not a segment's.
    Deleted documents are left out and the others renumbered. `owned`: the segments are
    a worker's, in no table of contents, and their files go now; an index's segments are
    left to the commit, which removes what its new table of contents no longer names.
    """
    builder = SegmentBuilder(ix)
    readers = [SegmentReader(ix.storage, ix.schema, segment) for segment in segments]
    try:
        renumbered = [_copy_documents(builder, reader) for reader in readers]
        builder._added = True
        builder.perdocwriter.close()
        builder.fieldwriter.add_terms(builder.schema, _merged_terms(readers, renumbered))
        builder.fieldwriter.close()
        builder._close_segment()
        builder._assemble_segment()
    finally:
        for reader in readers:
            reader.close()
    if owned:
        for segment in segments:
            for name in segment.list_files(ix.storage):
                ix.storage.delete_file(name)
    return builder.get_segment()


def _copy_documents(builder, reader) -> list[int]:
    """Whoosh's `write_per_doc`, with each field's length and column readers looked up
    once, not once a document (a file-system call each). → each document's new number
    (-1: deleted)."""
    schema, perdoc = builder.schema, builder.perdocwriter
    names = sorted(schema.names())
    length_of = {name: reader._perdoc.doc_field_length_reader(name) for name in names if schema[name].scorable}
    columns = {name: reader.column_reader(name, translate=False) for name in names
               if schema[name].column_type and reader.has_column(name)}
    renumbered = [-1] * reader.doc_count_all()
    for docnum, stored in reader.iter_docs():  # live documents only
        perdoc.start_doc(builder.docnum)
        for name in names:
            field = schema[name]
            length = length_of[name](docnum) if name in length_of else 0
            perdoc.add_field(name, field, stored.get(name), length)
            if name in columns:
                perdoc.add_column_value(name, field.column_type, columns[name][docnum])
        perdoc.finish_doc()
        renumbered[docnum] = builder.docnum
        builder.docnum += 1
    return renumbered


def _merged_terms(readers, renumbered):
    """(field, term, postings) of all `readers`, documents renumbered, sorted; a term
    left only in deleted documents is dropped."""
    fields = sorted({name for reader in readers for name in reader.indexed_field_names()})
    for fieldname in fields:
        lexicons = [zip(reader.lexicon(fieldname), repeat(n))
                    for n, reader in enumerate(readers) if fieldname in reader.indexed_field_names()]
        for btext, sources in groupby(heapq.merge(*lexicons), key=itemgetter(0)):
            postings = (array("I"), array("f"), [])
            shared = {}
            for _, n in sources:
                reader = readers[n]
                # The term table's own matcher: `reader.postings` would hide deleted documents
                # one posting at a time; `renumbered` drops them a block at a time.
                matcher = reader._terms.matcher(fieldname, btext, reader.schema[fieldname].format)
                _append_postings(matcher, renumbered[n], *postings, shared)
            if postings[0]:
                yield fieldname, btext, postings


def _append_postings(matcher, renumbered: list[int], ids: array, weights: array, values: list,
                     shared: dict) -> None:
    """Add `matcher`'s postings of live documents, renumbered; equal values become one
    object (`shared`), as the pool's are, so that a block's pickle refers back to a value
    instead of repeating it."""
    if isinstance(matcher, W3LeafMatcher):  # a posting list on disk, read a block at a time
        while matcher.is_active():
            matcher._read_ids()
            matcher._read_weights()
            matcher._read_values()
            new = [renumbered[docnum] for docnum in matcher._ids]
            block_values = [shared.setdefault(value, value) for value in matcher._values] if matcher._values \
                else [None] * len(new)  # ID fields have none
            if -1 in new:
                kept = [i for i, docnum in enumerate(new) if docnum >= 0]
                new, block_weights = [new[i] for i in kept], [matcher._weights[i] for i in kept]
                block_values = [block_values[i] for i in kept]
            else:
                block_weights = matcher._weights
            ids.extend(new)
            weights.extend(block_weights)
            values.extend(block_values)
            matcher._next_block()
        return
    while matcher.is_active():  # a short list kept in the term's own entry
        docnum = renumbered[matcher.id()]
        if docnum >= 0:
            ids.append(docnum)
            weights.append(matcher.weight())
            values.append(matcher.value())
        matcher.next()


# The commit merges the index's segments of fewer documents than this: what incremental
# runs of a few files add. Larger ones are a worker's, already merged by size (see
# `search.index.workers`); their deleted documents stay until a `--rebuild`.
SMALL_SEGMENT = 1000
# Segments of one size merged into one: by a worker, its own (see `search.index.workers`),
# and by the commit, the index's small ones. A searcher pays little for each segment
# (17 instead of 2 at 50 MB: the same latencies), and a merge rewrites every posting, so
# it only keeps their number from growing with the corpus: about 26 at 1 GB.
MERGE_FACTOR = 10


def commit(ix, writer, segments, rebuild: bool) -> None:
    """Commit `writer`'s deletions together with the workers' finished segments.

    This is what Whoosh's own multiprocess writer does in `multisegment` mode, with
    workers we control (they stop when the indexer dies, instead of waiting forever).
    `rebuild`: the index's old segments are dropped. Whoosh's own merge policy is not
    used: it folds segments into the writer through its slowest path, and past about 25
    segments its rule takes in the whole index (minutes at 1 GB for one changed file).
    """
    replaced = list(writer.segments)
    writer._close_segment()  # nothing was added to the writer itself: only deletions
    final = _merge_small(ix, [] if rebuild else replaced) + [s for s in segments if s is not None]
    TOC(writer.schema, final, writer.generation).write(writer.storage, writer.indexname)
    # Whoosh's own commit deletes every file the new table of contents does not name. A
    # running searcher still on the generation just replaced opens a segment's parts
    # lazily, so that generation's files stay until the next commit removes them.
    clean_files(writer.storage, writer.indexname, writer.generation, final + replaced)
    writer._finish()


def _merge_small(ix, segments: list) -> list:
    """`segments` with the small ones merged, MERGE_FACTOR of one order of magnitude
    (1–9 documents, 10–99, …) into one, and empty ones dropped."""
    tiers: dict[int, list] = {}
    out = []
    for segment in segments:
        live = segment.doc_count()
        if live == 0:
            continue
        if segment.doc_count_all() >= SMALL_SEGMENT:
            out.append(segment)
        else:
            tiers.setdefault(len(str(live)), []).append(segment)
    for tier in sorted(tiers):
        same_size = tiers[tier]
        if len(same_size) < MERGE_FACTOR:
            out.extend(same_size)
            continue
        merged = merge(ix, same_size, owned=False)
        if tier + 1 in tiers:  # it counts towards the next order's merge
            tiers[tier + 1].append(merged)
        else:
            out.append(merged)
    return out


def cancel(writer) -> None:
    """Give up `writer` and its lock, even when its folder can no longer be written."""
    try:
        writer.cancel()
    except OSError:
        if writer.writelock and writer.writelock.fd is not None:
            writer.writelock.release()


def lock_descriptor(writer) -> int | None:
    """The file descriptor of the index lock `writer` holds (None without one)."""
    return getattr(writer.writelock, "fd", None)
