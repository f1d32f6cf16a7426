"""Concordance (keyword in context): each occurrence of the query's words as one line, the
word between its left and right context.

Occurrences are the highlighter's matches (`highlight.find_spans`), so a concordance shows
exactly the words a results page marks: folded the same way (traditional script,
full-width), across the line breaks a PDF left inside a word.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from search.analysis import normalize
from search.query.highlight import find_spans
from search.vocabulary import KWIC_CONTEXT_CHARS, LEFT_CONTEXT

_SPACE = re.compile(r"\s+")


@dataclass
class Line:
    left: str
    keyword: str
    right: str
    offset: int  # of the word in its text


def lines(text: str, pattern: re.Pattern | None, context: int = KWIC_CONTEXT_CHARS) -> list[Line]:
    """Every match of `pattern` in `text` with `context` characters either side; runs of
    white space (line breaks) read as one space."""
    out = []
    for start, end in find_spans(text, pattern):
        # Twice the context before folding white space, so that enough characters remain.
        left = _SPACE.sub(" ", text[max(0, start - 2 * context):start])[-context:].lstrip()
        right = _SPACE.sub(" ", text[end:end + 2 * context])[:context].rstrip()
        out.append(Line(left, _SPACE.sub("", text[start:end]), right, start))
    return out


def sort_key(side: str):
    """Key of a line dict for sorting by its context on `side`: the left context read
    backwards from the word (its nearest character first), or the right one forwards."""
    if side == LEFT_CONTEXT:
        return lambda line: (_folded(line["left"])[::-1], _folded(line["keyword"]))
    return lambda line: (_folded(line["right"]), _folded(line["keyword"]))


def _folded(text: str) -> str:
    return normalize(text).replace(" ", "")
