"""Rehearsal history on real analyses of the samples: the store, history, re-analysis, deletion, export/import."""
from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pytest
from conftest import SAMPLES, load_json, run_cli

from speechcase.rehearsals.history import EXPORT_SCHEMA, what_changed
from speechcase.rehearsals.store import APPLICATION_ID, SCHEMA_VERSION, open_store

TALK = "churn-case"
# Three rehearsals of one talk (the samples stand in for three takes); the third judged as a deep dive.
TAKES = [("structured_churn", "case-study"), ("rambling_delivery", "case-study"), ("short_deep_dive", "deep-dive")]


def copy_store(source, target):
    """A private copy of a store (SQLite's backup API, so the WAL is included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


@pytest.fixture(scope="module")
def rehearsals(tmp_path_factory):
    """The three takes analysed through the CLI into one store; returns (store path, [analysis.json paths])."""
    folder = tmp_path_factory.mktemp("rehearsals")
    store = folder / "history.sqlite3"
    documents = []
    for name, framework in TAKES:
        out = folder / name
        result = run_cli("analyze", SAMPLES / f"{name}.flac", "--talk", TALK, "--framework", framework,
                         "--store", store, "-o", out, "--quiet")
        assert result.exit_code == 0, result.output + result.stderr
        assert f"of talk '{TALK}'" in result.output
        documents.append(out / "analysis.json")
    return store, documents


@pytest.fixture
def store_copy(rehearsals, tmp_path):
    """A copy of the rehearsal store that a test may change."""
    return copy_store(rehearsals[0], tmp_path / "history.sqlite3")


def history_rows(store, talk=TALK):
    result = run_cli("history", talk, "--store", store)
    assert result.exit_code == 0, result.stderr
    lines = result.output.splitlines()
    return lines[0], [line.split() for line in lines[1:] if line.strip() and line.split()[0].isdigit()]


@pytest.mark.slow
def test_history_lists_the_runs_oldest_first(rehearsals):
    store, documents = rehearsals
    header, rows = history_rows(store)
    assert header.split()[:4] == ["run", "date", "length", "wpm"]
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert [row[-1] for row in rows] == ["case-study", "case-study", "deep-dive"]
    for row, path in zip(rows, documents, strict=True):
        summary = load_json(path)["summary"]
        assert row[4] == f"{summary['wpm']:.0f}" and row[5] == f"{summary['fillers_per_minute']['total']:.1f}"
        assert row[-2] == "/".join(str(summary["flags"][k]) for k in ("high", "medium", "low"))
    # A section of only one framework reads "-" in the other framework's runs.
    columns = header.split()
    assert "framing" in columns and "hook" in columns
    assert rows[2][columns.index("framing") + 1] == "-"  # +1: the date is two words


@pytest.mark.slow
def test_history_without_talk_lists_talks_with_run_counts(rehearsals):
    result = run_cli("history", "--store", rehearsals[0])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["talk", "speaker", "runs", "last", "run"]
    assert lines[1].split()[:3] == [TALK, "me", "3"]


@pytest.mark.slow
def test_the_store_holds_the_documents_and_transcripts(rehearsals):
    store, documents = rehearsals
    with open_store(store) as db:
        runs = db.runs(db.find_talk(TALK))
        for run, path in zip(runs, documents, strict=True):
            doc = load_json(path)
            assert db.document(run.id).raw == doc
            assert db.transcript(run.id).to_dict() == load_json(path.parent / "transcript.json")
            assert run.audio_sha256 == doc["source"]["sha256"] and run.framework == doc["framework"]["id"]
            assert [s.share for s in run.sections] == [b["share"] for b in doc["balance"]]
            assert [(s.target[0], s.target[1]) for s in run.sections] == \
                [tuple(b["target_share"]) for b in doc["balance"]]
    with sqlite3.connect(store) as conn:  # the summary numbers are columns: queries need no JSON
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        slow = conn.execute("SELECT id FROM runs WHERE fillers_per_minute > 5").fetchall()
        assert slow == [(2,)]  # the rambling take
        plan = " ".join(str(r) for r in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM runs WHERE fillers_per_minute > 5"))
        assert "runs_by_fillers" in plan


@pytest.mark.slow
def test_comparison_numbers_equal_the_analysis_documents(rehearsals, tmp_path):
    store, documents = rehearsals
    result = run_cli("compare", TALK, "--store", store, "-o", tmp_path / "compare.html", "--csv", tmp_path / "t.csv")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv(tmp_path / "t.csv")
    assert list(table["run"]) == [1, 2, 3]
    for (_, row), path in zip(table.iterrows(), documents, strict=True):
        doc = load_json(path)
        s = doc["summary"]
        assert row["framework"] == doc["framework"]["id"] and row["audio_sha256"] == doc["source"]["sha256"]
        assert row["duration"] == s["duration"] == doc["source"]["duration"]
        assert row["wpm"] == s["wpm"] == doc["pacing"]["wpm"]
        assert row["articulation_wpm"] == doc["pacing"]["articulation_wpm"]
        assert row["fillers_per_minute"] == s["fillers_per_minute"]["total"]
        assert row["pauses"] == len(doc["pauses"])
        assert row["mid_sentence_pauses"] == sum(p["kind"] == "mid_sentence" for p in doc["pauses"])
        for level in ("high", "medium", "low"):
            assert row[f"flags_{level}"] == sum(f["severity"] == level for f in doc["flags"])
        for flag_type in {f["type"] for f in doc["flags"]}:
            assert row[f"flag_type_{flag_type}"] == sum(f["type"] == flag_type for f in doc["flags"])
        assert row["rambling_seconds"] == pytest.approx(sum(f["end"] - f["start"] for f in doc["flags"]
                                                            if f["type"] == "stream_of_consciousness"), abs=0.01)
        for b in doc["balance"]:
            assert row[f"share_{b['section']}"] == b["share"] and row[f"seconds_{b['section']}"] == b["seconds"]
        sections = {b["section"] for b in doc["balance"]}
        others = [c for c in table.columns if c.startswith("share_") and c[6:] not in sections | {"unassigned"}]
        assert all(pd.isna(row[c]) for c in others)  # a section of another framework is empty, not 0
    # The printed "what changed" line quotes the same numbers.
    docs = [load_json(p)["summary"] for p in documents]
    assert f"fillers {docs[1]['fillers_per_minute']['total']:.1f} -> {docs[2]['fillers_per_minute']['total']:.1f}" \
        in result.output
    assert "framework case-study -> deep-dive" in result.output


@pytest.mark.slow
def test_what_changed_names_section_shifts(rehearsals):
    """Sections are not segmented yet, so give two stored runs section times by hand to check the wording."""
    from dataclasses import replace

    with open_store(rehearsals[0]) as db:
        first, second = db.runs(run_ids=[1, 2])

    def with_shares(run, shares):
        def status(share, low, high):
            return "missing" if share == 0 else "under" if share < low else "over" if share > high else "ok"

        return replace(run, sections=[replace(s, share=shares.get(s.section, 0.0),
                                              seconds=shares.get(s.section, 0.0) * 600,
                                              status=status(shares.get(s.section, 0.0), *s.target))
                                      for s in run.sections])

    early = {"framing": 0.1, "data": 0.2, "modeling": 0.46, "evaluation": 0.24}
    late = {"framing": 0.11, "data": 0.2, "modeling": 0.22, "evaluation": 0.32, "deployment": 0.15}
    lines = what_changed(with_shares(first, early), with_shares(second, late))
    assert "modeling share 46 % -> 22 %, now within its 15-25 % target" in lines
    assert "evaluation share 24 % -> 32 %" in lines  # over its target before and after
    assert "deployment now present (15 %)" in lines
    assert not any(line.startswith(("framing", "data")) for line in lines)  # moves under 3 points are noise
    assert what_changed(first, first) == ["no notable change in time allocation, pace, fillers, pauses or flags"]


@pytest.mark.slow
def test_a_share_change_within_an_uncertain_boundary_says_so(rehearsals):
    """A section whose share moves (or that appears or goes) by no more than the uncertain time next to it, in
    either take, may only have had a boundary the words do not decide fall elsewhere: the line says so. A larger
    move, or runs stored before the uncertain time was recorded, read as before."""
    from dataclasses import replace

    with open_store(rehearsals[0]) as db:
        first, second = db.runs(run_ids=[1, 2])

    def take(run, shares, unsure):
        sections = [replace(s, share=shares.get(s.section, 0.0), seconds=shares.get(s.section, 0.0) * 600,
                            status="ok") for s in run.sections]
        return replace(run, sections=sections, summary={**run.summary, "sections_unsure": unsure})

    shares = {"framing": 0.12, "data": 0.2, "modeling": 0.3, "evaluation": 0.2, "deployment": 0.1, "reflection": 0.08}
    moved = {**shares, "modeling": 0.24, "evaluation": 0.26}
    note = " (its boundaries are uncertain in these takes: listen before counting on it)"
    # 40 s of a 600 s talk (6.7 points) uncertain between modeling and evaluation in the later take
    lines = what_changed(take(first, shares, {}), take(second, moved, {"modeling": 40.0, "evaluation": 40.0}))
    assert "modeling share 30 % -> 24 %" + note in lines and "evaluation share 20 % -> 26 %" + note in lines
    # 20 s (3.3 points) does not cover a 6-point move
    lines = what_changed(take(first, shares, {}), take(second, moved, {"modeling": 20.0, "evaluation": 20.0}))
    assert "modeling share 30 % -> 24 %" in lines and "evaluation share 20 % -> 26 %" in lines
    # a section read in one take and not the other, inside an uncertain stretch of the first
    gone = {**shares, "deployment": 0.0, "evaluation": 0.3}
    lines = what_changed(take(first, shares, {"deployment": 70.0, "evaluation": 70.0}), take(second, gone, {}))
    assert "deployment now missing (was 10 %)" + note in lines
    # a run stored without the uncertain time
    older = replace(first, sections=take(first, shares, {}).sections,
                    summary={k: v for k, v in first.summary.items() if k != "sections_unsure"})
    assert "modeling share 30 % -> 24 %" in what_changed(older, take(second, moved, {}))


@pytest.mark.slow
def test_reanalysis_keeps_the_run_identity(rehearsals, store_copy):
    _, documents = rehearsals
    with open_store(store_copy) as db:
        before = db.run(1)
        transcript = db.transcript(1)
    result = run_cli("runs", "reanalyze", "1", "--framework", "deep-dive", "--store", store_copy)
    assert result.exit_code == 0, result.stderr
    assert "Re-analysed run 1" in result.output
    with open_store(store_copy) as db:
        after, doc = db.run(1), db.document(1).raw
        assert db.transcript(1) == transcript
        assert [r.id for r in db.runs(db.find_talk(TALK))] == [1, 2, 3]
    assert (after.uid, after.recorded_at, after.talk) == (before.uid, before.recorded_at, before.talk)
    assert after.framework == "deep-dive" and before.framework == "case-study"
    assert after.sections[0].section == "hook"
    original = load_json(documents[0])
    assert doc["framework"]["id"] == "deep-dive"
    for key in ("words", "pauses", "fillers", "source"):
        assert doc[key] == original[key]
    assert doc["pacing"]["wpm"] == original["pacing"]["wpm"]  # by_section follows the new framework
    # Without --framework, a run is analysed again with its own framework (e.g. after an upgrade).
    assert run_cli("runs", "reanalyze", "2", "--store", store_copy).exit_code == 0
    with open_store(store_copy) as db:
        assert db.run(2).framework == "case-study"


@pytest.mark.slow
def test_recording_the_same_audio_again_updates_its_run(rehearsals, store_copy, tmp_path):
    result = run_cli("analyze", SAMPLES / "structured_churn.flac", "--talk", TALK, "--framework", "live-case",
                     "--store", store_copy, "-o", tmp_path / "again", "--quiet")
    assert result.exit_code == 0
    assert "Updated run 1 of talk" in result.output and "(3 runs;" in result.output
    with open_store(store_copy) as db:
        assert [(r.id, r.framework) for r in db.runs(db.find_talk(TALK))] == \
            [(1, "live-case"), (2, "case-study"), (3, "deep-dive")]


@pytest.mark.slow
def test_deleting_runs(store_copy):
    result = run_cli("runs", "rm", "2", "--store", store_copy)
    assert result.exit_code == 0 and "Deleted run 2" in result.output
    assert [row[0] for row in history_rows(store_copy)[1]] == ["1", "3"]
    with sqlite3.connect(store_copy) as conn:  # the derived rows went with it
        assert conn.execute("SELECT COUNT(*) FROM run_sections WHERE run_id = 2").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM run_flags WHERE run_id = 2").fetchone()[0] == 0
    again = run_cli("runs", "rm", "2", "--store", store_copy)
    assert again.exit_code == 24 and "No run 2" in again.stderr
    assert run_cli("runs", "rm", "1", "3", "--store", store_copy).exit_code == 0
    gone = run_cli("history", TALK, "--store", store_copy)
    assert gone.exit_code == 25 and f"No talk called '{TALK}'" in gone.stderr


@pytest.mark.slow
def test_export_import_round_trip(rehearsals, tmp_path):
    store, _ = rehearsals
    exported = tmp_path / "talk.json"
    result = run_cli("export", TALK, "-o", exported, "--store", store)
    assert result.exit_code == 0 and "3 runs" in result.output
    data = load_json(exported)
    assert data["schema"] == EXPORT_SCHEMA and len(data["runs"]) == 3

    other = tmp_path / "coach.sqlite3"  # the coach's machine
    result = run_cli("import", exported, "--store", other)
    assert result.exit_code == 0 and "Imported 3 runs" in result.output
    assert history_rows(other) == history_rows(store)
    with open_store(store) as a, open_store(other) as b:
        for x, y in zip(a.runs(a.find_talk(TALK)), b.runs(b.find_talk(TALK)), strict=True):
            assert (x.uid, x.recorded_at, x.metrics, x.sections, x.flag_types) == \
                (y.uid, y.recorded_at, y.metrics, y.sections, y.flag_types)
            assert a.document(x.id).raw == b.document(y.id).raw and a.transcript(x.id) == b.transcript(y.id)

    again = run_cli("import", exported, "--store", other)  # twice: nothing is duplicated
    assert again.exit_code == 0 and "Imported 0 runs" in again.output and "3 already present" in again.output
    with open_store(other) as b:
        assert len(b.runs()) == 3


@pytest.mark.parametrize("content,words", [
    ("{not json", "not valid JSON"),
    ('{"schema": "speechcase/analysis-v1"}', "not a speechcase export"),
    (json.dumps({"schema": EXPORT_SCHEMA, "talk": "t", "speaker": "me",
                 "runs": [{"uid": "a", "recorded_at": "2026-01-01T00:00:00+00:00", "document": {}}]}), "damaged"),
])
@pytest.mark.slow
def test_import_refuses_a_bad_file_and_changes_nothing(content, words, store_copy, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run_cli("import", bad, "--store", store_copy)
    assert result.exit_code == 26 and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with open_store(store_copy) as db:
        assert len(db.runs()) == 3 and [t.name for t in db.talks()] == [TALK]


@pytest.mark.slow
def test_a_half_good_export_imports_nothing(rehearsals, store_copy, tmp_path):
    data = load_json(_export(rehearsals[0], tmp_path))
    for run in data["runs"]:
        run["uid"] += "-new"
    del data["runs"][2]["document"]["summary"]
    (tmp_path / "half.json").write_text(json.dumps(data))
    result = run_cli("import", tmp_path / "half.json", "--store", store_copy)
    assert result.exit_code == 26 and "Run 3 of the export is damaged" in result.stderr
    with open_store(store_copy) as db:
        assert len(db.runs()) == 3


def _export(store, tmp_path):
    path = tmp_path / "export.json"
    assert run_cli("export", TALK, "-o", path, "--store", store).exit_code == 0
    return path


@pytest.mark.slow
def test_default_talk_name_and_no_store(analysed, tmp_path):
    transcript = analysed("short_deep_dive") / "transcript.json"
    store = tmp_path / "h.sqlite3"
    result = run_cli("analyze", transcript, "--store", store, "-o", tmp_path / "a")
    assert "of talk 'short_deep_dive'" in result.output  # a transcript's talk is named after its recording
    result = run_cli("analyze", transcript, "--store", tmp_path / "other.sqlite3", "--no-store", "-o", tmp_path / "b")
    assert result.exit_code == 0 and "Recorded" not in result.output
    assert not (tmp_path / "other.sqlite3").exists()


@pytest.mark.parametrize("make,code,words", [
    (lambda p: p.write_text("these are notes, not a database\n"), 21, "not a readable speechcase store"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)"), 21, "not a speechcase store"),
], ids=["text-file", "other-sqlite"])
@pytest.mark.slow
def test_a_file_that_is_not_a_store(make, code, words, tmp_path, analysed):
    path = tmp_path / "h.sqlite3"
    make(path)
    before = path.read_bytes()
    result = run_cli("history", "--store", path)
    assert result.exit_code == code and words in result.stderr
    result = run_cli("analyze", analysed("short_deep_dive") / "transcript.json", "--store", path,
                     "-o", tmp_path / "out")
    assert result.exit_code == code
    assert not (tmp_path / "out").exists()  # refused before the analysis
    assert path.read_bytes() == before


@pytest.mark.slow
def test_a_store_from_a_newer_version(store_copy):
    with sqlite3.connect(store_copy) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = run_cli("history", "--store", store_copy)
    assert result.exit_code == 22 and "newer speechcase" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_an_unwritable_store_fails_before_the_analysis(tmp_path, analysed):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run_cli("analyze", analysed("short_deep_dive") / "transcript.json", "--store", blocker / "h.sqlite3",
                     "-o", tmp_path / "out")
    assert result.exit_code == 20 and "Cannot create the folder of the store" in result.stderr
    assert "--no-store" in result.stderr
    assert not (tmp_path / "out").exists()


def test_reading_commands_leave_no_store_behind(tmp_path):
    path = tmp_path / "none.sqlite3"
    result = run_cli("history", "--store", path)
    assert result.exit_code == 0 and "No runs stored" in result.output
    assert run_cli("compare", "--store", path, "-o", tmp_path / "c.html").exit_code == 25
    assert run_cli("runs", "rm", "1", "--store", path).exit_code == 24
    assert not path.exists() and not (tmp_path / "c.html").exists()


@pytest.mark.slow
def test_schema_migrations_run_forward_once(store_copy, monkeypatch):
    """A later schema version migrates an existing store in place, keeping its runs."""
    import speechcase.rehearsals.store as store_module

    with open_store(store_copy) as db:
        before = [(r.id, r.uid, r.metrics) for r in db.runs()]
    later = ("CREATE TABLE later_notes (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, "
             "start_s REAL NOT NULL, end_s REAL NOT NULL, text TEXT)")
    migrations = [*store_module.MIGRATIONS, [later]]
    monkeypatch.setattr(store_module, "MIGRATIONS", migrations)
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", len(migrations))
    with open_store(store_copy) as db:
        assert [(r.id, r.uid, r.metrics) for r in db.runs()] == before
    with open_store(store_copy) as db:  # a second open finds nothing left to do
        assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert db.conn.execute("SELECT COUNT(*) FROM later_notes").fetchone()[0] == 0


def test_an_empty_file_becomes_a_store(tmp_path):
    path = tmp_path / "empty.sqlite3"
    path.touch()
    with open_store(path) as db:
        assert db.talks() == []
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
