"""Turn the text of a briefing (or of a stand-alone article) into a `Document` with items.

The sources are text extracted from PDFs, so the layout carries scars: paragraphs broken
by page breaks, titles wrapped onto two lines or split by a stray space, markdown added by
some converters, lines hard-wrapped at ~38 characters by others. The table of contents
(【本期要目】 with ★ articles and ☆ 动态) is the most reliable guide to where items start,
so items are found by aligning the TOC with the body, fuzzily, because TOC and body titles
are often worded slightly differently. Layout heuristics only fill in where the TOC is
missing or does not match.

Everything works on physical lines with their offsets, so every item keeps a span into
`Document.text` that the UI can highlight.
"""
from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search import groups
from search.model import ARTICLE, BRIEFING, DYNAMIC, Document, Item, Span
from search.reader import read_source

# A paragraph that does not end in one of these (possibly followed by closing quotes)
# was cut by a page break or a wrap and continues in the next block.
SENTENCE_END = "。！？!?…"
CLOSERS = "”’」』）)》\"'"
# Characters whose presence shows a line is prose, not a heading.
PUNCTUATION = set("，。、；：！？…“”‘’「」『』（）《》【】,.;:!?()\"'")

TOC_HEAD = re.compile(r"^[【\[〔]?\s*本期(?:要目|目录)\s*[】\]〕]?$")
DYNAMIC_HEAD = re.compile(r"^[【\[〔]?\s*(?:本期|工作)?动态\s*[】\]〕]?$")
BULLETS = "★☆●○◆◇■□▲△•"
# Distribution lines at the end of an issue; they start a paragraph of their own.
FOOTER_START = re.compile(r"^(?:本期报|报送|抄送|抄报|分送|报\s*[：:]|送\s*[：:]|共印\s*\d+\s*份)")
FOOTER_LINE = re.compile(r"(?:办公室|共印\s*\d+\s*份)$")
# Header fields, matched on NFKC-normalised text (full-width digits and brackets folded).
ISSUE = re.compile(r"(\d{4})\s*年\s*第\s*(\d+)\s*期(?:[\s,;(]*总\s*第\s*(\d+)\s*期\s*\)?)?")
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
SERIES = re.compile(r"简\s*报$")
# A publisher is an office; a short line that names none (内部资料) is not the publisher.
ORGANISATION = re.compile(r"(?:指挥部|办公室|委员会|小组|部|办|局|厅|委|会|院|中心|组)$")
RULE = re.compile(r"[-*_=—]{3,}")

# Sizes, in characters, that separate headings from prose.
WRAPPED_LINE = 30  # a line this long (with its markers) may have been wrapped by a converter
TOC_LINES_MAX = 60  # lines, not characters: how far a TOC may reach
HEADER_LINES_MAX = 12  # lines, not characters: how far down the masthead may reach
HEADER_LINE_MAX = 40  # masthead lines (series, publisher) are short
TITLE_MAX = 70  # a title line, or a "title——subtitle" line, is never longer
TITLE_PAIR_MAX = 90  # a title wrapped onto two lines
HEADING_MAX = 50  # a heading found without the TOC's help
SUBHEADING_MAX = 30  # an unpunctuated section heading inside an article
CAPTION_MAX = 40  # an image caption dropped into a newspaper article
CAPTIONS_MAX = 4  # captions in a row; more short blocks are text
LEAD_MAX = 90  # the title sentence that opens a 动态 paragraph
REPEAT_MIN = 20  # a repeated tail shorter than this may be a genuine repetition
REPEAT_MAX = 3000  # … and one longer than this is no truncated copy of a paragraph
# How similar (0..1, ignoring spaces and punctuation) a body title must be to its TOC line.
TOC_MATCH = 0.55
# Without a 本期动态 heading, a paragraph must match a ☆ line this well to start the 动态.
DYNAMIC_WITHOUT_HEADING = 0.75
# A hard-wrapped line shorter than this share of the block's longest line ends a paragraph.
SHORT_LINE = 0.85


