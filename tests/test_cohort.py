"""The cohort report: who improved, the CSV, escaping, and the page in a real browser.

Built from stored runs of saved transcripts (no Whisper): a take with fillers, the same take without them,
and speakers and names that are HTML. The report on real batch-analysed recordings is tested with the batch
(tests/test_batch.py).
"""
from __future__ import annotations

import csv
import json

import pytest
from conftest import DATA, run_cli

from speechcase.rehearsals.cohort import Measure, build_cohort, judged_measures, off_target
from speechcase.rehearsals.store import RunRow, SectionShare, open_store

HOSTILE_SPEAKER = "</script><script>alert(1)</script>"
HOSTILE_TALK = "<img src=x onerror=alert(2)> & \"pitch\""


def take(folder, name: str, sha: str, fillers: int) -> str:
    """A saved transcript of the sample with its own recording hash and ``fillers`` "um"s spoken in it."""
    data = json.loads((DATA / "transcript_sample.json").read_text())
    data["source"]["sha256"] = sha * 64
    words = data["words"]
    for k in range(fillers):  # an "um" after every third word, in the gap before the next word
        w = words[3 * k + 2]
        words.insert(3 * k + 3, {"text": "um", "start": w["end"], "end": w["end"] + 0.01, "probability": 0.9})
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """ann: a take with fillers, then the same talk without; bob: one take; a hostile speaker: one take."""
    folder = tmp_path_factory.mktemp("cohort")
    path = folder / "cohort.sqlite3"
    for speaker, talk, name, sha, fillers in (("ann", "pitch", "ann1", "a", 4), ("ann", "pitch", "ann2", "b", 0),
                                              ("bob", "pitch", "bob1", "c", 1),
                                              (HOSTILE_SPEAKER, HOSTILE_TALK, "evil", "d", 0)):
        result = run_cli("analyze", take(folder, name, sha, fillers), "--talk", talk, "--speaker", speaker,
                         "--store", path, "-o", folder / name, "--quiet")
        assert result.exit_code == 0, result.stderr
    return path


def test_latest_take_per_speaker_and_who_improved(store):
    with open_store(store) as db:
        cohort = build_cohort(db, talk="pitch")
    assert [m.speaker for m in cohort.members] == ["ann", "bob"]
    ann, bob = cohort.members
    assert ann.takes == 2 and ann.latest.metrics["fillers_per_minute"] == 0
    assert bob.takes == 1 and bob.improvement is None
    assert ann.improvement is not None and ann.improvement.verdict == "improved"
    assert "fillers" in [m.name for m in ann.improvement.better] and ann.improvement.worse == []
    assert cohort.improved == [ann]
    with open_store(store) as db:
        assert [m.speaker for m in build_cohort(db).members] == [HOSTILE_SPEAKER, "ann", "bob"]  # by name
        assert [m.speaker for m in build_cohort(db, speakers=["bob"]).members] == ["bob"]


def _run(sections: list[tuple[float, tuple[float, float]]], **metrics: float) -> RunRow:
    base = {"fillers_per_minute": 2.0, "rambling_seconds": 30.0, "flags_high": 1, "flags_medium": 2,
            "flags_low": 0, "wpm": 150.0, "duration": 600.0}
    return RunRow(1, "u", "t", "s", "2026-01-01T00:00:00+00:00", "", "", "case-study", "x", "h", {**base, **metrics},
                  [SectionShare(f"s{k}", f"S{k}", share * 600, share, target, "ok")
                   for k, (share, target) in enumerate(sections)], {})


