"""From per-mention stance to one stance per entity.

The rule: the entity's class probabilities are the **mean of its mentions'
class probabilities**; its ``label`` is the class with the highest mean and
its ``score`` that mean probability. ``counts`` says how many mentions were
classified as each class (by their own argmax), so a reader can see whether
an overall "neutral" hides a few hostile mentions.

Why the mean and not a vote: it keeps the model's confidence (one sure
negative outweighs two hesitant neutrals), it is symmetric in the order of
mentions, and an entity named once gets exactly its mention's answer.
"""

from __future__ import annotations

from typing import Any, Sequence

from .labels import LABELS


def aggregate(mention_probs: Sequence[Sequence[float]]) -> dict[str, Any]:
    """``{"label", "score", "probs", "counts", "mentions"}`` for one entity's mentions."""
    if not mention_probs:
        raise ValueError("aggregate() needs at least one mention")
    n = len(mention_probs)
    mean = [sum(p[k] for p in mention_probs) / n for k in range(len(LABELS))]
    best = max(range(len(LABELS)), key=lambda k: mean[k])
    counts = {label: 0 for label in LABELS}
    for p in mention_probs:
        counts[LABELS[max(range(len(LABELS)), key=lambda k: p[k])]] += 1
    return {
        "label": LABELS[best],
        "score": round(mean[best], 4),
        "probs": {label: round(mean[k], 4) for k, label in enumerate(LABELS)},
        "counts": counts,
        "mentions": n,
    }
