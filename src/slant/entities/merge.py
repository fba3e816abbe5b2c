"""Merge one article's NER mentions into entities, one per real-world actor.

The rules run in this order (each one a union of mention groups):

1. clean the mentions: drop a leading "the" and a possessive; add gazetteer
   names the tagger missed ("U.S." untagged), found by a case-sensitive,
   word-bounded scan;
2. link mentions to the gazetteer (exact on the compact form, demonyms to
   their country, people also by transliteration when exactly one fits);
   mentions of one gazetteer entry are one entity, whatever the spelling;
3. mentions with the same compact form are one entity;
4. a short capitalised acronym joins the one long name whose initials it
   spells ("NATO", "KIDA"), and "Long Name (LN)" joins its two halves;
5. full person names that are spellings of one another join
   (``names.same_person_spelling``), as do names equal but for middle parts;
6. surname-only mentions ("Kim", "Yoon") join the one person in the article
   with that first or last name part. When several people share it, the
   mention joins the one most recently named in the same or the previous
   sentence, if exactly one was, else the one named at least twice as often
   as each other bearer; otherwise it goes to an ``ambiguous`` entity with
   the candidates listed. With no full name in the article, a
   surname that names exactly one gazetteer person ("Biden") links to it.

Two gazetteer entries are never joined (South Korea / North Korea, Kim Jong
Un / Kim Yo Jong), whatever rule 4 or 5 would say.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections import Counter
from typing import Any, Sequence

from . import names
from .gazetteer import Gazetteer

PERSON = "PERSON"


@dataclasses.dataclass
class Mention:
    start: int
    end: int
    label: str
    text: str
    scanned: bool = False
    gaz: int | None = None


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


_LEADING = re.compile(r"^(?:the|The|THE)\s+")
_TRAILING = re.compile(r"(?:'s|’s|'|’)$")
# Words after a name and a hyphen that make a compound ("Trump-era",
# "Biden-led"), never the second syllable of a given name.
_COMPOUND_TAILS = {"era", "led", "style", "like", "backed", "based", "born", "made", "type", "free", "linked", "allied", "run"}


def clean_mentions(text: str, raw: Sequence[tuple[int, int, str]], gazetteer: Gazetteer) -> list[Mention]:
    out: list[Mention] = []
    pieces: list[tuple[int, int, str]] = []
    for start, end, label in raw:
        # The tagger sometimes runs a name across a line break ("Biden\n\nSouth
        # Korean" from a title into the body): those are separate mentions.
        pos = start
        for part in re.split(r"(\n+)", text[start:end]):
            if part and not part.startswith("\n"):
                pieces.append((pos, pos + len(part), label))
            pos += len(part)
    for start, end, label in pieces:
        piece = text[start:end]
        m = _LEADING.match(piece)
        if m and end - start > m.end():
            start += m.end()
        piece = text[start:end]
        m2 = _TRAILING.search(piece)
        if m2 and m2.start() > 0:
            end = start + m2.start()
        while end > start and text[end - 1] in " ,;:":
            end -= 1
        # A name cut at a hyphen ("Park Min" of "Park Min-soo") gets its tail
        # back: a whole syllable, never the start of a longer word
        # ("JFK-assassination" stays "JFK").
        tail = re.match(r"-([a-z]{1,6})(?![\w-])", text[end:end + 12])
        if tail and label == PERSON and tail.group(1) not in _COMPOUND_TAILS:
            end += tail.end()
        if end > start:
            out.append(Mention(start, end, label, text[start:end]))
    out = _narrow_headline_mentions(text, out)
    # Names the tagger missed: scan only where no mention already sits.
    pattern = gazetteer.scan_pattern()
    if pattern is not None:
        taken = sorted((m.start, m.end) for m in out)
        starts = [s for s, _ in taken]
        for hit in pattern.finditer(text):
            s, e = hit.start(), hit.end()
            i = bisect.bisect_right(starts, e)
            if any(ts < e and s < te for ts, te in taken[max(0, i - 3): i]):
                continue
            idx = gazetteer.lookup(hit.group(0))
            if idx is None:
                continue
            out.append(Mention(s, e, gazetteer.entries[idx].type, hit.group(0), scanned=True))
    out.sort(key=lambda m: (m.start, m.end))
    return out


def _is_headline_case(line: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line) if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _narrow_headline_mentions(text: str, mentions: list[Mention]) -> list[Mention]:
    """Mentions in a Headline Cased Title, cut down to names the body uses.

    In a title where every word is capitalised the tagger takes whole phrases
    for names ("Puppet Regime Of Yoon Seok-yuek", "Sells Nation To
    Warmongers"). A title mention that contains a name the body mentions is
    narrowed to that name; one of three or more words that contains none is
    dropped. Shorter ones ("South Korea", "Trump") stay.
    """
    title_end = text.find("\n")
    if title_end <= 0 or not _is_headline_case(text[:title_end]):
        return mentions
    body_names = sorted(
        {m.text for m in mentions if m.start > title_end and len(m.text) >= 3}, key=len, reverse=True
    )
    out: list[Mention] = []
    for m in mentions:
        if m.end > title_end or len(m.text.split()) < 3:
            out.append(m)
            continue
        for name in body_names:
            found = re.search(rf"(?<!\w){re.escape(name)}(?!\w)", m.text)
            if found:
                start = m.start + found.start()
                body_label = next((b.label for b in mentions if b.start > title_end and b.text == name), m.label)
                out.append(Mention(start, start + len(name), body_label, name))
                break
    return out


def _add_missed(text: str, mentions: list[Mention]) -> list[Mention]:
    """Further mentions of names the article already uses that the tagger
    missed: an acronym seen once ("KIDA"), the last name of a person named in
    full ("Walz"). Case-sensitive and word-bounded. A last name is skipped
    where a capitalised word joins it (another person's name) or where the
    same word is tagged as a place elsewhere ("Washington")."""
    wanted: dict[str, str] = {}
    for m in mentions:
        if names.is_acronym(m.text) and m.label != PERSON:
            wanted[names.surface(m.text)] = m.label
        parts = names.split_person(m.text)
        if m.label == PERSON and len(parts) >= 2 and len(parts[-1]) >= 3 and parts[-1][0].isupper():
            wanted.setdefault(parts[-1], PERSON)
    for m in mentions:
        if m.label in ("GPE", "LOC", "NORP", "FAC") and wanted.get(names.surface(m.text)) == PERSON:
            del wanted[names.surface(m.text)]
    if not wanted:
        return mentions
    taken = sorted((m.start, m.end) for m in mentions)
    starts = [s for s, _ in taken]
    alternation = "|".join(re.escape(w) for w in sorted(wanted, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w.-])(" + alternation + r")(?![\w-])")
    added = []
    for hit in pattern.finditer(text):
        s, e = hit.span()
        i = bisect.bisect_right(starts, e)
        if any(ts < e and s < te for ts, te in taken[max(0, i - 3): i]):
            continue
        label = wanted[hit.group(1)]
        if label == PERSON:
            joined_before = re.search(r"[A-Z][\w'’-]* $", text[max(0, s - 30):s])
            joined_after = re.match(r" [A-Z]", text[e:e + 2])
            if joined_before or joined_after:
                continue
        added.append(Mention(s, e, label, hit.group(1), scanned=True))
    return sorted(mentions + added, key=lambda m: (m.start, m.end))


def _sentence_index(starts: Sequence[int], pos: int) -> int:
    return max(0, bisect.bisect_right(starts, pos) - 1)


def merge(
    text: str,
    raw: Sequence[tuple[int, int, str]],
    gazetteer: Gazetteer,
    sentences: Sequence[tuple[int, int]] = (),
) -> tuple[list[dict[str, Any]], list[tuple[Mention, str]]]:
    """Entities (salience order, ids e1...) and each mention with its id."""
    mentions = _add_missed(text, clean_mentions(text, raw, gazetteer))
    n = len(mentions)
    uf = _Union(n)
    bounds = [s for s, _ in sentences] or [0]  # sentence starts

    # Rule 2: gazetteer links.
    for m in mentions:
        if m.label == PERSON and len(names.split_person(m.text)) == 1:
            # Exact aliases only ("MBS"); surnames are rule 6's business.
            m.gaz = gazetteer.lookup(m.text)
            continue
        m.gaz = gazetteer.lookup(m.text, person=m.label in (PERSON, "WORK_OF_ART", "ORG"))
    gaz_ids: dict[int, set[int]] = {}

    def gaz_of(i: int) -> set[int]:
        return gaz_ids.get(uf.find(i), set())

    def join(a: int, b: int) -> bool:
        ga, gb = gaz_of(a), gaz_of(b)
        if ga and gb and ga != gb:
            return False
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            return True
        merged = ga | gb
        uf.union(a, b)
        if merged:
            gaz_ids[uf.find(a)] = merged
        return True

    for i, m in enumerate(mentions):
        if m.gaz is not None:
            gaz_ids[uf.find(i)] = {m.gaz}
    first_of_gaz: dict[int, int] = {}
    for i, m in enumerate(mentions):
        if m.gaz is not None:
            if m.gaz in first_of_gaz:
                join(first_of_gaz[m.gaz], i)
            else:
                first_of_gaz[m.gaz] = i

    # Which single-word mentions are surnames of a person named in full here.
    full_people = [
        i for i, m in enumerate(mentions)
        if _is_person(m) and len(names.split_person(m.text)) >= 2
        and (m.gaz is None or gazetteer.entries[m.gaz].type == PERSON)  # "N. Korea" tagged PERSON
    ]
    name_parts: dict[str, list[int]] = {}
    for i in full_people:
        parts = [p for p in names.split_person(mentions[i].text) if p.lower() not in names.SUFFIXES]
        for part in {parts[0], parts[-1]}:
            name_parts.setdefault(names.compact(part), []).append(i)
    surname_mentions = [
        i for i, m in enumerate(mentions)
        if m.gaz is None and len(names.split_person(m.text)) == 1 and names.compact(m.text) in name_parts
        and (m.label == PERSON or not m.text.isupper())
    ]
    surname_set = set(surname_mentions)

    # Rule 3: same compact form.
    by_key: dict[str, int] = {}
    for i, m in enumerate(mentions):
        if i in surname_set:
            continue
        k = names.compact(m.text)
        if k in by_key:
            join(by_key[k], i)
        else:
            by_key[k] = i

    # Rule 4: acronyms.
    long_forms: dict[str, set[int]] = {}
    for i, m in enumerate(mentions):
        for acro in names.initials(m.text):
            long_forms.setdefault(acro, set()).add(uf.find(i))
    for i, m in enumerate(mentions):
        if i in surname_set or not names.is_acronym(m.text):
            continue
        acro = names.surface(m.text).replace(".", "").upper()
        roots = {uf.find(r) for r in long_forms.get(acro, set())}
        if len(roots) == 1:
            join(next(iter(roots)), i)
    for i in range(n - 1):
        a, b = mentions[i], mentions[i + 1]
        between = text[a.end:b.start]
        if between.strip() == "(" and text[b.end:b.end + 1] == ")" and names.is_acronym(b.text):
            acro = names.surface(b.text).replace(".", "").upper()
            if acro[:1] == names.strip_accents(a.text)[:1].upper():
                join(i, i + 1)

    # Rule 5: spellings of one person, and names equal but for middle parts.
    # One representative per written form: a long article repeats its names.
    forms: dict[str, int] = {}
    for i in full_people:
        forms.setdefault(names.surface(mentions[i].text), i)
    reps = list(forms.values())
    for x, i in enumerate(reps):
        for j in reps[x + 1:]:
            if uf.find(i) == uf.find(j):
                continue
            a, b = mentions[i].text, mentions[j].text
            if names.same_person_spelling(a, b) or _same_but_middle(a, b):
                join(i, j)

    # Rule 6: surnames, in text order, so a linked surname counts as the
    # latest mention of its person for the next one.
    ambiguous: dict[str, list[int]] = {}
    candidates_of: dict[int, set[int]] = {}

    # How often each person is named before surnames are linked.
    named = Counter(uf.find(j) for j in range(n))
    for i in surname_mentions:
        m = mentions[i]
        roots = {uf.find(j) for j in name_parts[names.compact(m.text)]}
        chosen: int | None = None
        if len(roots) == 1:
            chosen = next(iter(roots))
        else:
            here = _sentence_index(bounds, m.start)
            recent = set()
            for j in range(i - 1, -1, -1):  # walk back over the last two sentences
                if here - _sentence_index(bounds, mentions[j].start) > 1:
                    break
                if uf.find(j) in roots:
                    recent.add(uf.find(j))
            if len(recent) == 1:
                chosen = recent.pop()
            else:
                # The article's main bearer of the name: named at least twice
                # as often as any other ("Clinton" in a piece about Hillary
                # Clinton that mentions Bill Clinton once).
                sizes = sorted(((named[r], r) for r in roots), reverse=True)
                if sizes[0][0] >= 2 * sizes[1][0] and sizes[0][0] >= 2:
                    chosen = sizes[0][1]
        if chosen is not None:
            count = named[chosen]
            join(chosen, i)
            named[uf.find(i)] = count + 1  # the root may have changed
        else:
            ambiguous.setdefault(names.compact(m.text), []).append(i)
            candidates_of[i] = roots
    for group in ambiguous.values():
        for j in group[1:]:
            uf.union(group[0], j)

    # Surnames with no full name here: the gazetteer, if it knows one person.
    for i, m in enumerate(mentions):
        if i in surname_set or m.gaz is not None or m.label != PERSON:
            continue
        if len(names.split_person(m.text)) != 1:
            continue
        hits = gazetteer.by_family(m.text)
        if len(hits) == 1:
            m.gaz = hits[0]
            if hits[0] in first_of_gaz:
                join(first_of_gaz[hits[0]], i)
            else:
                first_of_gaz[hits[0]] = i
                gaz_ids[uf.find(i)] = {hits[0]}

    return _entities(mentions, uf, gaz_ids, gazetteer, candidates_of)


def _is_person(m: Mention) -> bool:
    if m.label == PERSON or (m.label == "WORK_OF_ART" and len(m.text.split()) <= 4):
        return True
    # The tagger often mistypes romanised East Asian names ("Yoon Seok-yuek"
    # as FAC): a known family name followed by a hyphenated given name is a
    # person whatever the label says.
    parts = names.split_person(m.text)
    return (
        2 <= len(parts) <= 3
        and names.compact(parts[0]) in names.EAST_ASIAN_FAMILY
        and any("-" in p for p in parts[1:])
        and all(p[:1].isupper() for p in parts)
    )


def _same_but_middle(a: str, b: str) -> bool:
    pa = [p for p in names.split_person(a) if len(p) > 1 and p.lower() not in names.SUFFIXES]
    pb = [p for p in names.split_person(b) if len(p) > 1 and p.lower() not in names.SUFFIXES]
    if len(pa) < 2 or len(pb) < 2:
        return False
    if len(pa) == len(pb):
        # Equal but for initials: "George W. Bush" / "George Bush".
        return [names.compact(p) for p in pa] == [names.compact(p) for p in pb] and names.compact(a) != names.compact(b)
    if {p.lower() for p in names.split_person(a)} & names.SUFFIXES != {p.lower() for p in names.split_person(b)} & names.SUFFIXES:
        return False
    return names.compact(pa[0]) == names.compact(pb[0]) and names.compact(pa[-1]) == names.compact(pb[-1])


def _canonical(forms: list[Mention], person: bool) -> str:
    counts = Counter(names.surface(m.text) for m in forms)
    order = {f: i for i, f in reversed(list(enumerate(names.surface(m.text) for m in forms)))}
    if person:
        full = [f for f in counts if len(f.split()) >= 2] or list(counts)
        return min(full, key=lambda f: (-counts[f], order[f]))
    return min(counts, key=lambda f: (-len(f.split()), -len(f), -counts[f], order[f]))


def spelling_variants(forms: list[str]) -> list[str]:
    """Full-name forms in one entity that are different spellings of one name."""
    full = []
    seen = set()
    for f in forms:
        k = names.compact(f)
        if len(names.split_person(f)) >= 2 and k not in seen:
            seen.add(k)
            full.append(f)
    out = []
    for x, a in enumerate(full):
        for b in full[x + 1:]:
            if names.same_person_spelling(a, b) and not _same_but_middle(a, b):
                for f in (a, b):
                    if f not in out:
                        out.append(f)
    return [f for f in full if f in out]


def _entities(
    mentions: list[Mention],
    uf: _Union,
    gaz_ids: dict[int, set[int]],
    gazetteer: Gazetteer,
    candidates_of: dict[int, set[int]],
) -> tuple[list[dict[str, Any]], list[tuple[Mention, str]]]:
    groups: dict[int, list[int]] = {}
    for i in range(len(mentions)):
        groups.setdefault(uf.find(i), []).append(i)
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), mentions[kv[1][0]].start))
    ids = {root: f"e{n + 1}" for n, (root, _) in enumerate(ordered)}
    entities = []
    for root, members in ordered:
        forms = [mentions[i] for i in members]
        gaz = gaz_ids.get(root)
        labels = Counter(m.label for m in forms if not m.scanned) or Counter(m.label for m in forms)
        if gaz:
            entry = gazetteer.entries[next(iter(gaz))]
            name, etype = entry.name, entry.type
        else:
            etype = max(labels, key=lambda lab: (labels[lab], lab == PERSON))
            if any(_is_person(m) for m in forms) and labels.get(PERSON):
                etype = PERSON
            name = _canonical(forms, etype == PERSON)
        aliases: list[str] = []
        for m in forms:
            s = names.surface(m.text)
            if s not in aliases:
                aliases.append(s)
        entity: dict[str, Any] = {
            "id": ids[root],
            "name": name,
            "type": etype,
            "aliases": aliases,
            "mentions": len(members),
            "first": forms[0].start,
            "gazetteer": bool(gaz),
        }
        variants = spelling_variants(aliases) if etype == PERSON else []
        entity["spelling_flag"] = len(variants) >= 2
        if entity["spelling_flag"]:
            entity["spelling_variants"] = variants
        cands = set().union(*(candidates_of.get(i, set()) for i in members)) if members else set()
        if cands:
            entity["ambiguous"] = True
            entity["candidates"] = sorted({ids[uf.find(c)] for c in cands}, key=lambda e: int(e[1:]))
        entities.append(entity)
    linked = [(m, ids[uf.find(i)]) for i, m in enumerate(mentions)]
    return entities, linked
