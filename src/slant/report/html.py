"""The standalone HTML report of ``slant analyze --html``: one page, any number of articles.

The page draws each article from the reading model (``slant.view``) with the
same HTML fragments, CSS and script as the web app's reading view; it carries
the CSS and script inline and loads nothing from anywhere, so it can be
mailed, archived or opened offline. Each article gets a section with the
legend (filters, threshold, "show all candidates") beside the text, the list
of spans, and the panels: techniques, entities with the author's stance and
its evidence, quotes, the timeline, and a generic panel for any other layer.
All text from the article is escaped: it is untrusted input.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .. import __version__
from ..doc import Doc
from ..view import assets, build
from ..view import html as vh
from ..view.model import ArticleView

e = vh.e


def render_page(
    docs: "Sequence[Doc | Mapping[str, Any]]",
    *,
    title: str | None = None,
    threshold: float | None = None,
    show_candidates: bool = False,
) -> str:
    """One standalone HTML page reporting on ``docs`` (Docs or ``slant.analysis/1`` dicts).

    ``threshold`` is the cut between the spans shown and the candidates (by
    default the model's reader threshold); readers can move it in the page.
    ``show_candidates`` starts the page with the candidates shown.
    """
    views = [build(d, threshold=threshold) for d in docs]
    if title is None:
        if len(views) == 1:
            title = f"slant report: {views[0].doc.article.title or 'untitled article'}"
        else:
            title = f"slant report: {len(views)} articles"
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="slant {e(__version__)}">',
        f"<title>{e(title)}</title>",
        f"<style>{assets.inline_css('palette.css', 'reading.css', 'report.css')}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the report</a>',
        '<header class="site">',
        f"<h1>{e(title)}</h1>",
        f"<p>{len(views)} article{'s' if len(views) != 1 else ''} analysed by slant {e(__version__)}. "
        "Highlights are evidence to check, not verdicts.</p>",
        "</header>",
    ]
    if len(views) > 1:
        parts.append('<nav class="toc" aria-label="Articles in this report"><ol>')
        for n, view in enumerate(views, 1):
            parts.append(f'<li><a href="#a{n}">{e(view.doc.article.title or f"Article {n}")}</a></li>')
        parts.append("</ol></nav>")
    parts.append('<main id="main">')
    for n, view in enumerate(views, 1):
        parts.append(article_section(view, f"a{n}", show_candidates=show_candidates))
    if not views:
        parts.append("<p>No articles.</p>")
    parts.append("</main>")
    parts.append(vh.tip_html())
    parts.append(f"<script>{assets.inline_js('reading.js')}</script>")
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


def article_section(view: ArticleView, aid: str, *, show_candidates: bool = False) -> str:
    art = view.doc.article
    heading = art.title or (art.source and f"Article from {art.source}") or "Untitled article"
    cls = "doc show-cands" if show_candidates else "doc"
    out = [f'<article class="{cls}" id="{aid}" aria-labelledby="{aid}-h" data-slant-article>']
    out.append('<header class="doc-head">')
    out.append(f'<h2 id="{aid}-h">{e(heading)}</h2>')
    out.append(_meta(view))
    out.append("</header>")
    below = vh.span_list_html(view, aid) if view.spans else ""
    html = vh.reading_html(view, aid, level=3, below_text=below)
    if show_candidates:
        html = html.replace('class="show-cands">', 'class="show-cands" checked>', 1)
    out.append(html)
    out.append(f'<aside class="panels" aria-label="Evidence for {e(heading)}">')
    out.append(vh.panels_html(view, aid, level=3))
    out.append("</aside>")
    out.append("</article>")
    return "\n".join(out)


def _meta(view: ArticleView) -> str:
    art = view.doc.article
    facts: list[tuple[str, str]] = []
    if art.outlet:
        facts.append(("Outlet", e(art.outlet)))
    if art.author:
        facts.append(("Author", e(art.author)))
    if art.published:
        facts.append(("Published", f'<time datetime="{art.published.isoformat()}">{e(art.published.isoformat())}</time>'))
    if art.language:
        facts.append(("Language", e(art.language)))
    if art.url:
        link = art.url.startswith(("http://", "https://"))
        facts.append(("URL", f'<a href="{e(art.url)}" rel="noopener noreferrer">{e(art.url)}</a>' if link else e(art.url)))
    if art.source:
        facts.append(("Source", e(art.source)))
    facts.append(("Id", f'<code title="{e(art.id)}">{e(art.id[:12])}</code>'))
    out = ['<dl class="meta">']
    out.extend(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    out.append("</dl>")
    if view.skipped:
        out.append('<div class="skipped"><p><strong>Stages skipped</strong></p><ul>')
        out.extend(f"<li><strong>{e(name)}</strong>: {e(reason)}</li>" for name, reason in view.skipped.items())
        out.append("</ul></div>")
    return "\n".join(out)
