"""Admins manage accounts (list, add, remove); they see no talk. ``speechcase users`` does the same from a
terminal."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from speechcase.interfaces.web.auth import Caller, caller, require_role, store, writer
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.accounts import ROLES, add_user, list_users, remove_user
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def users_page(request: Request, who: Caller = Depends(caller), db: Store = Depends(store),
               message: str | None = None) -> Response:
    require_role(who, "admin")
    return render(request, "admin.html", who, users=list_users(db), roles=ROLES, message=message)


@router.post("/admin/users")
def users_add(request: Request, name: str = Form(...), role: str = Form(...), password: str = Form(...),
              who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    require_role(who, "admin")
    user = add_user(db, name.strip(), role, password)
    return users_page(request, who, db, message=f"Added {user.role} '{user.name}'.")


@router.post("/admin/users/{name}/remove")
def users_remove(name: str, who: Caller = Depends(writer), db: Store = Depends(store)) -> Response:
    require_role(who, "admin")
    if name == who.user.name:
        return RedirectResponse("/admin/users", status_code=303)  # an admin cannot lock themselves out here
    remove_user(db, name)
    return RedirectResponse("/admin/users", status_code=303)
