"""News pages in the index, the JSON API and the pages: outlet, date, byline, derived titles,
the 来源 (publisher) facet, the year facet and the date sort."""
import re

import pytest

from search.searcher import Searcher

from support import briefing, index_corpus

NEWS = ("首页 > 援疆频道 > 正文\n\n"
        "南通援疆医生守护杏花之乡_伊犁新闻网\n\n"
        "2023年05月11日 10:38 来源：伊犁日报\n\n"
        "作者：李明\n\n"
        "5月10日，南通援疆医生在伊宁县开展义诊，为300名群众检查身体。\n\n"
        "义诊持续三天，援疆医生还培训了当地医护人员。\n")
UNTITLED = ("伊宁网讯（记者 王强）霍尔果斯口岸查验通道今年完成改造，通关时间缩短一半。\n\n"
            "苏州援疆工作组参与了改造项目的规划。\n\n发布日期：2021-03-02\n")


@pytest.fixture(scope="module")
def news_index(tmp_path_factory):
    issue = briefing(2017, 5, "2017-03-01", [
        ("南通工作组举办义诊活动", "3月1日，南通工作组在伊宁县举办义诊活动，援疆医生为群众检查身体。")])
    return index_corpus(tmp_path_factory.mktemp("news"), {"issue.txt": issue, "news.txt": NEWS, "untitled.txt": UNTITLED})


@pytest.fixture(scope="module")
def news_client(news_index):
    from webui import create_app
    return create_app({"INDEX_DIR": str(news_index), "TESTING": True}).test_client()


def hit_of(result, source):
    return next(h for h in result["hits"] if h["source"] == source)


def test_api_hit_carries_outlet_date_and_byline(news_client):
    data = news_client.get("/api/search?q=义诊").get_json()
    hit = hit_of(data, "news.txt")
    assert (hit["title"], hit["publisher"], hit["date"], hit["year"]) == ("南通援疆医生守护杏花之乡", "伊犁日报",
                                                                          "2023-05-11", 2023)
    assert (hit["byline"], hit["title_derived"], hit["group"]) == ("李明", False, "南通")


def test_publisher_facet_is_labelled_and_filters(news_client):
    data = news_client.get("/api/search?q=援疆").get_json()
    values = {v["value"]: v for v in data["facets"]["publisher"]}
    assert values["伊犁日报"]["count"] == 1 and "江苏省对口支援新疆伊犁州前方指挥部" in values
    only = news_client.get(values["伊犁日报"]["toggle_url"]).get_json()
    assert [h["source"] for h in only["hits"]] == ["news.txt"]
    page = news_client.get("/?q=援疆").get_data(as_text=True)
    assert "来源" in page and "伊犁日报" in page


def test_year_facet_and_date_sort_include_news_pages(news_index):
    s = Searcher(news_index)
    result = s.search("", sort="newest")
    assert [h["source"] for h in result["hits"]] == ["news.txt", "untitled.txt", "issue.txt"]
    years = {v["value"]: v["count"] for v in result["facets"]["year"]}
    assert years == {"2023": 1, "2021": 1, "2017": 1}
    assert [h["source"] for h in s.search("", sort="oldest")["hits"]][0] == "issue.txt"


def test_item_page_shows_outlet_date_and_byline(news_client):
    item_id = hit_of(news_client.get("/api/search?q=义诊").get_json(), "news.txt")["id"]
    html = news_client.get(f"/item/{item_id}").get_data(as_text=True)
    meta = re.search(r'<dl class="item-meta">(.*?)</dl>', html, re.S).group(1)
    assert "来源" in meta and "伊犁日报" in meta and "2023-05-11" in meta and "李明" in meta
    assert "本期第" not in html  # a news page is no issue
    data = news_client.get(f"/api/items/{item_id}").get_json()
    assert (data["publisher"], data["date"], data["byline"]) == ("伊犁日报", "2023-05-11", "李明")
    assert data["document"]["publisher"] == "伊犁日报"


def test_results_page_hit_shows_outlet_and_date(news_client):
    html = news_client.get("/?q=义诊").get_data(as_text=True)
    assert re.search(r'<span class="meta-publisher">伊犁日报</span>\s*<time datetime="2023-05-11">', html)
    assert 'class="meta-publisher">江苏省对口支援' not in html  # a briefing's office is on every hit: not repeated


def test_derived_title_is_marked(news_client):
    hit = hit_of(news_client.get("/api/search?q=霍尔果斯").get_json(), "untitled.txt")
    assert hit["title_derived"] is True and hit["title"] == "霍尔果斯口岸查验通道今年完成改造，通关时间缩短一半"
    assert (hit["date"], hit["byline"], hit["group"]) == ("2021-03-02", "记者 王强", "苏州")
    html = news_client.get(f"/item/{hit['id']}").get_data(as_text=True)
    assert "标题取自导语" in html
