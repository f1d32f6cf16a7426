"""Reprints: the versions of one story found by near-duplicate text, kept right by
incremental runs, collapsed in results and listed on the item page."""
from __future__ import annotations

import json
import shutil

import numpy as np
import opencc
import pytest

from search import reprints
from search.index import build_index
from search.query.language import QueryError
from search.reprints import THRESHOLD, signature, stories
from search.searcher import Searcher
from search.store import versions as versions_store
from webui import create_app

from support import briefing, parse_html

TO_TRADITIONAL = opencc.OpenCC("s2t").convert

STORY = ("6月10日，南通援疆工作组在伊宁县召开产业援疆推进会，围绕家纺服装、农副产品加工和文化旅游三大方向，"
         "梳理在谈项目二十三个，协调解决用地、用工和融资难题，推动已签约企业尽快开工投产，带动当地群众就近就业一千二百余人。")
CLINIC = ("6月12日，苏州援疆工作组在霍尔果斯组织专家开展义诊活动，为边境口岸的群众免费体检，发放药品和健康手册，"
          "并与当地医院签订帮扶协议，计划三年内培养骨干医生五十名，提升口岸医疗服务水平。")
SCHOOL = ("6月14日，扬州援疆工作组走访新源县的十所乡村学校，捐赠图书八千册和一批教学设备，组织两地教师结对备课，"
          "开展送教下乡活动，惠及师生三千余人。")
ISSUE = briefing(2018, 3, "2018-06-15", [("南通工作组推进产业援疆", STORY), ("苏州工作组开展义诊", CLINIC)])
# The newspaper's version: another headline, the text in traditional script, a line broken
# mid-sentence and a page number from the PDF it was copied from.
REPOST = ("南通援疆工作组推进产业项目\n\n" + TO_TRADITIONAL(STORY[:60]) + "\n\n3\n\n" + TO_TRADITIONAL(STORY[60:]) + "\n")


def similarity(a: str, b: str) -> float:
    return float((signature("", a) == signature("", b)).mean())


def test_signatures_agree_across_scripts_line_breaks_and_punctuation_but_not_across_stories():
    assert similarity(STORY, TO_TRADITIONAL(STORY)) > 0.9
    assert similarity(STORY, STORY.replace("，", "\n").replace("。", "。 \n")) == 1.0
    assert similarity(STORY, STORY[:40] + "　" + STORY[40:].replace("二十三", "２３")) > THRESHOLD
    assert similarity(STORY, CLINIC) < 0.2 and similarity(CLINIC, SCHOOL) < 0.2
    assert signature("短讯", "南通召开会议。") is None  # too short to tell a reprint


def test_stories_group_versions_by_their_lowest_row_and_leave_others_alone():
    texts = [STORY, CLINIC, TO_TRADITIONAL(STORY), SCHOOL, CLINIC + "记者 王明", "太短"]
    sigs = [signature("", t) for t in texts]
    signed = np.array([s is not None for s in sigs])
    matrix = np.array([s if s is not None else np.zeros(64, np.uint16) for s in sigs])
    assert stories(matrix, signed).tolist() == [0, 1, 0, 3, 1, 5]


def test_stories_do_not_chain_through_texts_that_share_a_part_with_each_other():
    text = STORY + CLINIC + SCHOOL + "7月2日，泰州援疆工作组邀请两地农业专家到昭苏县讲解马铃薯种植和储藏技术。"
    size = len(text) // 6
    parts = [text[i * size:(i + 1) * size] for i in range(6)]
    # A and B share four parts of six, B and C too; A and C only two
    texts = ["".join(parts[0:4]), "".join(parts[1:5]), "".join(parts[2:6])]
    sigs = np.array([signature("", t) for t in texts])
    assert (sigs[0] == sigs[1]).mean() >= THRESHOLD and (sigs[1] == sigs[2]).mean() >= THRESHOLD
    assert (sigs[0] == sigs[2]).mean() < THRESHOLD
    assert stories(sigs, np.ones(3, dtype=bool)).tolist() == [0, 0, 2]