@dataclass
class Line:
    no: int  # 1-based line number
    start: int  # offset of the first non-space character in Document.text
    end: int  # offset one past the last non-space character
    text: str  # content without markdown markers; "" for blank lines and rules
    heading: bool = False  # had a markdown "#" marker


@dataclass
class Paragraph:
    lines: list[Line]
    text: str


@dataclass
class TocEntry:
    kind: str
    text: str  # as written, list markers removed

    @property
    def title(self) -> str:
        return self.text.split("——")[0].strip()

    @property
    def subtitle(self) -> str | None:
        parts = self.text.split("——", 1)
        return parts[1].strip(" —") or None if len(parts) == 2 else None


# ---------------------------------------------------------------------------- entry points

def parse_path(path, root=None) -> Document:
    """Read and parse one source file; `source` is its path relative to `root`, else its name."""
    path = Path(path)
    text, encoding, sha256 = read_source(path)
    if root is not None:
        try:
            source = path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            source = path.name
    else:
        source = path.name
    return parse_text(text, source, sha256=sha256, encoding=encoding)


def parse_text(text: str, source: str, sha256: str = "", encoding: str = "utf-8") -> Document:
    """Parse decoded text (line ends already "\\n") into a Document."""
    lines = split_lines(text)
    meta, header_end = read_header(lines)
    doc = Document(source=source, sha256=sha256, text=text, encoding=encoding,
                   doc_type=BRIEFING if meta else ARTICLE)
    if meta:
        for name, value in meta.items():
            setattr(doc, name, value)
        doc.items = briefing_items(lines, header_end)
    else:
        doc.items = article_items(lines)
    for ordinal, item in enumerate(doc.items, 1):
        item.ordinal = ordinal
    return doc


# ---------------------------------------------------------------------------- lines

def split_lines(text: str) -> list[Line]:
    lines = []
    offset = 0
    for no, raw in enumerate(text.split("\n"), 1):
        stripped = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        content, heading = clean_line(stripped)
        lines.append(Line(no, offset + lead, offset + lead + len(stripped), content, heading))
        offset += len(raw) + 1
    return lines


def clean_line(line: str) -> tuple[str, bool]:
    """Drop markdown markup: headings, list dashes, quotes, emphasis, rules."""
    if RULE.fullmatch(line.replace(" ", "")):
        return "", False
    heading = line.startswith("#")
    line = line.lstrip("#").strip()
    line = re.sub(r"^(?:[-*+]\s+|>\s*)", "", line)
    return line.replace("**", "").strip(), heading


class _CharWidths(dict):
    def __missing__(self, ch: str) -> int:
        self[ch] = size = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        return size


_WIDTHS = _CharWidths()  # filled once per character; a dict lookup beats an lru_cache call


def width(text: str) -> int:
    """Display width: a CJK character is as wide as two Latin ones."""
    return sum(map(_WIDTHS.__getitem__, text))


def ends_sentence(text: str) -> bool:
    text = text.rstrip(CLOSERS + " ")
    return bool(text) and text[-1] in SENTENCE_END


def join_pair(left: str, right: str) -> str:
    """Join two wrapped pieces: no space in Chinese, one between two Latin words."""
    if left and right and left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return f"{left} {right}"
    return left + right


def join_texts(texts) -> str:
    out = ""
    for text in texts:
        out = join_pair(out, text)
    return out


_NOT_ALNUM = re.compile(r"[\W_]+")


def key(text: str) -> str:
    """What two titles are compared on: letters, digits and CJK characters only, NFKC.

    Punctuation goes first: NFKC of what is left, mostly CJK ideographs, is then nearly
    free, where full-width punctuation made it decompose the whole text. (Symbols whose
    compatibility form is a letter, ℃ or ㈠, go with the punctuation.)
    """
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", _NOT_ALNUM.sub("", text or "")))


def similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """How alike two titles are, 0–1; 0 for any value below `at_least`.

    With `at_least`, cheap upper bounds settle most pairs: aligning every contents line
    with every candidate title is most of a briefing's parse.
    """
    a, b = _title_key(a), _title_key(b)
    if not a or not b or 2 * min(len(a), len(b)) < at_least * (len(a) + len(b)):
        return 0.0
    return _ratio(a, b, at_least)


