"""Evaluation gate: the shipped persuasion model on a fixed sample of PTC dev.

Rule for every floor (and the ECE ceiling): what the shipped model measured on these ten articles, minus one
standard error from resampling the ten articles (400 rounds, ``metrics.article_bootstrap``), rounded away from the
measured value to two decimals. Measured with ``bench/persuasion.py --no-speed --limit 10`` (BENCHMARKS.md,
``## Persuasion``), so a change that lowers quality by more than the sample's own noise fails here instead of passing
silently. The whole-dev figures come from ``bench/persuasion.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from slant.persuasion import calibration, corpus, metrics, scorer
from slant.techniques import NAMES

SAMPLE = 10  # the first ten dev articles by id
# At the research setting (every span the stage keeps):
SI_F1_FLOOR = 0.39  # measured 0.442, SE 0.049
TC_F1_FLOOR = 0.45  # measured 0.524, SE 0.065
FULL_F1_FLOOR = 0.19  # measured 0.239, SE 0.039
# The scores of every candidate entry (span, one of its top techniques), right = overlaps gold of that technique:
AP_FLOOR = 0.33  # average precision, measured 0.375, SE 0.040
ECE_CEILING = 0.06  # measured 0.036, SE 0.015
# At the reader's default (21 entries on this sample: weak floors, the whole-dev figures are in BENCHMARKS.md):
READER_PRECISION_FLOOR = 0.29  # measured 0.429, SE 0.131
READER_SI_RECALL_FLOOR = 0.10  # measured 0.131, SE 0.028
# Score bands whose precision must rise from one to the next on this sample (measured 0.093 / 0.321 / 0.400).
BANDS = (0.0, 0.2, 0.4, 1.01)


@pytest.fixture(scope="module")
def outputs() -> dict[str, Any]:
    root = corpus.data_dir()
    if not (root / "dev-task-flc-tc.labels").exists():
        pytest.skip(f"PTC data not found at {root}")
    import slant.persuasion as persuasion
    from slant.persuasion.predictor import Predictor

    arts = corpus.load_split("dev", root)[:SAMPLE]
    pred = Predictor()
    research, reader = persuasion.research_threshold(), persuasion.reader_threshold()
    rows, reader_rows, pairs, scores, right = {}, {}, [], [], []
    for a in arts:
        sc = pred.score(a.text)
        found = pred.label(pred.candidates(sc), 0.0, sc)
        for f in found:
            assert a.text[f.start:f.end].strip() == a.text[f.start:f.end] != ""
            assert 0.0 <= f.score <= 1.0
            scores.append(f.score)
            right.append(any(g.label == f.label and g.start < f.end and f.start < g.end for g in a.spans))
        rows[a.id] = [(f.start, f.end, f.label) for f in found if f.score >= research]
        reader_rows[a.id] = [(f.start, f.end) for f in found if f.score >= reader]
        assert rows[a.id] == [(f.start, f.end, f.label) for f in pred.predict(a.text)]  # the stage's own cut

        def ranked(s: int, e: int, sc=sc) -> list[str]:  # type: ignore[no-untyped-def]
            probs = pred.classify(sc, s, e)
            return [NAMES[k] for k in np.argsort(-probs)] if probs is not None else [NAMES[0]]

        pairs += metrics.assign_gold_labels([(x.start, x.end, x.label) for x in a.spans], ranked)
    gold_si = {a.id: [(x.start, x.end) for x in a.spans] for a in arts}
    gold_rows = {a.id: [(x.start, x.end, x.label) for x in a.spans] for a in arts}
    s, r = np.asarray(scores), np.asarray(right, bool)
    return {
        "si": metrics.si_scores({k: [(s, e) for s, e, _ in v] for k, v in rows.items()}, gold_si)["f1"],
        "tc": metrics.tc_scores(pairs, NAMES)["all"]["f1"],
        "full": metrics.full_scores(rows, gold_rows, NAMES)["all"]["f1"],
        "ap": scorer.average_precision(s, r), "ece": calibration.ece(s, r),
        "reader_precision": float(r[s >= reader].mean()) if (s >= reader).any() else 0.0,
        "reader_si_recall": metrics.si_scores(reader_rows, gold_si)["recall"],
        "bands": [float(r[(s >= lo) & (s < hi)].mean()) for lo, hi in zip(BANDS, BANDS[1:])],
    }


@pytest.mark.slow
def test_it_keeps_span_identification_above_its_floor(outputs: dict[str, Any]) -> None:
    assert outputs["si"] >= SI_F1_FLOOR, outputs


@pytest.mark.slow
def test_it_keeps_technique_classification_above_its_floor(outputs: dict[str, Any]) -> None:
    assert outputs["tc"] >= TC_F1_FLOOR, outputs


@pytest.mark.slow
def test_it_keeps_the_full_task_above_its_floor(outputs: dict[str, Any]) -> None:
    assert outputs["full"] >= FULL_F1_FLOOR, outputs


@pytest.mark.slow
def test_its_scores_rank_right_entries_first_and_say_how_often_they_are_right(outputs: dict[str, Any]) -> None:
    assert outputs["ap"] >= AP_FLOOR, outputs
    assert outputs["ece"] <= ECE_CEILING, outputs


@pytest.mark.slow
def test_higher_scores_are_right_more_often(outputs: dict[str, Any]) -> None:
    bands = outputs["bands"]
    assert all(a < b for a, b in zip(bands, bands[1:])), bands


@pytest.mark.slow
def test_the_readers_default_keeps_its_precision(outputs: dict[str, Any]) -> None:
    assert outputs["reader_precision"] >= READER_PRECISION_FLOOR, outputs


@pytest.mark.slow
def test_the_readers_default_keeps_its_recall(outputs: dict[str, Any]) -> None:
    assert outputs["reader_si_recall"] >= READER_SI_RECALL_FLOOR, outputs
