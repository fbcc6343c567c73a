"""Signing in and out, and accepting an invite link."""
from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from speechcase.interfaces.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Caller,
    caller,
    clear_session_cookie,
    set_session_cookie,
    store,
    writer,
)
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.accounts import authenticate, create_session, end_session, has_users
from speechcase.rehearsals.sharing import accept_invite, invite_talk
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a path on this site (``/talks/3``), never ``//elsewhere`` or ``https://...``."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/talks"


@router.get("/login")
def login_page(request: Request, next: str | None = None, db: Store = Depends(store)) -> Response:
    form_token = secrets.token_urlsafe(24)
    page = render(request, "login.html", None, next=safe_next(next), form_token=form_token,
                  no_users=not has_users(db))
    page.set_cookie(LOGIN_COOKIE, form_token, httponly=True, samesite="strict", path="/login",
                    secure=request.url.scheme == "https")
    return page


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""), form_token: str = Form(""),
          next: str = Form("/talks"), db: Store = Depends(store)) -> Response:
    cookie_token = request.cookies.get(LOGIN_COOKIE, "")
    if not form_token or not secrets.compare_digest(form_token, cookie_token):
        raise HTTPException(403, "The sign-in form is out of date; reload the page and sign in again.")
    throttle = request.app.state.throttle
    keys = (f"name:{name.lower()}", f"ip:{request.client.host if request.client else '?'}")
    wait = throttle.wait_seconds(*keys)
    if wait:
        raise HTTPException(429, f"Too many failed sign-ins; wait {wait} s and try again.",
                            headers={"Retry-After": str(wait)})
    user = authenticate(db, name, password)
    if user is None:
        throttle.failed(*keys)
        form_token = secrets.token_urlsafe(24)
        page = render(request, "login.html", None, next=safe_next(next), form_token=form_token, name=name,
                      error="That user name and password do not match an account.", no_users=not has_users(db),
                      status_code=401)
        page.set_cookie(LOGIN_COOKIE, form_token, httponly=True, samesite="strict", path="/login")
        return page
    throttle.succeeded(keys[0])
    token, _ = create_session(db, user, replaces=request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, token)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    end_session(db, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/invite/{token}")
def invite_page(request: Request, token: str, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    talk = invite_talk(db, token)
    return render(request, "invite.html", who, token=token, talk=talk)


@router.post("/invite/{token}")
def invite_accept(token: str, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    talk = accept_invite(db, who.user, token)
    return RedirectResponse(f"/talks/{talk.id}", status_code=303)
