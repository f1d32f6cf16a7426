"""Searching a real index built from the sample corpus and from documents made here."""
import re

import pytest

from search.analysis import normalize
from search.index import build_index
from search.query.language import QueryError
from search.searcher import Searcher

from support import briefing


@pytest.fixture(scope="module")
def corpus_searcher(index_dir):
    return Searcher(index_dir)


def all_items(searcher):
    result = searcher.search("", limit=100)
    assert result["total"] == len(result["hits"])
    return result["hits"]


def flat(text):
    return re.sub(r"\s+", "", normalize(text or ""))


def containing(searcher, needle):
    """Ids of the items whose title, subtitle or body hold `needle` (white space ignored)."""
    needle = flat(needle)
    return {h["id"] for h in all_items(searcher)
            if needle in flat(h["title"]) + "|" + flat(h["subtitle"]) + "|" + flat(h["body"])}


def ids(result):
    return {h["id"] for h in result["hits"]}


@pytest.mark.parametrize("phrase", ["产业援疆", "民族团结一家亲", "伊宁县家纺服装产业园", "37名干部"])
def test_a_phrase_query_returns_exactly_the_items_holding_the_phrase(corpus_searcher, phrase):
    expected = containing(corpus_searcher, phrase)
    assert expected
    result = corpus_searcher.search(f'"{phrase}"', limit=100)
    assert ids(result) == expected


def test_a_single_character_finds_the_items_holding_it(corpus_searcher):
    expected = containing(corpus_searcher, "援")
    result = corpus_searcher.search("援", limit=100)
    assert len(expected) > 10
    assert ids(result) == expected


def test_a_name_jieba_does_not_know_is_found(corpus_searcher):
    result = corpus_searcher.search("赵东生")
    assert result["total"] == 1
    assert "<mark>赵东生</mark>" in " ".join(result["hits"][0]["highlights"]["body"])


@pytest.mark.parametrize("traditional, simplified", [("霍爾果斯", "霍尔果斯"), ("民族團結", "民族团结"),
                                                     ("醫療", "医疗")])
def test_traditional_characters_find_what_simplified_ones_find(corpus_searcher, traditional, simplified):
    a = corpus_searcher.search(traditional, limit=100)
    b = corpus_searcher.search(simplified, limit=100)
    assert a["total"] == b["total"] > 0
    assert [h["id"] for h in a["hits"]] == [h["id"] for h in b["hits"]]


def test_the_city_and_the_county_of_the_same_name_stay_apart(corpus_searcher):
    city = corpus_searcher.search("伊宁市", limit=100)
    assert city["total"] > 0
    assert all("伊宁市" in flat(h["title"] + h["body"]) for h in city["hits"])


def test_titles_outrank_bodies(corpus_searcher):
    hits = corpus_searcher.search("霍尔果斯")["hits"]
    in_title = ["霍尔果斯" in h["title"] for h in hits]
    assert in_title[0] and in_title == sorted(in_title, reverse=True)


def test_related_terms_widen_the_search_but_rank_below_literal_matches(corpus_searcher):
    result = corpus_searcher.search("纺织", limit=100)
    literal = containing(corpus_searcher, "纺织")
    found = [h["id"] for h in result["hits"]]
    assert set(found) > literal  # 家纺 / 织造 items are found too
    assert found[0] in literal


@pytest.mark.parametrize("facet", ["group", "issue", "kind", "year", "locality"])
def test_facet_counts_equal_the_totals_of_filtered_searches(corpus_searcher, facet):
    result = corpus_searcher.search("援疆")
    assert result["facets"][facet]
    for row in result["facets"][facet]:
        filtered = corpus_searcher.search("援疆", {facet: [row["value"]]})
        assert filtered["total"] == row["count"], row


def test_values_of_one_facet_combine_with_or_and_facets_with_and(corpus_searcher):
    groups = [r["value"] for r in corpus_searcher.search("援疆")["facets"]["group"][:2]]
    one = corpus_searcher.search("援疆", {"group": groups[:1]})["total"]
    two = corpus_searcher.search("援疆", {"group": groups[:1]})["total"] + \
        corpus_searcher.search("援疆", {"group": groups[1:2]})["total"]
    both = corpus_searcher.search("援疆", {"group": groups})
    assert both["total"] == two > one
    # the group facet still offers the other groups while one is selected
    assert len(corpus_searcher.search("援疆", {"group": groups[:1]})["facets"]["group"]) > 1
    narrowed = corpus_searcher.search("援疆", {"group": groups, "kind": ["dynamic"]})
    assert narrowed["total"] < both["total"]
    assert all(h["kind"] == "dynamic" and h["group"] in groups for h in narrowed["hits"])


