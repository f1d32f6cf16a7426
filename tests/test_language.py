"""search.query.language: the user's query syntax, and the Whoosh trees built from it."""
from __future__ import annotations

import pytest
from whoosh import query as Q

from search.query.language import (CHARS_BOOST, PHRASE_BONUS, RELATED_BOOST,
                                   TITLE_BOOST, QueryError, WordsWithChar, compile_query,
                                   normalize_filter, parse_query, related_terms)
from search.vocabulary import MAX_QUERY_CHARS, MAX_QUERY_TERMS


def units(parsed) -> list[tuple]:
    return [(u.text, u.words, u.field, u.exact) for u in parsed.units]


@pytest.mark.parametrize("text,expected", [
    ("援疆", [("援疆", ["援疆"], None, False)]),
    ("南通医疗队", [("南通医疗队", ["南通", "医疗队"], None, False)]),
    ("南通 伊宁县", [("南通", ["南通"], None, False), ("伊宁县", ["伊宁县"], None, False)]),
    ('"伊宁县 医院"', [("伊宁县医院", ["伊宁县", "医院"], None, True)]),
    ("“伊宁县医院”", [("伊宁县医院", ["伊宁县", "医院"], None, True)]),  # Chinese quotes
    ("「援疆」", [("援疆", ["援疆"], None, True)]),
    ('"未闭合的引号', [("未闭合的引号", ["未", "闭合", "的", "引号"], None, True)]),
    ("title:援疆", [("援疆", ["援疆"], "title", False)]),
    ("TITLE：援疆", [("援疆", ["援疆"], "title", False)]),  # any case, full-width colon
    ("body:医疗", [("医疗", ["医疗"], "body", False)]),
    ('title:"援疆干部"', [("援疆干部", ["援疆干部"], "title", True)]),
    ("http://x", [("httpx", ["http", "x"], None, False)]),  # not one of our fields: text
    ("援疆。，、", [("援疆", ["援疆"], None, False)]),  # punctuation is no word
    ("ＡＢＣ", [("abc", ["abc"], None, False)]),  # full width and case folded
    ("援疆幹部", [("援疆干部", ["援疆干部"], None, False)]),  # traditional folded to simplified
])
def test_words_phrases_and_fields(text, expected):
    parsed = parse_query(text)
    assert units(parsed) == expected
    assert not parsed.excluded and not parsed.filters


@pytest.mark.parametrize("text,units_,excluded", [
    ("医疗 -南通", ["医疗"], ["南通"]),
    ('援疆 -"伊宁县 医院"', ["援疆"], ["伊宁县医院"]),
    ("援疆 -title:南通", ["援疆"], ["南通"]),
])
def test_exclusions(text, units_, excluded):
    parsed = parse_query(text)
    assert [u.text for u in parsed.units] == units_
    assert [u.text for u in parsed.excluded] == excluded


@pytest.mark.parametrize("text,filters,rest", [
    ("group:南通", {"group": ["南通"]}, []),
    ("group:南通 group:苏州 医疗", {"group": ["南通", "苏州"]}, ["医疗"]),
    ("kind:动态", {"kind": ["dynamic"]}, []),
    ("kind:文章", {"kind": ["article"]}, []),
    ("kind:article", {"kind": ["article"]}, []),
    ("issue:2017年第9期", {"issue": ["2017-09"]}, []),
    ("issue:2017-9", {"issue": ["2017-09"]}, []),
    ("issue:2017-09", {"issue": ["2017-09"]}, []),
    ("year:２０１７", {"year": ["2017"]}, []),
    ("locality:伊寧縣", {"locality": ["伊宁县"]}, []),
    ("group: 援疆", {}, ["group", "援疆"]),  # a prefix without a value is text
])
def test_filters(text, filters, rest):
    parsed = parse_query(text)
    assert parsed.filters == filters
    assert [u.text for u in parsed.units] == rest


@pytest.mark.parametrize("name,value,expected", [
    ("kind", " 动态 ", "dynamic"),
    ("kind", "other", "other"),  # unknown kinds pass: the filter then matches nothing
    ("issue", "2018年第3期", "2018-03"),
    ("issue", "2018/12", "2018-12"),
    ("issue", "not an issue", "not an issue"),
    ("group", "ＳＵＺＨＯＵ", "suzhou"),
])
def test_normalize_filter(name, value, expected):
    assert normalize_filter(name, value) == expected


@pytest.mark.parametrize("text", ["", "   ", "。，", "-", '""'])
def test_nothing_to_look_for_is_an_empty_query(text):
    assert parse_query(text).empty


@pytest.mark.parametrize("text,message", [
    ("援" * (MAX_QUERY_CHARS + 1), "query too long"),
    (" ".join(f"词{n}" for n in range(MAX_QUERY_TERMS + 1)), "too many terms"),
    ("-南通", "only excludes"),
    ("-南通 -苏州 group:南通", "only excludes"),
])
def test_queries_that_cannot_run_say_why(text, message):
    with pytest.raises(QueryError, match=message):
        parse_query(text)


