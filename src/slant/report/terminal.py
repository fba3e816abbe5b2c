"""The terminal report of ``slant analyze``: one article, drawn with rich.

The article text comes first with each persuasion span tinted in its
technique's colour and bracketed by numbered markers (``[3 … ]3``), so spans
stay visible where there is no colour (a pipe, a log file) and overlapping
spans show as nested or interleaved brackets. Where several spans cover the
same characters the text is also underlined (two) and bold (three or more).
Below it: the legend of numbered spans, the technique counts, the entities
with stance and evidence, the quotes, and the timeline of dates. Each panel
appears only when its layer is in the Doc.
"""

from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console, Group
from rich.panel import Panel
from rich.style import Style
from rich.table import Table
from rich.text import Text

from ..doc import Doc, Span
from . import _view as view
from .segments import segments

# Every string from the article goes into a ``Text``, never a plain str: rich
# would read "[bold]" or "[/]" in a plain str as markup, and article text is
# untrusted.

_MAIN_LAYERS = ("persuasion", "entities", "stance", "quotes", "dates")


def render(
    doc: "Doc | Mapping[str, Any]",
    console: Console,
    *,
    threshold: float | None = None,
    max_entities: int = 25,
) -> None:
    """Print the report of one analysed article to ``console``.

    ``doc`` is a Doc or its ``slant.analysis/1`` dict. ``threshold`` hides
    persuasion spans scored below it (the stage has already applied its own
    default). At most ``max_entities`` entities are listed, most mentioned first.
    """
    doc = view.as_doc(doc)
    spans = view.persuasion_spans(doc, threshold)
    sentences = view.Sentences(doc)
    console.print(_header(doc))
    console.print()
    console.print(_article_text(doc, spans))
    if "persuasion" in doc.layers:
        console.print()
        console.print(_legend(doc, spans, threshold, console.width))
        if spans:
            console.print()
            console.print(_technique_table(doc, spans))
    if doc.entities or "entities" in doc.layers:
        console.print()
        console.print(_entities(doc, sentences, max_entities))
    if "quotes" in doc.layers:
        console.print()
        console.print(_quotes(doc))
    if "dates" in doc.layers:
        console.print()
        console.print(_timeline(doc, sentences))
    others = view.other_layers(doc)
    if others:
        console.print()
        console.print(Text("Other layers: " + ", ".join(f"{n} ({c})" for n, c in others), style="dim"))


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


def _marker_style(label: str | None) -> Style:
    """A badge in the technique's colour: readable on dark and light terminals alike."""
    bg = view.colour(label)
    return Style(color="black" if view.is_light(bg) else "white", bgcolor=bg, bold=True)


def _article_text(doc: Doc, spans: list[Span]) -> Text:
    text = doc.text
    out = Text()
    numbers = {id(s): i + 1 for i, s in enumerate(spans)}
    for a, b, covering in segments(text, spans):
        cover = [spans[i] for i in covering]
        # Open markers outermost first and close them in the reverse order, so
        # nested spans read [1 … [2 … ]2 … ]1, even when two share offsets.
        for span in sorted((s for s in cover if s.start == a), key=lambda s: (-s.end, numbers[id(s)])):
            out.append(f"[{numbers[id(span)]} ", style=_marker_style(span.label))
        if cover:
            inner = min(cover, key=lambda s: (s.end - s.start, s.label or ""))
            style = Style(
                color="black",
                bgcolor=view.tint(view.colour(inner.label)),
                underline=len(cover) >= 2,
                bold=len(cover) >= 3,
            )
            out.append(text[a:b], style=style)
        else:
            out.append(text[a:b])
        for span in sorted((s for s in cover if s.end == b), key=lambda s: (-s.start, -numbers[id(s)])):
            # Glued to the text so a line break never strands it on the next line.
            out.append(f"]{numbers[id(span)]}", style=_marker_style(span.label))
    return out


def _legend(doc: Doc, spans: list[Span], threshold: float | None, width: int) -> Text:
    if not spans:
        note = "No persuasion spans found"
        if threshold is not None and doc.layer("persuasion"):
            note = f"No persuasion spans scored {threshold:.2f} or more"
        return Text(note + ".", style="italic")
    # Plain aligned lines rather than a rich Table: a long article can have
    # thousands of spans and a Table measures every cell twice.
    title = "Persuasion spans" + (f" (score ≥ {threshold:.2f})" if threshold is not None else "")
    out = Text(title + "\n", style="bold")
    number_w = len(str(len(spans)))
    names = [view.technique_name(s.label) for s in spans]
    name_w = max(len(n) for n in names)
    room = max(20, width - number_w - name_w - 10)
    for number, (span, name) in enumerate(zip(spans, names), 1):
        out.append(f"{number:>{number_w}}", style=_marker_style(span.label))
        out.append(f"  {name:<{name_w}}  ")
        out.append(f"{view.fmt_score(span.score):>4}  ")
        out.append("“" + view.shorten(doc.span_text(span), room - 2) + "”\n")
    out.rstrip()
    return out


def _technique_table(doc: Doc, spans: list[Span]) -> Table:
    share = view.covered_share(doc, spans)
    table = Table(
        title="Techniques",
        caption=f"Persuasive share: {share:.0%} of the body text is covered by at least one span.",
        title_justify="left",
        caption_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Technique")
    table.add_column("Spans", justify="right")
    table.add_column("Mean score", justify="right")
    for label, count, mean in view.technique_counts(spans):
        name = Text.assemble(("  ", _marker_style(label)), " ", view.technique_name(label))
        table.add_row(name, str(count), view.fmt_score(mean))
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


def _entities(doc: Doc, sentences: view.Sentences, limit: int) -> Table | Group:
    if not doc.entities:
        # Only raw NER mentions: group them by text so the reader still sees who is named.
        rows = view.raw_mentions(doc)
        table = Table(title="Named mentions (not merged into entities)", title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("Mention")
        table.add_column("Type")
        table.add_column("Count", justify="right")
        for text, label, count in rows[:limit]:
            table.add_row(Text(text), Text(label), str(count))
        if not rows:
            return Group(Text("No named entities found.", style="italic"))
        if len(rows) > limit:
            table.caption = f"… and {len(rows) - limit} more"
        return table
    views = view.entity_views(doc, sentences)
    table = Table(title=f"Entities ({len(views)})", title_justify="left", expand=True, show_edge=False, pad_edge=False)
    table.add_column("Entity", ratio=2)
    table.add_column("Type", no_wrap=True)
    table.add_column("Mentions", justify="right", no_wrap=True)
    # Without a stance stage a column of dashes says nothing.
    has_stance = "stance" in doc.layers or any(v.stance_label for v in views)
    if has_stance:
        table.add_column("Stance", no_wrap=True)
    table.add_column("Aliases and evidence" if has_stance else "Aliases", ratio=5)
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
        for span, snip in ent.evidence:
            if details:
                details.append("\n")
            details.append(f"{span.label or ''} {view.fmt_score(span.score)}: ".lstrip(), style="dim")
            details.append_text(_snippet_text(snip))
        stance = [_stance_text(ent.stance_label, ent.stance_score)] if has_stance else []
        table.add_row(name, Text(ent.type), str(ent.mentions), *stance, details)
    if len(views) > limit:
        table.caption = f"… and {len(views) - limit} more entities (see --json)"
    return table


def _quotes(doc: Doc) -> Table | Text:
    quotes = view.quote_views(doc)
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


def _timeline(doc: Doc, sentences: view.Sentences) -> Table | Text:
    dates = view.date_views(doc, sentences)
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
