"""A real ``speechcase serve`` for tests: started in a subprocess on a free 127.0.0.1 port, with its own store
and data folder, and HTTP clients signed in as its users.

Usage in a test::

    def test_page(web):
        ana = web.client("ana")              # signed in through the real login form
        assert ana.get("/talks").status_code == 200
        ana.post("/talks/1/shares", data={"coach": "carl", "csrf": ana.csrf})
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from speechcase.rehearsals.accounts import add_user
from speechcase.rehearsals.store import open_store

PASSWORD = "correct horse battery"
#: name -> role of the accounts every test server has
USERS = {"ana": "candidate", "bob": "candidate", "carl": "coach", "dora": "coach", "root": "admin"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client(httpx.Client):
    """An HTTP client of the test server; ``csrf`` is its session's token once signed in."""

    csrf = ""

    def sign_in(self, name: str, password: str = PASSWORD) -> httpx.Response:
        form = self.get("/login")
        token = re.search(r'name="form_token" value="([^"]+)"', form.text)
        assert token, form.text
        answer = self.post("/login", data={"name": name, "password": password, "form_token": token.group(1),
                                           "next": "/talks"})
        if answer.status_code == 303:
            page = self.get("/talks" if USERS.get(name) != "admin" else "/admin/users")
            found = re.search(r'data-csrf="([^"]+)"', page.text)
            self.csrf = found.group(1) if found else ""
        return answer


class WebServer:
    """One ``speechcase serve`` process with its store, data folder and the :data:`USERS`."""

    def __init__(self, folder: Path, max_upload: str = "20MB", env: dict[str, str] | None = None):
        self.folder = folder
        self.store = folder / "store.sqlite3"
        self.data = folder / "data"
        self.max_upload = max_upload
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None
        self.log = folder / "server.log"

    def add_users(self) -> None:
        with open_store(self.store) as store:
            for name, role in USERS.items():
                add_user(store, name, role, PASSWORD)

    def start(self, timeout: float = 90.0) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "speechcase", "serve", "--port", str(self.port), "--store", str(self.store),
                 "--data", str(self.data), "--max-upload", self.max_upload],
                stdout=log, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"speechcase serve exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"speechcase serve did not answer within {timeout} s:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def client(self, name: str | None = None, password: str = PASSWORD) -> Client:
        client = Client(base_url=self.url, timeout=30, follow_redirects=False)
        if name:
            answer = client.sign_in(name, password)
            assert answer.status_code == 303, answer.text
        return client

    def bearer(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"})

    def wait_job(self, client: httpx.Client, job: int, timeout: float = 240.0, until=("done", "failed")) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = client.get(f"/api/jobs/{job}").json()
            if state["state"] in until:
                return state
            time.sleep(0.2)
        raise AssertionError(f"job {job} did not reach {until} in {timeout} s: {state}\n{self.log.read_text()}")

    def worker_pids(self) -> list[int]:
        """The analysis workers of this server (children running speechcase.interfaces.web.worker)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"speechcase.interfaces.web.worker" in cmdline and str(self.store).encode() in environ:
                found.append(int(entry.name))
        return found
