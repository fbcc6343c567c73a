"""The web app as its users meet it: a real ``speechcase serve`` driven by Chromium (Playwright), with the real
tiny.en model analysing real recordings in the server's worker.

A candidate uploads two takes of a talk, watches the progress reach the dashboard, clicks a flag and hears the
recording move there, and opens the comparison; records a take with Chromium's fake microphone; shares the
talk with a coach, who reviews it in the browser; the candidate reads the review and the report, and the CLI
shows the same review. A server killed mid-job finishes the job after a restart and stores one run.
"""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from browser import LAUNCH_ARGS, chromium_path
from conftest import DATA, SAMPLES
from web import PASSWORD, WebServer

from speechcase.analysis.audio import load_audio
from speechcase.rehearsals.store import open_store

pytestmark = pytest.mark.slow

EVIL_TALK = "<script>alert('talk')</script>"
EVIL_FILE = '"><img src=x onerror=alert(1)>.wav'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    web = WebServer(tmp_path_factory.mktemp("story"))
    web.add_users()
    web.start()
    yield web
    web.stop()


class Browser:
    """Pages of one server in Chromium, each in its own context (one per user), recording problems."""

    def __init__(self, chromium, server: WebServer):
        self.chromium, self.server = chromium, server
        self.contexts: list = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.accept_dialogs = False  # a confirm() the test expects is accepted; any other dialog is a failure

    def page_as(self, name: str, **context_options):
        context = self.chromium.new_context(viewport={"width": 1366, "height": 900}, **context_options)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", lambda msg: self.problems.append(f"{name} console: {msg.text}")
                if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.problems.append(f"{name} page error: {exc}"))
        page.on("request", lambda req: self.problems.append(f"{name} external request: {req.url}")
                if not req.url.startswith((self.server.url, "data:", "blob:", "about:")) else None)
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message),
                                          dialog.accept() if self.accept_dialogs else dialog.dismiss()))
        page.goto(self.server.url + "/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/(talks|admin/users)$"))
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browser(chromium, server):
    opened = Browser(chromium, server)
    yield opened
    opened.close()


def upload_in_page(page, server: WebServer, path: Path, talk: str) -> int:
    """Upload through the page's file picker; returns the run the page ends on."""
    page.goto(server.url + "/talks")
    page.fill("#talk-name", talk)
    page.set_input_files("#file-input", str(path))
    page.wait_for_url(re.compile(r"/jobs/\d+$"), timeout=60_000)
    page.wait_for_url(re.compile(r"/runs/\d+$"), timeout=300_000)
    return int(page.url.rsplit("/", 1)[1])


def dashboard_frame(page):
    page.wait_for_selector("#dashboard")
    frame = page.frame_locator("#dashboard")
    frame.locator("body[data-ready='1']").wait_for(timeout=60_000)
    return next(f for f in page.frames if f.url.endswith("/dashboard"))


def test_a_candidate_uploads_two_takes_watches_them_analysed_and_compares(browser, server):
    page = browser.page_as("ana")
    page.fill("#talk-name", "churn case")
    page.set_input_files("#file-input", str(SAMPLES / "structured_churn.flac"))
    page.wait_for_url(re.compile(r"/jobs/\d+$"), timeout=60_000)
    progress = page.locator("#job-progress")
    assert progress.get_attribute("data-state") in ("queued", "running", "done")
    page.wait_for_url(re.compile(r"/runs/\d+$"), timeout=300_000)
    first = int(page.url.rsplit("/", 1)[1])

    frame = dashboard_frame(page)
    flag = frame.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).flags[1]")
    frame.locator(".flag-play").nth(1).click()
    frame.wait_for_function("document.getElementById('player').readyState >= 1")
    at = frame.evaluate("document.getElementById('player').currentTime")
    assert abs(at - flag["start"]) < 0.6, (at, flag)
    assert frame.evaluate("document.getElementById('player').src").endswith(f"/runs/{first}/audio")

    second = upload_in_page(page, server, SAMPLES / "rambling_delivery.flac", "churn case")
    assert second != first
    page.click("text=churn case")
    page.wait_for_selector("body[data-figures='1']", timeout=60_000)
    assert page.locator("table.history tbody tr").count() == 2
    assert page.locator("#fig-allocation .main-svg").count() >= 1
    assert "Since the previous take" in page.text_content("main")
    csv = page.request.get(server.url + page.get_attribute("a[download][href$='compare.csv']", "href"))
    assert csv.ok and csv.text().count("\n") == 3
    assert browser.problems == []
    history = subprocess.run([sys.executable, "-m", "speechcase", "history", "churn case", "--store", str(server.store)],
                             capture_output=True, text=True, check=True).stdout  # the CLI sees the web's runs
    assert [line.split()[0] for line in history.splitlines()[1:3]] == [str(first), str(second)]


