"""Adding articles: upload, pasted text, URL; and clear messages for bad input, never a 500."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from typing import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from slant.errors import InputError
from slant.web.library.fetch import Response, fetch

from .conftest import ARTICLE_TEXT, client_for

PAGE = b"""<!doctype html><html><head><meta charset="utf-8"><title>Harbour bridge approved | The Portsmouth Post</title></head>
<body><nav><a href="/">Home</a> <a href="/login">User Login</a> <a href="/register">Register Account</a></nav>
<article><h1>Harbour bridge approved</h1>
<p>The city council in Portsmouth voted on Tuesday to build a new harbour bridge after years of debate about the old crossing.</p>
<p>Mayor Jane Holloway said the decision would cut journey times for thousands of commuters who use the ferry every day.</p>
<p>Opponents argued that the cost, estimated at forty million pounds, should have been spent on schools and hospitals instead.</p>
<p>Construction is expected to start next spring and to last about three years, the council said in a statement.</p>
</article><footer>Copyright 2026 The Portsmouth Post. All rights reserved.</footer></body></html>"""


def _upload(client, cid, name, data):  # type: ignore[no-untyped-def]
    return client.post(f"/collections/{cid}/add/", {"file": SimpleUploadedFile(name, data)}, follow=True)


def _intake():  # type: ignore[no-untyped-def]
    """Run the queued jobs as a worker would; the intake job of the (only) upload."""
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import run_pending_jobs

    run_pending_jobs()
    return Job.objects.get(kind="intake")


def _messages(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(m) for m in response.context["messages"])


def test_it_adds_an_uploaded_html_page(team) -> None:
    from slant.store.models import Article

    client = client_for(team["users"]["editor"])
    response = _upload(client, team["collection"].pk, "bridge.html", PAGE)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith(f"/collections/{team['collection'].pk}/jobs/")
    assert not Article.objects.exists()  # read by the worker, not in the request
    assert "bridge.html" in response.content.decode() and "queued" in response.content.decode()
    job = _intake()
    article = Article.objects.get()
    assert job.status == "done" and job.upload.report == {"articles": [article.id], "errors": []}
    assert "forty million pounds" in article.text and "User Login" not in article.text
    page = client.get(f"/collections/{team['collection'].pk}/jobs/").content.decode()
    assert "1 article(s) added" in page


def test_it_adds_every_article_of_a_json_lines_upload(team) -> None:
    from slant.web.library.models import Entry

    lines = "\n".join(json.dumps({"text": f"Story {i}\n\nBody of story {i}.", "outlet": "Wire"}) for i in range(3))
    lines += "\n{not json\n" + json.dumps({"title": "no text"})
    response = _upload(client_for(team["users"]["owner"]), team["collection"].pk, "batch.jsonl", lines.encode())
    assert response.status_code == 200
    job = _intake()
    assert Entry.objects.filter(collection=team["collection"]).count() == 3
    assert job.status == "done" and len(job.upload.report["articles"]) == 3
    assert len(job.upload.report["errors"]) == 2 and all("batch.jsonl" in e for e in job.upload.report["errors"])
    page = client_for(team["users"]["viewer"]).get(f"/collections/{team['collection'].pk}/jobs/").content.decode()
    assert "3 article(s) added" in page and "2 item(s) could not be read" in page


def test_it_adds_pasted_text_verbatim(team) -> None:
    from slant.store.models import Article

    client_for(team["users"]["editor"]).post(f"/collections/{team['collection'].pk}/add/", {"text": ARTICLE_TEXT})
    assert Article.objects.get().text == ARTICLE_TEXT


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"%PDF-1.4 binary", "unknown file type"),
        ("empty.txt", b"   \n", "the file is empty"),
    ],
    ids=["unknown-type", "empty"],
)
def test_it_refuses_at_once_what_costs_nothing_to_check(team, name: str, data: bytes, message: str) -> None:
    from slant.store.models import Article
    from slant.web.jobs.models import Job

    response = _upload(client_for(team["users"]["editor"]), team["collection"].pk, name, data)
    assert response.status_code == 400
    assert message in _messages(response)
    assert not Article.objects.exists() and not Job.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.warc.gz", gzip.compress(b"WARC/1.0\r\nWARC-Type: response\r\n" * 50, mtime=0)[:60]),
        ("binary.txt", bytes(range(256)) * 20),
        ("nothing.html", b"<html><body><nav>Home</nav></body></html>"),
    ],
    ids=["truncated-gzip", "binary", "no-article-text"],
)
def test_it_explains_an_unreadable_upload_in_its_failed_job(team, name: str, data: bytes) -> None:
    from slant.store.models import Article

    response = _upload(client_for(team["users"]["editor"]), team["collection"].pk, name, data)
    assert response.status_code == 200
    job = _intake()
    assert job.status == "failed" and name in job.error
    assert not Article.objects.exists()
    page = client_for(team["users"]["editor"]).get(f"/collections/{team['collection'].pk}/jobs/").content.decode()
    assert name in page and "Retry" in page


def test_it_takes_several_files_at_once(team) -> None:
    from slant.store.models import Article

    files = [SimpleUploadedFile("one.txt", b"One\n\nThe first story."), SimpleUploadedFile("two.txt", b"Two\n\nThe second story."),
             SimpleUploadedFile("three.pdf", b"%PDF")]
    response = client_for(team["users"]["editor"]).post(f"/collections/{team['collection'].pk}/add/", {"file": files}, follow=True)
    assert "three.pdf: unknown file type" in _messages(response) and "one.txt, two.txt" in _messages(response)
    from slant.web.jobs.runner import run_pending_jobs

    run_pending_jobs()
    assert sorted(Article.objects.values_list("title", flat=True)) == ["One", "Two"]


def test_it_refuses_an_upload_over_the_size_limit(team, settings) -> None:
    settings.SLANT_MAX_UPLOAD_BYTES = 1000
    response = _upload(client_for(team["users"]["editor"]), team["collection"].pk, "big.txt", b"Title\n\n" + b"word " * 400)
    assert response.status_code == 400
    assert "over the limit of 1000" in _messages(response)


def test_it_asks_for_exactly_one_input(team) -> None:
    client = client_for(team["users"]["editor"])
    response = client.post(f"/collections/{team['collection'].pk}/add/", {"text": "A\n\nB", "url": "http://127.0.0.1/"})
    assert response.status_code == 400 and b"exactly one" in response.content


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        routes = {
            "/story.html": (200, "text/html; charset=utf-8", PAGE),
            "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n"),
            "/big.html": (200, "text/html", b"<p>" + b"x" * 5000 + b"</p>"),
        }
        status, kind, body = routes.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_site() -> Iterator[str]:
    """Pages served on 127.0.0.1: the only place the tests fetch from."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_adds_an_article_from_a_url(team, local_site: str) -> None:
    from slant.store.models import Article

    response = client_for(team["users"]["editor"]).post(
        f"/collections/{team['collection'].pk}/add/", {"url": f"{local_site}/story.html"}, follow=True
    )
    assert response.status_code == 200
    assert not Article.objects.exists()  # fetched by the worker, not in the request
    assert _intake().status == "done"
    article = Article.objects.get()
    assert article.url == f"{local_site}/story.html" and "harbour bridge" in article.text


