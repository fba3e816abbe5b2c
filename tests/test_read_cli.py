"""What the command line makes of the readers' errors and warnings, and its exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from slant import cli
from slant.doc import Doc

runner = CliRunner()


@pytest.fixture
def noop_stage(temporary_stage) -> str:  # type: ignore[no-untyped-def]
    def run(doc: Doc) -> Doc:
        doc.set_layer("noop", [])
        return doc

    return temporary_stage("test_noop", run, adds=("noop",))


@pytest.fixture
def broken_stage(temporary_stage) -> str:  # type: ignore[no-untyped-def]
    def run(doc: Doc) -> Doc:
        raise RuntimeError("a bug in a stage")

    return temporary_stage("test_broken", run, adds=("broken",))


def test_a_junk_size_limit_is_a_settings_error_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, noop_stage: str) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nBody.")
    monkeypatch.setenv("SLANT_MAX_BYTES", "inf")
    result = runner.invoke(cli.app, ["analyze", str(tmp_path / "a.txt"), "--stages", noop_stage])
    assert result.exit_code == cli.EXIT_USAGE == 2, result.output
    assert "SLANT_MAX_BYTES='inf' is not a size" in result.output
    assert "Traceback" not in result.output


def test_it_shows_what_the_reader_repaired(tmp_path: Path, noop_stage: str) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes("Title\n\nThe “quoted” words — and more “quotes” here, said the café owner.".encode() + b"\x92")
    result = runner.invoke(cli.app, ["analyze", str(path), "--json", "--stages", noop_stage])
    assert result.exit_code == 0, result.output
    assert f"warning: {path}: 1 byte sequence(s) not valid UTF-8 replaced with U+FFFD" in result.output


def test_input_failures_exit_1_and_a_failed_analysis_exits_3(tmp_path: Path, noop_stage: str, broken_stage: str) -> None:
    (tmp_path / "a.txt").write_text("Title\n\nBody.")
    (tmp_path / "empty.txt").write_text("")
    result = runner.invoke(cli.app, ["analyze", str(tmp_path), "--json", "--stages", noop_stage])
    assert result.exit_code == cli.EXIT_BAD_INPUT == 1, result.output
    result = runner.invoke(cli.app, ["analyze", str(tmp_path / "a.txt"), "--json", "--stages", broken_stage])
    assert result.exit_code == cli.EXIT_INTERNAL == 3, result.output
    assert "analysis failed: RuntimeError: a bug in a stage" in result.output
