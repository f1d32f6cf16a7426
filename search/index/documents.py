"""A parsed, enriched Document as index documents: one file record, then one per item."""
from __future__ import annotations

from search.model import Document
from search.reprints import signatures
from search.store import file_id, item_id, pack_pages, pack_texts
from search.store.schema import FILE, ITEM
from search.vocabulary import FACETS


def item_fields(doc: Document, item) -> dict:
    # Only what an item needs for display; the document's header is on its file record.
    meta = {"title": item.title, "ordinal": item.ordinal,
            "span": (item.span.start, item.span.end, item.span.line_start, item.span.line_end)}
    if item.subtitle:
        meta["subtitle"] = item.subtitle
    if item.toc_title != item.title:  # absent: the contents line reads as the title
        meta["toc_title"] = item.toc_title
    if item.pages:  # shown with every hit: kept here, not only in the file's page map
        meta["pages"] = item.pages
    if item.ocr_confidence is not None:
        meta["ocr"] = item.ocr_confidence
    if item.byline:
        meta["byline"] = item.byline
    if item.title_derived:
        meta["title_derived"] = True
    fields = {
        "id": item_id(doc.source, item.ordinal), "rec": ITEM, "source": doc.source,
        "title": "\n".join(t for t in (item.title, item.subtitle) if t),
        "body": item.body,
        "ordinal": item.ordinal, "meta": meta, "date": doc.date,
    } | {facet.name: facet.value_of(doc, item) for facet in FACETS}
    return {k: v for k, v in fields.items() if v is not None}


def file_fields(doc: Document) -> dict:
    meta = doc.to_json()
    del meta["sha256"]  # a field of its own
    meta["items"] = [{"id": item_id(doc.source, it.ordinal), "kind": it.kind, "title": it.title,
                      "ordinal": it.ordinal} for it in doc.items]
    meta["page_count"] = len(doc.pages)
    meta["pages"] = pack_pages(meta["pages"])
    return {"id": file_id(doc.source), "rec": FILE, "source": doc.source, "sha256": doc.sha256,
            "meta": meta, "text": pack_texts(doc.text, [it.body for it in doc.items])}


def index_documents(doc: Document) -> list[dict]:
    """The index documents of a parsed file: its record, then its items."""
    return [file_fields(doc)] + [item_fields(doc, item) for item in doc.items]


def item_signatures(doc: Document):
    """The items' near-duplicate signatures, to find their other versions: (matrix, signed)."""
    return signatures((item.title, item.body) for item in doc.items)
