"""Seeing the collection (issue 13): date ranges, timelines, the overview, exports,
citations and the Atom feed — through the Searcher, Flask's test client and the CLI.

Most tests use an index made here of briefings spread over 2012–2019 (so the timeline
counts years) with one undated news story; the sample corpus (one year) checks months.
"""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from search.index import build_index
from search.query import dates
from search.searcher import Searcher
from webui import create_app

from support import briefing, index_corpus, parse_html, run_cli

ATOM = "{http://www.w3.org/2005/Atom}"

# (year, number, date, articles): every article mentions 招商 so one query finds them all.
ISSUES = [
    (2012, 3, "2012-03-15", [("南通援疆工作组召开招商推介会", "3月10日，南通援疆工作组在伊宁县召开招商推介会，签约项目12个。"),
                             ("苏州援疆工作组调研霍尔果斯招商工作", "3月12日，苏州援疆工作组赴霍尔果斯调研招商引资。")]),
    (2015, 7, "2015-07-20", [("南通援疆工作组组织招商引资洽谈", "7月15日，南通援疆工作组在伊宁县举办招商洽谈会。")]),
    (2019, 2, "2019-02-11", [("泰州援疆工作组推进昭苏招商项目", "2月1日，泰州援疆工作组在昭苏县推进招商项目建设。"),
                             ("南通援疆工作组开展招商回访", "2月5日，南通援疆工作组回访伊宁县招商企业。"),
                             ("扬州援疆工作组举办招商座谈", "2月8日，扬州援疆工作组在新源县举办招商座谈会。")]),
]
NEWS = ("南通援疆干部招商记\n\n南通援疆工作组的干部们走访企业，为伊宁县招商引资奔走。"
        "他们说，招商是援疆工作的重要一环。\n")


@pytest.fixture(scope="module")
def years_index(tmp_path_factory):
    files = {f"{year}-{number:02d}.txt": briefing(year, number, date, articles)
             for year, number, date, articles in ISSUES}
    return index_corpus(tmp_path_factory.mktemp("years"), files | {"news.txt": NEWS})


@pytest.fixture(scope="module")
def years(years_index):
    return Searcher(years_index)


@pytest.fixture
def years_client(years_index):
    return create_app({"INDEX_DIR": str(years_index), "TESTING": True}).test_client()


DATED = sum(len(a) for *_, a in ISSUES)


# -- date range --------------------------------------------------------------------------

def test_date_range_keeps_the_items_of_its_days_and_counts_the_undated_left_out(years):
    everything = years.search("招商", limit=100)
    assert everything["total"] == DATED + 1 and everything["undated"] == 1
    assert everything["date_range"] == {"from": None, "to": None, "undated_excluded": 0}

    r = years.search("招商", date_from="2015-07-20", date_to="2019-02-11", limit=100)
    assert {h["date"] for h in r["hits"]} == {"2015-07-20", "2019-02-11"}
    assert r["total"] == 4
    assert r["date_range"] == {"from": "2015-07-20", "to": "2019-02-11", "undated_excluded": 1}
    # one bound only: the other side is open, undated items still left out
    assert years.search("招商", date_to="2012-12-31")["total"] == 2
    assert years.search("招商", date_from="2019-02-12")["total"] == 0
    # a month or a year stands for its first day as a start and its last as an end
    assert years.search("招商", date_from="2012", date_to="2012")["date_range"]["to"] == "2012-12-31"
    assert years.search("招商", date_from="2019-02", date_to="2019-02")["total"] == 3
    # facets count within the range too
    r = years.search("招商", date_from="2019-01-01")
    assert {f["value"] for f in r["facets"]["year"]} == {"2019"}


@pytest.mark.parametrize("date_from, date_to", [("2017-13-01", ""), ("2017-02-30", ""), ("yesterday", ""),
                                                ("", "17-08-01"), ("2019-01-02", "2019-01-01")])
def test_bad_dates_are_a_query_error_with_a_message(years, date_from, date_to):
    from search.query.language import QueryError
    with pytest.raises(QueryError, match="date"):
        years.search("招商", date_from=date_from, date_to=date_to)


def test_bad_dates_are_400_with_a_message_on_the_page_and_in_the_api(years_client):
    r = years_client.get("/api/search?q=招商&date_from=2017-13-01")
    assert r.status_code == 400
    assert "date_from" in r.get_json()["error"]["message"]
    r = years_client.get("/?q=招商&date_from=2019-02-01&date_to=2018-01-01")
    assert r.status_code == 400 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "晚于" in html and "Traceback" not in html
    for route in ("/export.csv", "/export.xlsx", "/export.jsonl", "/feed.atom"):
        r = years_client.get(route + "?date_to=nonsense")
        assert r.status_code == 400 and "date_to" in r.get_data(as_text=True), route


