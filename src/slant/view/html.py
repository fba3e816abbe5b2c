"""HTML fragments of the reading model, shared by the web reading view, the story view and the HTML report.

Each function takes an ``ArticleView`` (or a part of it) and returns escaped
HTML: every string from the article is untrusted input and goes through
``e()``. The fragments need the static files ``palette.css``,
``reading.css`` and ``reading.js`` (linked by the web pages, inlined by the
standalone report) and work without JavaScript: the reader's spans are tinted,
the candidates hidden, tooltips native.

``prefix`` keeps ids apart when a page holds several articles (the report);
the web reading view passes ``""``.
"""

from __future__ import annotations

from html import escape
from typing import Any, Iterable

from .model import CANDIDATE, ArticleView, EntityView, EvidenceView, GenericPanel, Snippet, SpanView, fmt_score, shorten
from .segments import lanes

# Underlines deeper than this share the last depth; more than four spans
# stacked on one word are rare and the line height has room for four.
MAX_DEPTH = 4

RELIABILITY_TITLE = ("How well the model finds this technique in news it was not trained on: F1 on the PTC dev set, "
                     "from 0 to 1 (1: every span found, none wrong). Unreliable: too low to take its spans as findings.")


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def ident(prefix: str, name: str) -> str:
    return f"{prefix}-{name}" if prefix else name


def _score_attr(score: float | None) -> str:
    return "" if score is None else f"{score:.4f}"


# -- the text ---------------------------------------------------------------


def text_html(view: ArticleView, prefix: str = "") -> str:
    """The escaped text with persuasion spans as nested ``<mark>`` elements.

    The text is cut at every span boundary and each piece is wrapped in one
    ``<mark>`` per covering span (outermost lane first), so overlapping spans
    nest, their tints add up, and each keeps its underline at its own depth.
    Every piece of span ``i`` carries ``data-s="i"``; joining their text gives
    ``text[start:end]`` exactly. The innermost element of each piece carries
    ``data-start`` (its offset), so a selection maps back to offsets. The first
    piece of a span is focusable and carries its description. Candidates below
    the threshold carry the class ``cand`` and show only when the reader asks.
    """
    text = view.text
    spans = view.spans
    lane_of = lanes([(s.start, s.end) for s in spans])
    opened: set[int] = set()
    out: list[str] = []
    in_headline = False
    for piece in view.pieces:
        a, b = piece.start, piece.end
        if a < view.title_end and not in_headline:
            out.append('<span class="headline">')
            in_headline = True
        elif a >= view.title_end and in_headline:
            out.append("</span>")
            in_headline = False
        if piece.anchor:
            out.append(f'<span class="at" id="{ident(prefix, f"at{a}")}"></span>')
        if not piece.spans:
            out.append(f'<span data-start="{a}">{e(text[a:b])}</span>')
            continue
        # Outermost lane first, so each underline sits at its span's depth.
        order = sorted(piece.spans, key=lambda i: (lane_of[i], i))
        inner = order[-1]
        html = e(text[a:b])
        for i in reversed(order):
            span = spans[i]
            depth = min(lane_of[i], MAX_DEPTH)
            classes = f"hl {span.css} d{depth}" + (" cand" if span.tier == CANDIDATE else "") + (" unrel" if span.unreliable else "")
            attrs = f'class="{classes}" data-s="{i}" data-label="{e(span.label or "")}" data-score="{_score_attr(span.score)}"'
            if i == inner:
                attrs += f' data-start="{a}"'
            if i not in opened:
                # The first piece stands for the whole span: focus, name, anchor.
                opened.add(i)
                tab = "0" if span.tier != CANDIDATE else "-1"
                label = f"{span.tip()} Text: “{shorten(span.text, 200)}”"
                attrs += (f' id="{ident(prefix, f"s{i + 1}")}" tabindex="{tab}" data-head="1"'
                          f' title="{e(span.tip())}" aria-label="{e(label)}"')
            html = f"<mark {attrs}>{html}</mark>"
        out.append(html)
    if in_headline:
        out.append("</span>")
    return "".join(out)


# -- the legend and its controls ----------------------------------------------


