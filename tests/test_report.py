"""The terminal and HTML reports, and the segmentation they share."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html.parser
import random
import re

import pytest
from rich.console import Console

from slant import Article, Doc, Span
from slant.report import lanes, render_page, render_terminal, segments
from slant.techniques import TECHNIQUES, display_name
from slant.view import palette, reliability


@pytest.fixture(autouse=True)
def _model_figures(monkeypatch):  # type: ignore[no-untyped-def]
    """No reader threshold and no reliability figures unless a test sets them: the shipped model's may change."""
    figures = {"threshold": None, "reliability": {}}
    monkeypatch.setattr(reliability, "reader_threshold", lambda: figures["threshold"])
    monkeypatch.setattr(reliability, "technique_reliability", lambda: figures["reliability"])
    return figures

TEXT = (
    "Seoul's leaders betray the nation\n"
    "\n"
    'President Yoon Seok-yuek said on Monday that the deal was "a historic victory for freedom", '
    "but critics called it a shameful surrender. Yoon Seok-yoon, as one agency spelled him, had promised "
    "in June 2022 to stand firm. <script>alert('pwned')</script> Last month, the opposition leader "
    'Lee Jae-myung wrote in the Hankyoreh that the government was "inviting wolves into the house". '
    "Only a fool would believe these traitors, he added.\n"
    "\n"
    'The United States welcomed the agreement. A U.S. official told Reuters that Washington "fully supports" '
    "Seoul. Not long ago, in 2019, talks had collapsed.\n"
)
TITLE = "Seoul's leaders betray the nation"


def at(sub: str) -> tuple[int, int]:
    start = TEXT.index(sub)
    return start, start + len(sub)


def sentence_of(span: tuple[int, int]) -> dict[str, int]:
    # Sentences of this fixture end at ". " or a newline; good enough for it.
    start = max(TEXT.rfind(". ", 0, span[0]) + 2, TEXT.rfind("\n", 0, span[0]) + 1)
    ends = [i for i in (TEXT.find(". ", span[1]), TEXT.find("\n", span[1])) if i != -1]
    return {"sentence_start": start, "sentence_end": min(ends) + 1}


