"""Persuasion scores that mean what they say: the second-stage scorer, the two settings, and what views are told.

The trained scorer's quality on PTC is pinned in ``test_persuasion_gate.py``; here the code paths are tested with
hand-made inputs and the stand-in network of ``test_persuasion.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import slant.persuasion as persuasion
from slant.doc import Doc, Span
from slant.persuasion import scorer
from slant.persuasion.decode import add_figurative
from slant.persuasion.lexicon import figurative_words
from slant.persuasion.predictor import Predictor
from slant.persuasion.windows import pieces
from slant.techniques import NAMES

from test_persuasion import LOADED, StandIn, _words_text

runner = CliRunner()


def _scorer_model(weights: dict[str, float], intercept: float = 0.0) -> dict:
    """A scorer whose logit is ``intercept + sum(w * feature)`` on unscaled features."""
    n = len(scorer.FEATURES)
    coef = [weights.get(name, 0.0) for name in scorer.FEATURES]
    return {"kind": "logistic", "features": list(scorer.FEATURES), "c": 1.0, "mean": [0.0] * n, "scale": [1.0] * n,
            "coef": coef, "intercept": intercept}


def _predictor(model: dict, **meta: object) -> Predictor:
    weights = {"feat.weight": np.zeros((14, 5), np.float32), "feat.bias": np.zeros(14, np.float32)}
    m = {"piece_threshold": 0.5, "threshold": 0.0, "calibration": None, "scorer": model, **meta}
    return Predictor(weights=weights, meta=m, net=StandIn())


def test_the_scorer_scores_each_top_technique_of_each_candidate() -> None:
    # Loaded language is the stand-in's top technique; the scorer favours the top rank and Loaded language.
    model = _scorer_model({"rank1": -3.0, "rank2": -3.0, "tech=Loaded_Language": 2.0}, intercept=-1.0)
    text = "Title\n\n" + _words_text(40, {5, 20})
    found = _predictor(model).predict(text, threshold=0.0)
    spans = {(f.start, f.end) for f in found}
    assert len(spans) == 2 and all(text[s:e] == "outrageous" for s, e in spans)
    assert len(found) == 2 * scorer.TOP_K  # one entry per top technique
    top = [f for f in found if f.label == "Loaded_Language"]
    assert len(top) == 2 and all(abs(f.score - 1 / (1 + np.exp(-1.0))) < 1e-3 for f in top)
    assert all(f.score < 0.05 for f in found if f.label != "Loaded_Language")
    # The threshold acts on these scores.
    assert {f.label for f in _predictor(model).predict(text, threshold=0.5)} == {"Loaded_Language"}
    assert _predictor(model).predict(text, threshold=0.99) == []


def test_label_needs_the_per_piece_outputs_when_a_scorer_decides() -> None:
    pred = _predictor(_scorer_model({}))
    scored = pred.score("Title\n\n" + _words_text(10, {3}))
    with pytest.raises(ValueError, match="scored="):
        pred.label(pred.candidates(scored))
    assert len(pred.label(pred.candidates(scored), 0.0, scored)) == scorer.TOP_K


def test_a_scorer_fitted_on_other_features_is_refused() -> None:
    model = {**_scorer_model({}), "features": ["something", "else"]}
    with pytest.raises(ValueError, match="other features"):
        scorer.apply(model, np.zeros((1, len(scorer.FEATURES))))


def test_fit_gives_plain_lists_that_apply_reproduces() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, len(scorer.FEATURES)))
    y = (x[:, 0] + 0.5 * rng.normal(size=400)) > 0.8
    model = scorer.fit(x, y, c=1.0)
    json.dumps(model)  # stored in meta.json
    p = scorer.apply(model, x)
    assert p.shape == (400,) and ((p > 0) & (p < 1)).all()
    assert p[y].mean() > p[~y].mean() + 0.3
    assert scorer.average_precision(p, y) > 0.8


def test_the_mlp_kind_reads_the_pooled_encoding_and_apply_reproduces_its_fit() -> None:
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(1)
    n = 600
    x = rng.normal(size=(n, len(scorer.FEATURES)))
    z = rng.normal(size=(n, 384))
    y = (z[:, 7] + z[:, 9] + 0.3 * rng.normal(size=n)) > 0.5  # right or wrong only by the encoding
    model = scorer.fit_mlp(x, z, y, dim=8, hidden=8)
    json.dumps(model)
    assert model["kind"] == "mlp" and scorer.needs_states(model) and not scorer.needs_states(_scorer_model({}))
    assert np.asarray(model["pca"]["components"]).shape == (8, 384)
    p = scorer.apply(model, x, z)
    # The same fit in sklearn's hands gives the same probabilities (ours are rounded to seven digits).
    pca = PCA(8, random_state=scorer.MLP_SEED).fit(z)
    joined = np.hstack([x, pca.transform(z)])
    std = (joined - joined.mean(0)) / joined.std(0)
    want = MLPClassifier((8,), alpha=scorer.MLP_ALPHA, max_iter=500, random_state=scorer.MLP_SEED).fit(std, y)
    assert np.abs(p - want.predict_proba(std)[:, 1]).max() < 1e-4
    assert p[y].mean() > p[~y].mean() + 0.2
    with pytest.raises(ValueError, match="pooled encodings"):
        scorer.apply(model, x)


def test_pooled_is_the_mean_state_over_the_spans_pieces() -> None:
    offsets = np.array([[0, 3], [4, 7], [8, 11]])
    states = np.arange(3 * 384, dtype=np.float32).reshape(3, 384)
    got = scorer.pooled(offsets, states, [(0, 7), (8, 11), (20, 25)])
    assert np.allclose(got[0], states[:2].mean(0)) and np.allclose(got[1], states[2])
    assert not got[2].any()  # no piece: zeros


class _WithStates(StandIn):
    """The stand-in network with top-layer states: the target word's pieces get 1.0 in state 0."""

    def outputs(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bio, proj = self(ids, mask)
        states = np.zeros(ids.shape + (384,), np.float32)
        states[..., 0] = (ids == self.target)
        return bio, proj, states


def test_the_predictor_keeps_states_only_for_a_scorer_that_reads_them() -> None:
    text = "Title\n\n" + _words_text(40, {5, 20})
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, len(scorer.FEATURES)))
    z = rng.normal(size=(60, 384))
    model = scorer.fit_mlp(x, z, z[:, 0] > 0, dim=4, hidden=4)
    weights = {"feat.weight": np.zeros((14, 5), np.float32), "feat.bias": np.zeros(14, np.float32)}
    meta = {"piece_threshold": 0.5, "threshold": 0.0, "calibration": None, "scorer": model}
    pred = Predictor(weights=weights, meta=meta, net=_WithStates())
    scored = pred.score(text)
    assert scored.states is not None and scored.states.shape == (len(scored.bio), 384)
    assert scored.states[:, 0].max() == 1.0  # the target word's pieces
    found = pred.label(pred.candidates(scored), 0.0, scored)
    assert len(found) == 2 * scorer.TOP_K and all(0.0 < f.score < 1.0 for f in found)
    assert found == pred.predict(text, threshold=0.0)
    with pytest.raises(ValueError, match="states=True"):
        pred.label(pred.candidates(scored), 0.0, pred.score(text, states=False))
    assert _predictor(_scorer_model({})).score(text).states is None  # the logistic kind reads none
    with pytest.raises(ValueError, match="does not give"):
        Predictor(weights=weights, meta=meta, net=StandIn()).score(text)