_title_key = lru_cache(maxsize=4096)(key)  # a contents line meets every candidate title


@lru_cache(maxsize=4096)
def _ratio(a: str, b: str, at_least: float) -> float:
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if at_least and matcher.quick_ratio() < at_least:
        return 0.0
    return matcher.ratio()


def next_text(lines: list[Line], i: int, stop: int, max_blanks: int = 1) -> int | None:
    """Index of the first non-blank line after i (before stop), crossing at most max_blanks."""
    blanks = 0
    for j in range(i + 1, stop):
        if lines[j].text:
            return j
        blanks += 1
        if blanks > max_blanks:
            return None
    return None


def starts_paragraph(lines: list[Line], i: int, first: int) -> bool:
    """Does line i begin a block (after a blank line, a finished sentence, or as a heading)?"""
    if i <= first or lines[i].heading:
        return True
    prev = lines[i - 1].text
    return not prev or ends_sentence(prev)


# ---------------------------------------------------------------------------- header

def read_header(lines: list[Line]) -> tuple[dict, int]:
    """Masthead fields of a briefing and the index of the first line after them.

    Returns ({}, 0) for a text that is not a briefing (no 年第…期 line). Only the top of
    the file is read, and the date closes the masthead: dates and numbers inside articles
    must not become metadata, nor the first title the publisher.
    """
    meta: dict = {}
    end = seen = 0
    for i, line in enumerate(lines):
        text = line.text
        if not text:
            continue
        seen += 1
        if seen > HEADER_LINES_MAX or TOC_HEAD.match(text.replace(" ", "")) or text[0] in BULLETS \
                or width(text) > 2 * HEADER_LINE_MAX:
            break
        rest = unicodedata.normalize("NFKC", text)
        issue = ISSUE.search(rest)
        if issue and "year" not in meta:
            meta["year"] = int(issue.group(1))
            meta["issue_no"] = int(issue.group(2))
            if issue.group(3):
                meta["total_no"] = int(issue.group(3))
            rest = rest[:issue.start()] + rest[issue.end():]
            end = i + 1
        date = DATE.search(rest)
        if date and "year" in meta:
            try:
                meta["date"] = datetime.date(*map(int, date.groups())).isoformat()
            except ValueError:
                meta["date"] = None  # a misprinted date is not invented, but still ends the masthead
            rest = rest[:date.start()] + rest[date.end():]
            end = i + 1
        rest = re.sub(r"\s+", "", rest)
        if rest and SERIES.search(rest) and "series" not in meta and len(rest) <= HEADER_LINE_MAX:
            meta["series"] = rest
            end = i + 1
        elif rest and "publisher" not in meta and len(rest) <= HEADER_LINE_MAX and ORGANISATION.search(rest) \
                and not (set(rest) & PUNCTUATION) and ("series" in meta or "year" in meta):
            meta["publisher"] = rest
            end = i + 1
        if "date" in meta:
            break
    if "year" not in meta:
        return {}, 0
    if meta.get("date") is None:
        meta.pop("date", None)
    return meta, end


# ---------------------------------------------------------------------------- briefings

def briefing_items(lines: list[Line], header_end: int) -> list[Item]:
    toc, body_start = read_toc(lines, header_end)
    body_end = find_footer(lines, body_start)
    articles_toc = [e for e in toc if e.kind == ARTICLE]
    dynamics_toc = [e for e in toc if e.kind == DYNAMIC]

    dyn_head = next((i for i in range(body_start, body_end)
                     if DYNAMIC_HEAD.match(lines[i].text.replace(" ", ""))), None)
    if dyn_head is not None:
        main_end, dyn_start = dyn_head, dyn_head + 1
    else:
        main_end = dyn_start = find_dynamics_without_heading(lines, body_start, body_end, dynamics_toc)

    items = article_items_in(lines, body_start, main_end, articles_toc)
    items += dynamic_items_in(lines, dyn_start, body_end, dynamics_toc)
    if not items:
        items = whole_region_item(lines, body_start, body_end)
    return items


