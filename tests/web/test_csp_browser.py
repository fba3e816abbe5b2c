"""The Content-Security-Policy in a real browser: the pages' own scripts run, and nothing is refused.

Chromium reports every blocked script, style or eval as a
``securitypolicyviolation`` event; the pages must raise none. Skipped where
chromium is not installed.
"""

from __future__ import annotations

import os

import pytest

from .conftest import client_for

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (apt-get install -y chromium)"),
]

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def test_the_pages_run_under_the_policy_without_violations(live_server, transactional_db, team, marked_entry) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    session = client_for(team["users"]["owner"]).cookies["sessionid"].value
    cid, aid = team["collection"].pk, marked_entry.article_id
    urls = ["/", "/collections/", f"/collections/{cid}/", f"/collections/{cid}/articles/{aid}/", "/search/?q=bridge",
            "/accounts/tokens/"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"])
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(20_000)
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        for url in urls:
            response = page.goto(live_server.url + url)
            assert response is not None and response.status == 200, url
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            violations = page.evaluate("window.__violations")
            assert violations == [] and refused == [], (url, violations, refused)
        # The reading view's scripts ran: the highlights answer to the threshold control.
        page.goto(f"{live_server.url}/collections/{cid}/articles/{aid}/")
        assert page.locator("mark.hl").count() >= 1
        context.close()
        browser.close()
