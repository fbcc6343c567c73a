"""``speechcase batch`` on Dask: a LocalCluster of 2 workers on the samples and a broken file, the rerun that
skips everything, a worker SIGKILLed mid-task, a scheduler address, and every refusal as one line.

The batch runs as a coach runs it, ``python -m speechcase batch`` in its own process (its workers are that
process's children); the worker-kill test drives the same code through the Python API so it can see which
worker holds a task when it kills it.
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import DATA, SAMPLES, run_cli

from speechcase.analysis.pipeline import AnalyzeOptions, analysis_key, settings_digest
from speechcase.analysis.transcribe import DecodeOptions
from speechcase.core.memory import ENVIRONMENT
from speechcase.interfaces.batch.cluster import open_client, whisper_threads
from speechcase.interfaces.batch.manifest import read_manifest
from speechcase.rehearsals.store import open_store

BROKEN = "truncated.flac"  # the first 2 KB of a FLAC file


def batch(*args, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``speechcase batch ARGS`` in its own process; fails the test if a traceback reached the user."""
    result = subprocess.run([sys.executable, "-m", "speechcase", "batch", *map(str, args)], capture_output=True,
                            text=True, timeout=timeout, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def write_manifest(folder: Path) -> Path:
    """alice's two takes of one talk (rambling first), bob's deep dive, and carol's broken recording."""
    shutil.copy(DATA / BROKEN, folder / "carol take 1.flac")
    manifest = folder / "cohort.csv"
    manifest.write_text("path,speaker,talk,framework\n"
                        f"{SAMPLES / 'rambling_delivery.flac'},alice,churn,\n"
                        f"{SAMPLES / 'structured_churn.flac'},alice,churn,\n"
                        f"{SAMPLES / 'short_deep_dive.flac'},bob,ticket routing,deep-dive\n"
                        "carol take 1.flac,carol,churn,\n")
    return manifest


def stored_runs(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT r.id, s.name, t.name, r.source_path, r.audio_sha256, r.analysed_at, "
                          "r.analysis_key FROM runs r JOIN talks t ON t.id = r.talk_id "
                          "JOIN speakers s ON s.id = t.speaker_id ORDER BY r.id").fetchall()


def result_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open()))


# -- fast: what is decided before any worker runs -----------------------------------------------------------

def test_manifest_columns_paths_and_defaults(tmp_path):
    (tmp_path / "talks").mkdir()
    (tmp_path / "mine.toml").write_text("")
    manifest = tmp_path / "cohort.csv"
    manifest.write_text("\ufeffPath;Speaker;talk;framework;notes\n"
                        "talks/a.m4a;ann;;;first try\n\n"
                        "/abs/b.wav;;pitch;mine.toml;\n"
                        '"say ""hi"";.wav";ann;"a; b";;\n', encoding="utf-8")
    read = read_manifest(manifest, speaker="me", framework="case-study")
    a, b, quoted = read.items
    assert (quoted.path.name, quoted.talk) == ('say "hi";.wav', "a; b")  # quoted as a spreadsheet writes it
    assert (a.path, a.speaker, a.talk, a.framework) == (tmp_path / "talks" / "a.m4a", "ann", "a", "case-study")
    assert (b.path, b.speaker, b.talk, b.framework) == (Path("/abs/b.wav"), "me", "pitch", str(tmp_path / "mine.toml"))
    assert a.origin == "cohort.csv row 2" and b.origin == "cohort.csv row 4"
    assert read.ignored_columns == ["notes"]


@pytest.mark.parametrize("content, words", [
    ("file,speaker\nx.wav,ann\n", "has no 'path' column"),
    ("path,speaker\nx.wav,ann\n,bob\n", "Row 3 of the manifest cohort.csv has no path"),
    ("path,speaker\n", "lists no recordings"),
    ("", "is empty"),
])
def test_bad_manifest_is_one_line(tmp_path, content, words):
    (tmp_path / "cohort.csv").write_text(content)
    result = run_cli("batch", "--manifest", tmp_path / "cohort.csv", "--store", tmp_path / "s.sqlite3")
    assert result.exit_code == 40 and words in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "s.sqlite3").exists() or stored_runs(tmp_path / "s.sqlite3") == []