def make_doc(source: str | None = "fixture.txt") -> Doc:
    article = Article(
        text=TEXT, title=TITLE, outlet="Example Times", author="A. Writer",
        published=dt.date(2022, 7, 15), language="en", source=source,
    )
    doc = Doc(article)
    doc.set_layer("sentences", [Span(*at(TITLE))])
    victory = at("a historic victory for freedom")
    script = at("<script>alert('pwned')</script>")
    doc.set_layer(
        "persuasion",
        [
            Span(*at("leaders betray the nation"), "Name_Calling,Labeling", 0.71),
            Span(*at("betray"), "Loaded_Language", 0.93),
            # The same offsets with two labels, and a span crossing the title line.
            Span(*victory, "Slogans", 0.55),
            Span(*victory, "Exaggeration,Minimisation", 0.42),
            Span(*at("the nation\n\nPresident Yoon"), "Flag-Waving", 0.61),
            Span(*at("shameful surrender"), "Loaded_Language", 0.88),
            Span(*script, "Doubt", 0.30),
            Span(*at("inviting wolves into the house"), "Appeal_to_fear-prejudice", 0.81),
            # Two spans that cross without nesting.
            Span(*at("Only a fool would believe"), "Name_Calling,Labeling", 0.66),
            Span(*at("believe these traitors"), "Loaded_Language", 0.97),
        ],
    )
    yoon1, yoon2, lee = at("Yoon Seok-yuek"), at("Yoon Seok-yoon"), at("Lee Jae-myung")
    us = at("The United States")
    doc.set_layer(
        "entities",
        [
            Span(*yoon1, "PERSON", attrs={"entity": "e1"}),
            Span(*yoon2, "PERSON", attrs={"entity": "e1"}),
            Span(*lee, "PERSON", attrs={"entity": "e2"}),
            Span(*us, "GPE", attrs={"entity": "e3"}),
            Span(*at("Hankyoreh"), "ORG", attrs={"entity": "e4"}),
            Span(*at("Reuters"), "ORG", attrs={"entity": "e5"}),
        ],
    )
    doc.entities = [
        {"id": "e1", "name": "Yoon Suk-yeol", "type": "PERSON", "aliases": ["Yoon Seok-yuek", "Yoon Seok-yoon"],
         "mentions": 2, "spelling_variants": ["Yoon Seok-yuek", "Yoon Seok-yoon"],
         "stance": {"label": "negative", "score": 0.77}},
        {"id": "e2", "name": "Lee Jae-myung", "type": "PERSON", "aliases": ["Lee Jae-myung"], "mentions": 1,
         "stance": {"label": "neutral", "score": 0.6}},
        {"id": "e3", "name": "United States", "type": "GPE", "aliases": ["The United States", "U.S."], "mentions": 1,
         "stance": {"label": "positive", "score": 0.64}},
        {"id": "e4", "name": "Hankyoreh", "type": "ORG", "aliases": ["Hankyoreh"], "mentions": 1},
        {"id": "e5", "name": "Reuters", "type": "ORG", "aliases": ["Reuters"], "mentions": 1},
    ]
    doc.set_layer(
        "stance",
        [
            Span(*yoon1, "negative", 0.81, {"entity": "e1", **sentence_of(yoon1)}),
            Span(*yoon2, "negative", 0.70, {"entity": "e1", **sentence_of(yoon2)}),
            Span(*us, "positive", 0.64, {"entity": "e3", **sentence_of(us)}),
        ],
    )
    said, official = at("said"), at("A U.S. official")
    doc.set_layer(
        "quotes",
        [
            Span(*victory, attrs={"speaker": "e1", "cue": "said", "source": None, "cue_start": said[0], "cue_end": said[1]}),
            Span(*at("inviting wolves into the house"), attrs={"speaker": "e2", "cue": "wrote", "source": "e4"}),
            Span(*at("fully supports"), attrs={"speaker": None, "cue": "told", "source": "e5",
                                               "speaker_start": official[0], "speaker_end": official[1]}),
        ],
    )
    dates = {"on Monday": "2022-07-11", "in June 2022": "2022-06", "Last month": "2022-06", "in 2019": "2019"}
    doc.set_layer(
        "dates",
        [Span(*at(expr), attrs={"value": value, **sentence_of(at(expr))}) for expr, value in dates.items()]
        + [Span(*at("Not long ago"), attrs={"value": None})],
    )
    doc.stages_run = ["language", "sentences", "entities", "persuasion", "entity_merge", "stance", "quotes", "dates"]
    return doc


def terminal_text(doc: Doc | dict, width: int = 100, **kwargs: object) -> str:
    console = Console(record=True, width=width)
    render_terminal(doc, console, **kwargs)
    return console.export_text()


# -- segments ---------------------------------------------------------------


def check_segments(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> None:
    end = len(text) if end is None else end
    segs = segments(text, spans, start=start, end=end)
    assert "".join(text[a:b] for a, b, _ in segs) == text[start:end]
    for a, b, covering in segs:
        assert a < b
        assert covering == [i for i, (s, e) in enumerate(spans) if s <= a and b <= e]
    for i, (s, e) in enumerate(spans):
        s, e = max(s, start), min(e, end)
        mine = [(a, b) for a, b, covering in segs if i in covering]
        if e <= s:
            assert mine == []
            continue
        # A span's segments are contiguous and tile exactly its own range.
        assert mine[0][0] == s and mine[-1][1] == e
        assert all(b == a2 for (_, b), (a2, _) in zip(mine, mine[1:]))


def test_it_segments_tile_the_text_and_cover_each_span_exactly() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice("ab \n") for _ in range(rng.randint(0, 40)))
        spans = []
        for _ in range(rng.randint(0, 8)):
            s = rng.randint(0, len(text))
            spans.append((s, rng.randint(s, len(text))))
        check_segments(text, spans)
        if text:
            a = rng.randint(0, len(text))
            check_segments(text, spans, a, rng.randint(a, len(text)))


