"""Repairs applied to every extracted text before it is parsed.

Simplified → traditional converters on mirror sites insert the pinyin of characters they
were unsure of: 武進(jìn)工作組, 組長(zhǎng). The reading breaks words, titles and search
terms, and is never the author's text, so it goes before any offset is taken: the spans
of the parsed document refer to the cleaned text.
"""
from __future__ import annotations

import re

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# One syllable with a tone mark (neutral-tone syllables carry none and are never inserted),
# in half- or full-width brackets, right after a Han character.
_SYLLABLE = rf"[a-zü]*[{_TONED}][a-zü{_TONED}]*"
_CONVERTER_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]{_SYLLABLE}[)）]")


def strip_converter_pinyin(text: str) -> str:
    """`武進(jìn)工作組` → `武進工作組`; brackets holding anything but one toned syllable stay."""
    return _CONVERTER_PINYIN.sub("", text)


def clean_text(text: str) -> str:
    """Every repair an extracted text gets before parsing."""
    return strip_converter_pinyin(text)
