"""News pages and notices (texts that are not briefings): headline, date, outlet, byline, group.

Every document is written here, one per pattern seen on saved news pages, e-papers, Big5
gateways and reposting mirrors: the page's furniture and metadata around the story, the
converters' leftovers, and stories about other provinces' aid.
"""
import pytest

from search.enrich import enrich, resolve
from search.errors import SourceError
from search.ingest import read_source
from search.ingest.cleanup import strip_converter_pinyin
from search.parse import parse_text
from search.parse.newsmeta import find_dates
from search.pipeline import read_document

BODY = ("5月10日，南通援疆工作组在伊宁县举办纺织技能培训班，来自各乡镇的200名学员参加培训。\n\n"
        "培训为期一周，学员们学习了缝纫、质检等技能。工作组表示将继续推动产业援疆。\n")
TITLE = "南通援疆工作组举办纺织技能培训班"


def page(*head: str, body: str = BODY) -> str:
    return "\n\n".join(head) + "\n\n" + body


def article(text: str):
    doc = enrich(parse_text(text, "page.txt"))
    assert doc.doc_type == "article"
    [item] = doc.items
    return doc, item


# ---------------------------------------------------------------- headline

@pytest.mark.parametrize("furniture", [
    "7",  # a page number
    "首页 要闻 专题 援疆 视频 图片",  # a site menu
    "当前位置：首页 > 援疆工作 > 正文",  # a breadcrumb
    "首页 >> 江苏首页 >> 公益 >> 正文",
    '<button id="share" class="btn">',  # a leftover tag
    "&nbsp;&nbsp;",
    "![](https://example.org/a.jpg)",  # an image placeholder
    "|",
    "打开文本图片集",
    "• 我的订阅",  # a bulleted menu item
    "第05版：伊犁新闻",  # an e-paper's page label
    "无码视频,在线观看,高清影院,免费下载,精品推荐",  # a spam site's keyword header
    "Workflow",
    "字号变大| 字号变小",
])
def test_page_furniture_is_not_the_headline(furniture):
    _, item = article(page(furniture, TITLE))
    assert item.title == TITLE and not item.title_derived
    assert furniture not in item.body


def test_short_navigation_labels_above_a_breadcrumb_are_not_the_headline():
    _, item = article(page("站内导航\nSite Navigation\n工作动态\n您所在的位置：伊宁县 新闻动态 工作动态", TITLE))
    assert item.title == TITLE


def test_the_sites_slogan_menu_and_name_above_its_breadcrumb_are_not_the_story():
    _, item = article("携手民生之声，构建和谐社会。打造第一民生网站！\n加入收藏 设为首页 联系我们\n伊犁民生网\n"
                      "首页 >> 援疆专栏 >> 正文\n" + TITLE + "\n作者：网络转载\n\n" + BODY)
    assert item.title == TITLE and not item.title_derived


def test_a_more_link_is_no_breadcrumb():
    lead = "今冬的伊犁河谷雪多天冷，南通援疆干部忙碌的身影并没有因冷而止。"
    _, item = article(f"{lead}\n\n>>详情\n\n锡伯小区唱出江苏味道\n\n{BODY}")
    assert item.title_derived and item.body.startswith(lead)


def test_a_tag_above_the_headline_and_its_dateline():
    doc, item = article("援疆工作\nSearch documents\n" + TITLE + "\nXin Hua Ri Bao· 2025-12-23 23:56\n" + BODY)
    assert (item.title, doc.date, doc.publisher) == (TITLE, "2025-12-23", "Xin Hua Ri Bao")


def test_a_subtitle_between_the_headline_and_its_dateline():
    _, item = article(page(TITLE, "深化对口援疆和交流合作\n发布日期：2019-11-25  浏览次数：", body=BODY))
    assert item.title == TITLE


def test_a_picture_note_and_a_reporters_line_above_the_lead():
    _, item = article("光明日报记者 李明 王强\n（资料图片）\n" + BODY)
    assert item.title_derived and item.byline == "光明日报记者 李明 王强"
    assert "资料图片" not in item.body