def read_toc(lines: list[Line], start: int) -> tuple[list[TocEntry], int]:
    """TOC entries and the index of the first body line after the TOC."""
    i = first_text(lines, start, len(lines))
    if i is None:
        return [], start
    if TOC_HEAD.match(lines[i].text.replace(" ", "")):
        i += 1
    elif lines[i].text[0] not in BULLETS:
        return [], start
    entries: list[TocEntry] = []
    kind = ARTICLE
    body_start = i
    wrap_width = max((raw_length(x) for x in lines[i:i + TOC_LINES_MAX] if x.text[:1] in BULLETS), default=0)
    last_entry_line = None  # index of the last line that belongs to an entry
    bulleted = None  # unknown until the first entry
    section_open = True  # right after a heading, before the section's first entry
    while i < len(lines):
        text = lines[i].text
        adjacent = last_entry_line == i - 1
        if not text:
            i += 1
            continue
        if DYNAMIC_HEAD.match(text.replace(" ", "")):
            kind, section_open = DYNAMIC, True
            body_start = i + 1
        elif text[0] in BULLETS:
            entry_kind = ARTICLE if text[0] == "★" else DYNAMIC if text[0] == "☆" else kind
            entries.append(TocEntry(entry_kind, text.lstrip(BULLETS + " ")))
            bulleted, section_open = True, False
            body_start = i + 1
        elif bulleted and adjacent and lines[i - 1].text[0] in BULLETS \
                and raw_length(lines[i - 1]) >= max(WRAPPED_LINE, SHORT_LINE * wrap_width):
            # A TOC line wrapped by a converter (it is as long as the longest bullet line):
            # its tail has no bullet. Should it really be a title right after the TOC, the
            # body still starts here and can find it.
            entries[-1].text = join_pair(entries[-1].text, text)
        elif bulleted is not True and (adjacent or section_open) and title_like(text):
            # A TOC written without bullets: its lines follow the heading without a gap.
            entries.append(TocEntry(kind, text))
            bulleted, section_open = False, False
            body_start = i + 1
        elif bulleted and title_like(text) and more_bullets_follow(lines, i):
            pass  # a stray line between bullet lines (a tail wrapped across a blank line)
        else:
            break
        if entries and (text[0] in BULLETS or adjacent or bulleted is False):
            last_entry_line = i
        i += 1
    return entries, body_start


def raw_length(line: Line) -> int:
    """Length of the line as written, markdown markers included: what a converter wraps."""
    return line.end - line.start


def more_bullets_follow(lines: list[Line], i: int) -> bool:
    j = next_text(lines, i, len(lines))
    return j is not None and (lines[j].text[0] in BULLETS or bool(DYNAMIC_HEAD.match(lines[j].text.replace(" ", ""))))


def find_footer(lines: list[Line], start: int) -> int:
    """Index of the first footer line (distribution list, office, print run), else len(lines)."""
    end = len(lines)
    for i in range(start, len(lines)):
        if lines[i].text and FOOTER_START.match(lines[i].text) and starts_paragraph(lines, i, start):
            end = i
            break
    # Walk back over the lines that precede or replace the distribution list
    # (江苏省…指挥部办公室, 共印 150 份), which stand alone on short lines.
    i = end - 1
    while i >= start:
        text = lines[i].text
        if text and not (len(text) <= HEADER_LINE_MAX and FOOTER_LINE.search(text.replace(" ", ""))):
            break
        if text:
            end = i
        i -= 1
    return end


def find_dynamics_without_heading(lines, start, end, entries) -> int:
    """Where the 动态 begin when the body has no 本期动态 heading: the first paragraph whose
    title sentence closely matches a ☆ line, else the end (no 动态 section)."""
    if not entries:
        return end
    for i in range(start, end):
        lead = lead_sentence(lines, i, start, end)
        if lead and max(similarity(lead, e.title) for e in entries) >= DYNAMIC_WITHOUT_HEADING:
            return i
    return end