def controls_html(view: ArticleView, prefix: str = "", *, level: int = 2) -> str:
    """The technique legend (a filter per technique, counts, reliability), the threshold and the candidates toggle."""
    h = f"h{level}"
    head_id = ident(prefix, "filters-h")
    out = [f'<section class="legend" aria-labelledby="{head_id}">', f'<{h} id="{head_id}">Persuasion techniques</{h}>']
    if not view.has("persuasion"):
        out.append('<p class="note">Persuasion techniques were not analysed for this article.</p></section>')
        return "\n".join(out)
    if not view.spans:
        out.append('<p class="note">No persuasion spans were found in this article.</p></section>')
        return "\n".join(out)
    cut = view.threshold
    out.append('<p class="tiers"><span class="key solid" aria-hidden="true"></span> shown to readers'
               + (f' (score ≥ <span data-cut>{cut:.2f}</span>)' if cut is not None else "")
               + ' <span class="key light" aria-hidden="true"></span> other candidates, with “Show all candidates”</p>')
    out.append('<fieldset class="techs"><legend class="visually-hidden">Techniques to show</legend><ul>')
    for n, t in enumerate(view.techniques):
        box = ident(prefix, f"f{n}")
        rel = ""
        if t.reliability is not None:
            rel = f' <span class="rel{" unreliable" if t.unreliable else ""}" title="{e(RELIABILITY_TITLE)}">{e(t.reliability_text)}</span>'
        out.append(
            f'<li class="{t.css}{" unrel" if t.unreliable else ""}">'
            f'<input type="checkbox" id="{box}" class="tech-filter" value="{e(t.label)}" checked>'
            f'<label for="{box}" title="{e(t.definition)}"><span class="tname"><span class="swatch" aria-hidden="true"></span>'
            f'{e(t.name)}</span> <span class="count" data-count="{e(t.label)}" title="spans shown">{t.shown}</span>'
            f'<span class="cands" data-cands="{e(t.label)}" title="candidates below the threshold">+{t.candidates}</span>{rel}</label></li>'
        )
    out.append("</ul></fieldset>")
    if any(t.reliability is not None for t in view.techniques):
        out.append('<p class="hint rel-note">A score is the model\'s estimate of the chance that the span is right. '
                   "dev F1: how well the model finds the technique in news it was not trained on "
                   "(PTC dev set; 0 to 1, 1 is perfect).</p>")
    slider = ident(prefix, "threshold")
    start = cut if cut is not None else 0.0
    default = f' <span class="default">reader default {view.reader_threshold:.2f}</span>' if view.reader_threshold is not None else ""
    out.append(
        f'<div class="slider"><label for="{slider}">Threshold</label>'
        f'<input type="range" id="{slider}" class="threshold" min="0" max="1" step="0.01" value="{start:.2f}">'
        f'<output for="{slider}" aria-live="polite">{start:.2f}</output>{default}</div>'
    )
    toggle = ident(prefix, "candidates")
    out.append(
        f'<p class="toggle"><input type="checkbox" id="{toggle}" class="show-cands">'
        f'<label for="{toggle}">Show all candidates <span class="n" data-cands-total>({len(view.candidates)} below the threshold)</span></label></p>'
    )
    if view.unreliable:
        names = ", ".join(e(t.name) for t in view.unreliable)
        out.append(f'<p class="note unreliable-note"><strong>Unreliable:</strong> {names}. The model rarely labels '
                   "these right on the dev set; their spans are hatched: read them as leads, not findings.</p>")
    out.append("</section>")
    return "\n".join(out)


# -- panels -----------------------------------------------------------------


def snippet_html(snip: Snippet, mark_class: str = "mention") -> str:
    marked = f'<b class="{mark_class}">{e(snip.marked)}</b>' if snip.marked else ""
    return ("…" if snip.cut_left else "") + e(snip.before) + marked + e(snip.after) + ("…" if snip.cut_right else "")


QUOTED_TITLE = "Quoted: the speaker's words, not the author's; the stance leaves them out"