def test_results_page_shows_the_range_as_a_chip_keeps_it_and_says_what_was_left_out(years_client):
    r = years_client.get("/?q=招商&date_from=2015-01-01")
    doc = parse_html(r.data)
    assert int(doc.find(cls="total").attrs["data-total"]) == 4
    assert doc.find(cls="undated-excluded").text() == "1"
    chip = [c for c in doc.find_all("a", cls="chip") if "日期" in c.text()]
    assert chip and "date_from" not in parse_qs(urlsplit(chip[0].attrs["href"]).query)
    # the search box keeps the range for the next query; the range form shows it
    assert doc.find("input", name="date_from", type="hidden").attrs["value"] == "2015-01-01"
    assert doc.find("input", name="date_from", type="date").attrs["value"] == "2015-01-01"


# -- timeline ----------------------------------------------------------------------------

def test_timeline_counts_years_over_a_long_span_with_every_year_between(years):
    r = years.search("招商")
    assert r["granularity"] == "year"
    assert [e["period"] for e in r["timeline"]] == [str(y) for y in range(2012, 2020)]
    counts = {e["period"]: e["count"] for e in r["timeline"]}
    assert counts == {"2012": 2, "2013": 0, "2014": 0, "2015": 1, "2016": 0, "2017": 0, "2018": 0, "2019": 3}
    assert r["timeline"][0]["from"] == "2012-01-01" and r["timeline"][0]["to"] == "2012-12-31"


def test_timeline_honours_every_filter_and_narrows_to_months(years):
    r = years.search("招商", filters={"group": ["南通"]})
    assert sum(e["count"] for e in r["timeline"]) == 3  # 南通's dated items
    r = years.search("招商", date_from="2019")
    assert r["granularity"] == "month"
    assert r["timeline"] == [{"period": "2019-02", "from": "2019-02-01", "to": "2019-02-28", "count": 3}]
    r = years.search("没有这个词")
    assert r["timeline"] == [] and r["undated"] == 0


def test_timeline_of_the_sample_corpus_is_monthly_and_sums_to_the_dated_total(searcher_sample):
    r = searcher_sample.search("援疆")
    assert r["granularity"] == "month"
    assert sum(e["count"] for e in r["timeline"]) + r["undated"] == r["total"]
    months = [e["period"] for e in r["timeline"]]
    assert months == sorted(months) and len(set(months)) == len(months)


@pytest.fixture(scope="module")
def searcher_sample(index_dir):
    return Searcher(index_dir)


def test_results_page_draws_the_timeline_as_svg_with_links_that_narrow_the_range(years_client):
    doc = parse_html(years_client.get("/?q=招商&group=南通").data)
    svg = doc.find("svg", cls="timeline-chart")
    assert svg is not None
    bars = svg.find_all("a", cls="bar-link")
    assert [b.attrs["data-period"] for b in bars] == ["2012", "2015", "2019"]  # empty years: no link
    for bar in bars:
        assert bar.find("title").text() in bar.attrs["aria-label"]
    args = parse_qs(urlsplit(bars[-1].attrs["href"]).query)
    assert args == {"q": ["招商"], "group": ["南通"], "date_from": ["2019-01-01"], "date_to": ["2019-12-31"]}
    # the text alternative: a table with the same periods and links
    table = doc.find("details", cls="timeline-data")
    assert [a.attrs["href"] for a in table.find_all("a")] == [b.attrs["href"] for b in bars]
    assert "另有 1 条无日期" in doc.find("figcaption").text()
    # following the link: the range is applied, and the chart now counts months
    after = parse_html(years_client.get(bars[-1].attrs["href"]).data)
    assert int(after.find(cls="total").attrs["data-total"]) == 1
    assert [b.attrs["data-period"] for b in after.find_all("a", cls="bar-link")] == ["2019-02"]


def test_group_page_and_issue_list_show_the_timeline(years_client):
    doc = parse_html(years_client.get("/group/南通").data)
    bars = doc.find("svg", cls="timeline-chart").find_all("a", cls="bar-link")
    assert parse_qs(urlsplit(bars[0].attrs["href"]).query)["group"] == ["南通"]
    assert years_client.get("/api/groups/南通").get_json()["granularity"] == "year"
    doc = parse_html(years_client.get("/issues").data)
    assert len(doc.find("svg", cls="timeline-chart").find_all("a", cls="bar-link")) == 3


