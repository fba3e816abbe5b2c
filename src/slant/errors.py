"""Every error slant raises on purpose.

    SlantError                  base class; catch this to catch them all
    ├── InputError              a source could not be read as an article
    │                           (empty, binary, undecodable, too large, truncated,
    │                           no article text, a feed with no items, ...)
    ├── ContractError           JSON that does not follow ``slant.analysis/1``
    ├── PipelineError           stages that cannot run in the order asked
    └── ModelError              a model's files are missing or unreadable

Messages name the input and say what is wrong, on one line, so the CLI can
print them as they are: ``article.html: no article text found in the page``.
"""

from __future__ import annotations


class SlantError(Exception):
    """Base class of slant's own errors."""


class InputError(SlantError):
    """A source could not be turned into an article.

    ``source`` names the input (a path, a URL, ``file.jsonl:12``), and
    ``reason`` says what is wrong with it.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


class ContractError(SlantError):
    """JSON that does not follow the ``slant.analysis/1`` contract."""


class PipelineError(SlantError):
    """A pipeline whose stages do not fit together."""


class ModelError(SlantError):
    """A model's files are missing or cannot be loaded."""
