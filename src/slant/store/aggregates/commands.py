"""What ``slant stories`` does, apart from parsing its options (``slant.cli``)."""

from __future__ import annotations

import json
from typing import Any, Optional, TextIO

from slant.errors import InputError


def collection_articles(collection: int, using: str) -> Any:
    """The article ids of a web collection (a queryset), or an InputError if there is none."""
    from slant.web.library.models import Collection, Entry

    if not Collection.objects.using(using).filter(id=collection).exists():
        raise InputError(f"collection {collection}", "no such collection in this database")
    return Entry.objects.using(using).filter(collection_id=collection).values("article_id")


def run(out: TextIO, *, using: str, collection: Optional[int] = None, as_json: bool = False, group: bool = False,
        merge: Optional[str] = None, split: Optional[int] = None, articles: Optional[str] = None,
        min_size: int = 1) -> dict[str, Any]:
    """Group pending articles, apply a merge or split, then list the stories. Returns what it did."""
    from . import stories

    done: dict[str, Any] = {}
    if group:
        done["grouped"] = stories.group_pending(using=using)
    if merge:
        try:
            ids = [int(x) for x in merge.split(",") if x.strip()]
        except ValueError:
            raise InputError("--merge", "give story ids separated by commas, the target first: 7,9") from None
        if len(ids) < 2:
            raise InputError("--merge", "give at least two story ids, the target first: 7,9")
        done["merge"] = stories.merge(ids[0], ids[1:], using=using)
    if split is not None:
        wanted = [a.strip() for a in (articles or "").split(",") if a.strip()]
        done["split"] = stories.split(split, wanted, using=using)
    visible = collection_articles(collection, using) if collection is not None else None
    listed = stories.list_stories(articles=visible, using=using, min_size=min_size)
    if as_json:
        for s in listed:
            out.write(json.dumps(s, ensure_ascii=False) + "\n")
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table("id", "articles", "outlets", "first", "last", "title", box=None)
        for s in listed:
            table.add_row(str(s["id"]), str(len(s["articles"])), ", ".join(s["outlets"])[:60],
                          s["first_published"] or "-", s["last_published"] or "-", (s["title"] or "")[:80])
        Console(file=out, highlight=False, width=200).print(table)
    done["stories"] = len(listed)
    return done
