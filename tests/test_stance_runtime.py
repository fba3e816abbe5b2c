"""The stance network on onnxruntime: built once into the cache, equal to torch, torch as the fallback."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from slant.stance.classifier import BATCH_SIZE, MAX_TOKENS, MODEL_DIR, StanceClassifier, batches

SENTENCES = [
    ("Critics rightly call Delaney a liar and a coward.", "Delaney"),
    ("Patel is widely admired for her courage and generosity.", "Patel"),
    ("The ministry said on Monday that Okafor would attend the summit.", "Okafor"),
    ("Zoë Müller-Ström, the café's owner, thanked 北京 officials today 🙂.", "Müller-Ström"),
    ("A long sentence " + "about nothing in particular, " * 25 + "ends with Ramírez being thanked.", "Ramírez"),
]
ITEMS = [(s, s.index(t), s.index(t) + len(t)) for s, t in SENTENCES]


def test_batches_cover_every_input_once_in_order_within_both_caps() -> None:
    lengths = sorted([12, 12, 15, 20, 31, 40, 40, 64, 90, 128, 128, 300])
    got = batches(lengths, batch_size=3, max_tokens=130)
    assert [i for b in got for i in b] == list(range(len(lengths)))
    for b in got:
        assert len(b) <= 3
        assert len(b) == 1 or lengths[b[-1]] * len(b) <= 130
    assert [300] == [lengths[i] for i in got[-1]]  # longer than the cap: alone
    assert batches([], BATCH_SIZE, MAX_TOKENS) == []


def test_it_classifies_no_mentions_as_nothing() -> None:
    assert StanceClassifier().predict([]) == []


@pytest.mark.slow
def test_it_builds_the_onnx_file_once_and_agrees_with_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLANT_STANCE_BACKEND", raising=False)
    (tmp_path / "stance-0000000000000000.onnx").write_bytes(b"stale")  # an export for other weights
    onnx = StanceClassifier()
    assert onnx.backend == "onnxruntime"
    built = list(tmp_path.glob("stance-*.onnx"))
    assert len(built) == 1 and built[0].stat().st_size > 10_000_000, built  # the stale one is gone
    stamp = built[0].stat().st_mtime_ns
    assert StanceClassifier().backend == "onnxruntime"
    assert built[0].stat().st_mtime_ns == stamp  # reused, not rebuilt

    monkeypatch.setenv("SLANT_STANCE_BACKEND", "torch")
    torch_clf = StanceClassifier()
    assert torch_clf.backend == "torch"
    got, want = np.array(onnx.predict(ITEMS)), np.array(torch_clf.predict(ITEMS))
    np.testing.assert_allclose(got, want, atol=1e-4)
    assert (got.argmax(1) == want.argmax(1)).all()
    np.testing.assert_allclose(got.sum(1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_a_damaged_cache_file_is_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.stance.runtime import cache_key

    monkeypatch.setenv("SLANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLANT_STANCE_BACKEND", raising=False)
    damaged = tmp_path / f"stance-{cache_key(MODEL_DIR)}.onnx"
    damaged.write_bytes(b"\x08\x07 not a model")
    clf = StanceClassifier()
    assert clf.backend == "onnxruntime"
    assert damaged.stat().st_size > 10_000_000
    assert clf.predict(ITEMS[:1])[0][0] > 0.5


@pytest.mark.slow
def test_the_int8_option_builds_its_own_file_and_keeps_clear_cases(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("SLANT_STANCE_BACKEND", "int8")
    clf = StanceClassifier()
    assert clf.backend == "onnxruntime-int8"
    names = sorted(p.name for p in tmp_path.glob("stance-*.onnx"))
    assert len(names) == 2 and names[0].endswith("-int8.onnx"), names  # the fp32 file it was made from stays
    probs = np.array(clf.predict(ITEMS))
    np.testing.assert_allclose(probs.sum(1), 1.0, atol=1e-5)
    assert probs[0].argmax() == 0 and probs[1].argmax() == 2  # "a liar and a coward"; "widely admired"


def test_it_falls_back_to_torch_when_the_cache_cannot_be_written(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("SLANT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("SLANT_STANCE_BACKEND", raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = StanceClassifier()
    assert clf.backend == "torch"
    assert any("onnxruntime path unavailable" in str(w.message) for w in caught)
    probs = clf.predict(ITEMS[:2])
    assert probs[0][0] > 0.5  # "a liar and a coward": negative


def test_it_refuses_an_unknown_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_STANCE_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="SLANT_STANCE_BACKEND"):
        StanceClassifier()


def test_it_refuses_a_bad_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.stance import runtime

    monkeypatch.setenv("SLANT_STANCE_THREADS", "zero")
    with pytest.raises(ValueError, match="SLANT_STANCE_THREADS"):
        runtime.threads()
    monkeypatch.setenv("SLANT_STANCE_THREADS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        runtime.threads()


def test_the_cache_key_follows_the_weights(tmp_path: Path) -> None:
    from slant.stance.runtime import cache_key

    for name in ("stance.safetensors", "config.json"):
        (tmp_path / name).write_bytes((MODEL_DIR / name).read_bytes())
    same = cache_key(tmp_path)
    assert same == cache_key(MODEL_DIR)
    (tmp_path / "stance.safetensors").write_bytes((MODEL_DIR / "stance.safetensors").read_bytes() + b"\0")
    assert cache_key(tmp_path) != same
