"""The gazetteer: canonical names of countries, organisations and leaders.

Ours ships in ``slant/data/gazetteer.json``. A user file of the same shape
is merged over it, named by ``$SLANT_GAZETTEER`` or found at
``~/.local/share/slant/gazetteer.json``: an entry whose ``name`` equals one of
ours replaces it, others are added, and user aliases win where both claim one.

An entry: ``{"name": "South Korea", "type": "GPE", "aliases": [...],
"demonyms": [...], "family": "Yoon" (people), "note": "..."}``. ``no_scan``
lists aliases that map NER mentions but are too ambiguous to look for in raw
text ("Washington", "Georgia", "Chad").
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from ..errors import InputError
from . import names

USER_PATH = Path("~/.local/share/slant/gazetteer.json")
ENV = "SLANT_GAZETTEER"


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    family: str | None = None
    note: str | None = None

    def forms(self) -> Iterator[str]:
        yield self.name
        yield from self.aliases


class Gazetteer:
    def __init__(self, entries: list[Entry], no_scan: set[str] | None = None) -> None:
        self.entries = entries
        self.no_scan = no_scan or set()
        self._by_key: dict[str, int] = {}
        self._demonym: dict[str, int] = {}
        # Later entries win, so a user file merged after ours overrides it.
        for i, entry in enumerate(entries):
            for form in entry.forms():
                self._by_key[names.compact(form)] = i
            for dem in entry.demonyms:
                self._demonym[names.compact(dem)] = i
        self._people = [i for i, e in enumerate(entries) if e.type == "PERSON"]
        # People by the first and last parts of their names, so a fuzzy
        # lookup compares a mention with a handful of entries, not all.
        self._by_part: dict[str, set[int]] = {}
        for i in self._people:
            for form in entries[i].forms():
                parts = names.split_person(form)
                if len(parts) >= 2:
                    for part in (parts[0], parts[-1]):
                        self._by_part.setdefault(names.compact(part), set()).add(i)
        self._scan: re.Pattern[str] | None = None

    def __len__(self) -> int:
        return len(self.entries)

    def lookup(self, text: str, *, person: bool = False) -> int | None:
        """Index of the entry ``text`` names, or None.

        Exact on the compact form (case, periods, hyphens, "the" and
        possessives ignored); demonyms ("South Korean") map to their country.
        A multi-word name that matches no form exactly is tried against the
        gazetteer's people as a transliteration variant, and taken only when
        exactly one person fits.
        """
        k = names.compact(text)
        if not k:
            return None
        if k in self._by_key:
            return self._by_key[k]
        if k in self._demonym:
            return self._demonym[k]
        if person and len(names.split_person(text)) >= 2:
            parts = names.split_person(text)
            near = self._by_part.get(names.compact(parts[0]), set()) | self._by_part.get(names.compact(parts[-1]), set())
            hits = {
                i for i in sorted(near)
                if any(names.same_person_spelling(text, form) for form in self.entries[i].forms()
                       if len(names.split_person(form)) >= 2)
            }
            if len(hits) == 1:
                return hits.pop()
        return None

    def by_family(self, surname: str) -> list[int]:
        k = names.compact(surname)
        return [i for i in self._people if self.entries[i].family and names.compact(self.entries[i].family) == k]

    def scan_pattern(self) -> re.Pattern[str] | None:
        """A case-sensitive, word-bounded pattern of every scannable alias."""
        if self._scan is None:
            forms = {
                form
                for entry in self.entries
                for form in entry.forms()
                if len(form) >= 2 and form not in self.no_scan and (len(form) > 2 or form.isupper())
            }
            if not forms:
                return None
            alternation = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
            self._scan = re.compile(rf"(?<![\w.])(?:{alternation})(?![\w]|\.\w)")
        return self._scan


def _entries(data: Any, source: str) -> tuple[list[Entry], set[str]]:
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise InputError(source, "a gazetteer must be a JSON object with an 'entries' list")
    out = []
    for n, item in enumerate(data["entries"]):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise InputError(source, f"gazetteer entry {n} has no 'name'")
        out.append(
            Entry(
                name=item["name"].strip(),
                type=str(item.get("type") or "ORG"),
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                demonyms=tuple(str(a) for a in item.get("demonyms") or ()),
                family=item.get("family"),
                note=item.get("note"),
            )
        )
    return out, set(data.get("no_scan") or ())


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(str(path), f"cannot read the gazetteer: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(str(path), f"the gazetteer is not valid JSON: {exc}") from None


def user_path() -> Path | None:
    env = os.environ.get(ENV)
    if env:
        return Path(env).expanduser()
    default = USER_PATH.expanduser()
    return default if default.is_file() else None


def build(user: Path | None = None) -> Gazetteer:
    ours = json.loads(resources.files("slant").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))
    entries, no_scan = _entries(ours, "slant/data/gazetteer.json")
    if user is not None:
        theirs, their_no_scan = _entries(_read(user), str(user))
        replaced = {e.name.lower() for e in theirs}
        entries = [e for e in entries if e.name.lower() not in replaced] + theirs
        no_scan |= their_no_scan
    return Gazetteer(entries, no_scan)


@functools.lru_cache(maxsize=4)
def _cached(path: str | None) -> Gazetteer:
    return build(Path(path) if path else None)


def load() -> Gazetteer:
    """Ours merged with the user's file, cached per path."""
    path = user_path()
    return _cached(str(path) if path else None)