def test_a_cohort_within_some_talks_holds_only_their_runs(store):
    """The web app builds a coach's cohort within the talks shared with them: nobody else's runs."""
    from speechcase.core.errors import UnknownTalk

    with open_store(store) as db:
        ann = build_cohort(db, within=[db.find_talk("pitch", "ann")])
        assert [(m.speaker, m.takes) for m in ann.members] == [("ann", 2)]
        assert ann.members[0].improvement is not None  # first and latest in stored order, as without ``within``
        with pytest.raises(UnknownTalk):
            build_cohort(db, talk="pitch", within=[db.find_talk(HOSTILE_TALK, HOSTILE_SPEAKER)])
        with pytest.raises(UnknownTalk):
            build_cohort(db, within=[])


def test_improvement_counts_only_notable_changes():
    first = _run([(0.5, (0.1, 0.2)), (0.5, (0.4, 0.6))])
    assert off_target(first) == pytest.approx(0.3)
    small = _run([(0.49, (0.1, 0.2)), (0.51, (0.4, 0.6))], fillers_per_minute=1.9, rambling_seconds=27.0)
    assert [m.change for m in judged_measures(first, small)] == ["same"] * 4
    mixed = _run([(0.2, (0.1, 0.2)), (0.8, (0.4, 0.6))], fillers_per_minute=3.0, flags_high=0, flags_medium=1)
    changes = {m.name: m.change for m in judged_measures(first, mixed)}
    assert changes == {"time off target": "better", "fillers": "worse", "rambling": "same",
                       "high and medium flags": "better"}
    assert Measure("fillers", 2.0, 3.04, 0.3, "/min").text() == "fillers 2.0 -> 3.0/min"


def test_cohort_command_writes_page_and_csv(store, tmp_path):
    page, table = tmp_path / "cohort.html", tmp_path / "cohort.csv"
    result = run_cli("cohort", "--talk", "pitch", "--store", store, "-o", page, "--csv", table)
    assert result.exit_code == 0, result.stderr
    assert "2 speakers; 1 of 1 speaker with two takes or more improved" in result.output
    rows = list(csv.DictReader(table.open()))
    assert [(r["speaker"], r["takes"], r["verdict"], r["first_run"]) for r in rows] == \
        [("ann", "2", "improved", "1"), ("bob", "1", "one take", "")]
    assert rows[0]["better"].startswith("fillers ") and "share_framing" in rows[0]
    assert "cdn" not in page.read_text().lower().split("<body>")[1]


def test_cohort_refusals_are_one_line(store, tmp_path):
    result = run_cli("cohort", "--talk", "nope", "--store", store, "-o", tmp_path / "c.html")
    assert result.exit_code == 25 and "No runs of talk 'nope'" in result.stderr
    assert not (tmp_path / "c.html").exists()
    result = run_cli("cohort", "--store", tmp_path / "empty.sqlite3", "-o", tmp_path / "c.html")
    assert result.exit_code == 25 and "No runs stored" in result.stderr
    assert not (tmp_path / "empty.sqlite3").exists()
    result = run_cli("cohort", "--speaker", "ann", "--speaker", "zed", "--store", store, "-o", tmp_path / "c.html")
    assert result.exit_code == 0 and "No runs by zed" in result.stderr


def test_cohort_page_in_a_browser_escapes_every_name(store, tmp_path, browser_page):
    output = tmp_path / "cohort.html"
    assert run_cli("cohort", "--store", store, "-o", output).exit_code == 0
    text = output.read_text()
    assert HOSTILE_SPEAKER not in text and HOSTILE_TALK not in text
    page, problems = browser_page(output)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.wait_for_selector("#fig-spread .main-svg")
    page.wait_for_selector("#fig-delivery .main-svg")
    latest = page.locator("#latest tbody tr").all_inner_texts()
    assert len(latest) == 3 and latest[0].startswith(HOSTILE_SPEAKER) and HOSTILE_TALK in latest[0]
    assert "ann" in page.locator("#improved table").inner_text()
    points = page.evaluate("document.getElementById('fig-spread').data.filter(t => t.type === 'box')"
                           ".flatMap(t => t.text)")
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in points  # shown literally by Plotly
    assert page.locator("img").count() == 0
    assert dialogs == [] and problems == []
