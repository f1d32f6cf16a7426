"""read_source: every encoding a converter may produce decodes to the same clean text,
and everything that is not text fails with a SourceError that says why."""
import codecs
import hashlib

import pytest

from search.errors import SourceError
from search.ingest import extract as reader
from search.ingest import read_source

TEXT = "援疆工作简报\n2017 年第 17 期（总第 17 期）\n南通援疆工作组全力推进产业援疆。霍尔果斯、伊宁县\n"


def write(tmp_path, data: bytes, name="doc.txt"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("data, encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("gb18030"), "gb18030"),
])
def test_decodes_every_encoding_to_the_same_text(tmp_path, data, encoding):
    got = read_source(write(tmp_path, data))
    assert got.text == TEXT
    assert got.encoding == encoding
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert (got.format, got.pages) == ("text", [])


def test_gb18030_only_characters(tmp_path):
    # 𠮷 is outside GBK; GB18030 encodes it in four bytes.
    sample = "𠮷野家援疆\n"
    got = read_source(write(tmp_path, sample.encode("gb18030")))
    assert (got.text, got.encoding) == (sample, "gb18030")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_line_ends_become_newlines(tmp_path, newline):
    data = TEXT.replace("\n", newline).encode("gbk")
    text = read_source(write(tmp_path, data)).text
    assert text == TEXT
    assert "\r" not in text


def test_bom_character_is_stripped_even_inside_gb18030(tmp_path):
    assert read_source(write(tmp_path, ("\ufeff" + TEXT).encode("gb18030"))).text == TEXT


def test_sha256_is_of_the_raw_bytes_not_the_text(tmp_path):
    crlf = write(tmp_path, TEXT.replace("\n", "\r\n").encode(), "a.txt")
    lf = write(tmp_path, TEXT.encode(), "b.txt")
    assert read_source(crlf).text == read_source(lf).text
    assert read_source(crlf).sha256 != read_source(lf).sha256


@pytest.mark.parametrize("data, reason", [
    (b"", "empty file"),
    (b"  \r\n\n\t ", "empty file"),
    (b"PK\x03\x04\x00\x00binary", "binary"),
    (bytes(range(1, 32)) * 20 + "援疆".encode(), "binary"),
    ("援疆工作简报".encode("utf-8")[:-1], "undecodable"),
    ("援疆工作简报".encode("gbk")[:-1], "undecodable"),
    (codecs.BOM_UTF16_LE + "援疆".encode("utf-16-le")[:-1], "undecodable"),
])
def test_bad_files_raise_source_error_with_reason(tmp_path, data, reason):
    path = write(tmp_path, data)
    with pytest.raises(SourceError) as err:
        read_source(path)
    assert reason in err.value.reason
    assert str(path) in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match="not found"):
        read_source(tmp_path / "gone.txt")


def test_directory(tmp_path):
    with pytest.raises(SourceError, match="directory"):
        read_source(tmp_path)


def test_permission_denied(tmp_path, monkeypatch):
    # chmod does not stop root, so simulate the OS refusing.
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(reader, "open", refuse, raising=False)
    with pytest.raises(SourceError, match="permission denied"):
        read_source(write(tmp_path, TEXT.encode()))


def test_other_os_errors_are_source_errors(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reader, "open", fail, raising=False)
    with pytest.raises(SourceError, match="Input/output error"):
        read_source(write(tmp_path, TEXT.encode()))