def test_a_short_headline_and_a_name_below_it_are_not_one_title():
    _, item = article(page("南通援疆人的一天\n王强", body=BODY))
    assert item.title == "南通援疆人的一天"


@pytest.mark.parametrize("meta", [
    "来源：伊犁日报",
    "日期：2023-05-11",
    "发布日期：2023-05-11",
    "作者：李明",
    "编辑：王芳  责编：张强",
    "浏览次数：1024",
    "2023年05月11日 10:38 来源：天山网-新疆日报原创",
    "2023年5月11日，星期四",
])
def test_metadata_lines_are_not_the_headline(meta):
    _, item = article(page(meta, TITLE))
    assert item.title == TITLE
    assert meta not in item.body


@pytest.mark.parametrize("line, title", [
    (TITLE + "-新华网", TITLE),
    (TITLE + "_南通日报", TITLE),
    (TITLE + "|中国江苏网", TITLE),
    (TITLE + " - Example News", TITLE),
    # 丨 separating a column's name from the headline is no site suffix.
    ("援疆故事丨" + TITLE, "援疆故事丨" + TITLE),
])
def test_site_suffix_is_stripped(line, title):
    _, item = article(page(line))
    assert item.title == title


def test_source_line_glued_to_the_headline():
    doc, item = article(page("援疆医生守护“杏花之乡”来源：中央广电总台国际在线"))
    assert item.title == "援疆医生守护“杏花之乡”"
    assert doc.publisher == "中央广电总台国际在线"


def test_date_at_the_end_of_the_title_line():
    doc, item = article(page("医疗援疆、文化援疆…… 南通援疆人这样感动伊宁 2019年08月16日"))
    assert item.title == "医疗援疆、文化援疆…… 南通援疆人这样感动伊宁"
    assert doc.date == "2019-08-16" and doc.year == 2019


def test_title_repeated_on_the_next_line_and_as_original_title_is_one_title():
    _, item = article(page(TITLE, TITLE, "原标题：" + TITLE + " 200名学员参加"))
    assert item.title == TITLE
    assert TITLE not in item.body


def test_wire_copy_restating_its_title_after_the_dateline():
    _, item = article(page(TITLE, "新华社伊宁5月10日电 题：" + TITLE))
    assert item.title == TITLE
    assert not item.body.startswith("新华社")


@pytest.mark.parametrize("head, title, subtitle", [
    (["首批学员顺利结业，南通援疆工作组再添新举措——", TITLE], TITLE, "首批学员顺利结业，南通援疆工作组再添新举措"),
    ([TITLE, "——首批200名学员顺利结业"], TITLE, "首批200名学员顺利结业"),
    ([TITLE + "——首批200名学员顺利结业"], TITLE, "首批200名学员顺利结业"),
])
def test_kicker_and_subtitle(head, title, subtitle):
    _, item = article(page(*head))
    assert (item.title, item.subtitle) == (title, subtitle)


def test_letterhead_above_a_notice_is_its_publisher_not_its_title():
    doc, item = article(page("伊宁县人民政府", "关于举办纺织技能培训班的通知"))
    assert item.title == "关于举办纺织技能培训班的通知"


def test_the_pages_web_title_above_its_headline():
    _, item = article(page("援疆动态_援疆频道", TITLE))
    assert item.title == TITLE


@pytest.mark.parametrize("lead, title", [
    ("扬州网讯（通讯员 王丽 记者 张强）12月5日，扬州援疆工作组在新源县举行消费帮扶发车仪式，650吨农产品运往扬州。",
     "扬州援疆工作组在新源县举行消费帮扶发车仪式"),  # the time it opens with goes too
    ("新华网伊宁11月28日电（记者 李明）霍尔果斯口岸今年货运量创新高。", "霍尔果斯口岸今年货运量创新高"),
    ("南通网讯 伊宁县的村民收到了来自海门的羽绒服。", "伊宁县的村民收到了来自海门的羽绒服"),
])
def test_page_without_a_headline_gets_one_from_its_lead(lead, title):
    _, item = article(lead + "\n\n后续工作正在推进。\n")
    assert item.title_derived is True
    assert item.title == title
    assert item.body.startswith(lead[:6])  # the lead stays the body's first paragraph


