"""Shared fixtures: the committed sample talks, real transcriptions done once per session."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser import browser_page, chromium  # noqa: F401  (fixtures for the browser tests)
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_audio"
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_NAMES = ["structured_churn", "rambling_delivery", "short_deep_dive"]


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory) -> Path:
    """Every test uses a private transcript cache, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["SPEECHCASE_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session", autouse=True)
def isolated_store(tmp_path_factory) -> Path:
    """Runs the tests analyse are recorded in a private rehearsal store, never the user's."""
    path = tmp_path_factory.mktemp("store") / "history.sqlite3"
    os.environ["SPEECHCASE_STORE"] = str(path)
    return path


def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text())


def run_cli(*args: str):
    """Invoke the CLI in-process; fails the test if a traceback reached the user."""
    from speechcase.interfaces.cli.main import main

    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output + result.stderr
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture(scope="session")
def analysed(tmp_path_factory):
    """Analyse each sample once with the real tiny.en model; returns name -> output folder."""
    out = {}

    def get(name: str) -> Path:
        if name not in out:
            folder = tmp_path_factory.mktemp(name)
            result = run_cli("analyze", SAMPLES / f"{name}.flac", "-o", folder, "--quiet")
            assert result.exit_code == 0, result.output + result.stderr
            out[name] = folder
        return out[name]

    return get


def load_json(path: Path) -> dict:
    return json.loads(Path(path).read_text())


@pytest.fixture(scope="session")
def unread_classifier(tmp_path_factory):
    """``unread_classifier("heldout7")``: the path of a section classifier fitted like the shipped one but without
    the banks of that set of our scripted talks (``benchmarks/fit_sections.py``'s ``cross_fitted``), for
    ``SPEECHCASE_SECTION_CLASSIFIER``. Why: the shipped classifier has read the banks our talk transcripts in
    ``tests/data`` are spoken from, and a rule meant for sentences whose meaning is unclear is seen on a talk
    the classifier has not read, as a user's is. The first call embeds the training sentences (about 15 s)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fit_sections", ROOT / "benchmarks" / "fit_sections.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = tmp_path_factory.mktemp("classifiers")
    return lambda set_name: module.cross_fitted(set_name, folder)
