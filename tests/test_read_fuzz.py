"""A short seeded round of the readers' fuzzer (``bench/fuzz_readers.py`` runs it for minutes)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "fuzz_readers.py"


@pytest.fixture(scope="module")
def fuzz():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fuzz_readers", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("fmt", ["html", "feed", "jsonl", "warc", "text", "sniffed"])
def test_hostile_inputs_give_articles_and_input_errors_only(fuzz, fmt: str) -> None:  # type: ignore[no-untyped-def]
    tally = fuzz.Tally()
    fuzz.fuzz_round(fmt, tally, examples=12, seed=20261201)
    assert sum(tally.tried.values()) == 12
    assert not tally.escaped, tally.examples
    assert not tally.broken, tally.examples
    assert not tally.hangs, tally.examples


def test_the_fuzzer_sees_an_exception_that_escapes(fuzz, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def leaky(data: bytes, name: str, **limits: object) -> list[object]:
        raise RuntimeError("escaped")

    monkeypatch.setattr(fuzz, "iter_data", leaky)
    tally = fuzz.Tally()
    fuzz.check(b"x", "a.txt", "text", tally)
    assert tally.escaped == {"RuntimeError (not SlantError)": 1}
