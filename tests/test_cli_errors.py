"""Every kind of bad input gives one clear line, its own exit code, no traceback, and writes nothing."""
from __future__ import annotations

import pytest
from conftest import DATA, SAMPLES, run_cli

BAD_INPUTS = [
    # (input, extra args, exit code, words the message must contain)
    ("does-not-exist.m4a", [], 3, "does not exist"),
    (".", [], 4, "is a folder"),
    ("empty.wav", [], 5, "empty"),
    ("not_audio.wav", [], 6, "could not be decoded"),
    ("truncated.flac", [], 6, "no decodable audio"),
    ("video_no_audio.mp4", [], 7, "without an audio track"),
    ("silence_10s.flac", [], 8, "No speech"),
    ("noise_10s.flac", [], 8, "No speech"),
    ("short_speech_3s.flac", [], 9, "of speech"),
    ("speech_12s.ogg", ["--max-duration", "10s"], 10, "over the 0:10 limit"),
]


def _input(name: str):
    return DATA if name == "." else DATA / name


@pytest.mark.slow
@pytest.mark.parametrize("name,extra,code,words", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_audio_input(name, extra, code, words, tmp_path, isolated_cache):
    before = sorted(isolated_cache.rglob("*"))
    result = run_cli("analyze", _input(name), "-o", tmp_path / "out", *extra)
    assert result.exit_code == code, result.stderr
    assert words in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert not (tmp_path / "out").exists()
    assert sorted(isolated_cache.rglob("*")) == before  # nothing cached for a refused input


def test_transcribe_command_refuses_the_same_way(tmp_path):
    result = run_cli("transcribe", DATA / "video_no_audio.mp4", "-o", tmp_path / "t.json")
    assert result.exit_code == 7
    assert not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("content,code,words", [
    ("{not json", 12, "not valid JSON"),
    ('{"schema": "something-else"}', 12, "not a speechcase transcript"),
    ('{"schema": "speechcase/transcript-v1", "source": {}}', 12, "damaged transcript"),
])
def test_bad_transcript_input(content, code, words, tmp_path):
    path = tmp_path / "transcript.json"
    path.write_text(content)
    result = run_cli("analyze", path, "-o", tmp_path / "out")
    assert result.exit_code == code
    assert words in result.stderr


def test_unknown_framework_fails_before_any_audio_work(tmp_path):
    result = run_cli("analyze", SAMPLES / "short_deep_dive.flac", "--framework", "nope", "-o", tmp_path)
    assert result.exit_code == 13
    assert "Unknown framework 'nope'" in result.stderr


def test_invalid_framework_file(tmp_path):
    bad = tmp_path / "fw.toml"
    bad.write_text('id = "x"\n[[sections]]\nid = "a"\ntarget_share = [0.5, 0.2]\n')
    result = run_cli("frameworks", bad)
    assert result.exit_code == 13
    assert "at least two" in result.stderr


def test_model_folder_without_weights(tmp_path):
    (tmp_path / "model").mkdir()
    result = run_cli("analyze", DATA / "speech_12s.ogg", "--model", tmp_path / "model", "-o", tmp_path / "o")
    assert result.exit_code == 11
    assert "not a CTranslate2 Whisper model folder" in result.stderr


def test_unknown_model_name(tmp_path):
    result = run_cli("transcribe", DATA / "speech_12s.ogg", "--model", "no-such-model", "-o", tmp_path / "t.json")
    assert result.exit_code == 11
    assert "Unknown Whisper model 'no-such-model'" in result.stderr


@pytest.mark.slow
def test_model_not_downloadable_offline_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty Hugging Face cache
    result = run_cli("transcribe", DATA / "speech_12s.ogg", "--model", "small.en", "-o", tmp_path / "t.json")
    assert result.exit_code == 11
    assert "Could not load Whisper model 'small.en'" in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2


@pytest.mark.slow
def test_unwritable_output_folder(tmp_path, analysed):
    transcript = analysed("short_deep_dive") / "transcript.json"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("analyze", transcript, "-o", blocker / "sub")
    assert result.exit_code == 14
    assert "Cannot write" in result.stderr


def test_bad_duration_option_is_a_usage_error(tmp_path):
    result = run_cli("analyze", DATA / "speech_12s.ogg", "--max-duration", "soon")
    assert result.exit_code == 2
    assert "not a duration" in result.stderr


@pytest.mark.slow
def test_unwritable_cache_only_warns(tmp_path, analysed):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    transcript = analysed("short_deep_dive") / "transcript.json"
    result = run_cli("analyze", transcript, "--cache-dir", blocker / "cache", "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert "cannot write the cache" in result.stderr
    assert (tmp_path / "out" / "analysis.json").exists()


def test_every_exit_code_is_documented():
    """docs/cli.md lists every exit code the CLI can return, with its meaning."""
    import re
    from pathlib import Path

    from speechcase.core.errors import EXIT_CODES

    table = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert set(EXIT_CODES) <= documented
