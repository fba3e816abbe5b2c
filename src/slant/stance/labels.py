"""The three stance classes, in the order the model outputs them, and the target markers (no torch import)."""

LABELS = ("negative", "neutral", "positive")

# Wrapped around the target mention; ordinary vocabulary tokens of the wheel.
MARKER_TOKENS = ("<", ">")
