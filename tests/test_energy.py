"""Vocal energy: the loudness track on real audio with a known fade, noise and telephone audio, the
fading_energy flag and the monotone rule's energy evidence."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from conftest import DATA, SAMPLES, load_json, truth

from speechcase.analysis.audio import load_audio
from speechcase.analysis.config import default_thresholds
from speechcase.analysis.flags.delivery import monotone_flags
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.pipeline import AnalyzeOptions, analyze_transcript
from speechcase.analysis.prosody import pitch_track
from speechcase.analysis.signals.energy import measure_energy
from speechcase.analysis.vad import speech_regions
from speechcase.core.types import Interval, Prosody, Source, Transcript, TranscriptionInfo, VocalEnergy, Word

T = default_thresholds()
SAMPLE = "structured_churn"  # two minutes of one steady synthetic voice


@pytest.fixture(scope="module")
def churn():
    """The sample's audio, its speech regions and its words, timed from the script's sentence times."""
    audio = load_audio(SAMPLES / f"{SAMPLE}.flac")
    words = []
    for s in truth(SAMPLE)["sentences"]:
        tokens = s["text"].split()
        step = (s["end"] - s["start"]) / len(tokens)
        words += [Word(t, round(s["start"] + k * step, 3), round(s["start"] + (k + 0.9) * step, 3), 1.0)
                  for k, t in enumerate(tokens)]
    return audio, speech_regions(audio), words


def faded(audio, gain_db):
    """The audio with a gain of ``gain_db(t)`` dB applied at each sample time ``t`` (seconds)."""
    t = np.arange(audio.samples.size) / audio.sample_rate
    return replace(audio, samples=(audio.samples * 10 ** (gain_db(t) / 20)).astype(np.float32))


def transcript_of(audio, speech, words) -> Transcript:
    return Transcript(Source(str(audio.path), audio.sha256, audio.duration), TranscriptionInfo("test", "en", 0.0),
                      words, speech, pitch_track(audio, speech))


def levels(track: Prosody) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in track.level or []])


def test_loudness_track_follows_a_known_step_down(churn):
    """10 dB less gain from 80 s on reads as 10 dB less level in every speech frame past it, none before."""
    audio, speech, _ = churn
    before = pitch_track(audio, speech)
    after = pitch_track(faded(audio, lambda t: np.where(t >= 80.0, -10.0, 0.0)), speech)
    times = np.arange(len(before.f0)) * before.hop
    a, b = levels(before), levels(after)
    assert len(a) == len(before.f0) and np.isnan(a).sum() < a.size  # one level per pitch frame, speech ones set
    assert np.array_equal(np.isnan(a), np.isnan(b))  # the same frames are speech
    early, late = (times < 79.9) & ~np.isnan(a), (times > 80.1) & ~np.isnan(a) & (a > -90)
    assert np.abs(b[early] - a[early]).max() <= 0.1
    assert b[late] - a[late] == pytest.approx(np.full(late.sum(), -10.0), abs=0.15)
    assert before.noise is not None and before.noise < -90  # the samples' gaps are digital silence


def test_a_fading_end_is_flagged_and_a_steady_one_is_not(churn):
    audio, speech, words = churn
    framework, options = load_framework("case-study"), AnalyzeOptions(use_cache=False)
    # 12 dB quieter over the last 30 % of the recording, in a straight line of dB
    onset = 0.7 * audio.duration
    fade = faded(audio, lambda t: -12.0 * np.clip((t - onset) / (audio.duration - onset), 0, 1))
    flagged = analyze_transcript(transcript_of(fade, speech, words), framework, options)
    (flag,) = [f for f in flagged.flags if f.type == "fading_energy"]
    assert onset - 5 <= flag.start <= onset + 25 and flag.end == pytest.approx(words[-1].end, abs=0.01)
    assert flagged.energy is not None and flagged.energy.fade is not None
    assert 5.0 <= flagged.energy.fade.drop <= 12.0  # the median of a 0 to -12 dB ramp, measured from its onset
    assert "quieter than the rest of the talk" in flag.message and "dB" in flag.evidence

    steady = analyze_transcript(transcript_of(audio, speech, words), framework, options)
    assert not any(f.type == "fading_energy" for f in steady.flags)
    assert steady.energy is not None and steady.energy.measured and steady.energy.fade is None


def test_noisy_audio_gets_no_energy_verdict(churn):
    audio, speech, words = churn
    rng = np.random.default_rng(7)
    loud = float(np.sqrt(np.mean(audio.samples[audio.samples != 0] ** 2)))
    noisy = replace(audio, samples=(audio.samples + rng.normal(0, loud / 2, audio.samples.size)).astype(np.float32))
    track = pitch_track(noisy, speech)
    energy = measure_energy(words, track, T.energy)
    assert not energy.measured and energy.reason and energy.reason.startswith("noisy audio")
    assert energy.snr_db is not None and energy.snr_db < T.energy.min_snr_db


def test_telephone_audio_has_no_loudness_track():
    audio = load_audio(DATA / "speech_12s_8k.flac")
    track = pitch_track(audio, speech_regions(audio))
    assert track.telephone and track.level is None
    assert measure_energy([Word("hello", 1.0, 1.4, 1.0)], track, T.energy).reason == "telephone-band audio"


def test_the_loudness_track_survives_a_saved_transcript(churn):
    audio, speech, words = churn
    transcript = transcript_of(audio, speech, words[:40])
    again = Transcript.from_dict(transcript.to_dict())
    assert again.prosody == transcript.prosody and again.prosody.level is not None
    # a transcript saved before loudness was measured still reads, and says why there is no verdict
    old = transcript.to_dict()
    del old["prosody"]["level"], old["prosody"]["noise"]
    energy = measure_energy(words, Transcript.from_dict(old).prosody, T.energy)
    assert not energy.measured and "no loudness track" in (energy.reason or "")


def _words_with_levels(levels_db: list[float], start: float = 0.0) -> tuple[list[Word], VocalEnergy]:
    words = [Word("word", start + 0.4 * k, start + 0.4 * k + 0.3, 1.0) for k in range(len(levels_db))]
    return words, VocalEnergy(True, word_db=[round(v, 1) for v in levels_db])


@pytest.mark.parametrize("spread, severity, said", [(1.0, "high", "Flat pitch and loudness for 60 s."),
                                                    (3.5, "medium", "Flat pitch for 60 s."),
                                                    (7.0, "low", "Flat pitch for 60 s.")])
def test_monotone_takes_loudness_as_evidence(spread, severity, said):
    rng = np.random.default_rng(3)
    words, energy = _words_with_levels(list(-20 + rng.normal(0, spread, 200)))
    (flag,) = monotone_flags([(Interval(10.0, 70.0), 1.5)], T, words, energy)
    assert (flag.severity, flag.message) == (severity, said)
    assert "loudness" in flag.evidence and "dB" in flag.evidence
    (unmeasured,) = monotone_flags([(Interval(10.0, 70.0), 1.5)], T, words, VocalEnergy(False, "telephone-band audio"))
    assert unmeasured.severity == "medium" and "loudness" not in unmeasured.evidence


@pytest.mark.slow
def test_loudness_is_stored_and_summarised(analysed):
    folder = analysed("short_deep_dive")
    prosody = load_json(folder / "transcript.json")["prosody"]
    assert len(prosody["level"]) == len(prosody["f0"]) and prosody["noise"] is not None
    doc = load_json(folder / "analysis.json")
    energy = doc["summary"]["energy"]
    assert energy["measured"] and energy["fade_db"] is None and 0 < energy["sd_db"] < T.energy.flat_db
    timeline = doc["energy"]["timeline"]
    assert timeline and all(abs(w["db"]) < 6 for w in timeline)  # a steady voice stays near its median
    page = (folder / "dashboard.html").read_text(encoding="utf-8")
    assert "Loudness (10 s rolling)" in page and '"yaxis3"' in page  # drawn under the pace line


def test_the_loudness_track_is_stored_compactly(churn):
    """Levels are stored to 0.1 dB as short decimals: a minute of the track stays near the size of the pitch's."""
    audio, speech, _ = churn
    track = pitch_track(audio, speech)
    assert all(len(repr(v)) <= 6 for v in track.level or [] if v is not None)  # "-23.3", "-100.0"
    per_minute = len(json.dumps(track.level, separators=(",", ":"))) / (audio.duration / 60)
    assert per_minute < 12_000
