"""Grouping's signals and score on hand-made analyses (no database, no model)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from slant.store.aggregates import grouping


def _analysis(text: str, entities: list[tuple[str, str, int]], dates: list[dict], published: str | None = None,
              sentences: list[tuple[int, int]] | None = None) -> dict:
    """``entities``: (name, type, first offset); each is one merged entity with one mention."""
    ents, spans = [], []
    for i, (name, kind, start) in enumerate(entities):
        assert text[start:start + len(name)] == name
        ents.append({"id": f"e{i}", "name": name, "type": kind, "mentions": 1})
        spans.append({"start": start, "end": start + len(name), "label": kind, "entity": f"e{i}"})
    if sentences is None:
        sentences = []
        start = 0
        for part in text.split(". "):
            end = min(start + len(part) + 1, len(text))
            sentences.append((start, end))
            start = end + 1
    return {"article": {"text": text, "published": published}, "entities": ents,
            "layers": {"entities": spans, "dates": dates, "sentences": [{"start": s, "end": e} for s, e in sentences]}}


def test_days_are_keys_that_match_however_the_day_was_written() -> None:
    resolved = {"precision": "day", "value": "2013-07-02", "relative": "Tuesday"}
    assert grouping.days_of({"layers": {"dates": [resolved]}}) == {"07-02", "tuesday"}
    unresolved = [{"precision": "day", "value": None, "relative": "early Tuesday"},
                  {"precision": "day", "value": None, "relative": "Dec. 14"},
                  {"precision": "day", "value": None, "relative": "15th of December"},
                  {"precision": "month", "value": "2013-07"},
                  {"precision": "day", "value": None, "relative": "yesterday"}]
    assert grouping.days_of({"layers": {"dates": unresolved}}) == {"tuesday", "12-14", "12-15"}


def test_numbers_are_figures_without_the_years() -> None:
    text = "A 6.1-magnitude quake at 18:07 on July 2, 2013 killed 3 and left 14,000 homeless, as in 2004."
    assert grouping.numbers_of(text) == {"6.1", "18:07", "2", "3", "14,000"}
    assert grouping.numbers_of("Version 5.01 and 2.0.") == {"5.01", "2.0"}
    assert len(grouping.numbers_of(" ".join(str(i) for i in range(500)), cap=10)) == 10


def test_the_lead_is_who_the_title_and_first_sentence_name() -> None:
    text = "Jamal Williams arrested\n\nThe Chargers tackle was held in San Diego. Vincent Jackson spoke."
    a = _analysis(text, [("Jamal Williams", "PERSON", 0), ("Chargers", "ORG", 29), ("San Diego", "GPE", 57),
                         ("Vincent Jackson", "PERSON", 68)], [],
                  sentences=[(0, 23), (25, 67), (68, len(text))])
    assert grouping.lead_of(a) == {"jamal williams", "chargers", "san diego"}


def _sig(actors: set[str], lead: set[str] = frozenset(), numbers: set[str] = frozenset(),
         days: set[str] = frozenset(), years: set[str] = frozenset(), published: dt.date | None = None,
         people: set[str] = frozenset()) -> grouping.Signals:
    return grouping.Signals(vector=np.zeros(3, dtype=np.float32), actors=frozenset(actors), years=frozenset(years),
                            published=published, lead=frozenset(lead), numbers=frozenset(numbers), days=frozenset(days),
                            people=frozenset(people))


def test_lead_coverage_is_the_lower_of_the_two_ways_and_knows_a_surname() -> None:
    williams = _sig({"jamal williams", "chargers", "san diego"}, lead={"jamal williams", "chargers"},
                    people={"jamal williams"})
    surname = _sig({"williams", "chargers", "nfl"}, lead={"williams"}, people={"williams"})
    assert grouping.lead_coverage(williams, surname) == 1.0
    jackson = _sig({"vincent jackson", "chargers", "san diego"}, lead={"vincent jackson", "chargers"},
                   people={"vincent jackson"})
    assert grouping.lead_coverage(williams, jackson) == 0.5
    # Only people go by their last word: one province is not another.
    papua = _sig({"papua province", "indonesia"}, lead={"papua province", "indonesia"})
    aceh = _sig({"aceh province", "indonesia"}, lead={"aceh province", "indonesia"})
    assert grouping.lead_coverage(papua, aceh) == 0.5
    assert grouping.lead_coverage(_sig({"a"}), _sig({"b"})) is None  # no lead on either side: unknown


def test_conflicting_details_lower_the_score_and_shared_ones_raise_it() -> None:
    s = grouping.Settings()
    flat = lambda k: 1.0  # noqa: E731
    quake = dict(actors={"indonesia", "usgs", "papua"}, lead={"papua", "indonesia"})
    papua = _sig(**quake, numbers={"7.6", "4", "14,000"}, days={"sunday", "01-04"})
    papua2 = _sig(**quake, numbers={"7.6", "14,000", "250"}, days={"sunday"})
    aceh = _sig({"indonesia", "bmkg", "aceh"}, lead={"aceh", "indonesia"}, numbers={"6.1", "22"}, days={"tuesday"})
    def score(a: grouping.Signals, b: grouping.Signals, details: bool = True) -> float:
        if not details:
            a, b = (_sig(x.actors) for x in (a, b))
        got = grouping.pair_score(a, b, 0.6, flat, s)
        assert got is not None
        return got

    assert score(papua, papua2) > score(papua, papua2, details=False)  # shared lead, numbers, day
    assert score(papua, aceh) < score(papua, aceh, details=False)  # each leads with a place the other lacks, ...
    assert score(papua, papua2) >= s.threshold > score(papua, aceh)
    bare = grouping.pair_score(_sig({"x"}), _sig({"y"}), 0.7, flat, s)
    assert bare == 0.7  # nothing known besides the vector: the vector alone


def test_dates_rule_out_a_pair_and_disjoint_years_count_against_it() -> None:
    s = grouping.Settings()
    flat = lambda k: 1.0  # noqa: E731
    a = _sig({"x"}, published=dt.date(2024, 3, 4), years={"2024"})
    assert grouping.pair_score(a, _sig({"x"}, published=dt.date(2024, 3, 4) + dt.timedelta(days=s.max_days + 1)),
                               0.9, flat, s) is None
    near = grouping.pair_score(a, _sig({"x"}, published=dt.date(2024, 3, 10), years={"2024"}), 0.9, flat, s)
    apart = grouping.pair_score(a, _sig({"x"}, published=dt.date(2024, 3, 10), years={"2019"}), 0.9, flat, s)
    assert near is not None and apart is not None and round(near - apart, 6) == s.year_penalty


def test_signals_survive_the_round_trip_through_json_and_old_rows_read_as_unknown() -> None:
    sig = _sig({"a", "b c"}, lead={"a"}, numbers={"3"}, days={"monday"}, years={"2020"}, published=dt.date(2020, 1, 6),
               people={"b c"})
    back = grouping.Signals.from_json(sig.to_json(), sig.vector, sig.published)
    assert back == sig
    old = grouping.Signals.from_json({"actors": ["a"], "years": []}, sig.vector, None)
    assert old.lead == old.numbers == old.days == old.people == frozenset()



def test_publication_time_counts_only_when_asked_and_fades_over_a_week() -> None:
    flat = lambda k: 1.0  # noqa: E731
    day = dt.date(2024, 3, 4)
    a = _sig({"x"}, published=day)

    def score(days: int, weight: float) -> float:
        got = grouping.pair_score(a, _sig({"x"}, published=day + dt.timedelta(days=days)), 0.6, flat,
                                  grouping.Settings(time_weight=weight))
        assert got is not None
        return round(got, 6)

    assert score(0, 0.0) == score(6, 0.0)  # the default: dates only as the cut at max_days
    assert score(0, 0.1) > score(3, 0.1) > score(7, 0.1) == score(0, 0.0)