# ---------------------------------------------------------------------------- main articles

@dataclass
class Candidate:
    """A possible title in the body: an article's title lines or a 动态's lead sentence."""
    first: int  # line index of the title's first line
    last: int  # line index of its last line
    text: str


def title_like(text: str) -> bool:
    return bool(text) and len(text) <= TITLE_MAX and not (set(text) & set("。；;")) \
        and text[-1] not in "，、：,:" and not TOC_HEAD.match(text) and not DYNAMIC_HEAD.match(text)


def title_candidates(lines: list[Line], start: int, end: int) -> list[Candidate]:
    """Lines that could be a title: they start a paragraph and read like a heading.
    A title wrapped onto the next line (maybe across a blank) is a candidate too."""
    out = []
    for i in range(start, end):
        text = lines[i].text
        if not title_like(text) or text.startswith("—") or not starts_paragraph(lines, i, start):
            continue
        out.append(Candidate(i, i, text))
        j = next_text(lines, i, end)
        if j is not None and title_like(lines[j].text) and not lines[j].text.startswith("—") \
                and len(text) + len(lines[j].text) <= TITLE_PAIR_MAX:
            out.append(Candidate(i, j, join_pair(text, lines[j].text)))
    return out


def heading_like(lines: list[Line], c: Candidate, start: int, end: int) -> bool:
    """A candidate that looks like a heading on its own, without a TOC line to confirm it."""
    if lines[c.first].heading:
        return True
    if len(key(c.text)) > HEADING_MAX or (set(c.text) & PUNCTUATION - set("，“”、")):
        return False
    after = next_text(lines, c.last, end, max_blanks=3)
    if after is None or lines[c.last + 1].text and not lines[c.last + 1].text.startswith("—"):
        return False  # a heading stands alone and is followed by its body
    prev = c.first - 1
    while prev >= start and not lines[prev].text:
        prev -= 1
    return prev < start or ends_sentence(lines[prev].text)


def align(entries: list, candidates: list[Candidate], score) -> dict[int, Candidate]:
    """Match entries to candidates in order, maximising the summed score.

    `score(entry, candidate)` returns a similarity or None when they cannot match.
    Candidates must be sorted by `first`; matched candidates never overlap.
    Returns {entry index: candidate}. Unmatched entries are left out.
    """
    n, m = len(entries), len(candidates)
    scores = [[score(e, c) for c in candidates] for e in entries]
    firsts = [c.first for c in candidates]

    @lru_cache(maxsize=None)
    def best(e: int, ci: int) -> tuple[float, tuple]:
        if e == n or ci >= m:
            return 0.0, ()
        result = best(e + 1, ci)
        for c in range(ci, m):
            s = scores[e][c]
            if s is None:
                continue
            nxt = c + 1
            while nxt < m and firsts[nxt] <= candidates[c].last:
                nxt += 1
            total, chosen = best(e + 1, nxt)
            if s + total > result[0] + 1e-9:
                result = (s + total, ((e, c),) + chosen)
        return result

    return {e: candidates[c] for e, c in best(0, 0)[1]}


def article_items_in(lines: list[Line], start: int, end: int, toc: list[TocEntry]) -> list[Item]:
    candidates = title_candidates(lines, start, end)

    def score(entry: TocEntry, c: Candidate):
        s = max(similarity(c.text, entry.text, TOC_MATCH),
                similarity(c.text.split("——")[0], entry.title, TOC_MATCH))
        return s if s >= TOC_MATCH else None

    found: dict[int, tuple[Candidate, TocEntry | None]] = {}
    for e, c in align(toc, candidates, score).items():
        found[c.first] = (c, toc[e])
    # Titles the TOC does not name (or names too differently): standalone headings in the gaps.
    # With a TOC, only as many as it has unmatched lines; without one, all of them.
    unmatched = len(toc) - len(found)
    if unmatched or not toc:
        for c in unconfirmed_titles(lines, candidates, start, end):
            if toc and unmatched <= 0:
                break
            if any(f <= c.last and c.first <= found[f][0].last for f in found):
                continue
            found[c.first] = (c, None)
            unmatched -= 1
    starts = sorted(found)
    items = []
    for n, first in enumerate(starts):
        c, entry = found[first]
        stop = starts[n + 1] if n + 1 < len(starts) else end
        items.append(article_item(lines, c, entry, stop))
    return items


