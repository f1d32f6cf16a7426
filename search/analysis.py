"""Text analysis: normalisation, Jieba segmentation and the Whoosh analyzers built on them.

Index time and query time share one pipeline, so a query token always has the form of
the indexed token it should meet:

* `normalize` folds full-width forms (NFKC), case and traditional characters, one
  character for one character, so character offsets into the normalised text are
  offsets into the original text too (highlights and source spans rely on this).
* `Segmenter` cuts with Jieba's dictionary plus the domain dictionary
  (`data/userdict.txt`) in precise mode with the HMM off: unknown names fall apart into
  single characters the same way in every context, so a name in a query always meets
  the same characters in the text, and the Rust port (`rjieba`) gives exactly the
  tokens pure-Python Jieba gives.
* At index time every precise token also yields the dictionary words inside it
  (霍尔果斯市 → 霍尔果斯, 尼勒克县 → 尼勒克) *at the same position*: a query for the
  shorter word finds the longer one, while phrase positions stay consecutive.
"""
from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterator

import opencc
import rjieba
from whoosh.analysis import Token, Tokenizer

USERDICT = "userdict.txt"

# Longest word the sub-word search looks for inside a precise token; longer dictionary
# words are rare and the search is quadratic in the token length.
_MAX_SUBWORD = 8


# -- normalisation -----------------------------------------------------------------

_t2s = opencc.OpenCC("t2s")


class _FoldTable(dict):
    """code point → folded character, for `str.translate`; each computed on first sight."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).casefold()
        if len(folded) != 1:  # ㎡ → m2, ß → ss: keep the original to keep offsets aligned
            folded = ch.casefold() if len(ch.casefold()) == 1 else ch
        simplified = _t2s.convert(folded)
        self[code] = result = simplified if len(simplified) == 1 else folded
        return result


_fold_table = _FoldTable()


def normalize(text: str) -> str:
    """Full-width → half-width, case-folded, traditional → simplified; same length as `text`."""
    return text.translate(_fold_table)


def is_cjk(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


# -- segmentation ------------------------------------------------------------------

class Segmenter:
    """Jieba (its Rust port) with the domain dictionary loaded once."""

    def __init__(self, userdict_lines: list[str] | None = None):
        self._jieba = rjieba.Jieba()
        for line in userdict_lines if userdict_lines is not None else _userdict_lines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self._jieba.add_word(normalize(parts[0]), freq, None)
        self.subwords = lru_cache(maxsize=200_000)(self._subwords)
        self.indexed_words = lru_cache(maxsize=200_000)(self._indexed_words)

    def cut(self, text: str) -> list[tuple[str, int, int]]:
        """Precise-mode (word, start, end) over normalised `text`, meaningless tokens dropped.

        Letters (CJK included) and digits carry meaning; punctuation and spaces do not.
        """
        return [t for t in self._jieba.tokenize(text, "default", False) if t[0][0].isalnum()]

    def _subwords(self, word: str) -> tuple[tuple[str, int], ...]:
        """Dictionary words strictly inside `word`, with their offset in it."""
        found = []
        n = len(word)
        if n < 3 or not all(is_cjk(c) for c in word):
            return ()
        for size in range(min(n - 1, _MAX_SUBWORD), 1, -1):
            for i in range(0, n - size + 1):
                sub = word[i:i + size]
                if self._jieba.has_word(sub):
                    found.append((sub, i))
        return tuple(found)

    def _indexed_words(self, word: str) -> tuple[str, ...]:
        """`word` and the dictionary words inside it: what the index records at its position."""
        return (word,) + tuple(sub for sub, _ in self.subwords(word))


def _userdict_lines() -> list[str]:
    # Jieba user dictionaries must be UTF-8 without BOM; utf-8-sig tolerates one anyway.
    text = resources.files("search.data").joinpath(USERDICT).read_text(encoding="utf-8-sig")
    return text.splitlines()


_segmenter: Segmenter | None = None
_segmenter_lock = threading.Lock()


def segmenter() -> Segmenter:
    """The process-wide segmenter; the dictionary is loaded on first use, once."""
    global _segmenter
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                _segmenter = Segmenter()
    return _segmenter


# -- token streams -----------------------------------------------------------------

_DECIMAL = re.compile(r"\d+(?:\.\d+)+")


def _join_decimals(tokens: list[tuple[str, int, int]], text: str) -> list[tuple[str, int, int]]:
    """Jieba cuts 8.9 into 8 and 9 (the point is dropped as punctuation): keep it one token."""
    if "." not in text:
        return tokens
    spans = [m.span() for m in _DECIMAL.finditer(text)]
    if not spans:
        return tokens
    out: list[tuple[str, int, int]] = []
    i = 0
    for word, start, end in tokens:
        while i < len(spans) and spans[i][1] <= start:
            i += 1
        if i < len(spans) and spans[i][0] <= start and end <= spans[i][1]:
            if out and out[-1][1] >= spans[i][0]:  # the number's first part is already out
                out[-1] = (text[out[-1][1]:end], out[-1][1], end)
                continue
        out.append((word, start, end))
    return out


def _precise_tokens(seg: Segmenter, text: str) -> list[tuple[str, int, int]]:
    norm = normalize(text)
    return _join_decimals(seg.cut(norm), norm)


def word_tokens(text: str, subwords: bool) -> Iterator[tuple[str, int, int, int]]:
    """(word, position, start, end) for `text`; with `subwords`, inner dictionary words too."""
    seg = segmenter()
    for pos, (word, start, end) in enumerate(_precise_tokens(seg, text)):
        yield word, pos, start, end
        if subwords:
            for sub, offset in seg.subwords(word):
                yield sub, pos, start + offset, start + offset + len(sub)


def word_positions(text: str) -> dict[str, list[int]]:
    """word → positions in `text`, sub-words included: the postings `word_tokens(text,
    subwords=True)` gives, gathered in one pass for the indexer."""
    seg = segmenter()
    indexed_words = seg.indexed_words
    positions: dict[str, list[int]] = {}
    get = positions.get
    for pos, (word, _, _) in enumerate(_precise_tokens(seg, text)):
        for each in indexed_words(word):
            found = get(each)
            if found is None:
                positions[each] = [pos]
            else:
                found.append(pos)
    return positions


def query_words(text: str) -> list[str]:
    """The precise tokens of a query fragment, as they appear in the index."""
    return [w for w, _, _, _ in word_tokens(text, subwords=False)]


class ChineseTokenizer(Tokenizer):
    """Whoosh tokenizer over `word_tokens`, with true positions and character offsets.

    mode="index" adds the sub-words; any other mode (queries, more-like-this) does not.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for word, pos, start, end in word_tokens(value, subwords=(mode == "index")):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def ChineseAnalyzer():
    return ChineseTokenizer()

