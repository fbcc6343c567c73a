"""Retake the pictures of the web app in docs/web.md and docs/coaching.md (docs/web-*.png).

Starts a real ``speechcase serve`` on a scratch store, signs in as a candidate
in headless Chromium, uploads two sample talks as two takes of one talk, and
takes the upload, progress, run and comparison pages; then shares the talk with
a coach, reviews it as the coach and shows what the candidate reads; then, on a
second server, a coach's batch in progress and the Cohort page.

    python docs/web_screenshots.py            # about 3 minutes on 2 cores
    python docs/web_screenshots.py --cohort   # only the batch and Cohort pictures (about a minute)
    python docs/web_screenshots.py --goals    # only the Talk page with goals (two uploads, about a minute)
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import LAUNCH_ARGS, chromium_path  # noqa: E402
from web import PASSWORD, WebServer  # noqa: E402

SAMPLES = ROOT / "sample_audio"
DOCS = ROOT / "docs"
VIEWPORT = {"width": 1200, "height": 760}


def sign_in(browser, server: WebServer, name: str):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/talks$"))
    return page


def shot(page, name: str, full: bool = False, element: str | None = None) -> None:
    """docs/NAME: the page's viewport (``full``: the whole page), or only the ``element`` (a CSS selector)."""
    path = DOCS / name
    if element:
        page.locator(element).screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=full)
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1000} KB")


def upload(page, server: WebServer, sample: str, talk: str, progress_picture: str | None = None) -> int:
    page.goto(server.url + "/talks")
    page.fill("#talk-name", talk)
    page.set_input_files("#file-input", str(SAMPLES / f"{sample}.flac"))
    page.wait_for_url(re.compile(r"/jobs/\d+$"), timeout=60_000)
    if progress_picture:
        page.wait_for_selector("#job-progress[data-state='running']", timeout=120_000)
        page.wait_for_function("document.querySelector('#job-progress progress').value > 0.01", timeout=120_000)
        shot(page, progress_picture)
    page.wait_for_url(re.compile(r"/runs/\d+$"), timeout=300_000)
    return int(page.url.rsplit("/", 1)[1])


#: The goals set on the Talk page for its picture: (form's metric, target).
GOALS = (("fillers_per_minute", "<3"), ("section:modeling", "15-25%"), ("length", "<12m"), ("wpm", "130-160"))


def goal_picture(ana, server: WebServer, talk: str) -> None:
    """The Talk page's goals (docs/web-goals.png): four goals set with the page's form, each with first / best /
    latest and the latest take met or not, the sentences, and the form."""
    ana.goto(server.url + talk)
    for metric, target in GOALS:
        ana.select_option("#goal-metric", metric)
        ana.fill("#goal-target", target)
        ana.click("#goal-form button[type=submit]")
        ana.wait_for_selector(f"#goals tr[data-goal='{metric}']")
    ana.wait_for_selector("body[data-figures='1']", timeout=60_000)
    shot(ana, "web-goals.png", element="#goals")


def cohort_pictures(browser, folder: Path) -> None:
    """A coach's batch in progress and the Cohort page (docs/web-batch.png, docs/web-cohort.png): four candidates
    each shared their talk 'churn case study' (one take, from a saved transcript) with the coach carl, whose batch
    adds the three sample talks as their next takes."""
    from speechcase.analysis.pipeline import AnalyzeOptions
    from speechcase.rehearsals.accounts import add_user, find_user
    from speechcase.rehearsals.sharing import share_talk
    from speechcase.rehearsals.store import open_store
    from speechcase.service import analyze_input, record_take

    folder.mkdir(parents=True, exist_ok=True)
    server = WebServer(folder, env={"SPEECHCASE_CACHE_DIR": str(folder / "cache")})
    server.add_users()
    talk, candidates = "churn case study", ("ana", "bob", "cleo", "dev")
    analysis, document = analyze_input(ROOT / "tests" / "data" / "transcript_sample.json", AnalyzeOptions())
    with open_store(server.store) as store:
        for name in candidates[2:]:
            add_user(store, name, "candidate", PASSWORD)
        for name in candidates:
            record_take(store, document, analysis.transcript, talk, name)
            share_talk(store, find_user(store, name), store.find_talk(talk, name), "carl")
    rows = [("rambling_delivery", "ana"), ("structured_churn", "ana"), ("structured_churn", "bob"),
            ("rambling_delivery", "cleo"), ("short_deep_dive", "dev")]
    manifest = folder / "week-12.csv"
    manifest.write_text("path,speaker,talk,framework\n" + "".join(f"{n}.flac,{who},{talk},\n" for n, who in rows))
    server.start()
    try:
        carl = sign_in(browser, server, "carl")
        carl.goto(server.url + "/batches")
        carl.set_input_files("#batch-files", [str(SAMPLES / f"{n}.flac") for n in sorted({n for n, _ in rows})])
        carl.set_input_files("#batch-manifest", str(manifest))
        carl.click("#batch-start")
        carl.wait_for_url(re.compile(r"/batches/\d+$"), timeout=60_000)
        carl.wait_for_selector(".item-recorded", timeout=300_000)
        carl.wait_for_selector(".item-analysing", timeout=300_000)
        shot(carl, "web-batch.png")
        carl.wait_for_selector("#batch-progress-box[data-state='done']", timeout=600_000)
        carl.click("text=Open the cohort page")
        carl.wait_for_url(re.compile(r"/cohort$"))
        carl.set_viewport_size({"width": VIEWPORT["width"], "height": 1150})
        frame = carl.frame_locator("#cohort-report")
        frame.locator("#fig-spread .main-svg").first.wait_for(timeout=60_000)
        frame.locator("#spread h2").evaluate("h => h.scrollIntoView()")  # the report scrolls inside its frame
        carl.evaluate("window.scrollTo(0, 0)")  # and the app's page stays at its top
        carl.wait_for_timeout(500)
        shot(carl, "web-cohort.png")
    finally:
        server.stop()


