"""Silero's speech probabilities with its encoder on every core, bit for bit faster-whisper's.

faster-whisper runs Silero VAD on one thread. Nine tenths of that time is the model's convolutional encoder,
which looks at each 32 ms window (plus 4 ms of context) on its own; only the small LSTM decoder after it carries
state from one window to the next. speechcase ships the same model split at that seam
(``speechcase/data/silero-vad-v6-split``, made by ``models/split_silero.py`` from faster-whisper's own file): the
encoder runs over chunks of a block shared out to the cores, and the decoder then runs over the whole block in
faster-whisper's order and batches. Each window's encoder output does not depend on which batch it is in, so the
probabilities are exactly faster-whisper's (``tests/test_vad.py``) and Whisper packs the same speech; on two cores
the pass takes about half the time (15 minutes: 0.52 s against 0.92-1.19 s).

If the installed faster-whisper ships another Silero file than the one that was split (its SHA-256 is in the
folder's ``manifest.json``), or the split files are missing, faster-whisper's own model runs as it would.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from pathlib import Path

import numpy as np

from speechcase.core.machine import usable_cores

log = logging.getLogger("speechcase")

SPLIT_DIR = Path(__file__).resolve().parent.parent / "data" / "silero-vad-v6-split"
#: Silero's window (one speech probability per 512 samples, 32 ms at 16 kHz) and the context faster-whisper
#: prepends to each.
WINDOW, CONTEXT = 512, 64
#: faster-whisper feeds Silero at most this many windows per call, carrying the LSTM state between calls.
DECODER_BATCH = 10_000
#: Below this many windows per thread (about 6 s) one thread is as fast as two.
MIN_SPLIT_WINDOWS = 200
#: Windows the encoder gets per call (32 s): memory stays small, and the calls are long enough to cost nothing.
ENCODER_CHUNK = 1000


class SplitSilero:
    """Silero VAD v6 as two ONNX sessions: the per-window encoder and the stateful decoder.

    Args:
        folder: The folder with ``encoder.onnx``, ``decoder.onnx`` and ``manifest.json``.
        parts: How many threads the encoder runs on by default.
    """

    def __init__(self, folder: Path, parts: int):
        import onnxruntime

        manifest = json.loads((folder / "manifest.json").read_text())
        self.seam: str = manifest["seam"]
        self.parts = max(1, parts)
        options = onnxruntime.SessionOptions()  # as faster-whisper builds its session: one thread per call
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.enable_cpu_mem_arena = False
        options.log_severity_level = 4
        self.encoder = onnxruntime.InferenceSession(str(folder / "encoder.onnx"), providers=["CPUExecutionProvider"],
                                                    sess_options=options)
        self.decoder = onnxruntime.InferenceSession(str(folder / "decoder.onnx"), providers=["CPUExecutionProvider"],
                                                    sess_options=options)

    def __call__(self, audio: np.ndarray, parts: int | None = None) -> np.ndarray:
        """The speech probability of each 512-sample window of ``audio`` (its length a multiple of 512), as
        faster-whisper's ``SileroVADModel`` computes it: every window with the last 64 samples of the window
        before it (zeros before the first), the last window's own last 64 samples zero (faster-whisper zeroes
        them in place; here the caller's array is left as it is), the state starting at zero. The encoder runs
        on ``parts`` threads (None: the model's own number)."""
        windows = audio.reshape(-1, WINDOW)
        if not len(windows):
            return np.zeros(0, dtype=np.float32)
        features = self._encode(windows, max(1, parts or self.parts))
        h = np.zeros((1, 1, 128), dtype=np.float32)
        c = np.zeros((1, 1, 128), dtype=np.float32)
        out = []
        for first in range(0, len(features), DECODER_BATCH):
            probabilities, h, c = self.decoder.run(None, {self.seam: features[first:first + DECODER_BATCH],
                                                          "h": h, "c": c})
            out.append(probabilities)
        return np.concatenate(out)

    def _encode(self, windows: np.ndarray, parts: int) -> np.ndarray:
        """The encoder's output for every window, in chunks of :data:`ENCODER_CHUNK` windows shared out to the
        threads in turn (ONNX Runtime releases Python's lock, so they run at once). Chunks keep memory small: the
        framed copy and the encoder's activations are a chunk's, where faster-whisper's one call over 10,000
        windows held about 350 MB on a 10-minute block."""
        n = len(windows)
        chunks = [(first, min(first + ENCODER_CHUNK, n)) for first in range(0, n, ENCODER_CHUNK)]
        parts = min(parts, len(chunks)) if n >= MIN_SPLIT_WINDOWS * parts else 1
        results: list[np.ndarray | None] = [None] * len(chunks)
        errors: list[BaseException] = []

        def encode(part: int) -> None:
            try:
                for k in range(part, len(chunks), parts):
                    results[k] = self.encoder.run(None, {"input": _framed(windows, *chunks[k])})[0]
            except BaseException as exc:  # re-raised on the calling thread
                errors.append(exc)

        helpers = [threading.Thread(target=encode, args=(part,), daemon=True) for part in range(1, parts)]
        for helper in helpers:
            helper.start()
        encode(0)
        for helper in helpers:
            helper.join()
        if errors:
            raise errors[0]
        return np.concatenate(results)  # type: ignore[arg-type]


def _framed(windows: np.ndarray, first: int, last: int) -> np.ndarray:
    """Windows ``first`` to ``last`` as the encoder reads them: each after the last 64 samples of the window before
    it (zeros before the very first), and the very last with its own last 64 samples zero, as faster-whisper
    frames them."""
    context = np.zeros((last - first, CONTEXT), dtype=windows.dtype)
    context[1 if first == 0 else 0:] = windows[max(first - 1, 0):last - 1, -CONTEXT:]
    framed = np.concatenate([context, windows[first:last]], axis=1)
    if last == len(windows):
        framed[-1, -CONTEXT:] = 0
    return framed


def speech_probabilities(audio: np.ndarray, threads: int = 0) -> np.ndarray:
    """Silero's speech probability of each 512-sample window of ``audio`` (its length a multiple of 512), on
    ``threads`` threads (0: every core, up to 4) where the split model is in use, else on faster-whisper's one."""
    model = vad_model()
    return model(audio, parts=threads or None) if isinstance(model, SplitSilero) else model(audio)


@functools.lru_cache(maxsize=1)
def vad_model():
    """The Silero model to run: the split one when it matches faster-whisper's file, else faster-whisper's own.

    Loaded once per process (a warm worker keeps it)."""
    from faster_whisper.utils import get_assets_path
    from faster_whisper.vad import get_vad_model

    own = Path(get_assets_path()) / "silero_vad_v6.onnx"
    try:
        manifest = json.loads((SPLIT_DIR / "manifest.json").read_text())
        matches = own.is_file() and hashlib.sha256(own.read_bytes()).hexdigest() == manifest["source_sha256"]
    except (OSError, ValueError, KeyError):
        matches = False
    if not matches:
        log.debug("faster-whisper's Silero file is not the one split; its own model runs on one thread.")
        return getattr(get_vad_model, "original", get_vad_model)()
    return SplitSilero(SPLIT_DIR, min(4, usable_cores()))
