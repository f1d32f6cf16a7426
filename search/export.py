"""A result set taken away: CSV (UTF-8 with a BOM, so that Excel reads Chinese), JSON Lines
and Excel workbooks, one row per item with the same columns in every format.

The rows come from `Searcher.export`; `url_of(item_id)` makes each item's address (the web
app's absolute URL, or the CLI's path under a base URL).
"""
from __future__ import annotations

import csv
import io
import json

from search.vocabulary import EXPORT_FORMATS

COLUMNS = ("id", "title", "kind", "group", "locality", "issue", "date", "source", "url", "snippet")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
assert set(MEDIA_TYPES) == set(EXPORT_FORMATS)
ITEM_PATH = "/item/"  # where the web app shows an item (webui.views.item)
SHEET_TITLE = "检索结果"
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet would run such a cell as a formula


def rows(exported: dict, url_of) -> list[dict]:
    """Each item of `Searcher.export(...)` as a row of COLUMNS ("" for a missing value)."""
    out = []
    for item in exported["items"]:
        row = {c: item.get(c) or "" for c in COLUMNS}
        row["url"] = url_of(item["id"])
        out.append(row)
    return out


def to_bytes(exported: dict, fmt: str, url_of) -> bytes:
    table = rows(exported, url_of)
    if fmt == "csv":
        return csv_bytes(COLUMNS, table)
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in table).encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(table)
    raise ValueError(f"unknown export format {fmt!r}")


def csv_bytes(columns, table: list[dict]) -> bytes:
    """`table` (dicts of `columns`) as CSV in UTF-8 with a BOM, every cell safe to open."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows({c: _inert(str(r.get(c) or "")) for c in columns} for r in table)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(table: list[dict]) -> bytes:
    from openpyxl import Workbook  # only exports need it
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.append(list(COLUMNS))
    for row in table:
        cells = []
        for c in COLUMNS:
            cell = WriteOnlyCell(sheet, value=_xml_chars(row[c]))
            cell.data_type = "s"  # text, always: openpyxl takes "=…" for a formula
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _inert(value: str) -> str:
    """A CSV cell that a spreadsheet shows as text rather than evaluates (OWASP's advice)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _xml_chars(value: str) -> str:
    # Characters XML 1.0 cannot hold (control characters from a damaged source) would make
    # openpyxl refuse the whole workbook.
    return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 0x20)
