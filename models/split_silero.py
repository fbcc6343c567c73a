"""Split faster-whisper's Silero VAD v6 model at the seam between its encoder and its decoder.

Build step only (needs the ``onnx`` package, which speechcase does not install). Run it in a throw-away
environment that has the faster-whisper version speechcase depends on, and commit what it writes:

    python -m venv /tmp/split && /tmp/split/bin/pip install onnx && /tmp/split/bin/pip install --no-deps faster-whisper==1.2.1
    /tmp/split/bin/python models/split_silero.py

It writes ``speechcase/data/silero-vad-v6-split/``: ``encoder.onnx`` (the input windows to the encoder's last
ReLU), ``decoder.onnx`` (that output and the LSTM state to the speech probabilities and the next state) and
``manifest.json`` (the SHA-256 of the file split, which ``speechcase/analysis/silero.py`` checks before use).
The weights are copied unchanged; see ``speechcase/analysis/silero.py`` for why.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path

import onnx
import onnx.utils

OUT = Path(__file__).resolve().parent.parent / "speechcase" / "data" / "silero-vad-v6-split"
SEAM = "/encoder/relu_3/Relu_output_0"  # the encoder's output: one 128-vector per window, before the LSTM


def main() -> None:
    package = importlib.util.find_spec("faster_whisper")  # found, not imported: its dependencies are not needed
    assert package and package.submodule_search_locations, "install faster-whisper (--no-deps is enough)"
    source = Path(list(package.submodule_search_locations)[0]) / "assets" / "silero_vad_v6.onnx"
    extractor = onnx.utils.Extractor(onnx.load(str(source)))
    OUT.mkdir(parents=True, exist_ok=True)
    onnx.save(extractor.extract_model(["input"], [SEAM]), str(OUT / "encoder.onnx"))
    onnx.save(extractor.extract_model([SEAM, "h", "c"], ["speech_probs", "hn", "cn"]), str(OUT / "decoder.onnx"))
    version = importlib.metadata.version("faster-whisper")
    manifest = {"source": f"faster_whisper/assets/{source.name} (faster-whisper {version})",
                "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest(), "seam": SEAM,
                "built_with": f"onnx {onnx.__version__}", "licence": "MIT (Silero VAD; see LICENSE)"}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    for name in ("encoder.onnx", "decoder.onnx"):
        print(f"{name}: {os.path.getsize(OUT / name):,} bytes")


if __name__ == "__main__":
    main()
