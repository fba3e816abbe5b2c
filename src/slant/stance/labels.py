"""The three stance classes, in the order the model outputs them (no torch import)."""

LABELS = ("negative", "neutral", "positive")

