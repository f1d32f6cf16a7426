"""Enrich stage: which aid work group each item is about, and which aided place.

All knowledge of groups, their aliases and their aided places lives in data/groups.toml;
this module only applies it. Users filter by group, so the answer must be the canonical
short name (南通, not 海门 or 南通市). Texts are matched folded (`analysis.normalize`), so a
traditional-script mirror (江蘇援伊·鹽城工作組) names its group as the original does.
"""
from __future__ import annotations

import os
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.analysis import normalize
from search.model import Document

# BRIEFING_GROUPS_FILE names another groups file, e.g. an edited copy to try out; the
# index stamp hashes whichever file is used, so switching files re-derives every group.
DATA_FILE = Path(os.environ.get("BRIEFING_GROUPS_FILE") or Path(__file__).with_name("data") / "groups.toml")

# Between a group's name and 工作组 texts put batch numbers and qualifiers:
# 武进第九批援疆工作组, 南通市援疆工作组, 江苏援伊·南通前方工作组. No punctuation in between.
_TO_WORK_GROUP = re.compile(r"[^，。；：、,;:\s]{0,8}?工作组")

# A prefecture-wide story names places of many groups at once…
_PREFECTURE_WIDE_GROUPS = 3
_HEADQUARTERS_AND_GROUPS = 2  # … or the headquarters and this many …
# … and none of them takes more than half the mentions.
_PREFECTURE_WIDE_SHARE = 0.5
# Between another province's name and its headquarters: 江西援疆前方指挥部, 克州前方指挥部.
_TO_HEADQUARTERS = re.compile(r"[^，。；：、,;:\s]{0,8}?")
# Between the province's name and a group's: 江苏援伊·南通工作组 names one group.
_TO_GROUP = re.compile(r"[·・.\s]?")


@dataclass(frozen=True)
class Group:
    name: str
    aliases: tuple[str, ...]
    places: tuple[str, ...]
    headquarters: bool = False


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    kind: str  # "group", "place" or "elsewhere"
    name: str  # canonical name


class Directory:
    """The groups and places of one TOML file, with a longest-match scanner over their names."""

    def __init__(self, data: dict):
        self.groups = [
            Group(g["name"], tuple(g.get("aliases", ())), tuple(g.get("places", ())),
                  bool(g.get("headquarters", False)))
            for g in data.get("groups", [])
        ]
        self.by_name = {g.name: g for g in self.groups}
        terms: dict[str, tuple[str, str]] = {}
        for place in data.get("places", []):
            for term in (place["name"], *place.get("aliases", ())):
                terms[term] = ("place", place["name"])
        for group in self.groups:
            for term in (group.name, *group.aliases):
                terms[term] = ("group", group.name)
        for term in data.get("elsewhere", {}).get("names", ()):
            terms.setdefault(term, ("elsewhere", term))
        self.terms = terms
        # Longest alternatives first so that 南京江宁 beats 南京 and 伊宁县 is never read as 伊宁.
        self.pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))

    def mentions(self, text: str) -> list[Mention]:
        """Names of groups, places and aid elsewhere in folded `text`, in order; a headquarters
        named right after aid elsewhere (江西援疆前方指挥部) is left out: it is not ours."""
        found = [Mention(m.start(), m.end(), *self.terms[m.group()]) for m in self.pattern.finditer(text)]
        out = []
        for n, m in enumerate(found):
            if out and out[-1].kind == "elsewhere" and self._is_hq(m) \
                    and _TO_HEADQUARTERS.fullmatch(text, out[-1].end, m.start):
                continue
            nxt = found[n + 1] if n + 1 < len(found) else None
            if self._is_hq(m) and nxt and nxt.kind == "group" and not self._is_hq(nxt) \
                    and _TO_GROUP.fullmatch(text, m.end, nxt.start):
                continue
            out.append(m)
        return out

    def _is_hq(self, m: Mention) -> bool:
        return m.kind == "group" and self.is_headquarters(m.name)

    def group_of_place(self, place: str) -> str | None:
        """The first group (file order) that aids `place`."""
        for group in self.groups:
            if place in group.places:
                return group.name
        return None

    def is_headquarters(self, name: str | None) -> bool:
        return name is not None and self.by_name[name].headquarters


@lru_cache(maxsize=4)
def load(path: str | Path = DATA_FILE) -> Directory:
    with open(path, "rb") as fh:
        return Directory(tomllib.load(fh))


def resolve(title: str, body: str, directory: Directory | None = None) -> tuple[str | None, str | None]:
    """Return (group, locality) for an item; either may be None when the text gives no clue.

    `title` should include a subtitle if there is one. The title decides first, the body
    only when the title names neither a group nor a place.
    """
    d = directory or load()
    title, body = normalize(title or ""), normalize(body or "")
    title_mentions, body_mentions = d.mentions(title), d.mentions(body)
    if _elsewhere(title_mentions):
        return None, None
    group = _group_from(title, title_mentions, d, in_title=True, body_mentions=body_mentions)
    if _elsewhere(body_mentions) and (group is None or d.is_headquarters(group)):
        group = None  # "江苏援疆" in a title, and the story is about 克州: not one of our groups
    elif group is None:
        group = _group_from(body, body_mentions, d, in_title=False)
    return group, _locality(group, title_mentions, body_mentions, d)


