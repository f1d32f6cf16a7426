"""An index that this code would not build as it is — written by the previous release, or
before the groups data changed — is put right by the next plain `python -m search index`
run, which says why in one line; until then the searcher says what to do, in one line."""
from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
import types
from contextlib import contextmanager

import pytest
from whoosh import index as whoosh_index

from search import enrich
from search.errors import SearchError
from search.index import build_index, segment
from search.searcher import Searcher
from search.store import STAMP, read_stamp
from search.store import schema

from support import CORPUS, assert_no_traceback, briefing, run_cli

# Where the previous release (schema 8) kept the classes an index pickles.
PREVIOUS_HOMES = {"search.segment": (segment, ("Codec",)),
                  "search.schema": (schema, ("WordsField", "ExactID", "CompactPositions"))}


@contextmanager
def classes_at_previous_homes():
    """Pickle the index's classes under the module paths of the previous release."""
    moved = []
    try:
        for old, (module, names) in PREVIOUS_HOMES.items():
            sys.modules[old] = types.ModuleType(old)
            for name in names:
                cls = getattr(module, name)
                setattr(sys.modules[old], name, cls)
                moved.append((cls, cls.__module__))
                cls.__module__ = old
        yield
    finally:
        for cls, home in moved:
            cls.__module__ = home
        for old in PREVIOUS_HOMES:
            sys.modules.pop(old, None)


def json_query(index, *args, env=None):
    done = run_cli("query", *args, "--index", index, "--json", "--limit", "100", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def one_line_error(done) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert_no_traceback(done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


def test_an_index_of_the_previous_release_is_rebuilt_by_the_next_plain_run(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    with classes_at_previous_homes():
        assert build_index(corpus, index, workers=1).ok
    stamp = read_stamp(index)
    (index / STAMP).write_text(json.dumps(dict(stamp, schema=8)), encoding="utf-8")
    with pytest.raises((ImportError, AttributeError)):  # what it really is: unreadable here
        whoosh_index.open_dir(index)

    # Before the rebuild, searching says what to do.
    with pytest.raises(SearchError,
                       match=rf"another version \(schema 8, now {schema.SCHEMA_VERSION}\).*python -m search index"):
        Searcher(index)
    line = one_line_error(run_cli("query", "援疆", "--index", index))
    assert f"schema 8, now {schema.SCHEMA_VERSION}" in line and "`python -m search index` rebuilds it" in line

    done = run_cli("index", corpus, "--index", index)
    assert done.returncode == 0, done.stderr
    assert_no_traceback(done.stderr)
    assert done.stdout.splitlines()[0] == \
        f"rebuilding the whole index: the index was made by another version (schema 8, now {schema.SCHEMA_VERSION})"
    assert "(full rebuild)" in done.stdout
    assert read_stamp(index) == stamp

    fresh = tmp_path / "fresh"
    assert build_index(corpus, fresh).ok
    rebuilt, reference = Searcher(index), Searcher(fresh)
    for q in ("", "援疆", "南通 医疗", '"伊宁县"'):
        assert rebuilt.search(q, limit=100) | {"took_ms": 0} == reference.search(q, limit=100) | {"took_ms": 0}, q
    again = run_cli("index", corpus, "--index", index)
    assert "rebuilding" not in again.stdout and "0 parsed" in again.stdout  # once is enough


# An item that names no group nor place the groups data knows: it has no group, until
# the data learns that 濠河 (a river in 南通's city centre) means 南通.
UNKNOWN_NAME = "濠河"
ISSUE = briefing(2019, 3, "2019-03-05", [
    (f"{UNKNOWN_NAME}志愿者走访牧民家庭", "志愿者带去棉衣和药品，与牧民结成帮扶对子。"),
    ("苏州援疆工作组开展招商活动", "苏州援疆工作组在霍尔果斯举办招商推介会。"),
])


def groups_of(result) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result["facets"]["group"]}


def test_a_new_alias_in_the_groups_data_regroups_items_on_the_next_plain_run(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    (corpus / "2019-03.txt").write_text(ISSUE, encoding="utf-8")
    groups = tmp_path / "groups.toml"
    shutil.copyfile(enrich.DATA_FILE, groups)
    env = {"BRIEFING_GROUPS_FILE": str(groups)}

    assert run_cli("index", corpus, "--index", index, env=env).returncode == 0
    before = json_query(index, UNKNOWN_NAME, env=env)
    (hit,) = before["hits"]
    assert hit["group"] is None
    counts_before = groups_of(json_query(index, "", env=env))

    text = groups.read_text(encoding="utf-8")
    text, added = re.subn(r'(name = "南通"\n(?:#.*\n)*aliases = \[)', rf'\1"{UNKNOWN_NAME}", ', text)
    assert added == 1
    groups.write_text(text, encoding="utf-8")

    done = run_cli("index", corpus, "--index", index, env=env)
    assert done.returncode == 0, done.stderr
    assert_no_traceback(done.stderr)
    assert done.stdout.splitlines()[0] == \
        "rebuilding the whole index: the groups data (groups.toml) changed"

    (after,) = json_query(index, UNKNOWN_NAME, env=env)["hits"]
    nantong = next(g for g in tomllib.loads(text)["groups"] if g["name"] == "南通")
    assert after["id"] == hit["id"] and after["group"] == "南通" and after["locality"] == nantong["places"][0]
    counts_after = groups_of(json_query(index, "", env=env))
    assert counts_after["南通"] == counts_before["南通"] + 1
    assert {g: n for g, n in counts_after.items() if g != "南通"} == \
        {g: n for g, n in counts_before.items() if g != "南通"}
    filtered = json_query(index, UNKNOWN_NAME, "--group", "南通", env=env)
    assert [h["id"] for h in filtered["hits"]] == [hit["id"]]
