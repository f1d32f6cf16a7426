"""search.query.highlight: the query's words marked in escaped text, and the snippets."""
from __future__ import annotations

import pytest

from search.query.highlight import SNIPPET_CHARS, compile_terms, find_spans, highlight, mark, snippets


@pytest.mark.parametrize("terms,text,marked", [
    (["援疆"], "产业援疆见成效", "产业<mark>援疆</mark>见成效"),
    (["伊宁县", "伊宁"], "伊宁县和伊宁市", "<mark>伊宁县</mark>和<mark>伊宁</mark>市"),  # longest first
    (["伊宁", "伊宁县"], "伊宁县", "<mark>伊宁</mark>县"),  # the caller orders them
    (["援疆"], "援 疆干部", "<mark>援 疆</mark>干部"),  # a space the PDF extraction left
    (["援疆"], "援\n疆", "<mark>援\n疆</mark>"),
    (["援疆"], "援疆幹部", "<mark>援疆</mark>幹部"),
    (["干部"], "援疆幹部", "援疆<mark>幹部</mark>"),  # traditional text, simplified query
    (["abc"], "ＡＢＣ公司", "<mark>ＡＢＣ</mark>公司"),  # full width marked as written
    (["8"], "28104 人，8 人", "28104 人，<mark>8</mark> 人"),  # not part of a longer number
    (["2017"], "2017年，20170 元，2017.5", "<mark>2017</mark>年，20170 元，2017.5"),
    (["app"], "apple app", "apple <mark>app</mark>"),
    (["援疆"], "<b>援疆</b> & 其他", "&lt;b&gt;<mark>援疆</mark>&lt;/b&gt; &amp; 其他"),
    (["<b>"], "a <b> b", "a <mark>&lt;b&gt;</mark> b"),
    (["不存在"], "没有命中", "没有命中"),
])
def test_highlight_marks_every_match_in_escaped_text(terms, text, marked):
    assert highlight(text, compile_terms(terms)) == marked


@pytest.mark.parametrize("terms", [[], [""]])
def test_no_terms_no_pattern_and_the_text_only_escaped(terms):
    assert compile_terms(terms) is None
    assert highlight("<i>援疆</i>", None) == "&lt;i&gt;援疆&lt;/i&gt;"
    assert find_spans("援疆", None) == [] and find_spans("", compile_terms(["援疆"])) == []


@pytest.mark.parametrize("spans,start,end,marked", [
    ([(2, 4)], 0, None, "产业<mark>援疆</mark>见成效"),
    ([(2, 4)], 3, None, "<mark>疆</mark>见成效"),  # a match cut by the window
    ([(2, 4)], 0, 3, "产业<mark>援</mark>"),
    ([(0, 2), (1, 3)], 0, None, "<mark>产业</mark>援疆见成效"),  # overlaps dropped
    ([(5, 7)], 0, 4, "产业援疆"),  # outside the window
])
def test_mark_a_window(spans, start, end, marked):
    assert mark("产业援疆见成效", spans, start, end) == marked


def test_a_snippet_is_centred_on_a_match_and_says_it_is_cut():
    text = "开头" * 100 + "援疆干部" + "结尾" * 100
    (snippet,) = snippets(text, compile_terms(["援疆"]))
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>援疆</mark>" in snippet
    shown = snippet.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert len(shown) == SNIPPET_CHARS
    before, after = shown.split("援疆")
    assert abs(len(before) - len(after)) <= 1


def test_snippets_prefer_windows_showing_more_different_words():
    filler = "。" * 300
    text = "南通" + filler + "南通 苏州 伊宁县" + filler + "南通"
    first, second = snippets(text, compile_terms(["伊宁县", "南通", "苏州"]))
    # In text order; the window with all three words is one of them.
    assert "<mark>苏州</mark>" in first + second and "<mark>伊宁县</mark>" in first + second
    assert sum(s.count("<mark>") for s in (first, second)) >= 4


def test_snippets_do_not_overlap_and_come_in_text_order():
    text = "".join(f"援疆{n}" + "。" * 150 for n in range(4))  # each window is found once
    shown = snippets(text, compile_terms(["援疆"]), count=3)
    assert len(shown) == 3
    positions = []
    for s in shown:
        plain = s.replace("<mark>", "").replace("</mark>", "").strip("…")
        positions.append(text.index(plain))
    assert positions == sorted(positions)
    assert all(b - a >= SNIPPET_CHARS for a, b in zip(positions, positions[1:]))


@pytest.mark.parametrize("text,expected", [
    ("短文本，没有命中。", ["短文本，没有命中。"]),
    ("甲" * 150, ["甲" * SNIPPET_CHARS + "…"]),  # the opening stands in
    ("", []),
    (None, []),
])
def test_without_a_match_the_opening_stands_in(text, expected):
    assert snippets(text, compile_terms(["援疆"])) == expected


def test_snippets_escape_the_text():
    (snippet,) = snippets("<script>援疆</script>", compile_terms(["援疆"]))
    assert snippet == "&lt;script&gt;<mark>援疆</mark>&lt;/script&gt;"