def test_timeline_stays_empty_without_dates(years, years_client):
    r = years.search("招商", date_from="2030-01-01")
    assert r["total"] == 0 and r["timeline"] == []
    doc = parse_html(years_client.get("/?q=招商&date_from=2030-01-01").data)
    assert doc.find("svg") is None and doc.find(cls="empty-state") is not None


def test_date_months_table_ignores_values_without_a_month(years):
    columns = years._current().columns
    months = columns.date_months
    assert len(months) == len(columns.values["date"]) and months[0] == -1
    mask = dates.range_mask(columns, dates.parse_range("2012-03-15", "2012-03-15"))
    assert int(mask.sum()) == 2


# -- overview ----------------------------------------------------------------------------

def test_overview_counts_files_issues_items_and_groups_by_year(years, years_client):
    data = years_client.get("/api/overview").get_json()
    assert data["totals"] == {"files": 4, "issues": 3, "items": DATED + 1, "groups": 4,
                              "first_date": "2012-03-15", "last_date": "2019-02-11"}
    table = data["groups_by_year"]
    assert table["years"] == ["2012", "2015", "2019"]
    nantong = next(r for r in table["rows"] if r["group"] == "南通")
    assert nantong["counts"] == [1, 1, 1] and nantong["total"] == 4  # + the undated news story
    assert table["rows"][0]["group"] == "南通" and table["max"] == 1
    assert data["localities"][0] == {"value": "伊宁县", "count": 4}
    assert [d["issue"] for d in data["newest_issues"]] == ["2019-02", "2015-07", "2012-03"]

    doc = parse_html(years_client.get("/overview").data)
    assert doc.find(cls="total-items").text() == str(DATED + 1)
    cells = doc.find("table", cls="heat").find_all("td")
    assert any("heat-5" in c.classes for c in cells) and any("heat-0" in c.classes for c in cells)
    link = doc.find("table", cls="heat").find("td", cls="heat-5").find("a")
    assert set(parse_qs(urlsplit(link.attrs["href"]).query)) == {"group", "year"}
    assert doc.find("svg", cls="timeline-chart") is not None


def test_header_and_the_empty_search_page_link_to_the_overview(client):
    doc = parse_html(client.get("/").data)
    assert doc.find("nav", cls="site-nav").find("a", href="/overview") is not None
    assert doc.find("a", cls="overview-link").attrs["href"] == "/overview"
    assert client.get("/overview").status_code == 200


# -- export ------------------------------------------------------------------------------

def read_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_export_holds_the_whole_result_set_in_page_order(years, years_client):
    r = years_client.get("/export.csv?q=招商&limit=2&page=2")  # paging does not limit an export
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["Content-Disposition"]
    rows = read_csv(r.data)
    assert list(rows[0]) == ["id", "title", "kind", "group", "locality", "issue", "date", "source", "url",
                             "snippet"]
    page = years.search("招商", limit=100)
    assert [row["id"] for row in rows] == [h["id"] for h in page["hits"]]
    first = rows[0]
    assert first["url"] == f"http://localhost/item/{first['id']}"
    assert "招商" in first["snippet"] and "<mark>" not in first["snippet"]


def test_exports_take_the_filters_sort_and_dates_of_the_page(years_client):
    rows = read_csv(years_client.get("/export.csv?q=招商&group=南通&sort=oldest&date_from=2015").data)
    assert [(r["group"], r["date"]) for r in rows] == [("南通", "2015-07-20"), ("南通", "2019-02-11")]
    lines = years_client.get("/export.jsonl?q=招商&group=南通&sort=oldest&date_from=2015").data.decode().splitlines()
    assert [json.loads(line) for line in lines] == rows


def test_xlsx_export_opens_with_openpyxl_and_keeps_formulas_as_text(years_client):
    from openpyxl import load_workbook
    r = years_client.get("/export.xlsx?q=招商&sort=newest")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(r.data), read_only=True).active
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][:3] == ["id", "title", "kind"] and len(table) == DATED + 2
    assert table[1][6] == "2019-02-11"


def test_export_past_the_cap_is_refused_with_a_message(years_client, monkeypatch):
    import search.searcher
    monkeypatch.setattr(search.searcher, "EXPORT_LIMIT", 3)
    for route in ("/export.csv", "/export.xlsx", "/export.jsonl"):
        r = years_client.get(route + "?q=招商")
        assert r.status_code == 400 and r.mimetype == "text/html", route
        assert "导出上限 3 条" in r.get_data(as_text=True)
    assert years_client.get("/export.csv?q=招商&date_from=2019").status_code == 200  # 3: at the cap


