"""Sources: every reader, the article text convention, charsets and bad input."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
from pathlib import Path

import pytest

from slant.article import Article
from slant.conf import SettingError
from slant.errors import InputError
from slant.extract import decode_bytes, drop_furniture, extract_html, fragment_text, is_furniture
from slant.sources import article_from_text, iter_sources, read_articles, read_one, resolve_max_bytes

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sources"
PTC = ROOT.parent / "shared" / "data" / "ptc-semeval2020-task11"

# Words that belong to site furniture on the example pages and must never
# reach an article's text.
FURNITURE = (
    "User Login", "Register Account", "cookies", "Accept all", "Most Read", "Bumper harvest",
    "Share", "Facebook", "Tweet", "Copy link", "Comments", "reader_1987", "Great article",
    "Leave a comment", "Subscribe", "newsletter", "Copyright", "All rights reserved", "Privacy policy",
    "Politics", "Photos", "Tags:",
)


def articles_and_errors(paths: object, **kwargs: object) -> tuple[list[Article], list[InputError]]:
    items = list(iter_sources(paths, **kwargs))  # type: ignore[arg-type]
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, InputError)]


def only_error(path: object, **kwargs: object) -> InputError:
    articles, errors = articles_and_errors(path, **kwargs)
    assert not articles, articles
    assert len(errors) == 1, errors
    error = errors[0]
    assert "\n" not in str(error), "errors are one line"
    return error


def assert_title_convention(article: Article) -> None:
    """Title line, blank line, body: the convention every offset relies on."""
    assert article.title
    assert article.text.startswith(article.title + "\n\n")
    start = article.body_start()
    assert start == len(article.title) + 2
    assert article.text[start:].strip() and not article.text[start].isspace()
    assert "\r" not in article.text


# ---------------------------------------------------------------- HTML


def test_it_extracts_the_opinion_page_without_site_furniture() -> None:
    article = read_one(EXAMPLES / "opinion-state-outlet.html")
    assert_title_convention(article)
    assert article.title == "Puppet Regime Of Yoon Seok-yuek Sells Nation To Warmongers"
    assert article.outlet == "Voice of the Fatherland"
    assert article.author == "Commentator Ri Myong Chol"
    assert article.published == dt.date(2023, 11, 13)
    assert article.language == "en"
    assert article.url and article.url.startswith("https://voice-of-fatherland.example/")
    body = article.text[article.body_start():]
    for needle in ("Yoon Seok-yoon", "U.S. imperialists", "North Atlantic Treaty Organization", "In June 2022",
                   "wrote in the People's Tribune", "There is no third way.", "reunified and prosperous country."):
        assert needle in body
    for junk in FURNITURE:
        assert junk not in article.text, junk
    # The headline is the title line only, not repeated as the body's start.
    assert not body.startswith("Puppet Regime")


def test_it_drops_furniture_that_trafilatura_lets_through() -> None:
    article = read_one(FIXTURES / "furniture-inside-article.html")
    assert_title_convention(article)
    for junk in ("User Login", "Register Account", "Share:", "cookies", "Most Read", "Ten things", "Traffic changes", "©"):
        assert junk not in article.text, junk
    assert "The copyright dispute over the city's logo was not discussed." in article.text
    assert article.text.count("Council votes on budget") == 1


@pytest.mark.parametrize(
    ("paragraph", "furniture"),
    [
        ("User Login | Register Account", True),
        ("Share this article: Facebook · Twitter · Email", True),
        ("Sign in / Sign up", True),
        ("We use cookies to improve your experience. Accept all", True),
        ("Copyright © 2024 Example News. All rights reserved.", True),
        ("(c) 2023 Example Media Group", True),
        ("The court ruled on the copyright claim on Tuesday.", False),
        ("Register to vote by Friday, the electoral commission said in a statement on its website.", False),
        ("Cookies sold at the fair raised 3,000 dollars for the school.", False),
        ("Share prices fell 4 percent on Monday.", False),
    ],
)
def test_it_tells_furniture_paragraphs_from_article_text(paragraph: str, furniture: bool) -> None:
    assert is_furniture(paragraph) is furniture


def test_it_cuts_the_body_at_a_late_comments_or_most_read_heading() -> None:
    body = "\n\n".join(["First paragraph of news.", "Second paragraph.", "Third paragraph.", "Most read", "Other story"])
    assert drop_furniture(body) == "First paragraph of news.\n\nSecond paragraph.\n\nThird paragraph."
    early = "\n\n".join(["Read more", "Real text one.", "Real text two.", "Real text three."])
    assert drop_furniture(early) == early  # too early in the body to be an end marker


def test_it_reads_the_neutral_wire_report() -> None:
    article = read_one(EXAMPLES / "wire-report.html")
    assert_title_convention(article)
    assert article.outlet == "Continental Press Service"
    assert article.published == dt.date(2024, 3, 7)
    assert "Sign in" not in article.text and "©" not in article.text
    assert article.text.rstrip().endswith("all scheduled services to the port.")


def test_it_reads_the_windows_1252_example() -> None:
    data = (EXAMPLES / "legacy-charset-windows-1252.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the file really is in a legacy charset
    article = read_one(EXAMPLES / "legacy-charset-windows-1252.html")
    assert_title_convention(article)
    assert article.title == "Saint-Émery wine co-operative marks its centenary"
    for needle in ("“Our grandparents", "François Lemaître", "Maïté Duvergé", "Hélène Côté", "€3.2 million", "lifetime’s"):
        assert needle in article.text
    assert "\ufffd" not in article.text


PARAGRAPHS = {
    "zh": "外交部发言人周三在北京表示，双方将于下个月举行新一轮经贸磋商，讨论关税、农产品进口和数字经济合作等议题。",
    "ko": "정부는 수요일 서울에서 열린 회의에서 내년 예산안을 발표하고 교육과 보건 분야의 지출을 늘리겠다고 밝혔다.",
    "fr": "« Le maire a présenté mercredi le budget de l’année prochaine », a déclaré François Lemaître à Besançon, où l’hôpital rouvre.",
    "en": "The minister said on Wednesday that the “new budget” would raise spending on schools — and on Zoë’s café — next year.",
}


def charset_page(language: str, charset: str | None) -> tuple[bytes, str]:
    paragraph = PARAGRAPHS[language]
    title = {"zh": "经贸磋商将于下月举行", "ko": "정부, 내년 예산안 발표", "fr": "Le budget de l’année prochaine", "en": "Minister’s “new budget”"}[language]
    meta = f'<meta charset="{charset}">' if charset else ""
    # Some English too, as such pages often carry.
    html = (
        f"<html><head>{meta}<title>{title}</title></head><body><article><h1>{title}</h1>"
        + "".join(f"<p>{paragraph} (Report {n}, Seoul/Beijing/Paris desk.)</p>" for n in range(6))
        + "</article></body></html>"
    )
    # Pages labelled ISO-8859-1 are routinely Windows-1252 (curly quotes).
    actual = {"iso-8859-1": "windows-1252"}.get(charset or "utf-8", charset or "utf-8")
    return html.encode(actual), paragraph


@pytest.mark.parametrize(
    ("language", "charset", "declared"),
    [
        ("en", "utf-8", True),
        ("zh", "utf-8", False),
        ("zh", "gb18030", True),
        ("zh", "gbk", True),
        ("zh", "gb2312", True),
        ("zh", "gbk", False),
        ("ko", "euc-kr", True),
        ("ko", "euc-kr", False),
        ("fr", "windows-1252", True),
        ("en", "windows-1252", True),
        ("en", "iso-8859-1", True),
    ],
)
def test_it_decodes_declared_and_detected_charsets(tmp_path: Path, language: str, charset: str, declared: bool) -> None:
    data, paragraph = charset_page(language, charset if declared else None)
    if not declared:
        data = data.decode("utf-8").encode(charset)
    path = tmp_path / "page.html"
    path.write_bytes(data)
    article = read_one(path)
    assert paragraph in article.text
    assert "\ufffd" not in article.text


def test_it_trusts_valid_utf8_over_a_wrong_legacy_label(tmp_path: Path) -> None:
    data, paragraph = charset_page("fr", "utf-8")
    path = tmp_path / "mislabelled.html"
    path.write_bytes(data.replace(b'charset="utf-8"', b'charset="windows-1252"'))
    assert paragraph in read_one(path).text


def test_it_decodes_a_byte_order_mark() -> None:
    assert decode_bytes("Hé".encode("utf-16"), source="x") == "Hé"
    assert decode_bytes(b"\xef\xbb\xbfTitle", source="x") == "Title"


def test_it_keeps_utf8_with_one_broken_byte_as_utf8() -> None:
    text = "Café déjà vu, naïve résumé. " * 40
    data = text.encode("utf-8") + b"\xff"
    assert decode_bytes(data, source="x").startswith(text)


def test_it_reads_html_gz(tmp_path: Path) -> None:
    path = tmp_path / "wire.html.gz"
    path.write_bytes(gzip.compress((EXAMPLES / "wire-report.html").read_bytes()))
    article = read_one(path)
    assert article.title == "Harbour at Port Lessing reopens after storm repairs"
    assert article.source == str(path)


# ---------------------------------------------------------------- plain text


def test_it_reads_plain_text_verbatim_with_newlines_normalised(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("Title line\r\n\r\nFirst “para”.\r\nSecond  line.\rThird.\n".encode("utf-8"))
    article = read_one(path)
    assert article.text == "Title line\n\nFirst “para”.\nSecond  line.\nThird.\n"
    assert article.title == "Title line"
    assert article.text[article.body_start():].startswith("First")


def test_it_reads_legacy_plain_text(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(PARAGRAPHS["ko"].encode("euc-kr") * 3)
    assert PARAGRAPHS["ko"] in read_one(path).text


def test_article_from_text_keeps_the_text() -> None:
    article = article_from_text("Headline\n\nBody.", source="s", url="http://x")
    assert (article.text, article.title, article.url, article.source) == ("Headline\n\nBody.", "Headline", "http://x", "s")


def _ptc_files() -> list[Path]:
    if not PTC.is_dir():
        pytest.skip("../shared/data is not available")
    return sorted((PTC / "train-articles").glob("*.txt")) + sorted((PTC / "dev-articles").glob("*.txt"))


def test_it_round_trips_every_ptc_article_exactly() -> None:
    files = _ptc_files()
    assert len(files) == 371 + 75
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            assert read_one(path).text == fh.read(), path


def test_ptc_label_spans_point_at_the_same_characters() -> None:
    files = {p.stem.removeprefix("article"): p for p in _ptc_files()}
    rows = [line.split("\t") for line in (PTC / "train-task-flc-tc.labels").read_text().splitlines()]
    # The first rows of the corpus, checked against what the annotators marked.
    expected = {
        ("111111111", 265, 323): "The next transmission could be more pronounced or stronger",
        ("111111111", 149, 157): "appeared",
    }
    article = read_one(files["111111111"])
    for (_, start, end), span in expected.items():
        assert article.text[start:end] == span
    # Every span of a sample of articles lies inside its text and is not blank.
    for article_id, _technique, start, end in rows[::50]:
        text = read_one(files[article_id]).text
        assert 0 <= int(start) < int(end) <= len(text)
        assert text[int(start):int(end)].strip()


# ---------------------------------------------------------------- JSON Lines


def test_it_reads_json_lines_and_names_a_bad_line(tmp_path: Path) -> None:
    page = (EXAMPLES / "wire-report.html").read_text(encoding="utf-8")
    lines = [
        json.dumps({"text": "Headline one\n\nBody one.", "url": "http://a.example/1", "published": "2024-01-02T10:00:00Z"}),
        "",
        json.dumps({"title": "Headline two", "text": "Body two.", "outlet": "Gazette", "author": "A. Writer", "language": "en"}),
        "{not json",
        json.dumps({"html": page, "url": "https://cps-wire.example/x"}),
        json.dumps({"title": "No body"}),
        json.dumps(["a list"]),
    ]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = list(iter_sources(path))
    kinds = [type(item).__name__ for item in items]
    assert kinds == ["Article", "Article", "InputError", "Article", "InputError", "InputError"]
    first, second, bad, third, no_body, a_list = items
    assert isinstance(first, Article) and first.published == dt.date(2024, 1, 2) and first.source == f"{path}:1"
    assert isinstance(second, Article)
    assert second.text == "Headline two\n\nBody two." and second.title == "Headline two"
    assert (second.outlet, second.author, second.language) == ("Gazette", "A. Writer", "en")
    assert str(bad).startswith(f"{path}:4: invalid JSON")
    assert isinstance(third, Article) and third.title == "Harbour at Port Lessing reopens after storm repairs"
    assert third.url == "https://cps-wire.example/x" and third.source == f"{path}:5"
    assert str(no_body) == f"{path}:6: no 'text' or 'html' field"
    assert str(a_list).startswith(f"{path}:7: expected a JSON object")


def test_it_names_a_bad_date_in_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_text(json.dumps({"text": "T\n\nB", "published": "last Tuesday"}) + "\n")
    assert str(only_error(path)) == f"{path}:1: 'published' is not an ISO date: 'last Tuesday'"


# ---------------------------------------------------------------- feeds


def test_it_reads_the_rss_example_items_with_content() -> None:
    articles, errors = articles_and_errors(EXAMPLES / "world-desk.rss")
    assert not errors
    assert [a.title for a in articles] == ["Lake Orrin water levels fall to a 30-year low", "City council approves new tram line to the airport"]
    first, second = articles
    assert_title_convention(first)
    assert first.author == "Samira Haddou" and first.published == dt.date(2024, 8, 12)
    assert first.outlet == "The Meridian Observer - World Desk" and first.language == "en"
    assert first.url == "https://meridian-observer.example/world/2024/08/12/lake-orrin-low"
    assert first.source == f"{EXAMPLES / 'world-desk.rss'}#1"
    assert '"The recovery will depend on how much snow' in first.text
    assert "Share on Facebook" not in second.text


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Atom Desk</title>
  <entry>
    <title>Bridge reopens</title>
    <link href="https://atom.example/bridge"/>
    <author><name>Jo Lind</name></author>
    <updated>2024-05-06T12:00:00Z</updated>
    <content type="html">&lt;p&gt;The bridge reopened on Monday.&lt;/p&gt;&lt;p&gt;Traffic was light, officials said.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Summary only</title>
    <link href="https://atom.example/summary"/>
    <updated>2024-05-05T12:00:00Z</updated>
    <summary>Plain summary text of the story.</summary>
  </entry>
</feed>
"""


