"""``quotes``: direct quotes and reported speech, with speaker, cue and source.

Each quote is a span of layer ``quotes`` over the quoted words (quotation
marks included for direct quotes; the complement clause, with its "that",
for reported speech). Attributes:

* ``kind``: ``direct``, ``reported`` or ``according_to``;
* ``speaker``: entity id or null; ``speaker_start``/``speaker_end``: the
  words that name the speaker here ("he", "the minister", "Kim");
* ``cue`` as written ("said", "told", "according to") with ``cue_start``/``cue_end``;
* ``source``: entity id of the outlet or document named ("wrote in the
  Korea Herald", "told Reuters"); ``addressee`` (entity id or null) and
  ``addressee_start``/``addressee_end`` for "told Z";
* ``nested``: ``[[start, end], ...]`` of quotes inside a direct quote.

How it works, in order:
1. quotation marks are paired per paragraph (curly and straight; a quote
   left open at a paragraph's end that the next paragraph reopens is the
   newspaper convention for a quote running over paragraphs);
2. each direct quote looks for a speech verb in its sentence, outside the
   quote, nearest first, after the quote before before it ('"...," said Kim.'
   and 'Kim said: "..."'); its grammatical subject is the speaker;
   a quote with no cue that follows an attributed quote in the same or the
   next paragraph continues it;
3. speech verbs outside direct quotes with a clausal complement give
   reported speech ("X said that ..."); "according to X" gives the rest of
   its clause;
4. speakers named by a pronoun resolve to the latest person named in the
   same or previous sentence; by a role ("the minister") to the latest
   person whose name is written next to that role word.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterator

from ..doc import Doc, Span
from ..pipeline import register
from . import _nlp

_FORMS = {
    "say": "say says said saying",
    "tell": "tell tells told telling",
    "add": "add adds added adding",
    "write": "write writes wrote written writing",
    "state": "state states stated stating",
    "claim": "claim claims claimed claiming",
    "argue": "argue argues argued arguing",
    "announce": "announce announces announced announcing",
    "explain": "explain explains explained explaining",
    "insist": "insist insists insisted insisting",
    "warn": "warn warns warned warning",
    "note": "note notes noted noting",
    "suggest": "suggest suggests suggested suggesting",
    "report": "report reports reported reporting",
    "declare": "declare declares declared declaring",
    "assert": "assert asserts asserted asserting",
    "acknowledge": "acknowledge acknowledges acknowledged acknowledging",
    "admit": "admit admits admitted admitting",
    "deny": "deny denies denied denying",
    "contend": "contend contends contended contending",
    "predict": "predict predicts predicted predicting",
    "respond": "respond responds responded responding",
    "reply": "reply replies replied replying",
    "ask": "ask asks asked asking",
    "tweet": "tweet tweets tweeted tweeting",
    "post": "posted",
    "comment": "comment comments commented commenting",
    "testify": "testify testifies testified testifying",
    "recall": "recall recalls recalled recalling",
    "confirm": "confirm confirms confirmed confirming",
    "continue": "continued",
    "observe": "observe observes observed observing",
    "stress": "stress stresses stressed stressing",
    "emphasize": "emphasize emphasizes emphasized emphasizing emphasise emphasised",
    "conclude": "conclude concludes concluded concluding",
    "promise": "promise promises promised promising",
    "vow": "vow vows vowed vowing",
    "believe": "believe believes believed believing",
    "think": "think thinks thought",
    "agree": "agree agrees agreed agreeing",
    "complain": "complain complains complained complaining",
    "point": "pointed",
    "charge": "charged",
    "allege": "allege alleges alleged alleging",
    "quip": "quipped",
    "joke": "joked",
    "say_": "says:",
}
SPEECH: dict[str, str] = {form: lemma for lemma, forms in _FORMS.items() for form in forms.split()}
# Verbs that may cue a direct quote but rarely take a "that" clause we want.
_DIRECT_ONLY = frozenset({"continue", "quip", "joke", "post", "tweet", "reply", "respond", "comment"})

PRONOUNS = frozenset({"he", "she", "him", "her"})
ROLES = frozenset({
    "president", "minister", "spokesman", "spokeswoman", "spokesperson", "official", "leader", "chairman",
    "chairwoman", "chair", "senator", "governor", "secretary", "ambassador", "general", "candidate",
    "director", "chief", "premier", "chancellor", "lawmaker", "representative", "mayor", "prosecutor",
    "envoy", "commander", "king", "queen", "prince", "congressman", "congresswoman", "nominee", "analyst",
    "professor", "researcher", "author", "economist", "negotiator", "diplomat", "adviser", "advisor",
})
_OPEN_D = "“„«"
_CLOSE_D = "”»"
_MIN_UNATTRIBUTED_WORDS = 4


# -- 1. quotation marks -------------------------------------------------------

def paired_quotes(text: str) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """``(start, end, nested)`` of each top-level quote, marks included."""
    out: list[tuple[int, int, list[tuple[int, int]]]] = []
    pos = 0
    paragraphs = []
    for line in text.split("\n"):
        paragraphs.append((pos, pos + len(line)))
        pos += len(line) + 1
    for n, (ps, pe) in enumerate(paragraphs):
        opened: int | None = None
        nested: list[tuple[int, int]] = []
        inner_open: int | None = None
        i = ps
        while i < pe:
            ch = text[i]
            if opened is None:
                if ch in _OPEN_D or ch == '"':
                    opened, nested, inner_open = i, [], None
                elif ch == "‘" and (i == ps or not text[i - 1].isalnum()):
                    close = _single_close(text, i + 1, pe)
                    if close is not None and len(text[i + 1:close].split()) >= _MIN_UNATTRIBUTED_WORDS:
                        out.append((i, close + 1, []))
                        i = close
            else:
                if ch in _CLOSE_D or (ch == '"' and i > opened):
                    out.append((opened, i + 1, nested))
                    opened = None
                elif ch in "‘'" and (i == opened + 1 or not text[i - 1].isalnum()) and inner_open is None:
                    inner_open = i
                elif ch in "’'" and inner_open is not None and (i + 1 >= pe or not text[i + 1].isalnum()):
                    nested.append((inner_open, i + 1))
                    inner_open = None
            i += 1
        if opened is not None:
            # Open at the paragraph's end: a quote running on when the next
            # paragraph reopens, else take it to the paragraph's end if long.
            following = next((text[a:b].lstrip() for a, b in paragraphs[n + 1:] if text[a:b].strip()), "")
            reopens = following[:1] != "" and following[:1] in (_OPEN_D + '"')
            end = pe
            while end > opened and text[end - 1].isspace():
                end -= 1
            if reopens or len(text[opened:end].split()) >= _MIN_UNATTRIBUTED_WORDS:
                out.append((opened, end, nested))
    return out


def _single_close(text: str, start: int, end: int) -> int | None:
    for j in range(start, end):
        if text[j] == "’" and (j + 1 >= end or not text[j + 1].isalnum()):
            return j
    return None


# -- helpers over the parse --------------------------------------------------

class _Index:
    """Tokens of the whole text with absolute offsets, and entity mentions."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.tokens: list[Any] = []
        self.offsets: list[int] = []
        for offset, sdoc in _nlp.parsed(doc):
            for tok in sdoc:  # type: ignore[attr-defined]
                self.tokens.append((offset, tok))
                self.offsets.append(offset + tok.idx)
        self.sents = [(s.start, s.end) for s in doc.layer("sentences")] or list(_nlp.sentence_bounds(doc))
        self.sent_starts = [s for s, _ in self.sents]
        self.mentions = [m for m in doc.layer("entities") if m.get("entity")]
        self.mention_starts = [m.start for m in self.mentions]
        self.types = {e["id"]: e.get("type") for e in doc.entities}

    def abs(self, offset: int, tok: Any) -> tuple[int, int]:
        return offset + tok.idx, offset + tok.idx + len(tok.text)

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, pos) - 1)

    def entity_at(self, start: int, end: int, prefer: tuple[str, ...] = ("PERSON",)) -> str | None:
        i = bisect.bisect_left(self.mention_starts, start - 200)
        hits = []
        for m in self.mentions[i:]:
            if m.start >= end:
                break
            if m.end > start:
                hits.append(m)
        if not hits:
            return None
        hits.sort(key=lambda m: (0 if self.types.get(m["entity"]) in prefer else 1, -(m.end - m.start)))
        return hits[0]["entity"]

    def latest_person_before(self, pos: int, max_back: int = 1) -> str | None:
        here = self.sentence_of(pos)
        i = bisect.bisect_left(self.mention_starts, pos)
        for m in reversed(self.mentions[:i]):
            if here - self.sentence_of(m.start) > max_back:
                return None
            if self.types.get(m["entity"]) == "PERSON" and m.end <= pos:
                return m["entity"]
        return None

    def person_with_role(self, role: str, pos: int) -> str | None:
        text = self.doc.text
        i = bisect.bisect_left(self.mention_starts, pos)
        for m in reversed(self.mentions[:i]):
            if self.types.get(m["entity"]) != "PERSON":
                continue
            window = text[max(0, m.start - 40):m.start].lower() + " " + text[m.end:m.end + 40].lower()
            if re.search(rf"\b{re.escape(role)}\b", window):
                return m["entity"]
        return None


