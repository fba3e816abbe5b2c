"""The reading view: highlights with overlaps, descriptions, panels, corrections and exports."""

from __future__ import annotations

import json
import re

from .conftest import ARTICLE_TEXT, MARKED, client_for


def _url(entry, suffix: str = "/") -> str:  # type: ignore[no-untyped-def]
    return f"/collections/{entry.collection_id}/articles/{entry.article_id}{suffix}"


def test_it_highlights_every_span_with_overlaps_kept(team, marked_entry) -> None:
    page = client_for(team["users"]["viewer"]).get(_url(marked_entry)).content.decode()
    marks = re.findall(r'<mark class="hl( overlap)?" tabindex="0" data-start="(\d+)" data-spans="([\d ]+)"[^>]*>([^<]*)</mark>', page)
    assert marks, "no highlights"
    # The highlighted pieces, joined per span, give back exactly each span's text.
    data = json.loads(re.search(r'<script id="spans-data" type="application/json">(.*?)</script>', page, re.S).group(1))
    for index, span in enumerate(data):
        text = "".join(t for _, _, spans, t in marks if str(index) in spans.split())
        phrase = next(p for p, label, _ in MARKED if label == span["label"])
        assert text == phrase
    assert any(overlap for overlap, *_ in marks), "the overlapping spans are not shown as overlapping"
    # Names and definitions are on the page for the hover/focus description.
    assert data[0]["definition"] and {d["label"] for d in data} == {label for _, label, _ in MARKED}
    assert 'role="tooltip"' in page and 'id="threshold"' in page and 'class="tech-filter"' in page


def test_it_keeps_the_text_verbatim_in_the_view(team, marked_entry) -> None:
    import html

    page = client_for(team["users"]["viewer"]).get(_url(marked_entry)).content.decode()
    body = re.search(r'<article class="text"[^>]*>(.*?)</article>', page, re.S).group(1)
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == ARTICLE_TEXT


def test_it_shows_the_entity_panel(team, marked_entry) -> None:
    page = client_for(team["users"]["viewer"]).get(_url(marked_entry)).content.decode()
    assert "Portsmouth" in re.search(r'<h2 id="entities-h">.*?</section>', page, re.S).group(0)


def test_it_stores_corrections_beside_the_model_output(team, marked_entry) -> None:
    from slant.store.models import Analysis

    before = Analysis.objects.get().data
    client = client_for(team["users"]["editor"])
    spans = client.get(_url(marked_entry, ".json")).json()["persuasion_corrected"]
    keys = {s["label"]: s["key"] for s in spans}
    url = _url(marked_entry, "/corrections/")
    assert client.post(url, {"action": "reject", "span": keys["Exaggeration,Minimisation"]}).status_code == 302
    assert client.post(url, {"action": "relabel", "span": keys["Flag-Waving"], "label": "Slogans"}).status_code == 302
    assert client.post(url, {"action": "accept", "span": keys["Loaded_Language"]}).status_code == 302
    start = ARTICLE_TEXT.index("Mayor")
    assert client.post(url, {"action": "add", "start": start, "end": start + 5, "label": "Name_Calling,Labeling"}).status_code == 302
    data = client.get(_url(marked_entry, ".json")).json()
    states = {(s["label"], s["state"]) for s in data["persuasion_corrected"]}
    assert states == {("Exaggeration,Minimisation", "rejected"), ("Slogans", "relabelled"), ("Loaded_Language", "accepted"),
                      ("Name_Calling,Labeling", "added")}
    assert all(c["author"] == "editor" and c["at"] for c in data["corrections"])
    assert Analysis.objects.get().data == before  # the model output is untouched
    page = client.get(_url(marked_entry)).content.decode()
    assert "state-rejected" in page and "(model: Flag-Waving)" in page