def test_average_precision_of_hand_made_rankings() -> None:
    assert scorer.average_precision([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert scorer.average_precision([0.9, 0.8, 0.1], [False, True, True]) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert scorer.average_precision([0.5, 0.5], [True, False]) == 0.5  # ties count against the ranking
    assert scorer.average_precision([0.3], [False]) == 0.0


def test_figurative_words_become_candidates_where_the_si_head_is_silent() -> None:
    text = "Title\n\nThe ministers are a pack of hyenas, and their policy is a cancer on the nation."
    words = [text[s:e] for s, e in figurative_words(text)]
    assert words == ["hyenas", "cancer"]
    p = pieces(text)
    bio = np.tile(np.array([[0.9, 0.05, 0.05]], np.float32), (len(p), 1))
    cancer = text.index("cancer")
    existing = [(cancer - 2, cancer + 6, 0.6)]  # "a cancer": already a candidate, so not added twice
    out = add_figurative(text, p.offsets, bio, existing)
    assert [text[s:e] for s, e, _ in out] == ["hyenas", "a cancer"]
    assert all(abs(c - 0.1) < 1e-6 for s, e, c in out if text[s:e] == "hyenas")


def test_the_shipped_model_has_a_scorer_and_two_settings() -> None:
    from slant.persuasion.weights import META_FILE, MODEL_DIR

    meta = json.loads((MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
    assert meta["scorer"]["features"] == list(scorer.FEATURES)
    assert 0.0 < persuasion.research_threshold() <= persuasion.reader_threshold() < 1.0
    held = meta["scorer_held_out"]["precision_by_threshold"][str(meta["reader_threshold"])]
    assert held["precision"] - held["se"] >= 0.5  # the stated rule held where it was chosen
    reliability = persuasion.technique_reliability()
    assert set(reliability) == set(NAMES)
    assert reliability["Repetition"]["unreliable"] and not reliability["Loaded_Language"]["unreliable"]
    assert all(r["unreliable"] == (r["dev_f1"] < persuasion.UNRELIABLE_BELOW) for r in reliability.values())


def test_the_environment_threshold_moves_the_research_setting_not_below_the_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_PERSUASION_THRESHOLD", "0.8")
    assert persuasion.research_threshold() == 0.8
    assert persuasion.reader_threshold() == 0.8  # nothing below what the stage keeps can be shown


# -- the threshold option and the two settings in the CLI --------------------------------------------------------

SCORES = {"traitors": ("Name_Calling,Labeling", 0.8), "shameful": ("Loaded_Language", 0.3)}


@pytest.fixture
def scored_stage(temporary_stage):  # type: ignore[no-untyped-def]
    def run(doc: Doc) -> Doc:
        spans = []
        for phrase, (label, score) in SCORES.items():
            at = doc.text.find(phrase)
            if at >= 0:
                spans.append(Span(at, at + len(phrase), label, score))
        doc.set_layer("persuasion", spans)
        return doc

    return temporary_stage("test_scored", run, adds=("persuasion",))


@pytest.fixture
def reader_at_half(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The reader's default at 0.5, wherever the views read it (they cache it once per process)."""
    from slant.view import reliability

    monkeypatch.setattr(persuasion, "reader_threshold", lambda: 0.5)
    reliability.reader_threshold.cache_clear()
    yield
    reliability.reader_threshold.cache_clear()


def _analyze(tmp_path: Path, stage: str, *extra: str) -> str:
    from slant.cli import app

    path = tmp_path / "a.txt"
    path.write_text("Title\n\nThey are traitors. A shameful plan.\n", encoding="utf-8")
    result = runner.invoke(app, ["analyze", str(path), "--stages", f"language,{stage}", *extra],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_terminal_report_shows_the_readers_default_unless_told_otherwise(
        tmp_path: Path, tmp_data_dir: Path, scored_stage: str, reader_at_half: None) -> None:
    default = _analyze(tmp_path, scored_stage)
    assert "Name Calling" in default and "Loaded Language" not in default  # 0.3 is below the reader's 0.5
    everything = _analyze(tmp_path, scored_stage, "--all-candidates")
    assert "Name Calling" in everything and "Loaded Language" in everything
    low = _analyze(tmp_path, scored_stage, "--threshold", "0.2")
    assert "Loaded Language" in low
    high = _analyze(tmp_path, scored_stage, "--threshold", "0.9")
    assert "Name Calling" not in high and "Loaded Language" not in high


def test_the_json_keeps_every_span_of_the_research_setting(
        tmp_path: Path, tmp_data_dir: Path, scored_stage: str, reader_at_half: None) -> None:
    doc = json.loads(_analyze(tmp_path, scored_stage, "--json"))
    assert sorted((s["label"], s["score"]) for s in doc["layers"]["persuasion"]) == [
        ("Loaded_Language", 0.3), ("Name_Calling,Labeling", 0.8)]
    cut = json.loads(_analyze(tmp_path, scored_stage, "--json", "--threshold", "0.5"))
    assert [s["label"] for s in cut["layers"]["persuasion"]] == ["Name_Calling,Labeling"]  # asked for: applied
