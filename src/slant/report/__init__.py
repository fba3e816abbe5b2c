"""Reports of analysed articles: the terminal report and the standalone HTML page.

    from slant.report import render_terminal, render_page
    render_terminal(doc, rich.console.Console())   # one article, drawn with rich
    html = render_page([doc1, doc2])               # one self-contained HTML page

Both draw the reading model of ``slant.view``, as the web app does.
"""

from __future__ import annotations

from ..view.segments import lanes, segments
from .html import render_page
from .terminal import render as render_terminal

__all__ = ["lanes", "render_page", "render_terminal", "segments"]
