"""The web app of ``speechcase serve``: FastAPI pages (Jinja2 + htmx) and a JSON API over the CLI's store.

:func:`create_app` builds it from :class:`~.settings.WebSettings`; uvicorn
loads it by its import string. At start it clears half-received uploads left by
a crash, re-queues interrupted jobs and batches, and starts the analysis
workers (:mod:`.workers`) and, while coaches' batches are queued, the batch
driver (:mod:`.batch_drivers`); at stop it stops them.

Errors: a page gets a page with the one-line message and the right status, the
API gets ``{"detail": message}``; a request without a session or token is sent
to the sign-in page (pages) or answered 401 (API).
"""
from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from speechcase.core.errors import SpeechcaseError
from speechcase.core.version import __version__
from speechcase.interfaces.web.auth import LoginThrottle, NotSignedIn
from speechcase.interfaces.web.batch_drivers import BatchDriver
from speechcase.interfaces.web.routes import admin, api, batches, cohort, files, goals, pages, review, session
from speechcase.interfaces.web.settings import WebSettings
from speechcase.interfaces.web.templates_env import TEMPLATES, templates
from speechcase.interfaces.web.workers import Workers

log = logging.getLogger("speechcase.web")
STATIC = TEMPLATES.parent / "static"

#: Pages the app renders itself load only their own scripts; the dashboard and report carry their own policy.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; frame-src 'self'; "
               "frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


class SecurityHeaders(BaseHTTPMiddleware):
    """Headers on every response: a content security policy, no sniffing, no framing by other sites, no
    referrer sent elsewhere (invite links carry a token), and no caching of private pages."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def create_app(settings: WebSettings | None = None, start_workers: bool = True) -> FastAPI:
    """The app for ``settings`` (default: from ``$SPEECHCASE_WEB_SETTINGS``, as ``speechcase serve`` sets it)."""
    settings = settings or WebSettings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        shutil.rmtree(settings.uploads, ignore_errors=True)  # half-received uploads of a server that died
        settings.uploads.mkdir(parents=True, exist_ok=True)
        settings.audio.mkdir(parents=True, exist_ok=True)
        for staged in settings.audio.glob(".*"):  # a batch's recording half-copied when a driver died
            staged.unlink(missing_ok=True)
        workers = Workers(settings)
        app.state.workers = workers
        app.state.batch_driver = BatchDriver(settings)
        if start_workers:
            workers.start()
            app.state.batch_driver.start()
        try:
            yield
        finally:
            app.state.batch_driver.stop()
            workers.stop()

    app = FastAPI(title="speechcase", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None,
                  description="Upload practice talks, follow their analysis, read the results and coach reviews. "
                              "Every route needs a session cookie (sign in at /login) or "
                              "`Authorization: Bearer TOKEN` (`speechcase users token NAME`).")
    app.state.settings = settings
    app.state.templates = templates()
    app.state.throttle = LoginThrottle()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (session, pages, files, review, admin, cohort, batches, goals):
        app.include_router(module.router)
    app.include_router(goals.api)  # before api's GET /api/talks/{name:path}, which would take ".../goals" as a name
    app.include_router(api.router)
    app.include_router(batches.api)
    app.include_router(api.docs_router)

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, _exc: NotSignedIn) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "Sign in first: send a session cookie or Authorization: Bearer TOKEN."},
                                status_code=401, headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={_quote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error_response(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "the request"
        return error_response(request, 422, f"{where}: {first.get('msg', 'invalid value')}.")

    @app.exception_handler(SpeechcaseError)
    async def refused(request: Request, exc: SpeechcaseError) -> Response:
        return error_response(request, 400, str(exc))

    return app


def error_response(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if wants_json(request) or request.headers.get("hx-request"):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    page = request.app.state.templates.TemplateResponse(request, "error.html",
                                                        {"status": status, "message": message, "who": None},
                                                        status_code=status)
    for key, value in (headers or {}).items():
        page.headers[key] = value
    return page


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
