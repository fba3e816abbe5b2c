"""The article vector for story grouping is computed by the batch workers, where the models live.

The driver stores results one after another; if it also had to run the
MiniLM pass for every article's vector, two workers could not outpace it.
"""

from __future__ import annotations

import numpy as np

from slant import batch, store
from slant.article import Article
from slant.batch import work
from slant.doc import Doc
from slant.store.aggregates import embed


def _articles(n: int) -> list[Article]:
    out = []
    for i in range(n):
        text = (f"Flood {i} in the valley\n\nRiver number {i} broke its banks on Tuesday and the town of "
                f"Riverside{i} was evacuated, officials said. Rescue teams worked through the night.")
        out.append(Article(text=text, title=text.split("\n", 1)[0], source=f"flood{i}.txt"))
    return out


def test_the_vector_survives_the_process_boundary():
    doc = Doc(_articles(1)[0])
    work.with_vector(doc)
    back = work.decoded(work.encoded(doc))
    assert back.to_dict() == doc.to_dict()
    # Sent as float16: what the store keeps anyway (``embed.to_bytes``).
    assert np.allclose(back.cache[work.VECTOR], doc.cache[work.VECTOR], atol=2e-3)
    plain = Doc(_articles(1)[0])
    assert work.VECTOR not in work.decoded(work.encoded(plain)).cache


def test_pool_workers_compute_the_vector_only_when_asked():
    items = _articles(3)
    want = embed.vectors([a.text for a in items])
    with_vec = list(batch.run(items, stages=["language"], workers=2, vector=True))
    assert [o.doc.article.id for o in with_vec] == [a.id for a in items]
    for outcome, expected in zip(with_vec, want):
        got = outcome.doc.cache[work.VECTOR]
        assert got.shape == (embed.DIM,)
        assert float(np.dot(got, expected)) > 0.999
    without = list(batch.run(items, stages=["language"], workers=2))
    assert all(work.VECTOR not in o.doc.cache for o in without)


def test_ingest_stores_the_workers_vectors(tmp_path, sqlite_url):
    items = _articles(4)
    db = f"sqlite:///{tmp_path / 'v.sqlite3'}"
    summary = batch.ingest(items, db=db, stages=["language"], workers=2)
    assert summary.stored == 4 and not summary.failures
    using = store.setup(db)
    from slant.store.aggregates.models import ArticleEmbedding

    stored = {e.article_id: embed.from_bytes(e.vector) for e in ArticleEmbedding.objects.using(using).all()}
    assert set(stored) == {a.id for a in items}
    for article, expected in zip(items, embed.vectors([a.text for a in items])):
        assert float(np.dot(stored[article.id], expected)) > 0.999


def test_the_onnx_graph_is_what_torch_computes():
    import torch

    texts = ["The council met on Monday.", "A much longer sentence about the flood, the rescue and the town."]
    ids, mask = embed._pieces(texts)
    with torch.inference_mode():
        want = embed._torch_module()(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    assert np.allclose(embed.vectors(texts), want, atol=1e-4)


def test_a_bad_size_setting_stops_the_run_before_any_item(tmp_path, monkeypatch, sqlite_url):
    import pytest

    from slant.conf import SettingError

    path = tmp_path / "one.txt"
    path.write_text("A short text about the council.", encoding="utf-8")
    monkeypatch.setenv("SLANT_MAX_BYTES", "inf")
    with pytest.raises(SettingError, match="SLANT_MAX_BYTES='inf'"):
        batch.ingest([path], db=f"sqlite:///{tmp_path / 'x.sqlite3'}", stages=["language"])


def test_vectors_fall_back_to_torch_when_the_cache_cannot_be_written(tmp_path, monkeypatch):
    texts = ["The council met on Monday.", "Floods closed the valley road."]
    want = embed.vectors(texts)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("SLANT_CACHE_DIR", str(blocked / "cache"))  # a folder under a file: mkdir fails
    embed._runner.cache_clear()
    try:
        got = embed.vectors(texts)
    finally:
        embed._runner.cache_clear()
    assert np.allclose(got, want, atol=1e-4)
    assert not (blocked / "cache").exists()
