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


# The timeline's drawing area, in SVG user units (the chart scales to its box's width).
CHART_WIDTH, CHART_HEIGHT = 760, 150
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 40, 8, 12, 26
MAX_AXIS_LABELS = 12


def period_label(period: str) -> str:
    """2017-08 → 2017年8月, 2017 → 2017年."""
    year, _, month = period.partition("-")
    return f"{year}年{int(month)}月" if month else f"{year}年"


def timeline_chart(timeline: list[dict], granularity: str, link) -> Markup:
    """The timeline as an SVG bar chart: one link per non-empty bar (`link(entry)` is its
    URL, which narrows the search to that period), a <title> and an aria-label on each,
    the largest count on the axis and period labels below."""
    n = len(timeline)
    if not n:
        return Markup("")
    top = max(e["count"] for e in timeline) or 1
    plot_w = CHART_WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    slot = plot_w / n
    gap = min(4.0, slot * 0.2)
    base = PLOT_TOP + plot_h
    every = -(-n // MAX_AXIS_LABELS)
    out = [f'<svg class="timeline-chart" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" '
           f'preserveAspectRatio="xMidYMid meet" role="group" aria-label="{escape(_unit(granularity))}分布图">',
           f'<line class="axis" x1="{PLOT_LEFT}" y1="{base}" x2="{CHART_WIDTH - PLOT_RIGHT}" y2="{base}"/>',
           f'<line class="grid" x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{CHART_WIDTH - PLOT_RIGHT}" y2="{PLOT_TOP}"/>',
           f'<text class="axis-label" x="{PLOT_LEFT - 6}" y="{PLOT_TOP + 4}" text-anchor="end">{top}</text>',
           f'<text class="axis-label" x="{PLOT_LEFT - 6}" y="{base}" text-anchor="end">0</text>']
    for i, entry in enumerate(timeline):
        x = PLOT_LEFT + i * slot
        label = escape(f"{period_label(entry['period'])}：{entry['count']} 条")
        height = plot_h * entry["count"] / top
        bar = (f'<rect class="bar" x="{x + gap / 2:.1f}" y="{base - height:.1f}" '
               f'width="{slot - gap:.1f}" height="{height:.1f}"/>')
        if entry["count"]:
            out.append(f'<a class="bar-link" href="{escape(link(entry))}" aria-label="{label}（只看这一时段）" '
                       f'data-period="{escape(entry["period"])}"><title>{label}</title>'
                       f'<rect class="bar-hit" x="{x:.1f}" y="{PLOT_TOP}" width="{slot:.1f}" height="{plot_h}"/>'
                       f'{bar}</a>')
        else:
            out.append(f'<g class="bar-empty"><title>{label}</title>{bar}</g>')
        if i % every == 0:
            out.append(f'<text class="axis-label" x="{x + slot / 2:.1f}" y="{CHART_HEIGHT - 8}" '
                       f'text-anchor="middle">{escape(_short(entry["period"]))}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def _unit(granularity: str) -> str:
    return "按年" if granularity == "year" else "按月"


def _short(period: str) -> str:
    """Axis labels: 2017, 2017-08 → 17.08 (the full label is in each bar's title)."""
    year, _, month = period.partition("-")
    return f"{year[2:]}.{month}" if month else year
