"""The terminal report of ``slant analyze``: one article, drawn with rich from the reading model.

The article text comes first with each persuasion span shown to the reader
tinted in its technique's colour (the palette of ``slant.view``, as on every
screen) and bracketed by numbered markers (``[3 … ]3``), so spans stay
visible where there is no colour (a pipe, a log file) and overlapping spans
show as nested or interleaved brackets. Where several spans cover the same
characters the text is also underlined (two) and bold (three or more). With
``show_candidates`` the candidates below the threshold appear too, in a
lighter tint with ``?`` markers (``[?7 … ]7``). Below the text: the legend of
numbered spans with their scores, the technique counts with each technique's
reliability, the entities with the author's stance and the sentences behind
it, the quotes, the timeline, and any other layer. Each panel appears only
when its layer is in the Doc.
"""

from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..doc import Doc
from ..view import build, palette
from ..view import model as view
from ..view.model import CANDIDATE, ArticleView, SpanView
from ..view.segments import segments

# Every string from the article goes into a ``Text``, never a plain str: rich
# would read "[bold]" or "[/]" in a plain str as markup, and article text is
# untrusted.

_MAIN_LAYERS = ("persuasion", "entities", "stance", "quotes", "dates")


def render(
    doc: "Doc | Mapping[str, Any]",
    console: Console,
    *,
    threshold: float | None = None,
    show_candidates: bool = False,
    max_entities: int = 25,
) -> None:
    """Print the report of one analysed article to ``console``.

    ``doc`` is a Doc or its ``slant.analysis/1`` dict. ``threshold`` is the cut
    between the spans shown and the candidates (default: the model's reader
    threshold); ``show_candidates`` prints the candidates too, lightly. At
    most ``max_entities`` entities are listed, most mentioned first.
    """
    model = build(doc, threshold=threshold)
    doc = model.doc
    spans = model.spans if show_candidates else model.shown
    for n, span in enumerate(spans, 1):
        span.order = n  # numbered 1, 2, 3 ... in the text as printed, whatever is left out
    console.print(_header(doc))
    console.print()
    console.print(_article_text(doc, spans))
    if "persuasion" in doc.layers:
        console.print()
        console.print(_legend(model, spans, console.width, show_candidates))
        if spans:
            console.print()
            console.print(_technique_table(model, show_candidates))
    if doc.entities or "entities" in doc.layers:
        console.print()
        console.print(_entities(model, max_entities))
    if "quotes" in doc.layers:
        console.print()
        console.print(_quotes(model))
    if "dates" in doc.layers:
        console.print()
        console.print(_timeline(model))
    for panel in model.panels:
        console.print()
        console.print(_generic(panel))


# -- header -----------------------------------------------------------------


def _header(doc: Doc) -> Panel:
    art = doc.article
    lines = Text()
    facts = [
        ("Outlet", art.outlet),
        ("Author", art.author),
        ("Published", art.published.isoformat() if art.published else None),
        ("Language", art.language),
    ]
    first = True
    for name, value in facts:
        if value is None:
            continue
        if not first:
            lines.append("  ·  ", style="dim")
        lines.append(f"{name}: ", style="bold")
        lines.append(str(value))
        first = False
    if not first:
        lines.append("\n")
    lines.append("Id: ", style="bold")
    lines.append(art.id[:12])
    for name, value in (("URL", art.url), ("Source", art.source)):
        if value:
            lines.append(f"\n{name}: ", style="bold")
            lines.append(str(value))
    if doc.stages_run:
        lines.append("\nStages: ", style="bold")
        lines.append(", ".join(doc.stages_run))
    for stage, reason in doc.stages_skipped.items():
        lines.append("\nSkipped ", style="bold yellow")
        lines.append(f"{stage}: ", style="yellow")
        lines.append(reason)
    missing = [name for name in _MAIN_LAYERS if name not in doc.layers and name not in doc.stages_skipped]
    if "entities" in missing and doc.entities:
        missing.remove("entities")
    if missing:
        lines.append("\nNot in this analysis: " + ", ".join(missing), style="dim")
    # "default" undoes the border colour, which a dark terminal would swallow.
    title = Text(art.title or "(untitled article)", style="bold default")
    return Panel(lines, title=title, title_align="left", border_style="blue")


# -- the text with its spans ------------------------------------------------


def _marker_style(label: str | None, candidate: bool = False) -> Style:
    """A badge in the technique's colour: readable on dark and light terminals alike (candidates: outlined)."""
    bg = palette.colour(label)
    if candidate:
        return Style(color=bg, bold=True)
    return Style(color="black" if palette.is_light(bg) else "white", bgcolor=bg, bold=True)


def _number(span: SpanView) -> str:
    """The span's marker: its place among the spans drawn (``SpanView.order``), ``?`` before a candidate's."""
    return f"?{span.order}" if span.tier == CANDIDATE else str(span.order)


