"""Real transcription with the embedded tiny.en model (no mocks), and the transcript cache."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading

import pytest
from conftest import DATA, SAMPLES, load_json, run_cli, truth

from speechcase.analysis.pipeline import AnalyzeOptions, analyze, transcribe_file
from speechcase.analysis.transcribe import DecodeOptions
from speechcase.core.files import JsonCache, write_json_atomic
from speechcase.core.types import Transcript


def _norm(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


@pytest.mark.slow
def test_transcript_follows_the_script(analysed):
    t = load_json(analysed("structured_churn") / "transcript.json")
    assert t["schema"] == "speechcase/transcript-v1"
    words = t["words"]
    assert all(w["start"] <= w["end"] for w in words)
    assert all(a["start"] <= b["start"] for a, b in zip(words, words[1:]))
    script = set(_norm(" ".join(s["text"] for s in truth("structured_churn")["sentences"])))
    heard = _norm(" ".join(w["text"] for w in words))
    assert sum(w in script for w in heard) / len(heard) > 0.85
    assert t["transcription"]["model"] == "tiny.en"
    assert t["speech"], "voice-activity regions are saved for re-analysis without audio"


@pytest.mark.slow
def test_filled_pauses_survive_transcription(analysed):
    """Whisper drops most um/uh by default; the decoding settings must keep them."""
    doc = load_json(analysed("rambling_delivery") / "analysis.json")
    spoken = sum(n for k, n in truth("rambling_delivery")["fillers"].items() if k in ("um", "uh"))
    heard = [f for f in doc["fillers"] if f["kind"] == "filled_pause"]
    assert len(heard) >= 0.5 * spoken


@pytest.mark.slow
def test_video_audio_track_is_transcribed(tmp_path):
    result = run_cli("transcribe", DATA / "video_with_audio.mp4", "-o", tmp_path / "t.json", "--quiet")
    assert result.exit_code == 0, result.stderr
    t = load_json(tmp_path / "t.json")
    assert len(t["words"]) >= 20


@pytest.mark.slow
def test_second_run_is_served_from_cache(analysed, tmp_path):
    analysed("short_deep_dive")  # first run filled the cache
    result = run_cli("analyze", SAMPLES / "short_deep_dive.flac", "-o", tmp_path)
    assert result.exit_code == 0
    assert "served from cache" in result.output
    again = analyze(SAMPLES / "short_deep_dive.flac")
    assert again.from_cache and "transcribe" not in again.timings and "decode" not in again.timings
    first = load_json(analysed("short_deep_dive") / "analysis.json")
    assert [s["text"] for s in first["sentences"]] == [s.text for s in again.sentences]


def test_parse_is_cached_and_reused(tmp_path):
    from speechcase.analysis.pipeline import AnalyzeOptions, parse_transcript
    from speechcase.analysis.text import parse
    from speechcase.core.files import load_transcript

    transcript = load_transcript(DATA / "transcript_sample.json")
    options = AnalyzeOptions(cache_dir=tmp_path)
    fresh = parse_transcript(transcript, options)
    assert fresh == parse(transcript.words)
    assert {t.word for t in fresh.tokens} == set(range(len(transcript.words)))
    (entry,) = (tmp_path / "parses").glob("*.json")
    entry.write_text('{"sentence_starts": [0, 3], "tokens": []}')  # a cached answer is used as is
    assert parse_transcript(transcript, options).sentence_starts == [0, 3]


@pytest.mark.slow
def test_cache_key_includes_decoding_options(tmp_path):
    options = AnalyzeOptions(cache_dir=tmp_path, decode=DecodeOptions(beam_size=1))
    first, cached = transcribe_file(DATA / "speech_12s.ogg", options)
    assert not cached
    assert transcribe_file(DATA / "speech_12s.ogg", options)[1]
    other = AnalyzeOptions(cache_dir=tmp_path, decode=DecodeOptions(beam_size=1, hotwords=None))
    assert not transcribe_file(DATA / "speech_12s.ogg", other)[1]
    assert len(list((tmp_path / "transcripts").glob("*.json"))) == 2


@pytest.mark.slow
def test_damaged_cache_entry_is_a_miss_and_gets_replaced(tmp_path):
    options = AnalyzeOptions(cache_dir=tmp_path, decode=DecodeOptions(beam_size=1))
    transcribe_file(DATA / "speech_12s.ogg", options)
    entry = next((tmp_path / "transcripts").glob("*.json"))
    entry.write_text('{"schema": "speechcase/transcript-v1", "wor')  # as if an old version was killed
    assert JsonCache(tmp_path, "transcripts").get(entry.stem, Transcript.from_dict) is None
    transcript, cached = transcribe_file(DATA / "speech_12s.ogg", options)
    assert not cached and transcript.words
    assert JsonCache(tmp_path, "transcripts").get(entry.stem, Transcript.from_dict) is not None


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path, monkeypatch):
    target = tmp_path / "entry.json"
    write_json_atomic(target, {"v": 1})

    class Boom(Exception):
        pass

    def explode(*a, **k):
        raise Boom

    import speechcase.core.files as storage

    monkeypatch.setattr(storage.os, "fsync", explode)
    with pytest.raises(Boom):
        write_json_atomic(target, {"v": 2})
    assert load_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["entry.json"]  # no temp file left behind


def test_entry_survives_a_kill_during_writes(tmp_path):
    """SIGKILL a process in the middle of rewriting an entry: the entry is still complete JSON."""
    import json
    import signal
    import subprocess
    import sys
    import time

    target = tmp_path / "entry.json"
    code = ("import sys; from speechcase.core.files import write_json_atomic\n"
            "data = [list(range(2000))] * 300\n"
            "for i in range(100000):\n"
            "    write_json_atomic(sys.argv[1], {'i': i, 'data': data})\n"
            "    print(i, flush=True)\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, text=True)
    child.stdout.readline()  # at least one complete write happened
    time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait()
    entry = json.loads(target.read_text())
    assert entry["i"] >= 0 and len(entry["data"]) == 300


@pytest.mark.slow
def test_long_recordings_are_cut_in_pauses_and_stitched_back(analysed):
    """Batched decoding takes a long talk in blocks cut at quiet moments (flat memory on an hour); here the
    blocks are made 30 s long so a 2-minute sample gets cut: no cut may fall inside speech, and the words
    and their times must come out as from one piece."""
    import difflib

    from speechcase.analysis.audio import load_audio
    from speechcase.analysis.vad import quiet_cuts

    audio = load_audio(SAMPLES / "structured_churn.flac")
    cuts = [c / audio.sample_rate for c in quiet_cuts(audio.samples, audio.sample_rate, block_seconds=30)]
    assert len(cuts) == 3 and all(b - a > 15 for a, b in zip([0, *cuts], cuts))
    whole = load_json(analysed("structured_churn") / "transcript.json")
    assert not [r for r in whole["speech"] for c in cuts if r["start"] < c < r["end"]], "cuts fall in pauses"

    options = AnalyzeOptions(decode=DecodeOptions(block_seconds=30), use_cache=False)
    blocks, _ = transcribe_file(SAMPLES / "structured_churn.flac", options)
    one_piece = _norm(" ".join(w["text"] for w in whole["words"]))
    assert difflib.SequenceMatcher(None, one_piece, _norm(" ".join(w.text for w in blocks.words))).ratio() > 0.9
    starts = [w.start for w in blocks.words]
    assert starts == sorted(starts) and 0 <= starts[0] and blocks.words[-1].end <= audio.duration
    assert abs(starts[-1] - whole["words"][-1]["start"]) < 1.0, "times refer to the whole recording"


@pytest.mark.slow
def test_batch_size_option_reaches_whisper_and_the_cache_key(tmp_path):
    """--batch-size 0 decodes one sequential stream: a transcript of its own, recorded as such."""
    out = tmp_path / "t.json"
    result = run_cli("transcribe", DATA / "speech_12s_8k.flac", "-o", out, "--batch-size", "0", "--quiet")
    assert result.exit_code == 0, result.stderr
    t = load_json(out)
    assert t["transcription"]["options"]["batch_size"] == 0 and len(t["words"]) >= 15
    refused = run_cli("transcribe", DATA / "speech_12s_8k.flac", "--batch-size", "-1")
    assert refused.exit_code == 2 and "--batch-size" in refused.stderr



@pytest.mark.slow
def test_blas_stays_on_one_thread_until_whisper_is_done(monkeypatch):
    """faster-whisper's log-mel features round differently with BLAS's thread count, and tiny.en's words follow
    them (tests/data/hesitations_14s.flac: the held "uh" written or not). The one-thread limit must hold for all
    of transcription, not only while pitch and voicing run beside Whisper (they finish first): otherwise a
    process's first take could be transcribed unlike the next ones of the same audio."""
    from threadpoolctl import threadpool_info

    import speechcase.analysis.pipeline as pipeline

    # the BLAS libraries loaded before transcription starts: NumPy's, which faster-whisper's features use (SciPy's
    # own OpenBLAS, loaded with its FFT by the voice measures and never called, keeps its threads)
    numpy_blas = {pool["filepath"] for pool in threadpool_info() if pool["user_api"] == "blas"}
    seen: list[int] = []
    original = pipeline.transcribe

    def transcribe(*args, **kwargs):
        transcript = original(*args, **kwargs)  # every block decoded; pitch and voicing long done
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["filepath"] in numpy_blas)
        return transcript

    monkeypatch.setattr(pipeline, "transcribe", transcribe)
    first, _ = transcribe_file(DATA / "hesitations_14s.flac", AnalyzeOptions(use_cache=False))
    again, _ = transcribe_file(DATA / "hesitations_14s.flac", AnalyzeOptions(use_cache=False))
    assert seen and set(seen) == {1}
    assert [(w.text, w.start, w.end, w.probability) for w in first.words] == \
        [(w.text, w.start, w.end, w.probability) for w in again.words]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")
