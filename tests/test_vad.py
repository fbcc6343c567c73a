"""Silero's speech probabilities: speechcase's split model, its encoder on several threads, gives faster-whisper's
numbers exactly, so Whisper packs the same speech and the transcript does not depend on the cores."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import SAMPLES

from speechcase.analysis import silero
from speechcase.analysis.audio import load_audio
from speechcase.analysis.silero import SPLIT_DIR, SplitSilero
from speechcase.analysis.vad import WINDOW


def _faster_whisper_model():
    from faster_whisper.vad import get_vad_model

    return getattr(get_vad_model, "original", get_vad_model)()


def _padded(samples: np.ndarray) -> np.ndarray:
    return np.pad(samples, (0, WINDOW - samples.size % WINDOW))


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_split_model_gives_faster_whispers_probabilities_bit_for_bit(parts):
    samples = _padded(load_audio(SAMPLES / "structured_churn.flac").samples)
    samples[-WINDOW:] = 0.1 * np.sin(np.arange(WINDOW))  # a last window that is not silence (faster-whisper
    # zeroes its last 64 samples)
    ours = SplitSilero(SPLIT_DIR, parts)(samples.copy())
    theirs = _faster_whisper_model()(samples.copy())
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.array_equal(ours, theirs)
    assert np.array_equal(SplitSilero(SPLIT_DIR, 4)(samples.copy(), parts=parts), theirs)  # a worker's own limit


def test_split_model_carries_the_state_across_faster_whispers_batches():
    """Over 10,000 windows (5.3 minutes) faster-whisper calls Silero in batches, carrying the LSTM state."""
    one = load_audio(SAMPLES / "structured_churn.flac").samples
    samples = _padded(np.tile(one, int(np.ceil(10_300 * WINDOW / one.size))))
    assert samples.size // WINDOW > silero.DECODER_BATCH
    ours = SplitSilero(SPLIT_DIR, 2)(samples.copy())
    assert np.array_equal(ours, _faster_whisper_model()(samples.copy()))


def test_split_model_leaves_the_callers_audio_as_it_was():
    samples = _padded(load_audio(SAMPLES / "short_deep_dive.flac").samples)
    samples[-1] = 0.5
    before = samples.copy()
    SplitSilero(SPLIT_DIR, 2)(samples)
    assert np.array_equal(samples, before)


def test_another_silero_file_falls_back_to_faster_whispers_own_model(tmp_path, monkeypatch):
    folder = tmp_path / "split"
    shutil.copytree(SPLIT_DIR, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    monkeypatch.setattr(silero, "SPLIT_DIR", folder)
    silero.vad_model.cache_clear()
    try:
        assert isinstance(silero.vad_model(), SplitSilero)
        (folder / "manifest.json").write_text(json.dumps({**manifest, "source_sha256": "0" * 64}))
        silero.vad_model.cache_clear()
        assert not isinstance(silero.vad_model(), SplitSilero)
        (folder / "manifest.json").unlink()
        silero.vad_model.cache_clear()
        assert not isinstance(silero.vad_model(), SplitSilero)
    finally:
        silero.vad_model.cache_clear()


def test_every_file_of_the_split_model_is_package_data():
    import tomllib
    from fnmatch import fnmatch

    patterns = tomllib.loads((SPLIT_DIR.parents[2] / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["speechcase.data"]
    for path in SPLIT_DIR.iterdir():
        assert any(fnmatch(f"{SPLIT_DIR.name}/{path.name}", p) for p in patterns), path.name
