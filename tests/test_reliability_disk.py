"""Reliability (issue 14): the index's disk fails under the indexer or under the server.

* The disk fills up while indexing: a small tmpfs the test mounts (it runs as root),
  else a file-size limit (RLIMIT_FSIZE) on the indexer's process.
* The index folder is read-only: the same tmpfs, remounted read-only.
* The index folder is removed under a running server.

Each time: one clear line and no traceback, the previous index (where it still exists)
answers as before, and once the disk is right again the next run completes and the
index is what a clean build gives.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from search.searcher import REFRESH_EVERY, Searcher

from reliability import api_search, index_state, session_processes, vary_corpus
from support import CORPUS, PYTHON, ROOT, Server, assert_no_traceback, cli_env, run_cli

QUERIES = ("援疆", "南通 医疗", '"伊宁县"', "title:援疆")


@contextmanager
def small_disk(path: Path, mb: int):
    """A tmpfs of `mb` MB at `path` (→ True), or just the folder where none can be mounted (→ False)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = os.geteuid() == 0 and _mount(path, f"size={mb}m")
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def _mount(path: Path, options: str, remount: bool = False) -> bool:
    command = ["mount", "-o", f"remount,{options}", str(path)] if remount else \
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)]
    return subprocess.run(command, capture_output=True).returncode == 0


def answers(index: Path) -> dict:
    s = Searcher(index)
    return {q: (r["total"], [h["id"] for h in r["hits"]]) for q in QUERIES for r in [s.search(q, limit=20)]}


def copy_samples(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for p in CORPUS.glob("*.txt"):
        shutil.copyfile(p, folder / p.name)
    return folder


def index_run(corpus: Path, index: Path, file_limit: int | None = None) -> tuple[subprocess.CompletedProcess, list]:
    """`python -m search index` (under a file-size limit, if given); → (its outcome, the
    processes of its session still alive a few seconds after it ended)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    proc = subprocess.Popen([PYTHON, "-m", "search", "index", str(corpus), "--index", str(index)], cwd=ROOT,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=limit if file_limit else None)
    out, err = proc.communicate(timeout=600)
    deadline = time.monotonic() + 5
    while session_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = session_processes(proc.pid)
    for p in left:
        p.kill()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), left


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert_no_traceback(done.stderr)
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def clean_state(corpus: Path, tmp_path: Path) -> list:
    done = run_cli("index", corpus, "--index", tmp_path / "clean", timeout=600)
    assert done.returncode == 0, done.stderr
    return index_state(tmp_path / "clean")


@pytest.mark.slow
def test_a_full_disk_while_indexing_is_a_message_and_the_previous_index_answers(tmp_path):
    corpus = copy_samples(tmp_path / "corpus")
    with small_disk(tmp_path / "disk", mb=4) as mounted:
        index = tmp_path / "disk" / "index"
        done = run_cli("index", corpus, "--index", index)
        assert done.returncode == 0, done.stderr
        state, before = index_state(index), answers(index)
        vary_corpus(corpus / "more", 300, seed=4)  # about 3 MB: two workers, a segment larger than the room
        # Without a tmpfs, a file-size limit fails the indexer's writes as a full disk would.
        done, left = index_run(corpus, index, file_limit=None if mounted else 1 << 20)
        line = one_line_error(done)
        assert ("No space left on device" if mounted else "File too large") in line, line
        assert str(index) in line and "the previous index is unchanged" in line, line
        assert not left, f"{len(left)} process(es) of the failed run still alive"
        assert index_state(index) == state and answers(index) == before
        if mounted:  # room again
            assert _mount(tmp_path / "disk", "size=64m", remount=True)
        done, left = index_run(corpus, index)
        assert done.returncode == 0 and not left, done.stderr
        assert index_state(index) == clean_state(corpus, tmp_path)


@pytest.mark.slow
def test_a_read_only_index_folder_is_a_message_and_the_server_goes_on_answering(tmp_path):
    corpus = copy_samples(tmp_path / "corpus")
    with small_disk(tmp_path / "disk", mb=16) as mounted:
        if not mounted and os.geteuid() == 0:
            pytest.skip("root writes through permissions: a read-only folder needs a tmpfs mount")
        index = tmp_path / "disk" / "index"
        assert run_cli("index", corpus, "--index", index).returncode == 0
        state, before = index_state(index), answers(index)
        vary_corpus(corpus / "more", 60, seed=4)
        with Server(index, log_path=tmp_path / "server.log") as server:
            assert _mount(tmp_path / "disk", "ro", remount=True) if mounted else index.chmod(0o555) is None
            done, left = index_run(corpus, index)
            line = one_line_error(done)
            assert str(index) in line and "the previous index is unchanged" in line, line
            assert ("Read-only file system" if mounted else "Permission denied") in line, line
            assert not left
            assert index_state(index) == state and answers(index) == before
            status, result = server.get_json(api_search("援疆", limit=20))
            assert status == 200 and (result["total"], [h["id"] for h in result["hits"]]) == before["援疆"]
            assert _mount(tmp_path / "disk", "rw", remount=True) if mounted else index.chmod(0o755) is None
        assert "Traceback" not in server.log()
        done, left = index_run(corpus, index)
        assert done.returncode == 0 and not left, done.stderr
        assert index_state(index) == clean_state(corpus, tmp_path)


@pytest.mark.slow
def test_removing_the_index_under_a_running_server_is_a_message_until_it_is_back(tmp_path):
    corpus = copy_samples(tmp_path / "corpus")
    index = tmp_path / "index"
    assert run_cli("index", corpus, "--index", index).returncode == 0
    total = Searcher(index).search("援疆")["total"]
    item = index_state(index)[0][0]
    with Server(index, log_path=tmp_path / "server.log") as server:
        shutil.rmtree(index)
        time.sleep(REFRESH_EVERY + 0.5)  # the server's next look at the folder
        for path in (api_search("援疆"), "/?q=%E6%8F%B4%E7%96%86", f"/item/{item}", f"/api/items/{item}",
                     "/issues", "/api/issues"):
            status, _, body = server.get(path)
            text = body.decode("utf-8", "replace")
            assert status == 503, (path, status, text[:300])
            assert "no index here" in text and "Traceback" not in text, (path, text[:300])
        # Built again where it was, the index is served without a restart.
        assert run_cli("index", corpus, "--index", index).returncode == 0
        deadline = time.monotonic() + 10
        while (status := server.get_json(api_search("援疆")))[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert status[0] == 200 and status[1]["total"] == total
    assert "Traceback" not in server.log()
