"""Paragraphs from lines: page breaks and hard wraps undone, captions and repeated tails dropped; items made from them."""
from __future__ import annotations

from dataclasses import dataclass

from search.model import Item, Span
from search.parse.lines import (CAPTION_MAX, CAPTIONS_MAX, LEAD_MAX, PUNCTUATION, REPEAT_MAX, REPEAT_MIN, SENTENCE_END,
                               SHORT_LINE, SUBHEADING_MAX, Line, ends_sentence, join_pair, join_texts, key,
                               split_lead, title_like, width)


@dataclass
class Paragraph:
    lines: list[Line]
    text: str



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



def make_item(kind: str, title: str, subtitle: str | None, toc_title: str | None,
              paragraphs: list[Paragraph], first: Line) -> Item:
    body = "\n".join(p.text for p in paragraphs)
    last = paragraphs[-1].lines[-1] if paragraphs else first
    if last.end < first.end:
        last = first
    return Item(kind=kind, title=title, body=body, ordinal=0,
                span=Span(first.start, last.end, first.no, last.no),
                toc_title=toc_title, subtitle=subtitle)


def headline(first: Line, lines: list[Line]) -> tuple[str, list[Line]]:
    """The title and the body lines of text that starts at `first` (lines[0]): the first line
    if it reads as a title, else the opening words, with all the text kept as body."""
    if title_like(first.text):
        return first.text, lines[1:]
    return split_lead(first.text)[0][:LEAD_MAX // 3], lines

