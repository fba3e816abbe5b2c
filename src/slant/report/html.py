"""The standalone HTML report of ``slant analyze --html``: one page, any number of articles.

The page carries its own CSS and a little plain JavaScript and loads nothing
from anywhere, so it can be mailed, archived or opened offline. Each article
gets a section with:

- the text, persuasion spans highlighted in their technique's colour. The text
  is cut at every span boundary (``segments``) and each piece is wrapped in one
  ``<mark>`` per covering span, so overlapping spans nest: their tints add up
  and each span keeps its own underline at its own depth (its lane). The first
  piece of each span is focusable and carries the technique, its definition
  and the score in ``title``/``aria-label``; the script turns that into a
  tooltip on hover and focus;
- a legend with a checkbox per technique and a score slider, which hide
  highlights without touching the text;
- the technique counts, the entities with stance and evidence, the quotes, and
  a timeline of the dated expressions in date order.

Without JavaScript everything is still shown, with native tooltips. All text
from the article is escaped: it is untrusted input.
"""

from __future__ import annotations

import datetime as dt
import json
from html import escape
from typing import Any, Iterable, Mapping, Sequence

from .. import __version__
from ..doc import Doc, Span
from ..techniques import NAMES
from . import _view as view
from .segments import lanes, segments

# Underlines deeper than this share the last depth; more than four spans
# stacked on one word are rare and the line height has room for four.
_MAX_DEPTH = 4


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def render_page(docs: "Sequence[Doc | Mapping[str, Any]]", *, title: str | None = None, threshold: float | None = None) -> str:
    """One standalone HTML page reporting on ``docs`` (Docs or ``slant.analysis/1`` dicts).

    ``threshold`` sets where the score slider starts (0 by default: every span
    the stage kept is shown); readers can move it in the page.
    """
    documents = [view.as_doc(d) for d in docs]
    classes = _technique_classes(documents)
    if title is None:
        if len(documents) == 1:
            title = f"slant report: {documents[0].article.title or 'untitled article'}"
        else:
            title = f"slant report: {len(documents)} articles"
    start = 0.0 if threshold is None else min(1.0, max(0.0, float(threshold)))
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="slant {_e(__version__)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}{technique_css(classes)}</style>",
        "</head>",
        "<body>",
        '<a class="skip" href="#main">Skip to the report</a>',
        '<header class="site">',
        f"<h1>{_e(title)}</h1>",
        f"<p>{len(documents)} article{'s' if len(documents) != 1 else ''} analysed by slant {_e(__version__)}. "
        "Highlights are evidence to check, not verdicts.</p>",
        "</header>",
    ]
    if len(documents) > 1:
        parts.append('<nav class="toc" aria-label="Articles in this report"><ol>')
        for n, doc in enumerate(documents, 1):
            parts.append(f'<li><a href="#a{n}">{_e(doc.article.title or f"Article {n}")}</a></li>')
        parts.append("</ol></nav>")
    parts.append('<main id="main">')
    for n, doc in enumerate(documents, 1):
        parts.append(_article_section(doc, f"a{n}", classes, start))
    if not documents:
        parts.append("<p>No articles.</p>")
    parts.append("</main>")
    parts.append('<div id="slant-tip" class="tip" role="tooltip" hidden></div>')
    info = {
        cls: {"name": view.technique_name(label), "definition": view.definition(label), "colour": view.colour(label)}
        for label, cls in classes.items()
    }
    # "<" is escaped so no text in the data can close the script element.
    data = json.dumps(info, ensure_ascii=False).replace("<", "\\u003c")
    parts.append(f'<script type="application/json" id="slant-techniques">{data}</script>')
    parts.append(f"<script>{_JS}</script>")
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


def _technique_classes(docs: Iterable[Doc]) -> dict[str, str]:
    return technique_classes(s.label or "" for d in docs for s in d.layer("persuasion"))


