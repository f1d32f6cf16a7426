"""search.store.postings: posting lists read a block at a time list what Whoosh's own
matchers list, on a real index of several segments with deleted documents; and the fence
that refuses a Whoosh release other than the one whose internals it reads."""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest
from whoosh import index as whoosh_index

from search.errors import SearchError
from search.index import build_index
from search.store.postings import (WHOOSH_VERSION, check_whoosh_version, live_documents, read_positions,
                                   read_postings)
from search.store.schema import CompactPositions

from support import CORPUS, ROOT, briefing, cli_env, index_corpus

GROUPS = ("南通", "苏州", "扬州", "泰州")
BLOCK = 128  # postings in a full W3 block


def issue(n: int, extra: str = "") -> str:
    group = GROUPS[n % len(GROUPS)]
    return briefing(2015 + n % 5, n, f"{2015 + n % 5}-03-{1 + n % 28:02d}", [
        (f"{group}援疆工作组召开第{n}次推进会", f"{group}援疆工作组在伊宁县召开推进会，部署产业援疆工作。" * (1 + n % 3)
         + extra),
        (f"{group}医疗队义诊", "援疆医疗队在霍尔果斯开展义诊，伊宁县医院派出医生。" + "医院" * (n % 4)),
        ("教育援疆", f"{group}教师在伊宁县支教，援疆工作组看望教师。"),
    ], [(f"{group}工作组调研", "工作组赴尼勒克县调研产业援疆项目")])


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """Enough items for common words to fill several blocks; then an incremental run that
    replaces one file: its old items stay in their segment as deleted documents, its new
    ones go to a new segment."""
    base = tmp_path_factory.mktemp("postings")
    index_corpus(base, {f"{n:03d}.txt": issue(n) for n in range(60)})
    (base / "corpus" / "007.txt").write_text(issue(7, "伊宁县医院新楼启用。" * 3), encoding="utf-8")
    assert build_index(base / "corpus", base / "index").ok
    ix = whoosh_index.open_dir(base / "index")
    with ix.reader() as reader:  # what this test is about: else it proves nothing
        segments = reader.leaf_readers()
        assert len(segments) > 1 and reader.has_deletions()
        biggest = max(segments, key=lambda s: s[0].doc_count_all())[0]
        assert biggest.doc_frequency("body", "工作组") > BLOCK  # several blocks
    return ix


def every_term(reader):
    for fieldname in ("rec", "group", "title", "body"):
        for btext in reader.lexicon(fieldname):
            yield fieldname, btext.decode("utf-8")


def test_postings_list_whooshs_documents_and_weights(index):
    with index.reader() as reader:
        live = live_documents(reader)
        terms = list(every_term(reader))
        assert len(terms) > 100
        for fieldname, text in terms:
            expected = list(reader.postings(fieldname, text).items_as("weight"))
            docs, weights = read_postings(reader, fieldname, text, live)
            assert docs.tolist() == [d for d, _ in expected], (fieldname, text)
            assert weights.tolist() == [w for _, w in expected], (fieldname, text)


def test_positions_list_whooshs_positions(index):
    with index.reader() as reader:
        live = live_documents(reader)
        for fieldname, text in every_term(reader):
            if fieldname not in ("title", "body"):
                continue
            expected = dict(reader.postings(fieldname, text).items_as("positions"))
            found = read_positions(reader, fieldname, text, live)
            assert found.docs.tolist() == sorted(expected)
            rows, positions = found.of(found.docs)
            assert [positions[rows == i].tolist() for i in range(len(found.docs))] == list(expected.values())


def test_a_term_no_segment_holds_has_no_postings(index):
    with index.reader() as reader:
        docs, weights = read_postings(reader, "body", "不存在的词", live_documents(reader))
        assert docs.dtype == np.int64 and not len(docs) and not len(weights)


def test_live_documents_are_those_whoosh_has_not_deleted(index):
    with index.reader() as reader:
        live = live_documents(reader)
        assert live.tolist() == [not reader.is_deleted(d) for d in range(reader.doc_count_all())]
        assert not live.all()


@pytest.mark.parametrize("poslist", [[0], [7], [3, 9, 200], [65535], [5, 70_000, 70_003], [0, 1, 2, 3, 4, 5, 6]])
def test_many_positions_decode_at_once_as_one_by_one(poslist):
    """Values of both widths (deltas of 16 and of 32 bits) side by side in one buffer."""
    fmt = CompactPositions()
    values = [fmt.encode(p) for p in ([1, 2], poslist, [65536 * 3], poslist[:1])]
    counts, positions = fmt.decode_positions_array(b"".join(values), np.cumsum([len(v) for v in values]))
    expected = [fmt.decode_positions(v) for v in values]
    assert counts.tolist() == [len(e) for e in expected]
    assert positions.tolist() == [p for e in expected for p in e]


# ---------------------------------------------------------------- the version fence

def test_the_installed_whoosh_is_the_one_the_fence_names():
    assert metadata.version("whoosh3") == WHOOSH_VERSION
    check_whoosh_version(WHOOSH_VERSION)


@pytest.mark.parametrize("installed", ["3.54.1", "3.53.0", "2.7.4", None])
def test_another_whoosh_is_refused_with_the_version_expected(installed):
    with pytest.raises(SearchError) as raised:
        check_whoosh_version(installed)
    message = str(raised.value)
    assert "whoosh3 3.54.0" in message and "pip install whoosh3==3.54.0" in message
    assert (installed or "no whoosh3") in message and "\n" not in message


@pytest.mark.parametrize("command", [["index", str(CORPUS)], ["query", "援疆"]], ids=["index", "query"])
def test_the_cli_says_so_in_one_line_when_whoosh_is_another_release(tmp_path, command):
    """The real check at import, with the installed version reported as another one: the
    indexer, which writes segments, and the searcher, which reads their blocks."""
    code = ("import importlib.metadata as m, sys; m.version = lambda name: '3.55.0'; "
            "from search.cli import main; sys.exit(main(sys.argv[1:]))")
    out = subprocess.run([sys.executable, "-c", code, *command, "--index", str(tmp_path / "ix")],
                         capture_output=True, text=True, cwd=ROOT, env=cli_env(), timeout=120)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "error: the index needs whoosh3 3.54.0 (its segments are read and written with that release's "
        "internals), but whoosh3 3.55.0 is installed: pip install whoosh3==3.54.0"]
    assert not (tmp_path / "ix").exists()
