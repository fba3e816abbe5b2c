"""A person's name cut at a hyphen gets its tail back, and only a name's tail (issue 14, item 15)."""

from __future__ import annotations

import pytest

from slant.entities import gazetteer
from slant.entities.merge import clean_mentions


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("Health Minister Park Min-soo met them.", "Park Min", "Park Min-soo"),
        ("Yoon Seok-yuek spoke.", "Yoon Seok", "Yoon Seok-yuek"),
        ("The JFK-assassination files were released.", "JFK", "JFK"),
        ("A Trump-era rule was dropped.", "Trump", "Trump"),
        ("Kim Jong-un's speech.", "Kim Jong", "Kim Jong-un"),
    ],
)
def test_a_hyphen_tail_is_a_whole_short_syllable(text: str, name: str, expected: str) -> None:
    start = text.index(name)
    [mention] = [m for m in clean_mentions(text, [(start, start + len(name), "PERSON")], gazetteer.load()) if not m.scanned]
    assert mention.text == expected == text[mention.start:mention.end]
