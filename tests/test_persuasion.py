"""Persuasion spans: offsets, windows, stitching, long and empty articles, metrics, PTC output.

The decoding and windowing are tested with a stand-in network whose outputs
depend only on the word piece, so the expected spans are known exactly; the
trained model itself is tested in ``test_persuasion_gate.py``.
"""

from __future__ import annotations

import io
from pathlib import Path
import tracemalloc

import numpy as np
import pytest

from slant.persuasion import metrics
from slant.persuasion.corpus import merge_spans, write_ptc
from slant.persuasion.decode import find_spans, piece_range, snap_to_words, trim_edges
from slant.persuasion.predictor import Predictor
from slant.persuasion.windows import OVERLAP, WINDOW, batches, pieces, tokenizer, window_starts
from slant.techniques import NAMES

TARGET = "outrageous"
LOADED = NAMES.index("Loaded_Language")
NAME_CALLING = NAMES.index("Name_Calling,Labeling")


def _target_id() -> int:
    ids = tokenizer().encode(TARGET, add_special_tokens=False).ids
    assert len(ids) == 1, "the test needs a word that is one word piece"
    return ids[0]


class StandIn:
    """Marks every piece of TARGET as a one-piece span; techniques chosen by ``two_labels``."""

    def __init__(self, two_labels: bool = False) -> None:
        self.target = _target_id()
        self.two_labels = two_labels
        self.calls = 0

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.calls += 1
        hit = ids == self.target
        bio = np.zeros(ids.shape + (3,), np.float32)
        bio[..., 0] = np.where(hit, 0.05, 0.95)
        bio[..., 1] = np.where(hit, 0.9, 0.03)
        bio[..., 2] = np.where(hit, 0.05, 0.02)
        proj = np.zeros(ids.shape + (42,), np.float32)
        proj[..., LOADED] = 4.0
        if self.two_labels:
            proj[..., NAME_CALLING] = 4.0
        return bio, proj


def _predictor(two_labels: bool = False, **meta: float) -> Predictor:
    weights = {"feat.weight": np.zeros((14, 5), np.float32), "feat.bias": np.zeros(14, np.float32)}
    m = {"piece_threshold": 0.5, "threshold": 0.0, "second_label_min": 0.3, "calibration": None, **meta}
    return Predictor(weights=weights, meta=m, net=StandIn(two_labels))


def _words_text(n: int, at: set[int]) -> str:
    """``n`` one-piece words with TARGET at word positions ``at`` (word i is piece i)."""
    filler = ["the", "cat", "sat", "on", "a", "mat", "and", "then", "it", "slept"]
    return " ".join(TARGET if i in at else filler[i % len(filler)] for i in range(n))


def test_it_covers_every_piece_with_overlapping_windows() -> None:
    for n in [0, 1, WINDOW - 1, WINDOW, WINDOW + 1, 2 * WINDOW, 1000, 12345]:
        starts = window_starts(n)
        covered = np.zeros(n, bool)
        for s in starts:
            covered[s:s + WINDOW] = True
        assert covered.all(), n
        if n > WINDOW:
            assert starts[-1] + WINDOW == n
            assert all(b - a <= WINDOW - OVERLAP for a, b in zip(starts, starts[1:]))


def test_it_finds_spans_at_article_start_end_and_window_seams() -> None:
    n = 1000
    positions = {0, WINDOW - OVERLAP - 1, WINDOW - OVERLAP, WINDOW - 1, WINDOW, 2 * (WINDOW - OVERLAP) + 5, n - 1}
    text = _words_text(n, positions)
    assert len(pieces(text)) == n
    found = _predictor().predict(text)
    assert len(found) == len(positions)
    for f in found:
        assert text[f.start:f.end] == TARGET
        assert f.label == "Loaded_Language"
    starts = sorted(f.start for f in found)
    assert starts[0] == 0 and starts[-1] == len(text) - len(TARGET)


def test_it_gives_one_entry_per_technique_at_the_same_offsets() -> None:
    text = "Title\n\nThey called it an outrageous plan, " + _words_text(30, {3})
    found = _predictor(two_labels=True).predict(text)
    by_offsets: dict[tuple[int, int], set[str]] = {}
    for f in found:
        assert text[f.start:f.end] == TARGET
        by_offsets.setdefault((f.start, f.end), set()).add(f.label)
    assert len(by_offsets) == 2
    assert all(labels == {"Loaded_Language", "Name_Calling,Labeling"} for labels in by_offsets.values())


