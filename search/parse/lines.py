"""Physical lines with their offsets, and the small text primitives every parse step uses.

Everything works on lines that keep their offsets into `Document.text`, so every item
keeps a span that the UI can highlight. The thresholds that tell headings from prose are
defined here, once, for all the steps.
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


# A paragraph that does not end in one of these (possibly followed by closing quotes)
# was cut by a page break or a wrap and continues in the next block.
SENTENCE_END = "。！？!?…"
CLOSERS = "”’」』）)》\"'"
# Characters whose presence shows a line is prose, not a heading.
PUNCTUATION = set("，。、；：！？…“”‘’「」『』（）《》【】,.;:!?()\"'")

TOC_HEAD = re.compile(r"^[【\[〔]?\s*本期(?:要目|目录)\s*[】\]〕]?$")
DYNAMIC_HEAD = re.compile(r"^[【\[〔]?\s*(?:本期|工作)?动态\s*[】\]〕]?$")
BULLETS = "★☆●○◆◇■□▲△•"
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


def raw_length(line: Line) -> int:
    """Length of the line as written, markdown markers included: what a converter wraps."""
    return line.end - line.start



def first_text(lines: list[Line], start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if lines[i].text), None)


@dataclass
class Candidate:
    """A possible title in the body: an article's title lines or a 动态's lead sentence."""
    first: int  # line index of the title's first line
    last: int  # line index of its last line
    text: str


def title_like(text: str) -> bool:
    return bool(text) and len(text) <= TITLE_MAX and not (set(text) & set("。；;")) \
        and text[-1] not in "，、：,:" and not TOC_HEAD.match(text) and not DYNAMIC_HEAD.match(text)



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

