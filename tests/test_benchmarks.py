"""The benchmark corpus generator: deterministic, and read back by the real parser as written."""
import hashlib
import json

from benchmarks import scaler


def digest(folder):
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    pool = scaler.load_pool()
    a = scaler.generate(tmp_path / "a", 0.1, seed=3, pool=pool)
    b = scaler.generate(tmp_path / "b", 0.1, seed=3, pool=pool)
    scaler.generate(tmp_path / "c", 0.1, seed=4, pool=pool)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")
    assert a == b and a["bytes"] >= 100_000 and a["items"] > 0


def test_generated_files_parse_to_the_items_written(tmp_path):
    out = tmp_path / "corpus"
    manifest = scaler.generate(out, 0.15, seed=11)
    assert scaler.verify(out, manifest) == []
    written = json.loads((out / scaler.MANIFEST).read_text(encoding="utf-8"))
    assert written["items"] == sum(f["items"] for f in written["per_file"]) == manifest["items"]
    suffixes = {p.suffix for p in out.rglob("*") if p.name != scaler.MANIFEST and p.is_file()}
    assert suffixes == {".txt", ".md"}  # both layouts of the samples


def test_every_group_and_year_range(tmp_path):
    manifest = scaler.generate(tmp_path / "c", 0.3, seed=5)
    years = {int(f["issue"][:4]) for f in manifest["per_file"]}
    assert years == set(scaler.YEARS)


def test_pdf_corpus_is_the_scalers_issues_typeset(tmp_path):
    from benchmarks import pdf
    from search.index import build_index

    made = pdf.make_corpus(tmp_path / "pdf", 0.05, seed=2, scans=1)
    assert made["pages"] > made["files"] >= 3 and made["scan_files"] == 1
    assert {p.suffix for p in (tmp_path / "pdf").rglob("*") if p.is_file()} == {".pdf"}
    summary = build_index(tmp_path / "pdf" / "text", tmp_path / "index")
    assert summary.ok and summary.items_added == made["items"], summary.lines()