def test_it_keeps_overlapping_spans_in_the_layer() -> None:
    from slant.article import Article
    from slant.doc import Doc, Span

    text = "Title\n\nA shameful, outrageous betrayal of the nation."
    doc = Doc(Article(text=text, title="Title"))
    i, j = text.index("shameful"), text.index("outrageous")
    a = Span(i, i + len("shameful, outrageous betrayal"), "Loaded_Language", 0.7)
    b = Span(j, j + len("outrageous betrayal of the nation"), "Exaggeration,Minimisation", 0.4)
    c = Span(j, j + len("outrageous betrayal of the nation"), "Flag-Waving", 0.3)
    doc.set_layer("persuasion", [a, b, c])
    spans = Doc.from_json(doc.to_json()).layers["persuasion"]
    assert sorted((s.start, s.end, s.label) for s in spans) == sorted((s.start, s.end, s.label) for s in (a, b, c))
    texts = {s.label: text[s.start:s.end] for s in spans}
    assert texts == {"Loaded_Language": "shameful, outrageous betrayal",
                     "Exaggeration,Minimisation": "outrageous betrayal of the nation",
                     "Flag-Waving": "outrageous betrayal of the nation"}


def test_it_decodes_piece_runs_to_whole_words() -> None:
    text = "Unbelievably, the extraordinarily reckless senators voted."
    p = pieces(text)
    bio = np.tile(np.array([0.9, 0.05, 0.05], np.float32), (len(p), 1))
    # Mark only the middle pieces of "extraordinarily reckless": the span must widen to whole words.
    first = int(np.searchsorted(p.offsets[:, 0], text.index("extraordinarily")))
    last = int(np.searchsorted(p.offsets[:, 0], text.index("reckless")))
    bio[first + 1:last + 1] = [0.05, 0.05, 0.9]
    spans = find_spans(text, p.offsets, bio, 0.5)
    assert [(text[s:e]) for s, e, _ in spans] == ["extraordinarily reckless"]
    assert snap_to_words(text, 2, 5) == (0, len("Unbelievably"))


def test_it_grows_a_confident_core_into_its_weaker_edges() -> None:
    text = "They said the plan was a total disaster for everyone."
    p = pieces(text)
    bio = np.tile(np.array([0.95, 0.03, 0.02], np.float32), (len(p), 1))
    a = int(np.searchsorted(p.offsets[:, 0], text.index("a total")))
    core = int(np.searchsorted(p.offsets[:, 0], text.index("disaster")))
    b = int(np.searchsorted(p.offsets[:, 0], text.index("for")))
    bio[a:b] = [0.8, 0.05, 0.15]  # weak edges: inside probability 0.2
    bio[core] = [0.1, 0.1, 0.8]  # confident core
    assert [text[s:e] for s, e, _ in find_spans(text, p.offsets, bio, 0.5)] == ["disaster"]
    # The run covers "a total disaster"; its edge article is trimmed.
    assert [text[s:e] for s, e, _ in find_spans(text, p.offsets, bio, 0.5, low=0.15)] == ["total disaster"]
    # A run that never reaches the high threshold is dropped, however long.
    bio[core] = [0.8, 0.05, 0.15]
    assert find_spans(text, p.offsets, bio, 0.5, low=0.15) == []


