"""What a saved news page says about itself: page furniture, metadata lines and datelines.

Pages copied from news sites, e-papers and mirrors carry, around the story, the site's
menus and breadcrumbs, converter leftovers (tags, image placeholders, paywall notes) and
metadata lines (`2021年07月19日 10:38 来源:天山网`, `发布日期:…`, `作者:…`). None of it is
the headline or the body; the metadata gives the publication date, the outlet and the
byline. Lines are classified on their folded form (`analysis.normalize`: full-width →
half-width, traditional → simplified, one character for one), so `來源：` reads as `来源:`
and offsets into the folded text are offsets into the original.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from search.analysis import normalize

# -- dates -------------------------------------------------------------------------

_CN_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "o": 0, "零": 0}
_YEAR = r"(?:19|20)\d\d|[〇○o零一二三四五六七八九]{4}"
_MONTH_DAY = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_TIME = r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
# (pattern, order of the year/month/day groups); every form ends with an optional time.
_DATE_FORMS = [
    (rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MONTH_DAY})\s*月\s*(?P<d>{_MONTH_DAY})\s*[日号]{_TIME}", None),
    (rf"(?<!\d)(?P<y>(?:19|20)\d\d)\s*[-/.]\s*(?P<m>\d{{1,2}})\s*[-/.]\s*(?P<d>\d{{1,2}})(?!\d){_TIME}", None),
    (rf"(?<!\d)(?P<d>\d{{1,2}})\.(?P<m>\d{{1,2}})\.(?P<y>(?:19|20)\d\d)(?!\d){_TIME}", None),  # 15.09.2016
    (rf"(?<!\d)(?P<y>(?:19|20)\d\d)\s+(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?!\d){_TIME}", None),  # 2023 10/24
]
_DATE = re.compile("|".join(f"(?:{p})".replace("(?P<y>", f"(?P<y{n}>").replace("(?P<m>", f"(?P<m{n}>")
                            .replace("(?P<d>", f"(?P<d{n}>") for n, (p, _) in enumerate(_DATE_FORMS)))
_WEEKDAY = re.compile(r"[,，\s]*(?:星期|周|礼拜)[一二三四五六日天]")


def _number(text: str) -> int:
    """`2023`, `二〇二三` (digit by digit), `十二`, `二十五`, `三十一`."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
    return int("".join(str(_CN_DIGITS[c]) for c in text))


@dataclass(frozen=True)
class DateMatch:
    iso: str
    start: int
    end: int


def find_dates(folded: str) -> list[DateMatch]:
    """Every valid calendar date with its year in `folded` text (month and day alone are not
    a page's date: `8月2日` belongs to the story)."""
    out = []
    for m in _DATE.finditer(folded):
        n = next(i for i in range(len(_DATE_FORMS)) if m.group(f"y{i}"))
        try:
            day = datetime.date(_number(m.group(f"y{n}")), _number(m.group(f"m{n}")), _number(m.group(f"d{n}")))
        except (ValueError, KeyError):
            continue
        end = m.end()
        weekday = _WEEKDAY.match(folded, end)
        out.append(DateMatch(day.isoformat(), m.start(), weekday.end() if weekday else end))
    return out


# -- metadata lines ----------------------------------------------------------------

# Labelled metadata fields, as they read after folding (來源 → 来源, full-width colon → ":").
_LABELS = ("信息来源|本文来源|文章来源|稿件来源|新闻来源|来源|稿源|出处|发布日期|发布时间|发表时间|发表于|发稿时间|"
           "更新时间|日期|时间|作者|撰稿|文字|记者|通讯员|编辑|责编|责任编辑|编审|审核|审校|校对|终审|监制|"
           "浏览|浏览次数|点击|点击数|阅读|阅读量|字号|原标题|摘要|关键词|类别|分类|栏目|供稿|报送|发布|投稿")
_LABEL = re.compile(rf"(?:^|(?<=[\s|,;·•\d]))【?(?P<label>{_LABELS})\s*(?:[:]|】)\s*")
# Fields that make a line metadata whatever its length: a summary repeats the lead.
_ALWAYS_META = {"摘要", "原标题", "关键词"}
_LEADING_BULLETS = re.compile(r"^[\s•·*\-]+")
SOURCE_LABELS = {"信息来源", "本文来源", "文章来源", "稿件来源", "新闻来源", "来源", "稿源", "出处"}
BYLINE_LABELS = {"作者", "撰稿", "文字", "记者", "通讯员"}
# The value of a field ends at wide spacing, a separator or the next field.
_VALUE_END = re.compile(r"\s{2,}|\s*[|]|\s+(?=\S+\s*:)|$")
# Whose text it is: a news outlet, a broadcaster, an office.
_OUTLET = re.compile(r"(?:网|报|社|台|在线|客户端|频道|杂志|刊|中心|政府|部|办|局|委|厅|馆|院|bao|news)$")
_NOT_OUTLET = re.compile(r"^(?:本刊|本报|本网|本站|原创|手机|网络|网友|综合|互联网)")


