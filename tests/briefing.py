"""Small briefing files made inside tests, in the layout of the real issues."""
from __future__ import annotations

FOOTER = ("本期报：中央新疆办，省委、省人大、省政府有关领导同志。\n\n"
          "江苏省对口支援伊犁州前方指挥部办公室\n\n共印 150 份\n")


def briefing(year: int, number: int, date: str, articles: list[tuple[str, str]],
             dynamics: list[tuple[str, str]] = ()) -> str:
    """A plain-text issue: header, contents, articles (title, body), 动态 (title, body), footer."""
    y, m, d = date.split("-")
    lines = ["援疆工作简报", f"{year} 年第 {number} 期（总第 {number} 期）",
             "江苏省对口支援新疆伊犁州前方指挥部", f"{y} 年 {int(m)} 月 {int(d)} 日", "【本期要目】"]
    lines += [f"- ★ {title}" for title, _ in articles]
    if dynamics:
        lines.append("【本期动态】")
        lines += [f"- ☆ {title}" for title, _ in dynamics]
    for title, body in articles:
        lines += [title, body]
    if dynamics:
        lines.append("【本期动态】")
        lines += [f"{title}。{body}" for title, body in dynamics]
    return "\n\n".join(lines) + "\n\n" + FOOTER
