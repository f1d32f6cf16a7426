"""HTML built in Python where a template would be clumsy: the numbered source view.

Every piece of text goes through `markupsafe.escape`; the only tags added are ours.
"""
from __future__ import annotations

from markupsafe import Markup, escape


def source_view(source_text: dict) -> Markup:
    """The whole source file, one element per line with its number, the item's span in
    `<mark class="span">` inside a block with `id="span"`, and the query's matches inside
    the span in `<mark class="term">`.

    `source_text` is `Searcher.item(...)["source_text"]`: text, before, span, after and
    matches (offsets relative to the span).
    """
    text = source_text["text"]
    start = len(source_text["before"])
    end = start + len(source_text["span"])
    hits = sorted((start + a, start + b) for a, b in source_text.get("matches") or [])
    first_line = text.count("\n", 0, start) + 1
    last_line = text.count("\n", 0, max(start, end - 1)) + 1

    out: list[str] = []
    offset = 0
    for number, line in enumerate(text.split("\n"), 1):
        a, b = offset, offset + len(line)
        offset = b + 1
        if number == first_line:
            out.append('<span class="span-block" id="span" tabindex="-1">')
        inside = first_line <= number <= last_line
        css = "line in-span" if inside else "line"
        out.append(f'<span class="{css}" id="L{number}"><span class="ln" data-n="{number}"></span>'
                   f'<span class="lc">{_line(text, a, b, start, end, hits)}</span></span>')
        if number == last_line:
            out.append("</span>")
    return Markup("".join(out))


def _line(text: str, a: int, b: int, start: int, end: int, hits) -> str:
    """Text[a:b], escaped, with the span part marked and hits within it marked again."""
    line = text[a:b].rstrip("\r")
    b = a + len(line)
    s, e = max(a, start), min(b, end)
    if e <= s:
        return str(escape(line))
    inner, cursor = [], s
    for ha, hb in hits:
        ha, hb = max(ha, s), min(hb, e)
        if hb <= ha or ha < cursor:
            continue
        inner.append(str(escape(text[cursor:ha])))
        inner.append(f'<mark class="term">{escape(text[ha:hb])}</mark>')
        cursor = hb
    inner.append(str(escape(text[cursor:e])))
    return (str(escape(text[a:s])) + '<mark class="span">' + "".join(inner) + "</mark>"
            + str(escape(text[e:b])))