def test_stories_are_the_same_whatever_the_size_of_the_chunks_they_are_made_in(monkeypatch):
    # Rows of six stories, unsigned ones among them, in shuffled order: the chunked loop must
    # keep every row's number and every earlier row's buckets.
    texts = [STORY, CLINIC, SCHOOL, TO_TRADITIONAL(STORY), CLINIC + "记者 王明", SCHOOL[::-1]]
    rng = np.random.default_rng(7)
    rows = rng.integers(0, len(texts), 200)
    matrix = np.array([signature("", texts[r]) for r in rows])
    signed = rng.random(200) > 0.1
    whole = stories(matrix, signed)
    assert len(set(whole[signed].tolist())) == 4 and (whole[~signed] == np.flatnonzero(~signed)).all()
    monkeypatch.setattr(reprints, "CHUNK", 3)
    assert stories(matrix, signed).tolist() == whole.tolist()


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "2018-03.txt").write_text(ISSUE, encoding="utf-8")
    # The same issue once more, as the markdown copy of another collection
    (folder / "copies").mkdir()
    (folder / "copies" / "2018-03.md").write_text(ISSUE.replace("援疆工作简报", "# 援疆工作简报", 1), encoding="utf-8")
    (folder / "news.txt").write_text(REPOST, encoding="utf-8")
    (folder / "school.txt").write_text("扬州援疆工作组送教下乡\n\n" + SCHOOL + "\n", encoding="utf-8")
    return folder


def story_sources(index, q="援疆") -> dict[str, set[str]]:
    """For each hit (all versions shown): its source → the sources of its other versions."""
    s = Searcher(index)
    return {h["source"]: {v["source"] for v in h["versions"]} for h in s.search(q, versions="all", limit=50)["hits"]
            if h["title"].startswith("南通")}


