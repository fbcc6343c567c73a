"""Who is asking: a browser session (cookie) or an API token (``Authorization: Bearer``), and the checks that
go with each.

- Every route but the login page and the static files needs one or the other
  (:func:`caller`); without it a page redirects to ``/login`` and the API and
  file routes answer 401.
- Every state-changing request made with a session cookie carries the session's
  CSRF token, in the form field ``csrf`` or the header ``X-CSRF-Token``
  (:func:`writer`); without it: 403. A request with a bearer token carries no
  ambient credential, so it needs none.
- The session cookie is HttpOnly, SameSite=Lax, Secure when the request came
  over https, and a new session id is made at every sign-in.
- Failed sign-ins are slowed down per user name and per client address
  (:class:`LoginThrottle`).
"""
from __future__ import annotations

import hmac
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request, Response

from speechcase.interfaces.web.settings import WebSettings
from speechcase.rehearsals.accounts import Session, User, session_for, user_for_token
from speechcase.rehearsals.store import Store, open_store

SESSION_COOKIE = "speechcase_session"
LOGIN_COOKIE = "speechcase_login"  # the sign-in form's own CSRF token (double-submit), before any session
CSRF_HEADER = "x-csrf-token"


class NotSignedIn(Exception):
    """No valid session or token; pages redirect to the sign-in page, the API answers 401."""


@dataclass(frozen=True)
class Caller:
    """The signed-in user; ``session`` is None when the request came with an API token."""

    user: User
    session: Session | None = None

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""


def settings_of(request: Request) -> WebSettings:
    return request.app.state.settings


def store(request: Request) -> Iterator[Store]:
    """The store, opened for this request (SQLite connections are cheap and not shared across threads)."""
    with open_store(settings_of(request).store) as opened:
        yield opened


def caller(request: Request, db: Store = Depends(store)) -> Caller:
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        user = user_for_token(db, header[7:].strip())
        if user is None:
            raise NotSignedIn()
        return Caller(user)
    session = session_for(db, request.cookies.get(SESSION_COOKIE, ""))
    if session is None:
        raise NotSignedIn()
    return Caller(session.user, session)


async def writer(request: Request, who: Caller = Depends(caller)) -> Caller:
    """The caller of a state-changing request, after the CSRF check (session requests only)."""
    if who.session is None:
        return who
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        sent = str((await request.form()).get("csrf", ""))
    if not sent or not hmac.compare_digest(sent, who.session.csrf):
        raise HTTPException(403, "The form's security token is missing or out of date; reload the page and try "
                                 "again.")
    return who


def require_role(who: Caller, *roles: str) -> None:
    """404 for a user whose role cannot see this route (admins see no talk, coaches upload none)."""
    if who.user.role not in roles:
        raise HTTPException(404, "Not found.")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https",
                        path="/", max_age=14 * 24 * 3600)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


class LoginThrottle:
    """Slows down repeated failed sign-ins for a user name and for a client address.

    After ``free`` failures for a name (``free_address`` for an address, which
    many people may share) within ``window`` seconds, each further attempt must
    wait 2, 4, 8 ... (at most ``cap``) seconds after the last failure; an attempt
    that comes earlier is refused (429) without checking the password.
    """

    def __init__(self, free: int = 5, free_address: int = 20, window: float = 900.0, cap: float = 300.0):
        self.free, self.free_address, self.window, self.cap = free, free_address, window, cap
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> int:
        """Seconds to wait before another attempt for any of ``keys``; 0 when it may go ahead."""
        now = time.monotonic()
        longest = 0.0
        with self._lock:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window]
                self._failures[key] = recent
                over = len(recent) - (self.free_address if key.startswith("ip:") else self.free)
                if over >= 0:
                    longest = max(longest, min(self.cap, 2.0 ** (over + 1)) - (now - recent[-1]))
        return max(0, math.ceil(longest))

    def failed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(time.monotonic())

    def succeeded(self, name_key: str) -> None:
        with self._lock:
            self._failures.pop(name_key, None)
