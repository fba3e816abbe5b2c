"""The approximate nearest-neighbour index over article vectors (usearch, HNSW, cosine).

usearch was chosen by measuring it beside hnswlib and faiss-cpu's HNSW on 100,000 vectors
(BENCHMARKS.md, "Stories"): the same recall at k=30, single inserts without resizing, and
keys of our own. Below ``EXACT_BELOW`` vectors, a search is exact (a matrix product), which
is as fast and has no approximation at all.
"""

from __future__ import annotations

import numpy as np

EXACT_BELOW = 2048


def _onnxruntime_first() -> None:
    """Load onnxruntime before usearch: with usearch 2.26.6 and onnxruntime 1.32.0, importing onnxruntime
    into a process that has loaded ``usearch.compiled`` crashes it (a segmentation fault in onnxruntime's
    module init), and a process that grouped 2,048 articles then computed its first article vector died so."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        pass


class VectorIndex:
    """Integer key -> unit vector; ``search`` gives ``(key, cosine)`` pairs, best first."""

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self._keys: list[int] = []
        self._keyset: set[int] = set()
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None
        self._ann = None

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: int) -> bool:
        return key in self._keyset

    def _make_ann(self) -> None:
        _onnxruntime_first()
        from usearch.index import Index

        ann = Index(ndim=self.dim, metric="cos", dtype="f16", connectivity=16, expansion_add=128, expansion_search=64)
        if self._keys:
            ann.add(np.asarray(self._keys, dtype=np.uint64), np.vstack(self._rows).astype(np.float32), threads=1)
        self._ann = ann

    def add(self, key: int, vector: np.ndarray) -> None:
        self.add_many([key], np.asarray(vector, dtype=np.float32)[None, :])

    def add_many(self, keys: list[int], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        fresh = [i for i, k in enumerate(keys) if int(k) not in self._keyset]
        if len(fresh) < len(keys):  # a key the index holds already is not added twice
            keys, vectors = [keys[i] for i in fresh], vectors[fresh]
        if not len(keys):
            return
        self._keys.extend(int(k) for k in keys)
        self._keyset.update(int(k) for k in keys)
        self._matrix = None
        if self._ann is not None:
            self._ann.add(np.asarray(keys, dtype=np.uint64), vectors, threads=1)
            return
        self._rows.extend(vectors)
        if len(self._keys) >= EXACT_BELOW:
            self._make_ann()
            self._rows = []  # the index holds them now

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if not self._keys:
            return []
        v = np.asarray(vector, dtype=np.float32)
        if self._ann is None:
            if self._matrix is None:
                self._matrix = np.vstack(self._rows)
            sims = self._matrix @ v
            top = np.argsort(-sims)[:k]
            return [(self._keys[i], float(sims[i])) for i in top]
        found = self._ann.search(v, min(k, len(self._keys)))
        return [(int(key), 1.0 - float(dist)) for key, dist in zip(found.keys, found.distances)]
