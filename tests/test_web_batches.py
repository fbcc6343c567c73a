"""A coach's batches and Cohort page in the web app, against a real ``speechcase serve``.

The server's store holds (no Whisper: runs recorded from a saved transcript before it starts): ana's talks
'churn' and EVIL_TALK and bob's 'ticket routing', all shared with the coach carl; bob's 'bob-private', shared
with nobody. dora is a coach nobody shares with.

Fast: who may see the cohort (only carl, only the shared talks, a revoked share at once), every refusal of a
batch upload leaves nothing on disk (paths in the manifest or in file names, talks not shared, frameworks that
are files, over the limit, ...), another user's batch is 404, and the cohort page and the batch form in
Chromium. Slow (Whisper on Dask workers, transcripts from the session's cache): the three samples and a broken
file as a batch, cancelled mid-way, run again, then the same recordings again: all skipped.
"""
from __future__ import annotations

import csv
import io
import re
import time
import wave
from pathlib import Path

import httpx
import numpy as np
import pytest
from conftest import DATA, SAMPLE_NAMES, SAMPLES
from web import PASSWORD, WebServer

from speechcase.analysis.audio import load_audio
from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.rehearsals.accounts import find_user
from speechcase.rehearsals.sharing import share_talk
from speechcase.rehearsals.store import open_store
from speechcase.service import analyze_input, record_take

EVIL_TALK = "<script>alert('talk')</script>"
EVIL_FILE = '"><img src=x onerror=alert(1)>.wav'
MANIFEST = "path,speaker,talk,framework\n"


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = WebServer(tmp_path_factory.mktemp("batches"), max_upload="5MB")
    server.add_users()
    analysis, document = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions())
    _, deep = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions(framework="deep-dive"))
    with open_store(server.store) as store:
        for talk, speaker, doc in (("churn", "ana", document), (EVIL_TALK, "ana", document),
                                   ("ticket routing", "bob", deep), ("bob-private", "bob", document)):
            record_take(store, doc, analysis.transcript, talk, speaker)
        talks = {t.name: t for t in store.talks()}
        for name in ("churn", EVIL_TALK, "ticket routing"):
            share_talk(store, find_user(store, talks[name].speaker), talks[name], "carl")
        server.talks = {name: t.id for name, t in talks.items()}  # type: ignore[attr-defined]
    server.start()
    yield server
    server.stop()


def start_batch(client: httpx.Client, files: dict[str, bytes], manifest: str | None,
                framework: str | None = None) -> httpx.Response:
    parts = [("files", (name, data)) for name, data in files.items()]
    if manifest is not None:
        parts.append(("manifest", ("cohort.csv", manifest.encode())))
    return client.post("/api/batches", files=parts, data={"framework": framework} if framework else {},
                       headers={"X-CSRF-Token": getattr(client, "csrf", "")})


def wait_batch(client: httpx.Client, batch: int, timeout: float = 300.0, seen: list | None = None) -> dict:
    """Poll the batch until it is finished; ``seen`` collects every (status, stage) of its items on the way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/api/batches/{batch}").json()
        if seen is not None:
            seen.extend((i["status"], i["stage"]) for i in state["items"])
        if state["state"] in ("done", "failed", "cancelled"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"batch {batch} did not finish in {timeout} s: {state}")


def manifest_of(*rows: list[str]) -> str:
    """A manifest CSV with these rows (quoted as a spreadsheet writes them)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["path", "speaker", "talk", "framework"])
    writer.writerows(rows)
    return out.getvalue()


def on_disk(web) -> list[str]:
    """What the data folder holds of uploads and batches (a refused upload must add nothing)."""
    return sorted(str(p.relative_to(web.data)) for folder in ("uploads", "batches")
                  for p in (web.data / folder).rglob("*"))