def parts_html(ev: EvidenceView) -> str:
    """An evidence snippet with the entity's mention in bold and quoted speech set apart (not counted)."""
    if not ev.parts:
        return snippet_html(ev.snippet)
    out = []
    for part in ev.parts:
        html = f'<b class="mention">{e(part.text)}</b>' if part.mention else e(part.text)
        if part.quoted:
            html = f'<span class="quoted" title="{e(QUOTED_TITLE)}">{html}</span>'
        out.append(html)
    snip = ev.snippet
    return ("…" if snip.cut_left else "") + "".join(out) + ("…" if snip.cut_right else "")


def stance_badge(label: str | None, score: float | None, *, of: str = "the author's stance over the whole article") -> str:
    if not label:
        return '<span class="stance none">no stance</span>'
    if score is None:
        return f'<span class="stance {e(label)}" title="{e(of.capitalize())}">{e(label)}</span>'
    tip = f"{of.capitalize()}; {fmt_score(score)}: the model's probability for it"
    return f'<span class="stance {e(label)}" title="{e(tip)}">{e(label)} {fmt_score(score)}</span>'


def goto(prefix: str, start: int, end: int, inner: str, cls: str = "goto") -> str:
    """A link to ``[start, end)`` in the text: scrolls there and flashes it (plain anchor without script)."""
    return f'<a class="{cls}" href="#{ident(prefix, f"at{start}")}" data-start="{start}" data-end="{end}">{inner}</a>'


def _card_head(prefix: str, key: str, title: str, level: int) -> str:
    """The opening of a panel: a card section labelled by its heading."""
    hid = ident(prefix, key)
    return f'<section class="card" aria-labelledby="{hid}"><h{level} id="{hid}">{title}</h{level}>'


def techniques_html(view: ArticleView, prefix: str = "", *, level: int = 2) -> str:
    out = [_card_head(prefix, "techniques-h", "Techniques", level)]
    out.append(f"<p>{view.persuasive_share:.0%} of the body text is covered by at least one span shown.</p>")
    out.append('<div class="scroll"><table class="techniques"><thead><tr><th scope="col">Technique</th><th scope="col">Shown</th>'
               '<th scope="col"><abbr title="Candidates below the threshold">+Cand.</abbr></th>'
               '<th scope="col"><abbr title="Mean score of the spans shown">Mean</abbr></th>'
               '</tr></thead><tbody>')
    for t in view.techniques:
        # The reliability sits under the name: a fifth column would not fit a third of the page.
        rel = (f'<br><span class="rel{" unreliable" if t.unreliable else ""}" title="{e(RELIABILITY_TITLE)}">'
               f"{e(t.reliability_text)}</span>" if t.reliability is not None else "")
        out.append(
            f'<tr class="{t.css}{" unrel" if t.unreliable else ""}"><th scope="row"><span class="swatch" aria-hidden="true"></span>'
            f'<abbr title="{e(t.definition)}">{e(t.name)}</abbr>{rel}</th>'
            f"<td>{t.shown}</td><td>{t.candidates}</td><td>{fmt_score(t.mean_score) if t.mean_score is not None else '–'}</td></tr>"
        )
    out.append("</tbody></table></div></section>")
    return "\n".join(out)


# Long lists show their head and fold the rest, so the panels stay scannable.
SHOWN_ENTITIES = 15
SHOWN_MENTIONS = 30


def _list_with_more(items: list[str], open_tag: str, close_tag: str, shown: int, noun: str) -> str:
    if len(items) <= shown:
        return open_tag + "".join(items) + close_tag
    head, rest = items[:shown], items[shown:]
    return (open_tag + "".join(head) + close_tag + f'<details class="more"><summary>{len(rest)} more {noun}</summary>'
            + open_tag + "".join(rest) + close_tag + "</details>")


