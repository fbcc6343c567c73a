"""The allocator set up for Whisper (speechcase/core/memory.py): its buffers are reused, not faulted in again."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import SAMPLES

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")

#: Whisper twice on a sample in a fresh process; prints the page faults of the second run and its words.
_TWICE = """
import json, resource, sys
if sys.argv[1] == "tuned":
    import speechcase.interfaces.cli.main  # what the command line does first
else:  # glibc's defaults, as faster-whisper alone has them
    import speechcase.core.memory
    speechcase.core.memory.tune_allocator = lambda: False
from faster_whisper import BatchedInferencePipeline, decode_audio
from speechcase.analysis.transcribe import load_model, resolve_model
pipeline = BatchedInferencePipeline(load_model(resolve_model("tiny.en").load, "int8", 2, "cpu"))
audio = decode_audio(sys.argv[2])
for _ in range(2):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    segments, _ = pipeline.transcribe(audio, batch_size=4, word_timestamps=True, beam_size=5)
    words = [w.word for s in segments for w in s.words]
print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before, "words": words}))
"""


def _fresh_process(script: str, mode: str) -> dict:
    """Run ``script`` on a sample in a fresh Python and read the JSON it prints last."""
    # without the MALLOC_ variables a Dask nanny may have left in this process's environment (glibc reads them
    # at start, so they would tune the "plain" process too)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", script, mode, str(SAMPLES / "short_deep_dive.flac")],
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_whisper_reuses_its_buffers_once_the_allocator_is_tuned():
    """glibc's defaults hand Whisper's per-batch buffers back and fault them in again on every batch (over
    100,000 page faults for this minute of audio); tuned, the second transcription faults almost none, and
    writes the same words."""
    plain, tuned = _fresh_process(_TWICE, "plain"), _fresh_process(_TWICE, "tuned")
    assert plain["faults"] > 50_000  # 226,000-253,000 on this project's machine
    assert tuned["faults"] < 20_000  # 22-7,300
    assert tuned["words"] == plain["words"]


#: Three analyses of a sample in one process, as the command line does them or, with "warm", as a worker does
#: after warming its models; prints the page faults of the third.
_TAKES = """
import json, resource, sys
import speechcase.interfaces.cli.main  # the allocator set up first, as everywhere
from pathlib import Path
from speechcase.analysis.pipeline import AnalyzeOptions, analyze, warm_models
options = AnalyzeOptions(use_cache=False)
if sys.argv[1] == "warm":
    warm_models(options)
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    analysis = analyze(Path(sys.argv[2]), options)
print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before,
                  "words": [w.text for w in analysis.transcript.words]}))
"""


@pytest.mark.slow
def test_a_warm_worker_keeps_freed_memory_for_its_next_take():
    """The command line hands Whisper's memory back after each analysis (a long talk's peak is not held); a worker
    that warmed its models keeps it, so its next take does not fault it in again."""
    handed_back, kept = _fresh_process(_TAKES, "cli"), _fresh_process(_TAKES, "warm")
    assert handed_back["faults"] > 2 * kept["faults"] + 10_000, (handed_back["faults"], kept["faults"])
    assert kept["words"] == handed_back["words"]
