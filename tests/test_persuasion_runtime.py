"""The persuasion network on onnxruntime: built once into the cache, checked against torch, stale files pruned."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from slant import onnxcache

TEXT = ("Title line\n\nThe corrupt elites want you to believe their lies. They will never stop. "
        "Make our country great again! " * 6)


def test_it_writes_files_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "net-abc.onnx"
    onnxcache.write_atomically(path, lambda tmp: Path(tmp).write_bytes(b"whole"))
    assert path.read_bytes() == b"whole"

    def fails(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise RuntimeError("export failed")

    with pytest.raises(RuntimeError):
        onnxcache.write_atomically(tmp_path / "net-def.onnx", fails)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net-abc.onnx"]  # no half file, no temporary left


def test_it_prunes_only_the_same_networks_other_files(tmp_path: Path) -> None:
    for name in ("persuasion-old.onnx", "persuasion-old-int8.onnx", "persuasion-new.onnx", "stance-x.onnx"):
        (tmp_path / name).write_bytes(b"x")
    onnxcache.prune(tmp_path / "persuasion-new.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["persuasion-new.onnx", "stance-x.onnx"]


def _tiny_network(path: Path) -> None:
    """A one-MatMul ONNX model: enough for the cache's build / quantize / reopen logic."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.arange(64, dtype=np.float32).reshape(8, 8) / 64, name="w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "tiny",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnxcache.write_atomically(path, lambda tmp: onnx.save(model, tmp))


@pytest.mark.parametrize("int8", [False, True])
def test_a_damaged_fp32_file_is_built_again_once_for_either_backend(tmp_path: Path, int8: bool) -> None:
    path = tmp_path / "net-key.onnx"
    path.write_bytes(b"\x08\x07 not a model")
    builds: list[Path] = []

    def build() -> None:
        builds.append(path)
        _tiny_network(path)

    sess = onnxcache.open_network(path, build, int8=int8, n_threads=1)
    y = sess.run(None, {"x": np.ones((1, 8), np.float32)})[0]
    assert builds == [path] and y.shape == (1, 8)
    assert (tmp_path / "net-key-int8.onnx").exists() == int8
    # Rebuilding does not help a build that keeps writing junk: the error reaches the caller instead of a loop.
    path.write_bytes(b"junk")
    (tmp_path / "net-key-int8.onnx").unlink(missing_ok=True)
    with pytest.raises(Exception):
        onnxcache.open_network(path, lambda: path.write_bytes(b"junk again"), int8=int8, n_threads=1)


def test_it_refuses_bad_thread_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLANT_X_THREADS", "two")
    with pytest.raises(ValueError, match="SLANT_X_THREADS"):
        onnxcache.threads("SLANT_X_THREADS")
    monkeypatch.setenv("SLANT_X_THREADS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        onnxcache.threads("SLANT_X_THREADS")
    monkeypatch.setenv("SLANT_X_THREADS", "3")
    assert onnxcache.threads("SLANT_X_THREADS") == 3


def test_it_refuses_an_unknown_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.persuasion import runtime
    from slant.persuasion.weights import our_members

    monkeypatch.setenv("SLANT_PERSUASION_BACKEND", "tensorflow")
    with pytest.raises(ValueError, match="SLANT_PERSUASION_BACKEND"):
        runtime.load_net(our_members)


@pytest.mark.slow
def test_it_builds_the_onnx_file_once_and_agrees_with_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.persuasion.predictor import Predictor
    from slant.persuasion.runtime import torch_net
    from slant.persuasion.weights import our_members

    monkeypatch.setenv("SLANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLANT_PERSUASION_BACKEND", raising=False)
    (tmp_path / "persuasion-0000000000000000.onnx").write_bytes(b"stale")  # an export of other weights
    onnx = Predictor()
    built = list(tmp_path.glob("persuasion-*.onnx"))
    assert len(built) == 1 and built[0].stat().st_size > 10_000_000, built  # the stale file is gone
    stamp = built[0].stat().st_mtime_ns

    def no_full_read(*_: object) -> None:
        raise AssertionError("the whole weights file was read although the ONNX file is cached")

    with monkeypatch.context() as m:
        m.setattr("slant.persuasion.predictor.our_members", no_full_read)
        again = Predictor()
    assert built[0].stat().st_mtime_ns == stamp  # reused, not rebuilt
    np.testing.assert_array_equal(again.feat_w, onnx.feat_w)

    members, meta = our_members(), onnx.meta
    torch_pred = Predictor(weights=members, meta=meta, net=torch_net(members))
    got, want = onnx.score(TEXT), torch_pred.score(TEXT)
    np.testing.assert_allclose(got.bio, want.bio, atol=1e-4)
    np.testing.assert_allclose(got.proj, want.proj, atol=1e-3)
    assert [(f.start, f.end, f.label) for f in onnx.predict(TEXT)] == [(f.start, f.end, f.label) for f in torch_pred.predict(TEXT)]


@pytest.mark.slow
def test_a_damaged_cache_file_is_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.persuasion.predictor import Predictor
    from slant.persuasion.runtime import cache_key
    from slant.persuasion.weights import MODEL_DIR

    monkeypatch.setenv("SLANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("SLANT_PERSUASION_BACKEND", raising=False)
    path = tmp_path / f"persuasion-{cache_key(MODEL_DIR)}.onnx"
    path.write_bytes(b"not an onnx file")
    pred = Predictor()
    assert path.stat().st_size > 10_000_000
    assert pred.predict(TEXT) is not None


@pytest.mark.slow
def test_it_falls_back_to_torch_when_the_cache_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from slant.persuasion.predictor import Predictor

    blocker = tmp_path / "file"
    blocker.write_bytes(b"")  # a file where the cache folder should go
    monkeypatch.setenv("SLANT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("SLANT_PERSUASION_BACKEND", raising=False)
    with pytest.warns(RuntimeWarning, match="using torch"):
        pred = Predictor()
    assert not os.path.exists(blocker / "cache")
    assert pred.predict("") == []
