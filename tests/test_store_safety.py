"""The store under stress: a writer killed with SIGKILL mid-transaction, and concurrent writers and analyses."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import ROOT, SAMPLES, load_json

from speechcase.core.document import read_document
from speechcase.core.types import Transcript
from speechcase.rehearsals.store import open_store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@contextlib.contextmanager
def killed_afterwards(child: subprocess.Popen):
    """Run the block, then SIGKILL ``child`` as a crash would; it is reaped even if the block fails."""
    try:
        yield
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL


ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Runs in a child process: record (or replace) a run, pausing inside the transaction so the test can kill it there.
KILLED_INSIDE = """
import json, sys, time
from speechcase.core.document import read_document
from speechcase.core.types import Transcript
from speechcase.rehearsals import store as s
path, document, transcript, mode = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])), sys.argv[4]
transcript = Transcript.from_dict(transcript)
write_derived = s.Store._write_derived
def pause_inside(db, run_id, doc):
    write_derived(db, run_id, doc)   # the run row and its section rows are written, not committed
    print("inside", flush=True)
    time.sleep(120)
s.Store._write_derived = staticmethod(pause_inside)
with s.open_store(path) as store:
    if mode == "new":
        document["source"]["sha256"] = "f" * 64
        store.record_run(read_document(document), transcript, "churn-case")
    else:
        store.replace_document(1, read_document(document), transcript)
"""

# Runs in a child process: record runs one after another as fast as it can, printing each committed id.
KEEPS_WRITING = """
import json, sys
from speechcase.core.document import read_document
from speechcase.core.types import Transcript
from speechcase.rehearsals.store import open_store
path, document, transcript, tag, count = (sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3])),
                                          sys.argv[4], int(sys.argv[5]))
transcript = Transcript.from_dict(transcript)
for i in range(count):
    document["source"]["sha256"] = f"{tag}{i:08x}".rjust(64, "0")
    with open_store(path) as store:
        run_id, _ = store.record_run(read_document(document), transcript, "stress")
    print(run_id, flush=True)
"""


@pytest.fixture
def stored(analysed, tmp_path):
    """A store with two real runs, and the files of a third document to write."""
    from conftest import run_cli

    store = tmp_path / "history.sqlite3"
    for name in ("structured_churn", "rambling_delivery"):
        result = run_cli("analyze", analysed(name) / "transcript.json", "--talk", "churn-case", "--store", store,
                         "-o", tmp_path / name, "--quiet")
        assert result.exit_code == 0, result.stderr
    third = analysed("short_deep_dive")
    with open_store(store) as db:
        before = {run.id: db.document(run.id).raw for run in db.runs()}
    return store, before, third / "analysis.json", third / "transcript.json"


def check_intact(store, before):
    """The file passes SQLite's integrity check, the earlier runs are untouched, and every run is complete."""
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    with open_store(store) as db:
        runs = db.runs()
        for run_id, document in before.items():
            assert db.document(run_id).raw == document
        for run in runs:
            doc = db.document(run.id).raw
            assert len(run.sections) == len(doc["balance"])
            assert sum(run.flag_types.values()) == len(doc["flags"])
            assert run.metrics["wpm"] == doc["summary"]["wpm"]
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["new", "replace"])
def test_a_writer_killed_mid_transaction_leaves_the_store_intact(mode, stored):
    store, before, document, transcript = stored
    child = subprocess.Popen([sys.executable, "-c", KILLED_INSIDE, store, document, transcript, mode],
                             stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    with killed_afterwards(child):
        assert child.stdout.readline().strip() == "inside"
    runs = check_intact(store, before)
    assert [r.id for r in runs] == [1, 2]  # no partial third run; run 1 still has its own document
    with open_store(store) as db:  # and the store takes the next write normally
        doc = load_json(document)
        run_id, replaced = db.record_run(read_document(doc), Transcript.from_dict(load_json(transcript)), "churn-case")
        assert (run_id, replaced) == (3, False)


@pytest.mark.slow
def test_a_writer_killed_at_a_random_moment(stored):
    store, before, document, transcript = stored
    child = subprocess.Popen([sys.executable, "-c", KEEPS_WRITING, store, document, transcript, "a", "100000"],
                             stdout=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    with killed_afterwards(child):
        committed = [child.stdout.readline() for _ in range(5)]
        time.sleep(0.137)
    runs = check_intact(store, before)
    stress = [r for r in runs if r.talk == "stress"]
    assert len(stress) >= len(committed) == 5


@pytest.mark.slow
def test_concurrent_writers_all_land(stored, tmp_path):
    """Four processes write 15 runs each into a store none of them has created yet."""
    _, _, document, transcript = stored
    store = tmp_path / "fresh" / "history.sqlite3"
    children = [subprocess.Popen([sys.executable, "-c", KEEPS_WRITING, store, document, transcript, tag, "15"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
                for tag in "abcd"]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in outputs]
    ids = [int(line) for out, _ in outputs for line in out.split()]
    assert sorted(ids) == list(range(1, 61))
    runs = check_intact(store, {})
    assert len(runs) == 60 and len({r.audio_sha256 for r in runs}) == 60


@pytest.mark.slow
def test_two_concurrent_analyze_processes_both_land(analysed, tmp_path):
    for name in ("structured_churn", "rambling_delivery"):
        analysed(name)  # transcripts in the session cache, so both runs reach the store at about the same time
    store = tmp_path / "history.sqlite3"
    children = [subprocess.Popen([sys.executable, "-m", "speechcase.interfaces.cli.main", "analyze", SAMPLES / f"{name}.flac",
                                  "--talk", "together", "--store", store, "-o", tmp_path / name, "--quiet"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
                for name in ("structured_churn", "rambling_delivery")]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    assert all("Recorded run" in out for out, _ in outputs)
    runs = check_intact(store, {})
    assert sorted(r.source_path for r in runs) == sorted(str(SAMPLES / f"{n}.flac")
                                                         for n in ("structured_churn", "rambling_delivery"))
    for run in runs:
        name = os.path.basename(run.source_path)[:-5]
        with open_store(store) as db:
            assert db.document(run.id).raw["summary"] == json.loads((tmp_path / name / "analysis.json").read_text())[
                "summary"]


def test_processes_creating_the_same_store_at_once_all_succeed(tmp_path):
    """Several analyses started together on a machine with no store yet: each must open it, none may call it
    foreign or locked (two races seen: the switch to WAL, and reading the identity while another creates it)."""
    opener = "import sys; from pathlib import Path; from speechcase.rehearsals.store import open_store; " \
             "open_store(Path(sys.argv[1])).close()"
    for round_ in range(5):
        store = tmp_path / f"round{round_}" / "history.sqlite3"
        children = [subprocess.Popen([sys.executable, "-c", opener, store], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT) for _ in range(6)]
        outputs = [child.communicate(timeout=120) for child in children]
        assert [child.returncode for child in children] == [0] * 6, [err for _, err in outputs]
