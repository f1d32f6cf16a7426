"""Indexing: incremental, atomic, one bad file never stops the others, one writer at a time."""
import json
import os
import shutil

import pytest
from whoosh import index as whoosh_index

from search.errors import SearchError
from search.index import IndexLocked, build_index
from search.searcher import Searcher
from search.store import open_index
from search.store.columns import Columns
from search.vocabulary import FILE_ID_PREFIX

from support import CORPUS, briefing, run_cli


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(CORPUS, folder)
    return folder


def snapshot(index):
    s = Searcher(index)
    return {q: [h["id"] for h in s.search(q, limit=50)["hits"]] for q in ("援疆", "南通", "医疗", "霍尔果斯")}


def test_reindexing_an_unchanged_corpus_changes_nothing(corpus, tmp_path):
    index = tmp_path / "index"
    first = build_index(corpus, index)
    before = snapshot(index)
    generation = whoosh_index.open_dir(index).latest_generation()
    again = build_index(corpus, index)
    assert first.files_parsed == 5 and first.items_added > 20
    assert (again.files_unchanged, again.files_parsed, again.items_added, again.items_removed) == (5, 0, 0, 0)
    assert whoosh_index.open_dir(index).latest_generation() == generation
    assert snapshot(index) == before


def test_a_changed_file_replaces_its_items_and_a_removed_file_takes_its_items_along(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    total = Searcher(index).search("")["total"]
    target = sorted(corpus.glob("*.txt"))[0]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("西洽会", "东博会"), encoding="utf-8")
    summary = build_index(corpus, index)
    assert summary.files_parsed == 1 and summary.items_updated > 0
    s = Searcher(index)
    assert s.search("西洽会")["total"] == 0 and s.search("东博会")["total"] >= 1
    assert s.search("")["total"] == total
    count = len(s.issue(s.search("东博会")["hits"][0]["issue"])["items"])
    target.unlink()
    summary = build_index(corpus, index)
    assert summary.files_removed == 1 and summary.items_removed == count
    assert Searcher(index).search("")["total"] == total - count


def test_rebuild_starts_afresh_with_the_same_result(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    before = snapshot(index)
    summary = build_index(corpus, index, rebuild=True)
    assert summary.rebuilt and summary.files_parsed == 5
    assert snapshot(index) == before


def test_an_interrupted_run_leaves_the_previous_index_searchable(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    before = snapshot(index)
    (corpus / "new.txt").write_text(briefing(2019, 1, "2019-01-05", [("新的文章标题", "苜蓿试种成功。")]), "utf-8")
    for f in corpus.glob("0*.txt"):
        f.write_text(f.read_text("utf-8") + "\n补记。\n", "utf-8")

    def interrupt(done, total, name):
        if done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index, progress=interrupt)
    assert snapshot(index) == before
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index, rebuild=True, progress=interrupt)
    assert snapshot(index) == before
    summary = build_index(corpus, index)
    assert summary.files_parsed == 6
    assert Searcher(index).search("苜蓿")["total"] == 1


def test_a_second_indexer_waits_then_says_the_index_is_busy(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    writer = whoosh_index.open_dir(index).writer()
    try:
        with pytest.raises(IndexLocked, match="another indexing run"):
            build_index(corpus, index, rebuild=True, lock_wait=0.3)
    finally:
        writer.cancel()
    assert build_index(corpus, index).ok


def test_bad_files_are_reported_by_name_and_the_rest_are_indexed(corpus, tmp_path):
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (corpus / "gbk.txt").write_bytes(briefing(2018, 5, "2018-03-01", [("扬州工作组举办培训", "培训内容")]).encode("gbk"))
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")  # a truncated zip: no Word file
    (corpus / "notes.xlsx").write_bytes(b"PK\x03\x04")  # not a briefing suffix: not even looked at
    summary = build_index(corpus, tmp_path / "index")
    failed = dict(summary.failed)
    assert set(failed) == {"empty.txt", "binary.txt", "notes.docx"}
    assert "not a Word .docx file" in failed["notes.docx"]
    assert all(reason for reason in failed.values())
    assert summary.files_parsed == 6 and not summary.ok
    assert Searcher(tmp_path / "index").search("扬州工作组举办培训")["total"] == 1


def test_cli_index_and_query(corpus, tmp_path):
    index = str(tmp_path / "index")
    (corpus / "empty.txt").write_bytes(b"")
    done = run_cli("index", str(corpus), "--index", index)
    assert done.returncode == 2  # something failed, and the exit code says so
    assert "empty.txt" in done.stderr and "Traceback" not in done.stderr
    assert "files: 6 seen, 5 parsed" in done.stdout
    result = json.loads(run_cli("query", "两学一做", "--index", index, "--json").stdout)
    assert result["total"] >= 1
    hit = result["hits"][0]
    assert {"id", "title", "kind", "group", "issue", "source", "body", "highlights", "span", "date"} <= set(hit)
    assert set(result["facets"]) == {"group", "issue", "kind", "year", "locality", "publisher"}
    text = run_cli("query", "两学一做", "--index", index, "--no-color")
    assert text.returncode == 0 and "[两学一做]" in text.stdout


def test_an_overlong_query_is_a_message(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    done = run_cli("query", "援" * 300, "--index", str(tmp_path / "index"))
    assert done.returncode == 1
    assert "too long" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (("query", "援疆", "--index", "/nonexistent/index"), "no index here"),
    (("index", "/nonexistent/corpus", "--index", "/tmp/never"), "corpus folder not found"),
])
def test_cli_errors_are_one_line_messages(args, message, tmp_path):
    done = run_cli(*args)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr


