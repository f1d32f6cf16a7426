"""The indexer's fast paths write what Whoosh's own writer writes, byte for byte:
the workers' segment writer and the fields' `index` methods."""
from __future__ import annotations

import types

import pytest
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, TEXT
from whoosh.qparser import QueryParser
from whoosh.writing import SegmentWriter

from search.index.documents import index_documents
from search.pipeline import read_document
from search.store.schema import ExactID, WordsField, build_schema
from search.index.segment import SegmentBuilder

from conftest import CORPUS


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
    """The files inside the index's one segment, by name without the random segment id."""
    (segment,) = ix._segments()
    files = segment.open_compound_file(ix.storage)
    return {name.replace(segment.segment_id(), "SEG"): files.open_file(name).read()
            for name in files.list()}


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