@dataclass
class Meta:
    """What the metadata lines of one page say; the first value found wins."""
    date: str | None = None
    publisher: str | None = None
    byline: str | None = None

    def add(self, other: "Meta") -> None:
        self.date = self.date or other.date
        self.publisher = self.publisher or other.publisher
        self.byline = self.byline or other.byline


def _outlet(value: str) -> str | None:
    """An outlet's name as the facet shows it: in simplified characters (新華日報 and 新华日报
    are one outlet), Latin letters as written."""
    value = "".join(o if o.isascii() else f for o, f in zip(value, normalize(value)))
    value = re.sub(r"[-_ ]?(?:原创|供稿|独家)$", "", value.strip(" ·:-_|()[]【】"))
    if len(value) < 2 or _NOT_OUTLET.match(value) or any(ch.isdigit() for ch in value):
        return None
    return value


def _field_value(original: str, folded: str, start: int) -> tuple[str, int]:
    end = _VALUE_END.search(folded, start).start()
    return original[start:end].strip(), end


def _read_fields(meta: Meta, labels: list[re.Match], original: str, folded: str, offset: int) -> None:
    """The outlet and byline of a metadata line, from its labelled fields (来源：…, 作者：…)."""
    for m in labels:
        value, _ = _field_value(original, folded, offset + m.end())
        if m.group("label") in SOURCE_LABELS and not meta.publisher:
            meta.publisher = _outlet(re.sub(r"\s.*", "", value))
        elif m.group("label") in BYLINE_LABELS and not meta.byline and value:
            meta.byline = value


def read_meta_line(original: str) -> Meta | None:
    """The metadata of a line that is only metadata (a dateline, `来源:…`, `作者:…`), or None
    for any other line. Values are taken from `original`, as written."""
    folded = normalize(original)
    bare = _LEADING_BULLETS.sub("", folded)
    offset = len(folded) - len(bare)
    labels = list(_LABEL.finditer(bare))
    if labels and labels[0].start() == 0 and labels[0].group("label") in _ALWAYS_META:
        return Meta()
    if not bare or "。" in bare or len(bare) > 90:
        return None
    dates = find_dates(bare)
    meta = Meta()
    if dates:
        meta.date = dates[0].iso
    if labels and labels[0].start() <= 2:
        _read_fields(meta, labels, original, folded, offset)
        return meta
    if not dates:
        return None
    first, last = dates[0], dates[-1]
    before = bare[:first.start].strip(" |·_-")
    after = bare[last.end:].strip(" |·_-")
    if labels:  # `2021年07月19日 10:38 来源:天山网`, `_哔哩哔哩_bilibili 2025-07-23 来源: 原创`
        _read_fields(meta, labels, original, folded, offset)
        # `2023-08-15 李涛 来源: 经济参考报`: a name between the date and the fields.
        between = bare[last.end:labels[0].start()].strip(" |·")
        if not meta.byline and _NAME.fullmatch(between):
            start = offset + bare.index(between, last.end)
            meta.byline = original[start:start + len(between)]
        return meta
    if first.start == 0 or bare[:first.start].rstrip().endswith("·"):
        # A dateline: the date first (the outlet may follow), or `新华日报·2025-08-13 07:13`.
        if first.start == 0:
            outlet = after
            start = offset + last.end + (len(bare[last.end:]) - len(bare[last.end:].lstrip(" |·_-")))
        else:
            outlet = before
            start = offset
        if outlet and _is_outlet_text(outlet):
            meta.publisher = _outlet(original[start:start + len(outlet)])
        elif outlet and len(outlet) > 20:
            return None  # a sentence that opens with a date
        return meta
    # `苏州市人民政府 2025-01-18 10:05`, `第09版:镇江周刊 2024年11月08日`: a date after a name or a
    # page label. A title that ends with its date is not metadata (see split_title_date).
    if after or not (_is_outlet_text(before) or is_page_label(before) or len(re.sub(r"\W", "", before)) < 6):
        return None
    if _is_outlet_text(before):
        meta.publisher = _outlet(original[offset:offset + len(before)])
    return meta


_NAME = re.compile(r"[\u4e00-\u9fff·]{2,4}")


def _is_outlet_text(text: str) -> bool:
    return len(text) <= 24 and not re.search(r"[,;!?\"“”]", text) and bool(_OUTLET.search(text.lower()))


_PAGE_LABEL = re.compile(r"^(?:第\s*[a-z]?\d+\s*版|[a-z]\d{1,2}\s*版|当前版|版面|版次)")


