"""Reliability (issue 6), part 3: an indexer killed at any moment loses nothing.

The real CLI (`python -m search index`) runs on a corpus of a few hundred briefings and
is killed with SIGKILL at several points of a full build, of a --rebuild over an
existing index and of an incremental run. After every kill:

* the previous index opens and answers the same queries with the same ids;
* the lock of the killed run does not block the next one, and its workers go away;
* the next run completes and holds exactly the items of a clean build (ids and titles),
  and the index folder does not keep growing with the debris of killed runs.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from whoosh import index as whoosh_index

from search.errors import SearchError
from search.index import build_index
from search.searcher import Searcher
from search.vocabulary import ALL_VERSIONS

from reliability import index_state, session_processes, vary_corpus
from support import CORPUS, PYTHON, ROOT, assert_no_traceback, cli_env, run_cli

FILES = int(os.environ.get("RELIABILITY_CRASH_FILES", 200))
QUERIES = ("title:援疆", "援疆 year:2015", "补记", "南通", "医疗 培训", "霍尔果斯", "编号0007", "葡萄", '"伊宁县"', "group:苏州 学习")
# Where to kill: once while Python starts, then at these fractions of the time a run
# spends working (after start-up); the last ones land near the commit.
FRACTIONS = (0.1, 0.4, 0.7, 0.95)


def snapshot(index: Path, ordered: bool = True) -> dict:
    """Every query's hits, all pages (ranked order, or sorted when `ordered` is False)."""
    s = Searcher(index)
    out = {}
    for q in QUERIES:
        ids, page = [], 1
        while True:
            result = s.search(q, page=page, limit=100, versions=ALL_VERSIONS)  # items, not stories
            ids += [h["id"] for h in result["hits"]]
            if page >= result["pages"]:
                break
            page += 1
        assert len(ids) == result["total"] < 1000, q  # every hit, not the top 1000
        out[q] = ids if ordered else sorted(ids)
    out["*"] = s.search("", limit=1)["total"]
    return out


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def timed_cli(*args) -> float:
    started = time.monotonic()
    done = run_cli(*args, timeout=300)
    assert_no_traceback(done.stderr)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started


class Corpora:
    def __init__(self, root: Path):
        self.old = root / "old"
        vary_corpus(self.old, FILES, seed=1)
        # The new corpus: two thirds of the files changed, some removed, some added — enough
        # work that an incremental run lasts long enough to be killed half-way.
        self.new = root / "new"
        shutil.copytree(self.old, self.new)
        files = sorted(self.new.rglob("*.txt"))
        for n, path in enumerate(files):
            if n % 3 != 2:
                path.write_text(path.read_text("utf-8").replace("援疆", "援 疆", 1) + "\n补记：编号9999。\n", "utf-8")
            elif n % 17 == 0:
                path.unlink()
        vary_corpus(self.new / "added", FILES // 10, seed=2)
        self.old_index, self.new_index = root / "old-index", root / "new-index"
        self.full_seconds = timed_cli("index", self.old, "--index", self.old_index)
        self.startup_seconds = timed_cli("index", self.old, "--index", self.old_index)  # nothing to do
        timed_cli("index", self.new, "--index", self.new_index)
        copy = root / "timing-index"
        shutil.copytree(self.old_index, copy)
        self.incremental_seconds = timed_cli("index", self.new, "--index", copy)
        self.old_state, self.new_state = index_state(self.old_index), index_state(self.new_index)
        self.old_snapshot = snapshot(self.old_index)
        self.new_hits = snapshot(self.new_index, ordered=False)
        self.clean_size = folder_size(self.new_index)
        assert len(self.old_state) > 5 * FILES and self.old_state != self.new_state
        print(f"\ncrash corpus: {FILES} files, {len(self.old_state)} items; full build "
              f"{self.full_seconds:.1f} s, incremental {self.incremental_seconds:.1f} s, "
              f"start-up and no-op {self.startup_seconds:.1f} s")

    def kill_points(self, seconds: float) -> list[float]:
        start = self.startup_seconds
        work = max(0.2, seconds - start)
        return [round(start / 2, 2)] + [round(start + f * work, 2) for f in FRACTIONS]


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> Corpora:
    return Corpora(tmp_path_factory.mktemp("crash"))


def _as_a_foreground_job() -> None:
    # A shell without job control starts background commands with SIGINT ignored, and
    # Python keeps it so: under such a test runner Ctrl-C would never reach the indexer.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_indexer(corpus: Path, index: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "search", "index", str(corpus), "--index", str(index), *extra],
                            cwd=ROOT, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=_as_a_foreground_job)


