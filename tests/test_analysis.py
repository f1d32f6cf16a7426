"""The analyzer: true positions, kept digits, normalisation, and rjieba ≡ jieba."""
import jieba
import pytest

from search.analysis import (ChineseTokenizer, _userdict_lines, normalize, query_words,
                             segmenter, word_positions, word_tokens)

from support import CORPUS


def test_positions_are_consecutive_token_numbers_not_character_offsets():
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in ChineseTokenizer()("南通工作组帮助伊宁县", positions=True, chars=True)]
    assert tokens == [("南通", 0, 0, 2), ("工作组", 1, 2, 5), ("帮助", 2, 5, 7), ("伊宁县", 3, 7, 10)]


def test_index_mode_adds_inner_dictionary_words_at_the_parent_position():
    tokens = list(word_tokens("霍尔果斯市与尼勒克县", subwords=True))
    assert ("霍尔果斯", 0, 0, 4) in tokens
    assert ("尼勒克", 2, 6, 9) in tokens
    assert [t for t in tokens if t[0] == "与"] == [("与", 1, 5, 6)]
    assert "霍尔果斯" not in query_words("霍尔果斯市")  # queries keep the whole word


def test_the_indexer_gathers_the_same_postings_the_index_mode_tokens_give():
    texts = [p.read_text(encoding="utf-8-sig") for p in sorted(CORPUS.glob("*"))]
    texts.append("霍爾果斯市与尼勒克县，总投资 1.15 亿元，第5期A。霍尔果斯口岸")
    for text in texts:
        expected: dict[str, list[int]] = {}
        for word, pos, _, _ in word_tokens(text, subwords=True):
            expected.setdefault(word, []).append(pos)
        assert word_positions(text) == expected
    assert word_positions(texts[-1])["霍尔果斯"] == [0, 11]  # inside 霍尔果斯市, then alone


def test_single_digits_and_letters_are_kept():
    assert query_words("第5期A") == ["第", "5", "期", "a"]


def test_normalize_folds_width_case_and_traditional_and_keeps_length():
    text = "霍爾果斯 ＡＢＣ１２３ 民族團結㎡"
    folded = normalize(text)
    assert folded == "霍尔果斯 abc123 民族团结㎡"
    assert len(folded) == len(text)


def test_domain_words_come_from_the_user_dictionary():
    assert query_words("两学一做") == ["两学一做"]
    assert query_words("产业援疆") == ["产业援疆"]


def test_rust_segmenter_gives_the_tokens_of_python_jieba_on_the_corpus():
    reference = jieba.Tokenizer()
    for line in _userdict_lines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            reference.add_word(normalize(parts[0]), int(parts[1]) if len(parts) > 1 else None)
    files = sorted(CORPUS.glob("*.txt"))
    assert files
    for path in files:
        text = normalize(path.read_text(encoding="utf-8"))
        ours = [w for w, _, _ in segmenter().cut(text)]
        theirs = [w for w in reference.cut(text, HMM=False) if w[0].isalnum()]
        assert ours == theirs, path.name


@pytest.mark.parametrize("word", ["援疆", "伊宁县", "霍尔果斯", "民族团结一家亲"])
def test_domain_words_are_single_tokens(word):
    assert query_words(word) == [word]


def test_decimal_numbers_stay_one_token():
    assert query_words("“8.9”地震") == ["8.9", "地震"]
    assert [w for w, *_ in word_tokens("总投资 1.15 亿元", subwords=True)] == ["总", "投资", "1.15", "亿元"]
