"""search.query.scoring: BM25 on cached posting arrays, held against Whoosh's own `BM25F`
on a real index, and the query types it refuses."""
from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.scoring import BM25F

from search.index import build_index
from search.query.language import WordsWithChar, compile_query, parse_query
from search.query.scoring import Scorer
from search.store.columns import Columns

from support import briefing

# Bodies of different lengths, titles that share words with bodies, and words that stand
# side by side in one item and apart in another: the cases BM25 and phrases depend on.
ISSUES = {
    "a.txt": briefing(2018, 1, "2018-01-05", [
        ("南通工作组举办纺织培训", "南通援疆工作组在伊宁县举办纺织技能培训班，培训学员五十人。" * 3),
        ("苏州工作组开展招商", "苏州援疆工作组在霍尔果斯开展招商活动，签约项目三个。"),
    ], [("南通医疗队义诊", "南通医疗队在伊宁县义诊，接待患者二百余人")]),
    "b.txt": briefing(2018, 2, "2018-02-05", [
        ("医疗援疆见成效", "南通医疗援疆专家在伊宁县医院开展手术。纺织厂职工也来体检。"),
        ("教育援疆", "苏州教师在霍尔果斯支教，南通教师在伊宁县支教。" * 5),
        ("伊宁县医院新楼启用", "医院新楼由南通援建，伊宁县群众就医更方便。"),
    ]),
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    base = tmp_path_factory.mktemp("scoring")
    for name, text in ISSUES.items():
        (base / "corpus").mkdir(exist_ok=True)
        (base / "corpus" / name).write_text(text, encoding="utf-8")
    assert build_index(base / "corpus", base / "index").ok
    return whoosh_index.open_dir(base / "index")


@pytest.fixture(scope="module")
def whoosh_searcher(index):
    with index.searcher(weighting=BM25F()) as s:
        yield s


@pytest.fixture(scope="module")
def scorer(index, whoosh_searcher):
    columns = Columns.read(whoosh_searcher.reader())
    return Scorer(lambda: whoosh_searcher, columns.n, columns.lengths)


def scores(matches) -> dict[int, float]:
    return {int(d): float(matches.scores[d]) for d in np.flatnonzero(matches.mask)}


def whooshs_scores(searcher, q) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}


TREES = {
    "body term": Q.Term("body", "南通"),
    "title term, boosted": Q.Term("title", "南通", boost=3.0),
    "rare term": Q.Term("body", "招商"),
    "ID field": Q.Term("group", "南通", boost=2.0),
    "title or body": Q.Or([Q.Term("title", "医院", boost=3.0), Q.Term("body", "医院")]),
    "several terms": Q.Or([Q.Term("body", "南通"), Q.Term("body", "伊宁县"), Q.Term("body", "纺织")]),
    "all terms": Q.And([Q.Term("body", "南通"), Q.Term("body", "伊宁县")]),
    "boosted and": Q.And([Q.Term("body", "南通"), Q.Term("title", "医疗")], boost=2.0),
    "and maybe": Q.AndMaybe(Q.Term("body", "南通"), Q.Term("body", "纺织")),
    "and not": Q.AndNot(Q.Term("body", "南通"), Q.Term("body", "纺织")),
    "phrase": Q.Phrase("body", ["伊宁县", "医院"]),
    "boosted phrase": Q.Phrase("title", ["伊宁县", "医院"], boost=3.0),
    "nothing": Q.Term("body", "不存在的词"),
}


@pytest.mark.parametrize("q", TREES.values(), ids=TREES.keys())
def test_query_trees_score_as_whooshs_bm25f(scorer, whoosh_searcher, q):
    ours, theirs = scores(scorer.score(q)), whooshs_scores(whoosh_searcher, q)
    assert ours.keys() == theirs.keys()
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9), docnum


@pytest.mark.parametrize("text", ["南通", "南通 伊宁县", "医院", '"伊宁县医院"', "title:医疗", "南通 -纺织",
                                  "body:苏州 招商", "医疗援疆"])
def test_compiled_queries_score_as_whooshs_bm25f(scorer, whoosh_searcher, text):
    """What the query language builds for a user's text: titles weighted up, phrase
    bonuses, related terms. (Without the single-character expansion, which Whoosh would
    score word by word.)"""
    compiled = compile_query(parse_query(text))
    for q in (compiled.all_words(), compiled.any_word()):
        ours, theirs = scores(scorer.score(q)), whooshs_scores(whoosh_searcher, q)
        assert ours and ours.keys() == theirs.keys()
        assert [ours[d] for d in sorted(ours)] == pytest.approx([theirs[d] for d in sorted(ours)], rel=1e-9)


def test_a_boost_multiplies_the_score(scorer):
    """The query language weights titles up by boosting their terms (TITLE_BOOST)."""
    plain, boosted = scorer.score(Q.Term("title", "医院")), scorer.score(Q.Term("title", "医院", boost=3.0))
    assert plain.mask.any() and (plain.mask == boosted.mask).all()
    assert np.allclose(boosted.scores, 3 * plain.scores)