def test_it_segments_the_fixture_spans() -> None:
    doc = make_doc()
    check_segments(doc.text, [(s.start, s.end) for s in doc.layer("persuasion")])
    assert segments("", []) == []
    assert segments("abc", []) == [(0, 3, [])]


def test_it_gives_overlapping_spans_different_lanes() -> None:
    rng = random.Random(3)
    for _ in range(200):
        spans = []
        for _ in range(rng.randint(0, 10)):
            s = rng.randint(0, 30)
            spans.append((s, rng.randint(s + 1, 31)))
        lane = lanes(spans)
        for i, (s1, e1) in enumerate(spans):
            for j, (s2, e2) in enumerate(spans):
                if i < j and s1 < e2 and s2 < e1:
                    assert lane[i] != lane[j]


# -- terminal ---------------------------------------------------------------


def test_it_prints_techniques_scores_and_markers() -> None:
    out = terminal_text(make_doc())
    for label, score in [("Loaded_Language", "0.93"), ("Slogans", "0.55"), ("Appeal_to_fear-prejudice", "0.81")]:
        assert display_name(label) in out
        assert score in out
    # Every span gets a numbered opening and closing marker in the text.
    for n in range(1, 11):
        assert f"[{n} " in out and f"]{n}" in out
    assert "Persuasive share" in out


def test_it_prints_entities_quotes_and_timeline() -> None:
    out = terminal_text(make_doc())
    for name in ("Yoon Suk-yeol", "Lee Jae-myung", "United States", "Reuters"):
        assert name in out
    assert "spelling variants" in out
    assert "negative 0.77" in out
    assert "A U.S. official" in out and "Hankyoreh" in out
    order = [out.index(v) for v in ("2019", "2022-06 ", "2022-07-11", "unresolved")]
    assert order == sorted(order)
    assert "President Yoon Seok-yuek said on Monday" in out  # the stance evidence / date sentence


def test_it_hides_spans_below_the_threshold() -> None:
    out = terminal_text(make_doc(), threshold=0.5)
    assert display_name("Doubt") not in out
    assert "0.97" in out


def test_it_renders_the_json_dict_the_same_way() -> None:
    doc = make_doc(source=None)  # the JSON carries no source path
    assert terminal_text(doc.to_dict()) == terminal_text(doc)


def test_it_degrades_when_layers_are_missing() -> None:
    doc = Doc(Article(text="Bare title\n\nA body with no layers at all.", title="Bare title"))
    doc.stages_skipped["persuasion"] = "the article is in 'ko'; this stage reads en only"
    out = terminal_text(doc)
    assert "A body with no layers at all." in out
    assert "Skipped" in out and "reads en only" in out
    raw = Doc(Article(text="Kim met Kim.\n\nKim Jong-un met Kim Jong-un.", title="Kim met Kim."))
    raw.set_layer("entities", [Span(13, 25, "PERSON"), Span(30, 42, "PERSON")])
    out = terminal_text(raw)
    assert "Named mentions" in out and "Kim Jong-un" in out
    merged = make_doc()
    del merged.layers["stance"]
    for entity in merged.entities:
        entity.pop("stance", None)
    out = terminal_text(merged)
    assert "Yoon Suk-yeol" in out and "Stance" not in out


