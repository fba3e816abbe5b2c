"""One reading model for every screen: the web reading view, the story view and both reports.

    from slant.view import build
    view = build(doc)                      # an ArticleView: pieces, spans in two tiers, panels
    view = build(doc, threshold=0.4)       # the reader's own cut between shown spans and candidates

- ``model``: ``build()`` and the dataclasses it returns;
- ``palette``: the one colour (and CSS class) per technique;
- ``reliability``: the model's reader threshold and per-technique reliability;
- ``html``: HTML fragments of the model (text, legend, panels), escaped;
- ``segments``: cutting a text at every span boundary, and underline lanes;
- ``assets``: the static CSS and script, for pages that inline them.
"""

from __future__ import annotations

from .model import CANDIDATE, SHOWN, ArticleView, build
from .palette import colour, css_class
from .segments import lanes, segments

__all__ = ["ArticleView", "CANDIDATE", "SHOWN", "build", "colour", "css_class", "lanes", "segments"]
