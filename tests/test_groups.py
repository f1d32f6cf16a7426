"""Group and locality resolution, and the consistency of data/groups.toml."""
import tomllib

import pytest

from search import enrich as groups
from search.enrich import DATA_FILE, load, resolve


@pytest.mark.parametrize("title, body, expected", [
    # The title names the group.
    ("南通援疆工作组全力推进产业援疆", "近日，工作组组长组织召开推进会。", ("南通", "伊宁县")),
    ("江宁援疆工作组奏响“西洽会”上特克斯旋律", "", ("江宁", "特克斯县")),
    # A title that opens with a city wins over the place it names.
    ("连云港政协副主席鲁林率团来霍尔果斯考察并慰问工作组", "苏州工作组也参加了。", ("连云港", "霍尔果斯")),
    ("泰州工作组成功促成扬州泰州国际机场与昭苏机场战略合作", "", ("泰州", "昭苏县")),
    # Aliases: a city under 南通, a district written with its city.
    ("海门 20 万册援疆“爱心寄语”图书抵达伊宁", "南通工作组发动捐书。", ("南通", "伊宁县")),
    ("民族团结一家亲活动花开有形", "今年以来，常州武进援疆工作组广泛开展活动。", ("武进", "尼勒克县")),
    ("加大招商力度", "武进第九批援疆工作组入疆以来……", ("武进", "尼勒克县")),
    ("因地制宜精准招商", "江苏援伊·南通工作组围绕“四季游”谋篇布局。", ("南通", "伊宁县")),
    # A 工作组 named in the body beats cities merely mentioned before it.
    ("产业援疆再上台阶", "南京客商来访，淮安工作组组织对接。南京南京", ("淮安", "兵团第七师")),
    # Only a place: the group that aids it.
    ("医疗设备捐赠昭苏县人民医院", "", ("泰州", "昭苏县")),
    ("“丝路信使”自行车赛架起民族体育文化交流桥梁", "“丝路信使”泰州昭苏自行车赛顺利完赛。", ("泰州", "昭苏县")),
    # 伊宁市 and 伊宁县 are different groups' places.
    ("伊宁市举办招聘会", "", ("南京", "伊宁市")),
    ("伊宁县举办招聘会", "", ("南通", "伊宁县")),
    # Prefecture-wide work is the headquarters'.
    ("加强培训助力卫生援疆 伊犁州卫生援疆医疗人才培训班顺利开班", "", ("指挥部", "伊犁州")),
    ("卫生援疆专家培训", "来自霍城县、尼勒克县、昭苏县和兵团四师的专家参加。", ("指挥部", "伊犁州")),
    # No clue at all.
    ("春天来了", "天气晴朗。", (None, None)),
])
def test_resolve(title, body, expected):
    assert resolve(title, body) == expected


def test_title_place_chooses_locality_for_a_group():
    assert resolve("南京工作组走访伊宁市贫困户", "") == ("南京", "伊宁市")


def test_knowledge_comes_from_the_toml(tmp_path):
    data = tmp_path / "groups.toml"
    data.write_text('[[groups]]\nname = "宿迁"\naliases = ["宿豫"]\nplaces = ["某县"]\n'
                    '[[places]]\nname = "某县"\n', encoding="utf-8")
    directory = load(data)
    assert resolve("宿豫工作组开展活动", "", directory) == ("宿迁", "某县")
    assert resolve("南通工作组开展活动", "", directory) == (None, None)


@pytest.fixture(scope="module")
def data():
    with open(DATA_FILE, "rb") as fh:
        return tomllib.load(fh)


def test_every_aided_place_is_defined(data):
    places = {p["name"] for p in data["places"]}
    for group in data["groups"]:
        assert group["places"], group["name"]
        assert set(group["places"]) <= places, group["name"]


def test_every_place_has_a_group(data):
    aided = {p for g in data["groups"] for p in g["places"]}
    assert {p["name"] for p in data["places"]} <= aided


def test_no_name_means_two_things(data):
    seen = {}
    for kind in ("groups", "places"):
        for entry in data[kind]:
            for term in (entry["name"], *entry.get("aliases", ())):
                assert seen.setdefault(term, entry["name"]) == entry["name"], term


def test_bare_yining_is_ambiguous_and_not_an_alias(data):
    terms = {t for kind in ("groups", "places") for e in data[kind] for t in (e["name"], *e.get("aliases", ()))}
    assert "伊宁" not in terms


def test_exactly_one_headquarters():
    assert [g.name for g in load().groups if g.headquarters] == ["指挥部"]


def test_longest_name_wins():
    directory = groups.load()
    mentions = directory.mentions("南京江宁援疆工作组在伊宁县")
    assert [(m.kind, m.name) for m in mentions] == [("group", "江宁"), ("place", "伊宁县")]