def test_the_measures_beside_silero_and_whisper_run_at_a_lower_priority_than_they_do():
    """The pitch frames and the voiced stretches fill the moments Silero and Whisper leave a core idle; the
    thread that runs Whisper keeps its priority."""
    from speechcase.analysis.pipeline import BESIDE_NICE, Background

    def own_priority() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = own_priority()
    assert Background(own_priority, nice=BESIDE_NICE).result() == min(19, before + BESIDE_NICE)
    assert Background(own_priority).result() == before  # loading Whisper's model beside Silero: not lowered
    assert own_priority() == before


SAMPLING = """
import sys
from speechcase.analysis.audio import load_audio
from speechcase.analysis.transcribe import load_model, resolve_model
whisper = load_model(resolve_model(None).load)
segments, _ = whisper.transcribe(load_audio(sys.argv[1]).samples, language="en", beam_size=1, temperature=1.0,
                                 condition_on_previous_text=False)
print(" ".join(s.text.strip() for s in segments))
"""


@pytest.mark.slow
def test_whisper_samples_the_same_words_in_every_process():
    """Whisper samples when a window fails at temperature 0 (faster-whisper's fallback); speechcase seeds
    CTranslate2's generators, so two fresh processes write the same words. Here every window is sampled at
    temperature 1.0 (unseeded, three processes gave three transcripts of this clip)."""
    texts = [subprocess.run([sys.executable, "-c", SAMPLING, str(DATA / "speech_12s.ogg")], capture_output=True,
                            text=True, timeout=300, check=True).stdout.strip() for _ in range(2)]
    assert len(texts[0].split()) > 10 and texts[0] == texts[1]


@pytest.mark.slow
def test_a_model_of_its_own_samples_the_same_words_after_other_takes():
    """CTranslate2 seeds a model's threads once, at their first sample, and their draws go on from there: on a
    model kept for the whole process (a web or batch worker), a take decoded after another that sampled got other
    words. Decoding that may sample uses a model of its own, which starts from the seed every time."""
    from speechcase.analysis.audio import load_audio
    from speechcase.analysis.transcribe import fresh_model, load_model, resolve_model

    samples = load_audio(DATA / "speech_12s.ogg").samples

    def sampled(whisper) -> str:
        segments, _ = whisper.transcribe(samples, language="en", beam_size=1, temperature=1.0,
                                         condition_on_previous_text=False)
        return " ".join(s.text.strip() for s in segments)

    load = resolve_model(None).load
    kept = load_model(load)
    assert len({sampled(kept) for _ in range(3)}) > 1, "CTranslate2 now restarts its draws: fresh_model is moot"
    first = sampled(fresh_model(load))
    assert len(first.split()) > 10 and sampled(fresh_model(load)) == first