def test_reposts_and_copies_of_an_issue_are_versions_of_one_story(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    assert story_sources(tmp_path / "index") == {
        "2018-03.txt": {"copies/2018-03.md", "news.txt"},
        "copies/2018-03.md": {"2018-03.txt", "news.txt"},
        "news.txt": {"2018-03.txt", "copies/2018-03.md"},
    }


def test_collapsed_results_show_each_story_once_by_its_best_ranked_version(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    s = Searcher(tmp_path / "index")
    everything = s.search("援疆", versions="all", limit=50)
    collapsed = s.search("援疆", limit=50)
    assert collapsed["versions"] == "collapse" and collapsed["collapsed"]
    # totals and facets count items; stories are counted beside them
    assert collapsed["total"] == everything["total"] == 6 and collapsed["stories"] == 3
    assert collapsed["facets"] == everything["facets"]
    seen_stories, shown = [], iter(collapsed["hits"])
    for hit in everything["hits"]:  # the collapsed list is the full list with later versions left out
        story = {hit["id"]} | {v["id"] for v in hit["versions"]}
        if not any(story & seen for seen in seen_stories):
            seen_stories.append(story)
            assert next(shown)["id"] == hit["id"]
    assert next(shown, None) is None
    nantong = next(h for h in collapsed["hits"] if h["title"].startswith("南通"))
    assert nantong["versions_total"] == 2
    assert {v["source"] for v in nantong["versions"]} | {nantong["source"]} == {"2018-03.txt", "copies/2018-03.md",
                                                                               "news.txt"}
    assert all(set(v) >= {"id", "source", "date", "issue"} for v in nantong["versions"])
    # pages count stories
    assert s.search("援疆", limit=2)["pages"] == 2 and s.search("援疆", limit=2, versions="all")["pages"] == 3
    assert [h["id"] for h in s.search("援疆", limit=2, page=2)["hits"]] == [h["id"] for h in collapsed["hits"][2:]]
    newest = s.search("", sort="newest", limit=50)
    assert newest["stories"] == 3 and len(newest["hits"]) == 3
    with pytest.raises(QueryError, match="versions"):
        s.search("援疆", versions="some")


def test_incremental_runs_keep_stories_as_a_full_build_makes_them(corpus, tmp_path):
    index = tmp_path / "index"
    (corpus / "news.txt").unlink()
    build_index(corpus, index)
    assert story_sources(index)["2018-03.txt"] == {"copies/2018-03.md"}
    # A repost added later joins its story
    (corpus / "news.txt").write_text(REPOST, encoding="utf-8")
    summary = build_index(corpus, index)
    assert summary.files_parsed == 1 and summary.files_unchanged == 3
    assert story_sources(index)["2018-03.txt"] == {"copies/2018-03.md", "news.txt"}
    # A removed file leaves it
    shutil.rmtree(corpus / "copies")
    build_index(corpus, index)
    assert story_sources(index) == {"2018-03.txt": {"news.txt"}, "news.txt": {"2018-03.txt"}}
    # A changed file that no longer tells the story leaves it too
    (corpus / "news.txt").write_text("南通援疆工作组推进产业项目\n\n" + SCHOOL.replace("扬州", "南通") + "\n", "utf-8")
    build_index(corpus, index)
    assert story_sources(index)["2018-03.txt"] == set()
    build_index(corpus, tmp_path / "clean")
    assert story_sources(index) == story_sources(tmp_path / "clean")
    assert [p.name for p in index.glob("versions-*")] == [versions_store.path_for(index, 4).name]
    assert [p.name for p in index.glob(f"{versions_store.DOC_STORIES_PREFIX}*")] == ["stories-4.npy"]


def test_lost_versions_cost_a_rerun_not_answers(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(corpus, index)
    want = story_sources(index)
    # Each document's story is saved for the searcher too; damaged, it is built again.
    [stories] = index.glob(f"{versions_store.DOC_STORIES_PREFIX}*")
    stories.write_bytes(b"damaged")
    assert story_sources(index) == want
    for path in [*index.glob("versions-*"), stories]:
        path.unlink()
    assert all(not v for v in story_sources(index).values())  # no versions known: every item alone
    summary = build_index(corpus, index)  # nothing changed: the versions are made again from the index
    assert summary.files_parsed == 0
    assert story_sources(index) == want
    # an incremental run after a lost file signs the unchanged items again from the index
    for path in index.glob("versions-*"):
        path.write_bytes(b"damaged")
    (corpus / "school.txt").write_text("扬州援疆工作组送教下乡\n\n" + SCHOOL + "又讯。\n", encoding="utf-8")
    build_index(corpus, index)
    assert story_sources(index) == want


def test_item_page_lists_other_versions_and_results_collapse_with_a_toggle(corpus, tmp_path):
    build_index(corpus, tmp_path / "index")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    api = client.get("/api/search?q=援疆").get_json()
    assert api["collapsed"] and api["stories"] == 3 and len(api["hits"]) == 3
    hit = next(h for h in api["hits"] if h["versions_total"] == 2)
    assert len(client.get("/api/search?q=援疆&versions=all").get_json()["hits"]) == 6
    bad = client.get("/api/search?q=援疆&versions=both")
    assert bad.status_code == 400 and "versions" in bad.get_json()["error"]["message"]

    doc = parse_html(client.get("/?q=援疆").data)
    toggle = doc.find("a", cls="versions-toggle")
    assert toggle.text() == "显示全部版本" and "versions=all" in toggle.attrs["href"]
    line = next(li for li in doc.find_all("li", cls="hit") if li.attrs["data-id"] == hit["id"]).find(cls="hit-versions")
    assert "另有 2 个版本" in line.text()
    assert {a.attrs["href"].split("?")[0] for a in line.find_all("a")} == {f"/item/{v['id']}" for v in hit["versions"]}
    shown_all = parse_html(client.get(toggle.attrs["href"]).data)
    assert len(shown_all.find_all("li", cls="hit")) == 6
    back = shown_all.find("a", cls="versions-toggle")
    assert back.text() == "合并同一报道的版本" and "versions" not in back.attrs["href"]
    # the search form keeps the mode for the next query
    assert shown_all.find("input", name="versions").attrs["value"] == "all"

    item = client.get(f"/api/items/{hit['id']}").get_json()
    assert item["versions_total"] == 2
    assert {v["source"] for v in item["versions"]} | {item["source"]} == {"2018-03.txt", "copies/2018-03.md",
                                                                         "news.txt"}
    briefing_version = next(v for v in item["versions"] + [item] if v["source"] == "copies/2018-03.md")
    assert briefing_version["date"] == "2018-06-15"
    page = parse_html(client.get(f"/item/{hit['id']}").data)
    section = page.find("section", cls="versions")
    assert section.find("h2").text().startswith("其他版本")
    entries = section.find_all("li")
    assert len(entries) == 2
    assert {li.find(cls="version-source").text() for li in entries} == {v["source"] for v in item["versions"]}
    assert any("江苏省对口支援新疆伊犁州前方指挥部" in li.text() and "2018-06-15" in li.text() for li in entries)
    # an item of no other version has no such section
    alone = next(h for h in api["hits"] if not h["versions_total"])
    assert parse_html(client.get(f"/item/{alone['id']}").data).find("section", cls="versions") is None


def test_cli_collapses_as_the_api_does_and_shows_every_version_when_asked(corpus, tmp_path, capsys):
    from search.cli import main

    build_index(corpus, tmp_path / "index")
    capsys.readouterr()
    assert main(["query", "融资难题", "--index", str(tmp_path / "index"), "--json"]) == 0
    collapsed = json.loads(capsys.readouterr().out)
    assert collapsed["collapsed"] and len(collapsed["hits"]) == 1 and collapsed["hits"][0]["versions_total"] == 2
    assert main(["query", "融资难题", "--index", str(tmp_path / "index"), "--json", "--versions", "all"]) == 0
    assert len(json.loads(capsys.readouterr().out)["hits"]) == 3
    assert main(["query", "融资难题", "--index", str(tmp_path / "index"), "--no-color"]) == 0
    out = capsys.readouterr().out
    assert "1 篇报道" in out and "另有 2 个版本" in out


def test_the_pdf_and_the_txt_of_one_issue_are_versions_item_by_item(tmp_path):
    from benchmarks.typeset import typeset_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "2018-03.txt").write_text(ISSUE, encoding="utf-8")
    (corpus / "2018-03.pdf").write_bytes(typeset_pdf(ISSUE))
    summary = build_index(corpus, tmp_path / "index")
    assert summary.ok and summary.items_added == 4, summary.lines()
    hits = Searcher(tmp_path / "index").search("", versions="all", limit=50)["hits"]
    by_title = {}
    for hit in hits:
        by_title.setdefault(hit["title"], []).append(hit)
    assert sorted(len(v) for v in by_title.values()) == [2, 2]  # each article twice: txt and pdf
    for title, versions in by_title.items():
        txt, pdf = sorted(versions, key=lambda h: h["source"], reverse=True)
        assert (txt["source"], pdf["source"]) == ("2018-03.txt", "2018-03.pdf")
        assert [v["id"] for v in txt["versions"]] == [pdf["id"]] and [v["id"] for v in pdf["versions"]] == [txt["id"]]


def test_a_hits_other_versions_are_listed_oldest_first_undated_last_and_cut_short(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for date in ("2019-02-01", "2017-05-01", "2018-06-15", "2016-09-01"):
        year, month, _ = date.split("-")
        (corpus / f"{date}.txt").write_text(briefing(int(year), int(month), date, [("南通工作组推进产业援疆", STORY)]),
                                            encoding="utf-8")
    (corpus / "undated.txt").write_text("南通援疆工作组推进产业项目\n\n" + STORY + "\n", encoding="utf-8")
    assert build_index(corpus, tmp_path / "index").ok
    s = Searcher(tmp_path / "index")
    newest = s.search("产业援疆", sort="newest", limit=1)["hits"][0]
    assert newest["date"] == "2019-02-01" and newest["versions_total"] == 4
    assert [v["date"] for v in newest["versions"]] == ["2016-09-01", "2017-05-01", "2018-06-15", None]
    monkeypatch.setattr("search.searcher.VERSIONS_LISTED", 2)
    cut = s.search("产业援疆", sort="newest", limit=1)["hits"][0]
    assert [v["date"] for v in cut["versions"]] == ["2016-09-01", "2017-05-01"] and cut["versions_total"] == 4
