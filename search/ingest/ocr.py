"""OCR with Debian's tesseract (chi_sim): scanned PDF pages and page images.

Recognised words come back with boxes; they are joined into lines (no space between two
Han characters, whatever tesseract put there), ASCII punctuation between Han characters
becomes the full-width mark the text uses, and stray marks of low confidence are dropped.
The lines then go through the same `layout` as a PDF's text layer.

Recognising a page takes seconds, so tesseract's words are cached by the file's content
hash (and the OCR settings) in `OcrOptions.cache_dir`: an unchanged scan is never
recognised twice, not even by a `--rebuild`, and better line building applies to it.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import rjieba

from search.errors import SourceError
from search.ingest.extract import IMAGE, Extract, TextBuilder, is_han, needs_space
from search.ingest.layout import PageLines, Paragrapher, TextLine
from search.analysis import USERDICT
from search.parse.lines import BULLETS

# chi_sim alone reads the Latin letters and digits of a briefing as well as with eng
# added, in about half the time.
LANGUAGES = "chi_sim"
DPI = 300  # the most a scanned PDF page is rendered at for reading
# A scanned PDF page is read at its image's own resolution, within these: resampling a
# 200 dpi scan up to 300 dpi adds no detail, only blur, and tesseract then misreads more
# characters (measured on 200 dpi scans: 81 % → 85 % of the structure checks, and a page
# read in a third of the time). Tiny images are still enlarged.
MIN_DPI = 200
INSTALL = "apt-get install tesseract-ocr tesseract-ocr-chi-sim"
MAX_BYTES = 100 * 2**20
TYPICAL = "a scanned page is a few MB"
MAX_FRAMES = 300  # pages of a multi-page TIFF, as pdf.MAX_PAGES
# A page image is at least this many pixels on its shorter side (an A5 page at 100 dpi);
# anything smaller is an icon or a thumbnail, not a page to read.
MIN_PAGE_PIXELS = 580
MAX_PAGE_PIXELS = 60_000_000  # an A3 page at 600 dpi; beyond it Pillow's bomb guard would speak
# A line of Latin letters or marks less than this share of the page's typical height is noise.
SPECK = 0.5
# Recognised words below this confidence that are punctuation or symbols only are noise.
NOISE_CONFIDENCE = 60
# tesseract's Chinese model knows no ★ or ☆: it reads a bullet as some character, with
# a confidence below this, or as part of the word after it (with one below BULLET_DOUBT).
# It becomes a bullet the parser knows.
BULLET_CONFIDENCE = 90
BULLET_DOUBT = 40
BULLET = "•"
_SMALL_STOPS = {"O", "o", "0", "°", "。", "〇"}
_SYMBOLS_ONLY = re.compile(r"[\W_]+")
# ASCII marks tesseract reads where the print has the full-width form.
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
_HAN_MARK = re.compile(r"(?<=[\u4e00-\u9fff])\s*([,:;?!()])\s*|\s*([,:;?!()])\s*(?=[\u4e00-\u9fff])")


@dataclass
class OcrOptions:
    cache_dir: Path | None = None  # where recognised pages are kept; None: no cache
    on_page: Callable[[int, int], None] | None = None  # (pages recognised, pages to recognise)


@lru_cache(maxsize=1)
def missing() -> str | None:
    """Why OCR cannot run here (None: it can)."""
    if shutil.which("tesseract") is None:
        return f"tesseract is not installed ({INSTALL})"
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                               timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return f"tesseract does not run ({INSTALL})"
    if "chi_sim" not in langs:
        return f"tesseract has no Simplified Chinese data ({INSTALL})"
    return None


@lru_cache(maxsize=1)
def _settings_key() -> str:
    import pytesseract
    version = str(pytesseract.get_tesseract_version())
    return hashlib.sha256(f"{version}|{LANGUAGES}|{MIN_DPI}-{DPI}|deskew {DESKEW_MIN}".encode()).hexdigest()[:12]


# ------------------------------------------------------------------------- recognition

# A recognised word: text, confidence (0–100), box in points (x0, y0, x1, y1), and the
# (block, paragraph, line) tesseract put it in.
Word = tuple[str, float, float, float, float, float, int, int, int]


def recognise(image, scale: float) -> list[Word]:
    """The words tesseract finds on a page image; boxes in points (pixels × `scale`) of
    the page as scanned, also when it was turned straight to be read."""
    import pytesseract
    # One thread per tesseract: the indexer already runs a worker per core, and
    # tesseract's own threads would only fight them.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    grey = image.convert("L")
    angle = skew_angle(grey)
    straight = _straightened(grey, angle) if abs(angle) >= DESKEW_MIN else grey
    data = pytesseract.image_to_data(straight, lang=LANGUAGES, config="--psm 3",
                                     output_type=pytesseract.Output.DICT)
    on_page = _onto_page(angle, grey.size, straight.size)
    words = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if text.strip() and conf >= 0:
            x, y, w, h = (data[k][i] for k in ("left", "top", "width", "height"))
            cx, cy = on_page(x + w / 2, y + h / 2)
            x0, y0, x1, y1 = ((cx - w / 2) * scale, (cy - h / 2) * scale, (cx + w / 2) * scale, (cy + h / 2) * scale)
            words.append((text.strip(), conf, round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1),
                          data["block_num"][i], data["par_num"][i], data["line_num"][i]))
    return words


# A page scanned askew by at least this many degrees is turned straight before it is read:
# tesseract cuts each line out along its box, and across a column a slope of a degree
# climbs by half a line, so the cut-out line holds parts of its neighbours and characters
# are misread (measured on pages turned by 1.2°: 75 % of the structure checks, 85 % straight).
DESKEW_MIN = 0.2
DESKEW_MAX = 5.0  # degrees either way; a page turned further was laid out so, not slipped
PROFILE_WIDTH = 1000  # pixels: the angle is found on a page reduced to about this width
SKEW_GAIN = 1.02


def skew_angle(grey) -> float:
    """The angle (degrees, counter-clockwise) by which a greyscale page's lines of text
    are turned: the one along which the ink's row profile is sharpest, where every row
    of text and every gap between rows lines up (a coarse search, then a fine one)."""
    import numpy as np
    small = np.asarray(grey.reduce(max(1, grey.width // PROFILE_WIDTH)))
    paper, darkest = int(np.median(small)), int(small.min())
    if paper - darkest < 64:  # no ink to speak of: a blank page
        return 0.0
    ys, xs = np.nonzero(small < (paper + darkest) // 2)
    xs = xs - xs.mean()

    def sharpness(angle: float) -> float:
        rows = np.rint(ys + xs * np.tan(np.radians(angle))).astype(np.int64)
        counts = np.bincount(rows - rows.min()).astype(np.float64)
        return float(counts @ counts)

    def rank(angle: float) -> tuple[float, float]:
        return sharpness(angle), -abs(angle)  # of equals, the smaller turn

    coarse = 0.25
    best = max(np.arange(-DESKEW_MAX, DESKEW_MAX + coarse / 2, coarse), key=rank)
    best = max(np.arange(best - coarse, best + coarse * 1.01, coarse / 10), key=rank)
    # A page of a line or two is about as sharp at any small angle: only a clear gain
    # over the page as it is shows a slope (a full page turned by 1° gains some 30 %).
    if sharpness(best) < SKEW_GAIN * sharpness(0.0):
        return 0.0
    return round(float(best), 3)


def _straightened(grey, angle: float):
    """The page turned back by `angle`, grown to hold its corners, new corners paper-white."""
    from PIL import Image
    paper = grey.reduce(max(1, grey.width // PROFILE_WIDTH)).getextrema()[1]
    return grey.rotate(-angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=paper)


def _onto_page(angle: float, size: tuple[int, int], straight_size: tuple[int, int]):
    """Maps a point of the straightened image (pixels) back to where it is on the page as scanned."""
    if abs(angle) < DESKEW_MIN:
        return lambda x, y: (x, y)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = size[0] / 2, size[1] / 2
    sx, sy = straight_size[0] / 2, straight_size[1] / 2

    def on_page(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - sx, y - sy
        return cx + dx * cos + dy * sin, cy - dx * sin + dy * cos
    return on_page


def page_lines(words: list[Word]) -> tuple[list[TextLine], float | None]:
    """The page's lines from its words, and their mean confidence.

    Words join without a space between Han characters; a bullet read as a character
    becomes a bullet, a full stop read as a letter a full stop, and stray marks of low
    confidence are dropped. On a page scanned askew, the lines' boxes are turned straight
    for the layout, and each line keeps its box on the page as scanned for marking it.
    """
    turned = _deskewed(words)
    rows: dict[tuple, list[Word]] = {}
    on_page: dict[tuple, list[Word]] = {}  # the same words, where the page shows them
    for word, seen in zip(turned, words):
        rows.setdefault(word[6:], []).append(word)
        on_page.setdefault(word[6:], []).append(seen)
    heights = sorted(w[5] - w[3] for w in words)
    typical = heights[len(heights) // 2] if heights else 0
    _join_split_rows(rows, on_page, typical)
    for place, row in rows.items():
        star = _star_read_as_dash(row)
        # A star read as a dash and a character is a bullet; a dash of its own says so even
        # where the character's box runs into the next word's (`-` `交` `“丝路…`).
        if star and _looks_like_bullet(_star_joined(row, star), set_apart=star == 1):
            rows[place], on_page[place] = _star_joined(row, star, BULLET), _star_joined(on_page[place], star, BULLET)
    running_on, stuck = _list_context(list(rows.values()), typical)
    lines, confidences = [], []
    for place, row in rows.items():
        kept, kept_conf, shown = [], [], []
        may_be_listed = place not in running_on
        for n, ((text, conf, x0, y0, x1, y1, *_), seen) in enumerate(zip(row, on_page[place])):
            if conf < NOISE_CONFIDENCE and _SYMBOLS_ONLY.fullmatch(text) and not _is_cjk_mark(text) \
                    and not (n == 0 and text == BULLET):  # a star made a bullet above: doubtful, no speck
                continue
            if n == 0 and (may_be_listed or text in BULLETS) and _looks_like_bullet(row):
                text = BULLET
            elif n == 0 and may_be_listed and _swallowed_bullet(row):
                kept.append((BULLET, x0, y0, x0, y1))
                kept_conf.append(conf)
            elif n == 0 and place in stuck:
                kept.append((BULLET, x0, y0, x0, y1))
                kept_conf.append(conf)
                text = text[1:]
            elif _one_read_twice(row, n):
                text = text[:-1]
            elif text in _SMALL_STOPS and y1 - y0 < 0.5 * typical:
                text = "。"  # a full stop read as a letter: it is small and sits low
            kept.append((text, x0, y0, x1, y1))
            kept_conf.append(conf)
            confidences.append(conf)
            shown.append(seen[2:6])
        if not kept:
            continue
        line, sure = "", []  # the line and each character's confidence
        for (text, *_), conf in zip(kept, kept_conf):
            if line and (needs_space(line[-1], text[0]) or line == BULLET):
                line += " "
                sure.append(100.0)
            line += text
            sure += [conf] * len(text)
        line = _pair_marks(_full_width(_without_strays(correct(_ones_mended(line), sure), sure)))
        x0, y0 = min(w[1] for w in kept), min(w[2] for w in kept)
        x1, y1 = max(w[3] for w in kept), max(w[4] for w in kept)
        # The line's size: its characters' median height (a line's box also spans the
        # quotes and commas that stand above and below them).
        glyphs = sorted(w[4] - w[2] for w in kept if not _SYMBOLS_ONLY.fullmatch(w[0])) or [y1 - y0]
        if glyphs[len(glyphs) // 2] < SPECK * typical and not any(is_han(ch) or ch.isdigit() for ch in line):
            continue  # letters read into a speck or the edge of a bracket (`[Ni`), not text
        page_box = None if turned is words else (min(b[0] for b in shown), min(b[1] for b in shown),
                                                  max(b[2] for b in shown), max(b[3] for b in shown))
        lines.append(TextLine(line, x0, y0, x1, y1, glyphs[len(glyphs) // 2], page_box))
    lines.sort(key=lambda ln: (ln.y0, ln.x0))
    _mend_dashes(lines, typical)
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return lines, confidence


# A character read with less confidence than this may be corrected to make a domain word
# (援疆, 尼勒克, 霍尔果斯 … from the domain dictionary): tesseract's doubtful characters are
# mostly those it read wrong. Two-character words, being easier to make by chance, need
# a more doubtful character.
DOUBTFUL = 80
DOUBTFUL_SHORT = 30
# A doubtful ASCII mark is a misread character only inside a word this long (本期动; →
# 本期动态): a shorter one ends in a mark too often (工作; is no 工作组).
MARK_IN_WORD = 4
# The words a briefing's masthead and contents are made of, which the parser looks for.
STRUCTURE_WORDS = ("工作简报", "本期要目", "本期动态", "总第")


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset, dict[str, str], tuple[int, ...]]:
    """The domain words, and each of them with one character masked → the word."""
    from importlib import resources
    text = resources.files("search.data").joinpath(USERDICT).read_text(encoding="utf-8-sig")
    words = {line.split()[0] for line in text.splitlines()
             if line.strip() and not line.startswith("#") and len(line.split()[0]) >= 2}
    words.update(STRUCTURE_WORDS)
    masked: dict[str, str | None] = {}
    for word in words:
        for i in range(len(word)):
            key = word[:i] + "\0" + word[i + 1:]
            masked[key] = None if key in masked and masked[key] != word else word  # None: ambiguous
    return frozenset(words), {k: v for k, v in masked.items() if v}, tuple(sorted({len(w) for w in words}, reverse=True))


def correct(line: str, sure: list[float]) -> str:
    """The line with doubtful characters that spoil a domain word put right: 援绪 → 援疆
    when 绪 was a guess, the longest word first (本期动; → 本期动态: a mark is misread
    too). The line keeps its length."""
    words, masked, lengths = _lexicon()
    if min(sure, default=100) >= DOUBTFUL:
        return line
    from search.analysis import segmenter
    # A doubtful character that makes a word with its neighbours (主 in 工作主题) stays.
    in_words = {i for _, start, end in segmenter().cut(line) if end - start > 1 for i in range(start, end)}
    chars = list(line)
    for p, conf in enumerate(sure):
        mark = chars[p] in _FULL_WIDTH
        if conf >= DOUBTFUL or not (is_han(chars[p]) or mark) or p in in_words:
            continue
        for length in lengths:
            if length == 2 and conf >= DOUBTFUL_SHORT or mark and length < MARK_IN_WORD:
                continue
            for start in range(max(0, p - length + 1), min(p, len(chars) - length) + 1):
                window = "".join(chars[start:start + length])
                if window in words:
                    break
                word = masked.get(window[:p - start] + "\0" + window[p - start + 1:])
                if word:
                    chars[p] = word[p - start]
                    break
            else:
                continue
            break
    return "".join(chars)


@lru_cache(maxsize=1)
def _strays() -> tuple[re.Pattern, ...]:
    """Each structure word of MARK_IN_WORD or more characters with one character more inside."""
    return tuple(re.compile(re.escape(word[:i]) + "(.)" + re.escape(word[i:]))
                 for word in STRUCTURE_WORDS if len(word) >= MARK_IN_WORD for i in range(1, len(word)))


def _without_strays(line: str, sure: list[float]) -> str:
    """The line without a doubtful character tesseract read inside a word the parser looks
    for (本期要有目 → 本期要目: it squeezed a guess into the gap between two characters)."""
    for stray in _strays():
        for match in stray.finditer(line):
            if sure[match.start(1)] < DOUBTFUL:
                return line[:match.start(1)] + line[match.end(1):]
    return line


_OPENERS_MISREAD = "“\"〈<(「"
_LEADING_DASH = re.compile(r"^[一-]{2}(?=\S)")
_DOUBLED_BRACKET = re.compile(r"[\[【][\[【]|[\]】][\]】]")  # 】 read as ]】


def _pair_marks(line: str) -> str:
    """Marks tesseract reads as their neighbours, put right from their pairing:
    an opening （ read as “ or 〈 (“总第 9 期）), an opening “ read as ” (”大跨步”), a 】
    read twice (]】), and the —— of a subtitle read as 一一 at the start of a line."""
    out = list(_DOUBLED_BRACKET.sub(lambda m: m.group(0)[-1] if m.group(0)[-1] in "【】" else m.group(0)[0],
                                    _LEADING_DASH.sub("——", line)))
    depth = 0
    quote_open = False
    for i, ch in enumerate(out):
        if ch == "（":
            depth += 1
        elif ch == "）":
            if depth:
                depth -= 1
                continue
            before = "".join(out[:i])
            opener = max(before.rfind(c) for c in _OPENERS_MISREAD)
            if opener >= 0 and "”" not in out[opener:i]:
                out[opener] = "（"
        elif ch == "“":
            quote_open = True
        elif ch == "”":
            if not quote_open and "”" in out[i + 1:]:
                out[i] = "“"
                quote_open = True
            else:
                quote_open = False
    return "".join(out)


# A —— that tesseract read as 一一 (or 一-, --) is no word when a mark follows it, or a name
# (`项目——伊宁县…`); the adverb 一一 goes on with a verb (一一落实) or is part of a word (一一对应).
_DASH_READ = re.compile(r"(?<!一)[一-]{2}(?!一)")
_DASH_ENDS = "，。、；：！？”’）》」』,.;:!?)"
# Before a numeral 一一 is a number's digits (二〇一一), never a dash.
_NUMERALS = "〇零二三四五六七八九十百千万亿两"
_NAMES = ("ns", "nr", "nrt", "nt", "nz")  # Jieba's tags of places, people, organisations, other names


def _mend_dashes(lines: list[TextLine], typical: float) -> None:
    """Put the —— that tesseract read as 一一 back inside or at the end of a line, where the
    page says so (`成绩单一一` → `成绩单——`); lines are in reading order. The text keeps its length.

    At a line's end, what follows is the next line's start when that line goes on from it
    (the line fills the column and the next starts at its left in the same size); when
    nothing goes on (a title ending short, a subtitle centred below), it is a dash."""
    if not lines:
        return
    left = sorted(ln.x0 for ln in lines)[len(lines) // 10]
    widest = max(ln.x1 for ln in lines)
    ends = sorted(ln.x1 for ln in lines if ln.x1 > left + 0.6 * (widest - left))
    right = ends[len(ends) // 2]
    for n, line in enumerate(lines):
        if "一" not in line.text and "--" not in line.text:
            continue
        below = next((ln for ln in lines[n + 1:] if ln.y0 >= line.y1 - 0.3 * typical), None)
        goes_on = (below is not None and line.x1 >= right - 1.5 * typical and below.x0 <= left + typical
                   and abs(below.size - line.size) <= 0.25 * max(below.size, line.size)
                   and below.y0 - line.y1 < 1.5 * typical)
        following = below.text if goes_on else ""
        line.text = _DASH_READ.sub(lambda found: "——" if _read_dash(found, following) else found.group(), line.text)


def _read_dash(found: re.Match, following: str) -> bool:
    """Is the 一一 `found` a dash? `following`: the next line's text when it goes on from this one."""
    before, after = found.string[:found.start()], found.string[found.end():] or following
    if not (before.strip() == BULLET or before and is_han(before[-1]) and before[-1] not in _NUMERALS):
        return False
    return not after or after[0] in _DASH_ENDS or _names_follow(after)