def test_it_refuses_bad_corrections_with_a_message(team, marked_entry) -> None:
    client = client_for(team["users"]["editor"])
    url = _url(marked_entry, "/corrections/")
    first = client.get(_url(marked_entry, ".json")).json()["persuasion_corrected"][0]["key"]
    for data, message in [
        ({"action": "add", "start": 5, "end": 2, "label": "Slogans"}, "inside the text"),
        ({"action": "add", "start": 0, "end": 10 ** 6, "label": "Slogans"}, "inside the text"),
        ({"action": "reject", "span": "m99"}, "No such span"),
        ({"action": "relabel", "span": first}, "needs a technique"),
        ({"action": "add", "start": 0, "end": 3, "label": "Not_A_Technique"}, "not valid"),
    ]:
        response = client.post(url, data, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and message in response.json()["error"], data


def test_it_exports_corrected_labels(team, marked_entry) -> None:
    client = client_for(team["users"]["editor"])
    spans = client.get(_url(marked_entry, ".json")).json()["persuasion_corrected"]
    key = next(s["key"] for s in spans if s["label"] == "Exaggeration,Minimisation")
    client.post(_url(marked_entry, "/corrections/"), {"action": "reject", "span": key})
    viewer = client_for(team["users"]["viewer"])
    ptc = viewer.get(f"/collections/{team['collection'].pk}/export/ptc.txt").content.decode()
    rows = [line.split("\t") for line in ptc.splitlines()]
    expected = []
    for phrase, label, _ in MARKED[:2]:
        at = ARTICLE_TEXT.index(phrase)
        expected.append([marked_entry.article_id, label, str(at), str(at + len(phrase))])
    assert sorted(rows) == sorted(expected)
    tasks = json.loads(viewer.get(f"/collections/{team['collection'].pk}/export/label-studio.json").content)
    [task] = tasks
    results = task["annotations"][0]["result"]
    assert {r["value"]["labels"][0] for r in results} == {"Loaded_Language", "Flag-Waving"}
    for r in results:
        assert task["data"]["text"][r["value"]["start"]:r["value"]["end"]] == r["value"]["text"]


def test_it_shows_the_status_while_queued(team) -> None:
    from slant.sources import article_from_text
    from slant.web.library.adding import add_articles

    [entry] = add_articles(team["collection"], [article_from_text("Queued\n\nNot yet analysed.")], user=team["users"]["owner"], origin="paste")
    page = client_for(team["users"]["viewer"]).get(_url(entry)).content.decode()
    assert 'data-status="queued"' in page and "<mark" not in page
    assert client_for(team["users"]["viewer"]).get(_url(entry, ".json")).json()["status"] == "queued"


def test_it_shows_stance_quotes_and_timeline_when_the_layers_exist(team) -> None:
    """Later stages add entity stance, quotes and dates; the view shows whatever is there."""
    from slant.article import Article
    from slant.doc import Doc, Span
    from slant.store.models import Analysis
    from slant.web.jobs.models import Job
    from slant.web.jobs.runner import pipeline_name
    from slant.web.library.adding import add_articles

    text = 'Bridge vote\n\nOn 3 March 2026 the mayor said "we will build it" and critics disagreed.'
    [entry] = add_articles(team["collection"], [Article(text=text, title="Bridge vote")], user=team["users"]["owner"], origin="paste")
    doc = Doc(Article(text=text, title="Bridge vote"))
    mayor = text.index("the mayor") + 4
    doc.entities = [{"id": "e1", "name": "The Mayor", "type": "PERSON", "aliases": ["mayor"], "mentions": 1,
                     "stance": {"label": "negative", "score": 0.77}}]
    doc.set_layer("entities", [Span(mayor, mayor + 5, label="PERSON", attrs={"entity": "e1"})])
    q = text.index('"we')
    doc.set_layer("quotes", [Span(q, text.index("it\"") + 3, attrs={"speaker": "e1", "cue": "said", "source": None})])
    d = text.index("3 March 2026")
    doc.set_layer("dates", [Span(d, d + len("3 March 2026"), attrs={"value": "2026-03-03"})])
    Analysis.objects.create(article=entry.article, pipeline=pipeline_name(), data=doc.to_dict())
    Job.objects.filter(article=entry.article).update(status="done")
    page = client_for(team["users"]["viewer"]).get(_url(entry)).content.decode()
    entities = re.search(r'<h2 id="entities-h">.*?</section>', page, re.S).group(0)
    assert "The Mayor" in entities and "negative (0.77)" in entities
    quotes = re.search(r'<h2 id="quotes-h">.*?</section>', page, re.S).group(0)
    assert "&quot;we will build it&quot;" in quotes and "The Mayor" in quotes
    timeline = re.search(r'<h2 id="timeline-h">.*?</section>', page, re.S).group(0)
    assert '<time datetime="2026-03-03">' in timeline and "3 March 2026" in timeline


def test_it_never_links_a_script_url(team) -> None:
    from slant.article import Article
    from slant.web.library.adding import add_articles

    [entry] = add_articles(team["collection"], [Article(text="T\n\nBody.", title="T", url="javascript:alert(1)")],
                           user=team["users"]["owner"], origin="api")
    page = client_for(team["users"]["viewer"]).get(_url(entry)).content.decode()
    assert "javascript:" not in page
    api = client_for(team["users"]["owner"]).post(
        f"/api/collections/{team['collection'].pk}/articles", data=json.dumps({"text": "A\n\nB", "url": "javascript:alert(1)"}),
        content_type="application/json")
    assert api.status_code == 400
