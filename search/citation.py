"""Citations of items in the style of GB/T 7714-2015 (信息与文献 参考文献著录规则).

A briefing is an internal serial of reports: an item is cited as an article taken from a
serial — 主要责任者. 题名[R]. 连续出版物题名, 年(期): 页码. A news story is a newspaper
article — 主要责任者. 题名[N]. 报纸名, 出版日期(版次). Parts that are unknown are left
out rather than guessed; the page is given when the source knows it.
"""
from __future__ import annotations

import re

from search.vocabulary import BRIEFING

REPORT, NEWSPAPER = "R", "N"  # the standard's document type codes
MAX_AUTHORS = 3  # the standard lists three, then 等
# What a byline says besides names: roles (新华社记者 刘兵, 通讯员 王丽), credits (文/图).
_ROLE = re.compile(r"^.*?(?:记者|通讯员|实习生|撰稿人?|作者|编辑)[:：]?|^(?:文|图|摄影?|供图)[:：/]?$")
_NAME_SPLIT = re.compile(r"[\s、，,;；/|]+")


def citation(item: dict, header: dict) -> str:
    """The reference of `item` (a searcher summary) within its source file (`header`)."""
    page = item.get("page")
    if header.get("doc_type") == BRIEFING:
        author, kind = header.get("publisher"), REPORT
        number = f"({header['issue_no']})" if header.get("issue_no") else ""
        year = f"{header['year']}{number}" if header.get("year") else ""
        where = ", ".join(x for x in (header.get("series"), year) if x) + (f": {page}" if page else "")
    else:
        author, kind = authors(item.get("byline")), NEWSPAPER
        paper = header.get("publisher") or header.get("series")
        date = header.get("date") or item.get("date")
        where = ", ".join(x for x in (paper, date) if x) + (f"({page})" if page and date else "")
    return ". ".join(x for x in (author, f"{item['title']}[{kind}]", where) if x) + "."


def authors(byline: str | None) -> str | None:
    """A byline's names as the standard lists them: `通讯员 王丽 记者 张强 丁一` → 王丽, 张强, 丁一."""
    names = [n for n in (_ROLE.sub("", part) for part in _NAME_SPLIT.split(byline or "")) if n]
    if not names:
        return None
    return ", ".join(names[:MAX_AUTHORS]) + (", 等" if len(names) > MAX_AUTHORS else "")
