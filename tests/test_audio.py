"""The audio stage decodes every supported container to 16 kHz mono float32."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA, SAMPLES

from speechcase.analysis.audio import SAMPLE_RATE, file_sha256, load_audio
from speechcase.analysis.vad import require_speech, silences, speech_regions, whisper_chunks
from speechcase.core.errors import TooLong
from speechcase.core.formatting import format_duration
from speechcase.core.types import Interval


@pytest.mark.parametrize("name", ["speech_12s.ogg", "speech_12s.mp3", "speech_12s.m4a", "video_with_audio.mp4"])
def test_decodes_common_formats(name):
    audio = load_audio(DATA / name)
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.sample_rate == SAMPLE_RATE
    assert 12.5 < audio.duration < 13.5
    assert 0.05 < float(np.abs(audio.samples).max()) <= 1.0
    assert len(audio.sha256) == 64


def test_hash_is_of_file_content(tmp_path):
    copy = tmp_path / "renamed.flac"
    copy.write_bytes((SAMPLES / "short_deep_dive.flac").read_bytes())
    assert file_sha256(copy) == file_sha256(SAMPLES / "short_deep_dive.flac")


def test_long_input_refused_before_decoding_everything():
    with pytest.raises(TooLong, match="over the 0:05 limit"):
        load_audio(DATA / "speech_12s.m4a", max_duration=5)


def test_speech_regions_match_the_script_timing():
    audio = load_audio(SAMPLES / "structured_churn.flac")
    regions = speech_regions(audio)
    require_speech(audio, regions)  # does not raise
    from conftest import truth

    t = truth("structured_churn")
    assert regions[0].start == pytest.approx(t["sentences"][0]["start"], abs=0.1)
    assert regions[-1].end == pytest.approx(t["sentences"][-1]["end"], abs=0.1)
    gaps = [g for g in silences(regions, regions[0].start, regions[-1].end) if g.duration >= 1.0]
    assert [round(g.start) for g in gaps] == [round(p["start"]) for p in t["pauses"]]


def test_whisper_chunks_pad_and_merge():
    speech = [Interval(1.0, 2.0), Interval(2.3, 3.0), Interval(5.0, 6.0)]
    chunks = whisper_chunks(speech, duration=6.1, pad=0.2, merge_gap=0.3)
    assert chunks == [Interval(0.8, 3.2), Interval(4.8, 6.1)]


def test_format_duration():
    assert format_duration(83) == "1:23"
    assert format_duration(5025) == "1:23:45"


def test_speech_regions_do_not_depend_on_the_blocks():
    """Silero runs over Whisper's blocks (cut at quiet moments, about 10 minutes each) to keep memory flat on long
    recordings; the regions must barely change. Here: a block of about a minute, so the sample is cut once."""
    from speechcase.analysis.vad import speech_activity

    audio = load_audio(SAMPLES / "structured_churn.flac")
    whole, blocks = speech_regions(audio, block_seconds=3600), speech_regions(audio, block_seconds=60)
    cuts = [edge / audio.sample_rate for edge in speech_activity(audio, 60).edges[1:-1]]
    assert len(cuts) == 1
    assert abs(sum(r.duration for r in blocks) - sum(r.duration for r in whole)) < 0.5
    assert abs(len(blocks) - len(whole)) <= 3
    starts = [r.start for r in whole]
    assert all(min(abs(r.start - s) for s in starts) < 0.1 for r in blocks if abs(r.start - cuts[0]) > 0.5)


def test_decode_buffer_grows_past_a_wrong_declared_duration():
    """Decoding fills one buffer sized from the declared duration; a container that under-declares must
    still give every sample, in order."""
    import numpy as np

    from speechcase.analysis.audio import _Samples

    buffer = _Samples(capacity=5)
    pieces = [np.arange(k * 4, k * 4 + 4, dtype=np.float32) for k in range(7)]
    for piece in pieces:
        buffer.append(piece)
    assert np.array_equal(buffer.array(), np.concatenate(pieces))
