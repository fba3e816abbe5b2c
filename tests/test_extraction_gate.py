"""Evaluation gate: extraction quality on a fixed sample of the Zyte benchmark.

The floors sit a little under what ``bench/extraction.py --sample 20``
measured when they were pinned (slant F1 0.9756, plain trafilatura 0.9607),
so a change that makes extraction worse fails here instead of going unseen.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "article-extraction-benchmark"
SAMPLE = 20
F1_FLOOR = 0.965
PRECISION_FLOOR = 0.975
RECALL_FLOOR = 0.950


def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_extraction", ROOT / "bench" / "extraction.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample() -> tuple[ModuleType, list[tuple[str, str, str]]]:
    if not (DATA / "ground-truth.json").exists():
        pytest.skip("../shared/data/article-extraction-benchmark is not available")
    module = bench()
    return module, module.load(DATA, module.sample_ids(DATA, SAMPLE))


def test_the_metric_scores_known_cases() -> None:
    b = bench()
    text = "one two three four five six seven"
    assert b.summarise([b.page_counts(text, text)]) == {"f1": 1.0, "precision": 1.0, "recall": 1.0}
    assert b.summarise([b.page_counts(text, "")])["recall"] == 0.0
    # Half the true shingles found and nothing extra: precision 1, recall 0.5.
    tp, fp, fn = b.page_counts("a b c d e f g h i", "a b c d e f")
    assert (b._precision(tp, fp, fn), b._recall(tp, fp, fn)) == (1.0, 0.5)
    assert b.shingles("too short") == {("too", "short"): 1}


def test_it_keeps_extraction_f1_above_the_pinned_floor(sample: tuple[ModuleType, list[tuple[str, str, str]]]) -> None:
    module, pages = sample
    assert len(pages) == SAMPLE
    result = module.evaluate(module.slant_body, pages)
    assert result["f1"] >= F1_FLOOR, result
    assert result["precision"] >= PRECISION_FLOOR, result
    assert result["recall"] >= RECALL_FLOOR, result


def test_it_does_at_least_as_well_as_plain_trafilatura(sample: tuple[ModuleType, list[tuple[str, str, str]]]) -> None:
    module, pages = sample
    ours = module.evaluate(module.slant_body, pages)
    plain = module.evaluate(module.trafilatura_plain, pages)
    assert ours["f1"] >= plain["f1"], (ours["f1"], plain["f1"])