def test_field_syntax_exclusion_and_filters_in_the_query(corpus_searcher):
    titled = corpus_searcher.search("title:霍尔果斯", limit=100)
    assert titled["total"] > 0 and all("霍尔果斯" in h["title"] for h in titled["hits"])
    without = corpus_searcher.search("援疆 -南通", limit=100)
    assert without["total"] > 0 and all("南通" not in flat(h["title"] + h["body"]) for h in without["hits"])
    grouped = corpus_searcher.search("援疆 group:南通 kind:动态", limit=100)
    assert grouped["total"] > 0
    assert all(h["group"] == "南通" and h["kind"] == "dynamic" for h in grouped["hits"])


def test_all_words_first_then_some_words_when_too_few_hold_all(corpus_searcher):
    result = corpus_searcher.search("特克斯 旅游", limit=100)
    assert result["relaxed"]
    holds_both = ["特克斯" in flat(h["title"] + h["body"]) and "旅游" in flat(h["title"] + h["body"])
                  for h in result["hits"]]
    assert holds_both == sorted(holds_both, reverse=True) and holds_both[0] and not holds_both[-1]


def test_things_not_in_the_corpus_find_nothing(corpus_searcher):
    for q in ("喀什", "援藏", "量子计算"):
        assert corpus_searcher.search(q)["total"] == 0, q


def test_highlights_are_escaped_marked_and_sized_for_chinese(corpus_searcher):
    hits = corpus_searcher.search("脱贫攻坚")["hits"]
    hit = next(h for h in hits if "脱贫攻坚" in flat(h["body"]))
    snippets = hit["highlights"]["body"]
    assert snippets and all("<mark>" in s for s in snippets)
    for s in snippets:
        visible = re.sub(r"</?mark>", "", s).strip("…")
        assert 40 <= len(visible) <= 130


def test_sorting_and_paging(corpus_searcher):
    newest = corpus_searcher.search("援疆", sort="newest", limit=100)["hits"]
    dates = [h["date"] or "" for h in newest]
    assert dates == sorted(dates, reverse=True)
    page1 = corpus_searcher.search("援疆", limit=5)
    page2 = corpus_searcher.search("援疆", limit=5, page=2)
    assert page1["pages"] >= 2 and not ids(page1) & ids(page2)


@pytest.mark.parametrize("bad", [dict(q="援" * 500), dict(q="援疆", sort="random"),
                                 dict(q="援疆", limit=0), dict(q="援疆", page=10_000),
                                 dict(q="-援疆"), dict(q=" ".join(f"词{i}" for i in range(100)))])
def test_bad_requests_are_messages(corpus_searcher, bad):
    with pytest.raises(QueryError) as err:
        corpus_searcher.search(**bad)
    assert str(err.value)


def test_hostile_syntax_is_text_not_an_error(corpus_searcher):
    for q in ('"未闭合的引号', "((((援疆", "*疆", "title:", "a:b:c", "援疆 OR AND NOT"):
        corpus_searcher.search(q)


def test_an_item_opens_in_its_issue_with_its_source_span(corpus_searcher):
    hit = corpus_searcher.search("两学一做")["hits"][0]
    item = corpus_searcher.item(hit["id"], q="两学一做")
    assert "<mark>两学一做</mark>" in item["highlights"]["title"]
    assert item["document"]["issue"] == hit["issue"]
    assert [c["id"] for c in item["contents"]].index(hit["id"]) == hit["ordinal"] - 1
    source = item["source_text"]
    assert source["before"] + source["span"] + source["after"] == source["text"]
    assert flat(hit["body"][:20]) in flat(source["span"])
    assert item["previous"] or item["next"]


def test_issue_and_group_views(corpus_searcher):
    issues = corpus_searcher.issues()
    briefings = [d for d in issues if d["issue"]]
    assert briefings and [d["issue"] for d in briefings] == sorted((d["issue"] for d in briefings), reverse=True)
    issue = corpus_searcher.issue(briefings[0]["issue"])
    assert [i["ordinal"] for i in issue["items"]] == list(range(1, len(issue["items"]) + 1))
    group = corpus_searcher.group("南通")
    assert group["total"] == sum(r["count"] for r in group["issues"]) == len(group["items"])