def unconfirmed_titles(lines: list[Line], candidates: list[Candidate], start: int, end: int):
    """Candidates that look like headings by layout alone, at most one per first line.

    A two-line candidate counts only when its first line looks cut by a converter (long,
    and the second line follows without a blank): a title wrapped at ~38 characters.
    """
    by_first: dict[int, Candidate] = {}
    for c in candidates:
        if c.first == c.last:
            by_first.setdefault(c.first, c)
        elif c.last == c.first + 1 and raw_length(lines[c.first]) >= WRAPPED_LINE:
            by_first[c.first] = c
    return [c for c in by_first.values() if heading_like(lines, c, start, end)]


def article_item(lines: list[Line], c: Candidate, entry: TocEntry | None, stop: int) -> Item:
    title, _, inline_sub = c.text.partition("——")
    subtitle = inline_sub.strip(" —") or None
    body_from = c.last + 1
    j = next_text(lines, c.last, stop)
    if subtitle is None and j is not None and lines[j].text.startswith(("—", "--")):
        sub_lines = [lines[j]]
        # A subtitle wrapped in the same block continues on the following short line.
        k = j + 1
        if k < stop and lines[k].text and not ends_sentence(lines[j].text) and entry and entry.subtitle \
                and similarity(join_texts(x.text for x in sub_lines + [lines[k]]), entry.subtitle) \
                > similarity(lines[j].text, entry.subtitle):
            sub_lines.append(lines[k])
        subtitle = join_texts(x.text for x in sub_lines).lstrip("—- ").strip() or None
        body_from = sub_lines[-1].no  # .no is 1-based: the index of the line after the subtitle
    title = unwrap_title(title.strip(), entry.title if entry else None)
    paragraphs = build_paragraphs(lines[body_from:stop])
    return make_item(ARTICLE, title, subtitle, entry, paragraphs, lines[c.first])


def unwrap_title(title: str, toc_title: str | None) -> str:
    """Remove spaces the PDF wrap left inside a title, keep designed ones.

    A space between two Chinese characters is a wrap unless the TOC line has the same
    space; spaces next to numbers and Latin words (帮助 1805 名) are the typesetter's.
    """
    def keep(m: re.Match) -> str:
        left, right = title[m.start() - 1], title[m.end()]
        if (left.isascii() and left.isalnum()) or (right.isascii() and right.isalnum()):
            return " "
        if toc_title and re.search(re.escape(left) + r"\s+" + re.escape(right), toc_title):
            return " "
        return ""

    title = title.strip()
    return re.sub(r"(?<=\S)\s+(?=\S)", keep, title)


# ---------------------------------------------------------------------------- 动态

def lead_sentence(lines: list[Line], i: int, start: int, end: int) -> str | None:
    """The title sentence of a 动态 paragraph starting at line i, or None if line i does not
    start a paragraph or the paragraph does not open with a short sentence."""
    if not lines[i].text or not starts_paragraph(lines, i, start):
        return None
    text = ""
    j = i
    while j < end and lines[j].text and len(text) <= LEAD_MAX:
        text = join_pair(text, lines[j].text)
        j += 1
    title, rest = split_lead(text)
    return title if rest is not None else None


def split_lead(text: str) -> tuple[str, str | None]:
    """Split a 动态 paragraph into its title sentence (without the full stop) and the rest;
    rest is None when no sentence ends within LEAD_MAX characters."""
    for pos, ch in enumerate(text[:LEAD_MAX]):
        if ch in SENTENCE_END:
            cut = pos + 1
            while cut < len(text) and text[cut] in CLOSERS:
                cut += 1
            title = text[:cut]
            if title.endswith("。"):
                title = title[:-1]
            return title.strip(), text[cut:].strip()
    return text, None