@pytest.mark.parametrize(
    ("path", "message"),
    [("/logo.png", "content type 'image/png'"), ("/missing.html", "HTTP 404"), ("/big.html", "larger than the limit")],
)
def test_it_explains_a_url_it_will_not_take(team, local_site: str, settings, path: str, message: str) -> None:
    settings.SLANT_MAX_UPLOAD_BYTES = 2000
    client_for(team["users"]["editor"]).post(f"/collections/{team['collection'].pk}/add/", {"url": f"{local_site}{path}"})
    job = _intake()
    assert job.status == "failed" and message in job.error


def test_it_refuses_private_addresses_unless_allowed(team, local_site: str, settings) -> None:
    settings.SLANT_FETCH_ALLOW_PRIVATE = False
    client_for(team["users"]["editor"]).post(f"/collections/{team['collection'].pk}/add/", {"url": f"{local_site}/story.html"})
    job = _intake()
    assert job.status == "failed" and "private or local" in job.error


def test_it_fetches_through_a_pluggable_transport() -> None:
    seen = []

    def transport(url: str, timeout: float, max_bytes: int) -> Response:
        seen.append((url, timeout, max_bytes))
        return Response(url, 200, {"Content-Type": "text/plain"}, b"Title\n\nBody")

    assert fetch("https://example.org/a.txt", max_bytes=50, timeout=3.0, transport=transport) == (b"Title\n\nBody", ".txt")
    assert seen == [("https://example.org/a.txt", 3.0, 50)]
    with pytest.raises(InputError, match="only http"):
        fetch("file:///etc/passwd", max_bytes=50, timeout=1.0)


FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Harbour Wire</title><link>https://wire.example/</link>
<item><title>Bridge vote passes</title><link>https://wire.example/1</link>
<description>The city council in Portsmouth voted on Tuesday to build a new harbour bridge after years of debate about the old crossing and its costs.</description></item>
<item><title>Ferry fares rise</title><link>https://wire.example/2</link>
<description>The harbour ferry will cost more from April, the operator said on Monday, blaming the price of fuel and the cost of repairs to its oldest boat.</description></item>
</channel></rss>"""


def test_it_adds_one_article_per_item_of_an_uploaded_feed(team) -> None:
    from slant.store.models import Article

    _upload(client_for(team["users"]["editor"]), team["collection"].pk, "wire.rss", FEED)
    job = _intake()
    assert job.status == "done" and len(job.upload.report["articles"]) == 2
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Bridge vote passes", "Ferry fares rise"]