def is_page_label(folded: str) -> bool:
    return bool(_PAGE_LABEL.match(folded))


def split_title_date(text: str) -> tuple[str, str | None]:
    """`…这样感动伊宁 2019年08月16日` → (`…这样感动伊宁`, "2019-08-16"): a title line that ends
    with its date."""
    folded = normalize(text)
    dates = find_dates(folded)
    if dates and not folded[dates[-1].end:].strip():
        head = text[:dates[-1].start].rstrip(" |·_-")
        if len(re.sub(r"\W", "", head)) >= 6:
            return head, dates[-1].iso
    return text, None


# -- page furniture ----------------------------------------------------------------

_BREADCRUMB = r"(?:(?:您|你)?(?:所在|现在|当前)?的?位置)\s*:.*|[^。>»]{1,40}(?:>|»)[^。]{1,40}"
_FURNITURE = [
    r"\d{1,3}",  # a page number
    r"[|/\\?？·•>»\s]+",  # separators alone, a lost character
    r"<[^<>]*>(?:\s*<[^<>]*>)*",  # leftover HTML tags
    r"(?:&[a-z]+;|&#\d+;|\s)+",  # HTML entities
    r"(?:!\[[^\]]*\]\([^)]*\)\s*)+",  # image placeholders ![alt](src)
    _BREADCRUMB,
    r"(?:首页|主页|返回首页|网站首页)(?:\W.*|[\u4e00-\u9fff]{0,20})",  # breadcrumbs and menus
    r".{0,40}\s/\s.*",  # a trail with slashes
    r"打开文本图片集|点击查看大图|点击播放|视频加载中.*|收藏本文|分享到.*|打印本页|关闭窗口|返回列表|返回顶部|扫一扫.*|"
    r"logo|列表头部广告.*|广告|用户登录.*|登录|注册|我的订阅|设为首页|加入收藏|纠错|【纠错】|字号.{0,12}|"
    r"展开通版|收缩通版|通版阅读.*|上一篇.*|下一篇.*|相关新闻|相关阅读|推荐阅读|责任编辑.*|【责任编辑.*|"
    r".{0,12}(?:主管|主办|承办)",
    r"\(?[上下](?:接|转)\s*[a-z]?\d*\s*版\)?",  # (上接A1版)
    r"\(?剩余\s*\d+\s*字\)?",  # a paywall note
    r"[(\[【][^()]{0,12}(?:图片|照片|图|摄|视频)[^()]{0,6}[)\]】]",  # (资料图片)
    r"(?:第\s*[a-z]?\d+\s*版|[a-z]\d{1,2}\s*版|当前版|版面|版次).{0,20}",  # e-paper page labels
    r".{0,30}移动版",
    r"(?:图片|要闻|时政|本地|国内|国际|社会|综合|滚动|热点|视频|地方)?新闻|正文|文章内容页|新闻中心|资讯中心|新闻详情|"
    r"摘要|内容提要|导读|简介|全文",
]
_FURNITURE_LINE = re.compile("|".join(f"(?:{p})" for p in _FURNITURE))
# Pieces of furniture glued to the text of a line (a paywall note at a paragraph's end).
_INLINE_FURNITURE = re.compile(r"\(?[上下](?:接|转)\s*[a-z]?\d*\s*版\)|\(剩余\s*\d+\s*字\)|打开文本图片集|"
                               r"!\[[^\]]*\]\([^)]*\)|<[^<>]*>|&[a-z]+;|&#\d+;")
# A spam site's keyword header: many short phrases joined by underscores or bars, or by
# more commas than a headline has (but not a list of names: 作者:其恕,杨建强,凌晨).
_KEYWORD_RUN = re.compile(r"[^_|。]{2,24}(?:[_|][^_|。]{2,24}){2,}|[^,，。:]{4,20}(?:[,，][^,，。:]{4,20}){3,}")
# Asset names and tracking codes of a page's ads: `2_fororder_农行`, `wKgAZV7OJmWASlfCAAF…`.
_ASSET_CODE = re.compile(r"[a-z0-9]*_[a-z0-9_]*[a-z][a-z0-9_]*|(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{12,}")
# A menu: several short words separated by spaces, nothing else.
_MENU = re.compile(r"[\u4e00-\u9fff]{1,8}(?:\s+[\u4e00-\u9fff]{1,8}){3,}")