def cohort_rows(answer: httpx.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    return list(csv.DictReader(io.StringIO(answer.text)))


# -- the Cohort page ---------------------------------------------------------------------------------------

def test_the_cohort_holds_exactly_the_talks_shared_with_the_coach(web):
    carl, dora = web.client("carl"), web.client("dora")
    rows = cohort_rows(carl.get("/cohort.csv"))
    assert {(r["speaker"], r["talk"]) for r in rows} <= {("ana", "churn"), ("ana", EVIL_TALK), ("bob", "ticket routing")}
    assert {r["speaker"] for r in rows} == {"ana", "bob"}
    report = carl.get("/cohort/report")
    assert report.status_code == 200 and "bob-private" not in report.text
    assert "default-src 'none'" in report.headers["content-security-policy"]
    only = cohort_rows(carl.get("/cohort.csv", params={"talk": "ticket routing"}))
    assert [(r["speaker"], r["talk"], r["takes"]) for r in only] == [("bob", "ticket routing", "1")]
    # a talk that is not shared answers like one that does not exist
    for talk in ("bob-private", "no such talk"):
        for url in ("/cohort", "/cohort/report", "/cohort.csv"):
            assert carl.get(url, params={"talk": talk}).status_code == 404, (talk, url)
    assert carl.get("/cohort", params={"talk": "bob-private"}).text == \
        carl.get("/cohort", params={"talk": "no such talk"}).text
    # a coach nobody shares with has an empty cohort, and no report or CSV of anyone's
    page = dora.get("/cohort")
    assert page.status_code == 200 and "No talk is shared with you yet" in page.text
    assert "churn" not in page.text and "ana" not in page.text.replace("candidate", "")
    assert dora.get("/cohort/report").status_code == 404 and dora.get("/cohort.csv").status_code == 404
    # candidates and admins have no cohort and no batches
    for name in ("ana", "root"):
        client = web.client(name)
        for url in ("/cohort", "/cohort/report", "/cohort.csv", "/batches"):
            assert client.get(url).status_code == 404, (name, url)


def test_a_revoked_share_leaves_the_cohort_at_once(web):
    carl, ana = web.client("carl"), web.client("ana")
    talk = web.talks[EVIL_TALK]
    assert EVIL_TALK in {r["talk"] for r in cohort_rows(carl.get("/cohort.csv"))}
    assert ana.post(f"/talks/{talk}/shares/revoke", data={"coach": "carl", "csrf": ana.csrf}).status_code == 303
    try:
        assert EVIL_TALK not in {r["talk"] for r in cohort_rows(carl.get("/cohort.csv"))}
        assert carl.get("/cohort.csv", params={"talk": EVIL_TALK}).status_code == 404
    finally:
        ana.post(f"/talks/{talk}/shares", data={"coach": "carl", "csrf": ana.csrf})


def test_hostile_talk_names_render_as_text_on_the_cohort_pages(web):
    carl = web.client("carl")
    for url in ("/cohort", "/cohort/report"):
        body = carl.get(url).text
        assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body, url
    filtered = carl.get("/cohort", params={"talk": EVIL_TALK})
    assert filtered.status_code == 200 and "<script>alert(" not in filtered.text


# -- starting a batch: what is refused, and leaves nothing ------------------------------------------------------

def refused(web, client, files, manifest, words: str, status: int = 400, framework: str | None = None) -> None:
    before = on_disk(web)
    answer = start_batch(client, files, manifest, framework)
    assert answer.status_code == status, answer.text
    assert words in answer.json()["detail"], answer.json()["detail"]
    assert "\n" not in answer.json()["detail"] and str(web.data) not in answer.json()["detail"]
    assert on_disk(web) == before
    with open_store(web.store) as store, store.reading() as db:
        assert db.execute("SELECT COUNT(*) FROM batches WHERE manifest = 'refused.csv'").fetchone()[0] == 0


def test_manifest_paths_never_reach_outside_the_upload(web):
    """A row's path is only ever matched, by its base name, against the files of the upload itself."""
    carl = web.client("carl")
    take = {"take.ogg": (DATA / "speech_12s.ogg").read_bytes()}
    for path in ("../../../../etc/passwd", "/etc/hostname", str(web.store), "../../store.sqlite3",
                 "~/.bashrc", "..\\..\\windows\\win.ini"):
        refused(web, carl, take, MANIFEST + f"{path},ana,churn,\ntake.ogg,ana,churn,\n",
                "is not among the uploaded recordings")
    # a file name with a path in it is kept under its base name, in the upload's own folder, or refused with it
    refused(web, carl, {"../../../evil.ogg": take["take.ogg"]}, MANIFEST + "../../../evil.ogg,bob,bob-private,\n",
            "bob has not shared a talk called 'bob-private' with you")
    assert not (web.folder / "evil.ogg").exists() and not (web.data / "evil.ogg").exists()


def test_a_batch_adds_takes_only_to_talks_shared_with_the_coach(web):
    carl, dora = web.client("carl"), web.client("dora")
    take = {"take.ogg": (DATA / "speech_12s.ogg").read_bytes()}
    for speaker, talk in (("bob", "bob-private"), ("ana", "a new talk"), ("mallory", "churn"), ("dora", "churn"),
                          ("root", "churn")):
        refused(web, carl, take, MANIFEST + f"take.ogg,{speaker},{talk},\n",
                f"cohort.csv row 2: {speaker} has not shared a talk called '{talk}' with you")
    refused(web, dora, take, MANIFEST + "take.ogg,ana,churn,\n", "ana has not shared a talk called 'churn' with you")
    refused(web, carl, take, MANIFEST + "take.ogg,,churn,\n", "cohort.csv row 2 names no speaker")
    # candidates and admins start no batch (404, like any route that is not theirs), and keep nothing
    for name in ("ana", "root"):
        refused(web, web.client(name), take, MANIFEST + "take.ogg,ana,churn,\n", "Not found", status=404)


def test_refused_batch_uploads_leave_nothing_behind(web):
    carl = web.client("carl")
    take = (DATA / "speech_12s.ogg").read_bytes()
    ok_row = MANIFEST + "take.ogg,ana,churn,\n"
    refused(web, carl, {"take.ogg": take}, MANIFEST + "take.ogg,ana,churn,/etc/passwd\n",
            "'/etc/passwd' is not a framework here")
    refused(web, carl, {"take.ogg": take}, MANIFEST + "take.ogg,ana,churn,../../x.toml\n", "is not a framework here")
    refused(web, carl, {"take.ogg": take}, ok_row, "is not a framework here", framework=str(DATA / "x.toml"))
    refused(web, carl, {"take.ogg": take}, "file,speaker\ntake.ogg,ana\n", "has no 'path' column")
    refused(web, carl, {"take.ogg": take}, None, "Choose the manifest")
    refused(web, carl, {}, ok_row, "Choose the recordings")
    refused(web, carl, {"take.ogg": take, "other.ogg": take}, ok_row, "The manifest has no row for other.ogg")
    refused(web, carl, {"a/take.ogg": take, "b/take.ogg": take}, ok_row, "Two files are called take.ogg")
    refused(web, carl, {"take.ogg": b"\0" * 5_100_000}, ok_row, "larger than this server accepts (5 MB)", status=413)
    # a body that stops half-way leaves nothing either
    before = on_disk(web)
    with httpx.Client(base_url=web.url, cookies=carl.cookies, timeout=30) as raw:
        def cut():
            yield b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cut.ogg\"\r\n\r\n" + take[:9000]
            raise httpx.ReadError("the browser went away")

        with pytest.raises(httpx.HTTPError):
            raw.post("/api/batches", content=cut(), headers={"X-CSRF-Token": carl.csrf,
                                                               "Content-Type": "multipart/form-data; boundary=b"})
    for _ in range(50):
        if on_disk(web) == before:
            break
        time.sleep(0.1)
    assert on_disk(web) == before


# -- a batch that fails on the driver (no Whisper): another user's batch is 404; run again ------------------------

@pytest.fixture(scope="module")
def empty_batch(web):
    """carl's batch of one empty recording uploaded with a hostile name that holds a path: it fails on the
    driver, before any Dask worker starts."""
    carl = web.client("carl")
    name = "../../" + EVIL_FILE
    answer = start_batch(carl, {name: b""}, manifest_of([EVIL_FILE, "ana", "churn", ""]))
    assert answer.status_code == 202, answer.text
    batch = answer.json()["batch"]
    state = wait_batch(carl, batch, timeout=120)
    return batch, state


def test_a_failed_recording_is_listed_with_its_one_line_error(web, empty_batch):
    batch, state = empty_batch
    assert state["state"] == "done" and state["counts"] == {"failed": 1}
    item = state["items"][0]
    assert item["error"] == f"{EVIL_FILE} is empty (0 bytes); record or export the talk again."
    assert item["file"] == EVIL_FILE and item["run"] is None
    kept = [p for p in web.folder.rglob("*") if p.name == EVIL_FILE]
    assert len(kept) == 1 and kept[0].parent.parent == web.data / "batches"  # under its base name, in the batch
    page = web.client("carl").get(f"/batches/{batch}")
    assert page.status_code == 200 and "<img src=x" not in page.text and "&lt;img src=x" in page.text
    assert "is empty (0 bytes)" in page.text and "Run again" in page.text


def test_another_users_batch_is_not_found(web, empty_batch):
    batch, _ = empty_batch
    urls = (f"/batches/{batch}", f"/batches/{batch}/progress", f"/api/batches/{batch}")
    for name in ("dora", "ana", "bob", "root"):
        client = web.client(name)
        for url in urls:
            assert client.get(url).status_code == 404, (name, url)
        assert client.get(urls[0]).text == client.get("/batches/999999").text
        for action in ("cancel", "rerun", "delete"):
            assert client.post(f"/batches/{batch}/{action}", data={"csrf": client.csrf}).status_code == 404
    assert web.client("dora").get("/batches").status_code == 200 and f"Batch {batch}" not in \
        web.client("dora").get("/batches").text
    assert web.client("carl").get(f"/api/batches/{batch}").json()["state"] == "done"  # untouched


def test_run_again_tries_the_failed_recording_again(web, empty_batch):
    batch, _ = empty_batch
    carl = web.client("carl")
    assert carl.post(f"/batches/{batch}/rerun", data={"csrf": carl.csrf}).status_code == 303
    state = wait_batch(carl, batch, timeout=120)
    assert state["state"] == "done" and state["counts"] == {"failed": 1}


def test_the_cohort_page_and_the_batch_form_in_chromium(web, chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda req: problems.append(f"external request: {req.url}")
            if not req.url.startswith((web.url, "data:", "blob:", "about:")) else None)
    try:
        page.goto(web.url + "/login")
        page.fill("input[name=name]", "carl")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/talks$"))
        page.click("nav >> text=Cohort")
        page.wait_for_url(re.compile(r"/cohort$"))
        frame = page.frame_locator("#cohort-report")
        frame.locator("#fig-spread .main-svg").first.wait_for(timeout=60_000)
        assert frame.locator("#latest tbody tr").count() == 2  # ana and bob
        assert frame.locator("#latest tbody").inner_text().count("<script>alert('talk')</script>") == 1  # as text
        page.select_option("#cohort-talk", "ticket routing")
        page.click("#cohort-filter button[type=submit]")
        page.wait_for_url(re.compile(r"/cohort\?talk=ticket\+routing$"))
        frame.locator("#fig-spread .main-svg").first.wait_for(timeout=60_000)
        assert frame.locator("#latest tbody tr").all_inner_texts()[0].startswith("bob")
        download = page.request.get(web.url + page.get_attribute("#cohort-csv", "href"))
        assert download.ok and download.text().startswith("speaker,talk,run,")

        # the batch form: the upload goes through the page's script, and the page follows the batch
        (tmp_path / "cohort.csv").write_text(MANIFEST + "silence.wav,bob,ticket routing,\n")
        (tmp_path / "silence.wav").write_bytes(b"")
        page.click("nav >> text=Batches")
        page.set_input_files("#batch-files", [str(tmp_path / "silence.wav")])
        page.set_input_files("#batch-manifest", str(tmp_path / "cohort.csv"))
        page.click("#batch-start")
        page.wait_for_url(re.compile(r"/batches/\d+$"), timeout=30_000)
        page.wait_for_selector("#batch-progress-box[data-state='done']", timeout=120_000)
        assert "silence.wav is empty (0 bytes)" in page.inner_text(".batch-items")
        assert problems == []
        # a refusal shows its sentence in the form (Chromium logs the answer's status 400 itself)
        (tmp_path / "cohort.csv").write_text(MANIFEST + "silence.wav,bob,bob-private,\n")
        page.goto(web.url + "/batches")
        page.set_input_files("#batch-files", [str(tmp_path / "silence.wav")])
        page.set_input_files("#batch-manifest", str(tmp_path / "cohort.csv"))
        page.click("#batch-start")
        page.wait_for_selector("#batch-error:not([hidden])")
        assert "bob has not shared a talk called 'bob-private' with you" in page.inner_text("#batch-error")
        assert [p for p in problems if "status of 400" not in p] == []
    finally:
        context.close()


# -- slow: a real batch on Dask ----------------------------------------------------------------------------------

def batch_drivers(web) -> list[int]:
    """The server's batch driver processes (and so their Dask workers) still alive."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"speechcase.interfaces.web.batch_driver" in (entry / "cmdline").read_bytes() \
                    and str(web.store).encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def fresh_recording(path: Path) -> bytes:
    """speech_12s four times over as a WAV with a little noise of its own: a recording no cache has seen, so a
    worker runs Whisper on it (for a few seconds: long enough to watch its progress and cancel the batch), and
    the batch's largest file, so the workers take it first (longest first)."""
    audio = np.tile(load_audio(DATA / "speech_12s.ogg").samples, 4)
    noisy = audio + np.random.default_rng().normal(0, 1e-3, audio.size)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes((np.clip(noisy, -1, 1) * 32767).astype("<i2").tobytes())
    return path.read_bytes()


@pytest.mark.slow
def test_a_coach_batches_the_samples_and_a_broken_file_and_reads_the_cohort(web, analysed, tmp_path):
    """The three samples (their transcripts from the session's cache), a broken file and one recording no cache
    has seen: progress per recording, cancelled while the first is analysed, run again (what was recorded stays,
    the rest is analysed, the broken file fails with its own sentence), the cohort page, and the same
    recordings once more: every one skipped without starting a Dask worker."""
    for name in SAMPLE_NAMES:
        analysed(name)  # the transcripts in the session's cache (the CLI tests make them anyway)
    carl, ana = web.client("carl"), web.client("ana")
    files = {"fresh.wav": fresh_recording(tmp_path / "fresh.wav")}
    files.update({f"{n}.flac": (SAMPLES / f"{n}.flac").read_bytes()
                  for n in ("rambling_delivery", "structured_churn", "short_deep_dive")})
    files["broken.flac"] = (DATA / "truncated.flac").read_bytes()
    rows = [["fresh.wav", "bob", "ticket routing", "deep-dive"], ["rambling_delivery.flac", "ana", "churn", ""],
            ["structured_churn.flac", "ana", "churn", ""], ["short_deep_dive.flac", "bob", "ticket routing", "deep-dive"],
            ["broken.flac", "bob", "ticket routing", ""]]
    answer = start_batch(carl, files, manifest_of(*rows))
    assert answer.status_code == 202, answer.text
    batch = answer.json()["batch"]

    # progress per recording, read back while it is analysed; then the coach cancels
    deadline, seen = time.monotonic() + 180, []
    while time.monotonic() < deadline:
        state = carl.get(f"/api/batches/{batch}").json()
        seen = [(i["stage"], i["progress"]) for i in state["items"] if i["status"] == "analysing"]
        if seen or state["state"] != "queued" and state["state"] != "running":
            break
        time.sleep(0.2)
    assert seen and seen[0][0] in ("transcribing", "analysing") and 0 < seen[0][1] < 1, (state, web.log.read_text())
    assert carl.post(f"/batches/{batch}/cancel", data={"csrf": carl.csrf}).status_code == 303
    cancelled = wait_batch(carl, batch)
    assert cancelled["state"] == "cancelled" and cancelled["counts"]["cancelled"] >= 3, cancelled
    deadline = time.monotonic() + 30
    while batch_drivers(web) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert batch_drivers(web) == [], "the batch driver outlived its cancelled batch"
    # what the driver recorded before its heartbeat saw the cancel stays, and the batch says so
    cancelled = carl.get(f"/api/batches/{batch}").json()
    assert cancelled["state"] == "cancelled", cancelled
    with open_store(web.store) as store:  # a run for each recording the batch says it recorded, and no other
        assert len(store.runs()) == 4 + cancelled["counts"].get("recorded", 0), cancelled
        assert {i["run"] for i in cancelled["items"] if i["status"] == "recorded"} == {r.id for r in store.runs()[4:]}

    # run again: what was recorded stays, the rest is analysed; the broken file fails with its own sentence
    assert carl.post(f"/batches/{batch}/rerun", data={"csrf": carl.csrf}).status_code == 303
    done = wait_batch(carl, batch)
    statuses = [i["status"] for i in done["items"]]
    assert statuses[1:] == ["recorded", "recorded", "recorded", "failed"], done
    assert statuses[0] in ("recorded", "skipped")  # recorded before the cancel took hold, or after the rerun
    assert done["items"][4]["error"].startswith("broken.flac contains no decodable audio (the file is truncated")
    runs = [i["run"] for i in done["items"][:4]]
    assert len(set(runs)) == 4 and runs[1] < runs[2] and runs[0] < runs[3]  # each one's takes in manifest order
    page = carl.get(f"/batches/{batch}").text
    assert "broken.flac contains no decodable audio" in page and f'href="/runs/{runs[1]}"' in page

    # the takes are the candidates' own, named by their file (not where the server keeps them), and they play
    churn = ana.get("/api/talks/churn").json()
    assert [r["id"] for r in churn["runs"]][1:] == runs[1:3]
    assert [r["source"] for r in churn["runs"][1:]] == ["rambling_delivery.flac", "structured_churn.flac"]
    assert web.client("bob").get(f"/api/runs/{runs[3]}").json()["framework"] == "deep-dive"
    for client in (carl, ana):
        assert client.get(f"/runs/{runs[1]}/audio", headers={"Range": "bytes=0-99"}).status_code == 206
    assert web.client("dora").get(f"/runs/{runs[1]}").status_code == 404
    assert "carl added a take to your talk &#39;churn&#39;" in ana.get("/talks").text
    assert f"New take shared with you: run {runs[1]}" not in carl.get("/talks").text  # not told of their own

    # the cohort of churn: ana's first take (shared before) against her latest (from the batch)
    rows_out = cohort_rows(carl.get("/cohort.csv", params={"talk": "churn"}))
    assert [(r["speaker"], r["takes"], r["run"]) for r in rows_out] == [("ana", "3", str(runs[2]))]
    assert rows_out[0]["verdict"] in ("improved", "worse", "mixed", "no notable change")
    assert carl.get("/cohort/report", params={"talk": "churn"}).status_code == 200

    # the same recordings again (the broken one left out): every one skipped, without starting a Dask worker;
    # one with another framework too: a coach's batch adds takes, it never changes one that is there
    del files["broken.flac"]
    again = start_batch(carl, files, manifest_of(*rows[:3], [*rows[3][:3], "case-study"]))
    state = wait_batch(carl, again.json()["batch"], timeout=60)
    assert [(i["status"], i["run"]) for i in state["items"]] == [("skipped", r) for r in runs]
    assert [i["error"] for i in state["items"]] == [None] * 4
    with open_store(web.store) as store, store.reading() as db:
        notes = [row[0] for row in db.execute("SELECT note FROM batch_items WHERE batch_id = ? ORDER BY position",
                                              (again.json()["batch"],))]
        assert store.run(runs[3]).framework == "deep-dive"
    assert notes[0] == "already analysed with these settings" and "a batch does not change a take" in notes[3]
    log = web.log.read_text().split(f"Batch {again.json()['batch']} started")[-1]
    assert "starting the Dask workers" not in log