def test_the_same_recording_uploaded_again_is_not_analysed_twice(server):
    ana = server.client("ana")
    files = {"file": ("again.flac", (SAMPLES / "structured_churn.flac").read_bytes())}
    first = ana.post("/api/takes", files=files, data={"talk": "churn case"}, headers={"X-CSRF-Token": ana.csrf})
    job = server.wait_job(ana, first.json()["job"])
    again = ana.post("/api/takes", files=files, data={"talk": "churn case"}, headers={"X-CSRF-Token": ana.csrf})
    state = ana.get(f"/api/jobs/{again.json()['job']}").json()
    assert state["state"] == "done" and state["stage"] == "already analysed" and state["run"] == job["run"]
    with open_store(server.store) as store:
        assert sum(t.runs for t in store.talks() if t.name == "churn case") == 2
    # its job page stays and says so (a job that made a run goes on to it: the server-crash test)
    stays = ana.get(f"/jobs/{again.json()['job']}", follow_redirects=False)
    assert stays.status_code == 200 and "it was not analysed again" in stays.text


def test_record_a_take_with_the_fake_microphone(chromium, server, tmp_path):
    wav = tmp_path / "mic.wav"
    samples = load_audio(DATA / "hesitations_14s.flac").samples
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    executable = chromium_path() or pytest.skip("no Chromium installed")
    args = [*LAUNCH_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}"]
    with_microphone = chromium.browser_type.launch(executable_path=executable, headless=True, args=args)
    try:
        opened = Browser(with_microphone, server)
        page = opened.page_as("ana", permissions=["microphone"])
        page.fill("#talk-name", "recorded in the browser")
        page.click("#record-start")
        page.wait_for_selector("#record-live:not([hidden])")
        page.wait_for_function("document.getElementById('record-level').value > 0.01", timeout=10_000)
        time.sleep(12)
        assert page.text_content("#record-timer").startswith("0:1")
        page.click("#record-stop")
        page.wait_for_url(re.compile(r"/jobs/\d+$"), timeout=60_000)
        page.wait_for_url(re.compile(r"/runs/\d+$"), timeout=300_000)
        run = int(page.url.rsplit("/", 1)[1])
        dashboard_frame(page)
        assert opened.problems == []
        opened.close()
    finally:
        with_microphone.close()
    with open_store(server.store) as store:
        recorded = store.run(run)
    assert recorded.talk == "recorded in the browser" and recorded.source_path.endswith(".webm")
    assert recorded.metrics["duration"] > 10 and recorded.metrics["words"] > 10


def take_run(server, name: str, path: Path, talk: str) -> int:
    client = server.client(name)
    answer = client.post("/api/takes", files={"file": (path.name, path.read_bytes())}, data={"talk": talk},
                         headers={"X-CSRF-Token": client.csrf})
    assert answer.status_code == 202, answer.text
    state = server.wait_job(client, answer.json()["job"])
    assert state["state"] == "done", state
    return state["run"]


