"""What the store keeps of a coach's batches (store schema 6): the states a batch goes through (queued, running,
cancelled, run again, a driver that dies), and the rule of whose talks a coach's batch may add takes to. No
Whisper: runs are recorded from a saved transcript. The web app's batches over HTTP: tests/test_web_batches.py.
"""
from __future__ import annotations

import pytest
from conftest import DATA

from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.rehearsals.accounts import add_user, find_user
from speechcase.rehearsals.batches import (
    NewItem,
    batch_items,
    cancel_batch,
    claim_next_batch,
    create_batch,
    finish_batch,
    record_item,
    report_batch_progress,
    requeue_interrupted_batches,
    rerun_batch,
)
from speechcase.rehearsals.sharing import coach_may_add, revoke_share, share_talk
from speechcase.rehearsals.store import open_store
from speechcase.service import analyze_input, record_take


def test_batch_states_cancel_rerun_and_an_interrupted_driver(tmp_path):
    with open_store(tmp_path / "s.sqlite3") as store:
        coach = add_user(store, "c", "coach", "a long password")
        items = [NewItem(f"m.csv row {k + 2}", f"/x/{k}.wav", f"{k}.wav", "ann", "pitch", "case-study") for k in range(3)]
        batch = create_batch(store, coach.id, "/x", "m.csv", "case-study", items)
        assert batch.state == "queued" and [i.status for i in batch_items(store, batch.id)] == ["waiting"] * 3
        claimed = claim_next_batch(store, "d1")
        assert claimed is not None and claimed.state == "running" and claim_next_batch(store, "d2") is None
        record_item(store, batch.id, 0, "recorded", duration=60.0)
        assert report_batch_progress(store, batch.id, "d1", {1: ("transcribing", 0.4), 0: ("analysing", 0.9)}) == \
            "running"
        assert [(i.status, i.stage) for i in batch_items(store, batch.id)] == [
            ("recorded", ""), ("analysing", "transcribing"), ("waiting", "")]  # a settled item stays settled
        assert report_batch_progress(store, batch.id, "someone else", {}) is None
        # the coach cancels: the driver learns it at its next heartbeat; what was recorded stays recorded
        assert cancel_batch(store, batch.id).state == "cancelled"
        assert report_batch_progress(store, batch.id, "d1", {}) == "cancelled"
        assert finish_batch(store, batch.id, "d1", "queued")
        assert [i.status for i in batch_items(store, batch.id)] == ["recorded", "cancelled", "cancelled"]
        # run again: the rest goes back to waiting
        assert rerun_batch(store, batch.id).state == "queued"
        assert [i.status for i in batch_items(store, batch.id)] == ["recorded", "waiting", "waiting"]
        # a server stopped mid-batch: the driver puts it back in the queue; it is not a failure
        assert claim_next_batch(store, "d1") is not None and finish_batch(store, batch.id, "d1", "queued")
        # a driver that dies mid-batch: queued again at the next start, given up after three tries
        for attempt in range(3):
            assert claim_next_batch(store, f"d{attempt}") is not None
            report_batch_progress(store, batch.id, f"d{attempt}", {1: ("transcribing", 0.1)})
            again = requeue_interrupted_batches(store)
        assert again[0].state == "failed" and "stopped 3 times" in (again[0].error or "")
        assert [i.status for i in batch_items(store, batch.id)] == ["recorded", "failed", "failed"]
        # a coach's account removed takes their batches with it
        store.conn.execute("DELETE FROM users WHERE id = ?", (coach.id,))
        assert batch_items(store, batch.id) == []


@pytest.fixture
def shared(tmp_path):
    """ann's talks 'pitch' (shared with the coach carl) and 'diary' (shared with nobody); dora, another coach."""
    store = open_store(tmp_path / "s.sqlite3")
    for name, role in (("ann", "candidate"), ("carl", "coach"), ("dora", "coach"), ("root", "admin")):
        add_user(store, name, role, "a long password")
    analysis, document = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions())
    for talk in ("pitch", "diary"):
        record_take(store, document, analysis.transcript, talk, "ann")
    share_talk(store, find_user(store, "ann"), store.find_talk("pitch", "ann"), "carl")
    yield store
    store.close()


def test_a_coach_may_add_only_to_talks_shared_with_them(shared):
    carl, dora, ann, root = (find_user(shared, n) for n in ("carl", "dora", "ann", "root"))
    assert coach_may_add(shared, carl, "ann", "pitch")
    assert not coach_may_add(shared, carl, "ann", "diary")  # ann's, not shared
    assert not coach_may_add(shared, carl, "ann", "a new talk")  # a batch creates no talk in ann's account
    assert not coach_may_add(shared, carl, "mallory", "pitch")  # no such account
    assert not coach_may_add(shared, dora, "ann", "pitch")  # shared with carl, not dora
    assert not coach_may_add(shared, ann, "ann", "pitch") and not coach_may_add(shared, root, "ann", "pitch")
    record_take(shared, shared.document(1), shared.transcript(1), "pitch", "cli-only")  # a speaker with no account
    share_talk(shared, find_user(shared, "ann"), shared.find_talk("pitch", "ann"), "carl")
    assert not coach_may_add(shared, carl, "cli-only", "pitch")
    revoke_share(shared, shared.find_talk("pitch", "ann"), "carl")
    assert not coach_may_add(shared, carl, "ann", "pitch")  # a revoked share ends it at once