def test_the_longest_query_allowed_runs():
    assert not parse_query("援" * MAX_QUERY_CHARS).empty


# ---------------------------------------------------------------------------- compiling

def terms(q) -> list[tuple[str, str, float]]:
    """(field, text, boost) of every Term in a tree, in order."""
    if isinstance(q, Q.Term):
        return [(q.fieldname, q.text, q.boost)]
    return [t for sub in getattr(q, "subqueries", ()) or [s for s in (getattr(q, "a", None), getattr(q, "b", None)) if s]
            for t in terms(sub)]


def test_one_word_is_a_term_in_each_field_with_titles_weighted_up():
    q = compile_query(parse_query("棉花")).all_words()
    assert q == Q.Or([Q.Term("title", "棉花", boost=TITLE_BOOST), Q.Term("body", "棉花")])


def test_a_field_prefix_searches_that_field_only():
    q = compile_query(parse_query("body:棉花")).all_words()
    assert q == Q.Or([Q.Term("body", "棉花")])


def test_a_quoted_phrase_is_a_phrase_in_each_field():
    q = compile_query(parse_query('"伊宁县 医院"')).all_words()
    assert q == Q.Or([Q.Phrase("title", ["伊宁县", "医院"], boost=TITLE_BOOST),
                      Q.Phrase("body", ["伊宁县", "医院"])])


def test_a_chunk_of_several_words_needs_them_all_and_ranks_them_side_by_side_higher():
    q = compile_query(parse_query("南通棉花")).all_words()
    assert isinstance(q, Q.AndMaybe) and isinstance(q.a, Q.And)
    assert [terms(part) for part in q.a.subqueries] == [
        [("title", "南通", TITLE_BOOST), ("body", "南通", 1.0)],
        [("title", "棉花", TITLE_BOOST), ("body", "棉花", 1.0)]]
    assert q.b == Q.Or([Q.Phrase("title", ["南通", "棉花"], boost=TITLE_BOOST * PHRASE_BONUS),
                        Q.Phrase("body", ["南通", "棉花"], boost=PHRASE_BONUS)])


def test_single_characters_an_unknown_name_splits_into_stay_together():
    """濠河 is not in the dictionary: its characters must stand side by side."""
    q = compile_query(parse_query("濠河")).all_words()
    assert q == Q.Or([Q.Phrase("title", ["濠", "河"], boost=TITLE_BOOST), Q.Phrase("body", ["濠", "河"])])


def test_related_terms_widen_the_search_and_weigh_less():
    assert "义诊" in related_terms()["医疗"]
    compiled = compile_query(parse_query("医疗"))
    found = terms(compiled.all_words())
    assert ("body", "医疗", 1.0) in found and ("title", "医疗", TITLE_BOOST) in found
    assert ("body", "义诊", RELATED_BOOST) in found
    assert all(boost < 1.0 for field, text, boost in found if text != "医疗" and field == "body")
    assert "义诊" in compiled.highlights


def test_a_single_character_is_also_found_inside_longer_words_at_a_lower_weight():
    inside = {"title": ["援疆", "援建"], "body": ["援疆", "受援地", "援"]}
    q = compile_query(parse_query("援"), lambda field, ch: inside[field]).all_words()
    chars = [sub for sub in q.subqueries if isinstance(sub, WordsWithChar)]
    assert [(c.fieldname, c.char, [t.text for t in c.subqueries], c.boost) for c in chars] == [
        ("title", "援", ["援疆", "援建"], TITLE_BOOST * CHARS_BOOST),
        ("body", "援", ["援疆", "受援地"], CHARS_BOOST)]  # not the character itself again


def test_several_units_all_required_or_any_of_them():
    compiled = compile_query(parse_query("南通 苏州"))
    assert isinstance(compiled.all_words(), Q.And) and isinstance(compiled.any_word(), Q.Or)
    assert len(compiled.all_words().subqueries) == len(compiled.any_word().subqueries) == 2


def test_exclusions_wrap_the_query():
    compiled = compile_query(parse_query("医疗 -南通 -title:苏州"))
    q = compiled.all_words()
    assert isinstance(q, Q.AndNot)
    assert terms(q.b) == [("title", "南通", TITLE_BOOST), ("body", "南通", 1.0), ("title", "苏州", TITLE_BOOST)]
    assert "南通" not in compiled.highlights  # excluded words are not marked


@pytest.mark.parametrize("text,highlights", [
    ("伊宁县", ["伊宁县"]),
    ("南通棉花", ["南通棉花", "南通", "棉花"]),  # the whole chunk too, and first: longest wins in a regex
    ('"伊宁县 医院"', ["伊宁县医院"]),
])
def test_highlights_are_longest_first(text, highlights):
    found = compile_query(parse_query(text)).highlights
    assert sorted(found) == sorted(highlights)
    assert [len(h) for h in found] == sorted((len(h) for h in found), reverse=True)