def test_results_page_offers_the_exports_or_says_the_result_is_too_large(years_client, monkeypatch):
    doc = parse_html(years_client.get("/?q=招商&group=南通").data)
    links = {a.attrs["href"].split("?")[0]: a.attrs["href"] for a in doc.find(cls="takeaway").find_all("a")}
    assert set(links) == {"/export.csv", "/export.xlsx", "/export.jsonl", "/feed.atom", "/kwic"}
    assert parse_qs(urlsplit(links["/export.csv"]).query) == {"q": ["招商"], "group": ["南通"]}
    import webui.views
    monkeypatch.setattr(webui.views, "EXPORT_LIMIT", 3)
    doc = parse_html(years_client.get("/?q=招商").data)
    assert doc.find(cls="export-over-limit") is not None and doc.find("a", cls="export-csv") is None


def test_export_of_an_empty_result_set_is_the_header_only(years_client):
    assert read_csv(years_client.get("/export.csv?q=没有这个词").data) == []
    assert years_client.get("/export.jsonl?q=没有这个词").data == b""


def test_csv_cells_that_a_spreadsheet_would_evaluate_are_made_inert():
    from search import export
    exported = {"items": [{"id": "x-01", "title": "=HYPERLINK(\"http://evil\")", "snippet": "+1"}]}
    rows = read_csv(export.to_bytes(exported, "csv", lambda i: "/item/" + i))
    assert rows[0]["title"].startswith("'=") and rows[0]["snippet"] == "'+1"


def test_cli_exports_the_whole_result_set_and_takes_date_bounds(years_index):
    done = run_cli("query", "招商", "--index", str(years_index), "--format", "csv", "--date-from", "2015",
                   "--base-url", "http://127.0.0.1:8000/", text=False)  # the bytes as exported
    assert done.returncode == 0, done.stderr
    rows = read_csv(done.stdout)
    assert len(rows) == 4 and all(r["date"] >= "2015" for r in rows)
    assert rows[0]["url"] == f"http://127.0.0.1:8000/item/{rows[0]['id']}"
    done = run_cli("query", "招商", "--index", str(years_index), "--format", "jsonl", text=False)
    assert len(done.stdout.decode().splitlines()) == DATED + 1
    done = run_cli("query", "招商", "--index", str(years_index), "--json", "--date-to", "2012-12", text=False)
    result = json.loads(done.stdout)
    assert result["total"] == 2 and result["timeline"][0]["period"] == "2012-03"
    done = run_cli("query", "招商", "--index", str(years_index), "--date-from", "2012-02-30", text=False)
    assert done.returncode == 1
    err = done.stderr.decode().strip()
    assert err.startswith("error: ") and "date_from" in err and "\n" not in err and "Traceback" not in err


# -- citations ---------------------------------------------------------------------------

def test_briefing_items_are_cited_as_reports_of_a_serial(years):
    hit = years.search("泰州")["hits"][0]
    assert hit["citation"] == ("江苏省对口支援新疆伊犁州前方指挥部. 泰州援疆工作组推进昭苏招商项目[R]. "
                               "援疆工作简报, 2019(2).")
    assert years.item(hit["id"])["citation"] == hit["citation"]


def test_citation_gives_the_page_when_known_and_cites_news_as_newspaper_articles():
    from search.citation import citation
    header = {"doc_type": "briefing", "publisher": "指挥部", "series": "援疆工作简报", "year": 2017, "issue_no": 9}
    assert citation({"title": "标题", "page": 3}, header) == "指挥部. 标题[R]. 援疆工作简报, 2017(9): 3."
    news = {"doc_type": "article", "publisher": "新华日报", "date": "2024-07-02"}
    assert citation({"title": "紧握接力棒", "page": 5, "byline": "本报记者 王明"}, news) == \
        "王明. 紧握接力棒[N]. 新华日报, 2024-07-02(5)."
    assert citation({"title": "紧握接力棒"}, {"doc_type": "article"}) == "紧握接力棒[N]."


@pytest.mark.parametrize("byline, listed", [
    ("王强", "王强"), ("新华社记者 刘兵、顾煜", "刘兵, 顾煜"), ("通讯员 王丽 记者 张强 丁一", "王丽, 张强, 丁一"),
    ("本报记者 张三 李四 王五 赵六", "张三, 李四, 王五, 等"), ("文/图 王明", "王明"), ("记者", None), (None, None)])
def test_bylines_become_the_standards_list_of_authors(byline, listed):
    from search.citation import authors
    assert authors(byline) == listed