def is_furniture(original: str, head: bool = True) -> bool:
    """A line that is no part of the story: page numbers, menus, breadcrumbs, tags, notes.

    Above the story (`head`) a page has more of them: menus, keyword headers, ads, bulleted
    menu items, lines without a Chinese character (`Workflow`)."""
    folded = normalize(original).strip().lower()
    bare = _LEADING_BULLETS.sub("", folded)
    if not bare or _FURNITURE_LINE.fullmatch(bare):
        return True
    if not head:
        return False
    return bool(_KEYWORD_RUN.fullmatch(bare) or _MENU.fullmatch(bare) or folded.startswith(("•", "·"))
                or any(_ASSET_CODE.fullmatch(word) for word in re.findall(r"[a-z0-9_]{8,}", bare))
                or not re.search(r"[\u4e00-\u9fff]", bare) and len(bare) < 40)


def is_breadcrumb(original: str) -> bool:
    """`当前位置：首页 > 援疆 > 正文`: the site's navigation ends here."""
    return bool(re.fullmatch(_BREADCRUMB, normalize(original).strip()))


def strip_inline_furniture(original: str) -> str:
    folded = normalize(original).lower()
    pieces, done = [], 0
    for m in _INLINE_FURNITURE.finditer(folded):
        pieces.append(original[done:m.start()])
        done = m.end()
    if not done:
        return original
    pieces.append(original[done:])
    return "".join(pieces).strip()


# -- headlines and leads -----------------------------------------------------------

# A site's name after the headline: `…-新华网`, `…_南通日报`, `…|中国江苏网`, `… - Reportify`.
_SITE_SUFFIX = re.compile(r"\s*[-_|]\s*(?:[^-_|\s]{1,16}(?:网|报|在线|客户端|新闻|频道|电视台|政府|门户)"
                          r"|[a-z][a-z0-9.\- ]{1,30})\s*$")
_GLUED_SOURCE = re.compile(r"\s*(?:来源|稿源|信息来源)\s*:\s*(?P<outlet>\S{2,24})\s*$")
_ORIGINAL_TITLE = re.compile(r"^原标题\s*:")


def clean_title(text: str) -> tuple[str, Meta]:
    """A headline without the site's name, a glued source line or date; what was glued on
    is returned as metadata (`…守护“彩虹之都”来源:中央广电总台国际在线`)."""
    meta = Meta()
    text = strip_inline_furniture(text).strip()
    folded = normalize(text).lower()
    glued = _GLUED_SOURCE.search(folded)
    if glued and glued.start() > 0:
        meta.publisher = _outlet(text[glued.start("outlet"):glued.end("outlet")])
        text, folded = text[:glued.start()].rstrip(), folded[:glued.start()].rstrip()
    text, meta.date = split_title_date(text)
    folded = folded[:len(text)]
    suffix = _SITE_SUFFIX.search(folded)
    if suffix and len(re.sub(r"\W", "", folded[:suffix.start()])) >= 6:
        text = text[:suffix.start()].rstrip()
    return text, meta


def is_original_title(original: str) -> bool:
    return bool(_ORIGINAL_TITLE.match(normalize(original)))


# The dateline that opens a story: `新华社乌鲁木齐7月8日电`, `扬州网讯`, `【连网】`, `央视网消息`,
# each possibly followed by the byline in brackets: `(通讯员 佳娜提 记者 郭义富)`.
_DATELINE_PREFIX = re.compile(
    r"^(?:【[^】]{1,12}】\s*)?(?:\S{0,24}?(?:网讯|日电|日讯|\d日\S{1,6}讯|消息)(?=[\s(【“\":]|$))?\s*"
    r"(?:\((?P<byline>[^()]{0,40}(?:记者|通讯员|编辑|摄)[^()]{0,40})\)|\([^()]{0,20}\))?\s*(?:题\s*:)?[\s:]*")


def split_dateline(lead: str) -> tuple[str, str | None]:
    """A lead paragraph without its dateline, and the byline it named (if any)."""
    folded = normalize(lead)
    m = _DATELINE_PREFIX.match(folded)
    if not m or not m.end():
        return lead, None
    byline = lead[m.start("byline"):m.end("byline")].strip() if m.group("byline") else None
    return lead[m.end():], byline


# A byline on a line of its own: `新华社记者 刘兵、顾煜`, `作者 苟继鹏`, `石榴云/新疆日报记者 宋卫国`.
_BYLINE_LINE = re.compile(r"^(?:[^\s,;。]{0,16}?(?:记者|通讯员)|作者|撰稿|文)\s*[|/:]?\s*"
                          r"[\u4e00-\u9fff·]{2,4}(?:[\s、,]+(?:(?:记者|通讯员)\s*)?[\u4e00-\u9fff·]{2,4}){0,4}$")


def byline_of(original: str) -> str | None:
    folded = normalize(original).strip()
    if folded.endswith("摄") or not _BYLINE_LINE.match(folded):
        return None
    return re.sub(r"^(?:作者|撰稿|文)\s*[|/:]?\s*", "", original.strip())