def candidate_server(folder: Path) -> WebServer:
    """A started server on a scratch store with the test accounts, transcribing into its own cache."""
    folder.mkdir(parents=True, exist_ok=True)
    server = WebServer(folder, env={"SPEECHCASE_CACHE_DIR": str(folder / "cache")})
    server.add_users()
    server.start()
    return server


def candidate_pictures(browser, server: WebServer) -> None:
    """Upload, progress, run, comparison, goals, sharing, the coach's review and what the candidate reads."""
    ana = sign_in(browser, server, "ana")
    first = upload(ana, server, "rambling_delivery", "churn case study", "web-progress.png")
    second = upload(ana, server, "structured_churn", "churn case study")
    ana.goto(server.url + "/talks")
    ana.fill("#talk-name", "churn case study")
    ana.hover("#drop-zone")
    shot(ana, "web-upload.png")

    ana.goto(f"{server.url}/runs/{second}")
    frame = ana.frame_locator("#dashboard")
    frame.locator("body[data-ready='1']").wait_for(timeout=60_000)
    frame.locator(".flag-play").nth(2).click()
    ana.wait_for_timeout(500)
    shot(ana, "web-run.png")

    talk = ana.get_attribute(".crumbs a[href^='/talks/']", "href")
    ana.goto(server.url + talk)
    ana.wait_for_selector("body[data-figures='1']", timeout=60_000)
    ana.locator("#comparison").scroll_into_view_if_needed()
    ana.evaluate("document.getElementById('takes-title').scrollIntoView()")
    shot(ana, "web-compare.png")
    goal_picture(ana, server, talk)

    ana.fill("input[name=coach]", "carl")
    ana.click("#sharing button:has-text('Share')")
    ana.wait_for_selector("#sharing .shares li")
    ana.evaluate("document.getElementById('sharing').scrollIntoView()")
    shot(ana, "web-share.png")

    carl = sign_in(browser, server, "carl")
    shot(carl, "web-coach-talks.png")
    carl.goto(f"{server.url}/runs/{first}/review")
    carl.wait_for_selector(".review-flag.current")
    carl.keyboard.press("a")
    carl.wait_for_selector(".review-flag.current .decision-label[data-decision='agree']")
    carl.keyboard.press("j")
    second_flag = carl.locator(".review-flag").nth(1)
    second_flag.locator("textarea").fill("Not a problem here: the pause is a deliberate beat before the result.")
    second_flag.locator("button[value=dismiss]").click()
    carl.wait_for_selector(".review-flag:nth-child(2) .decision-label[data-decision='dismiss']")
    carl.evaluate("document.getElementById('player').currentTime = 40")
    carl.wait_for_function("document.getElementById('now').textContent === '0:40'")
    carl.keyboard.press("n")
    carl.fill("#note-text", "Say the number out loud: how much churn did the model save?")
    carl.click("#note-form button[type=submit]")
    carl.wait_for_selector("#notes li.note")
    carl.keyboard.press("j")
    carl.evaluate("window.scrollTo(0, 0)")
    shot(carl, "web-review.png")

    ana.goto(f"{server.url}/talks")
    ana.goto(f"{server.url}/runs/{first}")
    ana.evaluate("document.getElementById('coach-review').scrollIntoView()")
    shot(ana, "web-feedback.png")


def goals_only(browser, server: WebServer) -> None:
    """Two takes of one talk uploaded, then the goals picture."""
    ana = sign_in(browser, server, "ana")
    upload(ana, server, "rambling_delivery", "churn case study")
    upload(ana, server, "structured_churn", "churn case study")
    goal_picture(ana, server, ana.get_attribute(".crumbs a[href^='/talks/']", "href"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name, sync_playwright() as p:
        folder = Path(name)
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=LAUNCH_ARGS)
        try:
            if "--cohort" not in sys.argv:  # --cohort: only the coach's batch and Cohort page
                server = candidate_server(folder / "talks")
                try:
                    (goals_only if "--goals" in sys.argv else candidate_pictures)(browser, server)
                finally:
                    server.stop()
            if "--goals" not in sys.argv:  # --goals: only the goals picture
                cohort_pictures(browser, folder / "cohort")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