def kill_after(proc: subprocess.Popen, seconds: float, sig=signal.SIGKILL) -> tuple[bool, list]:
    """Send `sig` to the indexer (not its workers) after `seconds`; → (killed?, its workers)."""
    started = time.monotonic()
    workers = []
    while time.monotonic() - started < seconds and proc.poll() is None:
        try:
            workers = psutil.Process(proc.pid).children(recursive=True) or workers
        except psutil.Error:
            pass
        time.sleep(0.01)
    if proc.poll() is not None:
        proc.communicate()
        return False, []
    try:
        workers = psutil.Process(proc.pid).children(recursive=True) or workers
    except psutil.Error:
        pass
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    return True, workers


def assert_workers_gone(workers, within: float) -> None:
    """Workers of a killed indexer must not live on (and go on writing into the index)."""
    deadline = time.monotonic() + within
    alive = workers
    while alive and time.monotonic() < deadline:
        alive = [w for w in alive if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.1)
    for w in alive:
        w.kill()
    assert not alive, f"{len(alive)} worker(s) of the killed indexer still running after {within:.0f} s"


def assert_not_locked(index: Path) -> None:
    """The killed run's lock is gone: a writer is granted at once."""
    if not whoosh_index.exists_in(index):
        return
    started = time.monotonic()
    writer = whoosh_index.open_dir(index).writer(timeout=2.0)
    writer.cancel()
    assert time.monotonic() - started < 2.0


def recover_and_compare(corpora: Corpora, index: Path, last: bool = True) -> None:
    """The next run completes promptly and yields exactly what a clean build yields."""
    seconds = timed_cli("index", corpora.new, "--index", index)
    assert seconds < 3 * corpora.full_seconds + 10, f"the run after a kill took {seconds:.1f} s"
    assert index_state(index) == corpora.new_state
    # The same hits; their order may differ (ranking statistics count deleted documents
    # until segments are merged), so they are compared as sets.
    assert snapshot(index, ordered=False) == corpora.new_hits
    if last:
        # A run with nothing to do changes nothing.
        done = run_cli("index", corpora.new, "--index", index)
        assert done.returncode == 0 and " 0 parsed" in done.stdout, done.stdout
        assert folder_size(index) < 3 * corpora.clean_size + (1 << 20), "killed runs left debris in the index"


@pytest.mark.slow
def test_killing_a_first_build_leaves_no_index_or_an_empty_one_and_the_next_run_completes(corpora, tmp_path):
    for n, at in enumerate(corpora.kill_points(corpora.full_seconds)):
        index = tmp_path / f"fresh-{n}"
        killed, workers = kill_after(start_indexer(corpora.new, index), at)
        if killed:
            assert_workers_gone(workers, within=10)
            assert_not_locked(index)
            if whoosh_index.exists_in(index):  # empty before the commit, whole after it
                assert index_state(index) in ([], corpora.new_state), \
                    f"a killed first build (at {at} s) left a partial index"
        recover_and_compare(corpora, index, last=n == len(FRACTIONS))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["rebuild", "incremental"])
