"""Who may see and do what: every view asks here, and the answer for anything
a user may not see is 404, as if it did not exist.

Roles rank viewer < editor < owner. Seeing needs membership; changing needs a
higher role (a member who lacks it gets 403: they can see the thing exists).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from slant.web.library.models import Collection, Entry, Membership, Role


def membership(user: object, collection_id: int, needed: str = Role.VIEWER) -> Membership:
    """The user's membership of a collection, checked against the role needed."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("no such collection")
    found = (
        Membership.objects.select_related("collection")
        .filter(collection_id=collection_id, user=user)
        .first()
    )
    if found is None:
        raise Http404("no such collection")
    if not found.can(needed):
        raise PermissionDenied(f"this needs the {needed} role in the collection")
    return found


def entry(user: object, collection_id: int, article_id: str, needed: str = Role.VIEWER) -> tuple[Entry, Membership]:
    """An article in a collection the user belongs to."""
    member = membership(user, collection_id, Role.VIEWER)
    found = Entry.objects.select_related("article", "collection").filter(collection_id=collection_id, article_id=article_id).first()
    if found is None:
        raise Http404("no such article")
    if not member.can(needed):
        raise PermissionDenied(f"this needs the {needed} role in the collection")
    return found, member


def visible_collections(user: object):  # -> QuerySet[Collection]
    if not getattr(user, "is_authenticated", False):
        return Collection.objects.none()
    return Collection.objects.filter(memberships__user=user).distinct()


def visible_entries(user: object):  # -> QuerySet[Entry]
    if not getattr(user, "is_authenticated", False):
        return Entry.objects.none()
    return Entry.objects.filter(collection__memberships__user=user)


def article_entry(user: object, article_id: str) -> Entry:
    """The first entry of an article among the user's collections, or 404."""
    found = visible_entries(user).select_related("article", "collection").filter(article_id=article_id).order_by("id").first()
    if found is None:
        raise Http404("no such article")
    return found
