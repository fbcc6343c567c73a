"""Rendering a page: the template with the signed-in user, their CSRF token and the navigation."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from speechcase.interfaces.web.auth import Caller


def render(request: Request, template: str, who: Caller | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered (autoescaped) with ``who`` (None on the sign-in page) and ``context``."""
    return request.app.state.templates.TemplateResponse(
        request, template, {"who": who, "csrf": who.csrf if who else "", **context}, status_code=status_code)