def test_it_reads_an_atom_feed_found_by_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "feed"  # no extension: the content says what it is
    path.write_text(ATOM, encoding="utf-8")
    articles, errors = articles_and_errors(path)
    assert not errors
    assert [a.text for a in articles] == [
        "Bridge reopens\n\nThe bridge reopened on Monday.\n\nTraffic was light, officials said.",
        "Summary only\n\nPlain summary text of the story.",
    ]
    assert articles[0].author == "Jo Lind" and articles[0].published == dt.date(2024, 5, 6)
    assert articles[0].outlet == "Atom Desk" and articles[0].url == "https://atom.example/bridge"


def test_fragment_text_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<p>One <b>bold</b> line.</p><script>var x=1;</script><ul><li>Item a</li><li>Item b</li></ul>Tail<br>end"
    assert fragment_text(html) == "One bold line.\n\nItem a\n\nItem b\n\nTail\n\nend"


# ---------------------------------------------------------------- WARC


def write_warc(path: Path, *, gz: bool) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    pages = [
        ("https://cps-wire.example/wire", "200 OK", "text/html; charset=utf-8", (EXAMPLES / "wire-report.html").read_bytes()),
        ("https://cps-wire.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50),
        ("https://cps-wire.example/gone", "404 Not Found", "text/html", b"<html><body><p>Not found</p></body></html>"),
        ("https://cps-wire.example/legacy", "200 OK", "text/html; charset=windows-1252",
         (EXAMPLES / "legacy-charset-windows-1252.html").read_bytes()),
    ]
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        for url, status, content_type, body in pages:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_it_reads_html_responses_from_warc(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_warc(path, gz=name.endswith(".gz"))
    articles, errors = articles_and_errors(path)
    assert not errors
    assert [a.url for a in articles] == ["https://cps-wire.example/wire", "https://cps-wire.example/legacy"]
    assert [a.source for a in articles] == [f"{path}#1", f"{path}#2"]
    assert "François Lemaître" in articles[1].text


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_it_reports_a_truncated_warc_after_the_records_before_the_cut(tmp_path: Path, name: str) -> None:
    whole = tmp_path / ("whole-" + name)
    write_warc(whole, gz=name.endswith(".gz"))
    data = whole.read_bytes()
    path = tmp_path / name
    path.write_bytes(data[: len(data) - 400])
    items = list(iter_sources(path))
    assert isinstance(items[0], Article) and items[0].url == "https://cps-wire.example/wire"
    assert isinstance(items[-1], InputError)
    assert str(items[-1]).startswith(f"{path}: truncated")
    assert all(isinstance(i, Article) for i in items[:-1])


def test_it_reports_a_warc_without_html(tmp_path: Path) -> None:
    from warcio.warcwriter import WARCWriter

    path = tmp_path / "meta.warc"
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        writer.write_record(writer.create_warc_record("urn:x", "warcinfo", payload=io.BytesIO(b"software: test\r\n")))
    assert str(only_error(path)) == f"{path}: WARC has 1 records but no HTML responses"


# ---------------------------------------------------------------- folders, order


def test_it_reads_folders_recursively_in_sorted_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b" / "2.txt").write_text("Two\n\nBody two.")
    (tmp_path / "a" / "1.txt").write_text("One\n\nBody one.")
    (tmp_path / "z.txt").write_text("Zed\n\nBody z.")
    (tmp_path / ".hidden" / "h.txt").write_text("Hidden\n\nNo.")
    (tmp_path / "notes.md").write_text("# not an article source")
    (tmp_path / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "LICENSE").write_text("Permission is hereby granted ...")
    assert [a.title for a in read_articles(tmp_path)] == ["One", "Two", "Zed"]


def test_it_reads_every_example_and_skips_the_readme() -> None:
    articles, errors = articles_and_errors(EXAMPLES)
    assert not errors
    assert [Path(a.source or "").name for a in articles] == [
        "legacy-charset-windows-1252.html", "opinion-state-outlet.html", "wire-report.html", "world-desk.rss#1", "world-desk.rss#2",
    ]
    for article in articles:
        assert_title_convention(article)


def test_a_batch_goes_on_past_bad_items_in_input_order(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("Good\n\nText.")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    items = list(iter_sources([good, empty, tmp_path / "missing.html", good]))
    assert [type(i).__name__ for i in items] == ["Article", "InputError", "InputError", "Article"]
    assert str(items[2]) == f"{tmp_path / 'missing.html'}: no such file or folder"


def test_read_one_refuses_a_file_with_several_articles() -> None:
    with pytest.raises(InputError, match="holds 2 articles; expected exactly one"):
        read_one(EXAMPLES / "world-desk.rss")


# ---------------------------------------------------------------- bad input


def test_it_refuses_an_empty_file(tmp_path: Path) -> None:
    for name in ("empty.html", "empty.txt", "empty.jsonl", "empty.rss", "empty.warc"):
        (tmp_path / name).write_bytes(b"")
        assert str(only_error(tmp_path / name)) == f"{tmp_path / name}: empty file"
    (tmp_path / "blank.txt").write_text("  \n\n\t\n")
    assert str(only_error(tmp_path / "blank.txt")) == f"{tmp_path / 'blank.txt'}: empty file (only whitespace)"


def test_it_refuses_a_page_with_no_article_text(tmp_path: Path) -> None:
    path = tmp_path / "nav.html"
    path.write_text("<html><head><title>Home</title></head><body><nav><a href='/'>Home</a> <a href='/login'>Log in</a></nav></body></html>")
    assert str(only_error(path)) == f"{path}: no article text found in the page"


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("scan.pdf.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        ("blob", bytes(range(256)) * 8, "binary data"),
    ],
)
def test_it_refuses_a_binary_file(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    assert str(only_error(path)) == f"{path}: binary file ({kind}), not text or HTML"


def test_it_refuses_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress((EXAMPLES / "wire-report.html").read_bytes())
    path = tmp_path / "page.html.gz"
    path.write_bytes(data[: len(data) // 2])
    assert str(only_error(path)) == f"{path}: truncated gzip: the compressed data ends before the end of the stream"


def test_it_refuses_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "page.html.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 20)
    assert str(only_error(path)).startswith(f"{path}: corrupt gzip data")


def test_it_refuses_undecodable_bytes(tmp_path: Path) -> None:
    path = tmp_path / "mojibake.txt"
    path.write_bytes(b"Title\n\nSome words here. " + bytes(range(0x80, 0x100)) * 20)
    assert str(only_error(path)) == f"{path}: undecodable bytes: not valid utf_8 and no other charset fits"
    path = tmp_path / "bad-utf16.txt"
    path.write_bytes(b"\xff\xfeA\x00\x00\xd8")  # BOM, then a lone surrogate
    assert "undecodable bytes" in str(only_error(path))


def test_it_refuses_a_page_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = EXAMPLES / "wire-report.html"
    size = path.stat().st_size
    error = only_error(path, max_bytes=1000)
    assert str(error) == f"{path}: too large: {size:,} bytes, over the 1,000-byte limit (set SLANT_MAX_BYTES to change it)"
    monkeypatch.setenv("SLANT_MAX_BYTES", "1k")
    assert "over the 1,024-byte limit" in str(only_error(path))
    monkeypatch.setenv("SLANT_MAX_BYTES", str(size))
    assert read_one(path).title
    # A small gzip file that inflates past the limit.
    bomb = tmp_path / "bomb.txt.gz"
    bomb.write_bytes(gzip.compress(b"Title\n\n" + b"a" * 50_000))
    assert "over 20,000 bytes once decompressed" in str(only_error(bomb, max_bytes=20_000))


def test_the_size_limit_defaults_to_20_mb_and_refuses_nonsense(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLANT_MAX_BYTES", raising=False)
    assert resolve_max_bytes() == 20 * 1024 * 1024
    monkeypatch.setenv("SLANT_MAX_BYTES", "5MB")
    assert resolve_max_bytes() == 5 * 1024 * 1024
    assert resolve_max_bytes(10) == 10
    for junk in ("lots", "inf", "-inf", "nan", "1e400", "0", "-5MB"):
        monkeypatch.setenv("SLANT_MAX_BYTES", junk)
        with pytest.raises(SettingError, match=f"SLANT_MAX_BYTES={junk!r} is not a size"):
            resolve_max_bytes()


def test_it_refuses_a_feed_with_no_items(tmp_path: Path) -> None:
    path = tmp_path / "quiet.rss"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>')
    assert str(only_error(path)) == f"{path}: feed has no items"
    path = tmp_path / "links.xml"
    path.write_text('<?xml version="1.0"?><rss version="2.0"><channel><title>L</title><item><title>A</title>'
                    "<link>http://l.example/a</link></item></channel></rss>")
    assert str(only_error(path)) == f"{path}: feed has 1 items but none with content"


def test_it_refuses_a_missing_path() -> None:
    assert str(only_error("/nonexistent/article.html")) == "/nonexistent/article.html: no such file or folder"


def test_extract_html_names_the_source_on_errors() -> None:
    with pytest.raises(InputError) as info:
        extract_html(b"   ", source="inline")
    assert str(info.value) == "inline: empty page"


def test_every_bad_input_message_is_one_line_and_names_its_source(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_bytes(b"")
    (tmp_path / "b.html").write_bytes(b"\x00\x01\x02" * 10)
    (tmp_path / "t.txt.gz").write_bytes(gzip.compress(b"Title\n\nBody " * 100)[:40])
    (tmp_path / "j.jsonl").write_text("{oops\n")
    (tmp_path / "k.jsonl").write_bytes(b'\xef\xbb\xbf{"text": "T\\n\\nB"}\n{"text": ""}\n')
    articles, errors = articles_and_errors(tmp_path)
    assert [a.text for a in articles] == ["T\n\nB"]  # the byte-order mark of a JSON Lines file is dropped
    assert [Path(e.source).name for e in errors] == ["b.html", "e.txt", "j.jsonl:1", "k.jsonl:2", "t.txt.gz"]
    for error in errors:
        assert "\n" not in str(error)
        assert error.source.startswith(os.fspath(tmp_path))
        assert str(error) == f"{error.source}: {error.reason}"