def entity_item(ent: EntityView, prefix: str, has_stance: bool) -> str:
    out = [f'<li class="entity" data-entity="{e(ent.id)}">']
    out.append(
        f'<p class="ent-head"><strong class="ent-name">{e(ent.name)}</strong> <span class="type">{e(ent.type)}</span> '
        f'<span class="n">{ent.mentions} mention{"s" if ent.mentions != 1 else ""}</span>'
        + (f" {stance_badge(ent.stance_label, ent.stance_score)}" if has_stance else "") + "</p>"
    )
    aliases = [a for a in ent.aliases if a != ent.name]
    if aliases:
        out.append(f'<p class="aliases">Also: {", ".join(e(a) for a in aliases)}</p>')
    if ent.spellings:
        out.append('<p class="variants"><span aria-hidden="true">⚠</span> <strong>Spelled several ways</strong> '
                   f'(a sign of machine translation): {", ".join(e(s) for s in ent.spellings)}</p>')
    if ent.only_quoted and has_stance:
        out.append('<p class="note only-quoted">Named only inside quotes: the author never names it in their own words, '
                   "so the stance has little to go on.</p>")
    if ent.evidence:
        out.append(f'<ul class="evidence" aria-label="Evidence for the stance toward {e(ent.name)}">')
        for ev in ent.evidence:
            badge = stance_badge(ev.label, ev.score, of="the stance in this sentence") + " " if ev.label else ""
            out.append(f"<li>{badge}{goto(prefix, ev.start, ev.end, parts_html(ev), 'goto ev')}</li>")
        out.append("</ul>")
    out.append("</li>")
    return "\n".join(out)


def entities_html(view: ArticleView, prefix: str = "", *, level: int = 2) -> str:
    h = f"h{level}"
    hid = ident(prefix, "entities-h")
    out = [f'<section class="card entities-card" aria-labelledby="{hid}">']
    if not view.entities:
        out.append(f'<{h} id="{hid}">Named mentions</{h}>')
        if not view.mentions:
            out.append('<p class="note">None found.</p></section>')
            return "\n".join(out)
        out.append('<p class="note">Mentions were not merged into entities for this article.</p>')
        items = [f'<li>{e(t)} <span class="type">{e(lab)}</span> <span class="n">×{c}</span></li>' for t, lab, c in view.mentions]
        out.append(_list_with_more(items, '<ul class="mentions">', "</ul>", SHOWN_MENTIONS, "mentions"))
        out.append("</section>")
        return "\n".join(out)
    out.append(f'<{h} id="{hid}">Entities <span class="n">({len(view.entities)})</span></{h}>')
    if view.has_stance:
        quoted = any(ev.has_quote for ent in view.entities for ev in ent.evidence)
        out.append('<p class="hint">The author\'s stance toward each, with the sentences behind it: click one to see it in the text.'
                   + (' <span class="quoted">Quoted words</span> are the speakers\', not the author\'s: the stance does not count them.'
                      if quoted else "") + "</p>")
    items = [entity_item(ent, prefix, view.has_stance) for ent in view.entities]
    out.append(_list_with_more(items, '<ul class="entities">', "</ul>", SHOWN_ENTITIES, "entities"))
    out.append("</section>")
    return "\n".join(out)


def quotes_html(view: ArticleView, prefix: str = "", *, level: int = 2) -> str:
    out = [_card_head(prefix, "quotes-h", f'Quotes <span class="n">({len(view.quotes)})</span>', level)]
    if not view.quotes:
        out.append('<p class="note">No quotes found.</p></section>')
        return "\n".join(out)
    out.append('<ol class="quotes">')
    for q in view.quotes:
        who = f"<strong>{e(q.speaker)}</strong>" if q.speaker else '<span class="unknown">unknown speaker</span>'
        how = f" ({e(q.cue)}{'; reported speech' if q.kind == 'reported' else ''})" if q.cue else ""
        where = f", in {e(q.source)}" if q.source else ""
        body = goto(prefix, q.start, q.end, e(shorten(q.text, 400)))
        out.append(f'<li><blockquote><p>{body}</p></blockquote><p class="attribution">— {who}{how}{where}</p></li>')
    out.append("</ol></section>")
    return "\n".join(out)


def timeline_html(view: ArticleView, prefix: str = "", *, level: int = 2) -> str:
    out = [_card_head(prefix, "timeline-h", "Timeline", level)]
    if not view.dates:
        out.append('<p class="note">No dated expressions found.</p></section>')
        return "\n".join(out)
    out.append('<ol class="timeline">')
    for d in view.dates:
        when = (f'<time datetime="{e(d.value)}">{e(d.when)}</time>' if d.value
                else f'<span class="unresolved">{e(d.when)}</span>')
        out.append(
            f'<li data-value="{e(d.value or "")}"><p class="when">{when} <span class="expr">“{e(d.expression)}”</span></p>'
            f'<p class="what">{goto(prefix, d.start, d.end, snippet_html(d.sentence, "expr-mark"))}</p></li>'
        )
    out.append("</ol></section>")
    return "\n".join(out)


