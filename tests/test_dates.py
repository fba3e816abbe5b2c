"""dates: precision, relative dates against the publication date, offsets."""

from __future__ import annotations

import datetime as dt

import pytest

from slant.article import Article
from slant.doc import Doc
from slant.pipeline import Pipeline
from slant.stages.dates import resolve

TEXT = (
    "Talks resume\n\n"
    "The drills were held in June 2022 and again on June 29, 2022. In 2019 talks collapsed. "
    "Last month, officials met. Yesterday the ministry said so. Not long ago, the two sides agreed. "
    "Earlier this year Seoul warned. He is 83 years old and served three years. Yoon met Biden on Tuesday."
)


def run(published: dt.date | None) -> Doc:
    doc = Doc(Article(text=TEXT, title="Talks resume", published=published, language="en"))
    return Pipeline(["language", "sentences", "dates"])(doc)


def by_text(doc: Doc) -> dict[str, dict]:
    return {doc.text[s.start:s.end]: dict(s.attrs) for s in doc.layer("dates")}


@pytest.fixture(scope="module")
def dated() -> Doc:
    return run(dt.date(2022, 7, 14))  # a Thursday


def test_it_reads_year_month_and_day_precision(dated: Doc) -> None:
    found = by_text(dated)
    assert found["June 2022"]["value"] == "2022-06" and found["June 2022"]["precision"] == "month"
    assert found["June 29, 2022"]["value"] == "2022-06-29" and found["June 29, 2022"]["precision"] == "day"
    assert found["2019"]["value"] == "2019" and found["2019"]["precision"] == "year"


def test_it_resolves_relative_dates_against_the_publication_date(dated: Doc) -> None:
    found = by_text(dated)
    assert found["Last month"]["value"] == "2022-06"
    assert found["Yesterday"]["value"] == "2022-07-13"
    assert found["Earlier this year"]["value"] == "2022"
    assert found["Tuesday"]["value"] == "2022-07-12"
    assert found["Not long ago"]["value"] is None and found["Not long ago"]["precision"] == "vague"
    assert found["Last month"]["relative"] == "Last month"


def test_it_does_not_guess_relative_dates_without_a_publication_date() -> None:
    found = by_text(run(None))
    assert found["Last month"]["value"] is None and found["Last month"]["relative"] == "Last month"
    assert found["Yesterday"]["value"] is None
    assert found["June 29, 2022"]["value"] == "2022-06-29"  # absolute dates need no anchor


def test_it_drops_durations_and_ages(dated: Doc) -> None:
    texts = set(by_text(dated))
    assert not any("years" in t for t in texts), texts


def test_it_links_each_date_to_its_sentence_and_keeps_offsets(dated: Doc) -> None:
    for span in dated.layer("dates"):
        sentence = dated.text[span["sentence_start"]:span["sentence_end"]]
        assert dated.text[span.start:span.end] in sentence
        assert span["sentence_start"] <= span.start < span.end <= span["sentence_end"]
    found = {dated.text[s.start:s.end]: s for s in dated.layer("dates")}
    s = found["2019"]
    assert dated.text[s["sentence_start"]:s["sentence_end"]] == "In 2019 talks collapsed."


@pytest.mark.parametrize(("expression", "value", "precision"), [
    ("5 May 2021", "2021-05-05", "day"),
    ("2021-05-05", "2021-05-05", "day"),
    ("March 2020", "2020-03", "month"),
    ("the 1990s", "1990/1999", "decade"),
    ("two weeks ago", "2022-W26", "week"),
    ("three months ago", "2022-04", "month"),
    ("next week", "2022-W29", "week"),
    ("last year", "2021", "year"),
    ("Jan. 12", "2022-01-12", "day"),
    ("December 3", "2021-12-03", "day"),  # months ahead of publication: last year's
])
def test_it_resolves_expressions(expression: str, value: str, precision: str) -> None:
    got = resolve(expression, dt.date(2022, 7, 14))
    assert got is not None and (got["value"], got["precision"]) == (value, precision)


def test_it_refuses_non_dates() -> None:
    assert resolve("three years", dt.date(2022, 7, 14)) is None
    assert resolve("may", dt.date(2022, 7, 14)) is None


def test_it_reads_a_bare_month_as_the_latest_such_month() -> None:
    assert resolve("May", dt.date(2022, 7, 14)) == {"value": "2022-05", "precision": "month", "relative": "May"}
    assert resolve("in December", dt.date(2022, 7, 14))["value"] == "2021-12"
