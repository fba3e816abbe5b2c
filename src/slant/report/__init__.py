"""Reports of analysed articles: the terminal report and the standalone HTML page.

    from slant.report import render_terminal, render_page, segments
    render_terminal(doc, rich.console.Console())   # one article, drawn with rich
    html = render_page([doc1, doc2])               # one self-contained HTML page

``segments`` cuts a text at every span boundary so overlapping spans can be
drawn with nested markup; the web app's reading view uses it too.
"""

from __future__ import annotations

from .html import render_page
from .segments import lanes, segments
from .terminal import render as render_terminal

__all__ = ["lanes", "render_page", "render_terminal", "segments"]
