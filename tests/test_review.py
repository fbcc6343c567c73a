"""Coach review on real analyses of the samples: decisions, notes, the terminal review, re-analysis, stats, reports."""
from __future__ import annotations

import re
import shutil
import sqlite3
import stat
import wave

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, run_cli

from speechcase.core.document import read_document
from speechcase.rehearsals.matching import span_overlap
from speechcase.rehearsals.reviews import parse_span, parse_time, run_review
from speechcase.rehearsals.store import open_store

HOSTILE = "</div><script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"> & *not bold* [x](y)"


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    """Two talks in one store: run 1 = structured_churn (talk 'churn'), run 2 = rambling_delivery (talk 'ramble')."""
    folder = tmp_path_factory.mktemp("review")
    store = folder / "history.sqlite3"
    for name, talk in (("structured_churn", "churn"), ("rambling_delivery", "ramble")):
        result = run_cli("analyze", SAMPLES / f"{name}.flac", "--talk", talk, "--store", store, "-o", folder / name,
                         "--quiet")
        assert result.exit_code == 0, result.output + result.stderr
    return store


@pytest.fixture
def store(base_store, tmp_path):
    """A private copy of the two-run store (SQLite's backup API, so the WAL is included)."""
    target = tmp_path / "history.sqlite3"
    with sqlite3.connect(base_store) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def document(store, run_id=1):
    """The run's analysis document as stored (JSON)."""
    with open_store(store) as db:
        return db.document(run_id).raw


def flags_in_time_order(doc):
    return sorted(doc["flags"], key=lambda f: (f["start"], f["end"], f["id"]))


def review_state(store, run_id=1):
    with open_store(store) as db:
        return run_review(db, run_id)


def cli(store, *args, reviewer="anna"):
    return run_cli(*args, "--store", store, *(["--reviewer", reviewer] if reviewer else []))


# -- the non-interactive form -------------------------------------------------------------------------------

@pytest.mark.slow
def test_decisions_and_comments_are_stored_per_flag(store):
    flags = flags_in_time_order(document(store))
    first, second = flags[0], flags[1]
    result = cli(store, "review", "1", "--flag", first["id"], "--agree", "--comment", "Cut the agenda to one line.")
    assert result.exit_code == 0, result.stderr
    assert f"anna agreed with {first['id']}" in result.output
    assert cli(store, "review", "1", "--flag", second["id"].removeprefix("f-"), "--dismiss",
               reviewer="ben").exit_code == 0  # "002" and "2" name f-002 too

    state = review_state(store)
    by_flag = {r.flag_id: r for r in state.reviews}
    assert set(by_flag) == {first["id"], second["id"]}
    one = by_flag[first["id"]]
    assert (one.decision, one.comment, one.reviewer) == ("agree", "Cut the agenda to one line.", "anna")
    assert (one.flag_type, one.start, one.end) == (first["type"], first["start"], first["end"])
    assert re.match(r"\d{4}-\d\d-\d\dT", one.reviewed_at)
    assert (by_flag[second["id"]].decision, by_flag[second["id"]].reviewer) == ("dismiss", "ben")

    # A comment alone keeps the decision; --unset takes the decision back and keeps the comment.
    assert cli(store, "review", "1", "--flag", first["id"], "--comment", "Shorter, please.").exit_code == 0
    assert review_state(store).for_flag(first["id"]).decision == "agree"
    assert cli(store, "review", "1", "--flag", first["id"], "--unset").exit_code == 0
    again = review_state(store).for_flag(first["id"])
    assert (again.decision, again.comment) == ("unset", "Shorter, please.")
    assert len(review_state(store).reviews) == 2  # still one review per flag

    listing = cli(store, "review", "1", "--list", reviewer=None).output
    assert re.search(rf"{first['id']} .*{first['type']}.*no decision by anna .*\"Shorter, please.\"", listing)
    assert re.search(rf"{second['id']} .*dismissed by ben", listing)


@pytest.mark.slow
def test_free_notes_on_any_moment(store):
    duration = document(store)["source"]["duration"]
    assert cli(store, "review", "1", "--note", "Nice pause before the number.", "--at", "1:02-1:05.5").exit_code == 0
    assert cli(store, "review", "1", "--note", "Strong close.", "--at", f"{duration - 3:.1f}").exit_code == 0
    notes = review_state(store).notes
    assert [(n.start, n.end, n.text, n.reviewer) for n in notes] == [
        (62.0, 65.5, "Nice pause before the number.", "anna"),
        (round(duration - 3, 1), round(duration - 3, 1), "Strong close.", "anna")]
    assert "note 1 at 1:02-1:06 by anna: Nice pause before the number." in cli(store, "review", "1", "--list").output