def dynamic_items_in(lines: list[Line], start: int, end: int, toc: list[TocEntry]) -> list[Item]:
    if start >= end:
        return []

    leads = []
    for i in range(start, end):
        text = lead_sentence(lines, i, start, end)
        if text:
            leads.append(Candidate(i, i, text))

    def score(entry: TocEntry, lead: Candidate):
        s = similarity(lead.text, entry.text, TOC_MATCH)
        return s if s >= TOC_MATCH else None

    starts = {lead.first: toc[e] for e, lead in align(toc, leads, score).items()}
    if len(starts) < len(toc) or not toc:
        # Paragraphs the TOC does not name: a block that opens with a title sentence after
        # a finished paragraph starts a 动态 of its own. (With a TOC, only after a blank
        # line: inside a hard-wrapped block a paragraph end is a guess.)
        for lead in leads:
            prev = lead.first - 1
            if lead.first in starts or (toc and lines[prev].text):
                continue
            while prev >= start and not lines[prev].text:
                prev -= 1
            if prev < start or ends_sentence(lines[prev].text):
                starts[lead.first] = None
    first = first_text(lines, start, end)
    if first is not None and first not in starts:
        starts[first] = None  # text before the first 动态 cannot belong to anything else
    order = sorted(starts)
    items = []
    for n, first_line in enumerate(order):
        stop = order[n + 1] if n + 1 < len(order) else end
        paragraphs = build_paragraphs(lines[first_line:stop])
        if not paragraphs:
            continue
        title, rest = split_lead(paragraphs[0].text)
        if rest is None:
            title, rest = paragraphs[0].text[:LEAD_MAX // 3], paragraphs[0].text
        entry = starts[first_line]
        title = unwrap_title(title, entry.text if entry else None)
        paragraphs[0] = Paragraph(paragraphs[0].lines, rest)
        paragraphs = [p for p in paragraphs if p.text]
        items.append(make_item(DYNAMIC, title, None, entry, paragraphs, lines[first_line]))
    return items


def first_text(lines: list[Line], start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if lines[i].text), None)


# ---------------------------------------------------------------------------- paragraphs

def build_paragraphs(lines: list[Line], drop_captions: bool = False) -> list[Paragraph]:
    """Group lines into paragraphs and re-join paragraphs a page break cut in two.

    Blocks are separated by blank lines. Inside a block hard-wrapped by a converter, a
    short line that ends a sentence ends a paragraph. A paragraph that does not end a
    sentence continues in the next block, except an unpunctuated section heading. With
    drop_captions (newspaper articles), short blocks that interrupt a sentence are image
    captions: they are dropped and the sentence is joined across them.
    """
    pieces = [Paragraph(block, join_texts(x.text for x in block))
              for block in split_hard_wrapped(blocks_of(lines))]
    out: list[Paragraph] = []
    i = 0
    while i < len(pieces):
        cur = pieces[i]
        i += 1
        if is_subheading(cur, out):
            out.append(cur)
            continue
        while not ends_sentence(cur.text) and i < len(pieces):
            nxt = caption_run_end(pieces, i) if drop_captions else i
            cur = Paragraph(cur.lines + pieces[nxt].lines, join_pair(cur.text, pieces[nxt].text))
            i = nxt + 1
        out.append(cur)
    return drop_repeated_tail(out)


def caption_run_end(pieces: list[Paragraph], i: int) -> int:
    """Index of the piece that resumes the sentence interrupted before pieces[i], skipping
    image captions: short one-line blocks. The sentence resumes in the first long block,
    or in the last short one when a section heading (unpunctuated) follows, since a
    heading only comes after a finished paragraph. With no such block: no captions."""
    nxt = i
    while nxt < len(pieces) and len(pieces[nxt].lines) == 1 and len(pieces[nxt].text) <= CAPTION_MAX:
        if not (set(pieces[nxt].text) & PUNCTUATION) and nxt > i:
            return nxt - 1
        nxt += 1
    if nxt == len(pieces) or nxt - i > CAPTIONS_MAX:
        return i
    return nxt


