"""docs/security.md points at tests; each one it names must exist, so the checklist cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def test_every_test_named_in_the_security_checklist_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    references = REFERENCE.findall(text)
    assert len(references) > 50
    missing = []
    for path, name in sorted(set(references)):
        source = ROOT / path
        if not source.is_file() or not re.search(rf"^(async )?def {name}\(", source.read_text(encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert missing == [], "docs/security.md names tests that do not exist"


def test_every_checklist_line_is_met_not_met_or_not_applicable_with_a_reason() -> None:
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if re.match(r"\| \d+\.\d+\.(\d+|x) \|", line)]
    assert len(rows) > 100
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4 and cells[2] in {"Met", "Not met", "N/A"}, row
        assert cells[3], row
        if cells[2] == "Met":
            assert REFERENCE.search(cells[3]) or "requirements.lock" in cells[3] or "PyPI" in cells[3] or "as " in cells[3], row
