"""Pitch track from real audio, telephone-band refusal, and the monotone rule."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import DATA, SAMPLES, load_json

from speechcase.analysis.audio import load_audio
from speechcase.analysis.config import default_thresholds
from speechcase.analysis.prosody import pitch_frames, pitch_track
from speechcase.analysis.signals.vocal import monotone_spans, vocal_summary
from speechcase.analysis.vad import speech_regions
from speechcase.core.types import Prosody

T = default_thresholds()


def test_pitch_track_of_a_real_voice():
    audio = load_audio(SAMPLES / "short_deep_dive.flac")
    track = pitch_track(audio, speech_regions(audio))
    voiced = [v for v in track.f0 if v is not None]
    assert not track.telephone
    assert len(track.f0) == pytest_approx_frames(audio.duration, track.hop)
    assert len(voiced) > 0.3 * len(track.f0)  # most of a talk is voiced speech
    assert 70 < float(np.median(voiced)) < 180  # a low synthetic male voice
    summary = vocal_summary(track)
    assert summary["measured"] and 0 < summary["sd_semitones"] < 8


def test_pitch_frames_measured_before_the_speech_regions_give_the_same_track():
    """The pipeline measures every frame's pitch beside the voice-activity pass, before the speech regions are
    known; the track it keeps must be the one measured over the speech frames alone."""
    audio = load_audio(SAMPLES / "rambling_delivery.flac")
    speech = speech_regions(audio)
    frames = pitch_frames(audio)
    assert np.isfinite(frames[0]).all()  # every frame, pauses too
    assert pitch_track(audio, speech, frames) == pitch_track(audio, speech)


def pytest_approx_frames(duration: float, hop: float) -> int:
    return int(round(duration / hop)) + 1


def test_telephone_audio_gets_no_pitch_verdict(tmp_path):
    audio = load_audio(DATA / "speech_12s_8k.flac")
    assert audio.source_rate == 8000
    track = pitch_track(audio, speech_regions(audio))
    assert track.telephone and track.f0 == []
    assert vocal_summary(track) == {"measured": False, "reason": "telephone-band audio"}
    assert monotone_spans(track, T) == []


def _track(semitone_sd: float, seconds: float, hop: float = 0.04, seed: int = 1) -> Prosody:
    rng = np.random.default_rng(seed)
    semis = rng.normal(0, semitone_sd, int(seconds / hop))
    return Prosody(hop, [float(110 * 2 ** (s / 12)) for s in semis])


def test_monotone_rule():
    (span, sd), = monotone_spans(_track(1.0, 90), T)
    assert span.start == 0 and span.end >= 85 and sd < 2
    assert monotone_spans(_track(4.0, 90), T) == []  # lively
    assert monotone_spans(_track(1.0, 40), T) == []  # flat, but not for long enough


@pytest.mark.slow
def test_pitch_is_saved_in_the_transcript_and_summarised(analysed):
    transcript = load_json(analysed("rambling_delivery") / "transcript.json")
    assert transcript["prosody"]["hop"] == 0.04 and any(transcript["prosody"]["f0"])
    pitch = load_json(analysed("rambling_delivery") / "analysis.json")["summary"]["pitch"]
    assert pitch["measured"] and pitch["range_semitones"] > 0


def test_blockwise_pitch_equals_librosa_on_the_whole_signal():
    """Pitch is computed with our own YIN in 60 s blocks (memory stays flat, and librosa's import costs two
    seconds): it gives librosa's values on the whole signal, to a thousandth of a semitone."""
    import librosa

    from speechcase.analysis.prosody import FMAX, FMIN, HOP, _yin_and_rms

    audio = load_audio(SAMPLES / "structured_churn.flac")  # two minutes: crosses a block boundary
    sr, hop = audio.sample_rate, int(HOP * audio.sample_rate)
    f0, rms = _yin_and_rms(audio.samples, sr)
    whole = librosa.yin(audio.samples, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=4 * hop, hop_length=hop)
    assert f0.shape == whole.shape
    assert np.abs(12 * np.log2(f0 / whole)).max() < 1e-3
    assert np.allclose(rms, librosa.feature.rms(y=audio.samples, frame_length=4 * hop, hop_length=hop)[0])


def test_voicing_frames_and_mel_filters_equal_librosas():
    import librosa

    from speechcase.analysis import voicing

    expected = librosa.filters.mel(sr=voicing.SR, n_fft=voicing.NFFT, n_mels=30, fmin=80, fmax=4000)
    assert np.allclose(voicing._mel_bank(), expected, atol=1e-7)
    y = load_audio(SAMPLES / "short_deep_dive.flac").samples[:16000 * 5]
    _, _, _, flux, _, _ = voicing._frame_features(y)
    frames = librosa.util.frame(np.pad(y, voicing.FRAME // 2), frame_length=voicing.FRAME, hop_length=voicing.HOP)
    assert flux.size == frames.shape[1]
