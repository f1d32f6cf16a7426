"""Writing one new segment of the index, as an indexing worker does.

Whoosh's segment writer puts every posting into a pool of (field, term, docnum, weight,
value) tuples, sorts them all when the segment is finished, and hands them one by one to
the posting writer: at 50 MB that is millions of tuples sorted and millions of calls.
`SegmentBuilder` keeps each term's postings together as documents arrive instead.
Documents arrive in docnum order, so every posting list is already sorted; finishing
sorts the distinct terms only and writes each posting list a block at a time.

The files are the ones Whoosh's own writer writes for the same documents, in the same
W3 format, so Whoosh reads them as it reads any segment (tests/test_segment.py).

This module and `commit` below are the only code that uses Whoosh's private names
(posting-writer buffers, the writer's merge and table-of-contents steps). They are those
of one release, so importing this module with any other installed Whoosh is an error.
"""
from __future__ import annotations

from array import array
from importlib import metadata

from search.errors import SearchError

WHOOSH_DISTRIBUTION = "whoosh3"
WHOOSH_VERSION = "3.54.0"  # the release whose internals this module was written against


def check_whoosh_version(installed: str | None) -> None:
    """Refuse any Whoosh but the one whose private names this module uses."""
    if installed != WHOOSH_VERSION:
        found = f"{WHOOSH_DISTRIBUTION} {installed}" if installed else f"no {WHOOSH_DISTRIBUTION}"
        raise SearchError(f"the indexer needs {WHOOSH_DISTRIBUTION} {WHOOSH_VERSION} (it writes segments "
                          f"with that release's internals), but {found} is installed: "
                          f"pip install {WHOOSH_DISTRIBUTION}=={WHOOSH_VERSION}")


def _installed_whoosh() -> str | None:
    try:
        return metadata.version(WHOOSH_DISTRIBUTION)
    except metadata.PackageNotFoundError:  # e.g. the original Whoosh 2.7 under its own name
        return None


# Before importing Whoosh's internals: another release may not even have these names.
check_whoosh_version(_installed_whoosh())

from whoosh.codec.whoosh3 import W3Codec, W3FieldWriter, W3PostingsWriter
from whoosh.writing import SegmentWriter


class TermPool:
    """The postings of a segment by (field, term), each a flat [docnum, weight, value, …]."""

    def __init__(self):
        self._postings: dict[tuple[str, bytes], list] = {}

    def add(self, posting: tuple[str, bytes, int, float, bytes]) -> None:
        fieldname, btext, docnum, weight, value = posting
        postings = self._postings.get((fieldname, btext))
        if postings is None:
            self._postings[fieldname, btext] = [docnum, weight, value]
        else:
            postings += (docnum, weight, value)

    def terms(self):
        """(field, term, flat postings), in the field and term order of a segment's files."""
        for key in sorted(self._postings):
            yield key[0], key[1], self._postings[key]

    def cleanup(self) -> None:
        self._postings.clear()


class BlockPostingsWriter(W3PostingsWriter):
    """W3 posting writer that takes a term's whole posting list at once."""

    def add_posting_list(self, flat: list) -> None:
        """Fill and write blocks as `add_posting` would, one block per step, not one posting.

        The last block stays buffered, as with `add_posting`: `finish_postings` writes it.
        """
        step = 3 * self._blocklimit
        for start in range(0, len(flat), step):
            if start:
                self._write_block()
            block = flat[start:start + step]
            self._ids = array("I", block[0::3])
            self._weights = array("f", block[1::3])
            self._values = [value for value in block[2::3] if value]  # ID fields have none
            self._maxweight = max(self._weights)


class TermFieldWriter(W3FieldWriter):
    def add_terms(self, schema, terms) -> None:
        """Write `terms` [(field, term, flat postings)], sorted by field and term."""
        current = None
        for fieldname, btext, flat in terms:
            if fieldname != current:
                if current is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                current = fieldname
            self.start_term(btext)
            self._postwriter.add_posting_list(flat)
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

    `add_document` is Whoosh's; `finish` returns the segment for the committing
    writer's table of contents, `discard` drops it.
    """

    def __init__(self, ix):
        super().__init__(ix, _lk=False, codec=Codec())
        self.pool = TermPool()

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


def commit(writer, segments, mergetype) -> None:
    """Commit `writer`'s deletions together with the workers' finished segments.

    This is what Whoosh's own multiprocess writer does in `multisegment` mode, with
    workers we control (they stop when the indexer dies, instead of waiting forever).
    """
    final = writer._merge_segments(mergetype, None, None)
    if writer._added:  # the merge policy folded small segments into this writer
        final.append(writer._finalize_segment())
    else:
        writer._close_segment()
    writer._commit_toc(final + [s for s in segments if s is not None])
    writer._finish()


def lock_descriptor(writer) -> int | None:
    """The file descriptor of the index lock `writer` holds (None without one)."""
    return getattr(writer.writelock, "fd", None)
