"""Cut a text into pieces at every span boundary, so overlapping spans can be drawn.

HTML and terminals can only nest markup, while persuasion spans overlap freely
(one may start inside another and end after it, and the same offsets may carry
two labels). The way out is to split the text at every span start and end:
inside each resulting segment the set of covering spans is constant, so each
segment can be wrapped in one element per covering span. A span is then drawn
as the run of segments that carry its index. The reports and the web app's
reading view share this one function so they cut texts the same way.

Offsets are never re-derived here: the segments are slices of the ``[start,
end)`` offsets the stages wrote.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

# Anything with integer ``start`` and ``end``: a ``slant.Span``, a span dict of
# the JSON contract, or a plain ``(start, end)`` pair.
SpanLike = Union[Any, Mapping[str, Any], tuple[int, int]]

Segment = tuple[int, int, list[int]]


def span_bounds(span: SpanLike) -> tuple[int, int]:
    """``(start, end)`` of a Span, a span dict or a pair."""
    if isinstance(span, tuple):
        return int(span[0]), int(span[1])
    if isinstance(span, Mapping):
        return int(span["start"]), int(span["end"])
    return int(span.start), int(span.end)


def segments(text: str, spans: Sequence[SpanLike], *, start: int = 0, end: int | None = None) -> list[Segment]:
    """Split ``text[start:end]`` at every span boundary.

    Returns ``(seg_start, seg_end, covering)`` triples in text order, where
    ``covering`` lists the indices (into ``spans``, ascending) of the spans
    that cover the whole segment. Uncovered stretches come back with an empty
    list, so the segments tile the range exactly: joining
    ``text[s:e]`` over them gives ``text[start:end]`` back. Spans are clipped
    to the range; empty spans cover nothing.
    """
    n = len(text)
    end = n if end is None else min(end, n)
    start = max(0, min(start, end))
    if start == end:
        return []
    # Sweep over the boundaries: at each one, spans ending there leave the
    # active set and spans starting there join it. Sorting once keeps this
    # O((n + k) log k) even for long articles with thousands of spans.
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    cuts = {start, end}
    for index, span in enumerate(spans):
        s, e = span_bounds(span)
        s, e = max(s, start), min(e, end)
        if e <= s:
            continue
        starts.setdefault(s, []).append(index)
        ends.setdefault(e, []).append(index)
        cuts.update((s, e))
    ordered = sorted(cuts)
    active: set[int] = set()
    out: list[Segment] = []
    for a, b in zip(ordered, ordered[1:]):
        active.difference_update(ends.get(a, ()))
        active.update(starts.get(a, ()))
        out.append((a, b, sorted(active)))
    return out


def lanes(spans: Sequence[SpanLike]) -> list[int]:
    """Give each span a lane (0, 1, 2, ...) so that overlapping spans never share one.

    Drawing each lane's underline at its own depth keeps overlapping spans
    apart, and a span keeps the same depth along its whole length. Greedy
    interval colouring by start offset, which uses the fewest lanes possible.
    """
    order = sorted(range(len(spans)), key=lambda i: (span_bounds(spans[i])[0], -span_bounds(spans[i])[1], i))
    lane_end: list[int] = []  # for each lane, the end offset of its last span
    result = [0] * len(spans)
    for index in order:
        s, e = span_bounds(spans[index])
        for lane, busy_until in enumerate(lane_end):
            if busy_until <= s:
                lane_end[lane] = max(e, s + 1)
                result[index] = lane
                break
        else:
            result[index] = len(lane_end)
            lane_end.append(max(e, s + 1))
    return result
