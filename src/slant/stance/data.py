"""Reading NewsMTSC (``../shared/data/newsmtsc``) into (sentence, start, end, label).

The data is read from the shared folder at run time and never copied into the
repository. ``polarity`` 2.0 / 4.0 / 6.0 means negative / neutral / positive;
``to`` is an exclusive offset (the dataset readme says otherwise; SOURCE.md
checked it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from .labels import LABELS

POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}

SPLITS = {
    "train": "train.jsonl",
    "rw/dev": "dev_test_split/newsmtsc-rw/dev.jsonl",
    "rw/test": "dev_test_split/newsmtsc-rw/test.jsonl",
    "mt/dev": "dev_test_split/newsmtsc-mt/dev.jsonl",
    "mt/test": "dev_test_split/newsmtsc-mt/test.jsonl",
}


@dataclass(frozen=True)
class Target:
    sentence: str
    start: int
    end: int
    label: int  # index into LABELS
    gid: str

    @property
    def mention(self) -> str:
        return self.sentence[self.start : self.end]


def default_root() -> Path:
    """``$SLANT_SHARED_DATA/newsmtsc``, else ``../shared/data/newsmtsc`` seen from the repository root."""
    shared = os.environ.get("SLANT_SHARED_DATA")
    base = Path(shared) if shared else Path(__file__).resolve().parents[3].parent / "shared" / "data"
    return base / "newsmtsc"


def read(split: str, root: Path | None = None) -> list[Target]:
    root = root or default_root()
    path = root / SPLITS[split]
    if not path.is_file():
        raise FileNotFoundError(f"{path}: NewsMTSC split {split!r} not found")
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            sentence = rec["sentence_normalized"]
            for t in rec["targets"]:
                label = LABELS.index(POLARITY[float(t["polarity"])])
                out.append(Target(sentence, int(t["from"]), int(t["to"]), label, t["Input.gid"]))
    return out
