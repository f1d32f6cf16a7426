"""Synthetic 《援疆工作简报》 corpora of a chosen size, built from the sample corpus.

The sample files are parsed with the real parser; their article and 动态 titles and
paragraphs are recombined into new issues: groups (南通 … 连云港) swapped into titles and
bodies, issue numbers and dates spread over 2010–2024, the plain and the markdown layouts
of the samples, their footers, and the page-break scars of PDF extraction (a paragraph
cut in two by a blank line mid-sentence). Every choice comes from one `random.Random(seed)`,
so the same seed (and the same samples and parser) gives byte-identical files.

Each generated file is parsed again with the real parser, and its item count must equal
the number of items written (`verify`, on by default in the CLI):

    python -m benchmarks.scaler --mb 10 --seed 1 --out /tmp/c10

writes /tmp/c10/<year>/<year>-<no>.{txt,md} and /tmp/c10/manifest.json (per-file item
counts; the indexer ignores .json files). 1 MB = 1,000,000 bytes of UTF-8 text.
"""
from __future__ import annotations

import argparse
import datetime
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from search.vocabulary import ARTICLE, DYNAMIC
from search.pipeline import read_document

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "texts"
MANIFEST = "manifest.json"

GROUPS = ("南通", "苏州", "武进", "江阴", "南京", "淮安", "扬州", "泰州", "徐州", "江宁", "镇江",
          "张家港", "连云港")
# Names of groups as the samples write them, longest first (常州武进 before 武进).
_GROUP_NAMES = sorted(GROUPS + ("常州武进", "海门"), key=len, reverse=True)
_GROUP_RE = re.compile("|".join(_GROUP_NAMES))
YEARS = range(2010, 2025)
SERIES = "援疆工作简报"
PUBLISHERS = ("江苏省对口支援新疆伊犁州前方指挥部", "江苏省对口支援伊犁州前方指挥部")
DISTRIBUTION = (
    "本期报：中央新疆办，省委、省人大、省政府、省政协、省纪委有关领导同志，新疆自治区党委、人大、政府、"
    "政协、纪委有关领导同志，新疆生产建设兵团有关领导同志，省委组织部、援疆办，自治区党委组织部、援疆办，"
    "新疆生产建设兵团组织部、援疆办，伊犁州党委、人大、政府、政协、纪委有关领导同志，新疆生产建设兵团四师、"
    "七师有关领导同志，后方单位有关领导同志。",
    "本期报：中央新疆办，省委、省人大、省政府、省政协、省纪委领导同志，新疆自治区党委、人大、政府、政协、"
    "纪委领导同志，新疆生产建设兵团领导同志，省委组织部、省援疆办，自治区党委组织部、援疆办，新疆生产建设"
    "兵团组织部、援疆办，伊犁州党委、人大、政府、政协、纪委领导同志，新疆生产建设兵团四师、七师领导同志。",
    "本期报：中央新疆办，省委、省人大、省政府有关领导同志。",
)
SEND = "送：伊犁州党委组织部、人才办、援疆办，新疆生产建设兵团四师、七师组织部、援疆办，本部领导班子成员、各办组，援伊各前方工作组。"
OFFICE = "江苏省对口支援伊犁州前方指挥部办公室"
SENTENCE_END = "。！？!?…"
CLOSERS = "”’」』）)》\"'"
BYTES_PER_ISSUE = 11_000  # rough size of an issue, to spread the dates of a year


@dataclass(frozen=True)
class Article:
    title: str
    subtitle: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Dynamic:
    title: str
    body: str


@dataclass(frozen=True)
class Pool:
    articles: tuple[Article, ...]
    dynamics: tuple[Dynamic, ...]
    paragraphs: tuple[str, ...]  # article paragraphs that are whole sentences


def _is_prose(p: str) -> bool:
    """A paragraph safe to move around: long, ends a sentence (no headings, no captions)."""
    return len(p) >= 40 and p.rstrip(CLOSERS)[-1:] in SENTENCE_END


