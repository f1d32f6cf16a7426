"""The indexer's fast paths write what Whoosh's own writer writes, byte for byte:
the workers' segment writer and the fields' `index` methods; and the commit that joins
the workers' segments. (The fence on the Whoosh release: tests/test_postings.py.)"""
from __future__ import annotations

import types

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, TEXT
from whoosh.qparser import QueryParser
from whoosh.writing import NO_MERGE, SegmentWriter

from search.index.documents import index_documents
from search.pipeline import read_document
from search.store.schema import ExactID, WordsField, build_schema
from search.index import segment as segment_module
from search.index.segment import SegmentBuilder, commit, merge

from support import CORPUS


def corpus_documents() -> list[dict]:
    """Every file record and item of the sample corpus, plus enough short items that
    common terms span several posting blocks (a block holds 128 postings)."""
    docs = [fields for path in sorted(CORPUS.glob("*")) for fields in index_documents(read_document(path))]
    docs.extend({"id": f"extra-{n}", "rec": "item", "group": "南通" if n % 3 else "苏州",
                 "title": f"第{n}期 援疆简报", "body": "南通援疆工作组在伊宁县调研。" * (1 + n % 4)}
                for n in range(400))
    return docs


def with_whooshs_indexing(schema):
    """`schema` with Whoosh's own `index` method for our fields: the reference."""
    for _, field in schema.items():
        for ours, whooshs in ((WordsField, TEXT), (ExactID, ID)):
            if type(field) is ours:
                field.index = types.MethodType(whooshs.index, field)
    return schema


def write_index(path, schema, writer_factory, docs):
    path.mkdir()
    writer = writer_factory(whoosh_index.create_in(path, schema))
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return whoosh_index.open_dir(path)


def segment_files(ix) -> dict[str, bytes]:
    """The files of the index's one segment (inside its compound file, if it has one), by
    name without the random segment id."""
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage) if segment.is_compound() else ix.storage
    return {name.replace(segment.segment_id(), "SEG"): files.open_file(name).read()
            for name in files.list() if name.startswith(segment.segment_id())}


class WhooshCodec(W3Codec):
    length_stats = False  # as the indexer's codec: no per-block length statistics


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("segments")
    docs = corpus_documents()
    whoosh_ix = write_index(tmp_path / "whoosh", with_whooshs_indexing(build_schema()),
                            lambda ix: SegmentWriter(ix, codec=WhooshCodec()), docs)
    ours_ix = write_index(tmp_path / "ours", build_schema(), SegmentBuilder, docs)  # committed on its own
    return whoosh_ix, ours_ix, docs


def test_the_segment_files_are_byte_for_byte_whooshs(both):
    whoosh_ix, ours_ix, _ = both
    theirs, ours = segment_files(whoosh_ix), segment_files(ours_ix)
    assert {name.rsplit(".", 1)[1] for name in ours} >= {"trm", "pst", "col"}
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert ours[name] == theirs[name], name


def test_long_posting_lists_span_several_blocks(both):
    _, ours_ix, docs = both
    with ours_ix.searcher() as searcher:
        # A block holds 128 postings: these need three or more, the last one partial.
        for field, term in (("body", "南通"), ("group", "南通"), ("rec", "item")):
            count = searcher.doc_frequency(field, term)
            assert count > 2 * 128 and count % 128, (field, term, count)
        assert searcher.doc_count_all() == len(docs)
        hits = searcher.search(QueryParser("body", ours_ix.schema).parse('"南通援疆工作组" 伊宁县'),
                               limit=None)
        assert len(hits) >= 400


def per_document(ix) -> list:
    """Every document's stored fields, field lengths and column values, in docnum order."""
    with ix.reader() as reader:
        columns = {name: list(reader.column_reader(name)) for name in ix.schema.names()
                   if ix.schema[name].column_type}
        return [(reader.stored_fields(d), {f: reader.doc_field_length(d, f) for f in ("title", "body")},
                 {name: values[d] for name, values in columns.items()}) for d in range(reader.doc_count_all())]


