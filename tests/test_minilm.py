"""The MiniLM kit: one forward pass for every network, loaded once per process, cache keys free of paths."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from slant import onnxcache


def test_cache_keys_survive_moving_a_file_and_change_with_its_bytes(tmp_path: Path) -> None:
    a = tmp_path / "one" / "weights.bin"
    a.parent.mkdir()
    a.write_bytes(b"\x00\x01weights")
    key = onnxcache.cache_key("net-export-1", a)
    moved = tmp_path / "elsewhere" / "renamed.bin"
    moved.parent.mkdir()
    shutil.move(str(a), str(moved))
    assert onnxcache.cache_key("net-export-1", moved) == key
    assert onnxcache.cache_key("net-export-2", moved) != key  # a version constant bumped
    moved.write_bytes(b"\x00\x01weightz")
    assert onnxcache.cache_key("net-export-1", moved) != key  # other weights


def test_the_persuasion_key_does_not_depend_on_where_the_checkout_lies(tmp_path: Path) -> None:
    from slant.persuasion.runtime import cache_key
    from slant.persuasion.weights import MODEL_DIR, WEIGHTS_FILE

    copy = tmp_path / "models" / "persuasion"
    copy.mkdir(parents=True)
    shutil.copy(MODEL_DIR / WEIGHTS_FILE, copy / WEIGHTS_FILE)
    assert cache_key(copy) == cache_key(MODEL_DIR)


SCRIPT = r"""
import numpy as np
from slant.minilm import weights
from slant.persuasion.predictor import Predictor
from slant.persuasion import runtime
from slant.stance.author import AuthorStance

pred = Predictor()
stance = AuthorStance()
again = Predictor()
assert pred.net is again.net is stance.net, "the persuasion network was loaded twice"
text = "Title\n\nThe ministry said on Monday that the talks would go on. " * 30
pred.score(text)
runs = []
real = stance.net._run
stance.net._run = lambda ids, mask: runs.append(1) or real(ids, mask)
stance.states(text)
assert not runs, "the stance stage ran the encoder again on windows the persuasion stage had just read"
print("wheel loads", weights.LOADS)
"""


@pytest.mark.slow
def test_the_kit_loads_once_per_process_and_the_stages_share_one_pass(tmp_path: Path) -> None:
    env = {"SLANT_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
           "SLANT_PERSUASION_BACKEND": "torch", "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "wheel loads 1" in out.stdout, out.stdout


def test_the_kit_block_is_the_persuasion_block_and_the_wheel_variant_matches_bertmodel() -> None:
    torch = pytest.importorskip("torch")
    from slant.minilm.encoder import PERSUASION, WHEEL, from_wheel
    from slant.minilm.weights import wheel_weights

    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1, 1, 1, 0, 0]])
    tanh, erf = from_wheel(6, PERSUASION), from_wheel(6, WHEEL)
    with torch.inference_mode():
        a, b = tanh(ids, mask)[0, :6].numpy(), erf(ids, mask)[0, :6].numpy()
    # The two GELU forms differ by little, but they do differ: the variant is applied.
    assert 0 < float(np.abs(a - b).max()) < 0.1
    assert wheel_weights() is wheel_weights()
    transformers = pytest.importorskip("transformers")
    from slant.minilm.tokenizer import wheel_dir

    ref = transformers.AutoModel.from_pretrained(wheel_dir(), add_pooling_layer=False).eval()
    with torch.inference_mode():
        want = ref(input_ids=ids, attention_mask=mask).last_hidden_state[0, :6].numpy()
    np.testing.assert_allclose(b, want, atol=1e-4)


def test_the_sentence_encoder_shim_is_the_kits_wheel_variant() -> None:
    torch = pytest.importorskip("torch")
    from slant.encoder import WordPieces, load_wheel
    from slant.minilm.encoder import WHEEL

    net = load_wheel()
    assert net.variant == WHEEL and len(net.layers) == 6
    tok = WordPieces()
    ids = torch.tensor([[tok.cls_token_id, *tok(["a test"], add_special_tokens=False)["input_ids"][0], tok.sep_token_id]])
    with torch.inference_mode():
        assert net(ids, torch.ones_like(ids)).shape == (1, ids.shape[1], 384)
