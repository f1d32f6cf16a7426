"""The PDF corpus of `make bench`: the scaler's briefings typeset as the files users hold.

`make_corpus` writes the scaler's issues as text-layer PDFs (`benchmarks.typeset`), and
scans of some of them (image-only PDFs). `bench` builds an index of each in a child
process, as the text corpora are built: text-layer PDF pages per second including
extraction, parsing and indexing, and OCR pages per minute, with the items found beside
the items written.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from benchmarks import scaler, typeset

# What the scaler's markdown layout adds: a PDF shows headings and bold, not their marks.
_MARKDOWN = re.compile(r"^#{1,6} |\*\*|^---$", re.M)


def plain(text: str) -> str:
    return _MARKDOWN.sub("", text)


def pages_of(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def make_corpus(out: Path, mb: float, seed: int, scans: int) -> dict:
    """`out`/text: about `mb` MB of issues as text-layer PDFs; `out`/scans: the first
    issues holding at least `scans` pages in all, as image-only PDFs. → their manifest."""
    if out.exists():
        shutil.rmtree(out)
    source = out / "txt"
    manifest = scaler.generate(source, mb, seed)
    text_dir, scan_dir = out / "text", out / "scans"
    pages = scanned = scan_items = 0
    for entry in manifest["per_file"]:
        name = Path(entry["source"]).with_suffix(".pdf")
        pdf = typeset.typeset_pdf(plain((source / entry["source"]).read_text(encoding="utf-8")))
        typeset.write(text_dir / name, pdf)
        n = pages_of(pdf)
        pages += n
        if scanned < scans:
            typeset.write(scan_dir / name, typeset.scan_pdf(pdf))
            scanned += n
            scan_items += entry["items"]
    shutil.rmtree(source)
    return {"text_bytes": manifest["bytes"], "files": manifest["files"], "items": manifest["items"],
            "pages": pages, "pdf_bytes": sum(p.stat().st_size for p in text_dir.rglob("*.pdf")),
            "scan_files": len(list(scan_dir.rglob("*.pdf"))), "scan_pages": scanned, "scan_items": scan_items}


def bench(work: Path, mb: float, seed: int, builds: int, scans: int, run_build, log) -> dict:
    """Build the text-layer corpus `builds` times (median) and the scans once.

    `run_build(corpus, index)` runs a full build in a child and returns (its summary,
    wall seconds, peak RSS MB)."""
    corpus = work / "corpus-pdf"
    log(f"PDF: typesetting about {mb:g} MB of issues, and scans of {scans}+ pages")
    made = make_corpus(corpus, mb, seed, scans)
    r = {"mb": mb, **made}

    runs = []
    for _ in range(builds):
        index = work / "index-pdf"
        shutil.rmtree(index, ignore_errors=True)
        runs.append(run_build(corpus / "text", index))
    summary, wall, _ = sorted(runs, key=lambda run: run[0]["seconds"])[len(runs) // 2]
    seconds = summary["seconds"]
    r["text_layer"] = {"seconds": seconds, "runs_s": [run[0]["seconds"] for run in runs], "wall_s": wall,
                       "cpu_s": summary["cpu_s"], "pages_per_s": made["pages"] / seconds,
                       "pages_per_cpu_s": made["pages"] / summary["cpu_s"], "files_per_s": made["files"] / seconds,
                       "items": summary["items_added"], "failed": summary["failed"],
                       "peak_rss_mb": max(rss for _, _, rss in runs)}
    log(f"  text-layer PDF: {made['pages']} pages in {seconds:.2f} s = {made['pages'] / seconds:.0f} pages/s, "
        f"{summary['items_added']} of {made['items']} items")

    index = work / "index-scans"
    shutil.rmtree(index, ignore_errors=True)
    summary, wall, rss = run_build(corpus / "scans", index)
    seconds = summary["seconds"]
    r["ocr"] = {"seconds": seconds, "wall_s": wall, "cpu_s": summary["cpu_s"],
                "pages_per_min": made["scan_pages"] / seconds * 60,
                "pages_per_cpu_min": made["scan_pages"] / summary["cpu_s"] * 60,
                "items": summary["items_added"], "failed": summary["failed"], "peak_rss_mb": rss}
    log(f"  scans (OCR): {made['scan_pages']} pages in {seconds:.1f} s = {r['ocr']['pages_per_min']:.0f} pages/min, "
        f"{summary['items_added']} of {made['scan_items']} items")
    return r


def rows(r: dict) -> list[tuple[str, str]]:
    """(label, value) pairs of the PDF corpus, for the report."""
    if "files" not in r:
        return [("PDF corpus", "; ".join(r.get("errors", ["not run"]))[:200])]
    t, o = r.get("text_layer", {}), r.get("ocr", {})
    out = [("PDF corpus: text MB / PDF MB / files / pages / items",
            f"{r['text_bytes'] / 1e6:.1f} / {r['pdf_bytes'] / 1e6:.1f} / {r['files']} / {r['pages']} / {r['items']}")]
    if t:
        out += [("text-layer PDF build s, median (every run)",
                 f"{t['seconds']:.2f} ({' / '.join(f'{x:.2f}' for x in t['runs_s'])})"),
                ("text-layer PDF pages/s (target ≥ 100)", f"{t['pages_per_s']:.0f}"),
                ("text-layer PDF pages per CPU-second (×2 = 2 idle cores)", f"{t['pages_per_cpu_s']:.0f}"),
                ("text-layer PDF items found / written", f"{t['items']} / {r['items']}"),
                ("text-layer PDF build peak RSS MB", f"{t['peak_rss_mb']:.0f}")]
    if o:
        out += [("scanned PDF: files / pages", f"{r['scan_files']} / {r['scan_pages']}"),
                ("scanned PDF build (OCR) s", f"{o['seconds']:.1f}"),
                ("OCR pages/min", f"{o['pages_per_min']:.0f}"),
                ("OCR pages per CPU-minute", f"{o['pages_per_cpu_min']:.0f}"),
                ("scanned PDF items found / written", f"{o['items']} / {r['scan_items']}")]
    failed = t.get("failed", []) + o.get("failed", [])
    if failed:
        out.append(("PDF files skipped", f"{len(failed)}: {failed[0]}"[:200]))
    return out

