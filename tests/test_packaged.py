"""Whisper models installed as extras (speechcase[whisper-base]): parts joined in memory, loaded offline."""
from __future__ import annotations

import importlib
import sys

import pytest
from conftest import DATA

from speechcase.analysis import packaged
from speechcase.analysis.packaged import PackagedModel, model_files


@pytest.fixture
def two_part_model(tmp_path, monkeypatch):
    """Two installed packages holding a model.bin in two parts, as the whisper-base extra does."""
    for n, files in ((1, {"model.bin.part1": b"AAAA"}), (2, {"model.bin.part2": b"BB", "config.json": b"{}"})):
        data = tmp_path / f"fake_model_{n}" / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        for name, content in files.items():
            (data / name).write_bytes(content)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield PackagedModel("fake", ("fake_model_1", "fake_model_2"), "whisper-fake")
    for n in (1, 2):
        sys.modules.pop(f"fake_model_{n}", None)


def test_model_bin_is_joined_from_its_parts_in_order(two_part_model, monkeypatch):
    assert model_files(two_part_model) == {"model.bin": b"AAAABB", "config.json": b"{}"}
    monkeypatch.setitem(packaged.PACKAGED, "fake", two_part_model)
    assert packaged.installed("fake") == two_part_model


def test_a_model_whose_packages_are_missing_is_not_installed(monkeypatch):
    monkeypatch.setitem(packaged.PACKAGED, "ghost", PackagedModel("ghost", ("no_such_package_x",), "ghost"))
    assert packaged.installed("ghost") is None
    from speechcase.analysis.transcribe import resolve_model

    # without the extra, "base" stays faster-whisper's model name (downloaded once when online)
    if packaged.installed("base") is None:
        assert resolve_model("base").load == "base"


@pytest.mark.slow
def test_packaged_base_transcribes_offline(tmp_path):
    if packaged.installed("base") is None:
        pytest.skip("the whisper-base extra is not installed (pip install -e '.[whisper-base]')")
    from speechcase.analysis.pipeline import AnalyzeOptions, transcribe_file

    transcript, _ = transcribe_file(DATA / "speech_12s.ogg", AnalyzeOptions(model="base", cache_dir=tmp_path))
    text = " ".join(w.text for w in transcript.words).lower()
    assert "customers would cancel next month" in text and "twice as many cancellations" in text
    assert transcript.transcription.model == "base"