def test_a_character_inside_words_scores_as_one_term_of_their_summed_frequencies(scorer, index):
    """援 in 援疆 and 援建: one BM25 term whose frequency is the words' frequencies summed."""
    words = ["援疆", "援建"]
    q = WordsWithChar("body", "援", words)
    docs, tfs = scorer.char_postings(q)
    expected = {}
    for w in words:
        for d, tf in zip(*scorer.postings("body", w)):
            expected[int(d)] = expected.get(int(d), 0) + tf
    assert dict(zip(docs.tolist(), tfs.tolist())) == expected
    assert scores(scorer.score(q)) == pytest.approx(scores(scorer.term("body", docs, tfs, 1.0)))


def test_phrases_need_their_words_side_by_side(scorer, whoosh_searcher):
    together = set(scorer.phrase_docs("body", ["伊宁县", "医院"]).tolist())
    both = set(np.intersect1d(scorer.documents("body", "伊宁县"), scorer.documents("body", "医院")).tolist())
    assert together and together < both  # one item holds both words apart
    assert not len(scorer.phrase_docs("body", ["医院", "伊宁县"]))


def test_postings_leave_deleted_documents_out(tmp_path):
    (tmp_path / "corpus").mkdir()
    for name, text in ISSUES.items():
        (tmp_path / "corpus" / name).write_text(text, encoding="utf-8")
    assert build_index(tmp_path / "corpus", tmp_path / "index").ok
    ix = whoosh_index.open_dir(tmp_path / "index")
    with ix.writer() as writer:
        writer.delete_by_term("source", "b.txt")
        writer.mergetype = lambda w, segments: segments  # keep the deleted documents in place
    with ix.searcher() as s:
        columns = Columns.read(s.reader())
        matches = Scorer(lambda: s, columns.n, columns.lengths).score(Q.Term("body", "医院"))
        assert not matches.mask.any()  # 医院 is only in b.txt's items
        assert s.doc_count() < s.doc_count_all() == columns.n


class Unknown(Q.Query):
    """A query type the scorer has never heard of."""


@pytest.mark.parametrize("q", [
    Q.Prefix("body", "南"),
    Q.Wildcard("body", "南*"),
    Q.Every(),
    Q.Not(Q.Term("body", "南通")),
    Unknown(),
    Q.Or([Q.Term("body", "南通"), Q.Prefix("body", "伊")]),  # inside a tree it knows
    Q.AndNot(Q.Term("body", "南通"), Q.FuzzyTerm("body", "纺识")),
], ids=lambda q: type(q).__name__)
def test_a_query_type_it_does_not_know_is_an_error_not_a_score(scorer, q):
    with pytest.raises(TypeError, match="cannot score a"):
        scorer.score(q)


def test_a_scored_subquery_is_kept_and_read_only(index, whoosh_searcher):
    columns = Columns.read(whoosh_searcher.reader())
    fresh = Scorer(lambda: whoosh_searcher, columns.n, columns.lengths)
    q = compile_query(parse_query("医疗 南通"), None).all_words()
    first = scores(fresh.score(q))
    unit = q.subqueries[0]
    docs, kept = fresh.scored(unit)
    assert fresh.scored(unit)[0] is docs  # the second query holding it finds it
    with pytest.raises(ValueError):
        kept[0] = 0.0  # shared by every later query: nobody may change it
    assert scores(fresh.score(q)) == first


def test_scored_subqueries_past_the_budget_are_dropped_oldest_first(index, whoosh_searcher, monkeypatch):
    columns = Columns.read(whoosh_searcher.reader())
    fresh = Scorer(lambda: whoosh_searcher, columns.n, columns.lengths)
    words = ["南通", "伊宁县", "医院", "支教"]
    with fresh.scoring_afresh():
        one_word_bytes = max(d.nbytes + s.nbytes for d, s in map(fresh.scored, [Q.Term("body", w) for w in words]))
    monkeypatch.setattr("search.query.scoring.CACHE_SCORED_BYTES", 2 * one_word_bytes)
    kept = [fresh.scored(Q.Term("body", w))[1] for w in words]
    assert fresh.scored(Q.Term("body", words[-1]))[1] is kept[-1]
    again = fresh.scored(Q.Term("body", words[0]))[1]  # dropped: scored again, to the same scores
    assert again is not kept[0] and (again == kept[0]).all()
    theirs = whooshs_scores(whoosh_searcher, Q.Term("body", words[0]))
    ours = scores(fresh.score(Q.Term("body", words[0])))
    assert ours.keys() == theirs.keys() and [ours[d] for d in theirs] == pytest.approx(list(theirs.values()), rel=1e-9)


def test_scoring_afresh_scores_again_and_then_keeps_what_was_kept(index, whoosh_searcher):
    columns = Columns.read(whoosh_searcher.reader())
    fresh = Scorer(lambda: whoosh_searcher, columns.n, columns.lengths)
    q = Q.Or([Q.Term("title", "医院", boost=3.0), Q.Term("body", "医院")])
    kept = fresh.scored(q)[1]
    with fresh.scoring_afresh():
        again = fresh.scored(q)[1]
        assert again is not kept and (again == kept).all()
        assert fresh.scored(q)[1] is again  # kept within
    assert fresh.scored(q)[1] is kept