def test_killing_an_update_keeps_the_previous_index_and_the_next_run_completes(corpora, tmp_path, mode):
    seconds = corpora.full_seconds if mode == "rebuild" else corpora.incremental_seconds
    extra = ["--rebuild"] if mode == "rebuild" else []
    kills = 0
    for n, at in enumerate(corpora.kill_points(seconds)):
        index = tmp_path / f"{mode}-{n}"
        shutil.copytree(corpora.old_index, index)
        killed, workers = kill_after(start_indexer(corpora.new, index, *extra), at)
        if killed:
            kills += 1
            assert_workers_gone(workers, within=10)
            assert_not_locked(index)
            # Killed before its commit: the previous index, untouched. Killed after it, while
            # it writes its side files (manifest, column cache): the new index, whole. Never
            # anything in between.
            state = index_state(index)
            assert state in (corpora.old_state, corpora.new_state), f"{mode} killed at {at} s left a partial index"
            if state == corpora.old_state:
                assert snapshot(index) == corpora.old_snapshot, f"{mode} killed at {at} s changed the answers"
            else:
                assert snapshot(index, ordered=False) == corpora.new_hits
        else:  # finished before the kill: then it must be complete
            assert index_state(index) == corpora.new_state
        recover_and_compare(corpora, index, last=n == len(FRACTIONS))
    assert kills >= len(FRACTIONS) // 2 + 1, "the runs were too fast to be killed mid-way"


@pytest.mark.slow
def test_repeated_kills_of_the_same_index_never_lose_it(corpora, tmp_path):
    """Kill after kill on one index (a cron job killed again and again), then one clean run."""
    index = tmp_path / "index"
    shutil.copytree(corpora.old_index, index)
    for at in corpora.kill_points(corpora.incremental_seconds)[1:4] + corpora.kill_points(corpora.full_seconds)[1:3]:
        killed, workers = kill_after(start_indexer(corpora.new, index, "--rebuild"), at)
        if not killed:
            break
        assert_workers_gone(workers, within=10)
        # Before a run's commit the index is the previous one, after it the new one, whole.
        assert index_state(index) in (corpora.old_state, corpora.new_state)
    recover_and_compare(corpora, index)


@pytest.mark.slow
@pytest.mark.parametrize("sig, rc", [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)])
def test_interrupt_and_terminate_keep_the_previous_index(corpora, tmp_path, sig, rc):
    index = tmp_path / "index"
    shutil.copytree(corpora.old_index, index)
    proc = start_indexer(corpora.new, index, "--rebuild")
    # Signal it while its workers are indexing: provably half-way, however fast the machine.
    deadline = time.monotonic() + 3 * corpora.full_seconds + 10
    workers = []
    while not workers and proc.poll() is None and time.monotonic() < deadline:
        try:
            workers = psutil.Process(proc.pid).children(recursive=True)
        except psutil.Error:  # it ended between the two looks
            break
        time.sleep(0.01)
    assert workers, "the indexer finished (or never started workers) before it could be signalled"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    err = err.decode("utf-8", "replace")
    assert_no_traceback(err)
    assert proc.returncode == rc, err
    if sig == signal.SIGINT:
        assert "interrupted" in err and "unchanged" in err
    assert_workers_gone(workers, within=10)
    assert index_state(index) == corpora.old_state
    recover_and_compare(corpora, index)


# -------------------------------------------------------------------- damaged side files

def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "deleted":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "garbage":
        path.write_bytes(bytes(range(256)) * 4)
    elif how == "wrong-json":
        path.write_text('{"generation": "x", "files": [1, 2], "schema": null}')


SIDE_FILES = ("files.json", "analysis.json", "columns-*.npz")


@pytest.mark.parametrize("side, how", [
    (side, how) for side in SIDE_FILES for how in ("deleted", "empty", "truncated", "garbage", "wrong-json")])