def test_paywall_note_and_continuation_mark_are_not_text():
    _, item = article(page(TITLE, body="（上接A1版）南通援疆工作组在伊宁县举办培训班，学员200名。培训为期一周。（剩余3273字）\n"))
    assert item.body == "南通援疆工作组在伊宁县举办培训班，学员200名。培训为期一周。"


def test_lead_paragraph_repeated_word_for_word_is_counted_once():
    lead = "5月10日，南通援疆工作组在伊宁县举办纺织技能培训班，来自各乡镇的200名学员参加培训。"
    _, item = article(page(TITLE, body=f"{lead}\n\n{lead}\n\n培训为期一周。\n"))
    assert item.body.count(lead) == 1


def test_summary_line_is_not_the_headline_nor_the_body():
    lead = "自2023年4月以来，第十一批江苏对口支援伊犁州团队扎实推进五大工程，累计投入援疆资金63亿元。"
    _, item = article(f"摘要：{lead[:40]}\n{lead}\n今年还将实施项目401个。\n")
    assert item.title_derived and "摘要" not in item.body and item.body.count("自2023年4月以来") == 1


# ---------------------------------------------------------------- date

@pytest.mark.parametrize("line, iso", [
    ("2021年07月19日 10:38", "2021-07-19"),
    ("2023-08-05 16:47:24", "2023-08-05"),
    ("2022/4/18 11:34:13", "2022-04-18"),
    ("15.09.2016 15:38", "2016-09-15"),
    ("2023 10/24 09:59:47", "2023-10-24"),
    ("Su Zhou Ri Bao·2026-01-13 00:41", "2026-01-13"),
    ("发布日期:2022-12-23", "2022-12-23"),
    ("2019-05-07 14:55来源：伊犁日报", "2019-05-07"),
    ("二〇二三年三月五日", "2023-03-05"),
    ("二○二三年十二月二十五日", "2023-12-25"),
    ("二O二三年三月三十一日", "2023-03-31"),
    ("２０２３年５月１１日", "2023-05-11"),
])
def test_publication_date_forms(line, iso):
    doc, item = article(page(TITLE, line))
    assert doc.date == iso and doc.year == int(iso[:4])
    assert item.title == TITLE


def test_a_date_of_the_story_is_not_the_publication_date():
    doc, _ = article(page(TITLE, body="8月2日，南通援疆工作组举办的培训班开班。\n"))
    assert doc.date is None and doc.year is None


def test_a_full_date_opening_the_story_when_the_page_says_nothing_else():
    doc, _ = article(page(TITLE, body="2023年8月2日，南通援疆工作组举办的培训班开班。\n"))
    assert doc.date == "2023-08-02"


def test_the_pages_own_date_beats_the_storys():
    doc, _ = article(page(TITLE, "2023-08-05 16:47", body="2023年8月2日，南通援疆工作组举办的培训班开班。\n"))
    assert doc.date == "2023-08-05"


