"""Per-row int8 storage of weight matrices, and models made of several members."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from slant import weightpack
from slant.errors import ModelError


def test_it_keeps_each_row_within_half_a_step_of_its_scale() -> None:
    rng = np.random.default_rng(0)
    m = rng.normal(size=(6, 40)).astype(np.float32) * np.arange(1, 7, dtype=np.float32)[:, None]  # rows of other sizes
    m[2] = 0.0  # an all-zero row must not divide by zero
    packed = weightpack.pack({"layers.0.w": m, "layers.0.b": np.ones(6, np.float32), "head.w": m},
                             quantize=lambda name, _a: name.startswith("layers."))
    assert packed["layers.0.w.int8"].dtype == np.int8 and packed["layers.0.w.scale"].shape == (6, 1)
    assert packed["layers.0.b"].dtype == np.float16 and packed["head.w"].dtype == np.float16
    back = weightpack.unpack(packed)
    assert set(back) == {"layers.0.w", "layers.0.b", "head.w"} and all(v.dtype == np.float32 for v in back.values())
    step = np.abs(m).max(axis=1, keepdims=True) / 127
    assert np.all(np.abs(back["layers.0.w"] - m) <= step / 2 + 1e-7)
    assert np.all(back["layers.0.w"][2] == 0)
    # The largest weight of each row is exact up to float rounding.
    rows = np.arange(6)
    big = np.abs(m).argmax(axis=1)
    np.testing.assert_allclose(back["layers.0.w"][rows, big], m[rows, big], rtol=1e-6)


def test_it_refuses_int8_weights_without_their_scales() -> None:
    packed = weightpack.pack({"w": np.eye(3, dtype=np.float32)}, quantize=lambda *_: True)
    del packed["w.scale"]
    with pytest.raises(ValueError, match="w.scale"):
        weightpack.unpack(packed)


def test_members_are_stored_apart_and_read_back_in_order(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    from slant.persuasion.weights import join_members, our_members, some_of_our_weights, split_members

    rng = np.random.default_rng(1)
    members = [{"layers.0.q.weight": rng.normal(size=(4, 4)).astype(np.float32),
                "feat.weight": np.full((2, 3), float(i), np.float32), "feat.bias": np.full(2, -float(i), np.float32)}
               for i in range(3)]
    flat = join_members(members)
    assert "members.2.layers.0.q.weight.int8" in flat and "members.0.feat.bias" in flat
    save_file(flat, str(tmp_path / "persuasion.safetensors"))
    back = our_members(tmp_path)
    assert len(back) == 3
    for want, got in zip(members, back):
        np.testing.assert_allclose(got["layers.0.q.weight"], want["layers.0.q.weight"], atol=0.02)
        np.testing.assert_array_equal(got["feat.weight"], want["feat.weight"])
    heads = some_of_our_weights(("feat.weight", "feat.bias"), tmp_path)
    assert [float(h["feat.bias"][0]) for h in heads] == [0.0, -1.0, -2.0]
    # One member is stored as training writes it (no prefix, fp16), and is a model of one member.
    one = join_members(members[:1])
    assert set(one) == set(members[0]) and all(v.dtype == np.float16 for v in one.values())
    assert len(split_members(one)) == 1
    with pytest.raises(ModelError, match=r"members numbered \[0, 2\]"):
        split_members({"members.0.feat.bias": np.zeros(2), "members.2.feat.bias": np.zeros(2)}, "f.safetensors")
    # A member without a tensor inference needs is refused, not averaged over fewer members.
    del flat["members.1.feat.bias"]
    save_file(flat, str(tmp_path / "persuasion.safetensors"))
    with pytest.raises(ModelError, match="member 1 lacks"):
        some_of_our_weights(("feat.weight", "feat.bias"), tmp_path)


@pytest.mark.slow
def test_a_model_of_two_members_outputs_their_mean() -> None:
    import torch

    from slant.persuasion.network import Upper
    from slant.persuasion.predictor import Predictor
    from slant.persuasion.runtime import _check_input, torch_net

    def member(seed: int) -> dict[str, np.ndarray]:
        torch.manual_seed(seed)
        return {k: v.numpy().copy() for k, v in Upper().state_dict().items()}

    a, b = member(1), member(2)
    ids, mask = _check_input()
    bio_a, proj_a = torch_net([a])(ids, mask)
    bio_b, proj_b = torch_net([b])(ids, mask)
    bio, proj = torch_net([a, b])(ids, mask)
    np.testing.assert_allclose(bio, (bio_a + bio_b) / 2, atol=1e-6)
    np.testing.assert_allclose(proj, (proj_a + proj_b) / 2, atol=1e-5)
    assert not np.allclose(bio_a, bio_b)  # the members differ, so the mean is a real test
    pred = Predictor(weights=[a, b], meta={"piece_threshold": 0.5, "threshold": 0.0}, net=lambda i, m: (bio, proj))
    np.testing.assert_allclose(pred.feat_w, (a["feat.weight"] + b["feat.weight"]) / 2)
    # Members trained above different frozen layers cannot share one lower network.
    c = {k: v for k, v in a.items() if not k.startswith("layers.5.")}
    with pytest.raises(ModelError, match="different frozen layers"):
        torch_net([a, c])
