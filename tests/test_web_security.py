"""The web app's security, attacked over HTTP against a real ``speechcase serve`` (no Whisper: the talks are
analysed from a saved transcript and recorded before the server starts).

Every route without a session or token -> 401 or a redirect to the sign-in page; another candidate, a coach
without a share, a coach whose share was revoked, and an admin get 404 for a talk, run, audio, analysis,
report or review, by id or by name; every state-changing route without its CSRF token -> 403; the session id
changes at sign-in; hostile names and comments render as text; uploads that are too large, not audio,
cancelled or named with a path leave nothing outside the data folder; failed sign-ins slow down; no secret
reaches the server's log.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from conftest import DATA, ROOT
from web import PASSWORD, USERS, WebServer

from speechcase.analysis.pipeline import AnalyzeOptions
from speechcase.interfaces.web.app import create_app
from speechcase.interfaces.web.settings import WebSettings
from speechcase.rehearsals.store import open_store
from speechcase.service import analyze_input, record_take

EVIL_TALK = "<script>alert('talk')</script>"
EVIL_FILE = '"><img src=x onerror=alert(1)>.wav'
EVIL_COMMENT = '<script>alert("comment")</script>"><img src=x onerror=alert(2)>'


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """A server whose store holds: ana's talks 'churn' (2 runs) and EVIL_TALK (1 run, hostile file name),
    bob's talk 'bob-talk'; ana's recording kept in the data folder. Nothing is shared yet."""
    server = WebServer(tmp_path_factory.mktemp("web"), max_upload="1MB")
    server.add_users()
    analysis, document = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions())
    _, evil = analyze_input(DATA / "transcript_sample.json", AnalyzeOptions(framework="deep-dive"),
                            source_name=EVIL_FILE)
    transcript = analysis.transcript
    with open_store(server.store) as store:
        server.runs = {  # type: ignore[attr-defined]
            "churn": record_take(store, document, transcript, "churn", "ana").id,
            "evil": record_take(store, evil, transcript, EVIL_TALK, "ana").id,
            "bob": record_take(store, document, transcript, "bob-talk", "bob").id,
        }
        server.talks = {t.name: t.id for t in store.talks()}  # type: ignore[attr-defined]
    audio = server.data / "audio" / document.source.sha256
    audio.mkdir(parents=True)
    shutil.copy(DATA / "speech_12s.ogg", audio / "speech_12s.ogg")
    server.start()
    yield server
    server.stop()


def objects(web) -> dict[str, str]:
    """Every URL of ana's that names one of her objects, pages and API alike."""
    run, talk = web.runs["churn"], web.talks["churn"]
    return {
        "talk page": f"/talks/{talk}", "compare csv": f"/talks/{talk}/compare.csv", "run page": f"/runs/{run}",
        "dashboard": f"/runs/{run}/dashboard", "audio": f"/runs/{run}/audio",
        "analysis download": f"/runs/{run}/analysis.json", "transcript download": f"/runs/{run}/transcript.json",
        "report": f"/runs/{run}/report", "review page": f"/runs/{run}/review",
        "api talk by name": "/api/talks/churn", "api run": f"/api/runs/{run}",
        "api analysis": f"/api/runs/{run}/analysis", "api review": f"/api/runs/{run}/review",
    }


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, read from the app itself so a new route is checked too."""
    app = create_app(WebSettings(store=Path("unused.sqlite3"), data=Path("unused")), start_workers=False)
    found = []

    def walk(routes, prefix: str = "") -> None:
        for route in routes:
            if hasattr(route, "original_router"):  # FastAPI >= 0.120 keeps included routers as such
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            for method in sorted(getattr(route, "methods", None) or []):
                if method != "HEAD":
                    found.append((method, prefix + route.path))

    walk(app.routes)
    return found


def concrete(path: str, web) -> str:
    values = {"talk_id": str(web.talks["churn"]), "run_id": str(web.runs["churn"]), "job_id": "1", "name": "churn",
              "coach": "carl", "flag_id": "f-001", "note_id": "1", "notice_id": "1", "token": "x" * 20, "metric": "wpm",
              "batch_id": "1"}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/static")}


def test_every_route_needs_a_sign_in(web):
    anonymous = httpx.Client(base_url=web.url, timeout=30)
    checked = 0
    for method, path in app_routes():
        if (method, path) in PUBLIC or path.startswith("/static"):
            continue
        answer = anonymous.request(method, concrete(path, web))
        checked += 1
        if path.startswith("/api/") or path == "/openapi.json":
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert answer.headers["www-authenticate"] == "Bearer"
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/login?next=")
    assert checked >= 30  # pages, files, review, admin, API and the docs
    # the static files are public and hold no user data; a forged cookie or token is no sign-in
    assert anonymous.get("/static/htmx.min.js").status_code == 200
    forged = httpx.Client(base_url=web.url, cookies={"speechcase_session": "forged"})
    assert forged.get(f"/runs/{web.runs['churn']}/audio").status_code == 303
    assert web.bearer("sc_forged").get("/api/talks").status_code == 401


def test_another_candidate_gets_404_for_everything_of_ana(web):
    ana, bob = web.client("ana"), web.client("bob")
    for what, url in objects(web).items():
        mine = ana.get(url)
        if what != "review page":  # the owner reads the review on the run page
            assert mine.status_code == 200, (what, mine.status_code)
        theirs = bob.get(url)
        assert theirs.status_code == 404, (what, theirs.status_code)
        assert "churn" not in theirs.text and "speech_12s" not in theirs.text
    # by name too, in the API and the talk list, and the same answer as for a talk that does not exist
    assert bob.get("/api/talks/churn").json() == bob.get("/api/talks/no-such-talk").json()
    assert [t["name"] for t in bob.get("/api/talks").json()] == ["bob-talk"]
    assert bob.get(f"/runs/{web.runs['churn']}").text == bob.get("/runs/999999").text
    # and bob cannot act on ana's things either
    for url, data in ((f"/runs/{web.runs['churn']}/delete", {}), (f"/talks/{web.talks['churn']}/shares", {"coach": "dora"}),
                      (f"/runs/{web.runs['churn']}/reanalyze", {"framework": "deep-dive"})):
        assert bob.post(url, data={**data, "csrf": bob.csrf}).status_code == 404
    assert bob.post("/api/talks/churn/shares", json={"coach": "dora"},
                    headers={"X-CSRF-Token": bob.csrf}).status_code == 404


def test_coaches_see_a_talk_only_while_it_is_shared(web):
    ana, carl, root = web.client("ana"), web.client("carl"), web.client("root")
    urls = objects(web)
    for client in (carl, root):
        for what, url in urls.items():
            assert client.get(url).status_code == 404, (what, client)
    shared = ana.post("/api/talks/churn/shares", json={"coach": "carl"}, headers={"X-CSRF-Token": ana.csrf})
    assert shared.status_code == 201, shared.text
    for what, url in urls.items():
        assert carl.get(url).status_code == 200, (what, carl.get(url).status_code)
    assert "shared the talk" in carl.get("/talks").text  # the notice
    assert root.get(urls["talk page"]).status_code == 404  # an admin still sees no talk
    assert web.client("dora").get(urls["run page"]).status_code == 404  # nor another coach
    # revoking works at once, on the coach's very next request
    revoke = ana.post(f"/talks/{web.talks['churn']}/shares/revoke", data={"coach": "carl", "csrf": ana.csrf})
    assert revoke.status_code == 303
    for what, url in urls.items():
        assert carl.get(url).status_code == 404, what
    assert "shared the talk" not in carl.get("/talks").text


def test_a_one_time_invite_link(web):
    ana, dora, carl = web.client("ana"), web.client("dora"), web.client("carl")
    page = ana.post(f"/talks/{web.talks['churn']}/invites", data={"csrf": ana.csrf})
    link = re.search(r'class="invite" readonly value="([^"]+)"', page.text).group(1)
    path = httpx.URL(link).path
    assert dora.get(f"/talks/{web.talks['churn']}").status_code == 404
    assert "invites you to review" in dora.get(path).text
    accepted = dora.post(path, data={"csrf": dora.csrf})
    assert accepted.status_code == 303 and dora.get(f"/talks/{web.talks['churn']}").status_code == 200
    assert carl.post(path, data={"csrf": carl.csrf}).status_code == 400  # used once, never again
    assert carl.get(f"/talks/{web.talks['churn']}").status_code == 404
    ana.post(f"/talks/{web.talks['churn']}/shares/revoke", data={"coach": "dora", "csrf": ana.csrf})
    assert dora.get(f"/talks/{web.talks['churn']}").status_code == 404


def test_every_state_changing_route_needs_the_csrf_token(web):
    ana = web.client("ana")
    checked = 0
    for method, path in app_routes():
        if method == "GET" or path == "/login":
            continue
        url = concrete(path, web)
        for headers in ({}, {"X-CSRF-Token": "forged"}):
            answer = ana.request(method, url, data={"csrf": "forged"} if headers else {}, headers=headers)
            assert answer.status_code == 403, (method, path, answer.status_code, answer.text)
        checked += 1
    assert checked >= 15
    # the upload too, whatever it carries, and nothing of it is kept
    files = {"file": ("take.ogg", (DATA / "speech_12s.ogg").read_bytes())}
    assert ana.post("/api/takes", files=files, data={"talk": "x"}).status_code == 403
    assert not list((web.data / "uploads").iterdir())
    # the sign-in form has its own token (no session yet)
    assert httpx.post(web.url + "/login", data={"name": "ana", "password": PASSWORD}).status_code == 403
    # a bearer token carries no ambient credential and needs none
    token = subprocess.run([sys.executable, "-m", "speechcase", "users", "token", "bob", "--store", str(web.store)],
                           capture_output=True, text=True, check=True).stdout.strip()
    assert web.bearer(token).post("/api/jobs/999/cancel").status_code == 404


def test_the_session_id_changes_at_sign_in_and_the_cookie_is_guarded(web):
    client = web.client()
    client.cookies.set("speechcase_session", "fixated-by-an-attacker", domain="127.0.0.1")
    answer = client.sign_in("ana")
    cookie = answer.headers["set-cookie"]
    first = client.cookies["speechcase_session"]
    assert first != "fixated-by-an-attacker"
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("SameSite=Lax", "SameSite=lax")
    assert "Secure" not in cookie  # plain http on loopback; https sets it
    client.sign_in("ana")
    second = client.cookies["speechcase_session"]
    assert second != first
    stale = httpx.Client(base_url=web.url, cookies={"speechcase_session": first})
    assert stale.get("/talks").status_code == 303  # the session replaced at sign-in is gone
    assert client.get("/talks").status_code == 200
    out = client.post("/logout", data={"csrf": client.csrf})
    assert out.status_code == 303 and client.get("/talks").status_code == 303


def test_hostile_names_and_comments_render_as_text(web):
    ana, carl = web.client("ana"), web.client("carl")
    run, talk = web.runs["evil"], web.talks[EVIL_TALK]
    assert ana.post(f"/talks/{talk}/shares", data={"coach": "carl", "csrf": ana.csrf}).status_code == 303
    decided = carl.post(f"/runs/{run}/review/flags/f-003", data={"decision": "agree", "comment": EVIL_COMMENT},
                        headers={"X-CSRF-Token": carl.csrf})
    assert decided.status_code == 200, decided.text
    note = carl.post(f"/runs/{run}/review/notes", data={"at": "0:05", "text": EVIL_COMMENT},
                     headers={"X-CSRF-Token": carl.csrf})
    assert note.status_code == 200
    pages = {who: [client.get(u) for u in ("/talks", f"/talks/{talk}", f"/runs/{run}", f"/runs/{run}/dashboard",
                                            f"/runs/{run}/report")] for who, client in (("ana", ana), ("carl", carl))}
    pages["carl"].append(carl.get(f"/runs/{run}/review"))
    for who, answers in pages.items():
        for answer in answers:
            assert answer.status_code == 200, (who, str(answer.url))
            body = answer.text
            assert "<script>alert" not in body and "<img src=x" not in body, (who, str(answer.url))
    texts = "".join(a.text for a in pages["ana"])
    assert "&lt;script&gt;alert(" in texts and "&lt;img src=x onerror=alert(1)&gt;" in texts
    assert json.loads(ana.get(f"/api/runs/{run}/review").text)["reviews"][0]["comment"] == EVIL_COMMENT
    by_name = ana.get("/api/talks/" + quote(EVIL_TALK, safe=""))  # a name with '/' in it, as a path segment
    assert by_name.status_code == 200 and by_name.json()["name"] == EVIL_TALK
    assert carl.get("/api/talks/" + quote(EVIL_TALK, safe="")).json()["access"] == "coach"
    ana.post(f"/talks/{talk}/shares/revoke", data={"coach": "carl", "csrf": ana.csrf})


def test_uploads_that_are_refused_leave_nothing_behind(web):
    bob = web.client("bob")
    headers = {"X-CSRF-Token": bob.csrf}
    before = sorted(p.relative_to(web.data) for p in web.data.rglob("*"))
    # over the lowered limit (1 MB): from its Content-Length, and while streaming without one
    big = b"\0" * 1_500_000
    answer = bob.post("/api/takes", files={"file": ("big.wav", big)}, data={"talk": "t"}, headers=headers)
    assert answer.status_code == 413 and "larger than this server accepts (1 MB)" in answer.json()["detail"]

    def chunks():
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.wav\"\r\n\r\n"
        for _ in range(30):
            yield b"\1" * 65536
        yield b"\r\n--b--\r\n"

    streamed = bob.post("/api/takes", content=chunks(), headers={**headers, "Content-Type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413
    # a text file named .mp3: the CLI's one-line message
    text = bob.post("/api/takes", files={"file": ("talk.mp3", b"just some text, not a recording\n" * 20)},
                    data={"talk": "t"}, headers=headers)
    assert text.status_code == 422
    assert text.json()["detail"] == ("talk.mp3 could not be decoded as audio; pass a recording such as .wav, .flac, "
                                     ".mp3, .m4a, .ogg/.opus, .webm or a video with sound.")
    # an upload cut off half-way (the browser cancelled)
    with socket.create_connection(("127.0.0.1", web.port)) as raw:
        head = (f"POST /api/takes HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: speechcase_session="
                f"{bob.cookies['speechcase_session']}\r\nX-CSRF-Token: {bob.csrf}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 900000\r\n\r\n")
        raw.sendall(head.encode() + b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cut.ogg\"\r\n\r\n"
                    + (DATA / "speech_12s.ogg").read_bytes()[:20000])
    for _ in range(50):
        if not list((web.data / "uploads").iterdir()):
            break
        import time
        time.sleep(0.1)
    assert sorted(p.relative_to(web.data) for p in web.data.rglob("*")) == before
    # an empty file and a missing one
    assert bob.post("/api/takes", files={"file": ("e.wav", b"")}, data={"talk": "t"}, headers=headers).status_code == 422
    assert bob.post("/api/takes", data={"talk": "t"}, files={"x": ("a", b"a")}, headers=headers).status_code == 400
    assert sorted(p.relative_to(web.data) for p in web.data.rglob("*")) == before
    # a framework is a built-in name, never a file on the server
    named = bob.post("/api/takes", files={"file": ("a.ogg", (DATA / "speech_12s.mp3").read_bytes())},
                     data={"talk": "t", "framework": str(ROOT / "pyproject.toml")}, headers=headers)
    assert named.status_code == 400 and "is not a framework here" in named.json()["detail"]
    assert sorted(p.relative_to(web.data) for p in web.data.rglob("*")) == before


def test_an_upload_named_with_a_path_is_stored_under_the_data_folder(web, tmp_path):
    bob = web.client("bob")
    outside = web.folder / "etc"
    answer = bob.post("/api/takes", files={"file": ("../../etc/x.wav", (DATA / "speech_12s.mp3").read_bytes())},
                      data={"talk": "paths"}, headers={"X-CSRF-Token": bob.csrf})
    assert answer.status_code == 202, answer.text
    job = bob.get(f"/api/jobs/{answer.json()['job']}").json()
    kept = [p for p in (web.data / "audio").rglob("*") if p.is_file() and p.name == "x.wav"]
    assert len(kept) == 1 and kept[0].parent.parent == web.data / "audio"
    assert job["file"] == "x.wav"
    assert not outside.exists() and not Path("/etc/x.wav").exists()
    cancelled = bob.post(f"/api/jobs/{job['id']}/cancel", headers={"X-CSRF-Token": bob.csrf}).json()
    if cancelled["state"] == "cancelled":  # a cancelled take is not kept either (a worker may have taken it first)
        assert not kept[0].exists()


def test_failed_sign_ins_are_slowed_down(web):
    client = web.client()
    for _ in range(5):
        assert client.sign_in("nobody", "wrong password").status_code == 401
    throttled = client.sign_in("nobody", "wrong password")
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in throttled.text
    assert client.sign_in("ana").status_code == 303  # another name from the same address is not blocked


def test_bearer_tokens_work_and_can_be_revoked(web):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "speechcase", "users", *args, "--store", str(web.store)],
                              capture_output=True, text=True)

    token = cli("token", "ana").stdout.strip()
    api = web.bearer(token)
    assert {t["name"] for t in api.get("/api/talks").json()} == {"churn", EVIL_TALK}
    assert api.get(f"/api/runs/{web.runs['churn']}/analysis").json()["schema"] == "speechcase/analysis-v1"
    assert api.get(f"/api/runs/{web.runs['bob']}/analysis").status_code == 404
    assert "Revoked 1" in cli("token", "ana", "--revoke").stdout
    assert api.get("/api/talks").status_code == 401


def test_audio_is_served_with_range_requests(web):
    ana = web.client("ana")
    url = f"/runs/{web.runs['churn']}/audio"
    whole = ana.get(url)
    part = ana.get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and len(part.content) == 1000
    assert part.content == whole.content[1000:2000]
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(whole.content)}"


def test_the_api_is_documented_behind_the_sign_in(web):
    ana = web.client("ana")
    spec = ana.get("/openapi.json").json()
    for path in ("/api/takes", "/api/jobs/{job_id}", "/api/runs/{run_id}/analysis", "/api/talks", "/api/talks/{name}",
                 "/api/talks/{name}/shares"):
        assert path in spec["paths"], path
    docs = ana.get("/docs")
    assert docs.status_code == 200 and "/api/takes" in docs.text and "cdn" not in docs.text.lower()


def test_no_secret_reaches_the_log_or_the_pages(web):
    log = web.log.read_text()
    with open_store(web.store) as store, store.reading() as db:
        hashes = [row[0] for row in db.execute("SELECT password_hash FROM users")]
    assert hashes and all(h.startswith("scrypt$") for h in hashes)
    listing = subprocess.run([sys.executable, "-m", "speechcase", "users", "list", "--store", str(web.store)],
                             capture_output=True, text=True, check=True).stdout
    for text in (log, listing, web.client("root").get("/admin/users").text):
        assert "scrypt$" not in text and PASSWORD not in text
        assert not any(h.split("$")[-1] in text for h in hashes)
    assert set(USERS) <= set(listing.split())


def test_serve_refuses_a_public_address_while_no_account_exists(tmp_path):
    def serve(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "speechcase", "serve", "--store", str(tmp_path / "s.sqlite3"),
                               *args], capture_output=True, text=True, timeout=60)

    refused = serve("--host", "0.0.0.0")
    assert refused.returncode == 32
    assert refused.stderr.startswith("Error: No account exists yet, so the app would be open to anyone")
    assert "speechcase users add NAME" in refused.stderr and "Traceback" not in refused.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = serve("--port", str(busy.getsockname()[1]))
    assert taken.returncode == 32 and "already in use" in taken.stderr


def test_serve_takes_one_whisper_model_for_every_take_and_refuses_a_missing_one(tmp_path, monkeypatch):
    """`serve --model` is `analyze --model` for the whole app: the workers and the coaches' batches transcribe every
    take with it. A model that is not there, or cannot be fetched, is refused before anything starts, with the
    CLI's exit code for it."""
    from speechcase.interfaces.cli.serve import _settings
    from speechcase.interfaces.web.settings import SETTINGS_ENV

    store = tmp_path / "s.sqlite3"
    missing = subprocess.run([sys.executable, "-m", "speechcase", "serve", "--store", str(store), "--model",
                              str(tmp_path / "no-model")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 11 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == f"Error: Model folder {tmp_path / 'no-model'} does not exist; check the path."
    # a known name whose files are not on this machine and cannot be fetched (offline, an empty model cache) is
    # refused too, before the workers would each fail loading it
    offline = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    absent = subprocess.run([sys.executable, "-m", "speechcase", "serve", "--store", str(store), "--model",
                             "small.en"], capture_output=True, text=True, timeout=60, env=offline)
    assert absent.returncode == 11 and "Traceback" not in absent.stderr
    assert absent.stderr.startswith("Error: Could not load Whisper model 'small.en'")
    assert not store.exists()
    monkeypatch.setenv(SETTINGS_ENV, _settings("127.0.0.1", 8765, store, None, 1, 10 ** 9, 1, "base"))
    settings = WebSettings.from_env()
    options = settings.analyze_options("deep-dive")
    assert (options.model, options.framework, options.max_duration) == ("base", "deep-dive", settings.max_duration)
    monkeypatch.setenv(SETTINGS_ENV, _settings("127.0.0.1", 8765, store, None, 1, 10 ** 9, 1))
    assert WebSettings.from_env().analyze_options().model is None  # the embedded tiny.en
    assert WebSettings.from_env().analyze_options().framework == AnalyzeOptions().framework


def test_the_first_start_explains_how_to_create_an_account(tmp_path):
    server = WebServer(tmp_path)
    server.start()
    try:
        page = httpx.get(server.url + "/login").text
        assert "No account exists yet" in page and "speechcase users add NAME --role candidate" in page
        assert "speechcase users add NAME --role candidate" in server.log.read_text()
    finally:
        server.stop()


def test_templates_autoescape():
    from speechcase.interfaces.web.templates_env import environment

    env = environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x=EVIL_COMMENT).count("<") == 0


def test_admins_manage_accounts_and_nobody_else_does(web):
    root, ana, carl = web.client("root"), web.client("ana"), web.client("carl")
    for client in (ana, carl):
        assert client.get("/admin/users").status_code == 404
        assert client.post("/admin/users", data={"name": "mallory", "role": "admin", "password": "x" * 12,
                                                 "csrf": client.csrf}).status_code == 404
    added = root.post("/admin/users", data={"name": "eve", "role": "candidate", "password": "eve's password",
                                            "csrf": root.csrf})
    assert added.status_code == 200 and "Added candidate" in added.text
    assert web.client("eve", "eve's password").get("/talks").status_code == 200
    taken = root.post("/admin/users", data={"name": "eve", "role": "coach", "password": "x" * 12, "csrf": root.csrf})
    assert taken.status_code == 400 and "already exists" in taken.text
    assert root.post("/admin/users/eve/remove", data={"csrf": root.csrf}).status_code == 303
    assert web.client().sign_in("eve", "eve's password").status_code == 401
    assert root.get("/talks").status_code == 303  # an admin has no talks page


def test_runs_recorded_by_the_cli_show_in_the_app(web, tmp_path):
    from conftest import run_cli

    result = run_cli("analyze", DATA / "transcript_sample.json", "--talk", "from the cli", "--speaker", "ana",
                     "--store", web.store, "-o", tmp_path, "--quiet")
    assert result.exit_code == 0, result.output
    ana = web.client("ana")
    talk = ana.get("/api/talks/from the cli").json()
    assert talk["speaker"] == "ana" and len(talk["runs"]) == 1
    assert ana.get(f"/runs/{talk['runs'][0]['id']}").status_code == 200
    assert web.client("bob").get("/api/talks/from the cli").status_code == 404
