"""The PTC corpus (SemEval-2020 Task 11) on disk, and its label format.

Offsets in the corpus are Python ``str`` indices into each article file read
with ``newline=""``; we read it the same way so that nothing shifts.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from pathlib import Path
from typing import Iterable, TextIO

from ..techniques import NAMES

# Where the shared data sits relative to the repository (``../shared/data``).
DEFAULT_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ptc-semeval2020-task11"


def data_dir() -> Path:
    """The PTC folder: ``$SLANT_PTC_DIR`` or ``../shared/data/ptc-semeval2020-task11``."""
    return Path(os.environ.get("SLANT_PTC_DIR", DEFAULT_DIR))


@dataclasses.dataclass(frozen=True)
class Labelled:
    """One gold or predicted row: a technique over ``text[start:end]``."""

    start: int
    end: int
    label: str


@dataclasses.dataclass
class PtcArticle:
    id: str
    text: str
    spans: list[Labelled]


def read_text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def load_split(split: str, root: Path | None = None) -> list[PtcArticle]:
    """Articles of ``split`` ("train" or "dev") with their TC gold rows, sorted by id."""
    root = root or data_dir()
    labels: dict[str, list[Labelled]] = defaultdict(list)
    with open(root / f"{split}-task-flc-tc.labels", encoding="utf-8", newline="") as fh:
        for line in fh:
            if not line.strip():
                continue
            art, tech, start, end = line.rstrip("\n").split("\t")
            if tech not in NAMES:
                raise ValueError(f"{split}: unknown technique {tech!r}")
            labels[art].append(Labelled(int(start), int(end), tech))
    out = []
    for path in sorted((root / f"{split}-articles").glob("article*.txt")):
        art_id = path.stem[len("article"):]
        out.append(PtcArticle(art_id, read_text(path), sorted(labels.get(art_id, []), key=lambda s: (s.start, s.end))))
    return out


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of ranges as disjoint ranges (how SI gold is made from TC rows)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def write_ptc(rows: Iterable[tuple[str, str, int, int]], out: TextIO) -> int:
    """Write ``article_id<TAB>technique<TAB>start<TAB>end`` lines (the PTC TC/FLC format).

    Returns the number of rows written. Techniques must be PTC names.
    """
    n = 0
    for art_id, tech, start, end in rows:
        if tech not in NAMES:
            raise ValueError(f"not a PTC technique: {tech!r}")
        if "\t" in art_id or "\n" in art_id:
            raise ValueError(f"article id {art_id!r} contains a tab or newline")
        out.write(f"{art_id}\t{tech}\t{int(start)}\t{int(end)}\n")
        n += 1
    return n
