"""The reading view, its JSON twin, corrections and the exports of corrected labels."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from slant.techniques import TECHNIQUES, display_name
from slant.view import build
from slant.view import html as vh
from slant.view import reliability
from slant.web import access
from slant.web.http import article_meta, json_response
from slant.web.jobs.status import analysis_state
from slant.web.library.models import Entry, Role
from slant.web.reader.corrected import apply, corrected_entries, export_label_studio, export_ptc, kept, model_key
from slant.web.reader.models import Action, Correction


def _login_404(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise Http404("no such page")


def _corrections(entry: Entry) -> list[Correction]:
    return list(entry.corrections.select_related("author").order_by("created_at", "id"))


def correction_row(c: Correction) -> dict[str, Any]:
    return {"id": c.pk, "action": c.action, "span": f"c{c.target_id}" if c.target_id else (
                model_key(c.start, c.end, c.label) if c.action != Action.ADD and c.start is not None else f"c{c.pk}"),
            "start": c.start, "end": c.end, "label": c.label or None, "new_label": c.new_label or None,
            "pipeline": c.pipeline or None, "author": c.author.get_username() if c.author else None,
            "at": c.created_at.isoformat()}


def article_data(entry: Entry) -> dict[str, Any]:
    state = analysis_state(entry.article)
    corrections = _corrections(entry)
    result = apply(state["analysis"], corrections, state["pipeline"])
    return {
        "collection": {"id": entry.collection_id, "name": entry.collection.name},
        "article": {**article_meta(entry.article), **({"title": entry.title} if entry.title else {})},
        "status": state["status"],
        "error": state["error"],
        "analysis": state["analysis"],
        "pipeline": state["pipeline"],
        "persuasion_corrected": result.spans,
        "corrections": [correction_row(c) for c in corrections],
        "orphaned_corrections": result.orphans,
    }


def _threshold_param(request: HttpRequest) -> float | None:
    """``?threshold=0.4`` from a shared link, if it is a number between 0 and 1."""
    try:
        value = float(request.GET.get("threshold", ""))
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


def article(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    _login_404(request)
    entry, member = access.entry(request.user, cid, aid)
    data = article_data(entry)
    analysis = data["analysis"]
    url = data["article"]["url"] or ""
    context: dict[str, Any] = {
        "entry": entry, "member": member, "data": data, "can_edit": member.can(Role.EDITOR),
        # Only web addresses become links: a stored "javascript:" URL must never run.
        "source_url": url if url.lower().startswith(("http://", "https://")) else None,
    }
    if analysis:
        # The one reading model, over the spans as corrected by editors (rejected ones left out).
        view = build(analysis, threshold=_threshold_param(request), persuasion=kept(data["persuasion_corrected"]))
        text = view.text
        tiers = {s.key: s.tier for s in view.spans}
        # Every row, rejected ones too, whether or not a kept span has its technique.
        unreliable = {label for label, rel in reliability.technique_reliability().items() if rel == "unreliable"}
        show_candidates = request.GET.get("candidates") == "1"
        reading = vh.reading_html(view)
        if show_candidates:
            reading = reading.replace('class="show-cands">', 'class="show-cands" checked>', 1)
        context.update({
            "view": view,
            "show_candidates": show_candidates,
            "reading_html": mark_safe(reading),  # noqa: S308 - built by slant.view.html, which escapes every text
            "panels_html": mark_safe(vh.panels_html(view)),  # noqa: S308 - as above
            "all_techniques": [(t, display_name(t)) for t in sorted(TECHNIQUES)],
            "span_rows": [{**s, "text": text[s["start"]:s["end"]], "name": display_name(s["label"] or ""),
                           "tier": tiers.get(s["key"]), "unreliable": (s["label"] or "") in unreliable}
                          for s in data["persuasion_corrected"]],
        })
    return render(request, "reader/article.html", context)


def article_json(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_response({"error": "authentication required"}, 401)
    entry, _ = access.entry(request.user, cid, aid)
    return json_response(article_data(entry))


class CorrectionForm(forms.Form):
    action = forms.ChoiceField(choices=Action.choices)
    span = forms.CharField(required=False, max_length=200)
    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=0)
    label = forms.ChoiceField(required=False, choices=[("", "")] + [(k, k) for k in sorted(TECHNIQUES)])


def apply_correction(entry: Entry, user: Any, cleaned: dict[str, Any]) -> Correction | str:
    """Store one correction, or return why it cannot be made.

    A model span is recorded by its characters and label with the id of the
    analysis it was made on; a span added by a correction, by that correction.
    """
    action = cleaned["action"]
    state = analysis_state(entry.article)
    text = entry.article.text
    pipeline = state["pipeline"] or ""
    if action == Action.ADD:
        start, end, label = cleaned.get("start"), cleaned.get("end"), cleaned.get("label")
        if start is None or end is None or not label:
            return "Adding a span needs a start, an end and a technique."
        if not 0 <= start < end <= len(text):
            return f"The span must lie inside the text (0 to {len(text)}), with start before end."
        return Correction.objects.create(entry=entry, author=user, action=action, start=start, end=end, label=label,
                                         pipeline=pipeline)
    spans = {s["key"]: s for s in apply(state["analysis"], _corrections(entry)).spans}
    key = cleaned.get("span") or ""
    span = spans.get(key)
    if span is None:
        return "No such span in this article."
    if action == Action.RELABEL and not cleaned.get("label"):
        return "Relabelling needs a technique."
    new_label = (cleaned.get("label") or "") if action == Action.RELABEL else ""
    if key.startswith("c"):
        return Correction.objects.create(entry=entry, author=user, action=action, target_id=int(key[1:]),
                                         new_label=new_label, pipeline=pipeline)
    return Correction.objects.create(entry=entry, author=user, action=action, start=span["start"], end=span["end"],
                                     label=span["model_label"] or "", new_label=new_label, pipeline=pipeline)


@require_POST
def correct(request: HttpRequest, cid: int, aid: str) -> HttpResponse:
    _login_404(request)
    entry, _ = access.entry(request.user, cid, aid, Role.EDITOR)
    form = CorrectionForm(request.POST)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not form.is_valid():
        problem = "The correction is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
    else:
        outcome = apply_correction(entry, request.user, form.cleaned_data)
        problem = outcome if isinstance(outcome, str) else ""
    if wants_json:
        return json_response({"error": problem}, 400) if problem else json_response(article_data(entry), 201)
    if problem:
        messages.error(request, problem)
    else:
        messages.success(request, "Correction saved.")
    return redirect("article", cid=cid, aid=aid)


def _export_items(request: HttpRequest, cid: int) -> list[tuple[Entry, list[dict[str, Any]]]]:
    _login_404(request)
    member = access.membership(request.user, cid)
    entries = member.collection.entries.select_related("article").order_by("added_at", "id")
    return [(entry, result.spans) for entry, _, _, result in corrected_entries(entries)]


def export_ptc_view(request: HttpRequest, cid: int) -> HttpResponse:
    items = _export_items(request, cid)
    body = export_ptc((e.article_id, spans) for e, spans in items)
    response = HttpResponse(body, content_type="text/tab-separated-values; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="collection-{cid}-labels.txt"'
    return response


def export_label_studio_view(request: HttpRequest, cid: int) -> HttpResponse:
    items = _export_items(request, cid)
    body = export_label_studio((e.article_id, e.article.text, spans) for e, spans in items)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="collection-{cid}-label-studio.json"'
    return response


# An invented sentence (ours) to show on the landing page what a reading looks like.
_SAMPLE = ("The so-called reform is nothing but a shameless betrayal of every family in this country, "
           "and only a fool would still trust these puppets.")
_SAMPLE_SPANS = [("so-called reform", "Doubt", 0.62), ("shameless betrayal", "Loaded_Language", 0.81),
                 ("every family in this country", "Flag-Waving", 0.57), ("these puppets", "Name_Calling,Labeling", 0.74),
                 ("only a fool would still trust", "Appeal_to_fear-prejudice", 0.31)]


def _sample_view() -> Any:
    from slant.article import Article
    from slant.doc import Doc, Span

    doc = Doc(Article(text=_SAMPLE))
    doc.set_layer("persuasion", [Span(_SAMPLE.index(p), _SAMPLE.index(p) + len(p), label, score)
                                 for p, label, score in _SAMPLE_SPANS])
    return build(doc, threshold=0.5, reliability_by_technique={})


def home(request: HttpRequest) -> HttpResponse:
    """What slant is, with a sample reading, for visitors; signed-in users go straight to their collections."""
    if request.user.is_authenticated:
        return redirect("collection_list")
    view = _sample_view()
    return render(request, "slant/home.html", {
        "sample_html": mark_safe(vh.text_html(view, "sample")),  # noqa: S308 - escaped by slant.view.html
    })