def _np_span(offset: int, head: Any) -> tuple[int, int]:
    """The noun phrase of ``head`` without relative clauses or appositions."""
    keep = {"compound", "det", "amod", "poss", "nmod", "flat", "nummod", "case", "quantmod", "prt"}
    lo = hi = head.i
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in tok.children:
            if child.dep_ in keep:
                lo, hi = min(lo, child.left_edge.i if child.dep_ == "poss" else child.i), max(hi, child.i)
                stack.append(child)
    sdoc = head.doc
    start = offset + sdoc[lo].idx
    end = offset + sdoc[hi].idx + len(sdoc[hi].text)
    return start, end


def _subject(tok: Any) -> Any | None:
    # The parser sometimes runs a title into the body and hangs a second
    # subject on the verb across the line break ("Commentary\n\nKim wrote"):
    # take the subject nearest the verb on its own line.
    subjects = [
        child for child in tok.children
        if child.dep_ in ("nsubj", "nsubjpass")
        and "\n" not in tok.doc.text[min(child.idx, tok.idx):max(child.idx, tok.idx)]
    ]
    if subjects:
        return min(subjects, key=lambda child: abs(child.i - tok.i))
    # "... and said": the subject of the first verb of the coordination;
    # "..., saying that": the subject of the verb the participle hangs on.
    if tok.dep_ == "conj" and tok.head.pos_ in ("VERB", "AUX"):
        return _subject(tok.head)
    if tok.dep_ == "advcl" and tok.text.lower().endswith("ing") and tok.head.pos_ in ("VERB", "AUX"):
        return _subject(tok.head)
    return None