def test_a_coach_reviews_in_the_browser_and_the_candidate_reads_it(browser, server):
    run = take_run(server, "ana", SAMPLES / "structured_churn.flac", "churn case")
    with open_store(server.store) as store:
        talk_id = next(t.id for t in store.talks() if t.name == "churn case")
        flags = store.document(run).flags_in_time_order()
    assert len(flags) >= 2

    ana = browser.page_as("ana")
    ana.goto(f"{server.url}/talks/{talk_id}")
    ana.fill("input[name=coach]", "carl")
    ana.click("#sharing button:has-text('Share')")
    ana.wait_for_selector("#sharing .shares li:has-text('carl')")

    carl = browser.page_as("carl")
    assert "shared the talk 'churn case' with you" in carl.text_content(".notice-list")
    carl.click("text=churn case")
    carl.click(f"a[href='/runs/{run}/review']")
    carl.wait_for_selector(".review-flag.current")
    first, second = carl.locator(".review-flag").nth(0), carl.locator(".review-flag").nth(1)
    carl.keyboard.press("a")  # agree with the first flag
    carl.wait_for_selector(f"#rf-{flags[0].id} .decision-label[data-decision='agree']")
    carl.keyboard.press("j")  # on to the next flag
    assert "current" in (second.get_attribute("class") or "")
    second.locator("textarea").fill("Fine here: the framing ran long on purpose.")
    second.locator("button[value=dismiss]").click()
    carl.wait_for_selector(f"#rf-{flags[1].id} .decision-label[data-decision='dismiss']")
    carl.evaluate("document.getElementById('player').currentTime = 40")
    carl.wait_for_function("document.getElementById('now').textContent === '0:40'")
    carl.keyboard.press("n")
    assert carl.input_value("#note-at") == "0:40"
    carl.fill("#note-text", "Say the metric out loud here.")
    carl.click("#note-form button[type=submit]")
    carl.wait_for_selector("#notes li:has-text('Say the metric out loud here.')")
    assert first.locator(".decision-label").get_attribute("data-decision") == "agree"

    ana.goto(f"{server.url}/talks")
    assert "Your take was reviewed" in ana.text_content(".notice-list")
    ana.goto(f"{server.url}/runs/{run}")
    review = ana.text_content("#coach-review")
    assert "coach agrees" in review and "dismissed by the coach" in review
    assert "Fine here: the framing ran long on purpose." in review and "Say the metric out loud here." in review
    assert "0:40" in review
    ana.click("a:has-text('Report')")
    ana.wait_for_url(re.compile(rf"/runs/{run}/report$"))
    report = ana.text_content("body")
    assert "Say the metric out loud here." in report and "reviewed by carl" in report

    listing = subprocess.run([sys.executable, "-m", "speechcase", "review", str(run), "--list", "--store",
                              str(server.store)], capture_output=True, text=True, check=True).stdout
    assert f"{flags[0].id}" in listing and "agreed by carl" in listing
    assert 'dismissed by carl' in listing and '"Fine here: the framing ran long on purpose."' in listing
    assert "at 0:40 by carl: Say the metric out loud here." in listing
    stats = carl.goto(f"{server.url}/coach/stats")
    assert stats.ok and "Agree share" in carl.text_content("main")
    assert browser.problems == [] and browser.dialogs == []


def test_hostile_names_render_as_text_in_chromium(browser, server):
    bob = server.client("bob")
    answer = bob.post("/api/takes", files={"file": (EVIL_FILE, (DATA / "speech_12s.m4a").read_bytes())},
                      data={"talk": EVIL_TALK}, headers={"X-CSRF-Token": bob.csrf})
    state = server.wait_job(bob, answer.json()["job"])
    assert state["state"] == "done", state
    run = state["run"]
    page = browser.page_as("bob")
    with open_store(server.store) as store:
        talk_id = next(t.id for t in store.talks() if t.name == EVIL_TALK)
    for url in ("/talks", f"/talks/{talk_id}", f"/runs/{run}/report", f"/jobs/{state['id']}", f"/runs/{run}"):
        page.goto(server.url + url)
        page.wait_for_load_state("load")
        assert EVIL_TALK in page.text_content("body") or EVIL_FILE in page.text_content("body"), url
    frame = dashboard_frame(page)
    assert EVIL_FILE in frame.text_content("h1")
    assert page.locator("img[src=x]").count() == 0
    assert browser.dialogs == [] and browser.problems == []