def _article_text(doc: Doc, spans: list[SpanView]) -> Text:
    text = doc.text
    out = Text()
    for a, b, covering in segments(text, [(s.start, s.end) for s in spans]):
        cover = [spans[i] for i in covering]
        # Open markers outermost first and close them in the reverse order, so
        # nested spans read [1 … [2 … ]2 … ]1, even when two share offsets.
        for span in sorted((s for s in cover if s.start == a), key=lambda s: (-s.end, s.index)):
            out.append(f"[{_number(span)} ", style=_marker_style(span.label, span.tier == CANDIDATE))
        if cover:
            inner = min(cover, key=lambda s: (s.tier == CANDIDATE, s.end - s.start, s.label or ""))
            light = all(s.tier == CANDIDATE for s in cover)
            style = Style(
                color="black",
                bgcolor=palette.tint(inner.colour, 0.9 if light else 0.72),
                underline=len(cover) >= 2,
                bold=len(cover) >= 3,
            )
            out.append(text[a:b], style=style)
        else:
            out.append(text[a:b])
        for span in sorted((s for s in cover if s.end == b), key=lambda s: (-s.start, -s.index)):
            # Glued to the text so a line break never strands it on the next line.
            out.append(f"]{_number(span)}".replace("?", ""), style=_marker_style(span.label, span.tier == CANDIDATE))
    return out


def _legend(model: ArticleView, spans: list[SpanView], width: int, show_candidates: bool) -> Text:
    cut = model.threshold
    hidden = len(model.candidates) if not show_candidates else 0
    more = Text()
    if hidden:
        more = Text(f"{hidden} more candidate{'s' if hidden != 1 else ''} scored below {cut:.2f} "
                    "(--all-candidates shows them).", style="dim")
    if not spans:
        note = "No persuasion spans found."
        if model.spans:
            note = f"No persuasion spans scored {cut:.2f} or more."
        return Text.assemble((note, "italic"), "\n" if hidden else "", more)
    # Plain aligned lines rather than a rich Table: a long article can have
    # thousands of spans and a Table measures every cell twice.
    title = "Persuasion spans" + (f" (shown: score ≥ {cut:.2f}" if cut is not None else "")
    if cut is not None:
        title += "; ?-numbered: candidates below it)" if show_candidates else ")"
    out = Text(title + "\n", style="bold")
    number_w = max(len(_number(s)) for s in spans)
    names = [s.name + (" ⚠" if s.unreliable else "") for s in spans]
    name_w = max(len(n) for n in names)
    room = max(20, width - number_w - name_w - 10)
    for span, name in zip(spans, names):
        cand = span.tier == CANDIDATE
        out.append(f"{_number(span):>{number_w}}", style=_marker_style(span.label, cand))
        out.append(f"  {name:<{name_w}}  ", style="dim" if cand else "")
        out.append(f"{view.fmt_score(span.score):>4}  ", style="dim" if cand else "")
        out.append("“" + view.shorten(span.text, room - 2) + "”\n", style="dim" if cand else "")
    out.append("Score: the model's estimate of the chance that the span is right.\n", style="dim")
    drawn = {s.label for s in spans}
    unreliable = [t for t in model.unreliable if t.label in drawn]
    if unreliable:
        out.append("⚠ unreliable: " + ", ".join(t.name for t in unreliable)
                   + " (rarely right on the dev set: read as leads, not findings)\n", style="yellow")
    out.append_text(more)
    out.rstrip()
    return out