def test_it_prints_markup_in_the_article_literally() -> None:
    text = "Tags [bold]here[/bold]\n\nHe said \"[/] [red]no[/red]\" on [b]Monday[/b] to [i]Kim[/i]."
    doc = Doc(Article(text=text, title="Tags [bold]here[/bold]"))
    quote, when, who = (text.index(s) for s in ("[/] [red]", "[b]Monday", "[i]Kim"))
    doc.set_layer("entities", [Span(who, who + 11, "PER[SON]")])
    doc.set_layer("quotes", [Span(quote, quote + 17, attrs={"cue": "[said]", "source": "[x]"})])
    doc.set_layer("dates", [Span(when, when + 13, attrs={"value": "2020"})])
    doc.set_layer("persuasion", [Span(quote, quote + 3, "Doubt", 0.5)])
    out = terminal_text(doc)
    for literal in ("[bold]here[/bold]", "[/] [red]no[/red]", "[i]Kim[/i]", "PER[SON]", "[said]", "[b]Monday[/b]"):
        assert literal in out


def test_it_prints_no_colour_on_a_non_terminal(tmp_path) -> None:
    with open(tmp_path / "out.txt", "w") as fh:
        render_terminal(make_doc(), Console(file=fh, width=100))
    text = (tmp_path / "out.txt").read_text()
    assert "\x1b[" not in text and "Loaded Language" in text


# -- HTML -------------------------------------------------------------------