def load_pool(samples: Path = SAMPLES) -> Pool:
    """Titles and paragraphs of the sample corpus, as the real parser reads them."""
    articles, dynamics, paragraphs = [], [], []
    for path in sorted(samples.glob("*")):
        if path.suffix not in (".txt", ".md"):
            continue
        doc = read_document(path)
        for item in doc.items:
            paras = tuple(p.strip() for p in item.body.split("\n") if _is_prose(p.strip()))
            if item.kind == ARTICLE and paras and "。" not in item.title and len(item.title) <= 60:
                articles.append(Article(item.title, item.subtitle, paras))
                paragraphs.extend(paras)
            elif item.kind == DYNAMIC and item.body and "。" not in item.title:
                dynamics.append(Dynamic(item.title, item.body.replace("\n", "")))
    if not articles or not dynamics:
        raise SystemExit(f"{samples}: no articles or 动态 found to build a corpus from")
    return Pool(tuple(articles), tuple(dynamics), tuple(dict.fromkeys(paragraphs)))


def _swap_group(text: str, group: str) -> str:
    """Put `group` where the text names its own group (the first group name it mentions)."""
    m = _GROUP_RE.search(text)
    return text if m is None else text.replace(m.group(), group)


def _page_break(rng: random.Random, p: str) -> str:
    """Cut a paragraph mid-sentence with a blank line, as a PDF page break does."""
    cuts = [i for i in range(20, len(p) - 20)
            if p[i - 1] not in SENTENCE_END + CLOSERS + "，、；：" and p[i] not in SENTENCE_END + CLOSERS + "，、；："]
    if not cuts:
        return p
    i = rng.choice(cuts)
    return p[:i] + "\n\n" + p[i:]


def _number_style(rng: random.Random):
    spaced = rng.random() < 0.5
    return (lambda n: f" {n} ") if spaced else (lambda n: str(n))


def make_issue(rng: random.Random, pool: Pool, year: int, number: int, date: datetime.date,
               markdown: bool) -> tuple[str, int, int]:
    """One issue's text, with its numbers of articles and 动态."""
    sp = _number_style(rng)
    n_art = rng.randint(2, 5)
    n_dyn = rng.choice((0, 3, 4, 4, 5, 5, 6))
    groups = rng.sample(GROUPS, k=min(len(GROUPS), n_art + n_dyn))
    arts = rng.sample(pool.articles, k=n_art)
    dyns = rng.sample(pool.dynamics, k=n_dyn)

    articles = []  # (title, subtitle, paragraphs)
    for art, group in zip(arts, groups):
        own = _GROUP_RE.search(art.title)
        paras = list(art.paragraphs[:rng.randint(1, len(art.paragraphs))])
        paras += rng.sample(pool.paragraphs, k=rng.randint(0, 4))
        if own:
            paras = [p.replace(own.group(), group) for p in paras]
        articles.append((_swap_group(art.title, group), art.subtitle, paras))
    dynamics = []
    for dyn, group in zip(dyns, groups[n_art:]):
        own = _GROUP_RE.search(dyn.title)
        body = dyn.body.replace(own.group(), group) if own else dyn.body
        dynamics.append((_swap_group(dyn.title, group), body))

    h1, h2 = ("# ", "## ") if markdown else ("", "")
    toc_head = rng.choice(("【本期要目】", "本期要目")) if markdown else "【本期要目】"
    out = ["", "", h1 + SERIES,
           f"{sp(year).lstrip()}年第{sp(number)}期（总第{sp(number)}期）".replace("  ", " "),
           rng.choice(PUBLISHERS),
           f"{sp(date.year).lstrip()}年{sp(date.month)}月{sp(date.day)}日".replace("  ", " ")]
    if markdown:
        out.append("---")
    out.append(h2 + toc_head)
    out.append("\n".join(f"- ★ {t}" + (f"——{s}" if s else "") for t, s, _ in articles))
    if dynamics:
        out.append(h2 + "【本期动态】")
        out.append("\n".join(f"- ☆ {t}" for t, _ in dynamics))
    for title, subtitle, paras in articles:
        if subtitle and rng.random() < 0.5:
            out += [h2 + title, f"——{subtitle}"]
        elif subtitle:
            out.append(h2 + f"{title}——{subtitle}")
        else:
            out.append(h2 + title)
        out += [_page_break(rng, p) if len(p) > 80 and rng.random() < 0.15 else p for p in paras]
    if dynamics:
        out.append(h2 + "【本期动态】")
        for title, body in dynamics:
            lead = f"**{title}。**" if markdown else f"{title}。"
            # Cut only the body: a page break inside the title sentence hides the 动态 itself.
            out.append(lead + (_page_break(rng, body) if len(body) > 80 and rng.random() < 0.1 else body))
    if markdown:
        out.append("---")
    footer = rng.random()
    if footer < 0.6:
        out.append(rng.choice(DISTRIBUTION))
        if rng.random() < 0.3:
            out.append(SEND)
    elif footer < 0.85:
        out += [rng.choice(DISTRIBUTION), OFFICE, f"共印{sp(rng.choice((100, 120, 150, 200)))}份".replace("  ", " ")]
    else:
        out += [OFFICE, f"共印 {rng.choice((100, 150))} 份"]
    if markdown and rng.random() < 0.5:
        out.append("---")
    return "\n\n".join(out) + "\n", n_art, len(dynamics)