def _resolve_speaker(index: _Index, offset: int, subj: Any) -> tuple[str | None, int, int]:
    start, end = _np_span(offset, subj)
    word = subj.text.lower()
    if word in PRONOUNS:
        return index.latest_person_before(start), start, end
    # The mention must cover the head word: in "Yoon's aides" the speaker is
    # the aides, not Yoon; in "Kim Jong Un's sister Kim Yo Jong" it is Kim Yo Jong.
    hs, he = index.abs(offset, subj)
    entity = index.entity_at(hs, he, prefer=("PERSON", "ORG", "GPE", "NORP"))
    if entity:
        return entity, start, end
    if word in ROLES or subj.text.lower().rstrip("s") in ROLES:
        return index.person_with_role(word, start), start, end
    return None, start, end


# Words that make a name an outlet or a document, whatever type the tagger
# gave it ("the People's Tribune" tagged GPE).
OUTLET_WORDS = frozenset("""
times tribune post news daily journal herald gazette telegraph review agency tv radio
magazine weekly chronicle observer guardian monitor press report bulletin blog
""".split())


def _looks_like_outlet(name: str) -> bool:
    """Whether "said in <name>" names where words appeared rather than a place."""
    words = {w.lower().removesuffix("'s").removesuffix("’s") for w in name.split()}
    return bool(words & OUTLET_WORDS)