def _technique_table(model: ArticleView, show_candidates: bool) -> Table:
    table = Table(
        title="Techniques",
        caption=f"Persuasive share: {model.persuasive_share:.0%} of the body text is covered by at least one span shown.",
        title_justify="left",
        caption_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Technique")
    table.add_column("Spans", justify="right")
    if show_candidates:
        table.add_column("Candidates", justify="right")
    table.add_column("Mean score", justify="right")
    table.add_column("Reliability", justify="right")
    for t in model.techniques:
        if not t.shown and not show_candidates:
            continue
        name = Text.assemble(("  ", _marker_style(t.label)), " ", t.name)
        extra = [str(t.candidates)] if show_candidates else []
        rel = Text(t.reliability_text or "–", style="bold red" if t.unreliable else "dim")
        table.add_row(name, str(t.shown), *extra, view.fmt_score(t.mean_score) if t.mean_score is not None else "–", rel)
    return table


# -- entities, quotes, dates ------------------------------------------------


def _stance_text(label: str | None, score: float | None) -> Text:
    if not label:
        return Text("–", style="dim")
    # Plain ANSI colours: the terminal's theme keeps them readable on any background.
    colour = {"negative": "red", "positive": "green"}.get(label, "default")
    return Text(f"{label} {view.fmt_score(score)}", style=Style(color=colour, bold=True))


def _snippet_text(snip: view.Snippet, mark_style: str = "bold underline") -> Text:
    out = Text("“" + ("…" if snip.cut_left else ""))
    out.append(snip.before)
    out.append(snip.marked, style=mark_style)
    out.append(snip.after)
    out.append(("…" if snip.cut_right else "") + "”")
    return out


QUOTED_STYLE = "dim italic"


def _evidence_text(ev: view.EvidenceView) -> Text:
    """An evidence sentence: the mention underlined, quoted speech (not counted in the stance) dim."""
    if not ev.parts:
        return _snippet_text(ev.snippet)
    out = Text("“" + ("…" if ev.snippet.cut_left else ""))
    for part in ev.parts:
        style = " ".join(x for x in ("bold underline" if part.mention else "", QUOTED_STYLE if part.quoted else "") if x)
        out.append(part.text, style=style or None)
    out.append(("…" if ev.snippet.cut_right else "") + "”")
    return out


def _entities(model: ArticleView, limit: int) -> Table | Group:
    if not model.entities:
        # Only raw NER mentions: group them by text so the reader still sees who is named.
        rows = model.mentions
        if not rows:
            return Group(Text("No named entities found.", style="italic"))
        table = Table(title="Named mentions (not merged into entities)", title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("Mention")
        table.add_column("Type")
        table.add_column("Count", justify="right")
        for text, label, count in rows[:limit]:
            table.add_row(Text(text), Text(label), str(count))
        if len(rows) > limit:
            table.caption = f"… and {len(rows) - limit} more"
        return table
    views = model.entities
    table = Table(title=f"Entities ({len(views)})", title_justify="left", caption_justify="left", expand=True,
                  show_edge=False, pad_edge=False)
    table.add_column("Entity", ratio=2)
    table.add_column("Type", no_wrap=True)
    table.add_column("Mentions", justify="right", no_wrap=True)
    # Without a stance stage a column of dashes says nothing.
    has_stance = model.has_stance
    if has_stance:
        table.add_column("Stance", no_wrap=True)
    table.add_column("Aliases and the author's stance: evidence" if has_stance else "Aliases", ratio=5)
    for ent in views[:limit]:
        name = Text(ent.name, style="bold")
        details = Text()
        aliases = [a for a in ent.aliases if a != ent.name]
        if aliases:
            details.append("aka " + ", ".join(aliases))
        if ent.spellings:
            if details:
                details.append("\n")
            details.append("⚠ spelling variants: ", style="bold yellow")
            details.append(", ".join(ent.spellings))
        if ent.only_quoted and has_stance:
            if details:
                details.append("\n")
            details.append("named only inside quotes: the stance has little to go on", style="italic")
        for ev in ent.evidence:
            if details:
                details.append("\n")
            if ev.label:
                details.append(f"{ev.label} {view.fmt_score(ev.score)}: ", style="dim")
            else:
                details.append("• ", style="dim")
            details.append_text(_evidence_text(ev))
        stance = [_stance_text(ent.stance_label, ent.stance_score)] if has_stance else []
        table.add_row(name, Text(ent.type), str(ent.mentions), *stance, details)
    captions = []
    if len(views) > limit:
        captions.append(f"… and {len(views) - limit} more entities (see --json)")
    if any(ev.has_quote for ent in views[:limit] for ev in ent.evidence):
        captions.append("Dim italics in the evidence: quoted words, the speakers' and not the author's; the stance does not count them.")
    if captions:
        table.caption = "\n".join(captions)
    return table


def _quotes(model: ArticleView) -> Table | Text:
    quotes = model.quotes
    if not quotes:
        return Text("No quotes found.", style="italic")
    table = Table(title=f"Quotes ({len(quotes)})", title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("Speaker", ratio=2)
    table.add_column("Cue", no_wrap=True)
    table.add_column("Source", ratio=1)
    table.add_column("Quote", ratio=5)
    for q in quotes:
        table.add_row(
            Text(q.speaker or "unknown", style="bold" if q.speaker else "dim"),
            Text(q.cue + (" (reported)" if q.kind == "reported" else "") if q.cue else ""),
            Text(q.source or ""),
            Text(view.quoted(view.shorten(q.text, 200))),
        )
    return table


def _timeline(model: ArticleView) -> Table | Text:
    dates = model.dates
    if not dates:
        return Text("No dates found.", style="italic")
    table = Table(title="Timeline", title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("Date", no_wrap=True)
    table.add_column("Expression", ratio=1)
    table.add_column("What the text says then", ratio=4)
    for d in dates:
        table.add_row(
            Text(d.value or "unresolved", style="bold" if d.value else "dim"),
            Text(d.expression),
            _snippet_text(d.sentence),
        )
    return table


def _generic(panel: view.GenericPanel) -> Table:
    """A layer no panel knows: its spans with label, score and text."""
    table = Table(title=f"{panel.title} ({len(panel.rows)})", title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("Offsets", no_wrap=True)
    table.add_column("Label", no_wrap=True)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Text", ratio=4)
    for r in panel.rows:
        extra = ("\n" + "; ".join(f"{k}: {v}" for k, v in r.extra)) if r.extra else ""
        table.add_row(f"[{r.start}, {r.end})", Text(r.label or ""), view.fmt_score(r.score) if r.score is not None else "",
                      Text(view.quoted(r.text) + extra))
    return table