@pytest.mark.slow
def test_bad_review_input_is_refused_with_its_exit_code_and_stores_nothing(store):
    assert cli(store, "review", "1", "--flag", "f-099", "--agree").exit_code == 27
    assert cli(store, "review", "1", "--flag", "zzz", "--agree").exit_code == 27
    for span in ("1:75", "abc", "0:30-0:10", "99:00", "-5"):
        result = cli(store, "review", "1", "--note", "x", "--at", span)
        assert result.exit_code == 28, span
        assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert cli(store, "review", "7", "--flag", "f-001", "--agree").exit_code == 24
    assert cli(store, "review", "1", "--agree").exit_code == 2  # no --flag
    assert cli(store, "review", "1", "--flag", "f-001").exit_code == 2  # nothing to record
    assert cli(store, "review", "1", "--flag", "f-001", "--agree", "--unset").exit_code == 2
    assert cli(store, "review", "1", "--note", "x").exit_code == 2  # no --at
    assert run_cli("report", "7", "--store", store, "-o", store.parent / "r.html").exit_code == 24
    assert review_state(store).reviews == [] and review_state(store).notes == []
    assert not (store.parent / "r.html").exists()
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM flag_reviews").fetchone()[0] == 0


# -- the interactive review ---------------------------------------------------------------------------------

