"""The comparison dashboard: self-contained, correct, escaped, and clean in a real browser."""
from __future__ import annotations

import re

import pytest
from conftest import run_cli

from speechcase.rehearsals.history import what_changed
from speechcase.rehearsals.store import open_store

pytestmark = pytest.mark.slow  # every test here transcribes audio with Whisper

HOSTILE_TALK = "<img src=x onerror=alert(1)> & \"pitch\""
HOSTILE_SPEAKER = "</script><script>alert(2)</script>"
HOSTILE_SECTION = "<i>opening</i>"


@pytest.fixture(scope="module")
def store(analysed, tmp_path_factory):
    """Three runs of one talk from the samples' transcripts, the last one with another framework."""
    folder = tmp_path_factory.mktemp("compare")
    path = folder / "history.sqlite3"
    for name, framework in (("structured_churn", "case-study"), ("rambling_delivery", "case-study"),
                            ("short_deep_dive", "deep-dive")):
        result = run_cli("analyze", analysed(name) / "transcript.json", "--talk", "rehearsal", "--framework",
                         framework, "--store", path, "-o", folder / name, "--quiet")
        assert result.exit_code == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def hostile_store(analysed, tmp_path_factory):
    """Runs whose talk, speaker and framework section names are HTML/script."""
    folder = tmp_path_factory.mktemp("hostile")
    framework = folder / "fw.toml"
    framework.write_text(f'id = "mine"\n[[sections]]\nid = "{HOSTILE_SECTION}"\ntarget_share = [0.1, 0.3]\n'
                         'purpose = "Why the project mattered."\n'
                         '[[sections]]\nid = "rest"\ntarget_share = [0.5, 0.9]\npurpose = "Everything else."\n')
    path = folder / "history.sqlite3"
    for name in ("structured_churn", "rambling_delivery"):
        result = run_cli("analyze", analysed(name) / "transcript.json", "--talk", HOSTILE_TALK, "--speaker",
                         HOSTILE_SPEAKER, "--framework", framework, "--store", path, "-o", folder / name, "--quiet")
        assert result.exit_code == 0, result.stderr
    return path


def render(store, tmp_path, *items):
    output = tmp_path / "compare.html"
    result = run_cli("compare", *items, "--store", store, "-o", output)
    assert result.exit_code == 0, result.stderr
    return output, result


def test_dashboard_is_one_self_contained_file(store, tmp_path):
    output, result = render(store, tmp_path, "rehearsal")
    assert "Wrote" in result.output and "(3 runs)" in result.output
    text = output.read_text()
    assert not re.search(r"<script[^>]+src=", text) and not re.search(r"<link[^>]+href=", text)
    assert "Plotly.newPlot" in text and len(text) > 3_000_000  # plotly.js is inside the file
    assert text.count("Plotly.newPlot(") == 3


def test_runs_can_be_chosen_by_id(store, tmp_path):
    _, result = render(store, tmp_path, "3", "1")
    assert "(2 runs)" in result.output
    assert "Since run 1:" in result.output  # oldest first, whatever order they were named in
    assert run_cli("compare", "99", "--store", store, "-o", tmp_path / "x.html").exit_code == 25


def test_dashboard_in_a_browser(store, tmp_path, browser_page):
    output, _ = render(store, tmp_path, "rehearsal")
    page, problems = browser_page(output)
    page.wait_for_selector("#fig-trends .main-svg")
    assert page.locator(".js-plotly-plot").count() == 3
    assert problems == []
    with open_store(store) as db:
        runs = db.runs(db.find_talk("rehearsal"))
    changes = page.locator("#changes ul").first.locator("li").all_inner_texts()
    assert changes == what_changed(runs[-2], runs[-1])
    assert page.locator("#runs tbody tr").count() == 3
    # One bar per run plus the target bar; "not assigned" is whatever the sections leave (rounding only, here).
    bars = page.evaluate("document.getElementById('fig-allocation').data.map(t => [t.name, t.y])")
    unassigned = next(y for name, y in bars if name == "not assigned")
    assert unassigned == [pytest.approx(max(0.0, 100 * (1 - sum(s.share for s in r.sections))), abs=0.05)
                          for r in runs]
    wpm = page.evaluate("document.getElementById('fig-trends').data.find(t => t.name === 'overall wpm').y")
    assert wpm == [r.metrics["wpm"] for r in runs]
    page.screenshot(path=str(tmp_path / "compare.png"), full_page=True)


def test_user_text_is_escaped(hostile_store, tmp_path, browser_page):
    output, _ = render(hostile_store, tmp_path)
    text = output.read_text()
    for raw in (HOSTILE_TALK, HOSTILE_SPEAKER, HOSTILE_SECTION):
        assert raw not in text
    page, problems = browser_page(output)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_selector("#fig-shares .main-svg")
    assert HOSTILE_TALK in page.locator("h1").inner_text()
    assert HOSTILE_SPEAKER in page.locator("header .meta").inner_text()
    assert page.locator("img").count() == 0
    legend = page.locator("#fig-allocation .legendtext").all_text_contents()
    assert HOSTILE_SECTION in legend
    titles = page.locator("#fig-shares .annotation-text").all_text_contents()
    assert HOSTILE_SECTION in titles
    assert dialogs == [] and problems == []
