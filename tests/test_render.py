"""webui.render: the numbered source view, its item span and the query's matches."""
from __future__ import annotations

import pytest
from markupsafe import Markup

from webui.render import source_view

from support import parse_html


def view(text: str, start: int, end: int, matches=()) -> tuple:
    """The rendered view of `text` with the span text[start:end], parsed."""
    source_text = {"text": text, "before": text[:start], "span": text[start:end], "after": text[end:],
                   "matches": [list(m) for m in matches]}
    html = source_view(source_text)
    assert isinstance(html, Markup)
    return parse_html(str(html)), str(html)


def lines(doc) -> list[tuple[str, str, bool]]:
    """(id, text, inside the span) of each line."""
    return [(n.attrs["id"], n.find(cls="lc").text(), "in-span" in n.classes) for n in doc.find_all(cls="line")]


TEXT = "标题\n第一段：南通援疆。\n第二段：苏州援疆。\n结尾"


@pytest.mark.parametrize("start,end,inside", [
    (3, 12, ["L2"]),  # exactly one line
    (3, 22, ["L2", "L3"]),
    (5, 9, ["L2"]),  # part of a line
    (0, len(TEXT), ["L1", "L2", "L3", "L4"]),
    (12, 14, ["L2", "L3"]),  # from the end of one line into the next
])
def test_every_line_is_numbered_and_the_span_lines_are_marked(start, end, inside):
    doc, _ = view(TEXT, start, end)
    rows = lines(doc)
    assert [r[0] for r in rows] == ["L1", "L2", "L3", "L4"]
    assert [r[1] for r in rows] == TEXT.split("\n")
    assert [r[0] for r in rows if r[2]] == inside
    assert [n.attrs["data-n"] for n in doc.find_all(cls="ln")] == ["1", "2", "3", "4"]
    block = doc.find(id="span")
    assert block is not None and "span-block" in block.classes
    assert [n.attrs["id"] for n in block.find_all(cls="line")] == inside
    assert "".join(m.text() for m in doc.find_all("mark", cls="span")).replace("\n", "") == \
        TEXT[start:end].replace("\n", "")


def test_matches_are_marked_inside_the_span_only():
    start, end = TEXT.index("第一段"), TEXT.index("第二段") - 1
    span = TEXT[start:end]
    at = span.index("南通")
    doc, _ = view(TEXT, start, end, [(at, at + 2)])
    assert [m.text() for m in doc.find_all("mark", cls="term")] == ["南通"]
    (term,) = doc.find_all("mark", cls="term")
    assert any("span" in a.classes for a in term.ancestors() if a.tag == "mark")


def test_a_match_across_a_line_break_is_marked_on_both_lines():
    text = "第一行南\n通第二行"
    doc, _ = view(text, 0, len(text), [(3, 6)])
    assert [m.text() for m in doc.find_all("mark", cls="term")] == ["南", "通"]


def test_every_piece_of_text_is_escaped():
    text = '<script>alert(1)</script>\n"><img src=x onerror=alert(2)>&amp;'
    doc, html = view(text, 0, len(text), [(0, 8)])
    assert "<script" not in html and "<img" not in html
    assert doc.find("script") is None and doc.find("img") is None
    assert [r[1] for r in lines(doc)] == text.split("\n")


def test_carriage_returns_are_not_shown():
    text = "第一行\r\n第二行\r\n"
    doc, _ = view(text, 0, 4)
    assert [r[1] for r in lines(doc)] == ["第一行", "第二行", ""]
