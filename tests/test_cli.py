"""The ``slant`` command, through typer's test runner (in-process)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import types
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from slant.article import text_id
from slant.cli import app
from slant.doc import Doc, Span

runner = CliRunner()
PHRASES = {"traitors": ("Name_Calling,Labeling", 0.8), "shameful": ("Loaded_Language", 0.3)}


@pytest.fixture
def marker_stage(temporary_stage) -> str:  # type: ignore[no-untyped-def]
    """A cheap, deterministic stand-in for persuasion: marks fixed words with fixed scores."""

    def run(doc: Doc) -> Doc:
        spans = []
        for phrase, (label, score) in PHRASES.items():
            at = doc.text.find(phrase)
            if at >= 0:
                spans.append(Span(at, at + len(phrase), label, score))
        doc.set_layer("persuasion", spans)
        return doc

    return temporary_stage("test_marker", run, adds=("persuasion",))


def _files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "article111.txt": "Title 111\n\nThey are traitors. A shameful plan.\n",
        "article222.txt": "Title 222\n\nA calm report on the harbour.\n",
        "notes.txt": "Our own story\n\nA shameful plan, they said.\n",
    }
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_analyze_json_prints_one_object_per_input_in_input_order(tmp_path: Path, tmp_data_dir: Path) -> None:
    files = _files(tmp_path / "in")
    order = [files["notes.txt"], files["article111.txt"], files["article222.txt"]]
    result = runner.invoke(app, ["analyze", *map(str, order), "--json", "--stages", "language"])

    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["article"]["title"] for o in objects] == ["Our own story", "Title 111", "Title 222"]
    for obj, path in zip(objects, order):
        assert obj["schema"] == "slant.analysis/1"
        assert obj["article"]["text"] == path.read_text(encoding="utf-8")
        assert obj["article"]["id"] == text_id(obj["article"]["text"])
        assert obj["stages"]["ran"] == ["language"]


def test_analyze_names_each_bad_input_and_exits_non_zero(tmp_path: Path, tmp_data_dir: Path) -> None:
    files = _files(tmp_path / "in")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.html"
    result = runner.invoke(app, ["analyze", str(empty), str(files["article222.txt"]), str(missing),
                                 "--json", "--stages", "language"])

    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1  # the good one is still analysed
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert errors[0].startswith(f"error: {empty}: ") and errors[1].startswith(f"error: {missing}: ")
    assert "2 of 3 input(s) failed:" in result.stderr


def test_error_lines_print_brackets_as_they_are(tmp_path: Path, tmp_data_dir: Path) -> None:
    missing = tmp_path / "[draft] story.txt"
    result = runner.invoke(app, ["analyze", str(missing), "--stages", "language"])
    assert result.exit_code == 1
    assert f"error: {missing}: " in result.stderr


def test_analyze_prints_a_terminal_report_by_default(tmp_path: Path, tmp_data_dir: Path, marker_stage: str) -> None:
    files = _files(tmp_path / "in")
    result = runner.invoke(app, ["analyze", str(files["article111.txt"]), "--stages", f"language,{marker_stage}"])
    assert result.exit_code == 0, result.output
    assert "Title 111" in result.stdout
    assert "traitors" in result.stdout


def test_analyze_writes_a_standalone_html_page(tmp_path: Path, tmp_data_dir: Path, marker_stage: str) -> None:
    files = _files(tmp_path / "in")
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["analyze", str(files["article111.txt"]), str(files["article222.txt"]),
                                 "--html", str(out), "--quiet", "--stages", f"language,{marker_stage}"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "Title 111" in page and "Title 222" in page
    assert "<script src=" not in page and "<link rel=\"stylesheet\" href=" not in page  # standalone
    assert result.stdout == ""


def test_analyze_with_html_still_prints_the_report_unless_quiet(tmp_path: Path, tmp_data_dir: Path, marker_stage: str) -> None:
    files = _files(tmp_path / "in")
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["analyze", str(files["article111.txt"]), "--html", str(out),
                                 "--stages", f"language,{marker_stage}"])
    assert result.exit_code == 0, result.output
    assert "Title 111" in result.stdout
    assert "Title 111" in out.read_text(encoding="utf-8")


def test_threshold_hides_persuasion_spans_scored_below_it(tmp_path: Path, tmp_data_dir: Path, marker_stage: str) -> None:
    files = _files(tmp_path / "in")
    args = ["analyze", str(files["article111.txt"]), "--json", "--stages", f"language,{marker_stage}"]
    everything = json.loads(runner.invoke(app, args).stdout)
    above = json.loads(runner.invoke(app, [*args, "--threshold", "0.5"]).stdout)
    assert [s["label"] for s in everything["layers"]["persuasion"]] == ["Name_Calling,Labeling", "Loaded_Language"]
    assert [s["label"] for s in above["layers"]["persuasion"]] == ["Name_Calling,Labeling"]
    assert above["summary"]["techniques"] == {"Name_Calling,Labeling": 1}


def test_threshold_and_all_candidates_change_what_the_reports_show(tmp_path: Path, tmp_data_dir: Path, marker_stage: str) -> None:
    files = _files(tmp_path / "in")
    args = ["analyze", str(files["article111.txt"]), "--stages", f"language,{marker_stage}"]

    def terminal(*extra: str) -> str:
        result = runner.invoke(app, [*args, *extra], env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        return result.stdout

    low, high, both = terminal("--threshold", "0.2"), terminal("--threshold", "0.5"), terminal("--threshold", "0.5", "--all-candidates")
    assert "[2 shameful]2" in low and "[1 traitors]1" in low
    assert "shameful]" not in high and "[1 traitors]1" in high and "1 more candidate scored below 0.50" in high
    assert "[?2 shameful]2" in both and "?2  Loaded Language" in both
    page = tmp_path / "r.html"

    def heads(*extra: str) -> dict[str, bool]:
        assert runner.invoke(app, [*args, "-q", "--html", str(page), *extra]).exit_code == 0
        marks = re.findall(r'<mark class="([^"]*)"[^>]*data-label="([^"]*)"[^>]*data-head="1"', page.read_text(encoding="utf-8"))
        return {label: "cand" in classes.split() for classes, label in marks}

    assert heads("--threshold", "0.2") == {"Name_Calling,Labeling": False, "Loaded_Language": False}
    assert heads("--threshold", "0.5") == {"Name_Calling,Labeling": False, "Loaded_Language": True}
    assert 'class="show-cands" checked>' not in page.read_text(encoding="utf-8")
    assert heads("--threshold", "0.5", "--all-candidates") == {"Name_Calling,Labeling": False, "Loaded_Language": True}
    assert 'class="show-cands" checked>' in page.read_text(encoding="utf-8")


def test_unknown_stages_are_a_usage_error(tmp_path: Path, tmp_data_dir: Path) -> None:
    files = _files(tmp_path / "in")
    result = runner.invoke(app, ["analyze", str(files["notes.txt"]), "--stages", "language,nonsense"])
    assert result.exit_code == 2
    assert "nonsense" in result.stderr


def test_a_model_that_cannot_load_is_one_error_not_one_per_article(tmp_path: Path, db_url: str, temporary_stage) -> None:  # type: ignore[no-untyped-def]
    from slant.errors import ModelError

    def factory():  # type: ignore[no-untyped-def]
        raise ModelError("weights not found at /nowhere/model.safetensors")

    name = temporary_stage("test_unloadable", factory=factory, adds=("nothing",))
    folder = tmp_path / "in"
    _files(folder)
    for command in (["analyze", str(folder)], ["ingest", str(folder), "--db", db_url]):
        result = runner.invoke(app, [*command, "--stages", f"language,{name}"])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("weights not found at /nowhere/model.safetensors") == 1


def test_ingest_then_export_in_all_three_formats(tmp_path: Path, db_url: str, marker_stage: str) -> None:
    folder = tmp_path / "in"
    files = _files(folder)
    stages = f"language,{marker_stage}"

    result = runner.invoke(app, ["ingest", str(folder), "--db", db_url, "--stages", stages])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3 stored, 0 skipped (already stored), 0 failed")

    again = runner.invoke(app, ["ingest", str(folder), "--db", db_url, "--stages", stages])
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("0 stored, 3 skipped (already stored), 0 failed")

    ptc = runner.invoke(app, ["export", "--db", db_url, "--format", "ptc"])
    assert ptc.exit_code == 0, ptc.output
    notes_id = text_id(files["notes.txt"].read_text(encoding="utf-8"))
    assert ptc.stdout == (
        "111\tName_Calling,Labeling\t20\t28\n"
        "111\tLoaded_Language\t32\t40\n"
        f"{notes_id}\tLoaded_Language\t17\t25\n"
    )

    jsonl = runner.invoke(app, ["export", "--db", db_url, "--format", "jsonl"])
    objects = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [o["article"]["title"] for o in objects] == ["Title 111", "Title 222", "Our own story"]

    out = tmp_path / "spans.csv"
    result = runner.invoke(app, ["export", "--db", db_url, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["layer"], r["label"], r["text"], r["title"]) for r in rows] == [
        ("persuasion", "Name_Calling,Labeling", "traitors", "Title 111"),
        ("persuasion", "Loaded_Language", "shameful", "Title 111"),
        ("persuasion", "Loaded_Language", "shameful", "Our own story"),
    ]


def test_ingest_lists_failures_at_the_end_and_exits_non_zero(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    _files(folder)
    (folder / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(folder), str(tmp_path / "nope"), "--db", db_url, "--stages", "language"])
    assert result.exit_code == 1
    assert result.stdout.startswith("3 stored, 0 skipped (already stored), 2 failed")
    tail = result.stderr[result.stderr.index("2 of 5 input(s) failed:"):]
    assert "empty.txt: " in tail and "nope: " in tail


def test_stages_lists_the_registered_stages(tmp_data_dir: Path) -> None:
    result = runner.invoke(app, ["stages"])
    assert result.exit_code == 0, result.output
    for name in ("language", "sentences", "entities"):
        assert name in result.stdout


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = ("import sys, slant.cli; "
            "print(sorted(m for m in ('torch', 'ray', 'django', 'spacy', 'transformers', 'lingua') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("analyze", "ingest", "export", "stages", "user", "token", "serve", "train"):
        assert command in result.stdout


def test_train_passes_its_arguments_through(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    fake = types.ModuleType("slant.train.stance")
    fake.main = lambda argv: calls.append(argv) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "slant.train.stance", fake)
    result = runner.invoke(app, ["train", "stance", "--epochs", "1", "--out", "x"])
    assert result.exit_code == 0, result.output
    assert calls == [["--epochs", "1", "--out", "x"]]


def test_user_add_reads_the_password_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import slant.web.cli

    calls = []
    monkeypatch.setattr(slant.web.cli, "user_add", lambda name, password, email="": calls.append((name, password)))
    result = runner.invoke(app, ["user", "add", "ada", "--password-stdin"], input="correct horse battery\nignored\n")
    assert result.exit_code == 0, result.output
    assert calls == [("ada", "correct horse battery")]