def test_citation_is_on_the_page_with_a_copy_button_for_scripts(years_client, years):
    hit = years.search("泰州")["hits"][0]
    for url in ("/?q=泰州", f"/item/{hit['id']}"):
        doc = parse_html(years_client.get(url).data)
        text = doc.find(cls="citation-text")
        assert text.text() == hit["citation"]
        button = doc.find("button", cls="copy-citation")
        assert button.attrs["data-copy"] == text.attrs["id"] and "hidden" in button.attrs  # shown by app.js
    assert years_client.get(f"/api/items/{hit['id']}").get_json()["citation"] == hit["citation"]


# -- feed --------------------------------------------------------------------------------

def test_atom_feed_lists_the_newest_matching_items_with_valid_ids_and_dates(years_client):
    r = years_client.get("/feed.atom?q=招商&group=南通")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = ET.fromstring(r.data)
    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text.startswith("urn:uuid:")
    assert "招商" in feed.find(f"{ATOM}title").text and "南通" in feed.find(f"{ATOM}title").text
    self_link = [ln for ln in feed.findall(f"{ATOM}link") if ln.get("rel") == "self"]
    assert self_link and parse_qs(urlsplit(self_link[0].get("href")).query) == {"q": ["招商"], "group": ["南通"]}
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 4
    updated = [e.find(f"{ATOM}updated").text for e in entries]
    assert updated[:3] == ["2019-02-11T00:00:00Z", "2015-07-20T00:00:00Z", "2012-03-15T00:00:00Z"]
    assert feed.find(f"{ATOM}updated").text == max(updated)
    for e in entries:
        assert e.find(f"{ATOM}id").text.startswith("urn:uuid:")
        assert e.find(f"{ATOM}title").text and e.find(f"{ATOM}summary").text
        assert e.find(f"{ATOM}link").get("href").startswith("http://localhost/item/")
    # ids are stable: the same item has the same id in another feed
    again = ET.fromstring(years_client.get("/feed.atom?q=南通").data)
    ids = {e.find(f"{ATOM}link").get("href"): e.find(f"{ATOM}id").text for e in again.findall(f"{ATOM}entry")}
    assert all(ids.get(e.find(f"{ATOM}link").get("href"), e.find(f"{ATOM}id").text) == e.find(f"{ATOM}id").text
               for e in entries)


def test_results_page_links_its_feed_in_the_head_and_the_page(years_client):
    doc = parse_html(years_client.get("/?q=招商&group=南通").data)
    alternate = doc.find("link", rel="alternate")
    assert alternate.attrs["type"] == "application/atom+xml"
    assert parse_qs(urlsplit(alternate.attrs["href"]).query) == {"q": ["招商"], "group": ["南通"]}
    assert doc.find("a", cls="feed-link").attrs["href"] == alternate.attrs["href"]
    feed = ET.fromstring(years_client.get("/feed.atom?q=没有这个词").data)
    assert feed.findall(f"{ATOM}entry") == [] and feed.find(f"{ATOM}updated").text.endswith("Z")


def test_an_empty_index_has_an_empty_overview_timeline_and_export(tmp_path):
    (tmp_path / "corpus").mkdir()
    build_index(tmp_path / "corpus", tmp_path / "index")
    client = create_app({"INDEX_DIR": str(tmp_path / "index"), "TESTING": True}).test_client()
    data = client.get("/api/overview").get_json()
    assert data["totals"]["items"] == 0 and data["totals"]["first_date"] is None
    assert data["groups_by_year"] == {"years": [], "rows": [], "max": 0} and data["timeline"] == []
    assert client.get("/overview").status_code == 200
    assert client.get("/api/search?date_from=2017").get_json()["timeline"] == []
    assert read_csv(client.get("/export.csv").data) == []
    assert ET.fromstring(client.get("/feed.atom").data).findall(f"{ATOM}entry") == []


def test_dates_without_a_month_count_as_undated_in_the_timeline():
    import numpy as np
    from search.store.columns import Columns
    codes = np.array([0, 1, 2, 2, 3])
    order = np.arange(5)
    columns = Columns({"date": codes}, {"date": ["", "2017", "2017-08-01", "2017-08-21T09:30"]}, order, order, {},
                      ordinals=order)
    out = dates.timeline(columns, np.ones(5, dtype=bool))
    assert out["undated"] == 2
    assert out["timeline"] == [{"period": "2017-08", "from": "2017-08-01", "to": "2017-08-31", "count": 3}]
    # a value with a time still belongs to its day
    assert dates.range_mask(columns, dates.parse_range("2017-08-21", "2017-08-21")).tolist() == [
        False, False, False, False, True]
