"""Exports of one collection with its corrections: JSON Lines (the analyses)
and CSV (one row per span), streamed, through the store's writers."""

from __future__ import annotations

from typing import Any, Iterable

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse

from slant.store import export
from slant.web import access
from slant.web.reader.corrected import collection_analyses

TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8",
         "ptc": "text/tab-separated-values; charset=utf-8"}
NAMES = {"jsonl": "analyses.jsonl", "csv": "spans.csv", "ptc": "labels.txt"}


def export_response(collection: object, fmt: str) -> HttpResponse:
    if fmt not in TYPES:
        raise Http404(f"no export format {fmt!r}")
    chunks = (text for text, _ in export.chunks(fmt, collection_analyses(collection)))
    response = StreamingHttpResponse(chunks, content_type=TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="collection-{collection.pk}-{NAMES[fmt]}"'  # type: ignore[attr-defined]
    response["Cache-Control"] = "private, no-store"
    return response


def export_collection(request: HttpRequest, cid: int, fmt: str) -> HttpResponse:
    if not request.user.is_authenticated:
        raise Http404("no such page")
    member = access.membership(request.user, cid)
    return export_response(member.collection, fmt)


def collection_items(cid: int, *, using: str = "default", pipeline: str | None = None) -> Iterable[tuple[Any, dict[str, Any]]]:
    """For ``slant export --collection ID``: the collection's analyses with its corrections.

    Checked at once (an unknown collection is an InputError before anything
    is written); the rows come lazily.
    """
    from slant.errors import InputError
    from slant.web.library.models import Collection

    if using != "default":
        raise InputError(f"--collection {cid}", "exporting a collection needs its database as the default one (--db or DATABASE_URL)")
    found = Collection.objects.filter(pk=cid).first()
    if found is None:
        raise InputError(f"--collection {cid}", "no such collection in this database")
    return collection_analyses(found, pipeline=pipeline)