def test_merged_segments_are_the_segment_of_all_their_documents(both, tmp_path):
    """A worker writes a segment whenever its memory is full, then merges them: the
    result holds what the segment it would have written at once holds, and is no larger."""
    _, ours_ix, docs = both
    (tmp_path / "merged").mkdir()
    ix = whoosh_index.create_in(tmp_path / "merged", build_schema())
    cuts = [0, 1, 40, 41, len(docs) // 2, len(docs)]  # one-document segments among them
    parts = [built_segment(ix, docs[a:b]) for a, b in zip(cuts, cuts[1:])]
    merged = merge(ix, parts)
    assert not any(name in ix.storage for part in parts for name in part.list_files(ix.storage))
    writer = ix.writer()
    commit(ix, writer, [merged], rebuild=False)
    ix = whoosh_index.open_dir(tmp_path / "merged")
    theirs, ours = segment_files(ours_ix), segment_files(ix)
    assert sorted(ours) == sorted(theirs)
    assert sum(map(len, ours.values())) <= sum(map(len, theirs.values()))
    assert per_document(ix) == per_document(ours_ix)
    assert all_postings(ix) == all_postings(ours_ix)


def all_postings(ix) -> dict:
    with ix.reader() as reader:
        return {(field, term): list(reader.postings(field, term).items_as("positions" if field in ("title", "body")
                                                                            else "weight"))
                for field, term in reader.all_terms()}


# ---------------------------------------------------------------- the commit of workers' segments

def item(n: int, group: str = "南通") -> dict:
    return {"id": f"item-{n}", "rec": "item", "source": f"s{n % 3}.txt", "group": group,
            "title": f"第{n}期 援疆简报", "body": f"{group}援疆工作组在伊宁县调研第{n}项工作。"}


def ids_in(ix) -> set[str]:
    with ix.searcher() as s:
        return {fields["id"] for fields in s.all_stored_fields()}


def built_segment(ix, docs):
    segment = SegmentBuilder(ix)
    for doc in docs:
        segment.add_document(**doc)
    return segment.finish()


@pytest.fixture
def existing(tmp_path):
    """An index of six items, committed by Whoosh's own writer."""
    ix = whoosh_index.create_in(tmp_path, build_schema())
    with ix.writer() as writer:
        for n in range(6):
            writer.add_document(**item(n))
    return ix


def segment_ids_on_disk(ix) -> set[str]:
    return {name.split(".", 1)[0] for name in ix.storage.list()
            if name.startswith(f"{ix.indexname}_") and "." in name}  # MAIN_<id>.seg, .trm, .pst, …


def assert_unlocked_and_clean(ix, replaced=frozenset()):
    """Every segment of the table of contents is on disk, and besides them only those of
    the generation it `replaced` (kept for searchers still on it); the lock is free."""
    toc = {s.segment_id() for s in ix._segments()}
    assert toc <= segment_ids_on_disk(ix) <= toc | set(replaced)
    ix.writer(timeout=0).cancel()  # the lock is free: a LockError otherwise


def segment_ids(ix) -> set[str]:
    return {s.segment_id() for s in ix._segments()}


def test_commit_joins_the_workers_segments_and_the_writers_deletions(existing):
    old = segment_ids(existing)
    writer = existing.writer()
    writer.delete_by_term("id", "item-1")
    writer.delete_by_term("source", "s2.txt")  # items 2 and 5
    segments = [built_segment(existing, [item(n, "苏州") for n in range(10, 14)]),
                built_segment(existing, []),  # a worker that got no file: None
                built_segment(existing, [item(20, "苏州")])]
    assert segments[1] is None
    commit(existing, writer, segments, rebuild=False)
    assert writer.is_closed
    ix = whoosh_index.open_dir(existing.storage.folder)
    assert ids_in(ix) == {"item-0", "item-3", "item-4", "item-10", "item-11", "item-12", "item-13", "item-20"}
    with ix.searcher() as s:
        assert s.doc_frequency("group", "苏州") == 5
        hits = s.search(QueryParser("body", ix.schema).parse("苏州"), limit=None)
        assert {h["id"] for h in hits} == {"item-10", "item-11", "item-12", "item-13", "item-20"}
    assert_unlocked_and_clean(ix, replaced=old)


def test_commit_with_clear_replaces_every_old_segment(existing):
    old = segment_ids(existing)
    writer = existing.writer()
    commit(existing, writer, [built_segment(existing, [item(30)])], rebuild=True)
    ix = whoosh_index.open_dir(existing.storage.folder)
    assert ids_in(ix) == {"item-30"}
    assert_unlocked_and_clean(ix, replaced=old)


def test_a_searcher_on_the_replaced_generation_still_reads_it_until_the_next_commit(tmp_path):
    ix = one_document_segments(tmp_path, 10)
    old = ix.searcher()  # opened before the commit, its segments' parts read only later
    commit(ix, ix.writer(), [built_segment(ix, [item(40)])], rebuild=False)  # the ten are merged
    assert {fields["id"] for fields in old.all_stored_fields()} == {f"item-{n}" for n in range(10)}
    old.close()
    ix = whoosh_index.open_dir(tmp_path)
    kept = segment_ids_on_disk(ix) - segment_ids(ix)
    assert len(kept) == 10
    commit(ix, ix.writer(), [], rebuild=False)
    assert segment_ids_on_disk(ix) == segment_ids(ix)  # the next commit removes them


def one_document_segments(tmp_path, count: int):
    """An index of `count` segments of one item each, as incremental runs leave it."""
    ix = whoosh_index.create_in(tmp_path, build_schema())
    for n in range(count):
        with ix.writer() as writer:
            writer.add_document(**item(n))
            writer.mergetype = NO_MERGE
    assert len(ix._segments()) == count
    return ix


def test_commit_merges_small_segments_and_leaves_out_their_deleted_documents(tmp_path):
    ix = one_document_segments(tmp_path, 12)
    old = segment_ids(ix)
    writer = ix.writer()
    writer.delete_by_term("id", "item-4")
    writer.delete_by_term("id", "item-7")
    commit(ix, writer, [built_segment(ix, [item(40, "苏州")])], rebuild=False)
    ix = whoosh_index.open_dir(tmp_path)
    assert len(ix._segments()) == 2  # ten one-item segments merged, two others left, the new one
    assert ids_in(ix) == {f"item-{n}" for n in range(12) if n not in (4, 7)} | {"item-40"}
    with ix.reader() as reader:
        assert not reader.has_deletions()
        assert reader.doc_count_all() == 11
        # Postings of the deleted items are gone; the others point at the right documents.
        assert ("id", "item-4") not in reader and ("body", "7") not in reader
        assert [reader.stored_fields(d)["id"] for d in reader.postings("body", "9").all_ids()] == ["item-9"]
    assert_unlocked_and_clean(ix, replaced=old)


def test_commit_leaves_large_segments_alone_however_many(tmp_path, monkeypatch):
    """Whoosh's own policy would take in every segment of a large index: one changed
    file cost minutes at 1 GB."""
    monkeypatch.setattr(segment_module, "SMALL_SEGMENT", 1)
    ix = one_document_segments(tmp_path, 30)
    before = {s.segment_id() for s in ix._segments()}
    writer = ix.writer()
    writer.delete_by_term("id", "item-3")
    commit(ix, writer, [built_segment(ix, [item(40)])], rebuild=False)
    ix = whoosh_index.open_dir(tmp_path)
    after = {s.segment_id() for s in ix._segments()}
    assert len(after) == 30 and len(after - before) == 1  # the one emptied left, the new one joined
    assert ids_in(ix) == {f"item-{n}" for n in range(30) if n != 3} | {"item-40"}
    assert_unlocked_and_clean(ix, replaced=before)