def _elsewhere(mentions: list[Mention]) -> bool:
    """Is this text about aid that is not Jiangsu's in Ili? Its names outnumber ours."""
    others = sum(m.kind == "elsewhere" for m in mentions)
    return others > len(mentions) - others


def _group_from(text: str, mentions: list[Mention], d: Directory, in_title: bool,
                body_mentions: list[Mention] = ()) -> str | None:
    groups = [m for m in mentions if m.kind == "group" and not d.is_headquarters(m.name)]
    places = [m for m in mentions if m.kind == "place"]
    hq = [m for m in mentions if m.kind == "group" and d.is_headquarters(m.name)]
    if in_title:
        # A title that opens with a city (连云港政协副主席…, 海门 20 万册…) is that city's story,
        # whatever places follow.
        lead = len(text) - len(text.lstrip(" “\"'《【#*"))
        if groups and groups[0].start <= lead:
            return groups[0].name
    elif _prefecture_wide(groups, places, d, with_headquarters=bool(hq)) \
            or len(hq) > len(groups) + len(_specific(places, d)):
        # The whole batch's story, or the headquarters' own: named more than groups and their places.
        return _headquarters(d)
    strong = [m for m in groups if _names_work_group(text, m, mentions)]
    if strong:
        return strong[0].name
    if groups:
        if in_title:
            return groups[0].name
        return _most_common(groups)
    specific = _specific(places, d)
    if specific:
        place = specific[0].name if in_title else _most_common(specific)
        return _aiding_group(place, body_mentions, d)
    if places or hq:
        return _headquarters(d)
    return None


def _specific(places: list[Mention], d: Directory) -> list[Mention]:
    """The places one group aids (not the prefecture as a whole)."""
    return [m for m in places if not d.is_headquarters(d.group_of_place(m.name))]


def _prefecture_wide(groups: list[Mention], places: list[Mention], d: Directory, with_headquarters: bool) -> bool:
    """Does a body cover the whole batch: the groups it names, directly or by their places,
    are many (or several, beside the headquarters), and none of them dominates?"""
    owners = Counter(m.name for m in groups)
    owners.update(d.group_of_place(m.name) for m in _specific(places, d))
    if len(owners) < (_HEADQUARTERS_AND_GROUPS if with_headquarters else _PREFECTURE_WIDE_GROUPS):
        return False
    return max(owners.values()) <= _PREFECTURE_WIDE_SHARE * sum(owners.values())


def _aiding_group(place: str, context: list[Mention], d: Directory) -> str | None:
    """The group that aids `place`; where several do (霍尔果斯), the one the context names."""
    aiding = [g.name for g in d.groups if place in g.places]
    named = [m.name for m in context if m.kind == "group" and m.name in aiding]
    return _most_common_name(named) if named else d.group_of_place(place)


def _names_work_group(text: str, mention: Mention, mentions: list[Mention]) -> bool:
    """Is this mention the name of a 工作组 (南通援疆工作组), not just the city?"""
    match = _TO_WORK_GROUP.match(text, mention.end)
    if not match:
        return False
    return not any(mention.end <= other.start < match.end() for other in mentions)


def _most_common(mentions: list[Mention]) -> str:
    """The most frequent name; ties go to the one mentioned first."""
    return _most_common_name([m.name for m in mentions])


def _most_common_name(names: list[str]) -> str:
    counts = Counter(names)
    best = max(counts.values())
    return next(name for name in names if counts[name] == best)


def _headquarters(d: Directory) -> str | None:
    return next((g.name for g in d.groups if g.headquarters), None)


def _locality(group: str | None, title_mentions: list[Mention], body_mentions: list[Mention],
              d: Directory) -> str | None:
    title_places = [m.name for m in title_mentions if m.kind == "place"]
    body_places = [m for m in body_mentions if m.kind == "place"]
    if group is not None:
        aided = d.by_name[group].places
        for name in title_places + [m.name for m in body_places]:
            if name in aided:
                return name
        if d.by_name[group].headquarters and title_places:
            return title_places[0]
        return aided[0] if aided else None
    if title_places:
        return title_places[0]
    return _most_common(body_places) if body_places else None


def enrich(doc: Document, directory: Directory | None = None) -> Document:
    """Give each item of a parsed document its group and aided place, from the current data."""
    d = directory or load()
    for item in doc.items:
        # A headline derived from the lead says nothing the body does not.
        title = "" if item.title_derived else " ".join(x for x in (item.title, item.subtitle) if x)
        item.group, item.locality = resolve(title, item.body, d)
    return doc
