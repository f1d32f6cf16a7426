"""Reliability (issue 6), part 1 and 2: bad input never stops indexing and never crashes.

Every bad file gets a one-line message naming the file and the reason, every other file
is indexed, the summary and the exit code tell the truth, and stderr holds no traceback.
Then Hypothesis feeds the parser random and mutated briefings, and the query pipeline
random strings: only the errors meant for users may escape.
"""
from __future__ import annotations

import codecs
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.errors import SourceError
from search.index import build_index
from search.parse import parse_text
from search.query.language import QueryError, compile_query, parse_query
from search.ingest import read_source
from search.searcher import NotFound, Searcher
from search.store import file_id

from reliability import index_state
from support import CORPUS, PYTHON, ROOT, assert_no_traceback, briefing, cli_env, run_cli

GOOD = sorted(p.name for p in CORPUS.glob("*.txt"))
IS_ROOT = os.geteuid() == 0

# Sample text without a briefing header: the parser's "stand-alone article" path.
PROSE = "".join(line for line in (CORPUS / GOOD[1]).read_text("utf-8").splitlines(keepends=True)
                if len(line) > 60)


def copy_samples(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in GOOD:
        shutil.copyfile(CORPUS / name, folder / name)
        os.chmod(folder / name, 0o644)
    return folder


def sample_state(tmp_path: Path) -> list:
    """What a clean build of the good samples alone holds: the bar for "nothing lost"."""
    index = tmp_path / "clean-index"
    if not index.exists():
        assert build_index(copy_samples(tmp_path / "clean-corpus"), index).ok
    return index_state(index)


def without(state, sources) -> list:
    return [row for row in state if row[1] not in sources]


# Files that are not readable briefing text, and why they must be refused.
def bad_files(folder: Path) -> dict[str, str]:
    """Write the bad files into `folder`; → {name: regex the reason must match}."""
    utf8 = (CORPUS / GOOD[0]).read_bytes()
    files = {
        "empty.txt": (b"", r"empty"),
        "blank.txt": (b" \n\r\n\t\n  \n", r"empty|white space"),
        "binary.txt": (random.Random(1).randbytes(20000), r"binary"),
        "elf.txt": (b"\x7fELF\x02\x01\x01" + bytes(range(32)) * 200, r"binary"),
        # Cut in the middle of a three-byte character: the reason must say the text is broken.
        "truncated.txt": (utf8[:4000] + "援".encode("utf-8")[:2], r"undecodable|truncat|corrupt"),
        # A UTF-8 file with a GBK paragraph pasted in: no single encoding reads it.
        "mixed.txt": (utf8[:3000] + "南通援疆工作组全力推进产业援疆".encode("gbk") + utf8[3000:6000],
                      r"undecodable|mixed|encoding"),
        # A UTF-16 file cut to an odd number of bytes.
        "utf16-truncated.txt": ((codecs.BOM_UTF16_LE + (CORPUS / GOOD[0]).read_text("utf-8")
                                 .encode("utf-16-le"))[:5001], r"undecodable|truncat|corrupt"),
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    # Links that lead nowhere: a loop, a two-step loop and a dangling target.
    os.symlink("loop.txt", folder / "loop.txt")
    os.symlink("loop-b.txt", folder / "loop-a.txt")
    os.symlink("loop-a.txt", folder / "loop-b.txt")
    os.symlink(folder / "no-such-target.txt", folder / "dangling.txt")
    reasons = {name: reason for name, (_, reason) in files.items()}
    reasons |= {"loop.txt": r"symbolic link|loop|cannot read|not found",
                "loop-a.txt": r"symbolic link|loop|cannot read|not found",
                "loop-b.txt": r"symbolic link|loop|cannot read|not found",
                "dangling.txt": r"not found|missing|dangling|link"}
    return reasons


def odd_but_good_files(folder: Path) -> dict[str, str]:
    """Files that look odd but are text and must be indexed; → {name: a phrase to find}."""
    gbk = briefing(2018, 5, "2018-03-01", [("扬州工作组举办果树修剪培训", "培训内容丰富。")])
    utf16 = briefing(2018, 6, "2018-04-01", [("泰州工作组开展义诊活动", "义诊惠及群众。")])
    (folder / "gbk.txt").write_bytes(gbk.encode("gbk"))
    (folder / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + utf16.encode("utf-16-le"))
    (folder / "crlf.md").write_bytes(
        briefing(2018, 7, "2018-05-01", [("徐州工作组捐赠图书", "图书送到学校。")]).replace("\n", "\r\n").encode())
    # Not a briefing at all: a README and a newspaper feature are stand-alone articles.
    (folder / "readme.txt").write_text("How to use this folder\n\nPut the briefings here. "
                                       "Each file is one issue of the briefing.\n", "utf-8")
    (folder / "feature.txt").write_text("伊宁县杏花节开幕\n\n" + PROSE, "utf-8")
    # Looks like a folder of files, is a folder: walked into, not an error.
    (folder / "folder.txt").mkdir()
    shutil.copyfile(CORPUS / GOOD[0], folder / "folder.txt" / "inside.txt")
    # A symlink to a folder above (a walk that followed it would never end).
    os.symlink("..", folder / "folder.txt" / "up")
    os.symlink(".", folder / "folder.txt" / "self")
    return {"gbk.txt": "扬州工作组举办果树修剪培训", "utf16.txt": "泰州工作组开展义诊活动",
            "crlf.md": "徐州工作组捐赠图书", "readme.txt": "briefings", "feature.txt": "杏花节",
            "folder.txt/inside.txt": None}


@pytest.fixture
def messy(tmp_path):
    corpus = copy_samples(tmp_path / "messy")
    reasons = bad_files(corpus)
    good = odd_but_good_files(corpus)
    return corpus, reasons, good


def test_every_bad_file_is_named_with_its_reason_and_every_other_file_is_indexed(messy, tmp_path):
    corpus, reasons, good = messy
    index = tmp_path / "index"
    summary = build_index(corpus, index)
    failed = dict(summary.failed)
    assert set(failed) == set(reasons), failed
    for name, reason in failed.items():
        assert re.search(reasons[name], reason, re.I), (name, reason)
        assert "\n" not in reason and len(reason) < 300
    assert not summary.ok
    assert summary.files_seen == len(GOOD) + len(good) + len(reasons)
    assert summary.files_parsed == len(GOOD) + len(good)
    # Nothing of the good samples is lost or changed by the bad neighbours.
    state = index_state(index)
    assert without(state, good) == sample_state(tmp_path)
    s = Searcher(index)
    for name, phrase in good.items():
        assert any(row[1] == name for row in state), f"{name} was not indexed"
        if phrase:
            assert name in {h["source"] for h in s.search(f'"{phrase}"', limit=50)["hits"]}, name
    readme = s.search("briefings")["hits"][0]
    assert readme["source"] == "readme.txt" and readme["issue"] is None and readme["kind"] == "article"


def test_cli_index_reports_each_bad_file_on_one_line_and_exits_2(messy, tmp_path):
    corpus, reasons, good = messy
    done = run_cli("index", corpus, "--index", tmp_path / "index")
    assert_no_traceback(done.stderr)
    assert done.returncode == 2, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(skipped) == len(reasons), done.stderr
    for name in reasons:
        assert sum(1 for line in skipped if re.match(rf"skipped {re.escape(name)}: \S", line)) == 1, name
    seen = len(GOOD) + len(good) + len(reasons)
    assert re.search(rf"files: {seen} seen, {len(GOOD) + len(good)} parsed, .*{len(reasons)} failed",
                     done.stdout), done.stdout
    # The second run parses nothing again and still names the bad files: it tells the truth.
    again = run_cli("index", corpus, "--index", tmp_path / "index")
    assert_no_traceback(again.stderr)
    assert again.returncode == 2
    assert f"{len(GOOD) + len(good)} unchanged" in again.stdout
    assert all(f"skipped {name}:" in again.stderr for name in reasons)


@pytest.mark.parametrize("contents", [pytest.param({}, id="no-files"),
                                      pytest.param({"empty.txt": b""}, id="only-bad")])
def test_a_first_run_that_indexes_nothing_gives_an_empty_searchable_index(tmp_path, contents):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name, data in contents.items():
        (corpus / name).write_bytes(data)
    done = run_cli("index", corpus, "--index", tmp_path / "index")
    assert_no_traceback(done.stderr)
    assert done.returncode == (2 if contents else 0), done.stderr
    assert f"files: {len(contents)} seen, 0 parsed" in done.stdout
    assert all(f"skipped {name}: " in done.stderr for name in contents)
    result = Searcher(tmp_path / "index").search("援疆")
    assert result["total"] == 0 and result["hits"] == []
    # The next run, with real files, fills it.
    copy_samples(corpus)
    done = run_cli("index", corpus, "--index", tmp_path / "index")
    assert_no_traceback(done.stderr)
    assert without(index_state(tmp_path / "index"), ()) == sample_state(tmp_path)


def test_a_run_where_only_bad_files_changed_reports_them_and_keeps_the_index(tmp_path):
    """A run that commits nothing must still report, exit 2 and leave the index usable."""
    corpus = copy_samples(tmp_path / "c")
    assert run_cli("index", corpus, "--index", tmp_path / "index").returncode == 0
    (corpus / "binary.txt").write_bytes(b"\x00\x01" * 100)
    (corpus / "empty.txt").write_bytes(b"")
    done = run_cli("index", corpus, "--index", tmp_path / "index")
    assert_no_traceback(done.stderr)
    assert done.returncode == 2 and "skipped binary.txt: binary" in done.stderr
    assert f"0 parsed, {len(GOOD)} unchanged" in done.stdout and "2 failed" in done.stdout
    assert index_state(tmp_path / "index") == sample_state(tmp_path)
    assert Searcher(tmp_path / "index").search("援疆")["total"] > 10


def test_cli_parse_names_the_file_and_the_reason_and_goes_on(messy):
    corpus, reasons, _ = messy
    names = sorted(reasons)
    done = run_cli("parse", corpus / GOOD[0], *(corpus / n for n in names), corpus / GOOD[1])
    assert_no_traceback(done.stderr)
    assert done.returncode == 1
    errors = done.stderr.splitlines()
    assert len(errors) == len(names), done.stderr
    for name, line in zip(names, errors):
        assert line.startswith("error: ") and name in line and re.search(reasons[name], line, re.I), line
    assert GOOD[0] in done.stdout and GOOD[1] in done.stdout  # the good files around them are parsed
    assert run_cli("parse", corpus / "gbk.txt").returncode == 0


def test_cli_parse_of_a_missing_file_or_a_folder_is_a_message(tmp_path):
    for target, reason in ((tmp_path / "nope.txt", "not found"), (tmp_path, "directory")):
        done = run_cli("parse", target)
        assert_no_traceback(done.stderr)
        assert done.returncode == 1 and str(target) in done.stderr and reason in done.stderr


# -------------------------------------------------------------------- files that change under us

def test_a_file_that_vanishes_before_it_is_read_is_reported_and_nothing_else_is_lost(tmp_path):
    corpus = copy_samples(tmp_path / "c")
    target = corpus / "zz-vanishing.txt"
    shutil.copyfile(CORPUS / GOOD[0], target)

    def progress(done, total, name):
        if target.exists():  # the first call comes before the last file is read
            target.unlink()

    summary = build_index(corpus, tmp_path / "index", progress=progress)
    assert dict(summary.failed).keys() == {"zz-vanishing.txt"}
    assert re.search(r"not found|removed|missing", dict(summary.failed)["zz-vanishing.txt"])
    assert summary.files_parsed == len(GOOD)
    assert index_state(tmp_path / "index") == sample_state(tmp_path)


def test_a_changed_file_that_vanishes_mid_run_keeps_or_drops_its_items_but_says_so(tmp_path):
    corpus = copy_samples(tmp_path / "c")
    index = tmp_path / "index"
    build_index(corpus, index)
    target = corpus / GOOD[-1]
    target.write_text(target.read_text("utf-8") + "\n补记。\n", "utf-8")

    def progress(done, total, name):
        if target.exists():
            target.unlink()

    summary = build_index(corpus, index, progress=progress)
    failed = dict(summary.failed)
    assert summary.files_removed == 1 or GOOD[-1] in failed, summary.lines()
    # The other four files are untouched.
    assert without(index_state(index), {GOOD[-1]}) == without(sample_state(tmp_path), {GOOD[-1]})
    # Once the file is really gone, the next run removes its items and says so.
    final = build_index(corpus, index)
    assert final.ok and index_state(index) == without(sample_state(tmp_path), {GOOD[-1]})


@pytest.mark.parametrize("how", ["dangling-symlink", "directory", "chmod-000"])
def test_a_file_that_becomes_unreadable_mid_run_is_reported(tmp_path, how):
    if how == "chmod-000" and IS_ROOT:
        pytest.skip("root reads files whatever their mode; "
                    "see test_permission_denied_for_a_file_and_a_folder for the real thing")
    corpus = copy_samples(tmp_path / "c")
    target = corpus / "zz-unreadable.txt"
    shutil.copyfile(CORPUS / GOOD[0], target)
    done_once = []

    def progress(done, total, name):
        if done_once:
            return
        done_once.append(1)
        if how == "chmod-000":
            target.chmod(0)
        else:
            target.unlink()
            if how == "directory":
                target.mkdir()
            else:
                os.symlink(tmp_path / "gone", target)

    try:
        summary = build_index(corpus, tmp_path / "index", progress=progress)
    finally:
        if how == "chmod-000":
            target.chmod(0o644)
    failed = dict(summary.failed)
    assert set(failed) == {"zz-unreadable.txt"}, summary.lines()
    assert re.search(r"not found|directory|permission|cannot read", failed["zz-unreadable.txt"])
    assert index_state(tmp_path / "index") == sample_state(tmp_path)


def _without_dac_override() -> list[str] | None:
    """A command prefix under which even root obeys file modes, or None if there is none."""
    if not IS_ROOT:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search",
              "--inh-caps=-dac_override,-dac_read_search"]
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe"
        probe.write_text("x")
        probe.chmod(0)
        try:
            blocked = subprocess.run(prefix + ["cat", str(probe)], capture_output=True, timeout=10).returncode != 0
        except OSError:
            return None
    return prefix if blocked else None


def test_permission_denied_for_a_file_and_a_folder(tmp_path):
    prefix = _without_dac_override()
    if prefix is None:
        pytest.skip("running as root and cannot drop CAP_DAC_OVERRIDE (no setpriv)")
    corpus = copy_samples(tmp_path / "c")
    (corpus / "locked").mkdir()
    shutil.copyfile(CORPUS / GOOD[0], corpus / "locked" / "hidden.txt")
    shutil.copyfile(CORPUS / GOOD[1], corpus / "secret.txt")
    (corpus / "locked").chmod(0)
    (corpus / "secret.txt").chmod(0)
    try:
        done = subprocess.run(prefix + [PYTHON, "-m", "search", "index", str(corpus), "--index",
                                        str(tmp_path / "index")],
                              capture_output=True, text=True, timeout=120, cwd=ROOT, env=cli_env())
    finally:
        (corpus / "locked").chmod(0o755)
        (corpus / "secret.txt").chmod(0o644)
    assert_no_traceback(done.stderr)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert any(re.match(r"skipped locked: .*[Pp]ermission denied", line) for line in lines), done.stderr
    assert any(re.match(r"skipped secret.txt: .*[Pp]ermission denied", line) for line in lines), done.stderr
    assert len(lines) == 2, done.stderr
    assert f"{len(GOOD)} parsed" in done.stdout
    assert index_state(tmp_path / "index") == sample_state(tmp_path)
    (corpus / "secret.txt").chmod(0)
    try:
        done = subprocess.run(prefix + [PYTHON, "-m", "search", "parse", str(corpus / "secret.txt")],
                              capture_output=True, text=True, timeout=60, cwd=ROOT, env=cli_env())
    finally:
        (corpus / "secret.txt").chmod(0o644)
    assert_no_traceback(done.stderr)
    assert done.returncode == 1 and "secret.txt: permission denied" in done.stderr


# -------------------------------------------------------------------- files that are too much

def run_bounded(args, timeout: float, max_rss: int) -> dict:
    """Run `python -m search ARGS` watching the whole process tree: kill it if it takes
    longer than `timeout` s or more than `max_rss` bytes; report what happened."""
    started = time.monotonic()
    proc = subprocess.Popen([PYTHON, "-m", "search", *map(str, args)], cwd=ROOT, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    peak, verdict = 0, None
    ps = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [ps, *ps.children(recursive=True)])
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        if rss > max_rss:
            verdict = f"used more than {max_rss >> 20} MB"
        elif time.monotonic() - started > timeout:
            verdict = f"took more than {timeout:.0f} s"
        if verdict:
            os.killpg(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=30)
    return {"rc": proc.returncode, "stdout": out.decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace"), "verdict": verdict, "peak_mb": peak >> 20,
            "seconds": time.monotonic() - started}


def write_big(path: Path, size: int, chunk: str) -> None:
    """`size` bytes of real text, written quickly (one 1 MB block, repeated)."""
    block = (chunk * (1 + (1 << 20) // len(chunk.encode("utf-8")))).encode("utf-8")[: 1 << 20]
    block = block[: len(block.decode("utf-8", "ignore").encode("utf-8"))]
    with open(path, "wb") as fh:
        while fh.tell() + len(block) <= size:
            fh.write(block)


BIG_LIMITS = dict(timeout=40, max_rss=400 << 20)


@pytest.mark.slow
def test_a_100_mb_text_file_is_refused_quickly_by_name(tmp_path):
    corpus = copy_samples(tmp_path / "c")
    write_big(corpus / "huge.txt", 100 << 20, PROSE)
    run = run_bounded(["index", corpus, "--index", tmp_path / "index"], **BIG_LIMITS)
    assert run["verdict"] is None, (f"indexing a 100 MB file {run['verdict']} "
                                    f"(peak {run['peak_mb']} MB); a size limit would refuse it")
    assert_no_traceback(run["stderr"])
    assert run["rc"] == 2
    assert re.search(r"skipped huge\.txt: .*(too large|too big|size|MB|bytes|limit)", run["stderr"]), run["stderr"]
    assert index_state(tmp_path / "index") == sample_state(tmp_path)


@pytest.mark.slow
def test_a_sparse_100_mb_file_is_refused_without_reading_it_all(tmp_path):
    corpus = copy_samples(tmp_path / "c")
    with open(corpus / "sparse.txt", "wb") as fh:
        fh.truncate(100 << 20)
    run = run_bounded(["index", corpus, "--index", tmp_path / "index"], **BIG_LIMITS)
    assert run["verdict"] is None, run
    assert_no_traceback(run["stderr"])
    assert run["rc"] == 2 and "skipped sparse.txt: " in run["stderr"]
    assert index_state(tmp_path / "index") == sample_state(tmp_path)


@pytest.mark.slow
def test_a_single_1_mb_line_is_handled_in_bounded_time(tmp_path):
    corpus = copy_samples(tmp_path / "c")
    rng = random.Random(7)
    sentences = [s + "。" for s in re.split(r"[。\n]", PROSE) if len(s) > 8]
    line = ""
    while len(line.encode("utf-8")) < 1 << 20:
        line += rng.choice(sentences) + str(rng.randrange(10 ** 6))
    (corpus / "one-line.txt").write_text(line, "utf-8")
    run = run_bounded(["index", corpus, "--index", tmp_path / "index"], timeout=45, max_rss=800 << 20)
    assert run["verdict"] is None, f"a 1 MB one-line file: indexing {run['verdict']}"
    assert_no_traceback(run["stderr"])
    # Indexed (as one article), or refused with a reason: either way, the rest is intact.
    assert run["rc"] in (0, 2)
    if run["rc"] == 2:
        assert re.search(r"skipped one-line\.txt: \S", run["stderr"]), run["stderr"]
    assert without(index_state(tmp_path / "index"), {"one-line.txt"}) == sample_state(tmp_path)


SPECIAL_FILES = {
    # A named pipe: open() waits forever for a writer.
    "pipe.txt": lambda path: os.mkfifo(path),
    # /dev/zero never ends: a reader that reads to the end never stops allocating.
    "zero.txt": lambda path: os.symlink("/dev/zero", path),
    # /dev/null is empty: refused like an empty file.
    "null.txt": lambda path: os.symlink("/dev/null", path),
}


@pytest.mark.parametrize("name", ["pipe.txt", "zero.txt", "null.txt"])
def test_special_files_with_a_txt_name_neither_hang_nor_exhaust_memory(tmp_path, name):
    corpus = copy_samples(tmp_path / "c")
    SPECIAL_FILES[name](corpus / name)
    run = run_bounded(["index", corpus, "--index", tmp_path / "index"], timeout=20, max_rss=400 << 20)
    assert run["verdict"] is None, f"indexing {name} {run['verdict']}"
    assert_no_traceback(run["stderr"])
    assert run["rc"] == 2
    assert re.search(rf"skipped {name}: \S", run["stderr"]), run["stderr"]
    assert index_state(tmp_path / "index") == sample_state(tmp_path)


# -------------------------------------------------------------------- property-based: the parser

SAMPLE_TEXTS = [read_source(CORPUS / name).text for name in GOOD]
PARSER_SETTINGS = settings(max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", 120)), deadline=None,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Text the parser pays attention to, and text it has never seen.
BRIEFING_BITS = ["援疆工作简报", "2017 年第 17 期（总第 17 期）", "2017年6月19日", "【本期要目】", "【本期动态】",
                 "本期要目", "## 本期要目", "- ★ ", "- ☆ ", "★", "☆", "——", "—", "# ", "**", "---", "> ",
                 "本期报：", "共印 150 份", "江苏省对口支援新疆伊犁州前方指挥部办公室", "南通援疆工作组", "。", "，",
                 "\n", "\n\n", " ", "\u3000", "\t", "\f", "\x0b", "\x1c", "\u2028", "\u0085", "\ufeff"]
any_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400)
bits_text = st.lists(st.one_of(st.sampled_from(BRIEFING_BITS), any_text.filter(lambda s: len(s) < 30)),
                     max_size=60).map("".join)


def check_document(text: str, source: str = "x.txt"):
    """Parse `text`; check spans and line numbers; return the document's JSON."""
    started = time.monotonic()
    try:
        doc = parse_text(text, source)
    except SourceError:
        return None
    took = time.monotonic() - started
    assert took < 10, f"parsing {len(text)} characters took {took:.1f} s"
    lines = text.split("\n")
    for n, item in enumerate(doc.items, 1):
        sp = item.span
        assert item.ordinal == n
        assert 0 <= sp.start <= sp.end <= len(text), (item.title, sp)
        assert 1 <= sp.line_start <= sp.line_end <= len(lines), (item.title, sp)
        # Line numbers and offsets describe the same place.
        assert text.count("\n", 0, sp.start) + 1 == sp.line_start, (item.title, sp)
        assert text.count("\n", 0, sp.end) + 1 == sp.line_end, (item.title, sp)
        assert isinstance(item.title, str) and isinstance(item.body, str)
        assert item.kind in ("article", "dynamic")
    starts = [it.span.start for it in doc.items]
    assert starts == sorted(starts), "items are not in reading order"
    data = doc.to_json()
    assert parse_text(text, source).to_json() == data, "parsing is not deterministic"
    return data


@PARSER_SETTINGS
@given(any_text)
def test_parser_survives_random_text(text):
    check_document(text.replace("\r\n", "\n").replace("\r", "\n"))


@PARSER_SETTINGS
@given(bits_text)
def test_parser_survives_briefing_shaped_noise(text):
    check_document(text.replace("\r\n", "\n").replace("\r", "\n"))


def strip_markdown(lines, rng):
    return [re.sub(r"^\s*(#+\s*|[-*+]\s+|>\s*)", "", line).replace("**", "") for line in lines]


def add_markdown(lines, rng):
    return [("## " if rng.random() < 0.2 else "- " if rng.random() < 0.1 else "") + line for line in lines]


def delete_lines(lines, rng):
    return [line for line in lines if rng.random() > 0.15]


def duplicate_lines(lines, rng):
    out = []
    for line in lines:
        out += [line] * (2 if rng.random() < 0.1 else 1)
    return out


def shuffle_block(lines, rng):
    if len(lines) < 3:
        return lines
    i = rng.randrange(len(lines) - 2)
    j = rng.randrange(i + 2, min(len(lines), i + 20) + 1)
    block = lines[i:j]
    rng.shuffle(block)
    return lines[:i] + block + lines[j:]


def wrap_lines(lines, rng):
    width = rng.choice((20, 38, 60))
    return [part for line in lines for part in (re.findall(f".{{1,{width}}}", line) or [""])]


def join_lines(lines, rng):
    return ["".join(lines[i:i + 3]) for i in range(0, len(lines), 3)]


def truncate(lines, rng):
    return lines[: rng.randrange(len(lines) + 1)]


MUTATIONS = [strip_markdown, add_markdown, delete_lines, duplicate_lines, shuffle_block, wrap_lines,
             join_lines, truncate]


@PARSER_SETTINGS
@given(sample=st.sampled_from(range(len(SAMPLE_TEXTS))),
       mutations=st.lists(st.sampled_from(MUTATIONS), max_size=4),
       inserts=st.lists(st.tuples(st.floats(0, 1), any_text.filter(bool)), max_size=5),
       seed=st.integers(0, 2 ** 32))
def test_parser_survives_mutated_briefings(sample, mutations, inserts, seed):
    rng = random.Random(seed)
    lines = SAMPLE_TEXTS[sample].split("\n")
    for mutate in mutations:
        lines = mutate(lines, rng)
    text = "\n".join(lines)
    for where, noise in inserts:
        at = int(where * len(text))
        text = text[:at] + noise + text[at:]
    check_document(text.replace("\r\n", "\n").replace("\r", "\n"))


_READ_DIR = Path(tempfile.mkdtemp(prefix="reliability-read-"))


@PARSER_SETTINGS
@given(sample=st.sampled_from(range(len(SAMPLE_TEXTS))),
       line_end=st.sampled_from(["\n", "\r\n", "\r", "mixed"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "gb18030"]),
       cut=st.one_of(st.none(), st.integers(0, 20000)),
       seed=st.integers(0, 2 ** 32))
def test_reading_any_encoding_and_line_end_gives_the_same_items(sample, line_end, encoding, cut, seed):
    """Through the reader: line ends and encodings change nothing; a cut file parses or is refused."""
    rng = random.Random(seed)
    text = SAMPLE_TEXTS[sample]
    if line_end == "mixed":
        # Any mix, except "\r" then "\n": that pair is one CRLF line end, not two.
        raw, prev = "", ""
        for line in text.split("\n"):
            prev = rng.choice(["\r\n", "\r"] if prev == "\r" and not line else ["\n", "\r\n", "\r"])
            raw += line + prev
    else:
        raw = text.replace("\n", line_end) + line_end
    data = raw.encode(encoding)
    if cut is not None:
        data = data[:cut]
    path = _READ_DIR / f"{seed}.txt"
    path.write_bytes(data)
    try:
        decoded = read_source(path).text
    except SourceError as exc:
        assert exc.reason and str(path) in str(exc)
        return
    finally:
        path.unlink()
    assert "\r" not in decoded
    got = check_document(decoded)
    if cut is None:
        want = parse_text(text + "\n", "x.txt").to_json()
        assert [(i["title"], i["body"]) for i in got["items"]] == [(i["title"], i["body"]) for i in want["items"]]


# -------------------------------------------------------------------- property-based: queries

@pytest.fixture(scope="module")
def searcher(index_dir):
    return Searcher(index_dir)


QUERY_BITS = ['"', "“", "”", "「", "」", "-", ":", "：", "title:", "body:", "group:", "issue:", "kind:",
              "year:", "locality:", "title:-", "(", ")", "*", "?", "~", "^", "\\", "/", "AND", "OR", "NOT",
              " ", "\u3000", "援疆", "南通", "医疗", "伊宁县", "霍尔果斯", "两学一做", "2017-09", "文章", "动态",
              "\x00", "\ufeff", "\u200b", "ｔｉｔｌｅ：", "../../etc/passwd", "<script>", "%00", "'"]
query_text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.lists(st.one_of(st.sampled_from(QUERY_BITS), st.text(max_size=4)), max_size=30).map("".join),
)


@settings(max_examples=int(os.environ.get("RELIABILITY_EXAMPLES", 120)) * 2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query_text,
       sort=st.sampled_from(["relevance", "newest", "oldest"]),
       page=st.integers(1, 3), limit=st.integers(1, 100),
       filters=st.dictionaries(st.sampled_from(["group", "issue", "kind", "year", "locality"]),
                               st.lists(st.one_of(st.sampled_from(["南通", "2017-09", "article", "2017"]),
                                                  st.text(max_size=8)), max_size=3), max_size=3))
def test_any_query_string_answers_or_raises_query_error(searcher, q, sort, page, limit, filters):
    try:
        parsed = parse_query(q)
        if not parsed.empty:
            compile_query(parsed)
    except QueryError as exc:
        assert str(exc)
    try:
        result = searcher.search(q, filters, sort=sort, page=page, limit=limit)
    except QueryError as exc:
        assert str(exc)
        return
    assert 0 <= len(result["hits"]) <= limit and result["total"] >= len(result["hits"])
    if result["hits"]:
        hit = result["hits"][0]
        try:
            searcher.item(hit["id"], q=q)
        except NotFound:
            pytest.fail(f"a hit's item cannot be opened: {hit['id']}")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item_id=st.one_of(st.text(max_size=40), st.sampled_from([file_id(GOOD[0]), "../../etc/passwd", "",
                                                                  "0000000000-01", "%2e%2e"])),
       q=query_text)
def test_any_item_id_is_an_item_or_not_found(searcher, item_id, q):
    try:
        searcher.item(item_id, q=q)
    except NotFound:
        pass


def test_searcher_limits_are_messages_not_crashes(searcher):
    for kwargs in ({"q": "援" * 10_000}, {"q": " ".join(["援疆"] * 1000)}, {"q": "南通", "page": 10 ** 9},
                   {"q": "南通", "page": 0}, {"q": "南通", "limit": 10 ** 6}, {"q": "南通", "sort": "../x"},
                   {"q": "(" * 500 + "援疆" + ")" * 500}, {"q": "*援疆"}, {"q": "-援疆"}):
        try:
            result = searcher.search(**kwargs)
        except QueryError as exc:
            assert str(exc)
        else:
            assert isinstance(result["hits"], list)
