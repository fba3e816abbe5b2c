"""The reading view: highlights with overlaps, descriptions, panels, corrections and exports."""

from __future__ import annotations

import html
import html.parser
import json
import re

from slant.techniques import TECHNIQUES

from .conftest import ARTICLE_TEXT, MARKED, client_for


def _url(entry, suffix: str = "/") -> str:  # type: ignore[no-untyped-def]
    return f"/collections/{entry.collection_id}/articles/{entry.article_id}{suffix}"


class Marks(html.parser.HTMLParser):
    """The text inside each highlight, by span index, and the attributes of each span's first piece."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, str | None]] = []
        self.text: dict[str, str] = {}
        self.heads: dict[str, dict[str, str | None]] = {}
        self.nested = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "mark":
            a = dict(attrs)
            self.nested += bool(self.stack)
            self.stack.append(a)
            if a.get("data-head"):
                self.heads[a["data-s"] or ""] = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for a in self.stack:
            self.text[a["data-s"] or ""] = self.text.get(a["data-s"] or "", "") + data


def _marks(page: str) -> Marks:
    found = Marks()
    found.feed(re.search(r'<article class="text"[^>]*>(.*?)</article>', page, re.S).group(1))
    return found


def test_it_highlights_every_span_with_overlaps_kept(team, marked_entry) -> None:
    page = client_for(team["users"]["viewer"]).get(_url(marked_entry)).content.decode()
    found = _marks(page)
    assert len(found.heads) == len(MARKED), "not every span is highlighted"
    # The highlighted pieces, joined per span, give back exactly each span's text.
    for index, head in found.heads.items():
        phrase = next(p for p, label, _ in MARKED if label == head["data-label"])
        assert found.text[index] == phrase
        at = ARTICLE_TEXT.index(phrase)
        assert f'data-start="{at}"' in page
    assert found.nested, "the overlapping spans are not shown as overlapping"
    # Names, definitions and scores are on each span's first piece for the hover/focus description.
    titles = {h["data-label"]: h["title"] or "" for h in found.heads.values()}
    assert TECHNIQUES["Loaded_Language"] in titles["Loaded_Language"] and "0.91" in titles["Loaded_Language"]
    assert 'role="tooltip"' in page and 'id="threshold"' in page and 'class="tech-filter"' in page
    assert 'class="show-cands"' in page
    # The one palette: the same class (and colour, from palette.css) as the reports.
    assert "hl t-loaded-language" in page and "/static/slant/palette.css" in page


def test_it_shows_candidates_below_the_threshold_in_a_light_tier(team, marked_entry) -> None:
    client = client_for(team["users"]["viewer"])
    found = _marks(client.get(_url(marked_entry) + "?threshold=0.5").content.decode())
    tiers = {h["data-label"]: "cand" in (h["class"] or "").split() for h in found.heads.values()}
    assert tiers == {label: score < 0.5 for _, label, score in MARKED}
    page = client.get(_url(marked_entry) + "?threshold=0.5&candidates=1").content.decode()
    assert 'class="show-cands" checked' in page and "show-cands\" data-slant-article" in page
    assert "<small>candidate</small>" in page  # the corrections table says which spans are candidates
    # A threshold that is not a number in [0, 1] is ignored: the model's reader threshold applies.
    def tiers_of(query: str) -> dict:  # type: ignore[type-arg]
        return {h["data-label"]: h["class"] for h in _marks(client.get(_url(marked_entry) + query).content.decode()).heads.values()}

    assert tiers_of("?threshold=7") == tiers_of("?threshold=x") == tiers_of("")
    assert tiers_of("?threshold=0") != tiers_of("?threshold=0.95")


def test_it_marks_the_spans_of_an_unreliable_technique_in_the_corrections_table(team, marked_entry, monkeypatch) -> None:
    from slant.view import reliability

    monkeypatch.setattr(reliability, "technique_reliability", lambda: {"Loaded_Language": "unreliable"})
    page = client_for(team["users"]["viewer"]).get(_url(marked_entry)).content.decode()
    rows = re.findall(r"<tr class=\"state-[^>]*>(.*?)</tr>", re.search(r'<table class="spans">.*?</table>', page, re.S).group(0), re.S)
    marked = [("unreliable</small>" in row, "Loaded Language" in row) for row in rows]
    assert marked and all(flag == loaded for flag, loaded in marked) and any(flag for flag, _ in marked)


def test_it_keeps_the_text_verbatim_in_the_view(team, marked_entry) -> None:
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
    assert "The Mayor" in entities and "negative 0.77" in entities
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