def technique_classes(labels: Iterable[str]) -> dict[str, str]:
    """A CSS class per technique label (``t0``, ``t1`` ...): the 14 in a fixed order, then any others."""
    labels = set(labels)
    ordered = [n for n in NAMES if n in labels] + sorted(labels - set(NAMES))
    return {label: f"t{i}" for i, label in enumerate(ordered)}


def technique_css(classes: Mapping[str, str]) -> str:
    """CSS giving each technique class its colour (``--c``) and tint (``--bg``), and the legend's off switches."""
    rules = []
    for label, cls in classes.items():
        c = view.colour(label)
        rules.append(f".{cls}{{--c:{c};--bg:{c}2b}}")
        # A technique switched off in the legend loses its colour, not its text.
        rules.append(f".doc.off-{cls} mark.{cls},.doc.off-{cls} li.{cls}{{--bg:transparent;--c:transparent}}")
        rules.append(f".doc.off-{cls} ol.spans li.{cls}{{display:none}}")
    return "".join(rules)


# -- one article ------------------------------------------------------------


def _article_section(doc: Doc, aid: str, classes: Mapping[str, str], start: float) -> str:
    art = doc.article
    spans = view.persuasion_spans(doc)
    sentences = view.Sentences(doc)
    heading = art.title or (art.source and f"Article from {art.source}") or "Untitled article"
    out = [f'<article class="doc" id="{aid}" aria-labelledby="{aid}-h">']
    out.append('<header class="doc-head">')
    out.append(f'<h2 id="{aid}-h">{_e(heading)}</h2>')
    out.append(_meta(doc))
    out.append("</header>")
    out.append('<div class="cols">')
    # The reading column: controls, text, list of spans.
    out.append(f'<section class="reading" aria-labelledby="{aid}-text-h">')
    out.append(f'<h3 id="{aid}-text-h">Text</h3>')
    if "persuasion" in doc.layers:
        out.append(_controls(doc, aid, spans, classes, start))
    else:
        out.append('<p class="note">Persuasion techniques were not analysed for this article.</p>')
    # Text without highlights needs no room for stacked underlines.
    kind = "text" if spans else "text plain"
    out.append(f'<div class="{kind}" lang="{_e(art.language or "und")}">{highlight_html(doc, spans, classes, id_prefix=aid, threshold=start)}</div>')
    if spans:
        out.append(_span_list(doc, aid, spans, classes))
    out.append("</section>")
    out.append(f'<aside class="panels" aria-label="Evidence for {_e(heading)}">')
    if spans:
        out.append(_technique_table(doc, aid, spans, classes))
    if doc.entities or "entities" in doc.layers:
        out.append(_entities(doc, aid, sentences))
    if "quotes" in doc.layers:
        out.append(_quotes(doc, aid))
    if "dates" in doc.layers:
        out.append(_timeline(doc, aid, sentences))
    others = view.other_layers(doc)
    if others:
        out.append('<p class="note">Other layers: ' + ", ".join(f"{_e(n)} ({c})" for n, c in others) + "</p>")
    out.append("</aside>")
    out.append("</div>")
    out.append("</article>")
    return "\n".join(out)


def _meta(doc: Doc) -> str:
    art = doc.article
    facts: list[tuple[str, str]] = []
    if art.outlet:
        facts.append(("Outlet", _e(art.outlet)))
    if art.author:
        facts.append(("Author", _e(art.author)))
    if art.published:
        facts.append(("Published", f'<time datetime="{art.published.isoformat()}">{_e(art.published.isoformat())}</time>'))
    if art.language:
        facts.append(("Language", _e(art.language)))
    if art.url:
        facts.append(("URL", f'<a href="{_e(art.url)}" rel="noopener noreferrer">{_e(art.url)}</a>' if art.url.startswith(("http://", "https://")) else _e(art.url)))
    if art.source:
        facts.append(("Source", _e(art.source)))
    facts.append(("Id", f'<code title="{_e(art.id)}">{_e(art.id[:12])}</code>'))
    out = ['<dl class="meta">']
    out.extend(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts)
    out.append("</dl>")
    if doc.stages_skipped:
        out.append('<div class="skipped"><p><strong>Stages skipped</strong></p><ul>')
        out.extend(f"<li><strong>{_e(name)}</strong>: {_e(reason)}</li>" for name, reason in doc.stages_skipped.items())
        out.append("</ul></div>")
    return "\n".join(out)