def _names_follow(after: str) -> bool:
    """Does a name (a place, a group, an organisation) follow a 一一 that stands before `after`,
    where the adverb 一一 would stand before a verb?"""
    if not is_han(after[0]):
        return False
    tagged = rjieba.tag("一一" + after[:12])
    if len(tagged) < 2 or tagged[0][0] != "一一":
        return False  # a word that starts with 一一 (一一对应, 一一列举)
    word, tag = tagged[1]
    return tag in _NAMES or word in _lexicon()[0]


# A page turned by less than this (as a slope) is read as it is; past it, the words'
# boxes are turned back so that margins and indents line up again.
SKEW_MIN = 0.003


def _deskewed(words: list[Word]) -> list[Word]:
    """The words of a page scanned askew, their boxes turned back by the page's slope.

    The slope is the median over the page's longer lines of how their words' centres
    rise or fall along the line (`recognise` reads a straightened page but gives the
    boxes where the page shows them): a left margin that drifts by a character from top
    to bottom would look like indents.
    """
    rows: dict[tuple, list[Word]] = {}
    for word in words:
        rows.setdefault(word[6:], []).append(word)
    slopes = []
    for row in rows.values():
        if len(row) < 6:
            continue
        xs = [(w[2] + w[4]) / 2 for w in row]
        ys = [(w[3] + w[5]) / 2 for w in row]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mx) ** 2 for x in xs)
        if spread > 0:
            slopes.append(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / spread)
    if not slopes:
        return words
    slope = sorted(slopes)[len(slopes) // 2]
    if abs(slope) < SKEW_MIN:
        return words
    turned = []
    for text, conf, x0, y0, x1, y1, *place in words:
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        dx, dy = cy * slope, -cx * slope
        turned.append((text, conf, round(x0 + dx, 1), round(y0 + dy, 1), round(x1 + dx, 1), round(y1 + dy, 1),
                       *place))
    return turned


def _join_split_rows(rows: dict[tuple, list[Word]], on_page: dict[tuple, list[Word]], typical: float) -> None:
    """Join the rows tesseract split one printed line into: side by side on the same
    baseline, less than a character apart (`苏州援疆工作组召开` | `“两学一做”专题…`). Parts of a
    row set several characters apart (the masthead's publisher and date) stay apart."""
    def box(row):
        return min(w[2] for w in row), min(w[3] for w in row), max(w[4] for w in row), max(w[5] for w in row)

    order = sorted(rows, key=lambda place: box(rows[place])[0])
    for place in order:
        x0, y0, x1, y1 = box(rows[place])
        for other in order:
            if other == place or other not in rows:
                continue
            ox0, oy0, ox1, oy1 = box(rows[other])
            overlap = min(y1, oy1) - max(y0, oy0)
            if overlap > 0.5 * min(y1 - y0, oy1 - oy0) and -0.3 * typical < x0 - ox1 < typical:
                rows[other] += rows.pop(place)
                on_page[other] += on_page.pop(place)
                break


def _list_context(rows: list[list[Word]], typical: float) -> tuple[set[tuple], set[tuple]]:
    """Where a row stands to the row just above it, as (rows running on, rows whose bullet
    is stuck to their first word), each a set of rows' places.

    A row running on goes on from a row of text that filled the column: the middle of a
    paragraph, where a list entry's bullet never stands, so a doubtful first character there
    is text (`克镇下莫家庄子村…`, not `• 镇下…`); a list entry that filled the column is followed
    by the next entry. Under a list entry, a row whose doubtful first word starts where that
    entry's bullet does and runs past where its text does holds a bullet tesseract read as a
    character of the word (`文江阴工作组…` under `• 南通工作组…`).
    """
    boxes = [(row[0][6:], min(w[2] for w in row), min(w[3] for w in row), max(w[4] for w in row),
              max(w[5] for w in row), row) for row in rows]
    if not boxes or typical <= 0:
        return set(), set()
    left, widest = min(box[1] for box in boxes), max(box[3] for box in boxes)
    # Where the column's full lines end: the middle of the long lines' ends.
    ends = sorted(box[3] for box in boxes if box[3] > left + 0.6 * (widest - left))
    right = ends[len(ends) // 2]
    listed = {box[0] for box in boxes if _listed(box[5])}
    on, stuck = set(), set()
    for place, x0, y0, x1, y1, row in boxes:
        above = [b for b in boxes if b[4] <= y0 + 0.3 * typical and y0 - b[4] < typical and b[1] < x1 and x0 < b[3]
                 and b[0] != place]
        if not above:
            continue
        over, _, _, end, _, over_row = max(above, key=lambda b: b[4])
        if over not in listed:
            if end >= right - 1.5 * typical:
                on.add(place)
            continue
        text, conf, first_x0, _, first_x1 = row[0][:5]
        if place not in listed and len(over_row) > 1 and len(text) > 1 and _is_cjk_mark(text) \
                and conf < NOISE_CONFIDENCE and abs(first_x0 - over_row[0][2]) < 0.5 * typical \
                and first_x0 + 0.5 * typical < over_row[1][2] < first_x1 - 0.5 * typical:
            stuck.add(place)
    return on, stuck


def _listed(row: list[Word]) -> bool:
    return row[0][0] in BULLETS or _looks_like_bullet(row) or _swallowed_bullet(row)


def _looks_like_bullet(row: list[Word], set_apart: bool = True) -> bool:
    """Is the line's first word a list bullet (★ ☆ ●) that tesseract read as some character?
    It is one character set apart (unless not `set_apart`) from the text after it by a third
    of a character or more, where the characters of a line stand close together."""
    text, conf, x0, y0, x1, y1 = row[0][:6]
    if len(row) < 2 or len(text) != 1:
        return False
    if text in BULLETS:
        return True
    # tesseract gives some characters a box as tall as the line's (measured: 18 points
    # where the print's are 11): a plain character's height is the row's lower quartile.
    heights = sorted(w[5] - w[3] for w in row)
    if (conf >= BULLET_CONFIDENCE or text.isascii() or x1 - x0 < 0.7 * (y1 - y0)
            or y1 - y0 < 0.7 * heights[len(heights) // 4]):
        return False  # a digit or letter, or a mark narrower or smaller than a character: text
    # … and a title follows it, not a number (伊犁 20 周年: the 犁 is text).
    return (not set_apart or row[1][2] - x1 > 0.3 * (y1 - y0)) and is_han(row[1][0][0])


# tesseract reads the left arm of a star (★ ☆) as a dash, and the rest of the star as a
# doubtful character: two words (`-` `交`), or one (`-交`). A dash it reads so is flat (a
# stroke, under this share of a character's height) and stands within a character of it.
STROKE = 0.3
_STROKES = "-‐‑–—_~="


def _star_read_as_dash(row: list[Word]) -> int:
    """How many of the row's first words are a star read as a dash and a character:
    1 (`-交`), 2 (`-` `交`) or none."""
    text, _, _, y0, x1, y1 = row[0][:6]
    if len(text) == 2 and text[0] in _STROKES and is_han(text[1]):
        return 1
    if len(row) < 3 or text not in _STROKES or len(row[1][0]) != 1 or not is_han(row[1][0]):
        return 0
    top, bottom = row[1][3], row[1][5]
    height = bottom - top
    # an arm: level with the character's middle, not a mark above or below it
    level = top + height / 4 < (y0 + y1) / 2 < bottom - height / 4
    return 2 if y1 - y0 < STROKE * height and level and row[1][2] - x1 < height else 0


def _star_joined(row: list[Word], words: int, text: str | None = None) -> list[Word]:
    """The row with its first `words` words made one: `text` (else the character), the
    character's confidence, the box of all."""
    head, char = row[:words], row[words - 1]
    box = (min(w[2] for w in head), min(w[3] for w in head), max(w[4] for w in head), max(w[5] for w in head))
    return [(text or char[0][-1], char[1], *box, *char[6:])] + row[words:]


def _swallowed_bullet(row: list[Word]) -> bool:
    """Is there a bullet tesseract did not read inside the line's first word? The word is
    a character wider than its text, and doubtful."""
    text, conf, x0, y0, x1, y1 = row[0][:6]
    apart = len(row) < 2 or x1 <= row[1][2] + 1  # a box overlapping the next word's is no bullet's
    return conf < BULLET_DOUBT and is_han(text[0]) and apart and x1 - x0 > (len(text) + 1.2) * (y1 - y0)


# Characters tesseract reads for the digit 1 (`2014年第]期`, `年]月3日`), and where a
# line's context says a digit stands: after these and before those, or between digits.
_ONE_LOOKALIKES = "]|lI!"
_NUMBER_BEFORE, _NUMBER_AFTER = "第年月", "期年月日号"
_NUMBER_RUN = re.compile(f"[0-9{re.escape(_ONE_LOOKALIKES)}]+")
_ONE_READ_TWICE = re.compile(f"[0-9]*1[{re.escape(_ONE_LOOKALIKES)}]")


def _one_read_twice(row: list[Word], n: int) -> bool:
    """Is the row's n-th word a 1 that tesseract read twice, as the digit and a mark after
    it, before the unit of a date or an issue number? Such a word is doubtful (`总第1]期`
    where the print has 总第1期)."""
    text, conf = row[n][:2]
    return (conf < DOUBTFUL and bool(_ONE_READ_TWICE.fullmatch(text)) and n + 1 < len(row)
            and row[n + 1][0][0] in _NUMBER_AFTER)


def _ones_mended(line: str) -> str:
    """The line with a 1 read as a mark or a letter put right where a date or an issue
    number needs a digit: `第]期` → `第1期`, `4月]1日` → `4月11日`, `20]4年` → `2014年`.
    Brackets (`[1]`), Latin words and a Roman `第II期` stay."""
    def mended(match: re.Match) -> str:
        run, start, end = match.group(0), match.start(), match.end()
        if run.isdigit():
            return run
        if "]" in run and line.rfind("[", 0, start) > line.rfind("]", 0, start):
            return run  # the bracket of a `[1]`
        between_digits = all(0 < i < len(run) - 1 and run[i - 1].isdigit() and run[i + 1].isdigit()
                             for i, ch in enumerate(run) if ch in _ONE_LOOKALIKES)
        in_number = (start > 0 and line[start - 1] in _NUMBER_BEFORE and end < len(line)
                     and line[end] in _NUMBER_AFTER and (len(run) == 1 or any(ch.isdigit() for ch in run)))
        if not (between_digits or in_number):
            return run
        return "".join("1" if ch in _ONE_LOOKALIKES else ch for ch in run)
    return _NUMBER_RUN.sub(mended, line)


def _is_cjk_mark(word: str) -> bool:
    return all(is_han(ch) for ch in word)


def _full_width(text: str) -> str:
    # Only beside a Han character: "3.5", "Page 3: …" and English keep theirs.
    return _HAN_MARK.sub(lambda m: _FULL_WIDTH[m.group(1) or m.group(2)], text)


# ---------------------------------------------------------------------------- the cache

def _cache_file(options: OcrOptions, digest: str) -> Path | None:
    if options.cache_dir is None:
        return None
    return Path(options.cache_dir) / f"{digest}-{_settings_key()}.json"


def _load(options: OcrOptions, digest: str) -> dict[int, list[Word]]:
    path = _cache_file(options, digest)
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {int(k): [tuple(w) for w in words] for k, words in data.items()}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _save(options: OcrOptions, digest: str, found: dict[int, list[Word]]) -> None:
    path = _cache_file(options, digest)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({str(k): v for k, v in found.items()}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


def _recognise_all(path, digest: str, options: OcrOptions, count: int, image_of) -> list[tuple]:
    """[(lines, confidence)] of `count` pages, recognised or from the cache; `image_of(k)`
    renders the k-th page as (PIL image, points per pixel)."""
    found = _load(options, digest)
    todo = [k for k in range(count) if k not in found]
    if todo:
        reason = missing()
        if reason:
            raise SourceError(path, f"scanned pages need OCR, but {reason}")
    for done, k in enumerate(todo, 1):
        found[k] = recognise(*image_of(k))
        if options.on_page:
            options.on_page(done, len(todo))
    if todo:
        _save(options, digest, found)
    return [page_lines(found[k]) for k in range(count)]


# -------------------------------------------------------------------- PDF pages, images

def recognise_pdf_pages(path, pdf, pages: list[PageLines], scans: list[int], digest: str,
                        options: OcrOptions) -> None:
    """Fill in the lines of the PDF pages `scans` (indexes into `pages`) by OCR."""
    def image_of(k):
        page = pdf[scans[k]]
        try:
            dpi = reading_dpi(page)
            return page.render(scale=dpi / 72).to_pil(), 72 / dpi
        finally:
            page.close()

    found = _recognise_all(path, digest, options, len(scans), image_of)
    for (lines, confidence), index in zip(found, scans):
        page = pages[index]
        page.lines, page.ocr, page.confidence = lines, True, confidence


def reading_dpi(page) -> int:
    """The resolution to render a scanned PDF page at: its largest image's, in pixels per
    inch of the page, within MIN_DPI–DPI (DPI when the page has no image: its text is
    drawn as outlines). Pixels are counted by area: an image drawn turned on a page stored
    on its side (shown upright by /Rotate) is as wide in pixels as its box is high."""
    import pypdfium2.raw as pdfium_c
    best, dpi = 0.0, float(DPI)
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        left, bottom, right, top = image.get_bounds()
        width, height = image.get_px_size()
        area = (right - left) * (top - bottom)
        if area > best and right > left:
            best, dpi = area, math.sqrt(width * height / area) * 72
    return max(MIN_DPI, min(DPI, round(dpi)))


def read(path, raw: bytes, digest: str, options: OcrOptions) -> Extract:
    """A page image (PNG, JPEG, TIFF; a multi-page TIFF is several pages) read by OCR."""
    import io
    from PIL import Image, UnidentifiedImageError
    try:
        image = Image.open(io.BytesIO(raw))
        frames = getattr(image, "n_frames", 1)
        width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise SourceError(path, f"not a readable image ({exc})") from None
    if min(width, height) < MIN_PAGE_PIXELS:
        raise SourceError(path, f"image of {width}×{height} pixels is too small to be a scanned page")
    if width * height > MAX_PAGE_PIXELS:
        raise SourceError(path, f"image of {width}×{height} pixels is too large for a scanned page")
    if frames > MAX_FRAMES:
        raise SourceError(path, f"image of {frames} pages; the limit is {MAX_FRAMES}")
    dpi = image.info.get("dpi", (DPI, DPI))[0] or DPI
    dpi = dpi if 50 <= dpi <= 1200 else DPI  # some tools write 1 or 72 for "unknown"
    scale = 72 / dpi

    def image_of(k):
        try:
            image.seek(k)
            return image.copy(), scale
        except (OSError, ValueError, EOFError) as exc:
            raise SourceError(path, f"damaged image (page {k + 1}: {exc})") from None

    found = _recognise_all(path, digest, options, frames, image_of)
    pages = []
    for k, (lines, confidence) in enumerate(found):
        image.seek(k)
        w, h = image.size
        pages.append(PageLines(k + 1, w * scale, h * scale, lines, ocr=True, confidence=confidence))
    builder = TextBuilder()
    Paragrapher(builder, size_tolerance=0.25).write(pages)
    text = builder.text()
    if not text.strip():
        raise SourceError(path, "no text found in the image (not a page of text?)")
    return Extract(text=text, encoding=IMAGE, sha256=digest, format=IMAGE, pages=builder.pages)