def test_worker_processes_build_the_same_index_as_one_process(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    samples = sorted(CORPUS.glob("*.txt"))
    for n in range(100):  # enough files for two workers
        text = samples[n % len(samples)].read_text("utf-8")
        (corpus / f"{n:03d}.txt").write_text(text.replace("2017", str(2000 + n % 20)), "utf-8")

    def contents(index):
        s = Searcher(index)
        result = s.search("", limit=100, sort="oldest", versions="all")
        pages = [result] + [s.search("", limit=100, sort="oldest", page=p, versions="all") for p in range(2, result["pages"] + 1)]
        return sorted((h["id"], h["title"], h["body"]) for page in pages for h in page["hits"])

    one = build_index(corpus, tmp_path / "one", workers=1)
    two = build_index(corpus, tmp_path / "two", workers=2)
    assert one.files_parsed == two.files_parsed == 100 and one.items_added == two.items_added
    assert contents(tmp_path / "one") == contents(tmp_path / "two")
    assert Searcher(tmp_path / "two").search("两学一做")["total"] == Searcher(tmp_path / "one").search("两学一做")["total"]


def test_segments_written_and_merged_as_memory_fills_hold_the_same_index(corpus, tmp_path, monkeypatch):
    """A worker writes a segment whenever it holds SEGMENT_POSTINGS postings and merges
    MERGE_FACTOR of one size: the index answers as one written at once, in docnum order."""
    from search.index import workers

    whole = build_index(corpus, tmp_path / "whole", workers=1)
    monkeypatch.setattr(workers, "SEGMENT_POSTINGS", 100)  # about one file each
    monkeypatch.setattr(workers, "MERGE_FACTOR", 2)
    pieces = build_index(corpus, tmp_path / "pieces", workers=1)
    segments = whoosh_index.open_dir(tmp_path / "pieces")._segments()
    # Five files, a segment each: 1 + 2 → 12, 3 + 4 → 34, 12 + 34 → 1234; then 5, alone.
    assert len(segments) == 2 and segments[0].doc_count_all() > 3 * segments[1].doc_count_all()
    assert pieces.items_added == whole.items_added
    assert snapshot(tmp_path / "pieces") == snapshot(tmp_path / "whole")
    assert {p.name.split(".", 1)[0] for p in (tmp_path / "pieces").glob("MAIN_*.*")} == \
        {s.segment_id() for s in segments}  # merged pieces removed


def test_unchanged_files_are_recognised_by_size_and_time_then_by_hash(corpus, tmp_path, monkeypatch):
    import search.index.build as indexer
    index = tmp_path / "index"
    build_index(corpus, index)
    hashed = []
    real_sha256 = indexer._sha256
    monkeypatch.setattr(indexer, "_sha256", lambda path: hashed.append(os.path.basename(path)) or real_sha256(path))
    assert build_index(corpus, index).files_unchanged == 5
    assert hashed == []  # nothing was read again
    touched = sorted(corpus.glob("*.txt"))[0]
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    summary = build_index(corpus, index)
    assert hashed == [touched.name] and summary.files_unchanged == 5 and summary.files_parsed == 0


def test_a_lost_manifest_is_rebuilt_from_the_index(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    (index / "files.json").unlink()
    summary = build_index(corpus, index)
    assert (summary.files_unchanged, summary.files_parsed) == (5, 0)
    assert (index / "files.json").exists()


def test_an_unreadable_index_is_a_message_and_rebuild_replaces_it(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    toc = next(index.glob("_MAIN_*.toc"))
    toc.write_bytes(b"not a table of contents")
    with pytest.raises(SearchError, match="--rebuild"):
        build_index(corpus, index)
    with pytest.raises(SearchError, match="cannot be read"):
        Searcher(index)
    assert build_index(corpus, index, rebuild=True).files_parsed == 5
    assert Searcher(index).search("两学一做")["total"] == 1


def test_value_columns_give_each_item_its_place_and_file_records_none(index_dir):
    ix = open_index(index_dir, create=False)
    with ix.searcher() as s:
        columns = Columns.read(s.reader())
        stored = [s.stored_fields(d) for d in range(columns.n)]
    records = [fields["id"].startswith(FILE_ID_PREFIX) for fields in stored]
    for d, (fields, record) in enumerate(zip(stored, records)):
        assert columns.ordinals[d] == (0 if record else fields["meta"]["ordinal"]), fields["id"]
    assert 0 < sum(records) < len(records)