def blocks_of(lines: list[Line]) -> list[list[Line]]:
    blocks, block = [], []
    for line in lines:
        if line.text:
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    if block:
        blocks.append(block)
    return blocks


def split_hard_wrapped(blocks: list[list[Line]]) -> list[list[Line]]:
    out = []
    for block in blocks:
        longest = max(len(x.text) for x in block)
        widest = max(width(x.text) for x in block)
        piece = []
        for n, line in enumerate(block):
            piece.append(line)
            short = len(line.text) < SHORT_LINE * longest and width(line.text) < SHORT_LINE * widest
            if n + 1 < len(block) and short and ends_sentence(line.text):
                out.append(piece)
                piece = []
        out.append(piece)
    return out


def is_subheading(p: Paragraph, before: list[Paragraph]) -> bool:
    """A short unpunctuated line after a finished paragraph (精准发力 产业援疆厚积新动能)."""
    return len(p.text) <= SUBHEADING_MAX and not (set(p.text) & PUNCTUATION) \
        and bool(before) and ends_sentence(before[-1].text)


def drop_repeated_tail(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """PDF extraction sometimes repeats the end of an article, truncated: drop the copy.

    The copy may stand alone or, when blank lines were lost, be glued to the last
    paragraph, so it is looked for after every sentence end of that paragraph.
    """
    if not paragraphs:
        return paragraphs
    last = paragraphs[-1]
    text = last.text
    # A repeated tail is a paragraph or less: only cuts near the end are tried, and what
    # precedes each cut is keyed once, piece by piece (key() is per character).
    cuts = [n + 1 for n, ch in enumerate(text) if ch in SENTENCE_END]
    cuts = [c for c in [0] + cuts if len(text) - c <= REPEAT_MAX]
    if not cuts:
        return paragraphs
    seen = key("".join(p.text for p in paragraphs[:-1]))
    done = 0
    for cut in cuts:
        seen += key(text[done:cut])
        done = cut
        tail = key(text[cut:])
        if len(tail) >= REPEAT_MIN and tail in seen:
            kept = text[:cut].strip()
            return paragraphs[:-1] + ([Paragraph(last.lines, kept)] if kept else [])
    return paragraphs


# ---------------------------------------------------------------------------- items

def make_item(kind: str, title: str, subtitle: str | None, entry: TocEntry | None,
              paragraphs: list[Paragraph], first: Line) -> Item:
    body = "\n".join(p.text for p in paragraphs)
    last = paragraphs[-1].lines[-1] if paragraphs else first
    if last.end < first.end:
        last = first
    group, locality = groups.resolve(" ".join(x for x in (title, subtitle) if x), body)
    return Item(kind=kind, title=title, body=body, ordinal=0,
                span=Span(first.start, last.end, first.no, last.no),
                toc_title=entry.text if entry else None, subtitle=subtitle,
                group=group, locality=locality)


def whole_region_item(lines: list[Line], start: int, end: int) -> list[Item]:
    """A briefing whose items cannot be told apart still gets its text indexed, as one item."""
    kept = [x for x in lines[start:end]
            if not TOC_HEAD.match(x.text.replace(" ", "")) and not DYNAMIC_HEAD.match(x.text.replace(" ", ""))]
    first = next((x for x in kept if x.text), None)
    if first is None:
        return []
    title, body_lines = headline(first, kept[kept.index(first):])
    return [make_item(ARTICLE, title, None, None, build_paragraphs(body_lines), first)]


def headline(first: Line, lines: list[Line]) -> tuple[str, list[Line]]:
    """The title and the body lines of text that starts at `first` (lines[0]): the first line
    if it reads as a title, else the opening words, with all the text kept as body."""
    if title_like(first.text):
        return first.text, lines[1:]
    return split_lead(first.text)[0][:LEAD_MAX // 3], lines


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
