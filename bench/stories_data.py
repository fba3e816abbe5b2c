"""The two story benchmarks' articles, read from ../shared/data, analysed once and cached.

BASIL: 100 events x 3 outlets (Fox, NYT, HuffPost); the event (``triplet-uuid``) is the gold story; the
text is the title line, a blank line, then the paragraphs (one per line, sentences joined by a space), so
each BASIL sentence has an offset in our text and its informational-bias spans can be placed in it.

ECB+: 982 tokenised articles, 43 topics x 2 subtopics; the gold story is (topic, ecb|ecbplus). The tokens
are joined back into text (spaces removed before punctuation), the first sentence is the title; the URL
(sentence 0 of the ``ecbplus`` files) becomes the article's url, never part of its text. No dates.

The analyses (the cheap stages: language, sentences, entities, entity_merge, dates) are cached as JSON
Lines under ``$SLANT_BENCH_CACHE`` (default ``~/.cache/slant/bench-stories``), keyed by the data set.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import glob
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from slant.article import Article

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("SLANT_SHARED_DATA", ROOT.parent / "shared" / "data"))
STAGES = ["language", "sentences", "entities", "entity_merge", "dates"]


@dataclasses.dataclass
class Item:
    article: Article
    gold: str  # the gold story
    group: str  # BASIL: the event; ECB+: the topic (for choosing settings on odd topics)
    # BASIL only: informational-bias spans as [start, end) in article.text.
    inf_spans: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    sentences: list[tuple[int, int]] = dataclasses.field(default_factory=list)


_OUTLETS = {"fox": "Fox News", "nyt": "The New York Times", "hpo": "HuffPost"}


def basil(root: Path = DATA / "basil") -> list[Item]:
    items = []
    for path in sorted(glob.glob(str(root / "articles" / "*" / "*.json"))):
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        title = d["title"].strip()
        text = title + "\n\n"
        sentences: list[tuple[int, int]] = []
        for para in d["body-paragraphs"]:
            parts = []
            for s in para:
                start = len(text) + sum(len(p) + 1 for p in parts)
                sentences.append((start, start + len(s)))
                parts.append(s)
            text += " ".join(parts) + "\n"
        ann_path = Path(path.replace("/articles/", "/annotations/").replace(".json", "_ann.json"))
        spans = []
        if ann_path.exists():
            ann = json.loads(ann_path.read_text(encoding="utf-8"))
            for sp in ann.get("phrase-level-annotations", []):
                if sp.get("bias") != "inf" or not str(sp.get("id", "")).startswith("p"):
                    continue
                n = int(sp["id"][1:])
                if n < len(sentences):
                    s0 = sentences[n][0]
                    spans.append((s0 + int(sp["start"]), s0 + int(sp["end"])))
        source = str(d["source"]).lower()
        art = Article(text=text, title=title, url=d.get("url"), outlet=_OUTLETS.get(source, source),
                      published=dt.date.fromisoformat(d["date"][:10]), source=path)
        items.append(Item(art, gold=d["triplet-uuid"], group=d["triplet-uuid"], inf_spans=spans, sentences=sentences))
    return items


_NO_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]}'](?:\s|$)|n't|'s|'re|'ve|'ll|'d|'m)")


_DECIMAL = re.compile(r"(?<=\d) ([.:]) (?=\d)")  # "6 . 1" -> "6.1", "18 : 07" -> "18:07" (ECB+ splits them)
_THOUSANDS = re.compile(r"(?<=\d) , (?=\d{3}\b)")  # "14 , 000" -> "14,000"


def _detok(tokens: list[str]) -> str:
    s = " ".join(tokens)
    s = _DECIMAL.sub(r"\1", s)
    s = _THOUSANDS.sub(",", s)
    s = _NO_SPACE_BEFORE.sub(r"\1", s)
    s = re.sub(r"([(\[{$]) ", r"\1", s)
    s = s.replace(" ' s ", "'s ").replace("`` ", '"').replace(" ''", '"')
    return s


def ecbplus(root: Path = DATA / "ecbplus") -> list[Item]:
    items = []
    for path in sorted(glob.glob(str(root / "ECB+" / "*" / "*.xml"))):
        name = os.path.basename(path)
        m = re.match(r"(\d+)_(\d+)(ecbplus|ecb)\.xml$", name)
        if not m:
            continue
        topic, sub = m.group(1), m.group(3)
        tree = ET.parse(path)
        sents: dict[int, list[str]] = {}
        for tok in tree.getroot().iter("token"):
            sents.setdefault(int(tok.get("sentence", "0")), []).append(tok.text or "")
        order = sorted(sents)
        url = None
        if sub == "ecbplus" and order and order[0] == 0:
            url = "".join(sents[0]).strip()
            order = order[1:]
        lines = [_detok(sents[i]) for i in order]
        if not lines:
            continue
        title, body = lines[0], lines[1:]
        text = title + "\n\n" + "\n".join(body) + "\n"
        art = Article(text=text, title=title, url=url, outlet=None, source=path)
        items.append(Item(art, gold=f"{topic}{sub}", group=topic))
    return items


def cache_dir() -> Path:
    return Path(os.environ.get("SLANT_BENCH_CACHE") or Path.home() / ".cache" / "slant" / "bench-stories")


def analyses(name: str, items: list[Item]) -> dict[str, dict[str, Any]]:
    """Article id -> analysis dict, computed with the cheap stages once and cached."""
    from slant.doc import Doc
    from slant.pipeline import Pipeline

    path = cache_dir() / f"{name}.jsonl"
    found: dict[str, dict[str, Any]] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            found[d["article"]["id"]] = d
    todo = [it for it in items if it.article.id not in found]
    if todo:
        path.parent.mkdir(parents=True, exist_ok=True)
        pipe = Pipeline(STAGES)
        with path.open("a", encoding="utf-8") as out:
            for it in todo:
                d = pipe(Doc(it.article)).to_dict()
                found[it.article.id] = d
                out.write(json.dumps(d) + "\n")
    return found


if __name__ == "__main__":
    import sys
    import time

    for name in sys.argv[1:] or ["basil", "ecbplus"]:
        t = time.time()
        its = basil() if name == "basil" else ecbplus()
        a = analyses(name, its)
        print(name, len(its), "items", len(a), "analyses", round(time.time() - t, 1), "s")
