"""The ``speechcase`` program as a user starts it: a process of its own, its exit code, its output and files.

``analyze`` and ``transcribe`` end the process without Python's teardown once they are done
(``interfaces/cli/app.py``, ``skip_teardown``); these tests check that nothing a user relies on is lost that
way, and that the other commands still end the usual way.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import DATA, ROOT

from speechcase.rehearsals.store import open_store

#: Runs the program with an exit handler that leaves a file behind: it runs only if Python tears down as usual.
WITH_EXIT_HANDLER = """
import atexit, pathlib, sys
marker = pathlib.Path(sys.argv[1])
atexit.register(marker.write_text, "torn down")
sys.argv = ["speechcase", *sys.argv[2:]]
from speechcase.interfaces.cli.main import run
run()
"""


def _program(tmp_path, *args):
    env = dict(os.environ, SPEECHCASE_CACHE_DIR=str(tmp_path / "cache"))
    marker = tmp_path / "teardown-ran"
    marker.unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-c", WITH_EXIT_HANDLER, marker, *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=300)
    return done, marker.exists()


def test_analyze_ends_without_teardown_and_loses_nothing(tmp_path):
    store, out = tmp_path / "history.sqlite3", tmp_path / "out"
    done, torn_down = _program(tmp_path, "analyze", DATA / "transcript_sample.json", "-o", out, "--store", store,
                               "--talk", "churn", "--quiet")
    assert done.returncode == 0, done.stderr
    assert not torn_down
    assert done.stdout.rstrip().endswith("(1 run; `speechcase history churn`).")  # the last line reached the pipe
    document = json.loads((out / "analysis.json").read_text())
    assert json.loads((out / "transcript.json").read_text())["words"]
    assert (out / "dashboard.html").read_text().rstrip().endswith("</html>")
    with open_store(store) as db:  # the run is committed and readable by the next process
        (run,) = db.runs(db.find_talk("churn", "me"))
        assert db.document(run.id).raw["summary"] == document["summary"]


def test_a_refused_input_keeps_its_exit_code_and_message(tmp_path):
    done, torn_down = _program(tmp_path, "analyze", DATA / "empty.wav", "-o", tmp_path / "out")
    assert (done.returncode, torn_down) == (5, False)
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "is empty (0 bytes)" in line
    assert not (tmp_path / "out").exists()


def test_other_commands_end_the_usual_way(tmp_path):
    done, torn_down = _program(tmp_path, "history", "--store", tmp_path / "history.sqlite3")
    assert done.returncode == 0, done.stderr
    assert torn_down