def test_a_damaged_side_file_of_the_index_costs_time_never_answers(tmp_path, side, how):
    """The index's own files are written atomically by Whoosh; the indexer's side files
    (manifest, analysis stamp, column cache) may be lost or damaged by a disk or a hand:
    the searcher still answers the same, and the next run puts everything right."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    for p in corpus.iterdir():
        p.chmod(0o644)
    index = tmp_path / "index"
    assert build_index(corpus, index).ok
    state = index_state(index)
    answers = {q: [h["id"] for h in Searcher(index).search(q, limit=50)["hits"]] for q in QUERIES}
    targets = sorted(index.glob(side))
    assert targets, f"no {side} in the index: update SIDE_FILES"
    for target in targets:
        _damage(target, how)
    try:
        s = Searcher(index)
    except SearchError as exc:
        # Without its analysis stamp, the searcher cannot tell whether the index matches
        # this version's analysis: refusing, with a message that says what to do, is fine.
        assert side == "analysis.json" and "rebuild" in str(exc), exc
    else:
        assert {q: [h["id"] for h in s.search(q, limit=50)["hits"]] for q in QUERIES} == answers
    # A changed file is still picked up; the result equals a clean build.
    first = sorted(corpus.glob("*.txt"))[0]
    first.write_text(first.read_text("utf-8").replace("援疆", "援 疆", 1), "utf-8")
    done = run_cli("index", corpus, "--index", index)
    assert_no_traceback(done.stderr)
    assert done.returncode == 0, done.stderr
    clean = tmp_path / "clean"
    assert build_index(corpus, clean).ok
    assert index_state(index) == index_state(clean)
    assert len(index_state(index)) == len(state)
    with_server = Searcher(index)
    assert with_server.search("援疆", limit=1)["total"] == Searcher(clean).search("援疆", limit=1)["total"]


def test_a_same_size_edit_is_picked_up_by_the_next_run(tmp_path):
    """Unchanged files are skipped by size and mtime: an edit that keeps the size must still
    be seen (its mtime moves), even when it lands within the same second as the last run."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    target = sorted(corpus.glob("*.txt"))[0]
    target.chmod(0o644)
    index = tmp_path / "index"
    build_index(corpus, index)
    text = target.read_text("utf-8")
    assert "西洽会" in text
    target.write_text(text.replace("西洽会", "东博会"), "utf-8")  # same length, same size
    summary = build_index(corpus, index)
    assert summary.files_parsed == 1, summary.lines()
    s = Searcher(index)
    assert s.search("东博会")["total"] >= 1 and s.search("西洽会")["total"] == 0


# ------------------------------------------------------------- a kill during a large run

KILL_MB = float(os.environ.get("RELIABILITY_KILL_MB", 10))


@pytest.mark.slow
def test_killing_a_large_incremental_run_leaves_no_process_and_no_lock(tmp_path):
    """A folder of briefings (≥ 10 MB) added to an index, the indexer killed two seconds
    into its workers' work: its workers have jobs queued and results the indexer will
    never read. Within a few seconds no process of the killed run remains, and the next
    run takes the lock at once and completes."""
    from benchmarks import scaler

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    index = tmp_path / "index"
    assert build_index(corpus, index).ok
    before = index_state(index)
    added = scaler.generate(corpus / "added", KILL_MB, seed=3)
    # Output to a file: workers that outlive the indexer would keep a pipe open.
    with open(tmp_path / "killed-run.log", "wb") as log:
        proc = subprocess.Popen([PYTHON, "-m", "search", "index", str(corpus), "--index", str(index)], cwd=ROOT,
                                env=cli_env(), stdout=log, stderr=log, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline and not psutil.Process(proc.pid).children():
            time.sleep(0.01)
        time.sleep(2.0)
        assert proc.poll() is None, "the run finished before it could be killed: give it more to do"
        assert psutil.Process(proc.pid).children(), "the indexer started no workers"
        proc.kill()
        proc.wait(timeout=60)
        deadline = time.monotonic() + 5
        while session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = session_processes(proc.pid)
        assert not left, f"{len(left)} process(es) of the killed run still alive 5 s after the kill"
    finally:
        for p in session_processes(proc.pid):
            p.kill()
    assert index_state(index) == before  # killed before its commit: the previous index
    started = time.monotonic()
    writer = whoosh_index.open_dir(index).writer(timeout=0)  # no lock left: granted at once
    writer.cancel()
    done = run_cli("index", corpus, "--index", index, timeout=300)
    assert_no_traceback(done.stderr)
    assert done.returncode == 0, done.stderr
    assert f"{len(added['per_file'])} parsed" in done.stdout, done.stdout
    assert len(index_state(index)) == len(before) + added["items"]
    print(f"\nkill during a {added['bytes'] / 1e6:.0f} MB run: next run {time.monotonic() - started:.1f} s")
