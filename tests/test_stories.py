"""Stories: grouping invented articles as they are stored, manual merge/split, outlets, attention, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from slant import store
from slant.article import Article
from slant.doc import Doc
from slant.store.ingest import save

STAGES = ["language", "sentences", "entities", "entity_merge", "dates"]

FIRE = (
    "Fire destroys warehouse at Portsmouth docks",
    "A fire destroyed a timber warehouse at the Portsmouth docks early on Monday, sending black smoke across "
    "the harbour. Firefighters from Hampshire Fire and Rescue fought the blaze for six hours. Mayor Jane Holloway "
    "visited the site and said the port would reopen on Tuesday. No one was hurt, but the timber stored inside "
    "was lost and nearby streets were closed while crews cooled the ruins.",
)
FIRE_OTHER = (
    "Blaze at docks: warehouse burns down in Portsmouth",
    "Hampshire Fire and Rescue crews spent six hours fighting a blaze that gutted a warehouse full of timber at "
    "Portsmouth's docks on Monday morning. Smoke drifted over the harbour and roads nearby were shut. Mayor Jane "
    "Holloway, who came to the docks, said nobody was injured and that the port should reopen on Tuesday.",
)
BUDGET = (
    "Portsmouth council passes budget with new school",
    "Portsmouth city council approved its budget on Monday evening, including money for a new primary school "
    "and repairs to three libraries. Mayor Jane Holloway said council tax would rise by two per cent. "
    "Opposition councillors voted against the plan, saying the school would open too late for families.",
)
FIRE_WEEK_LATER = (
    "A week after the docks fire, Portsmouth port counts the cost",
    "One week after fire destroyed a timber warehouse at the Portsmouth docks, the port says the blaze cost "
    "several million pounds. Investigators from Hampshire Fire and Rescue believe the fire started in an "
    "electrical cabinet inside the warehouse. Mayor Jane Holloway said the docks reopened as planned.",
)


def _doc(title: str, body: str, outlet: str, day: dt.date, url: str | None = None) -> Doc:
    from slant.pipeline import Pipeline

    art = Article(text=f"{title}\n\n{body}\n", title=title, outlet=outlet, published=day, url=url, language="en")
    return Pipeline(STAGES)(Doc(art))


@pytest.fixture
def using(sqlite_url: str) -> str:
    from slant.store.aggregates.stories import forget_indexes

    forget_indexes()
    return store.setup(sqlite_url)


MONDAY = dt.date(2024, 3, 4)
PIPE = "test-stories"


def test_it_groups_the_same_event_and_keeps_apart_another_about_the_same_actors(using: str) -> None:
    from slant.store.aggregates.stories import story_of

    docs = [
        _doc(*FIRE, "Harbour Herald", MONDAY),
        _doc(*BUDGET, "Harbour Herald", MONDAY),
        _doc(*FIRE_OTHER, "Coast Gazette", MONDAY),
        _doc(*FIRE_WEEK_LATER, "Solent Times", MONDAY + dt.timedelta(days=7)),
    ]
    for doc in docs:
        save(doc, PIPE, using=using)
    fire, budget, fire2, later = (story_of(d.article.id, using=using) for d in docs)
    assert None not in (fire, budget, fire2, later)
    assert fire == fire2 == later  # one event, three outlets, a week apart
    assert budget != fire  # same mayor, same city, same day: another event


QUAKE = (
    "Strong quake kills four in Indonesia's Papua",
    "A magnitude 7.6 earthquake struck Indonesia's Papua province early on Sunday, killing four people and "
    "destroying hundreds of buildings in Manokwari, the disaster agency said. More than 14,000 residents spent the "
    "night in tents. The quake was followed by a 7.3 aftershock, the United States Geological Survey said.",
)
QUAKE_OTHER = (
    "Papua earthquake: thousands sleep in tents after deadly 7.6 tremor",
    "Four people died when a 7.6-magnitude earthquake hit Manokwari in Indonesia's Papua province on Sunday. "
    "The United States Geological Survey recorded a 7.3 aftershock. About 14,000 people left their damaged homes, "
    "local officials said.",
)
QUAKE_ACEH = (
    "Quake in Indonesia's Aceh kills child, injures dozens",
    "A magnitude 6.1 earthquake hit Indonesia's Aceh province on Tuesday, killing a 10-year-old girl and injuring "
    "22 people in Bener Meriah, the disaster agency said. Landslides blocked roads to the villages, and the United "
    "States Geological Survey said the quake was shallow.",
)


def test_two_quakes_in_one_country_two_days_apart_stay_two_stories(using: str) -> None:
    from slant.store.aggregates.stories import story_of

    sunday = dt.date(2024, 3, 3)
    docs = [_doc(*QUAKE, "Harbour Herald", sunday), _doc(*QUAKE_OTHER, "Coast Gazette", sunday),
            _doc(*QUAKE_ACEH, "Harbour Herald", sunday + dt.timedelta(days=2))]
    for doc in docs:
        save(doc, PIPE, using=using)
    papua, papua2, aceh = (story_of(d.article.id, using=using) for d in docs)
    assert papua == papua2
    assert aceh != papua


def test_it_never_moves_an_earlier_article_and_keeps_manual_decisions(using: str) -> None:
    from slant.store.aggregates import stories
    from slant.store.aggregates.models import ArticleFacts, StoryDecision

    a = _doc(*FIRE, "Harbour Herald", MONDAY)
    b = _doc(*BUDGET, "Harbour Herald", MONDAY)
    save(a, PIPE, using=using)
    save(b, PIPE, using=using)
    sa, sb = stories.story_of(a.article.id, using=using), stories.story_of(b.article.id, using=using)
    assert sa != sb
    # An analyst merges the two by hand; a later article and a later automatic pass leave that alone.
    stories.merge(sa, [sb], using=using)
    assert stories.story_of(b.article.id, using=using) == sa
    assert stories.resolve(sb, using=using) == sa
    save(_doc(*FIRE_OTHER, "Coast Gazette", MONDAY), PIPE, using=using)
    assert stories.group_pending(using=using) == 0
    assert stories.story_of(b.article.id, using=using) == sa
    assert ArticleFacts.objects.using(using).get(article_id=b.article.id).pinned
    # ... and splits it again: the budget article gets a story of its own, and stays there.
    done = stories.split(sa, [b.article.id], using=using)
    assert stories.story_of(b.article.id, using=using) == done["new_story"] != sa
    save(_doc(*FIRE_WEEK_LATER, "Solent Times", MONDAY + dt.timedelta(days=7)), PIPE, using=using)
    assert stories.story_of(b.article.id, using=using) == done["new_story"]
    assert stories.story_of(a.article.id, using=using) == sa
    kinds = [d.kind for d in StoryDecision.objects.using(using).order_by("id")]
    assert kinds == ["merge", "split"]


def test_it_refuses_bad_merges_and_splits_with_a_clear_error(using: str) -> None:
    from slant.errors import InputError
    from slant.store.aggregates import stories

    a = _doc(*FIRE, "Harbour Herald", MONDAY)
    save(a, PIPE, using=using)
    sid = stories.story_of(a.article.id, using=using)
    with pytest.raises(InputError, match="other than the target"):
        stories.merge(sid, [sid], using=using)
    with pytest.raises(InputError, match="no such story"):
        stories.merge(sid, [sid + 1000], using=using)
    with pytest.raises(InputError, match="not all"):
        stories.split(sid, [a.article.id], using=using)
    with pytest.raises(InputError, match="is not in story"):
        stories.split(sid, ["f" * 64], using=using)


def test_it_lists_stories_as_json_from_the_cli(using: str, sqlite_url: str) -> None:
    from typer.testing import CliRunner

    from slant.cli import app

    docs = [_doc(*FIRE, "Harbour Herald", MONDAY, "https://www.harbour-herald.example/a"),
            _doc(*FIRE_OTHER, None, MONDAY + dt.timedelta(days=1), "https://news.coastgazette.co.uk/fire"),
            _doc(*BUDGET, "Harbour Herald", MONDAY)]
    for doc in docs:
        save(doc, PIPE, using=using)
    result = CliRunner().invoke(app, ["stories", "--db", sqlite_url, "--json"])
    assert result.exit_code == 0, result.output
    listed = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(listed) == 2
    fire = next(s for s in listed if docs[0].article.id in s["articles"])
    assert set(fire) >= {"id", "title", "articles", "outlets", "first_published", "last_published"}
    assert sorted(fire["articles"]) == sorted([docs[0].article.id, docs[1].article.id])
    assert sorted(fire["outlets"]) == ["Harbour Herald", "coastgazette.co.uk"]
    assert (fire["first_published"], fire["last_published"]) == ("2024-03-04", "2024-03-05")
    table = CliRunner().invoke(app, ["stories", "--db", sqlite_url])
    assert table.exit_code == 0 and "Fire destroys warehouse" in table.stdout
    bad = CliRunner().invoke(app, ["stories", "--db", sqlite_url, "--merge", "1"])
    assert bad.exit_code == 2 and "--merge" in bad.output


@pytest.mark.parametrize("url, site, expected", [
    ("https://www.bbc.co.uk/news/x", None, "bbc.co.uk"),
    ("https://news.bbc.co.uk/x", None, "bbc.co.uk"),
    ("https://edition.cnn.com/2024/x", None, "cnn.com"),
    ("https://m.example.com:8080/x", None, "example.com"),
    ("https://www.abc.net.au/x", None, "abc.net.au"),
    ("https://www.x.example/", "  The   Guardian ", "The Guardian"),
    (None, None, None),
])
def test_it_normalises_outlet_names(url: str | None, site: str | None, expected: str | None) -> None:
    from slant.store.aggregates.outlets import outlet_key, outlet_name

    assert outlet_name(site, url) == expected
    assert outlet_key(site, url) == (expected.casefold() if expected else None)


# ---------------------------------------------------------------------------
# The story comparison on a small fixture, every figure worked out by hand.

A_TEXT = ("Bridge opens\n\nMayor Jane Holloway opened the bridge. \"It is a triumph,\" she said. "
          "The works cost ten million pounds.\n")
B_TEXT = ("Bridge opens late\n\nThe bridge opened on 1 May, two years late. Unite said workers were underpaid. "
          "Mayor Jane Holloway declined to comment.\n")


def _at(text: str, phrase: str) -> dict:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


def _sentences(text: str, *phrases: str) -> list[dict]:
    return [_at(text, p) for p in phrases]


def _fixture() -> dict:
    a = {
        "article": {"text": A_TEXT, "title": "Bridge opens", "published": "2024-05-01"},
        "layers": {
            "sentences": _sentences(A_TEXT, "Mayor Jane Holloway opened the bridge.", "\"It is a triumph,\" she said.",
                                    "The works cost ten million pounds."),
            "persuasion": [{**_at(A_TEXT, "triumph"), "label": "Loaded_Language", "score": 0.9},
                           {**_at(A_TEXT, "ten million pounds"), "label": "Exaggeration,Minimisation", "score": 0.3}],
            "quotes": [{**_at(A_TEXT, "It is a triumph,"), "speaker": "e1", "source": None}],
            "dates": [],
        },
        "entities": [{"id": "e1", "name": "Jane Holloway", "type": "PERSON", "mentions": 1,
                      "stance": {"label": "positive", "score": 0.8, "evidence": [[14, 52]]}}],
    }
    b = {
        "article": {"text": B_TEXT, "title": "Bridge opens late", "published": "2024-05-02"},
        "layers": {
            "sentences": _sentences(B_TEXT, "The bridge opened on 1 May, two years late.",
                                    "Unite said workers were underpaid.", "Mayor Jane Holloway declined to comment."),
            "persuasion": [{**_at(B_TEXT, "underpaid"), "label": "Loaded_Language", "score": 0.8},
                           {**_at(B_TEXT, "two years late"), "label": "Loaded_Language", "score": 0.7}],
            "quotes": [{**_at(B_TEXT, "workers were underpaid"), "speaker": "e2", "source": None}],
            "dates": [{**_at(B_TEXT, "1 May"), "value": "2024-05-01", "precision": "day"}],
        },
        "entities": [{"id": "e1", "name": "Jane Holloway", "type": "PERSON", "mentions": 1,
                      "stance": {"label": "neutral", "score": 0.6}},
                     {"id": "e2", "name": "Unite", "type": "ORG", "mentions": 1,
                      "stance": {"label": "negative", "score": 0.7}}],
    }
    return {"a" * 64: ("Alpha", a), "b" * 64: ("Beta", b)}


def test_it_compares_a_story_s_outlets_with_figures_worked_out_by_hand() -> None:
    from slant.store.aggregates.compare import compare

    out = compare(_fixture())
    alpha, beta = out["outlets"]
    assert (alpha["name"], beta["name"]) == ("Alpha", "Beta")
    # Words (runs of word characters, title included): 20 and 23.
    assert (alpha["words"], beta["words"]) == (20, 23)
    # Actors named, and those left out that another outlet names.
    assert [a["name"] for a in alpha["actors"]] == ["Jane Holloway"]
    assert [a["name"] for a in alpha["leaves_out"]] == ["Unite"] and alpha["leaves_out"][0]["named_by"] == ["Beta"]
    assert beta["leaves_out"] == []
    # Stance toward the shared actor (only Jane Holloway is named by both).
    assert [a["name"] for a in out["shared_actors"]] == ["Jane Holloway"]
    assert alpha["stance"]["jane holloway"]["label"] == "positive"
    assert beta["stance"]["jane holloway"]["label"] == "neutral"
    assert "unite" not in beta["stance"]
    # Techniques per 1,000 words at the 0.5 cut: 1/20 -> 50.0; 2/23 -> 86.957. The 0.3 span is not counted.
    assert list(alpha["techniques"]) == ["Loaded_Language"]
    assert alpha["techniques"]["Loaded_Language"]["rate_per_1000_words"] == 50.0
    assert beta["techniques"]["Loaded_Language"]["rate_per_1000_words"] == 86.957
    for o in (alpha, beta):
        for t in o["techniques"].values():
            for span in t["spans"]:
                text = A_TEXT if span["article"] == "a" * 64 else B_TEXT
                assert text[span["start"]:span["end"]] in {"triumph", "underpaid", "two years late"}
    # Whose words: a speaker each.
    assert [(s["name"], s["count"]) for s in alpha["speakers"]] == [("Jane Holloway", 1)]
    assert [(s["name"], s["count"]) for s in beta["speakers"]] == [("Unite", 1)]
    q = beta["speakers"][0]["quotes"][0]
    assert B_TEXT[q["start"]:q["end"]] == "workers were underpaid"
    # One merged timeline.
    assert [(d["value"], [m["outlet"] for m in d["mentions"]]) for d in out["timeline"]] == [("2024-05-01", ["Beta"])]
    # Only here: A's cost sentence (no shared word), B's delay sentence (best match 0.234 < 0.5); the mayor's
    # sentences match each other (0.6 and 0.534), the quote and Unite's are under five content words.
    assert [s["text"] for s in alpha["only_here"]] == ["The works cost ten million pounds."]
    assert [s["text"] for s in beta["only_here"]] == ["The bridge opened on 1 May, two years late."]
    assert beta["only_here"][0]["best_match"] == pytest.approx(0.234, abs=0.001)


def test_it_finds_nearest_vectors_exactly_when_small_and_with_usearch_beyond() -> None:
    import numpy as np

    from slant.store.aggregates.ann import EXACT_BELOW, VectorIndex

    rng = np.random.default_rng(0)
    x = rng.standard_normal((EXACT_BELOW + 200, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = VectorIndex(16)
    index.add_many(list(range(100)), x[:100])
    assert index.search(x[7], 1)[0][0] == 7
    index.add_many(list(range(100, len(x))), x[100:])
    index.add_many([5], x[5:6])  # a key it holds already changes nothing
    assert len(index) == len(x) and index._ann is not None
    hits = sum(index.search(x[i], 1)[0][0] == i for i in range(0, len(x), 50))
    assert hits >= 0.95 * len(range(0, len(x), 50))


def test_it_writes_attention_csv_that_a_spreadsheet_will_not_run() -> None:
    from slant.store.aggregates.attention import to_csv

    out = to_csv({"series": [{"outlet_id": 3, "outlet": "=HYPERLINK(\"x\")", "points": [{"period": "2024-05-01", "articles": 2}]},
                             {"outlet_id": None, "outlet": "(unknown outlet)", "points": [{"period": "2024-05-02", "articles": 1}]}]})
    assert out.splitlines() == ["period,outlet_id,outlet,articles", "2024-05-01,3,\"'=HYPERLINK(\"\"x\"\")\",2",
                                "2024-05-02,,(unknown outlet),1"]


def test_it_survives_the_vector_model_loaded_after_the_nearest_neighbour_index() -> None:
    """A process whose index reached usearch (2,048 vectors) and then loads the article-vector runtime."""
    import subprocess
    import sys

    code = ("import numpy as np; from slant.store.aggregates.ann import VectorIndex; i = VectorIndex(8); "
            "i.add_many(list(range(2100)), np.random.default_rng(0).normal(size=(2100, 8))); "
            "import onnxruntime; print(len(i))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "2100", (done.returncode, done.stderr[-500:])