def _cue_attrs(index: _Index, offset: int, cue: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    cs, ce = index.abs(offset, cue)
    # "also said", "said in a statement": keep the verb as the cue word.
    attrs.update(cue=cue.text, cue_start=cs, cue_end=ce)
    for child in cue.children:
        if child.dep_ in ("dobj", "dative") and SPEECH.get(cue.text.lower()) == "tell":
            a_s, a_e = _np_span(offset, child)
            addressee = index.entity_at(a_s, a_e, prefer=("ORG", "PERSON"))
            attrs.update(addressee=addressee, addressee_start=a_s, addressee_end=a_e)
            if addressee and index.types.get(addressee) in ("ORG", "WORK_OF_ART", "PRODUCT"):
                attrs["source"] = addressee
        if child.dep_ == "prep" and child.text.lower() in ("in", "on", "to"):
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    p_s, p_e = _np_span(offset, pobj)
                    source = index.entity_at(p_s, p_e, prefer=("ORG", "WORK_OF_ART", "PRODUCT"))
                    if source and (
                        index.types.get(source) in ("ORG", "WORK_OF_ART", "PRODUCT", "FAC")
                        or _looks_like_outlet(index.doc.text[p_s:p_e])
                    ):
                        attrs["source"] = source
    attrs.setdefault("source", None)
    return attrs


def _sentence_tokens(index: _Index, start: int, end: int) -> Iterator[tuple[int, Any]]:
    s_first = index.sents[index.sentence_of(start)][0]
    s_last = index.sents[index.sentence_of(max(start, end - 1))][1]
    i = bisect.bisect_left(index.offsets, s_first)
    j = bisect.bisect_left(index.offsets, s_last)
    for k in range(i, j):
        yield index.tokens[k]


# -- 2-4. attribution ---------------------------------------------------------

class Quotes:
    def __call__(self, doc: Doc) -> Doc:
        index = _Index(doc)
        text = doc.text
        spans: list[Span] = []
        used_cues: set[int] = set()
        direct = paired_quotes(text)
        previous: Span | None = None
        for qs, qe, nested in direct:
            found = self._direct_cue(index, qs, qe)
            attrs: dict[str, Any] = {"kind": "direct"}
            if found is not None:
                offset, cue, subj = found
                used_cues.add(offset + cue.idx)
                attrs.update(_cue_attrs(index, offset, cue))
                if subj is not None:
                    speaker, ss, se = _resolve_speaker(index, offset, subj)
                    attrs.update(speaker=speaker, speaker_start=ss, speaker_end=se)
                else:
                    attrs["speaker"] = None
            elif previous is not None and _continues(text, previous.end, qs):
                attrs.update({k: v for k, v in previous.attrs.items() if k not in ("nested",)})
                attrs["continued"] = True
            else:
                if len(text[qs:qe].split()) < _MIN_UNATTRIBUTED_WORDS:
                    continue  # a title or scare quotes, not somebody's words
                attrs.update(speaker=None, cue=None, source=None)
            if not _looks_like_words(text[qs:qe]):
                continue
            if nested:
                attrs["nested"] = [list(n) for n in nested]
            span = Span(qs, qe, attrs=attrs)
            spans.append(span)
            previous = span if attrs.get("cue") else previous
        spans.extend(self._reported(index, direct, used_cues))
        doc.set_layer("quotes", spans)
        return doc

    @staticmethod
    def _direct_cue(index: _Index, qs: int, qe: int) -> tuple[int, Any, Any] | None:
        best: tuple[int, int, Any, Any] | None = None
        for offset, tok in _sentence_tokens(index, qs, qe):
            ts = offset + tok.idx
            if qs <= ts < qe or SPEECH.get(tok.text.lower()) is None or tok.pos_ not in ("VERB", "AUX", "NOUN"):
                continue
            # A verb with a complement clause of its own, away from the
            # quote, reports something else ('called it “crazy” and said the
            # party would lose').
            comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if comp is not None:
                cs = offset + comp.left_edge.idx
                ce = offset + comp.right_edge.idx + len(comp.right_edge.text)
                if cs > ts and (ce <= qs or cs >= qe):
                    continue
            distance = ts - qe if ts >= qe else qs - ts + 1  # after the quote wins a tie
            subj = _subject(tok)
            if subj is not None and qs <= offset + subj.idx < qe:
                subj = None  # the subject is inside the quote: not the speaker
            if subj is None and distance > 40:
                continue
            if best is None or distance < best[0]:
                best = (distance, offset, tok, subj)
        if best is None:
            return None
        return best[1], best[2], best[3]

    @staticmethod
    def _reported(index: _Index, direct: list[tuple[int, int, list[tuple[int, int]]]], used: set[int]) -> list[Span]:
        out: list[Span] = []
        text = index.doc.text
        d_starts = [s for s, _, _ in direct]

        def inside_direct(pos: int) -> bool:
            k = bisect.bisect_right(d_starts, pos) - 1
            return k >= 0 and direct[k][0] <= pos < direct[k][1]

        def overlap_direct(s: int, e: int) -> float:
            covered = 0
            for ds, de, _ in direct:
                if de > s and ds < e:
                    covered += min(e, de) - max(s, ds)
            return covered / max(1, e - s)

        for offset, tok in index.tokens:
            ts = offset + tok.idx
            low = tok.text.lower()
            if low == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].text.lower() == "to":
                if inside_direct(ts):
                    continue
                span = _according_to(index, offset, tok)
                if span is not None:
                    out.append(span)
                continue
            lemma = SPEECH.get(low)
            if lemma is None or lemma in _DIRECT_ONLY or ts in used or inside_direct(ts):
                continue
            if tok.pos_ not in ("VERB", "AUX"):
                continue
            comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
            if comp is not None:
                start = offset + comp.left_edge.idx
                last = comp.right_edge
                end = offset + last.idx + len(last.text)
            elif tok.dep_ == "parataxis" and tok.head.pos_ in ("VERB", "AUX"):
                # "The plan, Kim said, is sound": the clause around the cue,
                # on the longer side of it.
                head = tok.head
                left = (offset + head.left_edge.idx, offset + tok.left_edge.idx)
                right_tok = head.right_edge
                right = (offset + tok.right_edge.idx + len(tok.right_edge.text),
                         offset + right_tok.idx + len(right_tok.text))
                start, end = max((left, right), key=lambda r: r[1] - r[0])
            else:
                continue
            while start < end and text[start] in " ,;:—–-":
                start += 1
            while end > start and text[end - 1] in ".,;:!? ":
                end -= 1
            if end - start < 8 or overlap_direct(start, end) > 0.5:
                continue
            subj = _subject(tok)
            if subj is None:
                continue
            attrs: dict[str, Any] = {"kind": "reported"}
            attrs.update(_cue_attrs(index, offset, tok))
            speaker, ss, se = _resolve_speaker(index, offset, subj)
            attrs.update(speaker=speaker, speaker_start=ss, speaker_end=se)
            out.append(Span(start, end, attrs=attrs))
        return out