def test_a_web_pages_meta_date_beats_the_storys(tmp_path):
    path = tmp_path / "page.html"
    path.write_text('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>' + TITLE + "_伊犁新闻网</title>"
                    '<meta property="article:published_time" content="2022-06-01T09:00:00+08:00"></head><body>'
                    "<nav>首页 | 要闻</nav><article><h1>" + TITLE + "</h1><p>2022年5月30日，南通援疆工作组在伊宁县"
                    "举办纺织技能培训班，200名学员参加。</p><p>培训为期一周。</p></article></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert (doc.date, doc.year, doc.items[0].title) == ("2022-06-01", 2022, TITLE)
    text_only = parse_text(page(TITLE, body="2022年5月30日，南通援疆工作组举办培训班。\n"), "p.txt",
                           container_meta={"date": "2022-06-01", "author": "李明"})
    assert (text_only.date, text_only.items[0].byline) == ("2022-06-01", "李明")


def test_date_repeated_at_the_foot_of_the_page():
    doc, item = article(page(TITLE) + "\n责任编辑：王芳\n本文来源：伊犁日报\n16.09.2015 15:39\n")
    assert (doc.date, doc.publisher) == ("2015-09-16", "伊犁日报")
    assert "责任编辑" not in item.body and "15:39" not in item.body


def test_invalid_dates_are_not_dates():
    assert find_dates("2023年2月30日 2023-13-01 8月2日") == []


# ---------------------------------------------------------------- source and byline

@pytest.mark.parametrize("line, publisher", [
    ("来源：新华日报", "新华日报"),
    ("2023年04月17日 07:48:26 來源： 新華日報", "新华日报"),  # one outlet whatever the script
    ("2021年07月19日 10:38 来源:天山网-新疆日报原创", "天山网-新疆日报"),
    ("新华日报·2025-08-13 07:13", "新华日报"),
    ("2025-07-04 18:39:38 伊宁县融媒体中心", "伊宁县融媒体中心"),
    ("伊宁县人民政府 2025-01-18 10:05", "伊宁县人民政府"),
    ("信息来源：伊宁县发改委 点击数： 更新时间：2012-09-11 11:50", "伊宁县发改委"),
    ("来源:中国民族报 张华 发布日期:2022-12-23浏览(10)人次", "中国民族报"),
    ("2025-07-23 20:14:11 来源: 原创", None),
    ("2013-11-07 10:18本刊编辑部", None),
])
def test_publisher(line, publisher):
    doc, _ = article(page(TITLE, line))
    assert doc.publisher == publisher


@pytest.mark.parametrize("head, body, byline", [
    (["2015年10月29日 15:55:00 | 作者:王强 | 点击:正在获取..."], BODY, "王强"),
    (["新华社记者 刘兵、顾煜"], BODY, "新华社记者 刘兵、顾煜"),
    (["作者 苟明"], BODY, "苟明"),
    (["2023-08-15 李濤 來源： 經濟參考報"], BODY, "李濤"),
    ([], "扬州网讯（通讯员 王丽 记者 张强 丁一）12月5日，扬州援疆工作组在新源县举行发车仪式。\n", "通讯员 王丽 记者 张强 丁一"),
])
def test_byline(head, body, byline):
    _, item = article(page(TITLE, *head, body=body))
    assert item.byline == byline
    assert (item.byline not in item.body) or not head


def test_json_carries_publisher_byline_and_derived_title():
    doc = enrich(parse_text(page(TITLE, "2023-05-11 10:00 来源：伊犁日报", "作者：李明"), "page.txt"))
    data = doc.to_json()
    assert (data["date"], data["year"], data["publisher"]) == ("2023-05-11", 2023, "伊犁日报")
    assert (data["items"][0]["byline"], data["items"][0]["title_derived"]) == ("李明", False)


# ---------------------------------------------------------------- group and place

def test_traditional_script_names_its_group():
    assert resolve("續寫“鹽察一家親”時代新篇章", "江蘇援伊·鹽城工作組奮發有為。") == ("盐城", "察布查尔县")


def test_converter_pinyin_is_removed_when_the_file_is_read(tmp_path):
    path = tmp_path / "mirror.txt"
    path.write_text("武進(jìn)工作組在尼勒克縣開(kāi)展活動(dòng)\n\n組長(zhǎng)表示，工作組將續(xù)寫新篇。面積（平方公里）不變。\n",
                    encoding="utf-8")
    text = read_source(path).text
    assert text.startswith("武進工作組在尼勒克縣開展活動\n")
    assert "組長表示" in text and "續寫" in text and "面積（平方公里）" in text
    doc = read_document(path)
    [item] = doc.items
    assert item.title == "武進工作組在尼勒克縣開展活動" and item.group == "武进"
    assert doc.text[item.span.start:item.span.end].startswith(item.title)  # spans refer to the cleaned text


def test_strip_converter_pinyin_keeps_other_brackets():
    assert strip_converter_pinyin("盐城(yán)援疆(2017) a(b) 公里(km)") == "盐城援疆(2017) a(b) 公里(km)"


@pytest.mark.parametrize("title, body", [
    ("江西援疆：全力建设好“特殊第一县”", "江西省对口支援新疆前方指挥部始终将阿克陶县作为重点，伊犁州的经验也被借鉴。"),
    ("山东援疆助力喀什发展", "山东援疆干部在喀什地区开展工作。"),
    ("跨区域协同让援疆成果惠及更广地域", "深圳、上海、北京的援疆干部在喀什和和田开展工作，前方指挥部统筹协调。"),
    ("宿克文化交流活动启动", "活动在江苏省对口支援新疆克州前方指挥部指导下举办，克州学生参加，克州教育局主办。"),
])
def test_other_provinces_aid_has_no_jiangsu_group(title, body):
    assert resolve(title, body)[0] is None


@pytest.mark.parametrize("title, body", [
    ("江苏第十批对口援疆工作收官", "那拉提景区在新源县，四师、七师的项目也已完工。"),
    ("援疆干部的真情", "江苏第八批援疆干部来到伊犁。淮安援疆医生走访群众。江苏省对口支援新疆伊犁州前方指挥部总指挥介绍。"),
    ("携手共进", "江阴援疆工作组建设产业园。南京、伊宁市、伊宁县、新源县、昭苏县、特克斯县、尼勒克县的援疆干部各展所长。"),
])
def test_the_headquarters_or_the_whole_batch(title, body):
    assert resolve(title, body)[0] == "指挥部"


def test_the_headquarters_and_two_groups_named_alike_is_the_headquarters_story():
    body = ("江苏省援伊前方指挥部在教卫提质方面不断发力。淮安援疆工作组在第七师建设学院。"
            "镇江援疆工作组在可克达拉推出组团式援教。")
    assert resolve("", body)[0] == "指挥部"


def test_the_provinces_name_before_a_groups_is_the_groups_name():
    assert resolve("民生实事落地见效", "江苏援伊·淮安工作组拨付资金。江苏援伊淮安工作组表示将继续推进。")[0] == "淮安"


@pytest.mark.parametrize("title, body, group", [
    ("跨越万里的亲情——江苏援疆新答卷", "南通援疆干部在伊宁县工作十年，泰州援疆工作组协调昭苏机场项目。", "指挥部"),
    ("江苏援疆助力最西部县城发展", "乌恰县在克州，常州援建的乌恰县学校、乌恰县医院已投用。", None),
])
def test_a_title_naming_only_the_provinces_aid(title, body, group):
    assert resolve(title, body)[0] == group


def test_a_place_two_groups_aid_goes_to_the_one_the_body_names():
    assert resolve("考察霍尔果斯经济开发区", "连云港市发改委组成考察组，看望连云港援疆干部。")[0] == "连云港"


def test_a_derived_headline_does_not_decide_the_group():
    text = ("今年以来，江阴援疆工作组在霍城县建设产业园。\n\n第十批江苏省对口支援伊犁州工作开展以来，"
            "干部人才分布在伊宁市、伊宁县、新源县、昭苏县、特克斯县、尼勒克县、巩留县。\n")
    _, item = article(text)
    assert item.title_derived and item.group == "指挥部"


# ---------------------------------------------------------------- not a story

def test_a_how_to_page_about_briefing_formats_is_an_article():
    text = ("如何编写援疆工作简报\n\n第一行写刊名：援疆工作简报\n\n第二行写期号，例如：2017年第17期（总第17期）\n\n"
            "第三行写编发单位和日期。正文先列本期要目，再写文章和动态。\n")
    doc = parse_text(text, "howto.txt")
    assert doc.doc_type == "article" and doc.issue_key is None
    assert doc.items[0].title == "如何编写援疆工作简报"


def test_a_column_line_with_an_issue_number_is_no_masthead():
    doc = parse_text("用户登录\n\n《西部》2024年第2期|散文：梦圆可克达拉\n\n来源：《西部》 2024年03月21日08:11\n\n正文。\n",
                     "column.txt")
    assert doc.doc_type == "article" and doc.date == "2024-03-21"


def test_a_binary_word_file_named_txt_is_refused(tmp_path):
    path = tmp_path / "story.txt"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "援疆".encode("utf-16-le") * 50)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert "story.txt" in str(err.value) and "Word .doc" in str(err.value)
