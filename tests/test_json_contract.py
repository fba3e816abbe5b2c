"""The slant.analysis/1 contract: keys, offsets, the round trip, and one JSON for CLI and store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import slant
from slant.cli import app
from slant.doc import SCHEMA, Doc, Span
from slant.errors import ContractError

SPACY = ["language", "sentences", "entities"]
TEXT = (
    "Seoul rejects the talks\n\n"
    "South Korea said on Tuesday that it would not join the talks in Geneva. "
    "President Yoon Suk Yeol called the proposal “a shameful trap” — the café owners of Zürich 😀 disagreed. "
    "The United Nations declined to comment.\n"
)
ARTICLE_KEYS = {"id", "title", "text", "url", "outlet", "author", "published", "language"}


@pytest.fixture(scope="module")
def doc() -> Doc:
    doc = slant.analyze(TEXT, stages=SPACY)
    # A persuasion layer with contract fields, so the summary is exercised too.
    start = TEXT.index("a shameful trap")
    doc.set_layer("persuasion", [Span(start, start + len("a shameful trap"), "Loaded_Language", 0.91)])
    return doc


def test_the_json_has_the_contract_keys_and_valid_offsets(doc: Doc) -> None:
    data = json.loads(doc.to_json())
    assert data["schema"] == SCHEMA == "slant.analysis/1"
    assert {"article", "layers", "entities", "summary"} <= set(data)
    assert set(data["article"]) == ARTICLE_KEYS
    assert data["article"]["text"] == TEXT
    assert data["article"]["id"] == slant.text_id(TEXT)
    assert data["article"]["language"] == "en"
    assert {"sentences", "entities", "persuasion"} <= set(data["layers"])
    for name, spans in data["layers"].items():
        for span in spans:
            assert isinstance(span["start"], int) and isinstance(span["end"], int)
            assert 0 <= span["start"] <= span["end"] <= len(TEXT), (name, span)
    mentions = {TEXT[s["start"]:s["end"]]: s["label"] for s in data["layers"]["entities"]}
    assert mentions.get("South Korea") == "GPE"
    assert "Geneva" in mentions
    assert data["summary"]["techniques"] == {"Loaded_Language": 1}
    assert 0 < data["summary"]["persuasive_share"] < 1


def test_it_round_trips_exactly(doc: Doc) -> None:
    text = doc.to_json()
    back = Doc.from_json(text)
    assert back.to_json() == text
    assert back.layers == doc.layers
    assert back.article == doc.article.replace(source=None)
    # Non-ASCII stays as it is (offsets are str indices, not bytes or UTF-16 units).
    assert "😀" in text and "Zürich" in text


def test_it_refuses_json_that_breaks_the_contract(doc: Doc) -> None:
    data = doc.to_dict()
    with pytest.raises(ContractError):
        Doc.from_dict({**data, "schema": "slant.analysis/0"})
    broken = json.loads(json.dumps(data))
    broken["layers"]["sentences"].append({"start": 0, "end": len(TEXT) + 1})
    with pytest.raises(ContractError):
        Doc.from_dict(broken)
    with pytest.raises(ContractError):
        Doc.from_json("{not json")


def test_the_cli_and_the_store_give_the_same_json(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "seoul.txt"
    path.write_text(TEXT, encoding="utf-8")
    runner = CliRunner()
    stages = ",".join(SPACY)

    printed = runner.invoke(app, ["analyze", str(path), "--json", "--stages", stages])
    assert printed.exit_code == 0, printed.output
    assert runner.invoke(app, ["ingest", str(path), "--db", db_url, "--stages", stages]).exit_code == 0
    exported = runner.invoke(app, ["export", "--db", db_url, "--format", "jsonl"])
    assert exported.exit_code == 0, exported.output

    assert json.loads(exported.stdout) == json.loads(printed.stdout)
    assert Doc.from_json(printed.stdout).to_dict() == json.loads(printed.stdout)
