"""A text that is not a briefing — a newspaper feature, a notice — as one article."""
from __future__ import annotations

import re

from search.model import Item
from search.vocabulary import ARTICLE
from search.parse.lines import Line, first_text, join_texts, title_like
from search.parse.paragraphs import blocks_of, build_paragraphs, headline, make_item


def article_items(lines: list[Line]) -> list[Item]:
    """A text that is not a briefing (a newspaper feature, say) is one article.

    Newspaper layout: an optional kicker line ending in —— (becomes the subtitle), the
    headline, then the body.
    """
    first = first_text(lines, 0, len(lines))
    if first is None:
        return []
    blocks = blocks_of(lines[first:])
    subtitle = None
    head = blocks[0]
    kicker_end = next((n for n, x in enumerate(head) if x.text.rstrip().endswith("—")), None)
    if kicker_end is not None:
        subtitle = join_texts(x.text for x in head[:kicker_end + 1]).rstrip("— ").strip() or None
        rest = head[kicker_end + 1:]
        if not rest and len(blocks) > 1:
            rest = blocks[1]
        head = rest
    if head and len(head) <= 2 and all(title_like(x.text) for x in head):
        # A headline wrapped onto two lines; its designed spaces stay (紧握接力棒 跑出新气象).
        title = re.sub(r"\s+", " ", join_texts(x.text for x in head))
        body_from = head[-1].no  # .no is 1-based: the index of the line after the headline
    elif head:
        title, body = headline(head[0], lines[head[0].no - 1:])
        body_from = body[0].no - 1 if body else len(lines)
    else:
        title, body_from = "", len(lines)
    paragraphs = build_paragraphs(lines[body_from:], drop_captions=True)
    return [make_item(ARTICLE, title, subtitle, None, paragraphs, lines[first])]