def test_index_follows_changes_and_a_running_searcher_sees_them(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "a.txt").write_text(briefing(2018, 3, "2018-02-01", [("南通工作组开展种植培训", "种植培训惠及棉农。")]),
                                  encoding="utf-8")
    build_index(corpus, index)
    searcher = Searcher(index)
    assert searcher.search("棉农")["total"] == 1
    (corpus / "a.txt").write_text(briefing(2018, 3, "2018-02-01", [("南通工作组开展养殖培训", "养殖培训惠及牧民。")]),
                                  encoding="utf-8")
    summary = build_index(corpus, index)
    assert (summary.files_parsed, summary.items_updated) == (1, 1)
    import time
    time.sleep(0.6)  # the searcher checks for a new generation at most twice a second
    assert searcher.search("棉农")["total"] == 0
    assert searcher.search("牧民")["total"] == 1


def test_numbers_match_whole_numbers_only(corpus_searcher):
    result = corpus_searcher.search("8.9", limit=100)
    assert ids(result) == containing(corpus_searcher, "8.9")
    marked = " ".join(" ".join(h["highlights"]["body"]) for h in corpus_searcher.search("1805")["hits"])
    assert "<mark>1805</mark>" in marked
    for hit in corpus_searcher.search("37", limit=100)["hits"]:
        for snippet in hit["highlights"]["body"]:
            assert not re.search(r"\d<mark>|</mark>\d", snippet), snippet


def test_related_items_share_telling_words(corpus_searcher):
    hit = corpus_searcher.search("远程诊疗")["hits"][0]
    related = corpus_searcher.item(hit["id"])["related"]
    assert 0 < len(related) <= 5 and hit["id"] not in {r["id"] for r in related}
    assert any("医" in r["title"] or "卫生" in r["title"] for r in related)  # medical relates to medical


def test_long_facets_list_the_first_values_and_say_how_many_there_are(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(1, 36):
        (corpus / f"{n:02d}.txt").write_text(
            briefing(2018, n, f"2018-{(n - 1) // 3 + 1:02d}-{(n - 1) % 3 * 9 + 1:02d}",
                     [(f"南通工作组第{n}次调研", "调研惠及群众。")]), "utf-8")
    build_index(corpus, tmp_path / "index")
    s = Searcher(tmp_path / "index")
    result = s.search("调研")
    assert result["facet_sizes"]["issue"] == 35 and len(result["facets"]["issue"]) == 30
    assert result["facets"]["issue"][0]["value"] == "2018-35"  # newest first
    chosen = s.search("调研", {"issue": ["2018-01"]})
    assert chosen["total"] == 1
    assert any(r["value"] == "2018-01" and r["selected"] for r in chosen["facets"]["issue"])


def test_pages_partition_the_ranking_even_when_scores_tie(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(1, 26):  # 25 items that score exactly alike
        (corpus / f"{n:02d}.txt").write_text(
            briefing(2019, n, "2019-05-01", [("苏州工作组开展调研", "调研活动。")]), "utf-8")
    build_index(corpus, tmp_path / "index")
    s = Searcher(tmp_path / "index")
    whole = [h["id"] for h in s.search("调研", limit=25)["hits"]]
    paged = [h["id"] for p in (1, 2, 3, 4, 5) for h in s.search("调研", limit=6, page=p)["hits"]]
    assert len(set(whole)) == 25 and paged == whole


@pytest.mark.parametrize("looked_at_first", [8, 1024])  # the full pass over every version, and not
def test_rankings_of_hits_and_of_stories_follow_one_order_across_tiers(looked_at_first, monkeypatch):
    import numpy as np
    from search.query.scoring import Matches
    from search.searcher import _Ranking

    monkeypatch.setattr("search.searcher.RANKED_AT_ONCE", looked_at_first)

    rng = np.random.default_rng(7)
    n = 500
    scores = rng.integers(0, 20, n).astype(float)  # many ties
    every_word = Matches(rng.random(n) < 0.3, scores)
    some_word = Matches(every_word.mask | (rng.random(n) < 0.5), scores / 2)
    selected = rng.random(n) < 0.8
    first_docs = np.flatnonzero(selected & every_word.mask)
    then_docs = np.flatnonzero(selected & some_word.mask & ~every_word.mask)
    expected = [d for docs, s in ((first_docs, every_word.scores), (then_docs, some_word.scores))
                for d in docs[np.lexsort((docs, -s[docs]))].tolist()]
    story = rng.integers(0, 60, n)  # some stories in both tiers, most with several versions
    by_story = {}
    for d in expected:
        by_story.setdefault(int(story[d]), d)  # a story's first hit in the ranking
    expected_stories = sorted(by_story.values(), key=expected.index)

    ranking = _Ranking([every_word, some_word], selected)
    for depth in (3, 9, 40, 17, 200, len(expected) + 10):
        assert ranking.first(depth)[0].tolist() == expected[:depth], depth
        assert ranking.first_stories(story, 60, depth)[0].tolist() == expected_stories[:depth], depth