def _controls(doc: Doc, aid: str, spans: list[Span], classes: Mapping[str, str], start: float) -> str:
    if not spans:
        return '<p class="note">No persuasion spans were found in this article.</p>'
    out = [f'<div class="controls" role="group" aria-labelledby="{aid}-legend-h">']
    out.append(f'<h4 id="{aid}-legend-h" class="sr-only">Legend and filters</h4>')
    out.append('<fieldset class="legend"><legend>Techniques shown</legend><ul>')
    for label, count, _mean in view.technique_counts(spans):
        cls = classes[label]
        box = f"{aid}-f-{cls}"
        out.append(
            f'<li><input type="checkbox" id="{box}" data-filter="{cls}" checked>'
            f'<label for="{box}" title="{_e(view.definition(label))}"><span class="swatch {cls}" aria-hidden="true"></span>'
            f'{_e(view.technique_name(label))} <span class="count" data-count="{cls}">{count}</span></label></li>'
        )
    out.append("</ul></fieldset>")
    out.append(
        f'<div class="slider"><label for="{aid}-thr">Minimum score</label>'
        f'<input type="range" id="{aid}-thr" class="threshold" min="0" max="1" step="0.05" value="{start:.2f}">'
        f'<output for="{aid}-thr" aria-live="polite">{start:.2f}</output></div>'
    )
    out.append("</div>")
    return "\n".join(out)


def _tip(span: Span) -> str:
    return f"{view.technique_name(span.label)} (score {view.fmt_score(span.score)}): {view.definition(span.label)}"


def highlight_html(
    doc: Doc,
    spans: Sequence[Span],
    classes: Mapping[str, str] | None = None,
    *,
    id_prefix: str = "s",
    threshold: float = 0.0,
) -> str:
    """The escaped text of ``doc`` with ``spans`` (persuasion spans) as nested ``<mark>`` elements.

    Every piece of span ``i`` carries ``data-s="i"``; joining their text gives
    ``doc.text[start:end]`` exactly. The title line is wrapped in a
    ``span.headline`` so it reads as a heading without leaving the text.
    ``classes`` maps labels to the CSS classes of ``technique_css`` (by
    default ``technique_classes`` of the spans' labels). Spans scored below
    ``threshold`` start hidden (class ``below``), as the page's slider would.
    """
    text = doc.text
    if classes is None:
        classes = technique_classes(s.label or "" for s in spans)
    lane_of = lanes(spans)
    title = doc.article.title
    title_end = len(title) if title and text.startswith(title) else 0
    opened: set[int] = set()
    out: list[str] = []
    in_headline = False
    for a, b, covering in _cut(text, spans, title_end):
        if a < title_end and not in_headline:
            out.append('<span class="headline">')
            in_headline = True
        elif a >= title_end and in_headline:
            out.append("</span>")
            in_headline = False
        # Outermost lane first, so each underline sits at its span's depth.
        order = sorted(covering, key=lambda i: (-lane_of[i], i))
        piece = _e(text[a:b])
        for i in reversed(order):
            span = spans[i]
            cls = classes.get(span.label or "", "tx")
            depth = min(lane_of[i], _MAX_DEPTH)
            below = " below" if span.score is not None and span.score < threshold else ""
            attrs = f'class="hl {cls} d{depth}{below}" data-s="{i}" data-t="{cls}" data-score="{"" if span.score is None else f"{span.score:.4f}"}"'
            if i not in opened:
                # The first piece stands for the whole span: focus, name, anchor.
                opened.add(i)
                label = f"{_tip(span)} Text: “{view.shorten(doc.span_text(span), 200)}”"
                attrs += f' id="{id_prefix}-s{i + 1}" tabindex="0" data-head="1" aria-label="{_e(label)}"'
            attrs += f' title="{_e(_tip(span))}"'
            piece = f"<mark {attrs}>{piece}</mark>"
        out.append(piece)
    if in_headline:
        out.append("</span>")
    return "".join(out)


