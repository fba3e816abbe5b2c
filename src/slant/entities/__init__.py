"""Entities: one per real-world actor, merged from an article's NER mentions.

``merge.merge`` holds the rules, ``names`` the string comparisons they use,
``gazetteer`` the canonical names we ship (and the user's additions).
"""

from __future__ import annotations

from .gazetteer import Entry, Gazetteer, load
from .merge import Mention, merge, spelling_variants

__all__ = ["Entry", "Gazetteer", "Mention", "load", "merge", "spelling_variants"]