def generic_html(panel: GenericPanel, prefix: str = "", *, level: int = 2) -> str:
    """A layer no panel knows: its spans, in text order, each linking to its place in the text."""
    h = f"h{level}"
    hid = ident(prefix, f"layer-{panel.name}-h")
    out = [f'<section class="card generic" data-layer="{e(panel.name)}" aria-labelledby="{hid}">'
           f'<{h} id="{hid}">{e(panel.title)} <span class="n">({len(panel.rows)})</span></{h}>']
    if not panel.rows:
        out.append('<p class="note">This layer is empty.</p></section>')
        return "\n".join(out)
    out.append('<ol class="generic-rows">')
    for r in panel.rows:
        head = " ".join(x for x in (f'<span class="type">{e(r.label)}</span>' if r.label else "",
                                    f'<span class="score">{fmt_score(r.score)}</span>' if r.score is not None else "") if x)
        extra = "; ".join(f"{e(k)}: {e(v)}" for k, v in r.extra)
        out.append(f'<li>{head} <q>{e(r.text)}</q> <small>[{r.start}, {r.end})</small>'
                   + (f'<br><small class="extra">{extra}</small>' if extra else "") + "</li>")
    out.append("</ol></section>")
    return "\n".join(out)


def panels_html(view: ArticleView, prefix: str = "", *, level: int = 2, techniques: bool = True) -> str:
    """Every panel the analysis has: techniques, entities, quotes, timeline, then one per unknown layer."""
    parts: list[str] = []
    if techniques and view.spans:
        parts.append(techniques_html(view, prefix, level=level))
    if view.entities or view.has("entities"):
        parts.append(entities_html(view, prefix, level=level))
    if view.has("quotes"):
        parts.append(quotes_html(view, prefix, level=level))
    if view.has("dates"):
        parts.append(timeline_html(view, prefix, level=level))
    parts.extend(generic_html(p, prefix, level=level) for p in view.panels)
    return "\n".join(parts)


def span_list_html(view: ArticleView, prefix: str = "") -> str:
    """Every span in text order (shown and candidates), each linking to its highlight."""
    out = [f'<details class="span-list"><summary>All {len(view.spans)} persuasion spans, in text order</summary><ol class="spans">']
    for s in view.spans:
        out.append(
            f'<li class="{s.css}{" cand" if s.tier == CANDIDATE else ""}" data-s="{s.index}" data-label="{e(s.label or "")}" '
            f'data-score="{_score_attr(s.score)}"><span class="swatch" aria-hidden="true"></span>'
            f'<a href="#{ident(prefix, f"s{s.index + 1}")}">{e(s.name)}</a> <span class="score">{fmt_score(s.score)}</span> '
            f"<q>{e(shorten(s.text, 200))}</q></li>"
        )
    out.append("</ol></details>")
    return "\n".join(out)


def reading_html(view: ArticleView, prefix: str = "", *, level: int = 2, below_text: str = "") -> str:
    """The legend beside the text (sticky only while the text is on screen), then ``below_text``."""
    lang = e(view.doc.article.language or "und")
    text_class = "text" + ("" if view.spans else " plain")
    return (
        '<div class="reading">'
        f"{controls_html(view, prefix, level=level)}"
        f'<div class="text-col"><article class="{text_class}" id="{ident(prefix, "text")}" lang="{lang}" '
        f'aria-label="Article text with persuasion highlights">{text_html(view, prefix)}</article>{below_text}</div>'
        "</div>"
    )


def tip_html() -> str:
    """The one tooltip element of a page, filled by reading.js."""
    return '<div id="tip" class="tip" role="tooltip" hidden></div>'


def join(parts: Iterable[str]) -> str:
    return "\n".join(p for p in parts if p)
