"""Dates of a result set: the date range filter and the timeline, as array operations.

Item dates are ISO strings in the `date` value column, whose codes sort as the dates do
(`search.store.columns`): a range is two bisections into the sorted values and one
comparison per document; a timeline is one bincount over the date codes of the result
set, folded into months (or years) through a per-code month table.
"""
from __future__ import annotations

import calendar
import datetime
import re
from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from search.query.language import QueryError
from search.store.columns import Columns
from search.vocabulary import TIMELINE_MONTHS

MONTH, YEAR = "month", "year"

_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


@dataclass(frozen=True)
class DateRange:
    """Inclusive bounds as ISO dates; None: open on that side."""
    start: str | None = None
    end: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.start or self.end)

    def to_json(self) -> dict:
        return {"from": self.start, "to": self.end}


def parse_bound(raw: str | None, name: str, end: bool) -> str | None:
    """An ISO date `YYYY-MM-DD`, or a whole month `YYYY-MM` or year `YYYY` (its first day for
    a start, its last for an end); empty → None; anything else is a QueryError."""
    raw = (raw or "").strip()
    if not raw:
        return None
    m = _ISO.fullmatch(raw)
    try:
        if not m:
            raise ValueError
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        month = int(month) if month else (12 if end else 1)
        if day:
            day = int(day)
        else:
            day = calendar.monthrange(year, month)[1] if end else 1
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        raise QueryError(f"日期 {name} 无效：{raw[:20]!r}，应为 YYYY-MM-DD（如 2017-08-15）/ "
                         f"{name} must be an ISO date such as 2017-08-15") from None


def parse_range(date_from: str | None, date_to: str | None) -> DateRange:
    start = parse_bound(date_from, "date_from", end=False)
    end = parse_bound(date_to, "date_to", end=True)
    if start and end and start > end:
        raise QueryError(f"起始日期 {start} 晚于结束日期 {end} / date_from is after date_to")
    return DateRange(start, end)


def range_mask(columns: Columns, dates: DateRange) -> np.ndarray:
    """Documents dated within `dates` (undated ones never are)."""
    values = columns.values["date"]
    low = max(1, bisect_left(values, dates.start)) if dates.start else 1  # code 0: no date
    # A value that carries a time after its date still belongs to that day.
    high = bisect_left(values, dates.end + "\uffff") if dates.end else len(values)
    codes = columns.codes["date"]
    return (codes >= low) & (codes < high)


def undated(columns: Columns) -> np.ndarray:
    return columns.codes["date"] == 0


def timeline(columns: Columns, selected: np.ndarray) -> dict:
    """Items of `selected` per month, or per year when they span more than TIMELINE_MONTHS
    months: every period from the first to the last, empty ones included, so the bars
    are a time axis. Items without a month are counted apart, as undated."""
    months = columns.date_months
    # By document number: faster to gather with than a boolean mask over many documents.
    per_code = np.bincount(columns.codes["date"][np.flatnonzero(selected)], minlength=len(months))
    dated = np.flatnonzero((per_code > 0) & (months >= 0))
    # Undated: no date, or one without a month (code 0 is "no date": its month is -1 too).
    out = {"granularity": MONTH, "timeline": [], "undated": int(per_code[months < 0].sum())}
    if not len(dated):
        return out
    bins, weights = months[dated], per_code[dated]
    first, last = int(bins.min()), int(bins.max())
    if last - first + 1 > TIMELINE_MONTHS:
        out["granularity"] = YEAR
        bins, first, last = bins // 12, first // 12, last // 12
    counts = np.bincount(bins - first, weights=weights, minlength=last - first + 1)
    out["timeline"] = [_period(first + i, out["granularity"]) | {"count": int(n)}
                       for i, n in enumerate(counts)]
    return out


def _period(number: int, granularity: str) -> dict:
    """A period's label and its first and last day (for the link that narrows to it)."""
    if granularity == YEAR:
        return {"period": f"{number:04d}", "from": f"{number:04d}-01-01", "to": f"{number:04d}-12-31"}
    year, month = divmod(number, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return {"period": f"{year:04d}-{month + 1:02d}", "from": f"{year:04d}-{month + 1:02d}-01",
            "to": f"{year:04d}-{month + 1:02d}-{last_day:02d}"}
