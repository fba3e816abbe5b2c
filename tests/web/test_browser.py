"""End to end in a real browser: Playwright driving Debian's chromium, headless.

Register, log in, create a collection, upload an article, wait for the
analysis, see the highlights, correct one span and export. Screenshots go to
test-output/browser/. Skipped where chromium is not installed
(`apt-get install -y chromium`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path

import pytest

from .conftest import ARTICLE_TEXT, MARKED, PASSWORD

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (apt-get install -y chromium)"),
]


@pytest.fixture
def browser_page():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        yield page
        context.close()
        browser.close()


def test_it_goes_from_registration_to_an_exported_correction(
    live_server, transactional_db, marked_stages, browser_page, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from slant.web.jobs.runner import run_pending_jobs

    # Playwright's sync API runs an event loop in this thread; the inline worker below is plain blocking code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, base = browser_page, live_server.url

    page.goto(f"{base}/accounts/register/")
    page.fill("#id_username", "analyst")
    page.fill("#id_email", "analyst@example.org")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.click("text=Log out analyst")
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Your collections')")

    page.fill("#id_name", "Harbour coverage")
    page.click("text=Create collection")
    page.wait_for_selector("h1:has-text('Harbour coverage')")
    page.click("text=Add articles")
    upload = tmp_path / "bridge.txt"
    upload.write_text(ARTICLE_TEXT, encoding="utf-8")
    page.set_input_files("#id_file", str(upload))
    page.click("main button[type=submit]")
    # The upload is read by a worker, not in the request: the jobs page shows it queued.
    page.wait_for_selector("tr.job-intake:has-text('Reading bridge.txt') .status-queued")
    assert run_pending_jobs(limit=1) == 1  # the worker, inline: reads the upload and queues its analysis
    # The collection page says what is waiting and refreshes itself when the analysis is done.
    page.goto(f"{base}/collections/")
    page.click("text=Harbour coverage")
    page.wait_for_selector("#progress:not([hidden])")
    assert "1 article waiting" in page.inner_text("#progress")
    page.screenshot(path=str(SHOTS / "1-queued.png"), full_page=True)
    assert run_pending_jobs() == 1
    page.wait_for_selector(".status-done", timeout=30_000)  # reloaded by collection.js, no click
    assert page.locator("#progress[hidden]").count() == 1
    page.click("table.articles a")
    page.wait_for_selector("mark.hl", timeout=30_000)
    assert page.locator("mark.hl mark.hl").count() >= 1  # overlapping spans nest
    page.screenshot(path=str(SHOTS / "2-highlights.png"), full_page=True)

    # Keyboard: tab onto a highlight and read its description.
    page.locator("mark.hl").first.focus()
    tip = page.locator("#tip")
    assert tip.is_visible() and "score" in tip.inner_text()
    page.hover("mark.hl >> nth=0")
    page.screenshot(path=str(SHOTS / "3-description.png"), full_page=True)

    # The threshold slider turns the spans below it into candidates, hidden until asked for.
    page.fill("#threshold", "0.95")
    page.dispatch_event("#threshold", "input")
    assert page.locator("mark.hl:not(.cand)").count() == 0
    page.fill("#threshold", "0")
    page.dispatch_event("#threshold", "input")
    assert page.locator("mark.hl.cand").count() == 0

    # Correct one span: reject the weakest one.
    weakest = min(MARKED, key=lambda m: m[2])
    row = page.locator("table.spans tbody tr").filter(has=page.locator("td:nth-child(2)", has_text="Exaggeration"))
    row.get_by_role("button", name="Reject").click()
    page.wait_for_selector("tr.state-rejected")
    page.screenshot(path=str(SHOTS / "4-corrected.png"), full_page=True)

    page.click("main .crumbs a")
    with page.expect_download() as info:
        page.click("text=labels (PTC)")
    exported = Path(info.value.path()).read_text(encoding="utf-8")
    labels = [line.split("\t")[1] for line in exported.splitlines()]
    assert sorted(labels) == sorted(label for phrase, label, _ in MARKED if phrase != weakest[0])


# -- the reading view's layout, tints and links, at desktop and phone width ----

OPED = (
    "The alliance tightens its grip\n\n"
    "The so-called defensive alliance is nothing but a tool of hegemony. "
    "Its generals met in Brussels on 4 March 2024 and promised more weapons. "
    "Minister Karl Brandt said \"we seek only peace\" while the drills went on. "
    "Only a fool would believe these warmongers, who have lied since the old days. "
    + "Ordinary families pay for every new base, and the region grows poorer each year. " * 6
)


def _seed_oped(owner):  # type: ignore[no-untyped-def]
    """An analysed op-ed with spans above and below the threshold, stance evidence, a quote and dates."""
    from slant.article import Article
    from slant.doc import Doc, Span
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import pipeline_name
    from slant.web.library.adding import add_articles
    from slant.web.library.views import create_collection

    collection = create_collection(owner, "Alliance watch")
    article = Article(text=OPED, title="The alliance tightens its grip", outlet="Voice of the Fatherland")
    [entry] = add_articles(collection, [article], user=owner, origin="paste")

    def at(s: str) -> tuple[int, int]:
        i = OPED.index(s)
        return i, i + len(s)

    doc = Doc(article)
    doc.set_layer("persuasion", [
        Span(*at("tool of hegemony"), "Name_Calling,Labeling", 0.81),
        Span(*at("so-called defensive alliance"), "Doubt", 0.58),
        Span(*at("these warmongers"), "Loaded_Language", 0.35),
        Span(*at("Only a fool would believe"), "Loaded_Language", 0.22),
        Span(*at("the region grows poorer"), "Appeal_to_fear-prejudice", 0.64),
    ])
    alliance = at("defensive alliance")
    doc.set_layer("entities", [Span(*alliance, "ORG", attrs={"entity": "e1"}), Span(*at("Karl Brandt"), "PERSON", attrs={"entity": "e2"})])
    first, second = at("The so-called defensive alliance is nothing but a tool of hegemony."), at("Only a fool would believe these warmongers, who have lied since the old days.")
    doc.entities = [
        {"id": "e1", "name": "The alliance", "type": "ORG", "aliases": ["defensive alliance"], "mentions": 1,
         "stance": {"label": "negative", "score": 0.93, "evidence": [list(first), list(second)]}},
        {"id": "e2", "name": "Karl Brandt", "type": "PERSON", "aliases": ["Karl Brandt"], "mentions": 1,
         "stance": {"label": "neutral", "score": 0.55, "evidence": []}},
    ]
    doc.set_layer("quotes", [Span(*at('"we seek only peace"'), attrs={"speaker": "e2", "cue": "said", "source": None})])
    doc.set_layer("dates", [Span(*at("4 March 2024"), attrs={"value": "2024-03-04"}), Span(*at("the old days"), attrs={"value": None})])
    Analysis.objects.create(article=entry.article, pipeline=pipeline_name(), data=doc.to_dict())
    Job.objects.filter(article=entry.article).update(status="done")
    return entry


def _log_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("h1:has-text('Your collections')")


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wide = page.evaluate("""Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > innerWidth + 1))
        .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right) + ' parent ' + e.parentElement.className + ' ' + Math.round(e.parentElement.getBoundingClientRect().right))""")
    assert width[0] <= width[1], f"{page.url} scrolls sideways: {width[0]} px of content in {width[1]} px; too wide: {wide}"


def test_it_reads_an_article_in_two_tints_at_desktop_and_phone_width(
    live_server, transactional_db, browser_page, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from slant.view import reliability

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread; the set-up is plain ORM code
    monkeypatch.setattr(reliability, "reader_threshold", lambda: 0.5)
    monkeypatch.setattr(reliability, "technique_reliability", lambda: {"Loaded_Language": 0.41, "Doubt": "unreliable"})
    SHOTS.mkdir(parents=True, exist_ok=True)
    owner = get_user_model().objects.create_user("reader", "reader@example.org", PASSWORD)
    entry = _seed_oped(owner)
    page, base = browser_page, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, base, "reader")
    page.goto(f"{base}/collections/{entry.collection_id}/articles/{entry.article_id}/")
    page.wait_for_selector("mark.hl")

    def tinted(selector: str) -> list[bool]:
        return page.eval_on_selector_all(
            selector, "els => els.map(e => getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)')")

    # The reader's spans (score >= 0.5) in a solid tint, the two candidates hidden until asked for.
    assert page.locator("mark.hl[data-head]:not(.cand)").count() == 3
    assert page.locator("mark.hl[data-head].cand").count() == 2
    assert all(tinted("mark.hl[data-head]:not(.cand)")) and not any(tinted("mark.hl.cand"))
    assert "unreliable" in page.inner_text(".legend")
    page.screenshot(path=str(SHOTS / "5-reader-default.png"), full_page=True)
    page.check("#candidates")
    assert all(tinted("mark.hl.cand"))
    solid = page.eval_on_selector("mark.hl[data-head]:not(.cand)", "e => getComputedStyle(e).backgroundColor")
    light = page.eval_on_selector("mark.hl.cand", "e => getComputedStyle(e).backgroundColor")
    assert solid != light
    page.hover("mark.hl.cand >> nth=0")
    assert "score 0.35" in page.inner_text("#tip") or "score 0.22" in page.inner_text("#tip")
    page.screenshot(path=str(SHOTS / "6-all-candidates.png"), full_page=True)
    # The threshold control moves spans between the tiers.
    page.uncheck("#candidates")
    page.fill("#threshold", "0.7")
    page.dispatch_event("#threshold", "input")
    assert page.locator("mark.hl[data-head]:not(.cand)").count() == 1
    assert "score ≥ 0.70" in page.inner_text(".legend .tiers")
    # A span the slider moved below the cut says so on hover; its technique's dev F1 is there too.
    page.check("#candidates")
    page.hover("mark.hl.t-appeal-to-fear-prejudice")
    assert "a candidate below the threshold" in page.inner_text("#tip")
    page.hover("mark.hl.t-loaded-language >> nth=0")
    assert "technique dev F1 0.41" in page.inner_text("#tip")
    page.uncheck("#candidates")
    page.fill("#threshold", "0.5")
    page.dispatch_event("#threshold", "input")

    # An evidence sentence of the stance scrolls to its place in the text and flashes it.
    page.locator("a.ev").first.click()
    page.wait_for_selector(".text .flash")
    # Exactly the sentence's characters, nothing after it.
    assert page.eval_on_selector_all(".text .flash", "els => els.map(e => e.textContent).join('')") == \
        "The so-called defensive alliance is nothing but a tool of hegemony."
    timeline = page.inner_text("#timeline-h >> xpath=..")
    assert "None" not in timeline and "date not resolved" in timeline

    # Scrolled to the panels, the legend has scrolled away with the text: it covers no entity or quote.
    page.locator("#entities-h").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -40)")
    legend = page.locator(".legend").bounding_box()
    for panel in ("#entities-h", "#quotes-h"):
        box = page.locator(panel).locator("xpath=..").bounding_box()
        overlap = legend["y"] < box["y"] + box["height"] and box["y"] < legend["y"] + legend["height"] and \
            legend["x"] < box["x"] + box["width"] and box["x"] < legend["x"] + legend["width"]
        assert not overlap, f"the legend covers {panel}"
    page.screenshot(path=str(SHOTS / "7-panels.png"))
    _no_sideways_scroll(page)

    # A phone: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_selector("mark.hl")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "8-phone.png"), full_page=True)
    for url in ("/", f"/collections/{entry.collection_id}/", "/collections/", "/search/"):
        page.goto(base + url)
        _no_sideways_scroll(page)
    page.context.clear_cookies()
    page.goto(base + "/")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "9-landing-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(base + "/")
    page.screenshot(path=str(SHOTS / "10-landing.png"), full_page=True)


# -- the story view, an outlet profile, the attention chart ------------------


def test_it_shows_a_story_an_outlet_and_an_attention_chart(live_server, transactional_db, browser_page, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from slant.store.aggregates.models import ArticleFacts
    from slant.store.aggregates.stories import forget_indexes, story_of
    from slant.store.ingest import save
    from slant.web.library.models import Entry
    from slant.web.library.views import create_collection

    from .test_story_pages import COURIER, HERALD, _doc

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SHOTS.mkdir(parents=True, exist_ok=True)
    forget_indexes()
    owner = get_user_model().objects.create_user("analyst2", "a2@example.org", PASSWORD)
    collection = create_collection(owner, "Harbour")
    docs = [_doc(HERALD, "Herald"), _doc(COURIER, "Courier")]
    later = _doc(HERALD.replace("won the council vote", "opened the works"), "Herald")  # a later day: lines to draw
    later.article = dataclasses.replace(later.article, published=later.article.published + dt.timedelta(days=3))
    for d in [*docs, later]:
        save(d, "test-browser")
        Entry.objects.create(collection=collection, article_id=d.article.id)
    sid = story_of(docs[0].article.id)
    herald = ArticleFacts.objects.get(article_id=docs[0].article.id).outlet_id
    courier = ArticleFacts.objects.get(article_id=docs[1].article.id).outlet_id
    page, base = browser_page, live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, base, "analyst2")

    page.goto(f"{base}/stories/")
    page.click(f"a[href^='/stories/{sid}/']")
    page.wait_for_selector("#actors-h")
    assert page.locator("td.left-out").count() >= 1
    page.screenshot(path=str(SHOTS / "11-story.png"), full_page=True)
    # A count opens its spans; a span opens the article at its place, flashed.
    page.locator("details.spans-of summary").first.click()
    page.locator("details.spans-of[open] a").first.click()
    page.wait_for_selector(".text .flash")
    assert "#range-" in page.url
    page.goto(f"{base}/stories/{sid}/")
    _no_sideways_scroll(page)
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "12-story-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/outlets/{herald}/?interval=day")
    page.wait_for_selector("[data-chart='o-over'][data-rendered='1'] svg")
    page.wait_for_selector("[data-chart='o-rates'][data-rendered='1'] svg")
    page.screenshot(path=str(SHOTS / "13-outlet.png"), full_page=True)
    page.select_option("#compare-b", str(courier))
    page.click("text=Side by side")
    page.wait_for_selector("[data-chart='b-rates'][data-rendered='1'] svg")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "14-outlets-compare.png"), full_page=True)

    page.goto(f"{base}/attention/")
    page.fill("#entity", "Unite")
    page.click("text=Chart it")
    page.wait_for_selector("[data-chart='attention-spec'][data-rendered='1'] svg")
    assert page.locator("[data-chart='attention-spec'] svg path").count() >= 1
    with page.expect_download() as info:
        page.click("text=Save SVG")
    assert info.value.suggested_filename == "attention.svg"
    with page.expect_download() as info:
        page.click("text=Export CSV")
    assert Path(info.value.path()).read_text(encoding="utf-8").startswith("period,outlet_id,outlet,articles")
    _no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "15-attention.png"), full_page=True)
    # Everything drew under the app's Content-Security-Policy, with no script errors.
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