def test_it_trains_with_the_shipped_recipe_unless_stage_flags_are_given(monkeypatch: pytest.MonkeyPatch,
                                                                         tmp_path: Path) -> None:
    from slant.train import persuasion as training

    data = tmp_path / "ptc"
    data.mkdir()
    (data / "train-task-flc-tc.labels").write_text("", encoding="utf-8")
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(training, "train", lambda a: calls.append(("train", dict(vars(a)))))
    monkeypatch.setattr(training, "calibrate", lambda a: calls.append(("calibrate", dict(vars(a)))))
    assert training.main(["--data", str(data), "--out", str(tmp_path / "m"), "--cache", str(tmp_path / "c")]) == 0
    assert [c["seed"] for n, c in calls if n == "train"] == [
        s for s in training.MEMBER_SEEDS for _ in training.SHIPPED_RECIPE]
    assert calls[-1][0] == "calibrate" and calls[-1][1]["seeds"] == list(training.MEMBER_SEEDS)
    calls.clear()
    seeds = [13, 29]
    assert training.main(["--data", str(data), "--out", str(tmp_path / "m"), "--cache", str(tmp_path / "c"),
                          "--seeds", "13,29"]) == 0
    stages = [c for n, c in calls if n == "train"]
    # The recipe's stages, once per member seed, each member in its own folder; one split for all.
    assert [c["seed"] for c in stages] == [s for s in seeds for _ in training.SHIPPED_RECIPE]
    assert {c["split_seed"] for c in stages} == {training.SPLIT_SEED}
    assert [(c["epochs"], c["lr"], c["head_lr"]) for c in stages] == [
        (s["epochs"], s["lr"], s["head_lr"]) for s in training.SHIPPED_RECIPE] * len(seeds)
    for seed in seeds:
        member = [c for c in stages if c["seed"] == seed]
        assert member[0]["init"] is None and member[-1]["out"] == tmp_path / "c" / "members" / f"seed{seed}"
        assert all(later["init"] == earlier["out"] for earlier, later in zip(member, member[1:]))
    assert calls[-1][0] == "calibrate" and calls[-1][1]["recipe"] == "shipped"
    assert calls[-1][1]["out"] == tmp_path / "m" and calls[-1][1]["seeds"] == seeds
    calls.clear()
    training.main(["--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "1", "--seeds", "5"])
    assert [n for n, _ in calls] == ["train", "calibrate"] and calls[0][1]["lr"] == training.SINGLE_DEFAULTS["lr"]
    assert calls[0][1]["seed"] == 5 and calls[1][1]["seeds"] == [5]
    with pytest.raises(SystemExit):
        training.main(["--data", str(data), "--recipe", "shipped", "--epochs", "1"])
    with pytest.raises(SystemExit):
        training.main(["--data", str(data), "--seeds", "13,13"])


def test_a_fit_on_all_articles_takes_thresholds_and_calibration_from_the_held_out_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import json

    from slant.train import persuasion as training

    data = tmp_path / "ptc"
    data.mkdir()
    (data / "train-task-flc-tc.labels").write_text("", encoding="utf-8")
    trained: list[dict] = []
    monkeypatch.setattr(training, "train", lambda a: trained.append(dict(vars(a))))
    monkeypatch.setattr(training, "calibrate", lambda a: pytest.fail("a fit on all articles has nothing to calibrate on"))
    held, final = tmp_path / "held", tmp_path / "final"
    held.mkdir()
    final.mkdir()
    args = ["--data", str(data), "--out", str(final), "--cache", str(tmp_path / "c"), "--fit-all", "--choices-from", str(held),
            "--seeds", "13"]
    monkeypatch.setattr(training, "load_members", lambda a: [{"feat.bias": np.zeros(14, np.float32)}])
    # No held-out run yet: it stops before any training.
    with pytest.raises(SystemExit, match="no held-out run"):
        training.main(args)
    assert trained == []
    ref = {"piece_threshold": 0.45, "piece_threshold_low": 0.15, "threshold": 0.2, "second_label_min": 0.4,
           "calibration": {"kind": "platt", "a": 1.5, "b": -0.5}, "held_out": {"articles": 56, "tc_micro_f1": 0.6},
           "training": {"recipe": "shipped", "batch": 16, "tc_weight": 1.0, "seed": 7, "frozen": 0, "threads": 0,
                        "limit": 0, "stages": training.SHIPPED_RECIPE}}
    (held / "meta.json").write_text(json.dumps(ref), encoding="utf-8")
    # A held-out run of another recipe (here another seed) cannot lend its choices.
    with pytest.raises(SystemExit, match="seed"):
        training.main(args)
    assert trained == []
    # The same recipe run as one single stage, on other threads, is the same recipe.
    stage = training.SHIPPED_RECIPE[0]
    ref["training"] = {"recipe": "single", "epochs": stage["epochs"], "lr": stage["lr"], "head_lr": stage["head_lr"],
                       "init": None, "batch": 16, "tc_weight": 1.0, "seed": 13, "frozen": 0, "threads": 2, "limit": 0}
    (held / "meta.json").write_text(json.dumps(ref), encoding="utf-8")
    if len(training.SHIPPED_RECIPE) == 1:
        assert training.main(args) == 0
    ref["training"] = {**ref["training"], "recipe": "shipped", "stages": training.SHIPPED_RECIPE}
    (held / "meta.json").write_text(json.dumps(ref), encoding="utf-8")
    assert training.main(args) == 0
    assert trained and all(t["fit_all"] for t in trained)
    # Its member is kept apart from the held-out run's members of the same seed; the packed model goes to --out.
    assert trained[-1]["out"] == tmp_path / "c" / "members-fit-all" / "seed13"
    assert (final / "persuasion.safetensors").exists()
    meta = json.loads((final / "meta.json").read_text(encoding="utf-8"))
    chosen = [k for k in training.CHOSEN_ON_HELD_OUT if k in ref]  # a run before the scorer has fewer
    assert {k: meta[k] for k in training.CHOSEN_ON_HELD_OUT if k in meta} == {k: ref[k] for k in chosen}
    assert meta["training"]["fit_all"] is True and meta["held_out"]["articles"] == 56
    assert "fitted without these articles" in meta["held_out"]["model"]


def test_it_maps_character_spans_to_pieces() -> None:
    text = "Hello brave new world"
    p = pieces(text)
    assert piece_range(p.offsets, text.index("brave"), text.index("world") - 1) is not None
    first, last = piece_range(p.offsets, 6, 15)  # type: ignore[misc]
    assert text[p.offsets[first][0]:p.offsets[last][1]] == "brave new"
    assert piece_range(p.offsets, len(text), len(text)) is None


def test_it_returns_nothing_for_an_empty_text() -> None:
    pred = _predictor()
    assert pred.predict("") == []
    assert pred.predict("  \n\n ") == []
    scored = pred.score("")
    assert scored.bio.shape == (0, 3) and pred.candidates(scored) == []


@pytest.mark.slow
def test_it_reads_a_100000_word_article_in_bounded_memory() -> None:
    n = 100_000
    text = _words_text(n, {0, 50_000, n - 1})
    pred = _predictor()
    tracemalloc.start()
    found = pred.predict(text)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [text[f.start:f.end] for f in found] == [TARGET] * 3
    # Per-piece scores (45 floats) and offsets for 100k pieces are ~20 MB; the
    # encoder sees BATCH windows at a time, so the peak must not grow with it.
    assert peak < 150 * 2**20, f"peak traced memory {peak / 2**20:.0f} MB"
    assert pred.net.calls == -(-len(window_starts(n)) // 8)  # type: ignore[attr-defined]


def test_it_applies_the_output_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _words_text(20, {5})
    assert _predictor().predict(text)
    monkeypatch.setenv("SLANT_PERSUASION_THRESHOLD", "0.99")
    assert _predictor().predict(text) == []
    monkeypatch.setenv("SLANT_PERSUASION_THRESHOLD", "lots")
    with pytest.raises(ValueError, match="SLANT_PERSUASION_THRESHOLD"):
        _predictor().predict(text)


def test_it_scores_span_identification_with_partial_credit() -> None:
    gold = {"a": [(0, 10)], "b": [(0, 4)]}
    pred = {"a": [(5, 15), (20, 30)], "b": []}
    s = metrics.si_scores(pred, gold)
    assert s["precision"] == pytest.approx((5 / 10) / 2)
    assert s["recall"] == pytest.approx((5 / 10) / 2)
    # Overlapping gold spans are merged first, as the SI gold is.
    assert merge_spans([(0, 5), (3, 8), (10, 12)]) == [(0, 8), (10, 12)]
    assert metrics.si_scores({"a": [(0, 8)]}, {"a": [(0, 5), (3, 8)]})["f1"] == pytest.approx(1.0)


def test_it_scores_the_full_task_only_where_techniques_match() -> None:
    gold = {"a": [(0, 10, "Doubt")]}
    pred = {"a": [(0, 10, "Doubt"), (0, 10, "Slogans")]}
    s = metrics.full_scores(pred, gold, NAMES)
    assert s["all"]["precision"] == pytest.approx(0.5)
    assert s["all"]["recall"] == pytest.approx(1.0)
    assert s["Slogans"]["precision"] == 0.0


def test_it_scores_technique_classification_on_gold_spans() -> None:
    rows = [(0, 5, "Doubt"), (0, 5, "Slogans"), (7, 9, "Repetition")]
    pairs = metrics.assign_gold_labels(rows, lambda s, e: ["Slogans", "Doubt", "Repetition"] if s == 0 else ["Doubt"])
    assert sorted(pairs) == [("Doubt", "Doubt"), ("Repetition", "Doubt"), ("Slogans", "Slogans")]
    assert metrics.tc_scores(pairs, NAMES)["all"]["f1"] == pytest.approx(2 / 3)


def test_its_standard_errors_resample_whole_articles() -> None:
    # One article found everything, the other nothing: the mean recall over a resample of two articles is 0, 0.5
    # or 1 with chances 1/4, 1/2, 1/4, whose standard deviation is 0.354.
    found = {"a": 1.0, "b": 0.0}
    se = metrics.article_bootstrap(["a", "b"], lambda ids: [sum(found[i] for i in ids) / len(ids)], rounds=4000)
    assert se == [pytest.approx(0.354, abs=0.02)]
    # The same draws for the same seed; articles that score alike give no spread at all.
    assert metrics.article_bootstrap(["a", "b"], lambda ids: [found[ids[0]]], rounds=50, seed=3) == \
        metrics.article_bootstrap(["a", "b"], lambda ids: [found[ids[0]]], rounds=50, seed=3)
    assert metrics.article_bootstrap(["a", "a", "a"], lambda ids: [found[i] for i in ids[:1]], rounds=20) == [0.0]
    assert metrics.article_bootstrap([], lambda ids: [0.0]) == []


def test_it_writes_the_ptc_label_format() -> None:
    out = io.StringIO()
    n = write_ptc([("111", "Doubt", 3, 9), ("111", "Name_Calling,Labeling", 3, 9)], out)
    assert n == 2
    assert out.getvalue() == "111\tDoubt\t3\t9\n111\tName_Calling,Labeling\t3\t9\n"
    with pytest.raises(ValueError, match="not a PTC technique"):
        write_ptc([("1", "Sarcasm", 0, 1)], io.StringIO())


def test_it_documents_every_technique_in_the_model_card() -> None:
    from slant.persuasion.weights import MODEL_DIR
    from slant.techniques import TECHNIQUES

    card = (MODEL_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    for name, definition in TECHNIQUES.items():
        assert f"| `{name}` | {definition} |" in card, name
    for must in ("SOURCE.md", "2017", "machine-translated", "ECE"):
        assert must in card, must


def test_it_ships_small_weights_with_thresholds_and_calibration() -> None:
    import json

    from slant.persuasion.weights import META_FILE, MODEL_DIR, WEIGHTS_FILE

    # The project's rule: all committed model files together stay under 30 MB.
    models = MODEL_DIR.parent
    total = sum(f.stat().st_size for f in models.rglob("*") if f.is_file())
    assert total < 30 * 10**6, f"{models}: {total / 1e6:.1f} MB of model files"
    assert (MODEL_DIR / WEIGHTS_FILE).exists()
    meta = json.loads((MODEL_DIR / META_FILE).read_text(encoding="utf-8"))
    assert 0.0 < meta["piece_threshold"] < 1.0 and 0.0 <= meta["threshold"] < 1.0
    assert meta["calibration"] is None or meta["calibration"]["kind"] in ("isotonic", "platt")  # None: raw scores


def test_a_backend_with_its_own_choices_gets_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from safetensors.numpy import save_file

    from slant.persuasion import predictor as predictor_module

    exact = {"piece_threshold": 0.45, "piece_threshold_low": 0.15, "threshold": 0.15, "calibration": None,
             "second_label_min": 0.4}
    own = {**exact, "threshold": 0.1, "calibration": {"kind": "platt", "a": 2.0, "b": 0.0}}
    (tmp_path / "meta.json").write_text(json.dumps({**exact, "backends": {"int8": own}}), encoding="utf-8")
    save_file({"feat.weight": np.zeros((14, 5), np.float16), "feat.bias": np.zeros(14, np.float16)},
              str(tmp_path / "persuasion.safetensors"))
    for backend, want in (("int8", own), ("onnx", exact), ("torch", exact)):
        monkeypatch.setattr(predictor_module, "load_net", lambda ours, directory, b=backend: (StandIn(), b))
        pred = Predictor(tmp_path)
        assert pred.backend == backend
        assert {k: pred.meta[k] for k in exact} == want


@pytest.mark.slow
def test_calibration_chooses_for_the_network_and_again_for_its_int8_copy(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import shutil

    from slant.persuasion import runtime
    from slant.persuasion.corpus import data_dir
    from slant.persuasion.weights import MODEL_DIR
    from slant.train import persuasion as training

    if not (data_dir() / "train-task-flc-tc.labels").exists():
        pytest.skip("PTC training data not found")
    member = tmp_path / "c" / "members" / "seed13"
    member.mkdir(parents=True)
    shutil.copy(MODEL_DIR / "persuasion.safetensors", member)
    int8_calls: list[Path] = []

    def fake_int8(ours, directory, int8=False):  # type: ignore[no-untyped-def]
        # Stands in for onnxruntime's int8 copy: the network's outputs, a little less sure of every span.
        assert int8 and (directory / "persuasion.safetensors").exists()  # made from the file just written
        int8_calls.append(directory)
        net = runtime.torch_net(ours())

        def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            bio, proj, states = net.outputs(ids, mask)
            bio = bio * np.array([1.0, 0.7, 0.7], np.float32)
            return bio / bio.sum(-1, keepdims=True), proj, states
        return runtime.Network(run, "int8")

    monkeypatch.setattr(runtime, "onnx_net", fake_int8)
    out = tmp_path / "m"
    assert training.main(["--calibrate-only", "--seeds", "13", "--limit", "8", "--cache", str(tmp_path / "c"),
                          "--out", str(out)]) == 0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert int8_calls == [out]
    assert meta["members"] == [{"seed": 13}] and meta["held_out"]["articles"] == 2
    int8 = meta["backends"]["int8"]
    assert int8["held_out"]["articles"] == 2 and set(training.CHOSEN_ON_HELD_OUT) <= set(int8)
    # Chosen on other outputs: the figures they were chosen on differ.
    assert int8["held_out"]["si_f1_by_piece_threshold"] != meta["held_out"]["si_f1_by_piece_threshold"]
    assert (out / "persuasion.safetensors").read_bytes() == (MODEL_DIR / "persuasion.safetensors").read_bytes()


def test_spans_lose_function_words_and_punctuation_at_their_edges() -> None:
    text = 'So while ordinary people in the south suffer, "we will win," he said. Of the... and'
    def trimmed(phrase: str) -> str | None:
        start = text.index(phrase)
        span = trim_edges(text, start, start + len(phrase))
        return None if span is None else text[span[0]:span[1]]
    assert trimmed("while ordinary people in the") == "ordinary people"
    assert trimmed("people in the south suffer,") == "people in the south suffer"  # inside words stay
    assert trimmed('"we will win,"') == '"we will win,"'  # quote marks are part of a quoted slogan
    assert trimmed("he said.") == "he said"
    assert trimmed("Of the... and") is None  # nothing but function words and dots: no span
    # Offsets stay offsets into the text, whatever the case of the edge word.
    start = text.index("So while")
    s, e = trim_edges(text, start, start + len("So while ordinary"))  # type: ignore[misc]
    assert text[s:e] == "So while ordinary"[len("So while "):] and e == start + len("So while ordinary")


def test_the_isotonic_map_claims_no_certainty_from_a_few_spans() -> None:
    from slant.persuasion import calibration

    rng = np.random.default_rng(0)
    raw = rng.uniform(0.0, 0.6, 2000)
    right = rng.uniform(size=2000) < raw  # right about as often as the raw score says
    raw, right = np.append(raw, [0.9]), np.append(right, [True])  # one lucky span far above the rest
    cal = calibration.fit_isotonic(raw, right)
    mapped = [calibration.apply(cal, v) for v in (0.0, 0.1, 0.3, 0.5, 0.9, 0.99)]
    assert all(b >= a for a, b in zip(mapped, mapped[1:]))  # monotone
    assert mapped[-1] < 0.8  # plain isotonic regression would say 1.0 here, on one example
    # Where there are many spans the map keeps their rate.
    assert abs(calibration.apply(cal, 0.3) - 0.3) < 0.08 and abs(calibration.apply(cal, 0.5) - 0.5) < 0.08
    assert calibration.apply(cal, 0.0) > 0.0  # nor does it claim a span is certainly wrong
    assert calibration.fit_isotonic([], [])["kind"] == "isotonic"


def test_decoded_spans_are_trimmed_slices_of_the_text_whatever_the_scores() -> None:
    from slant.persuasion.decode import EDGE_WORDS

    rng = np.random.default_rng(7)
    words = ["the", "corrupt", "elites", ",", "of", "“lies”", "and", "Yoon", "Seok-yuek's", "—", "war", "in", "é", "?"]
    for _ in range(200):
        text = " ".join(rng.choice(words, size=int(rng.integers(1, 40))))
        p = pieces(text)
        bio = rng.dirichlet([1.0, 0.5, 1.0], size=len(p)).astype(np.float32)
        for s, e, conf in find_spans(text, p.offsets, bio, 0.5, low=0.2):
            assert 0 <= s < e <= len(text) and 0.0 <= conf <= 1.0
            span = text[s:e]
            assert span == span.strip() and any(ch.isalnum() for ch in span)
            first, last = span.split()[0], span.split()[-1]
            assert first.lower() not in EDGE_WORDS and last.lower() not in EDGE_WORDS, span