class MarkCollector(html.parser.HTMLParser):
    """Text inside each highlight (by span index), and attributes of the marks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, str | None]] = []
        self.text: dict[str, str] = {}
        self.heads: dict[str, dict[str, str | None]] = {}
        self.timeline: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "li" and "data-value" in a:
            self.timeline.append(a["data-value"] or "")
        if tag == "mark":
            self.stack.append(a)
            if a.get("data-head"):
                self.heads[a["data-s"] or ""] = a

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        for a in self.stack:
            key = a["data-s"] or ""
            self.text[key] = self.text.get(key, "") + data


def parse(page: str) -> MarkCollector:
    collector = MarkCollector()
    collector.feed(page)
    collector.close()
    return collector


def test_it_puts_each_span_text_in_its_highlight() -> None:
    doc = make_doc()
    page = render_page([doc])
    found = parse(page)
    spans = sorted(doc.layer("persuasion"), key=lambda s: (s.start, -s.end, s.label or ""))
    assert len(found.text) == len(spans)
    for i, span in enumerate(spans):
        assert found.text[str(i)] == doc.span_text(span)
        head = found.heads[str(i)]
        assert head["tabindex"] == "0"
        assert display_name(span.label) in (head["aria-label"] or "")


def test_it_shows_technique_definition_and_score_in_the_tooltip() -> None:
    page = render_page([make_doc()])
    titles = [h["title"] or "" for h in parse(page).heads.values()]
    assert any(TECHNIQUES["Loaded_Language"] in t and "0.93" in t for t in titles)
    # The script's tooltip draws on the same titles, one per span.
    assert any(TECHNIQUES["Slogans"] in t and "0.55" in t for t in titles)


def test_it_escapes_the_article_text() -> None:
    page = render_page([make_doc()])
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in page
    assert parse(page).scripts == 1  # the page's own code, nothing else
    poisoned = make_doc()
    poisoned.article = dataclasses.replace(poisoned.article, title="<img src=x onerror=alert(1)>")
    page = render_page([poisoned, make_doc()])
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_it_starts_the_slider_at_the_threshold() -> None:
    page = render_page([make_doc()], threshold=0.5)
    assert 'value="0.50"' in page
    heads = parse(page).heads.values()
    hidden = {h["data-score"] for h in heads if "cand" in (h["class"] or "").split()}
    assert hidden == {"0.3000", "0.4200"}
    # Candidates cannot be tabbed to until they are shown.
    assert {h["tabindex"] for h in heads if "cand" in (h["class"] or "").split()} == {"-1"}


def test_it_orders_the_timeline_by_date() -> None:
    found = parse(render_page([make_doc()]))
    assert found.timeline == ["2019", "2022-06", "2022-06", "2022-07-11", ""]


def test_it_shows_entities_with_stance_and_spelling_flag() -> None:
    page = render_page([make_doc()])
    assert "Yoon Suk-yeol" in page and "Spelled several ways" in page
    assert re.search(r'class="stance negative" title="The author&#x27;s stance over the whole article; 0.77[^"]*">negative 0.77<', page)
    assert "Lee Jae-myung</strong> (wrote), in Hankyoreh" in page


def test_it_is_standalone_and_accessible() -> None:
    page = render_page([make_doc(), make_doc().to_dict()])
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<link" not in page and "@import" not in page
    for landmark in ("<main", "<nav", "<header", "<aside", 'lang="en"'):
        assert landmark in page
    # Every checkbox and the slider have a label.
    for control in re.findall(r'<input [^>]*id="([^"]+)"', page):
        assert f'for="{control}"' in page
    assert page.count('<article class="doc"') == 2


def test_it_renders_a_doc_without_layers_and_an_empty_page() -> None:
    bare = Doc(Article(text="Only a title", title="Only a title"))
    page = render_page([bare])
    assert "Only a title" in page and "not analysed" in page
    assert "No articles." in render_page([])


@pytest.mark.slow
def test_it_renders_a_real_analysis() -> None:
    import slant

    text = (
        "Biden meets Yoon in Washington\n\n"
        "President Joe Biden met South Korean President Yoon Suk-yeol in Washington on Monday. "
        '"We stand together," Biden said. The two leaders discussed North Korea and trade with China.'
    )
    doc = slant.analyze(text, stages=["language", "sentences", "entities"])
    out = terminal_text(doc)
    assert "Joe Biden" in out and "Named mentions" in out
    page = render_page([doc])
    assert "Joe Biden" in page and "Named mentions" in page


# -- the reading model's two tiers, reliability, stance evidence, other layers --


def test_it_shows_the_reader_spans_solid_and_the_candidates_on_request(_model_figures) -> None:
    _model_figures["threshold"] = 0.6
    page = render_page([make_doc()])
    heads = parse(page).heads.values()
    cands = {h["data-score"] for h in heads if "cand" in (h["class"] or "").split()}
    assert cands == {"0.3000", "0.4200", "0.5500"}  # below the model's reader threshold
    assert 'value="0.60"' in page and "reader default 0.60" in page
    assert 'class="show-cands"' in page and "(3 below the threshold)" in page
    assert 'class="doc show-cands"' in render_page([make_doc()], show_candidates=True)
    # The reader's own threshold replaces the model's.
    heads = parse(render_page([make_doc()], threshold=0.9)).heads.values()
    assert {h["data-score"] for h in heads if "cand" not in (h["class"] or "").split()} == {"0.9300", "0.9700"}
    # The terminal: candidates left out, then drawn with ?-numbered markers when asked for.
    out = terminal_text(make_doc())
    assert "[?" not in out and display_name("Doubt") not in out and "3 more candidates scored below 0.60" in out
    out = terminal_text(make_doc(), show_candidates=True)
    assert "[?7 " in out and "]7" in out and display_name("Doubt") in out  # Doubt is the 7th span in text order
    # Without candidates the spans shown are numbered 1, 2, 3 ... with no gaps.
    plain = terminal_text(make_doc())
    assert all(f"[{n} " in plain for n in range(1, 8)) and "[8 " not in plain


def test_it_marks_unreliable_techniques(_model_figures) -> None:
    _model_figures["reliability"] = {"Doubt": "unreliable", "Loaded_Language": 0.41}
    page = render_page([make_doc()])
    assert "unreliable-note" in page and "dev F1 0.41" in page
    assert re.search(r'<mark class="hl t-doubt d\d unrel"', page)
    assert "an unreliable technique" in next(h["title"] for h in parse(page).heads.values() if h["data-label"] == "Doubt")
    assert "technique dev F1 0.41" in next(h["title"] for h in parse(page).heads.values() if h["data-label"] == "Loaded_Language")
    out = terminal_text(make_doc())
    assert "Doubt ⚠" in out and "⚠ unreliable: Doubt" in out and "dev F1 0.41" in out


def test_it_shows_the_stance_evidence_sentences_and_links_them_to_the_text() -> None:
    doc = make_doc()
    sentence = at("Only a fool would believe these traitors, he added.")
    doc.entities[0]["stance"] = {"label": "negative", "score": 0.91, "evidence": [list(sentence), [5, 2], [0, 10**6]]}
    page = render_page([doc])
    entities = page.split('id="a1-entities-h"')[1].split("</section>")[0]
    assert "negative 0.91" in entities
    link = re.search(r'<a class="goto ev" href="#a1-at(\d+)" data-start="(\d+)" data-end="(\d+)">(.*?)</a>', entities)
    assert link and (int(link.group(2)), int(link.group(3))) == sentence and link.group(1) == link.group(2)
    assert "Only a fool would believe these traitors" in link.group(4)
    assert f'id="a1-at{sentence[0]}"' in page.split('id="a1-text"')[1]  # the anchor is in the text
    yoon = entities.split('data-entity="e1"')[1].split('<li class="entity"')[0]
    assert yoon.count('class="goto ev"') == 1  # the invalid pairs are dropped, and the model's evidence replaces the mentions'
    out = terminal_text(doc, width=240)
    assert "Only a fool would believe these traitors" in out and "negative 0.91" in out


def test_it_cuts_the_text_where_each_linked_stretch_ends_so_a_link_flashes_exactly_it() -> None:
    from slant.view import build

    doc = make_doc()
    sentence = at("Only a fool would believe these traitors, he added.")
    doc.entities[0]["stance"] = {"label": "negative", "score": 0.91, "evidence": [list(sentence)]}
    model = build(doc)
    starts = {p.start for p in model.pieces}
    # reading.js flashes the pieces that start inside [start, end): they must cover exactly that stretch.
    linked = [(ev.start, ev.end) for ent in model.entities for ev in ent.evidence] + \
        [(q.start, q.end) for q in model.quotes] + [(d.start, d.end) for d in model.dates]
    assert sentence in linked
    for start, end in linked:
        inside = [p for p in model.pieces if start <= p.start < end]
        assert start in starts and "".join(TEXT[p.start:p.end] for p in inside) == TEXT[start:end]


def test_it_sets_quoted_speech_apart_in_the_evidence_as_not_counted() -> None:
    from slant.view import build

    doc = make_doc()
    # Lee's sentence quotes him: his words are his, not the author's.
    sentence = at('Last month, the opposition leader Lee Jae-myung wrote in the Hankyoreh that the government was '
                  '"inviting wolves into the house".')
    doc.entities[1]["stance"] = {"label": "negative", "score": 0.62, "evidence": [list(sentence)]}
    model = build(doc)
    [ev] = next(e for e in model.entities if e.id == "e2").evidence
    quote = at("inviting wolves into the house")
    assert [p.text for p in ev.parts if p.quoted] == [TEXT[quote[0]:quote[1]]]
    assert [p.text for p in ev.parts if p.mention] == ["Lee Jae-myung"]
    assert "".join(p.text for p in ev.parts) == " ".join(TEXT[sentence[0]:sentence[1]].split())
    assert ev.has_quote
    page = render_page([doc])
    lee = page.split('data-entity="e2"')[1].split('<li class="entity"')[0]
    assert re.search(r'<span class="quoted" title="Quoted: [^"]*not the author&#x27;s[^"]*">inviting wolves into the house</span>', lee)
    assert "the stance does not count them" in page.split('id="a1-entities-h"')[1].split("</ul>")[0]
    out = terminal_text(doc, width=240)
    assert "Dim italics in the evidence: quoted words" in out
    # An actor named only inside quotes says so; one the author names does not.
    doc.set_layer("entities", [*doc.layer("entities"), Span(*at("wolves"), "NORP", attrs={"entity": "e6"})])
    doc.entities.append({"id": "e6", "name": "Wolves", "type": "NORP", "mentions": 1, "stance": {"label": "negative", "score": 0.5}})
    flags = {ent.id: ent.only_quoted for ent in build(doc).entities}
    assert flags["e6"] and not flags["e2"] and not flags["e1"]
    page = render_page([doc])
    assert page.count("Named only inside quotes") == 1
    assert "Named only inside quotes" in page.split('data-entity="e6"')[1].split("</li>")[0]
    assert terminal_text(doc, width=240).count("named only inside quotes") == 1
    # Without a quote in any evidence the note is left out.
    plain = make_doc()
    plain.set_layer("quotes", [])
    assert "the stance does not count them" not in render_page([plain])


def test_it_gives_an_unknown_layer_a_generic_panel() -> None:
    doc = make_doc()
    frame = at("shameful surrender")
    doc.set_layer("frames", [Span(*frame, "Capitulation", 0.66, {"frame_of": "e1"})])
    page = render_page([doc])
    panel = re.search(r'<section class="card generic" data-layer="frames".*?</section>', page, re.S).group(0)
    assert "Frames" in panel and "Capitulation" in panel and "shameful surrender" in panel and "frame_of: e1" in panel
    out = terminal_text(doc)
    assert "Frames (1)" in out and "Capitulation" in out and f"[{frame[0]}, {frame[1]})" in out


def test_it_never_prints_none_for_a_vague_date() -> None:
    doc = make_doc()
    page = render_page([doc])
    timeline = page.split('id="a1-timeline-h"')[1].split("</section>")[0]
    assert "None" not in timeline and "date not resolved" in timeline


def test_it_draws_each_technique_in_the_one_palette() -> None:
    from pathlib import Path

    static = Path(palette.__file__).resolve().parents[1] / "web" / "static" / "slant" / "palette.css"
    assert static.read_text(encoding="utf-8") == palette.palette_css(), "run: python -m slant.view.palette > " + str(static)
    page = render_page([make_doc()])
    assert palette.palette_css() in page  # inlined from the same file the web app serves
    assert re.search(r'<mark class="hl t-loaded-language d\d"', page)
    assert palette.colour("Loaded_Language") == "#d53f8c"


def test_it_fills_the_days_without_articles_with_zeros_in_the_attention_chart() -> None:
    from slant.view import charts

    series = [{"outlet_id": 1, "outlet": "A", "points": [{"period": "2024-05-01", "articles": 2}, {"period": "2024-05-04", "articles": 1}]},
              {"outlet_id": 2, "outlet": "B", "points": [{"period": "2024-05-02", "articles": 3}]}]
    spec = charts.attention_spec(series, "day", lambda s, since, until: f"/search/?outlet={s['outlet']}&since={since}&until={until}")
    got = {(v["outlet"], v["period"]): v["articles"] for v in spec["data"]["values"]}
    assert got == {("A", "2024-05-01"): 2, ("A", "2024-05-02"): 0, ("A", "2024-05-03"): 0, ("A", "2024-05-04"): 1,
                   ("B", "2024-05-01"): 0, ("B", "2024-05-02"): 3, ("B", "2024-05-03"): 0, ("B", "2024-05-04"): 0}
    assert {v["link"] for v in spec["data"]["values"] if v["outlet"] == "B" and v["period"] == "2024-05-02"} == {
        "/search/?outlet=B&since=2024-05-02&until=2024-05-02"}
    weekly = charts.all_periods(["2024-04-29", "2024-05-13"], "week")
    assert weekly == ["2024-04-29", "2024-05-06", "2024-05-13"]
    assert charts.period_end("2024-04-29", "week") == "2024-05-05" and charts.period_end("2024-02-01", "month") == "2024-02-29"