def generate(out: Path, mb: float, seed: int = 1, pool: Pool | None = None) -> dict:
    """Write about `mb` MB of issues under `out` (emptied first); return the manifest."""
    pool = pool or load_pool()
    target = int(mb * 1_000_000)
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    per_year = max(1, -(-target // BYTES_PER_ISSUE) // len(YEARS) + 1)
    spacing = 360 / per_year
    counters = {y: 0 for y in YEARS}
    files, written, n = [], 0, 0
    while written < target:
        year = YEARS[n % len(YEARS)]
        n += 1
        counters[year] += 1
        number = counters[year]
        date = datetime.date(year, 1, 3) + datetime.timedelta(days=int((number - 1) * spacing) % 362)
        markdown = rng.random() < 0.4
        text, n_art, n_dyn = make_issue(rng, pool, year, number, date, markdown)
        name = f"{year}/{year}-{number:03d}.{'md' if markdown else 'txt'}"
        data = text.encode("utf-8")
        path = out / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        written += len(data)
        files.append({"source": name, "bytes": len(data), "items": n_art + n_dyn,
                      "articles": n_art, "dynamics": n_dyn, "issue": f"{year}-{number:02d}"})
    manifest = {"seed": seed, "mb": mb, "bytes": written, "files": len(files),
                "items": sum(f["items"] for f in files), "per_file": files}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=0), encoding="utf-8")
    return manifest


def verify(out: Path, manifest: dict | None = None, limit: int | None = None) -> list[str]:
    """Parse the generated files with the real parser; return the mismatches (empty: all good).

    `limit` checks only that many files, spread evenly over the corpus.
    """
    manifest = manifest or json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    entries = manifest["per_file"]
    if limit is not None and limit < len(entries):
        step = len(entries) / limit
        entries = [entries[int(i * step)] for i in range(limit)]
    problems = []
    for entry in entries:
        doc = read_document(out / entry["source"], entry["source"])
        kinds = [it.kind for it in doc.items]
        got = (len(doc.items), kinds.count(ARTICLE), kinds.count(DYNAMIC), doc.issue_key)
        want = (entry["items"], entry["articles"], entry["dynamics"], entry["issue"])
        if got != want:
            problems.append(f"{entry['source']}: parsed (items, articles, 动态, issue) {got}, wrote {want}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scaler", description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, required=True, help="size in MB (10^6 bytes), e.g. 10")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, required=True, help="folder to write (emptied first)")
    ap.add_argument("--no-verify", action="store_true", help="skip re-parsing the files")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    m = generate(args.out, args.mb, args.seed)
    print(f"{args.out}: {m['files']} files, {m['items']} items, {m['bytes'] / 1e6:.2f} MB "
          f"in {time.perf_counter() - started:.1f} s")
    if not args.no_verify:
        started = time.perf_counter()
        problems = verify(args.out, m)
        for p in problems:
            print(p, file=sys.stderr)
        print(f"verified with the real parser in {time.perf_counter() - started:.1f} s: "
              f"{len(problems)} of {m['files']} files differ")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
