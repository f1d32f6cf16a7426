"""The benchmark queries: what users of the briefing search type, with and without filters.

Each entry: (category, query text, filters). Filters use the facet names of the Searcher.
"""
from __future__ import annotations

QUERIES: list[tuple[str, str, dict[str, list[str]]]] = [
    # single words
    ("word", "援疆", {}),
    ("word", "医疗", {}),
    ("word", "招商引资", {}),
    ("word", "脱贫攻坚", {}),
    ("word", "民族团结", {}),
    ("word", "产业园", {}),
    ("word", "教育", {}),
    # several words
    ("multi", "援疆 医疗", {}),
    ("multi", "产业 就业 伊宁县", {}),
    ("multi", "招商 新能源", {}),
    ("multi", "干部 培训 尼勒克", {}),
    ("multi", "学生 夏令营 手拉手", {}),
    # quoted phrases
    ("phrase", '"卫生援疆"', {}),
    ("phrase", '"民族团结一家亲"', {}),
    ("phrase", '"产业援疆"', {}),
    ("phrase", '"组团式" 医疗', {}),
    # names of people and places
    ("name", "霍尔果斯", {}),
    ("name", "尼勒克县", {}),
    ("name", "潘道津", {}),
    ("name", "鲁林", {}),
    ("name", "张华", {}),
    # numbers
    ("number", "1805", {}),
    ("number", "2017", {}),
    ("number", "20 万册", {}),
    # single characters
    ("char", "援", {}),
    ("char", "桑", {}),
    # traditional characters
    ("trad", "醫療", {}),
    ("trad", "民族團結", {}),
    ("trad", "援疆幹部", {}),
    # with filters
    ("filter", "援疆", {"group": ["南通"]}),
    ("filter", "医疗", {"year": ["2017"]}),
    ("filter", "招商", {"kind": ["dynamic"]}),
    ("filter", "就业", {"group": ["苏州"], "year": ["2020"]}),
    ("filter", "学校", {"locality": ["伊宁县"]}),
    ("filter", "干部", {"group": ["武进", "江阴"]}),
    # query syntax
    ("syntax", "title:医疗", {}),
    ("syntax", "援疆 -医疗", {}),
    ("syntax", "group:淮安 兵团", {}),
    # nothing to find
    ("none", "量子计算", {}),
    ("none", "区块链 元宇宙", {}),
    ("none", "xylophone", {}),
    ("none", "援疆", {"group": ["不存在的组"]}),
]