def test_usage_errors(tmp_path):
    assert run_cli("batch").exit_code == 2
    (tmp_path / "m.csv").write_text("path\nx.wav\n")
    assert run_cli("batch", DATA / "speech_12s.ogg", "--manifest", tmp_path / "m.csv").exit_code == 2
    result = run_cli("batch", DATA / "speech_12s.ogg", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "dask worker" in result.stderr
    (tmp_path / "no recordings").mkdir()
    assert run_cli("batch", tmp_path / "no recordings").exit_code == 2


def test_unknown_framework_in_one_row_refuses_the_batch_before_any_work(tmp_path):
    (tmp_path / "m.csv").write_text(f"path,framework\n{DATA / 'speech_12s.ogg'},\n{DATA / 'speech_12s.mp3'},nope\n")
    result = run_cli("batch", "--manifest", tmp_path / "m.csv", "--store", tmp_path / "s.sqlite3")
    assert result.exit_code == 13 and result.stderr.startswith("Error: m.csv row 3: Unknown framework 'nope'")


def test_unreadable_files_fail_on_the_driver_and_the_batch_goes_on(tmp_path):
    """Missing and empty files are settled before any worker starts; with nothing else to do, none starts."""
    (tmp_path / "m.csv").write_text(f"path,speaker\nmissing.wav,ann\n{DATA / 'empty.wav'},bob\n")
    result = batch("--manifest", tmp_path / "m.csv", "--store", tmp_path / "s.sqlite3", "--results",
                   tmp_path / "r.csv", timeout=60)
    assert result.returncode == 42, result.stderr
    assert "Starting workers" not in result.stderr
    assert "missing.wav does not exist" in result.stdout and "empty.wav is empty (0 bytes)" in result.stdout
    assert result.stderr.strip().endswith("2 recordings of 2 failed (listed above); fix or remove them and run the "
                                          "same command again: what is stored is skipped.")
    assert [(r["status"], r["exit_code"]) for r in result_rows(tmp_path / "r.csv")] == [("failed", "3"),
                                                                                          ("failed", "5")]


def test_a_recording_listed_twice_for_one_talk_is_analysed_once(tmp_path):
    from speechcase.interfaces.batch.manifest import BatchItem
    from speechcase.interfaces.batch.plan import make_plan

    shutil.copy(DATA / "speech_12s.ogg", tmp_path / "copy.ogg")
    items = [BatchItem(DATA / "speech_12s.ogg", "ann", "t", "case-study", "row 2"),
             BatchItem(tmp_path / "copy.ogg", "ann", "t", "case-study", "row 3"),  # same content, same talk
             BatchItem(DATA / "speech_12s.ogg", "bob", "t", "case-study", "row 4")]  # another speaker's run
    with open_store(tmp_path / "s.sqlite3") as store:
        plan = make_plan(items, AnalyzeOptions(cache_dir=tmp_path), store)
    assert [t.index for t in plan.tasks] == [0, 2] and plan.tasks[0].key == plan.tasks[1].key
    ((index, skipped),) = plan.settled
    assert index == 1 and skipped.status == "skipped" and skipped.note == "the same recording as row 2"


def test_unreachable_scheduler_is_one_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    result = batch(DATA / "speech_12s.ogg", "--scheduler", f"tcp://127.0.0.1:{port}", "--store",
                   tmp_path / "s.sqlite3", env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"}, timeout=60)
    assert result.returncode == 41
    assert result.stderr.splitlines()[-1].startswith(f"Error: Cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")


def test_device_cuda_without_a_gpu_is_one_line(tmp_path):
    import ctranslate2

    if ctranslate2.get_cuda_device_count():
        pytest.skip("this machine has a GPU (test_gpu_batch runs there)")
    result = run_cli("analyze", DATA / "speech_12s.ogg", "--device", "cuda", "--no-store", "--no-cache",
                     "-o", tmp_path / "out", "--quiet")
    assert result.exit_code == 11 and "--device cuda needs an NVIDIA GPU" in result.stderr
    result = batch(DATA / "speech_12s.ogg", "--device", "cuda", "--store", tmp_path / "s.sqlite3", timeout=120)
    assert result.returncode == 11 and "run with --device cpu" in result.stderr.splitlines()[-1]


def test_analysis_key_is_the_recording_and_the_settings_that_change_it(tmp_path):
    base = AnalyzeOptions()
    key = analysis_key("a" * 64, base)
    assert key == analysis_key("a" * 64, AnalyzeOptions(threads=3, cache_dir=tmp_path, max_duration=60))
    assert key != analysis_key("b" * 64, base)
    framework = tmp_path / "fw.toml"
    framework.write_text('id = "mine"\n[[sections]]\nid = "a"\ntarget_share = [0.1, 0.5]\npurpose = "A."\n'
                         '[[sections]]\nid = "b"\ntarget_share = [0.1, 0.5]\npurpose = "B."\n')
    others = [AnalyzeOptions(framework="deep-dive"), AnalyzeOptions(framework=str(framework)),
              AnalyzeOptions(compute_type="float32"), AnalyzeOptions(decode=DecodeOptions(beam_size=1)),
              AnalyzeOptions(device="cuda", compute_type="int8")]
    assert len({key, *(analysis_key("a" * 64, o) for o in others)}) == 1 + len(others)
    before = settings_digest(AnalyzeOptions(framework=str(framework)))
    framework.write_text(framework.read_text().replace("0.5]", "0.6]"))  # the same file name, edited
    assert settings_digest(AnalyzeOptions(framework=str(framework))) != before


def test_store_keeps_the_key_and_a_reanalysis_clears_it(tmp_path):
    store = tmp_path / "s.sqlite3"
    assert run_cli("analyze", DATA / "transcript_sample.json", "--store", store, "-o", tmp_path / "o",
                   "--quiet").exit_code == 0
    with open_store(store) as db:
        assert db.analysed_runs(["k1"]) == {}  # a transcript's analysis has no known settings
        document, transcript = db.document(1), db.transcript(1)
        assert db.record_run(document, transcript, "talk", "ann", "k1") == (2, False)
        assert db.analysed_runs(["k1", "k2"]) == {("ann", "talk", "k1"): 2}
        db.replace_document(2, document, transcript)
        assert db.analysed_runs(["k1"]) == {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_local_workers_start_with_the_allocator_set_up_for_whisper_not_dasks():
    """Dask's nanny gives workers MALLOC_TRIM_THRESHOLD_=65536, which doubles Whisper's time; glibc reads these
    variables only when a process starts, so the nanny must spawn ours with speechcase's (core/memory.py)."""
    with open_client(None, 1) as client:
        seen = client.run(lambda: {k: os.environ.get(k) for k in ENVIRONMENT})
    assert list(seen.values()) == [ENVIRONMENT]


def test_whisper_threads_share_each_machines_cores():
    identities = {"tcp://a:1": {"host": "a", "cores": 8}, "tcp://a:2": {"host": "a", "cores": 8},
                  "tcp://b:1": {"host": "b", "cores": 2}}
    assert whisper_threads(identities, {"tcp://a:1": 1, "tcp://a:2": 3, "tcp://b:1": 4}) == {"a": 2, "b": 1}


# -- slow: Whisper on workers -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cohort_batch(tmp_path_factory):
    """The acceptance batch: a LocalCluster of 2 workers on the three samples and one broken file."""
    folder = tmp_path_factory.mktemp("batch")
    manifest, store = write_manifest(folder), folder / "cohort.sqlite3"
    began = time.perf_counter()
    result = batch("--manifest", manifest, "--store", store, "--workers", "2", "--results", folder / "results.csv")
    return folder, manifest, store, result, time.perf_counter() - began


@pytest.mark.slow
def test_local_cluster_batch_stores_three_runs_and_reports_the_broken_file(cohort_batch):
    folder, _, store, result, _ = cohort_batch
    assert result.returncode == 42, result.stderr
    assert "2 workers ready" in result.stderr
    assert "3 analysed (4:51 of audio)" in result.stdout and "0 skipped; 1 failed." in result.stdout
    failure = "carol take 1.flac contains no decodable audio"
    assert failure in result.stdout and failure in result.stderr  # in the table, and as it happened
    assert "1 recording of 4 failed" in result.stderr.splitlines()[-1]
    runs = stored_runs(store)  # each speaker's takes in manifest order (speakers may interleave either way)
    assert sorted([(r[1], r[2], Path(r[3]).name) for r in runs], key=lambda run: run[0]) == [
        ("alice", "churn", "rambling_delivery.flac"), ("alice", "churn", "structured_churn.flac"),
        ("bob", "ticket routing", "short_deep_dive.flac")]
    assert all(r[6] for r in runs) and len({r[4] for r in runs}) == 3
    rows = result_rows(folder / "results.csv")
    assert [r["status"] for r in rows] == ["recorded", "recorded", "recorded", "failed"]
    assert rows[3]["exit_code"] == "6" and rows[2]["framework"] == "deep-dive"
    with open_store(store) as db:
        assert db.document(next(r[0] for r in runs if r[1] == "bob")).framework.id == "deep-dive"


@pytest.mark.slow
def test_the_same_batch_again_skips_all_three_in_seconds(cohort_batch):
    folder, manifest, store, first, first_seconds = cohort_batch
    before = stored_runs(store)
    began = time.perf_counter()
    result = batch("--manifest", manifest, "--store", store, "--workers", "2", "--results", folder / "again.csv")
    seconds = time.perf_counter() - began
    assert result.returncode == 42  # the broken file is tried again, and fails again
    assert "Skipping 3 recordings" in result.stderr and "0 analysed" in result.stdout
    assert [r["status"] for r in result_rows(folder / "again.csv")] == ["skipped"] * 3 + ["failed"]
    assert stored_runs(store) == before  # nothing analysed again, nothing written
    assert seconds < 30, f"the rerun took {seconds:.1f} s (the first batch {first_seconds:.1f} s)"
    ok = folder / "ok.csv"
    ok.write_text("".join(manifest.read_text().splitlines(keepends=True)[:4]))
    began = time.perf_counter()
    result = batch("--manifest", ok, "--store", store)
    assert result.returncode == 0 and "Starting workers" not in result.stderr  # all done: no cluster at all
    assert time.perf_counter() - began < 15


@pytest.mark.slow
def test_cohort_report_of_the_batch_opens_in_chromium(cohort_batch, browser_page):
    folder, _, store, _, _ = cohort_batch
    output = folder / "cohort.html"
    result = run_cli("cohort", "--store", store, "-o", output, "--csv", folder / "cohort.csv")
    assert result.exit_code == 0, result.stderr
    page, problems = browser_page(output)
    page.wait_for_selector("#fig-spread .main-svg")
    assert page.locator("#latest tbody tr").count() == 2
    improved = page.locator("#improved tbody tr").all_inner_texts()
    assert len(improved) == 1 and improved[0].startswith("alice") and "improved" in improved[0]
    boxes = page.evaluate("document.getElementById('fig-spread').data.filter(t => t.type === 'box').length")
    assert boxes == 8  # case-study's six sections and deep-dive's hook and problem
    assert problems == []
    rows = result_rows(folder / "cohort.csv")
    assert [(r["speaker"], r["takes"], r["verdict"]) for r in rows] == [("alice", "2", "improved"),
                                                                          ("bob", "1", "one take")]


@pytest.mark.slow
def test_worker_killed_mid_task_every_recording_stored_exactly_once(tmp_path):
    """SIGKILL the worker holding a task 2 s into it (Whisper running, nothing cached): Dask runs the task
    again on a fresh worker, the driver records each recording once."""
    from speechcase.interfaces.batch.cluster import open_client, prepare_workers
    from speechcase.interfaces.batch.manifest import items_from_paths
    from speechcase.interfaces.batch.plan import make_plan
    from speechcase.interfaces.batch.runner import run_batch

    options = AnalyzeOptions(cache_dir=tmp_path / "cold cache")
    items = items_from_paths([SAMPLES / f"{n}.flac" for n in ("structured_churn", "rambling_delivery",
                                                               "short_deep_dive")], "ann", "case-study")
    killed: dict[str, object] = {}
    with open_store(tmp_path / "s.sqlite3") as store, open_client(None, 2) as client:
        prepare_workers(client, options)
        pids = client.run(os.getpid)
        plan = make_plan(items, options, store)

        def kill_a_busy_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [address for address, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(2.0)
                    still = client.processing().get(busy[0])
                    if still:
                        killed.update(address=busy[0], pid=pids[busy[0]], task=still[0])
                        os.kill(pids[busy[0]], signal.SIGKILL)
                time.sleep(0.1)

        killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
        killer.start()
        results = run_batch(plan, client, store)
        killer.join()
        runs = store.runs()
    assert killed, "no worker was busy long enough to be killed"
    with pytest.raises(ProcessLookupError):
        os.kill(int(str(killed["pid"])), 0)  # that worker process is gone
    assert [r.status for r in results] == ["recorded"] * 3
    assert sorted(Path(r.source_path).name for r in runs) == sorted(i.path.name for i in items)
    assert len({r.audio_sha256 for r in runs}) == 3
    # warm workers: every recording found Whisper loaded, the one retried on the restarted worker too
    assert all(r.timings and r.timings["load_model"] < 0.05 for r in results), [r.timings for r in results]


@pytest.mark.slow
def test_silent_and_too_short_recordings_fail_with_their_own_errors(tmp_path):
    result = batch(DATA / "silence_10s.flac", DATA / "short_speech_3s.flac", "--store", tmp_path / "s.sqlite3",
                   "--workers", "1", "--results", tmp_path / "r.csv")
    assert result.returncode == 42
    rows = result_rows(tmp_path / "r.csv")
    assert [(r["status"], r["exit_code"]) for r in rows] == [("failed", "8"), ("failed", "9")]
    assert "silence_10s.flac" in rows[0]["note"] and stored_runs(tmp_path / "s.sqlite3") == []


@pytest.mark.slow
def test_a_take_analysed_with_speechcase_analyze_is_skipped_by_a_batch(tmp_path):
    store = tmp_path / "s.sqlite3"
    sample = SAMPLES / "short_deep_dive.flac"
    assert run_cli("analyze", sample, "--talk", "routing", "--speaker", "bob", "--framework", "deep-dive",
                   "--store", store, "-o", tmp_path / "out", "--quiet").exit_code == 0
    (tmp_path / "m.csv").write_text(f"path,speaker,talk,framework\n{sample},bob,routing,deep-dive\n")
    result = batch("--manifest", tmp_path / "m.csv", "--store", store)
    assert result.returncode == 0 and "Skipping 1 recording" in result.stderr
    assert "Starting workers" not in result.stderr and len(stored_runs(store)) == 1


@pytest.mark.slow
def test_ctrl_c_stops_the_batch_cleanly_and_keeps_what_is_stored(tmp_path):
    """Ctrl-C in a terminal reaches the whole foreground process group: the driver and its workers."""
    import psutil

    # A shell that runs the tests in the background (`bash .ci/run &`) starts them with SIGINT ignored, and a
    # child inherits an ignored signal through exec: the batch would never see Ctrl-C. A handler is not inherited
    # (exec resets it), so with one installed for the fork the batch starts as a terminal's foreground command does.
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "speechcase", "batch", SAMPLES / "structured_churn.flac",
                                 SAMPLES / "rambling_delivery.flac", "--workers", "2", "--no-cache", "--store",
                                 tmp_path / "s.sqlite3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
    finally:
        signal.signal(signal.SIGINT, before)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not any("workers ready" in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2.0)  # the workers are decoding and transcribing
    workers = psutil.Process(proc.pid).children(recursive=True)
    assert len(workers) >= 2
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    reader.join(timeout=10)
    stderr = "".join(lines)
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    assert "Stopped: 0 recordings analysed and recorded in this batch are kept" in stderr
    assert stderr.strip().endswith("Interrupted; nothing half-written was left behind.")
    _, alive = psutil.wait_procs(workers, timeout=15)
    assert alive == [], "worker processes outlived the batch"
    assert stored_runs(tmp_path / "s.sqlite3") == []


@pytest.fixture
def dask_cluster(tmp_path):
    """A ``dask scheduler`` and one ``dask worker`` on 127.0.0.1, started (and stopped) by the test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    processes = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  cwd=tmp_path)]
    processes.append(subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                       "--no-dashboard", "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, cwd=tmp_path))
    try:
        yield address
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_batch_through_a_scheduler_address(tmp_path, dask_cluster):
    manifest, store = write_manifest(tmp_path), tmp_path / "cohort.sqlite3"
    result = batch("--manifest", manifest, "--store", store, "--scheduler", dask_cluster)
    assert result.returncode == 42, result.stderr
    assert f"Starting workers on the Dask cluster at {dask_cluster}" in result.stderr
    assert "1 worker ready (Whisper threads per recording: 2)" in result.stderr  # 2 cores, 1 Dask thread
    assert "3 analysed (4:51 of audio)" in result.stdout and "1 failed" in result.stdout
    assert "carol take 1.flac contains no decodable audio" in result.stdout
    assert sorted([(r[1], Path(r[3]).name) for r in stored_runs(store)], key=lambda run: run[0]) == [
        ("alice", "rambling_delivery.flac"), ("alice", "structured_churn.flac"), ("bob", "short_deep_dive.flac")]
    again = batch("--manifest", manifest, "--store", store, env={"SPEECHCASE_DASK_SCHEDULER": dask_cluster})
    assert again.returncode == 42 and "Skipping 3 recordings" in again.stderr
    assert f"the Dask cluster at {dask_cluster}" in again.stderr  # the environment variable was used


@pytest.mark.slow
def test_gpu_batch(tmp_path):
    """--device cuda (float16) on a machine with an NVIDIA GPU."""
    import ctranslate2

    if not ctranslate2.get_cuda_device_count():
        pytest.skip("no CUDA GPU visible to CTranslate2")
    result = batch(SAMPLES / "short_deep_dive.flac", "--device", "cuda", "--store", tmp_path / "s.sqlite3",
                   "--no-cache")
    assert result.returncode == 0, result.stderr
    with open_store(tmp_path / "s.sqlite3") as db:
        assert db.transcript(1).transcription.options["compute_type"] == "float16"
