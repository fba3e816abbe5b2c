"""Starting ``slant analyze`` without torch: spaCy imported with thinc's torch probe refused, stance on onnxruntime.

Each check runs in a fresh interpreter, since this test process may have
imported torch already (which rightly turns the refusal off).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "wire-report.html"


def _python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env}
    if "SLANT_SPACY_TORCH" not in env:
        environ.pop("SLANT_SPACY_TORCH", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=environ,
                          timeout=600)


_SPACY_THEN_TORCH = """
import sys
from slant.stages import _nlp
nlp = _nlp.nlp()
assert [e.text for e in nlp("Mayor Quinn met Angela Merkel in Berlin.").ents], "no entities"
print("AFTER_SPACY", "torch" in sys.modules, sys.modules.get("torch") is None)
import torch  # whoever wants torch later in the process still gets it, whole
print("TORCH_WORKS", float(torch.ones(3).sum()), torch.nn.Linear(2, 2)(torch.zeros(1, 2)).shape[-1])
"""


def test_spacy_loads_without_importing_torch_and_torch_still_imports_after() -> None:
    proc = _python(_SPACY_THEN_TORCH)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "AFTER_SPACY False" in proc.stdout, proc.stdout
    assert "TORCH_WORKS 3.0 2" in proc.stdout, proc.stdout


def test_the_environment_switch_imports_spacy_as_it_comes() -> None:
    proc = _python("import sys; from slant.stages import _nlp; _nlp.nlp(); print('AFTER_SPACY', 'torch' in sys.modules)",
                   SLANT_SPACY_TORCH="1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "AFTER_SPACY True" in proc.stdout, proc.stdout


def test_the_refusal_is_for_the_importing_thread_only() -> None:
    from slant.stages._nlp import _NoTorchHere

    finder = _NoTorchHere(threading.get_ident())
    with pytest.raises(ModuleNotFoundError, match="SLANT_SPACY_TORCH"):
        finder.find_spec("torch")
    with pytest.raises(ModuleNotFoundError):
        finder.find_spec("torch.utils.dlpack")
    assert finder.find_spec("torchvision") is None and finder.find_spec("numpy") is None
    seen: list[object] = []
    other = threading.Thread(target=lambda: seen.append(finder.find_spec("torch")))
    other.start()
    other.join()
    assert seen == [None]  # another thread imports torch as usual


_ANALYZE = f"""
import runpy, sys
sys.argv = ["slant", "analyze", {str(EXAMPLE)!r}, "--json"]
try:
    runpy.run_module("slant.cli", run_name="__main__")
except SystemExit as exc:
    assert not exc.code, exc.code
heavy = sorted(m for m in ("torch", "transformers") if m in sys.modules)
print("HEAVY", heavy, file=sys.stderr)
"""


@pytest.mark.slow
def test_analyze_of_one_page_never_imports_torch_once_the_caches_exist() -> None:
    first = _python(_ANALYZE)  # may build the onnxruntime files (with torch), once per weights
    assert first.returncode == 0, first.stderr[-2000:]
    again = _python(_ANALYZE)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "HEAVY []" in again.stderr, again.stderr[-2000:]
    import json

    doc = json.loads(again.stdout.strip().splitlines()[-1])
    assert doc["stages"]["skipped"] == {}, doc["stages"]
    assert doc["layers"]["stance"] and "persuasion" in doc["layers"]
    assert first.stdout == again.stdout  # the same analysis whether or not the caches had to be built