def _according_to(index: _Index, offset: int, tok: Any) -> Span | None:
    text = index.doc.text
    to = tok.doc[tok.i + 1]
    pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
    if pobj is None:
        return None
    ss, se = _np_span(offset, pobj)
    phrase_start = offset + tok.idx
    phrase_end = offset + pobj.right_edge.idx + len(pobj.right_edge.text)
    s_idx = index.sentence_of(phrase_start)
    sent_s, sent_e = index.sents[s_idx]
    before = (sent_s, phrase_start)
    after = (phrase_end, sent_e)
    start, end = max((before, after), key=lambda r: r[1] - r[0])
    while start < end and text[start] in " ,;:—–-":
        start += 1
    while end > start and text[end - 1] in " ,;:.!?—–-":
        end -= 1
    if end - start < 8:
        return None
    attrs: dict[str, Any] = {
        "kind": "according_to",
        "cue": text[phrase_start:offset + to.idx + len(to.text)],
        "cue_start": phrase_start,
        "cue_end": offset + to.idx + len(to.text),
        "source": None,
    }
    speaker = index.entity_at(ss, se, prefer=("PERSON", "ORG"))
    if speaker is None and pobj.text.lower() in ROLES:
        speaker = index.person_with_role(pobj.text.lower(), ss)
    attrs.update(speaker=speaker, speaker_start=ss, speaker_end=se)
    if speaker and index.types.get(speaker) in ("ORG", "WORK_OF_ART"):
        attrs["source"] = speaker
    return Span(start, end, attrs=attrs)


def _looks_like_words(quoted: str) -> bool:
    """False for quoted ids, dates, handles ("672138616265564160",
    "2015-12-02", "@handle" in embedded tweets) and short Title Case names of
    shows or books ("Sunday Morning Futures")."""
    words = re.findall(r"[^\W\d_][\w'’-]*", quoted)
    if not any(len(w) >= 2 for w in words) or quoted.strip("\"“”‘’' ").startswith("@"):
        return False
    if len(words) <= 4 and all(w[0].isupper() for w in words) and not re.search(r"[.!?]", quoted):
        return False
    return True


def _continues(text: str, prev_end: int, start: int) -> bool:
    """A quote that goes on from the previous one: at most one paragraph
    break and a short gap between them."""
    gap = text[prev_end:start]
    return gap.count("\n") <= 2 and len(gap) <= 120


@register("quotes", needs=("entities[]",), adds=("quotes",), languages={"en"},
          description="direct quotes and reported speech with speaker, cue and source")
def quotes_stage() -> Quotes:
    _nlp.nlp()
    return Quotes()
