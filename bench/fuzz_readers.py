"""Fuzz the readers: generated and mutated HTML, feeds, JSON Lines, WARC and text.

Every input goes through ``slant.read.iter_data`` as if it were a file of that
kind (plain, and sometimes gzipped). The contract under test:

- nothing raises: every input gives Articles and InputErrors (``escaped``
  counts exceptions that got out; the target is 0);
- every Article can be hashed and stored (its text and fields encode to
  UTF-8), every source and error message is one printable line;
- ``generic`` counts InputErrors that came from the catch-all in
  ``slant/read/failures.py`` ("cannot be read (SomeError: ...)"): no crash,
  but a parser failure we did not foresee, worth a specific message.

Usage (outside CI; hypothesis drives the generation, with a new seed each round):

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python bench/fuzz_readers.py --minutes 10

It prints the number of inputs tried per format, the escaped exceptions and
the generic catches with an example of each, and a JSON summary line.
``tests/test_read_fuzz.py`` runs a short seeded round of the same generators.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import io
import json
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from slant.article import Article  # noqa: E402
from slant.errors import InputError, SlantError  # noqa: E402
from slant.read import iter_data  # noqa: E402

EXAMPLES = ROOT / "examples"
SEEDS = {p.name: p.read_bytes() for p in sorted(EXAMPLES.glob("*")) if p.suffix in (".html", ".rss")}
MAX_BYTES = 2_000_000  # small limits, so that the limit paths are exercised too
MAX_CHARS = 200_000
SLOW_S = 20  # an input taking longer than this is counted as a hang


# --------------------------------------------------------------------------
# Building blocks


CHARSETS = ["utf-8", "UTF-8", "windows-1252", "iso-8859-1", "gb2312", "gbk", "euc-kr", "shift_jis", "koi8-r",
            "utf-16", "utf-7", "undefined", "base64", "rot13", "idna", "unicode_escape", "x-mac-roman", "",
            "latin1\x00", "utf-8\"", "zzz", "mac_roman", "ascii", "cp1252;q=1", "utf-32"]
ENCODINGS = ["utf-8", "cp1252", "gb18030", "euc-kr", "shift_jis", "utf-16", "mac_roman", "latin-1", "koi8-r"]
CHARREFS = ["&#xD800;", "&#55296;", "&#xDFFF;", "&#1114112;", "&#x110000;", "&#0;", "&#99999999999999;", "&#x1F600;",
            "&#65533;", "&#x;", "&#;", "&amp;", "&nbsp;", "&bogus;", "&#x" + "f" * 40 + ";", "&#" + "9" * 5000 + ";"]
WORDS = ["the", "harbour", "reopened", "minister", "said", "«", "»", "“quoted”", "—", "café", "外交部", "정부",
         "Тест", "\u200b", "\ufeff", "\x00", "\x1b", "\r", "\n\n", "\t", "<", ">", "&", "]]>", "<!--", "-->", "\udc80",
         "1 March 2023", "© 1996", "2023-03-01", "yesterday", "JFK-assassination", "Park Min-soo"]

text_chunk = st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(CHARREFS), st.text(max_size=20)), max_size=60).map(" ".join)


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf-") and encoding != "utf-7" else "replace")


@st.composite
def mutated(draw: Callable[..., Any], data: bytes) -> bytes:
    """``data`` with a few random byte edits: flips, inserts, deletes, a cut, a repeated chunk."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(0, 6))):
        if not buf:
            break
        op = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat", "bytes"]))
        at = draw(st.integers(0, len(buf) - 1))
        if op == "flip":
            buf[at] = draw(st.integers(0, 255))
        elif op == "insert":
            buf[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del buf[at : at + draw(st.integers(1, 64))]
        elif op == "cut":
            del buf[at:]
        elif op == "repeat":
            chunk = bytes(buf[at : at + draw(st.integers(1, 200))])
            buf[at:at] = chunk * draw(st.integers(1, 50))
        else:
            buf[at:at] = draw(st.sampled_from([b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xc3", b"\xe2\x80", b"\x92", b"\r\n", b"\x1f\x8b"]))
    return bytes(buf)


@st.composite
def html_pages(draw: Callable[..., Any]) -> bytes:
    if SEEDS and draw(st.booleans()):
        name = draw(st.sampled_from([n for n in SEEDS if n.endswith(".html")]))
        return draw(mutated(SEEDS[name]))
    charset = draw(st.sampled_from(CHARSETS))
    meta = draw(st.sampled_from([f'<meta charset="{charset}">', f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">', ""]))
    date = draw(st.sampled_from(["", '<meta property="article:published_time" content="2023-03-01">', "<time>1 March 2023</time>",
                                 "<footer>© 1996</footer>", '<meta name="date" content="0000-00-00">']))
    tags = draw(st.lists(st.sampled_from(["p", "div", "article", "h1", "li", "script", "style", "table", "td", "span", "a", "br"]), max_size=30))
    body = "".join(f"<{t}>{draw(text_chunk)}" + (f"</{t}>" if draw(st.booleans()) else "") for t in tags)
    depth = draw(st.sampled_from([0, 0, 0, 50, 3000]))
    html = f"<html lang=\"{draw(st.sampled_from(['en', 'fr', 'zh', 'x' * 5, '']))}\"><head>{meta}{date}<title>{draw(text_chunk)}</title></head>" \
           f"<body>{'<div>' * depth}{body}{'</div>' * depth}</body></html>"
    return draw(mutated(_encode(html, draw(st.sampled_from(ENCODINGS)))))


@st.composite
def feeds(draw: Callable[..., Any]) -> bytes:
    if "world-desk.rss" in SEEDS and draw(st.booleans()):
        return draw(mutated(SEEDS["world-desk.rss"]))
    atom = draw(st.booleans())
    items = []
    for _ in range(draw(st.integers(0, 5))):
        title, content = draw(text_chunk), draw(text_chunk)
        wrap = draw(st.sampled_from(["cdata", "escaped", "raw"]))
        if wrap == "cdata":
            content = f"<![CDATA[<p>{content}</p>]]>"
        elif wrap == "escaped":
            content = f"&lt;p&gt;{content}&lt;/p&gt;"
        date = draw(st.sampled_from(["Tue, 14 Nov 2023 08:00:00 GMT", "2023-02-30T00:00:00Z", "yesterday", "", "Mon, 99 Foo 99999 99:99:99"]))
        if atom:
            items.append(f"<entry><title>{title}</title><updated>{date}</updated><content type=\"html\">{content}</content></entry>")
        else:
            items.append(f"<item><title>{title}</title><pubDate>{date}</pubDate><description>{content}</description></item>")
    decl = draw(st.sampled_from(['<?xml version="1.0"?>', f'<?xml version="1.0" encoding="{draw(st.sampled_from(CHARSETS))}"?>', ""]))
    doctype = draw(st.sampled_from(["", '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
                                    '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>']))
    if atom:
        xml = f'{decl}{doctype}<feed xmlns="http://www.w3.org/2005/Atom"><title>{draw(text_chunk)}</title>{"".join(items)}</feed>'
    else:
        xml = f'{decl}{doctype}<rss version="2.0"><channel><title>{draw(text_chunk)}</title><language>{draw(st.sampled_from(["en-gb", "", "zz"]))}</language>{"".join(items)}</channel></rss>'
    return draw(mutated(_encode(xml, draw(st.sampled_from(ENCODINGS)))))


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | text_chunk,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@st.composite
def json_lines(draw: Callable[..., Any]) -> bytes:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["record", "record", "value", "deep", "bignum", "surrogate", "html", "junk"]))
        if kind == "record":
            record = {k: draw(st.one_of(text_chunk, json_values)) for k in draw(st.lists(st.sampled_from(
                ["text", "html", "title", "url", "outlet", "author", "published", "language", "x"]), max_size=6))}
            lines.append(json.dumps(record, ensure_ascii=draw(st.booleans())))
        elif kind == "value":
            lines.append(json.dumps(draw(json_values)))
        elif kind == "deep":
            n = draw(st.sampled_from([100, 1000, 5000, 20000]))
            lines.append('{"text": ' + "[" * n + "]" * n + "}")
        elif kind == "bignum":
            lines.append('{"text": "T\\n\\nB", "n": ' + "7" * draw(st.sampled_from([10, 4301, 10000])) + "}")
        elif kind == "surrogate":
            lines.append('{"title": "\\ud800", "text": "T \\udc80\\n\\nBody \\udfff \\ud83d"}')
        elif kind == "html":
            page = draw(html_pages()).decode("utf-8", "replace")
            lines.append(json.dumps({"html": page, "published": draw(st.sampled_from(["2023-03-01", "2023-13-45", "x"]))}))
        else:
            lines.append(draw(text_chunk))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    return draw(mutated(data))


@st.composite
def warcs(draw: Callable[..., Any]) -> bytes:
    out = io.BytesIO()
    for _ in range(draw(st.integers(0, 4))):
        body = draw(html_pages())
        content_type = draw(st.sampled_from(["text/html", f"text/html; charset={draw(st.sampled_from(CHARSETS))}", "image/png",
                                             "application/xhtml+xml", "text/html; charset"]))
        status = draw(st.sampled_from(["200 OK", "404 Not Found", "2", "", "200"]))
        http = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n".encode()
        if draw(st.booleans()):
            http += b"Transfer-Encoding: chunked\r\n"
        http += b"\r\n" + body
        rec_type = draw(st.sampled_from(["response", "response", "resource", "request", "warcinfo", "bogus"]))
        length = len(http) + draw(st.sampled_from([0, 0, 0, -5, 7, 10**6]))
        headers = ["WARC/1.0", f"WARC-Type: {rec_type}", f"WARC-Target-URI: {draw(st.sampled_from(['https://x.example/a', '', 'javascript:x', 'http://[::1']))}",
                   "WARC-Record-ID: <urn:uuid:12345678-1234-5678-1234-567812345678>"]
        if draw(st.booleans()):
            headers.append(f"WARC-Date: {draw(st.sampled_from(['2023-03-01T00:00:00Z', 'yesterday', '']))}")
        headers.append("Content-Type: " + ("application/http; msgtype=response" if rec_type == "response" else content_type))
        if draw(st.integers(0, 9)):
            headers.append(f"Content-Length: {length}")
        record = ("\r\n".join(headers) + "\r\n\r\n").encode() + http + b"\r\n\r\n"
        out.write(gzip.compress(record) if draw(st.booleans()) else record)
    return draw(mutated(out.getvalue()))


texts = st.one_of(st.binary(max_size=3000), text_chunk.map(lambda t: _encode(t, "utf-8")))

FORMATS: dict[str, tuple[Any, str]] = {
    "html": (html_pages(), "page.html"),
    "feed": (feeds(), "feed.xml"),
    "jsonl": (json_lines(), "lines.jsonl"),
    "warc": (warcs(), "crawl.warc"),
    "text": (texts, "story.txt"),
    "sniffed": (st.one_of(html_pages(), feeds(), json_lines(), warcs()), "upload.bin"),
}


# --------------------------------------------------------------------------
# The check


class Tally:
    def __init__(self) -> None:
        self.tried: collections.Counter[str] = collections.Counter()
        self.articles = 0
        self.errors = 0
        self.escaped: collections.Counter[str] = collections.Counter()
        self.broken: collections.Counter[str] = collections.Counter()  # contract violations
        self.generic: collections.Counter[str] = collections.Counter()
        self.hangs = 0
        self.examples: dict[str, str] = {}

    def summary(self) -> dict[str, Any]:
        return {
            "inputs": sum(self.tried.values()),
            "per_format": dict(self.tried),
            "articles": self.articles,
            "input_errors": self.errors,
            "escaped_exceptions": sum(self.escaped.values()),
            "contract_violations": sum(self.broken.values()),
            "generic_catches": sum(self.generic.values()),
            "hangs": self.hangs,
        }


class Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise Hang()


def check(data: bytes, name: str, fmt: str, tally: Tally) -> None:
    """Read one input and hold the readers to their contract."""
    tally.tried[fmt] += 1
    try:
        if hasattr(signal, "SIGALRM"):
            signal.signal(signal.SIGALRM, _alarm)
            signal.alarm(SLOW_S)
        try:
            found = list(iter_data(data, name, max_bytes=MAX_BYTES, max_chars=MAX_CHARS))
        finally:
            if hasattr(signal, "SIGALRM"):
                signal.alarm(0)
    except Hang:
        tally.hangs += 1
        tally.examples.setdefault(f"hang {fmt}", repr(data[:300]))
        return
    except Exception as exc:  # noqa: BLE001  (this is what we count)
        key = f"{type(exc).__name__} ({'SlantError' if isinstance(exc, SlantError) else 'not SlantError'})"
        tally.escaped[key] += 1
        tally.examples.setdefault(key, f"{fmt}: {data[:300]!r}\n{traceback.format_exc(limit=6)}")
        return
    for item in found:
        problem = _violation(item)
        if problem:
            tally.broken[problem] += 1
            tally.examples.setdefault(problem, f"{fmt}: {data[:300]!r} -> {item!r}"[:2000])
        if isinstance(item, Article):
            tally.articles += 1
        elif isinstance(item, InputError):
            tally.errors += 1
            if item.reason.startswith("cannot be read (") or item.reason.startswith("undecodable text ("):
                key = item.reason.split(":")[0]
                tally.generic[key] += 1
                tally.examples.setdefault(key, f"{fmt}: {data[:300]!r} -> {item}")


def _violation(item: object) -> str | None:
    if isinstance(item, InputError):
        message = str(item)
        if "\n" in message or "\r" in message:
            return "error message not on one line"
        try:
            message.encode("utf-8")
        except UnicodeEncodeError:
            return "error message not UTF-8"
        return None
    if not isinstance(item, Article):
        return f"item of type {type(item).__name__}"
    try:
        item.id  # noqa: B018  (hashes the UTF-8 text)
        for field in ("title", "url", "outlet", "author", "language", "source"):
            value = getattr(item, field)
            if value is not None:
                value.encode("utf-8")
    except UnicodeEncodeError:
        return "article field not UTF-8"
    if not item.text.strip():
        return "empty article"
    if len(item.text) > MAX_CHARS:
        return "article over the length limit"
    if item.source and any(c in item.source for c in "\n\r"):
        return "source not on one line"
    return None


def fuzz_round(fmt: str, tally: Tally, *, examples: int, seed: int | None) -> None:
    strategy, name = FORMATS[fmt]

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=list(HealthCheck), print_blob=False)
    @given(data=strategy, gz=st.integers(0, 9))
    def run(data: bytes, gz: int) -> None:
        if gz == 0:  # a tenth of the inputs gzipped, named .gz
            check(gzip.compress(data), name + ".gz", fmt, tally)
        else:
            check(data, name, fmt, tally)

    if seed is not None:
        from hypothesis import seed as with_seed

        run = with_seed(seed)(run)
    run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz (default 10)")
    parser.add_argument("--examples", type=int, default=200, help="inputs per format per round")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first round (each round adds 1)")
    args = parser.parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)  # trafilatura and htmldate log every odd page
    tally = Tally()
    started = time.monotonic()
    cpu_started = time.process_time()
    deadline = started + args.minutes * 60
    rounds = 0
    while time.monotonic() < deadline:
        for fmt in FORMATS:
            if time.monotonic() >= deadline:
                break
            fuzz_round(fmt, tally, examples=args.examples, seed=args.seed + rounds)
        rounds += 1
        print(f"[{time.monotonic() - started:6.0f} s] round {rounds}: {json.dumps(tally.summary())}", flush=True)
    summary = tally.summary() | {"rounds": rounds, "wall_s": round(time.monotonic() - started, 1),
                                 "cpu_s": round(time.process_time() - cpu_started, 1)}
    for title, counter in (("escaped exceptions", tally.escaped), ("contract violations", tally.broken), ("generic catches", tally.generic)):
        print(f"\n{title}: {sum(counter.values())}")
        for key, count in counter.most_common():
            print(f"  {count:6d}  {key}\n          e.g. {tally.examples.get(key, '')[:600]}")
    if tally.hangs:
        print(f"\nhangs (over {SLOW_S} s): {tally.hangs}")
        for key, example in tally.examples.items():
            if key.startswith("hang"):
                print(f"  {key}: {example}")
    print("\nsummary " + json.dumps(summary))
    return 1 if tally.escaped or tally.broken else 0


if __name__ == "__main__":
    sys.exit(main())