def fake_player(tmp_path):
    """A player command that keeps the WAV file it is given, so the test can check what would have been heard."""
    script = tmp_path / "player.sh"
    script.write_text(f"#!/bin/sh\ncp \"$1\" {tmp_path}/played-$(ls {tmp_path} | grep -c played).wav\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.mark.slow
def test_interactive_review_goes_through_flags_in_time_order(store, tmp_path, monkeypatch):
    from speechcase.interfaces.cli.main import main

    monkeypatch.setenv("SPEECHCASE_PLAYER", str(fake_player(tmp_path)))
    flags = flags_in_time_order(document(store))
    assert len(flags) >= 4
    answers = ["p",                          # play the first flag
               "a", "Frame it in two sentences.",  # agree, with a comment
               "d", "",                      # dismiss the second, no comment
               "n", "0:05-0:07", "Good agenda.",  # a note while on the third flag,
               "s",                          # then skip it
               "q"]                          # and stop before the rest
    result = CliRunner().invoke(main, ["review", "1", "--store", str(store), "--reviewer", "cleo"],
                                input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    # Flags come in time order, each with its words, evidence and suggestion.
    positions = [out.index(f"] {f['id']}  {f['type']}") for f in flags[:3]]
    assert positions == sorted(positions)
    assert f"[1/{len(flags)}] {flags[0]['id']}" in out
    assert "Evidence:" in out and "Suggestion:" in out and "Said:" in out
    said = out[out.index("Said:"):out.index("Evidence:")]
    first_words = [w["text"].strip() for w in document(store)["words"] if w["start"] < flags[0]["end"]][:3]
    assert all(word in said for word in first_words)
    assert "Saved: 1 agreed, 1 dismissed, 1 skipped, 1 notes." in out

    state = review_state(store)
    assert state.for_flag(flags[0]["id"]).decision == "agree"
    assert state.for_flag(flags[0]["id"]).comment == "Frame it in two sentences."
    assert state.for_flag(flags[0]["id"]).reviewer == "cleo"
    assert (state.for_flag(flags[1]["id"]).decision, state.for_flag(flags[1]["id"]).comment) == ("dismiss", "")
    assert state.for_flag(flags[2]["id"]) is None
    assert [(n.start, n.end, n.text) for n in state.notes] == [(5.0, 7.0, "Good agenda.")]

    # The player got the flag's span cut from the recording, padded by a second on each side.
    with wave.open(str(tmp_path / "played-0.wav")) as played:
        seconds = played.getnframes() / played.getframerate()
    expected = min(flags[0]["end"] + 1, document(store)["source"]["duration"]) - max(flags[0]["start"] - 1, 0)
    assert seconds == pytest.approx(min(expected, 45.0), abs=0.01)

    # A second pass over only the undecided flags starts at the third one and keeps the earlier decisions.
    result = CliRunner().invoke(main, ["review", "1", "--store", str(store), "--pending", "--reviewer", "cleo"],
                                input="q\n")
    assert f"[1/{len(flags) - 2}] {flags[2]['id']}" in result.output
    assert "1 notes" in result.output.splitlines()[0] and "2 already decided" in result.output.splitlines()[0]


@pytest.mark.slow
def test_interactive_review_without_player_or_recording_says_so(store, tmp_path, monkeypatch):
    from speechcase.interfaces.cli.main import main

    monkeypatch.setenv("SPEECHCASE_PLAYER", "no-such-player-here")
    result = CliRunner().invoke(main, ["review", "1", "--store", str(store)], input="p\nq\n")
    assert result.exit_code == 0
    assert "No audio player found" in result.output and "no audio player found" in result.output

    # A run whose recording was moved away: playback is skipped with the reason, the review goes on.
    copy = tmp_path / "take.flac"
    shutil.copy(SAMPLES / "short_deep_dive.flac", copy)
    assert run_cli("analyze", copy, "--store", store, "-o", tmp_path / "out", "--quiet").exit_code == 0
    copy.unlink()
    monkeypatch.setenv("SPEECHCASE_PLAYER", str(fake_player(tmp_path)))
    result = CliRunner().invoke(main, ["review", "3", "--store", str(store)], input="p\na\n\nq\n")
    assert result.exit_code == 0, result.output
    assert f"cannot play: the recording {copy} is no longer there" in result.output
    assert not list(tmp_path.glob("played-*.wav"))
    assert review_state(store, 3).reviews[0].decision == "agree"


# -- surviving re-analysis ----------------------------------------------------------------------------------

def review_every_flag(store, run_id=1):
    for flag in document(store, run_id)["flags"]:
        assert cli(store, "review", str(run_id), "--flag", flag["id"], "--agree",
                   "--comment", f"on {flag['type']} {flag['start']}").exit_code == 0


@pytest.mark.slow
def test_reviews_follow_their_flags_through_reanalysis(store):
    before = document(store)
    review_every_flag(store)
    original = {r.id: (r.flag_id, r.comment) for r in review_state(store).reviews}

    # The same analysis again: every review stays on its flag.
    result = run_cli("runs", "reanalyze", "1", "--store", store)
    assert result.exit_code == 0 and "no longer match" not in result.output
    assert {r.id: (r.flag_id, r.comment) for r in review_state(store).reviews} == original

    # Judged against another framework the section flags change: each review moves to the flag of its type that
    # overlaps it most (one review per flag), and a review left without a flag is kept, marked and reported.
    result = run_cli("runs", "reanalyze", "1", "--framework", "deep-dive", "--store", store)
    assert result.exit_code == 0
    after = document(store)
    new_flags = {f["id"]: f for f in after["flags"]}
    state = review_state(store)
    assert len(state.reviews) == len(before["flags"])
    matched = [r for r in state.reviews if r.matched]
    assert len({r.flag_id for r in matched}) == len(matched)
    old_spans = {f["id"]: f for f in before["flags"]}
    for r in matched:
        flag, old = new_flags[r.flag_id], old_spans[original[r.id][0]]
        assert flag["type"] == r.flag_type == old["type"]
        assert span_overlap((old["start"], old["end"]), (flag["start"], flag["end"])) is not None
        assert (r.start, r.end) == (flag["start"], flag["end"])
    for r in state.unmatched:  # nothing of its type overlapping was left free for it
        old = old_spans[r.last_flag_id]
        free = [f for f in after["flags"] if f["type"] == r.flag_type and f["id"] not in {m.flag_id for m in matched}
                and span_overlap((old["start"], old["end"]), (f["start"], f["end"])) is not None]
        assert free == [] and r.unmatched_at and r.comment == original[r.id][1]
        assert f"was {r.last_flag_id} {r.flag_type}" in result.output
    assert "monotone" not in {r.flag_type for r in state.unmatched}  # delivery flags do not depend on the framework

    # Back to the run's own framework: every review is on its original flag again.
    assert run_cli("runs", "reanalyze", "1", "--framework", "case-study", "--store", store).exit_code == 0
    assert {r.id: (r.flag_id, r.comment) for r in review_state(store).reviews} == original
    assert review_state(store).unmatched == []


@pytest.mark.slow
def test_a_review_whose_flag_disappears_is_kept_and_shown(store):
    doc, first = document(store), flags_in_time_order(document(store))[0]
    assert cli(store, "review", "1", "--flag", first["id"], "--agree", "--comment", "Too long an opening.").exit_code == 0
    with open_store(store) as db:
        transcript = db.transcript(1)
        less = {**doc, "flags": [f for f in doc["flags"] if f["id"] != first["id"]]}
        db.replace_document(1, read_document(less), transcript)
        state = run_review(db, 1)
    assert [r.flag_id for r in state.reviews] == [None]
    assert state.reviews[0].last_flag_id == first["id"] and state.reviews[0].comment == "Too long an opening."
    listing = cli(store, "review", "1", "--list").output
    assert "1 review(s) no longer match a flag" in listing and f"was {first['id']} {first['type']}" in listing
    report = run_cli("report", "1", "--store", store, "--format", "md", "-o", store.parent / "r.md")
    assert report.exit_code == 0
    assert "Too long an opening." in (store.parent / "r.md").read_text()
    stats = run_cli("review-stats", "--store", store).output
    assert re.search(rf"^{first['type']}\s+\d+\s+1\s+1\s+0\s+100 %", stats, re.M)
    with open_store(store) as db:  # the flag comes back: so does the review
        db.replace_document(1, read_document(doc), transcript)
    assert review_state(store).reviews[0].flag_id == first["id"]


@pytest.mark.slow
def test_recording_the_same_audio_again_keeps_the_review(store, tmp_path):
    flag = flags_in_time_order(document(store))[-1]
    assert cli(store, "review", "1", "--flag", flag["id"], "--dismiss", "--comment", "Fine here.").exit_code == 0
    assert cli(store, "review", "1", "--note", "Breathe.", "--at", "0:10").exit_code == 0
    result = run_cli("analyze", SAMPLES / "structured_churn.flac", "--talk", "churn", "--store", store,
                     "-o", tmp_path / "again", "--quiet")
    assert "Updated run 1" in result.output and "no longer match" not in result.output
    state = review_state(store)
    assert [(r.flag_id, r.decision, r.comment) for r in state.reviews] == [(flag["id"], "dismiss", "Fine here.")]
    assert [n.text for n in state.notes] == ["Breathe."]


@pytest.mark.slow
def test_deleting_a_run_deletes_its_review(store):
    assert cli(store, "review", "2", "--flag", "f-001", "--agree").exit_code == 0
    assert cli(store, "review", "2", "--note", "x", "--at", "1").exit_code == 0
    assert run_cli("runs", "rm", "2", "--store", store).exit_code == 0
    with sqlite3.connect(store) as conn:
        assert conn.execute("SELECT COUNT(*) FROM flag_reviews").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM coach_notes").fetchone()[0] == 0


@pytest.mark.slow
def test_a_version_1_store_gains_the_review_tables(store, tmp_path, monkeypatch):
    import speechcase.rehearsals.store as store_module

    old = tmp_path / "v1.sqlite3"
    with open_store(store) as src:
        doc, transcript = src.document(1), src.transcript(1)
    monkeypatch.setattr(store_module, "MIGRATIONS", store_module.MIGRATIONS[:1])
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", 1)
    with open_store(old) as db, db.transaction() as conn:
        db.import_run(conn, "churn", "me", "u-1", "2026-01-01T00:00:00+00:00", doc, transcript)
    monkeypatch.undo()
    assert cli(old, "review", "1", "--flag", "f-001", "--agree").exit_code == 0
    with sqlite3.connect(old) as conn:  # migrated to the current schema, the review tables included
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
        assert conn.execute("SELECT decision FROM flag_reviews").fetchall() == [("agree",)]


# -- precision feedback -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_review_stats_per_flag_type_and_per_talk(store):
    churn, ramble = document(store, 1)["flags"], document(store, 2)["flags"]
    shared = sorted({f["type"] for f in churn} & {f["type"] for f in ramble})
    assert shared, "both samples should share a flag type"
    kind = shared[0]
    decisions = {}
    for run_id, flags in ((1, churn), (2, ramble)):
        for k, flag in enumerate(f for f in flags if f["type"] == kind):
            decision = "--agree" if (run_id + k) % 2 else "--dismiss"
            decisions[(run_id, flag["id"])] = decision
            assert cli(store, "review", str(run_id), "--flag", flag["id"], decision).exit_code == 0
    agreed = sum(d == "--agree" for d in decisions.values())
    total = sum(f["type"] == kind for f in churn + ramble)
    result = run_cli("review-stats", "--store", store)
    assert result.output.splitlines()[0].split() == ["flag", "type", "flags", "reviewed", "agreed", "dismissed",
                                                     "agree", "share"]
    row = next(line.split() for line in result.output.splitlines() if line.startswith(kind + " "))
    share = f"{agreed / len(decisions) * 100:.0f}"
    assert row == [kind, str(total), str(len(decisions)), str(agreed), str(len(decisions) - agreed), share, "%"]

    per_talk = run_cli("review-stats", "--by-talk", "--store", store).output
    for talk, run_id, flags in (("churn", 1, churn), ("ramble", 2, ramble)):
        mine = {k: v for k, v in decisions.items() if k[0] == run_id}
        line = next(line.split() for line in per_talk.splitlines() if line.startswith(f"{talk} ") and kind in line)
        assert line[:6] == [talk, kind, str(sum(f["type"] == kind for f in flags)), str(len(mine)),
                            str(sum(v == "--agree" for v in mine.values())),
                            str(sum(v == "--dismiss" for v in mine.values()))]
    only = run_cli("review-stats", "--talk", "ramble", "--store", store).output
    assert str(sum(v == "--agree" for k, v in decisions.items() if k[0] == 2)) in only.splitlines()[1].split()
    assert run_cli("review-stats", "--talk", "nope", "--store", store).exit_code == 25


# -- the candidate's report ---------------------------------------------------------------------------------

@pytest.fixture
def reviewed(store):
    """Run 1 reviewed: first flag agreed with a hostile comment, second dismissed with a comment, a free note."""
    flags = flags_in_time_order(document(store))
    assert cli(store, "review", "1", "--flag", flags[0]["id"], "--agree", "--comment", HOSTILE).exit_code == 0
    assert cli(store, "review", "1", "--flag", flags[1]["id"], "--dismiss", "--comment", "Ignore this one.",
               reviewer="ben").exit_code == 0
    assert cli(store, "review", "1", "--note", "Lovely <b>energy</b> here.", "--at", "1:10-1:12").exit_code == 0
    return store, flags


@pytest.mark.slow
def test_html_report_puts_the_coach_first_hides_dismissed_flags_and_escapes_everything(reviewed, tmp_path):
    store, flags = reviewed
    result = run_cli("report", "1", "--store", store, "-o", tmp_path / "report.html")
    assert result.exit_code == 0, result.stderr
    assert "1 dismissed by the coach left out" in result.output
    page = (tmp_path / "report.html").read_text()
    assert "<script" not in page and "<img" not in page and "<b>energy" not in page and "onerror=\"" not in page
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page and "Lovely &lt;b&gt;energy&lt;/b&gt; here." in page
    assert page.index('id="coach"') < page.index('id="flags"') < page.index('id="numbers"')
    assert f'data-flag="{flags[0]["id"]}"' in page and f'data-flag="{flags[1]["id"]}"' not in page
    assert "Ignore this one." not in page  # a dismissed flag's comment is for the coach only
    for flag in flags[2:]:
        assert f'data-flag="{flag["id"]}"' in page
    assert "reviewed by anna, ben" in page


@pytest.mark.slow
def test_markdown_report(reviewed, tmp_path):
    store, flags = reviewed
    assert run_cli("report", "1", "--store", store, "-o", tmp_path / "r.md").exit_code == 0  # md from the suffix
    text = (tmp_path / "r.md").read_text()
    assert text.startswith("# Feedback on your talk: churn\n")
    coach, rest = text.split("## Moments to work on")
    assert "Lovely &lt;b&gt;energy&lt;/b&gt; here." in coach and "&lt;script&gt;" in coach
    assert "\\*not bold\\* \\[x\\](y)" in coach and "<" not in text
    assert coach.index("Lovely") > coach.index("&lt;script")  # time order: the first flag starts before 1:10
    first = rest.split("\n2. ")[0]
    assert flags[0]["message"].split(" (")[0] in first and "(coach agrees)" in first and "**Coach:**" in first
    assert flags[1]["message"] not in text and "Ignore this one." not in text
    assert "| Pace | " in text


@pytest.mark.slow
def test_browser_shows_the_coach_comment_next_to_its_flag(reviewed, tmp_path, browser_page):
    store, flags = reviewed
    assert run_cli("report", "1", "--store", store, "-o", tmp_path / "report.html").exit_code == 0
    page, problems = browser_page(tmp_path / "report.html")
    item = page.locator(f'li.flag[data-flag="{flags[0]["id"]}"]')
    comment = item.locator(".coach-comment")
    assert comment.count() == 1 and comment.is_visible()
    assert comment.inner_text().endswith(HOSTILE)
    flag_box, comment_box = item.bounding_box(), comment.bounding_box()
    assert flag_box["y"] <= comment_box["y"] and comment_box["y"] + comment_box["height"] <= \
        flag_box["y"] + flag_box["height"]
    assert page.evaluate("window.pwned") is None
    # The coach section comes first on the page and holds the same comment.
    coach = page.locator("#coach .coach-comment")
    assert HOSTILE in coach.all_inner_texts()
    assert page.locator("#coach").bounding_box()["y"] < page.locator("#flags").bounding_box()["y"]
    assert page.locator(f'li.flag[data-flag="{flags[1]["id"]}"]').count() == 0
    assert problems == []


# -- small pieces -------------------------------------------------------------------------------------------

def test_time_spans_and_overlap():
    assert [parse_time(t) for t in ("83", "83.5", "1:23", "1:02:03")] == [83, 83.5, 83, 3723]
    for bad in ("", "1:60", "a", "1.5:00", "1::2"):
        with pytest.raises(ValueError):
            parse_time(bad)
    assert parse_span("1:00-2:00", 100) == (60, 100)  # clipped to the recording
    assert span_overlap((0, 10), (5, 20)) == pytest.approx(0.25)
    assert span_overlap((0, 10), (10, 20)) is None  # neighbours do not overlap
    assert span_overlap((5, 5), (0, 10)) == 0.0 and span_overlap((5, 5), (5, 5)) == 1.0
    assert span_overlap((11, 11), (0, 10)) is None


# -- the dashboard with the review --------------------------------------------------------------------------

@pytest.mark.slow
def test_dashboard_shows_the_review(reviewed, tmp_path, browser_page):
    store, flags = reviewed
    result = run_cli("dashboard", "--run", "1", "--store", store, "-o", tmp_path / "dash.html")
    assert result.exit_code == 0, result.stderr
    html_text = (tmp_path / "dash.html").read_text()
    assert "window.pwned = 1</script>" not in html_text and "onerror=\"window" not in html_text
    page, problems = browser_page(tmp_path / "dash.html")
    agreed = page.locator(f'li.flag[data-flag-id="{flags[0]["id"]}"]')
    dismissed = page.locator(f'li.flag[data-flag-id="{flags[1]["id"]}"]')
    untouched = page.locator(f'li.flag[data-flag-id="{flags[2]["id"]}"]')
    assert "review-agree" in agreed.get_attribute("class") and "coach agrees (anna)" in agreed.inner_text()
    assert agreed.locator(".coach-comment").inner_text().endswith(HOSTILE)
    assert "review-dismiss" in dismissed.get_attribute("class")
    assert "dismissed by the coach (ben)" in dismissed.inner_text()
    assert dismissed.evaluate("el => getComputedStyle(el).filter") == "grayscale(1)"
    assert float(dismissed.evaluate("el => getComputedStyle(el).opacity")) < 1
    assert untouched.locator(".review-badge").count() == 0 and untouched.evaluate(
        "el => getComputedStyle(el).filter") == "none"
    assert page.locator(".coach-notes .coach-comment").inner_text() == "Lovely <b>energy</b> here."
    # On the timeline: a Coach lane with the note and the comment on the agreed flag (not the dismissed one's).
    coach = page.evaluate("""() => document.getElementById('timeline').data
        .filter(t => t.name === 'Coach comment').map(t => t.hovertext)""")
    assert len(coach) == 1 and len(coach[0]) == 2
    assert any("&lt;script&gt;" in text for text in coach[0]) and not any("Ignore" in text for text in coach[0])
    assert page.evaluate("window.pwned") is None
    # A click on the note's time plays from there.
    page.locator(".coach-notes .ts").click()
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 70) < 1.5")
    assert problems == []


@pytest.mark.slow
def test_dashboard_needs_a_document_or_a_run(store, tmp_path):
    assert run_cli("dashboard", "--store", store).exit_code == 2
    assert run_cli("dashboard", "--run", "9", "--store", store, "-o", tmp_path / "d.html").exit_code == 24
    assert not (tmp_path / "d.html").exists()
