"""Results for people at a terminal: highlights in colour, facets as one line each."""
from __future__ import annotations

import html
import re

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _plain(fragment: str, color: bool) -> str:
    """HTML highlight → terminal text (bold yellow marks, or [brackets] without colour)."""
    marked = _MARK.sub(lambda m: (f"\033[1;33m{m.group(1)}\033[0m" if color else f"[{m.group(1)}]"), fragment)
    return html.unescape(marked)


def print_results(result: dict, color: bool = True) -> None:
    relaxed = "（不含全部词的结果也已列出）" if result["relaxed"] else ""
    stories = f"（{result['stories']} 篇报道，同一报道的版本已合并）" if result.get("collapsed") else ""
    print(f"{result['total']} 条结果{stories} · {result['took_ms']} ms{relaxed}")
    start = (result["page"] - 1) * result["limit"]
    for n, hit in enumerate(result["hits"], start + 1):
        where = " · ".join(x for x in (hit["kind_label"], hit["group"], hit["issue_label"] or hit["source"],
                                       None if hit["issue"] else hit.get("publisher"), hit["date"]) if x)
        print(f"\n{n}. {_plain(hit['highlights']['title'], color)}  [{where}]  {hit['id']}")
        for snippet in hit["highlights"]["body"]:
            print(f"   {_plain(snippet, color)}")
        if hit.get("versions_total"):
            sources = "、".join(v["source"] for v in hit["versions"][:3])
            print(f"   另有 {hit['versions_total']} 个版本：{sources}")
    for facet, rows in result["facets"].items():
        if rows:
            print(f"\n{facet}: " + "  ".join(f"{r['label']}({r['count']})" for r in rows[:12]), end="")
    print()
