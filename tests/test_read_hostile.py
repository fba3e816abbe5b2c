"""Readers under hostile and damaged input: one InputError naming the input, never a traceback.

Each test here failed before the fix it covers (issue 14, items 9 to 12 and 15).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import sys
import tracemalloc
from pathlib import Path

import pytest

from slant.article import Article
from slant.conf import SettingError
from slant.errors import InputError, SlantError
from slant.read import article_from_text, iter_data, iter_sources, read_one, resolve_max_chars

PARAGRAPH = (
    "The harbour at Port Lessing reopened on Tuesday after storm repairs that took eleven weeks, "
    "the port authority said. Fishing crews returned to the quay before dawn, and the first ferry "
    "left on time. “We lost a season,” one skipper said — “but not the harbour.” "
)


def items(path: object, **kwargs: object) -> list[Article | InputError]:
    return list(iter_sources(path, **kwargs))  # type: ignore[arg-type]


def page(body: str = PARAGRAPH * 4, *, head: str = "", extra: str = "") -> str:
    return (
        f"<html><head><title>Harbour reopens</title>{head}</head><body><article><h1>Harbour reopens</h1>"
        f"<p>{body}</p><p>{body}</p>{extra}</article></body></html>"
    )


def raw_warc_record(url: str, content_type: str, body: bytes, *, date: str | None = None) -> bytes:
    """A WARC response record written by hand: warcio always adds a WARC-Date."""
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n".encode() + body
    headers = ["WARC/1.0", "WARC-Type: response", f"WARC-Target-URI: {url}",
               "WARC-Record-ID: <urn:uuid:12345678-1234-5678-1234-567812345678>"]
    if date:
        headers.append(f"WARC-Date: {date}")
    headers += ["Content-Type: application/http; msgtype=response", f"Content-Length: {len(http)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + http + b"\r\n\r\n"


# ---------------------------------------------------------------- item 9: no invented dates


def test_a_warc_record_with_no_date_gets_no_published_date(tmp_path: Path) -> None:
    body = page(extra="<footer>&copy; 1996 Harbour News. Founded in 1996.</footer>").encode()
    path = tmp_path / "crawl.warc"
    path.write_bytes(raw_warc_record("https://harbour.example/reopens", "text/html; charset=utf-8", body))
    [article] = items(path)
    assert isinstance(article, Article), article
    assert article.published is None  # htmldate answered 1996-01-01 from the copyright year


@pytest.mark.parametrize(
    ("extra", "published"),
    [
        ("<p>The port was built in 1996.</p>", None),  # a year alone
        ("<p>Repairs began in 2023/03.</p>", None),  # a year and a month: htmldate says the 1st
        ('<p class="date">Published 1 March 2023</p>', dt.date(2023, 3, 1)),
        ('<p class="date">Published March 1, 2023</p>', dt.date(2023, 3, 1)),
        ('<p class="date">Published 14 March 2023</p>', dt.date(2023, 3, 14)),
    ],
)
def test_a_date_on_the_first_of_a_month_is_kept_only_when_the_page_writes_the_day(
    tmp_path: Path, extra: str, published: dt.date | None
) -> None:
    path = tmp_path / "page.html"
    path.write_text(page(extra=extra), encoding="utf-8")
    assert read_one(path).published == published


def test_a_first_of_the_month_in_the_page_metadata_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(page(head='<meta property="article:published_time" content="2024-02-01T08:00:00Z">'), encoding="utf-8")
    assert read_one(path).published == dt.date(2024, 2, 1)


# ---------------------------------------------------------------- item 10: one InputError, then the next input


def test_hostile_json_lines_each_give_one_error_and_the_next_line_is_read(tmp_path: Path) -> None:
    good = json.dumps({"text": "Title\n\nBody of the article."})
    lines = [
        '{"text": ' + "[" * 5000 + "]" * 5000 + "}",  # RecursionError in json
        '{"text": ' + "7" * 5000 + "}",  # ValueError: over Python's 4,300-digit limit
        good,
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = items(path)
    assert [type(i).__name__ for i in found] == ["InputError", "InputError", "Article"]
    assert str(found[0]) == f"{path}:1: invalid JSON: nested too deeply to read"
    assert str(found[1]) == f"{path}:2: 'text' or 'html' is empty or not a string"


def test_a_huge_number_in_another_field_does_not_stop_the_article(tmp_path: Path) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text('{"text": "Title\\n\\nBody.", "views": ' + "9" * 5000 + "}\n", encoding="utf-8")
    [article] = items(path)
    assert isinstance(article, Article) and article.text == "Title\n\nBody."


def test_a_lone_surrogate_escape_is_replaced_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"title": "A \\udc80 title", "text": "A \\udc80 title\\n\\nBody \\ud800 here."}\n', encoding="utf-8")
    [article] = items(path)
    assert isinstance(article, Article), article
    assert article.text == "A \ufffd title\n\nBody \ufffd here."  # one character for one: offsets hold
    assert len(article.id) == 64  # the id hashes the UTF-8 text, which now exists
    assert article.warnings == ("3 lone surrogate escape(s) replaced with U+FFFD",)  # title, and text twice


@pytest.mark.parametrize("declared", ["meta", "warc"])
def test_charset_undefined_over_legacy_bytes_is_read(tmp_path: Path, declared: str) -> None:
    text = page("Le maire a présenté mercredi le budget de l’année prochaine, a déclaré François Lemaître. " * 6)
    if declared == "meta":
        path = tmp_path / "page.html"
        path.write_bytes(text.replace("<head>", '<head><meta charset="undefined">').encode("cp1252"))
    else:
        path = tmp_path / "crawl.warc"
        path.write_bytes(raw_warc_record("https://x.example/", "text/html; charset=undefined", text.encode("cp1252")))
    [article] = items(path)
    assert isinstance(article, Article), article
    assert "François Lemaître" in article.text


def test_a_feed_with_a_character_reference_to_a_surrogate_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bad.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>Storm &#xD800; repairs</title><description>&lt;p&gt;The harbour &#55296; reopened.&lt;/p&gt;"
        "</description></item></channel></rss>",
        encoding="utf-8",
    )
    [article] = items(path)
    assert isinstance(article, Article), article
    assert article.title == "Storm \ufffd repairs"
    assert "The harbour \ufffd reopened." in article.text
    assert article.warnings == ("2 character reference(s) to no character replaced with U+FFFD",)


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses file names that are not UTF-8")
def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"Title\n\nBody.")
    with open(os.path.join(folder, b"empty\xff.txt"), "wb"):
        pass
    article, error = items(tmp_path)
    assert isinstance(article, Article) and isinstance(error, InputError)
    assert article.source == f"{tmp_path}/caf\\xe9.txt"
    assert str(error) == f"{tmp_path}/empty\\xff.txt: empty file"
    for shown in (article.source, str(error)):
        shown.encode("utf-8")  # printable and storable


def test_a_file_name_with_a_newline_keeps_the_error_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "two\nlines.txt"
    path.write_bytes(b"")
    [error] = items(tmp_path)
    assert isinstance(error, InputError)
    assert str(error) == f"{tmp_path}/two\\nlines.txt: empty file"


def test_any_failure_inside_a_reader_becomes_one_input_error_and_the_next_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from slant.read import text

    def broken(data: bytes, source: str) -> Article:
        raise KeyError("a bug in a parser")

    monkeypatch.setattr(text, "read_text", broken)
    (tmp_path / "a.txt").write_text("Title\n\nBody.")
    (tmp_path / "b.html").write_text(page())
    first, second = items(tmp_path)
    assert str(first) == f"{tmp_path}/a.txt: cannot be read (KeyError: 'a bug in a parser')"
    assert isinstance(second, Article) and second.title == "Harbour reopens"


# ---------------------------------------------------------------- item 11: no silent damage


def test_utf8_with_two_stray_bytes_stays_utf8_and_says_so(tmp_path: Path) -> None:
    data = PARAGRAPH.encode("utf-8")
    data = b"Harbour reopens\n\n" + data[:60] + b"\x92" + data[60:120] + b"\xa0" + data[120:]
    path = tmp_path / "a.txt"
    path.write_bytes(data)
    article = read_one(path)
    assert "“We lost a season,” one skipper said — “but not the harbour.”" in article.text
    assert article.text.count("\ufffd") == 2
    assert article.warnings == ("2 byte sequence(s) not valid UTF-8 replaced with U+FFFD",)


def test_a_legacy_charset_is_still_detected(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(("Le budget\n\n" + "Le maire a présenté mercredi le budget de l’année prochaine. " * 5).encode("cp1252"))
    article = read_one(path)
    assert "présenté" in article.text and not article.warnings


def test_a_truncated_feed_warns_that_items_may_be_lost(tmp_path: Path) -> None:
    items_xml = "".join(
        f"<item><title>Item {n}</title><description>&lt;p&gt;Body of item {n}.&lt;/p&gt;</description></item>" for n in range(1, 4)
    )
    whole = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items_xml}</channel></rss>'
    path = tmp_path / "cut.rss"
    path.write_text(whole[: whole.index("<item><title>Item 3")] + "<item><title>Item 3</title><descr", encoding="utf-8")
    found = items(path)
    assert all(isinstance(i, Article) for i in found), found
    assert [a.title for a in found][:2] == ["Item 1", "Item 2"]
    assert any("items after the" in w and "may be lost" in w for w in found[-1].warnings), found[-1].warnings
    assert not any(a.warnings for a in found[:-1])


# ---------------------------------------------------------------- item 12: memory and length


def test_an_overlong_json_line_is_refused_without_reading_it_into_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"text": "' + "a" * 8_000_000 + '"}\n')
        fh.write(json.dumps({"text": "Title\n\nBody."}) + "\n")
    tracemalloc.start()
    try:
        found = items(path, max_bytes=100_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(found[0]) == f"{path}:1: too large: 8,000,012 bytes, over the 100,000-byte limit (set SLANT_MAX_BYTES to change it)"
    assert isinstance(found[1], Article)
    assert peak < 2_000_000, peak  # the 8 MB line was never held


def test_a_gzipped_json_lines_file_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl.gz"
    path.write_bytes(gzip.compress(('{"text": "' + "a" * 50_000 + '"}\n' + json.dumps({"text": "T\n\nB"}) + "\n").encode()))
    first, second = items(path, max_bytes=10_000)
    assert str(first).startswith(f"{path}:1: too large: 50,012 bytes")
    assert isinstance(second, Article) and second.text == "T\n\nB"
    path.write_bytes(path.read_bytes()[:-12])
    assert "truncated gzip" in str(items(path)[-1])


def test_an_article_over_the_length_limit_is_refused_before_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLANT_MAX_CHARS", raising=False)
    assert resolve_max_chars() == 300_000
    text = "Title\n\n" + "word " * 400
    (tmp_path / "long.txt").write_text(text)
    monkeypatch.setenv("SLANT_MAX_CHARS", "1000")
    [error] = items(tmp_path)
    assert str(error) == (
        f"{tmp_path}/long.txt: article too long: {len(text):,} characters, over the 1,000-character limit "
        "(set SLANT_MAX_CHARS to change it)"
    )
    with pytest.raises(InputError, match="article too long"):
        article_from_text(text, source="pasted")
    assert len(items(tmp_path, max_chars=10_000)) == 1
    monkeypatch.setenv("SLANT_MAX_CHARS", "many")
    with pytest.raises(SettingError, match="SLANT_MAX_CHARS='many' is not a number of characters"):
        items(tmp_path)


# ---------------------------------------------------------------- bytes in memory


def test_iter_data_reads_bytes_as_a_named_file() -> None:
    [article] = iter_data(page().encode(), "upload.html")
    assert isinstance(article, Article) and article.source == "upload.html"
    [error] = iter_data(b"{oops\n", "bad.jsonl")
    assert isinstance(error, SlantError) and str(error).startswith("bad.jsonl:1: invalid JSON")


@pytest.mark.parametrize(
    ("written", "published"),
    [("2023", None), ("2023-03", None), ("Wed, 01 Mar 2023 08:00:00 GMT", dt.date(2023, 3, 1)),
     ("2023-03-01T08:00:00Z", dt.date(2023, 3, 1)), ("Tue, 14 Nov 2023 08:00:00 GMT", dt.date(2023, 11, 14))],
)
def test_a_feed_item_dated_by_year_or_month_gets_no_made_up_day(tmp_path: Path, written: str, published: dt.date | None) -> None:
    path = tmp_path / "feed.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Storm repairs</title>'
        f"<pubDate>{written}</pubDate><description>The harbour reopened.</description></item></channel></rss>",
        encoding="utf-8",
    )
    [article] = items(path)
    assert isinstance(article, Article) and article.published == published


def test_slant_analyze_refuses_an_article_over_the_length_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import slant

    monkeypatch.setenv("SLANT_MAX_CHARS", "100")
    with pytest.raises(InputError, match="article too long: 207 characters, over the 100-character limit"):
        slant.analyze(Article(text="Title\n\n" + "x" * 200, title="Title", source="built"), stages=["language"])