def _cut(text: str, spans: Sequence[Span], title_end: int) -> list[tuple[int, int, list[int]]]:
    """Segments of the whole text, also cut at the end of the title line."""
    if not title_end:
        return segments(text, spans)
    return segments(text, spans, end=title_end) + segments(text, spans, start=title_end)


def _span_list(doc: Doc, aid: str, spans: list[Span], classes: Mapping[str, str]) -> str:
    out = [f'<details class="span-list"><summary>All {len(spans)} persuasion spans, in text order</summary><ol class="spans">']
    for i, span in enumerate(spans):
        cls = classes.get(span.label or "", "tx")
        score = "" if span.score is None else f"{span.score:.4f}"
        out.append(
            f'<li class="{cls}" data-t="{cls}" data-score="{score}"><span class="swatch {cls}" aria-hidden="true"></span>'
            f'<a href="#{aid}-s{i + 1}">{_e(view.technique_name(span.label))}</a> '
            f'<span class="score">{view.fmt_score(span.score)}</span> '
            f"<q>{_e(view.shorten(doc.span_text(span), 200))}</q></li>"
        )
    out.append("</ol></details>")
    return "\n".join(out)


def _technique_table(doc: Doc, aid: str, spans: list[Span], classes: Mapping[str, str]) -> str:
    share = view.covered_share(doc, spans)
    out = [f'<section aria-labelledby="{aid}-tech-h"><h3 id="{aid}-tech-h">Techniques</h3>']
    out.append(f'<p>{share:.0%} of the body text is covered by at least one persuasion span.</p>')
    out.append('<table class="techniques"><thead><tr><th scope="col">Technique</th><th scope="col">Spans</th>'
               '<th scope="col">Mean score</th></tr></thead><tbody>')
    for label, count, mean in view.technique_counts(spans):
        cls = classes.get(label, "tx")
        out.append(
            f'<tr><th scope="row"><span class="swatch {cls}" aria-hidden="true"></span>'
            f'<abbr title="{_e(view.definition(label))}">{_e(view.technique_name(label))}</abbr></th>'
            f"<td>{count}</td><td>{view.fmt_score(mean)}</td></tr>"
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _snippet_html(snip: view.Snippet, mark_class: str = "mention") -> str:
    return (
        ("…" if snip.cut_left else "")
        + _e(snip.before)
        + f'<b class="{mark_class}">{_e(snip.marked)}</b>'
        + _e(snip.after)
        + ("…" if snip.cut_right else "")
    )


def _stance_badge(label: str | None, score: float | None) -> str:
    if not label:
        return '<span class="stance none">no stance</span>'
    return f'<span class="stance {_e(label)}">{_e(label)} {view.fmt_score(score)}</span>'


def _entities(doc: Doc, aid: str, sentences: view.Sentences) -> str:
    out = [f'<section aria-labelledby="{aid}-ent-h">']
    if not doc.entities:
        rows = view.raw_mentions(doc)
        out.append(f'<h3 id="{aid}-ent-h">Named mentions</h3>')
        out.append('<p class="note">Mentions were not merged into entities for this article.</p>')
        items = [f'<li>{_e(t)} <span class="type">{_e(l)}</span> <span class="n">×{c}</span></li>' for t, l, c in rows]
        out.append(_list_with_more(items, '<ul class="mentions">', "</ul>", _SHOWN_MENTIONS, "mentions"))
        out.append("</section>")
        return "\n".join(out)
    views = view.entity_views(doc, sentences)
    out.append(f'<h3 id="{aid}-ent-h">Entities <span class="n">({len(views)})</span></h3>')
    has_stance = "stance" in doc.layers or any(v.stance_label for v in views)
    items = [_entity_item(ent, has_stance) for ent in views]
    out.append(_list_with_more(items, '<ul class="entities">', "</ul>", _SHOWN_ENTITIES, "entities"))
    out.append("</section>")
    return "\n".join(out)


def _entity_item(ent: view.EntityView, has_stance: bool) -> str:
    out = ['<li class="entity">']
    out.append(
        f'<p class="ent-head"><strong class="ent-name">{_e(ent.name)}</strong> '
        f'<span class="type">{_e(ent.type)}</span> '
        f'<span class="n">{ent.mentions} mention{"s" if ent.mentions != 1 else ""}</span>'
        + (f" {_stance_badge(ent.stance_label, ent.stance_score)}" if has_stance else "")
        + "</p>"
    )
    aliases = [a for a in ent.aliases if a != ent.name]
    if aliases:
        out.append(f'<p class="aliases">Also: {", ".join(_e(a) for a in aliases)}</p>')
    if ent.spellings:
        out.append(
            '<p class="variants"><span aria-hidden="true">⚠</span> <strong>Spelled several ways</strong> '
            f'(a sign of machine translation): {", ".join(_e(s) for s in ent.spellings)}</p>'
        )
    if ent.evidence:
        out.append('<ul class="evidence" aria-label="Stance evidence">')
        for span, snip in ent.evidence:
            out.append(f"<li>{_stance_badge(span.label, span.score)} {_snippet_html(snip)}</li>")
        out.append("</ul>")
    out.append("</li>")
    return "\n".join(out)


# Long lists show their head and fold the rest, so the panels stay scannable.
_SHOWN_ENTITIES = 15
_SHOWN_MENTIONS = 30


def _list_with_more(items: list[str], open_tag: str, close_tag: str, shown: int, noun: str) -> str:
    if len(items) <= shown:
        return open_tag + "".join(items) + close_tag
    head, rest = items[:shown], items[shown:]
    return (
        open_tag + "".join(head) + close_tag
        + f'<details class="more"><summary>{len(rest)} more {noun}</summary>'
        + open_tag + "".join(rest) + close_tag + "</details>"
    )


def _quotes(doc: Doc, aid: str) -> str:
    quotes = view.quote_views(doc)
    out = [f'<section aria-labelledby="{aid}-q-h"><h3 id="{aid}-q-h">Quotes <span class="n">({len(quotes)})</span></h3>']
    if not quotes:
        out.append('<p class="note">No quotes found.</p></section>')
        return "\n".join(out)
    out.append('<ol class="quotes">')
    for q in quotes:
        who = f"<strong>{_e(q.speaker)}</strong>" if q.speaker else '<span class="unknown">unknown speaker</span>'
        how = f" ({_e(q.cue)}{'; reported speech' if q.kind == 'reported' else ''})" if q.cue else ""
        where = f", in {_e(q.source)}" if q.source else ""
        out.append(f"<li><blockquote><p>{_e(view.shorten(q.text, 400))}</p></blockquote>"
                   f'<p class="attribution">— {who}{how}{where}</p></li>')
    out.append("</ol></section>")
    return "\n".join(out)


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")


def _human_date(value: str) -> str:
    """``2022`` -> ``2022``, ``2022-06`` -> ``June 2022``, ``2022-06-29`` -> ``29 June 2022``; others as given."""
    try:
        if len(value) == 4 and value.isdigit():
            return value
        if len(value) == 7 and value[4] == "-":
            return f"{_MONTHS[int(value[5:7]) - 1]} {value[:4]}"
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    except (ValueError, IndexError):
        pass
    return value


def _timeline(doc: Doc, aid: str, sentences: view.Sentences) -> str:
    dates = view.date_views(doc, sentences)
    out = [f'<section aria-labelledby="{aid}-tl-h"><h3 id="{aid}-tl-h">Timeline</h3>']
    if not dates:
        out.append('<p class="note">No dated expressions found.</p></section>')
        return "\n".join(out)
    out.append('<ol class="timeline">')
    for d in dates:
        if d.value:
            when = f'<time datetime="{_e(d.value)}">{_e(_human_date(d.value))}</time>'
        else:
            when = '<span class="unresolved">date not resolved</span>'
        out.append(
            f'<li data-value="{_e(d.value or "")}"><p class="when">{when} <span class="expr">“{_e(d.expression)}”</span></p>'
            f'<p class="what">{_snippet_html(d.sentence, "expr-mark")}</p></li>'
        )
    out.append("</ol></section>")
    return "\n".join(out)


_CSS = """
:root{--ink:#1a202c;--muted:#4a5568;--line:#cbd5e0;--paper:#fff;--soft:#f7fafc;--focus:#2b6cb0}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;color:var(--ink);background:var(--soft)}
a{color:#2c5282}
.skip{position:absolute;left:-999px;top:0;background:var(--paper);padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
header.site{background:#1a365d;color:#fff;padding:1rem 2rem}
header.site h1{margin:0;font-size:1.4rem}
header.site p{margin:.25rem 0 0;color:#e2e8f0}
nav.toc{padding:.5rem 2rem;background:var(--paper);border-bottom:1px solid var(--line)}
nav.toc ol{margin:0;padding-left:1.5rem}
main{padding:1rem 2rem 3rem;max-width:1500px;margin:0 auto}
article.doc{background:var(--paper);border:1px solid var(--line);border-radius:8px;padding:1.25rem 1.5rem;margin:1rem 0 2rem}
.doc-head h2{margin:0 0 .5rem;font-size:1.5rem;line-height:1.25}
dl.meta{display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;margin:0;color:var(--muted);font-size:.9rem}
dl.meta div{display:flex;gap:.35rem}
dl.meta dt{font-weight:600}
dl.meta dd{margin:0}
.skipped{margin-top:.5rem;font-size:.9rem;background:#fffbeb;border-left:4px solid #b7791f;padding:.25rem .75rem}
.skipped p,.skipped ul{margin:.25rem 0}
.cols{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:2rem;margin-top:1rem}
@media (max-width:900px){.cols{grid-template-columns:1fr}}
h3{font-size:1.1rem;margin:1rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.n{color:var(--muted);font-weight:normal;font-size:.9em}
.note{color:var(--muted);font-style:italic}
.controls{position:sticky;top:0;z-index:2;background:var(--paper);border-bottom:1px solid var(--line);padding:.4rem 0 .6rem;margin-bottom:.75rem}
fieldset.legend{border:0;margin:0;padding:0}
fieldset.legend legend{font-weight:600;font-size:.9rem;padding:0;margin-bottom:.25rem}
fieldset.legend ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .9rem}
fieldset.legend li{display:flex;align-items:center;gap:.3rem;font-size:.9rem}
.count{display:inline-block;min-width:1.4em;text-align:center;background:#edf2f7;border-radius:9px;font-size:.8rem;padding:0 .35rem}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;background:var(--c);vertical-align:-.1em;margin-right:.25em}
.slider{display:flex;align-items:center;gap:.6rem;margin-top:.45rem;font-size:.9rem}
.slider label{font-weight:600}
.slider input{width:14rem;max-width:50%}
.slider output{font-variant-numeric:tabular-nums;min-width:2.5em}
.text{white-space:pre-wrap;overflow-wrap:anywhere;font:17px/2.1 Georgia,"Noto Serif",serif;max-width:46em}
.text.plain{line-height:1.7}
.text .headline{font-weight:700;font-size:1.15em}
mark.hl{background:var(--bg);color:inherit;border-bottom:2px solid var(--c);padding:0;border-radius:0}
mark.hl.d1{padding-bottom:3px}
mark.hl.d2{padding-bottom:6px}
mark.hl.d3{padding-bottom:9px}
mark.hl.d4{padding-bottom:12px}
mark.hl.below{--bg:transparent;--c:transparent}
mark.hl[data-head]{cursor:help}
mark.hl:focus{outline:3px solid var(--focus);outline-offset:1px}
mark.hl.active{box-shadow:0 0 0 2px var(--c)}
.tip{position:absolute;z-index:20;max-width:24rem;background:#1a202c;color:#fff;padding:.5rem .7rem;border-radius:6px;font-size:.85rem;line-height:1.4;box-shadow:0 4px 12px rgba(0,0,0,.25)}
.tip p{margin:.15rem 0}
.tip .tname{font-weight:700;border-left:.6em solid var(--c);padding-left:.4em}
details.span-list{margin-top:1rem;font-size:.9rem}
details.span-list summary,details.more summary{cursor:pointer;font-weight:600}
details.more{margin:.3rem 0;font-size:.9rem}
ol.spans li{margin:.2rem 0}
ol.spans li.below{display:none}
.score{font-variant-numeric:tabular-nums;color:var(--muted)}
table.techniques{border-collapse:collapse;width:100%;font-size:.9rem}
table.techniques th,table.techniques td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid #edf2f7}
table.techniques thead th{white-space:nowrap}
table.techniques td{text-align:right;font-variant-numeric:tabular-nums}
table.techniques thead th:not(:first-child){text-align:right}
abbr{text-decoration:none}
ul.entities,ul.mentions,ol.quotes,ol.timeline,ul.evidence{list-style:none;margin:0;padding:0}
li.entity{border-bottom:1px solid #edf2f7;padding:.45rem 0}
li.entity p{margin:.15rem 0}
.ent-name{font-size:1rem}
.type{font-size:.75rem;background:#edf2f7;color:#2d3748;border-radius:3px;padding:0 .3rem;letter-spacing:.03em}
.stance{font-size:.8rem;font-weight:600;border-radius:3px;padding:0 .35rem;border:1px solid}
.stance.negative{color:#9b2c2c;background:#fff5f5;border-color:#feb2b2}
.stance.neutral{color:#2d3748;background:#f7fafc;border-color:#cbd5e0}
.stance.positive{color:#22543d;background:#f0fff4;border-color:#9ae6b4}
.stance.none{color:var(--muted);border-color:transparent;font-weight:normal}
.aliases{color:var(--muted);font-size:.9rem}
.variants{font-size:.9rem;background:#fffbeb;border-left:3px solid #b7791f;padding:.1rem .4rem}
ul.evidence li{font-size:.9rem;margin:.25rem 0 .25rem .75rem;color:#2d3748}
b.mention,b.expr-mark{background:#fefcbf;font-weight:600}
ul.mentions li{display:inline-block;margin:0 .75rem .3rem 0;font-size:.9rem}
ol.quotes li{margin:.5rem 0 .9rem}
blockquote{margin:0;border-left:4px solid var(--line);padding:.1rem .75rem;font-family:Georgia,"Noto Serif",serif}
blockquote p{margin:0}
.attribution{margin:.2rem 0 0 1rem;font-size:.9rem;color:var(--muted)}
.unknown,.unresolved{color:var(--muted);font-style:italic}
ol.timeline{border-left:3px solid #2b6cb0;margin-left:.4rem;padding-left:1rem}
ol.timeline li{position:relative;margin:0 0 .8rem}
ol.timeline li::before{content:"";position:absolute;left:-1.45rem;top:.45rem;width:.7rem;height:.7rem;border-radius:50%;background:#2b6cb0;border:2px solid var(--paper)}
ol.timeline p{margin:.1rem 0}
.when time{font-weight:700}
.expr{color:var(--muted);font-size:.9rem}
.what{font-size:.9rem}
@media print{.controls,.skip{display:none}body{background:#fff}article.doc{border:0}}
"""

_JS = r"""
(function () {
  "use strict";
  var info = JSON.parse(document.getElementById("slant-techniques").textContent || "{}");
  var tip = document.getElementById("slant-tip");
  // The script shows its own tooltip, so the native one would double it.
  document.querySelectorAll("mark.hl[title]").forEach(function (m) {
    m.setAttribute("data-title", m.getAttribute("title"));
    m.removeAttribute("title");
  });
  function shown(m) {
    var doc = m.closest(".doc");
    return !m.classList.contains("below") && !(doc && doc.classList.contains("off-" + m.getAttribute("data-t")));
  }
  function covering(el) {
    var marks = [];
    for (var n = el; n && n.classList; n = n.parentElement) {
      if (n.matches("mark.hl") && shown(n)) marks.push(n);
      if (n.classList.contains("text")) break;
    }
    return marks;
  }
  function show(el) {
    var marks = covering(el);
    if (!marks.length) { hide(); return; }
    tip.textContent = "";
    marks.forEach(function (m) {
      var t = info[m.getAttribute("data-t")] || {name: "Technique", definition: "", colour: "#718096"};
      var score = m.getAttribute("data-score");
      var head = document.createElement("p");
      head.className = "tname";
      head.style.setProperty("--c", t.colour);
      head.textContent = t.name + (score ? "  ·  score " + Number(score).toFixed(2) : "");
      var def = document.createElement("p");
      def.textContent = t.definition;
      tip.appendChild(head);
      tip.appendChild(def);
    });
    var r = marks[0].getBoundingClientRect();
    tip.hidden = false;
    var left = Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(8, left) + "px";
    tip.style.top = (window.scrollY + r.bottom + 8) + "px";
  }
  function hide() { tip.hidden = true; }
  document.addEventListener("mouseover", function (e) {
    var m = e.target.closest && e.target.closest("mark.hl");
    if (m) show(e.target); else if (!tip.hidden && !(document.activeElement && document.activeElement.matches("mark.hl"))) hide();
  });
  document.addEventListener("focusin", function (e) {
    if (e.target.matches && e.target.matches("mark.hl")) show(e.target); else hide();
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  function refresh(doc) {
    var slider = doc.querySelector("input.threshold");
    var min = slider ? Number(slider.value) : 0;
    if (slider) doc.querySelector("output[for='" + slider.id + "']").textContent = min.toFixed(2);
    var counts = {};
    doc.querySelectorAll("mark.hl, ol.spans li").forEach(function (el) {
      var s = el.getAttribute("data-score");
      var below = s !== "" && s !== null && Number(s) < min;
      el.classList.toggle("below", below);
      if (el.hasAttribute("data-head")) {
        var t = el.getAttribute("data-t");
        var on = !below && !doc.classList.contains("off-" + t);
        el.setAttribute("tabindex", on ? "0" : "-1");
        if (!below) counts[t] = (counts[t] || 0) + 1;
      }
    });
    doc.querySelectorAll("[data-count]").forEach(function (c) {
      c.textContent = counts[c.getAttribute("data-count")] || 0;
    });
  }
  document.querySelectorAll("article.doc").forEach(function (doc) {
    doc.querySelectorAll("input[data-filter]").forEach(function (box) {
      box.addEventListener("change", function () {
        doc.classList.toggle("off-" + box.getAttribute("data-filter"), !box.checked);
        refresh(doc);
      });
    });
    var slider = doc.querySelector("input.threshold");
    if (slider) slider.addEventListener("input", function () { refresh(doc); });
    refresh(doc);
  });
})();
"""
