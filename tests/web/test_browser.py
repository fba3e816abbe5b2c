"""End to end in a real browser: Playwright driving Debian's chromium, headless.

Register, log in, create a collection, upload an article, wait for the
analysis, see the highlights, correct one span and export. Screenshots go to
test-output/browser/. Skipped where chromium is not installed
(`apt-get install -y chromium`).
"""

from __future__ import annotations

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
    page.wait_for_selector("#status[data-status=queued]")
    page.screenshot(path=str(SHOTS / "1-queued.png"), full_page=True)

    assert run_pending_jobs() == 1  # the worker, inline; the page polls and reloads itself
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
        page.click("text=Export labels (PTC)")
    exported = Path(info.value.path()).read_text(encoding="utf-8")
    labels = [line.split("\t")[1] for line in exported.splitlines()]
    assert sorted(labels) == sorted(label for phrase, label, _ in MARKED if phrase != weakest[0])
