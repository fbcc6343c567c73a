"""Measure ``speechcase serve``: memory while receiving a large upload, a warm worker against a cold
``speechcase analyze``, and the Talk page of a talk with 30 runs.

    python benchmarks/web_app.py                 # all three, about a minute on 2 cores
    python benchmarks/web_app.py --only upload   # or: analysis, talk-page

Each part starts a real server (``speechcase serve``) on a scratch store and
prints one Markdown table; ``--write`` also saves them to
``benchmarks/results/web.md``.

- upload: streams a 500 MB upload (a WAV header and silence, sent in 1 MiB
  chunks without buffering it client-side) and samples the web process's
  resident memory (VmRSS) every 20 ms while it is received; the workers are
  separate processes and not counted. The server refuses the file afterwards
  (4.3 hours is over the 3-hour limit), which is not what is measured.
- analysis: a 5-minute talk built from the samples (as ``benchmarks/speed.py``
  does), with an empty transcript cache each time: ``speechcase analyze``
  in a fresh process (imports and model loading included) against the same
  analysis by a warm worker (from the upload's answer to the job done). Each
  side runs twice, in turn, on copies that differ slightly in volume so that
  no cache can serve a second run.
- talk-page: a talk with 30 runs (real analyses of a 2-minute sample) and its
  Talk page (history table, what changed, the comparison figures): server
  answer time over 10 requests, and in headless Chromium the time from
  navigation until the figures are drawn.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web import PASSWORD, WebServer  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "web.md"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def token_for(server: WebServer, name: str) -> str:
    return subprocess.run([sys.executable, "-m", "speechcase", "users", "token", name, "--store", str(server.store)],
                          capture_output=True, text=True, check=True).stdout.strip()


# -- 1. memory while receiving a 500 MB upload ---------------------------------------------------------------

def wav_header(data_bytes: int, rate: int = 16000) -> bytes:
    import struct

    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate,
            rate * 2, 2, 16) + b"data" + struct.pack("<I", data_bytes))


def measure_upload(folder: Path, megabytes: int = 500) -> list[str]:
    server = WebServer(folder, max_upload="2GB")
    server.add_users()
    server.start()
    try:
        token = token_for(server, "ana")
        assert server.proc is not None
        pid = server.proc.pid
        time.sleep(3)  # let the worker's start settle
        before = rss_mb(pid)
        samples: list[float] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(rss_mb(pid))
                time.sleep(0.02)

        size = megabytes * 1_000_000
        chunk = b"\0" * (1 << 20)

        def body():
            yield (b"--B\r\nContent-Disposition: form-data; name=\"talk\"\r\n\r\nbig\r\n--B\r\nContent-Disposition: "
                   b"form-data; name=\"file\"; filename=\"big.wav\"\r\nContent-Type: audio/wav\r\n\r\n")
            yield wav_header(size - 44)
            sent = 44
            while sent < size:
                piece = chunk[:min(len(chunk), size - sent)]
                sent += len(piece)
                yield piece
            yield b"\r\n--B--\r\n"

        watcher = threading.Thread(target=sample)
        watcher.start()
        began = time.perf_counter()
        answer = httpx.post(server.url + "/api/takes", content=body(), timeout=600,
                            headers={"Authorization": f"Bearer {token}",
                                     "Content-Type": "multipart/form-data; boundary=B"})
        seconds = time.perf_counter() - began
        done.set()
        watcher.join()
        leftovers = [p for p in (server.data / "uploads").rglob("*") if p.is_file()]
        peak = max(samples)
        return ["| upload | web process RSS before | peak while receiving | growth | seconds | answer | files left |",
                "|---|---|---|---|---|---|---|",
                f"| {megabytes} MB | {before:.0f} MB | {peak:.0f} MB | {peak - before:.0f} MB | {seconds:.1f} s "
                f"({megabytes / seconds:.0f} MB/s) | {answer.status_code} | {len(leftovers)} |"]
    finally:
        server.stop()


# -- 2. a warm worker against a cold speechcase analyze ------------------------------------------------------

def variants(folder: Path, count: int) -> list[Path]:
    import soundfile
    from speed import build_input

    from speechcase.analysis.audio import SAMPLE_RATE, load_audio

    base = load_audio(build_input(5)).samples
    paths = []
    for k in range(count):
        path = folder / f"talk_5min_{k}.flac"
        soundfile.write(path, base * (1.0 - 0.01 * (k + 1)), SAMPLE_RATE, format="FLAC")
        paths.append(path)
    return paths


def cold_analyze(path: Path, folder: Path) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "speechcase", "analyze", str(path), "-o", str(folder / path.stem), "-q",
                    "--no-store", "--cache-dir", str(folder / f"cache-{path.stem}")], check=True,
                   capture_output=True)
    return time.perf_counter() - began


def warm_job(server: WebServer, client: httpx.Client, path: Path) -> tuple[float, float]:
    began = time.perf_counter()
    answer = client.post("/api/takes", files={"file": (path.name, path.read_bytes())}, data={"talk": "bench"})
    answer.raise_for_status()
    queued = time.perf_counter()
    state = server.wait_job(client, answer.json()["job"], timeout=600)
    assert state["state"] == "done", state
    done = time.perf_counter()
    return done - queued, done - began


def measure_analysis(folder: Path) -> list[str]:
    inputs = variants(folder, 4)
    server = WebServer(folder / "server", max_upload="2GB", env={"SPEECHCASE_CACHE_DIR": str(folder / "server-cache")})
    server.folder.mkdir()
    server.add_users()
    server.start()
    rows = []
    try:
        client = httpx.Client(base_url=server.url, timeout=600,
                              headers={"Authorization": f"Bearer {token_for(server, 'ana')}"})
        time.sleep(8)  # the worker loads its models once, at start
        for k in range(2):
            cold = cold_analyze(inputs[2 * k], folder)
            warm, total = warm_job(server, client, inputs[2 * k + 1])
            rows.append((cold, warm, total))
    finally:
        server.stop()
    lines = ["| run | `speechcase analyze` (fresh process) | warm worker: analysis | warm worker: upload + analysis |",
             "|---|---|---|---|"]
    lines += [f"| {k + 1} | {c:.1f} s | {w:.1f} s | {t:.1f} s |" for k, (c, w, t) in enumerate(rows)]
    cold, warm = statistics.mean(r[0] for r in rows), statistics.mean(r[1] for r in rows)
    lines.append(f"| mean | {cold:.1f} s | {warm:.1f} s ({cold - warm:.1f} s, {100 * (cold - warm) / cold:.0f} % less) | "
                 f"{statistics.mean(r[2] for r in rows):.1f} s |")
    return lines


# -- 3. the Talk page of a talk with 30 runs -----------------------------------------------------------------

def seed_runs(server: WebServer, count: int) -> int:
    from speechcase.analysis.pipeline import AnalyzeOptions
    from speechcase.core.document import read_document
    from speechcase.rehearsals.store import open_store
    from speechcase.service import analyze_input, record_take

    analysis, document = analyze_input(ROOT / "sample_audio" / "structured_churn.flac", AnalyzeOptions())
    with open_store(server.store) as store:
        for k in range(count):
            raw = json.loads(json.dumps(document.raw))
            raw["source"]["sha256"] = f"{k:064x}"  # 30 distinct takes of the talk
            record_take(store, read_document(raw), analysis.transcript, "thirty takes", "ana")
        return next(t.id for t in store.talks() if t.name == "thirty takes")


def measure_talk_page(folder: Path, count: int = 30) -> list[str]:
    from browser import LAUNCH_ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    server = WebServer(folder)
    server.add_users()
    talk = seed_runs(server, count)
    server.start()
    try:
        client = server.client("ana")
        client.get(f"/talks/{talk}")  # the first request imports plotly and pandas
        answers = []
        for _ in range(10):
            began = time.perf_counter()
            page = client.get(f"/talks/{talk}")
            answers.append(time.perf_counter() - began)
            assert page.status_code == 200 and page.text.count("<tr>") >= count
        size = len(page.content)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=LAUNCH_ARGS)
            tab = browser.new_page()
            tab.goto(server.url + "/login")
            tab.fill("input[name=name]", "ana")
            tab.fill("input[name=password]", PASSWORD)
            tab.click("button[type=submit]")
            tab.wait_for_url("**/talks")
            tab.goto(f"{server.url}/talks/{talk}")  # plotly.js is cached by the browser after this
            tab.wait_for_selector("body[data-figures='1']")
            drawn = []
            for _ in range(5):
                began = time.perf_counter()
                tab.goto(f"{server.url}/talks/{talk}")
                tab.wait_for_selector("body[data-figures='1']")
                drawn.append(time.perf_counter() - began)
            browser.close()
    finally:
        server.stop()
    return ["| talk | page size | server answer (median / max of 10) | Chromium: navigation until the figures are drawn "
            "(median / max of 5) |", "|---|---|---|---|",
            f"| {count} runs | {size / 1000:.0f} KB | {statistics.median(answers):.2f} s / {max(answers):.2f} s | "
            f"{statistics.median(drawn):.2f} s / {max(drawn):.2f} s |"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["upload", "analysis", "talk-page"])
    parser.add_argument("--write", action="store_true", help=f"also write {RESULTS.relative_to(ROOT)}")
    args = parser.parse_args()
    parts = {"upload": measure_upload, "analysis": measure_analysis, "talk-page": measure_talk_page}
    out = []
    for name, measure in parts.items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory() as folder:
            lines = measure(Path(folder))
        print("\n".join(lines) + "\n", flush=True)
        out += [f"### {name}", "", *lines, ""]
    if args.write:
        load = Path("/proc/loadavg").read_text().split()[:3]
        RESULTS.write_text("# speechcase serve: measured with `python benchmarks/web_app.py`\n\n"
                           f"Load average when it finished: {' '.join(load)} (2 cores).\n\n" + "\n".join(out))


if __name__ == "__main__":
    main()