def test_a_job_interrupted_by_a_server_crash_completes_once_after_a_restart(tmp_path):
    web = WebServer(tmp_path, env={"SPEECHCASE_CACHE_DIR": str(tmp_path / "cache")})  # nothing cached: it runs
    web.add_users()
    web.start()
    try:
        ana = web.client("ana")
        # two minutes of talk: still being analysed when the server is killed (a 14 s clip can finish first)
        answer = ana.post("/api/takes", files={"file": ("take.flac", (SAMPLES / "structured_churn.flac").read_bytes())},
                          data={"talk": "restart"}, headers={"X-CSRF-Token": ana.csrf})
        job = answer.json()["job"]
        web.wait_job(ana, job, until=("running",))
        workers = web.worker_pids()
        assert workers
        web.stop(signal.SIGKILL)  # the server dies mid-job; its worker notices and leaves
        deadline = time.monotonic() + 10
        while web.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert web.worker_pids() == []
        with open_store(web.store) as store, store.reading() as db:
            assert db.execute("SELECT state FROM jobs WHERE id = ?", (job,)).fetchone()[0] == "running"
        web.start()
        ana = web.client("ana")
        state = web.wait_job(ana, job)
        assert state["state"] == "done", state
        page = ana.get(f"/jobs/{job}", follow_redirects=False)  # a finished job's page goes on to its run
        assert (page.status_code, page.headers["location"]) == (303, f"/runs/{state['run']}")
        with open_store(web.store) as store, store.reading() as db:
            assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
            assert db.execute("SELECT attempts FROM jobs WHERE id = ?", (job,)).fetchone()[0] == 2
        assert "was interrupted when the server stopped; queued again" in web.log.read_text()
    finally:
        web.stop()


def test_a_failed_job_says_why_a_queued_one_can_be_cancelled_and_a_run_reanalysed_or_deleted(browser, server):
    ana = server.client("ana")
    headers = {"X-CSRF-Token": ana.csrf}
    silent = ana.post("/api/takes", files={"file": ("silence.flac", (DATA / "silence_10s.flac").read_bytes())},
                      data={"talk": "odds and ends"}, headers=headers).json()["job"]
    queued = ana.post("/api/takes", files={"file": ("noise.flac", (DATA / "noise_10s.flac").read_bytes())},
                      data={"talk": "odds and ends"}, headers=headers).json()["job"]
    cancelled = ana.post(f"/api/jobs/{queued}/cancel", headers=headers).json()
    assert cancelled["state"] == "cancelled"
    failed = server.wait_job(ana, silent)
    assert failed["state"] == "failed" and failed["run"] is None
    assert failed["error"] == ("No speech was detected in silence.flac (only silence or noise); check the microphone "
                               "and that the right file was chosen.")
    page = browser.page_as("ana")
    page.goto(f"{server.url}/jobs/{silent}")
    assert page.text_content("#job-progress .error") == failed["error"]
    page.goto(f"{server.url}/jobs/{queued}")
    assert "Cancelled; nothing was analysed." in page.text_content("#job-progress")
    assert not [p for p in (server.data / "audio").rglob("*.flac") if p.name in ("silence.flac", "noise.flac")]

    # a job page survives a reload, and a run re-analysed with another framework keeps its id and its review
    run = take_run(server, "ana", SAMPLES / "short_deep_dive.flac", "odds and ends")
    with open_store(server.store) as store:
        flag = store.document(run).flags_in_time_order()[0]
    talk_id = next(t["id"] for t in ana.get("/api/talks").json() if t["name"] == "odds and ends")
    ana.post(f"/talks/{talk_id}/shares", data={"coach": "dora", "csrf": ana.csrf})
    dora = server.client("dora")
    assert dora.post(f"/runs/{run}/review/flags/{flag.id}", data={"decision": "agree", "comment": "yes"},
                     headers={"X-CSRF-Token": dora.csrf}).status_code == 200
    page.goto(f"{server.url}/runs/{run}")
    page.select_option("select[name=framework]", "deep-dive")
    page.click("button:has-text('Re-analyse')")
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    page.reload()
    page.wait_for_url(re.compile(rf"/runs/{run}$"), timeout=120_000)
    assert "framework deep-dive" in page.text_content(".run-head")
    assert ana.get(f"/api/runs/{run}/review").json()["reviews"][0]["comment"] == "yes"
    browser.accept_dialogs = True
    page.click("button:has-text('Delete')")
    page.wait_for_url(re.compile(r"/talks(/\d+)?$"))
    assert ana.get(f"/runs/{run}").status_code == 404
    assert browser.dialogs == [f"Delete run {run} and its coach review? This cannot be undone."]
    assert browser.problems == []
