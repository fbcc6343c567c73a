"""The coach's Cohort page: the cohort report of ``speechcase cohort`` (:mod:`speechcase.views.cohort`) over exactly
the talks shared with the signed-in coach, with its CSV.

The app's page holds the choice of talk, the downloads and the coach's recent
batches; the report itself is the same self-contained page ``speechcase cohort``
writes, served in a frame with its own content security policy (like a run's
dashboard). A talk name that is not among the coach's shared talks answers 404,
the same answer as one that does not exist; candidates and admins have no
cohort.
"""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from speechcase.core.errors import UnknownTalk
from speechcase.interfaces.web.access import not_found
from speechcase.interfaces.web.auth import Caller, caller, require_role, store
from speechcase.interfaces.web.routes.files import DASHBOARD_POLICY, attachment
from speechcase.interfaces.web.views import render
from speechcase.rehearsals.batches import batches_of, item_counts
from speechcase.rehearsals.cohort import Cohort, build_cohort
from speechcase.rehearsals.sharing import visible_talks
from speechcase.rehearsals.store import Store

router = APIRouter(include_in_schema=False)


def coach_cohort(db: Store, who: Caller, talk: str | None) -> tuple[list[str], Cohort | None]:
    """The names of the talks shared with the coach, and the cohort of those talks (of ``talk`` only, when
    given); None when they hold no run yet. 404 for anyone but a coach, and for a talk not shared with them."""
    require_role(who, "coach")
    talks = [t for t, _ in visible_talks(db, who.user)]
    names = sorted({t.name for t in talks}, key=str.casefold)
    if talk and talk not in names:
        raise not_found()
    try:
        return names, build_cohort(db, talk or None, within=talks)
    except UnknownTalk:
        return names, None


@router.get("/cohort")
def cohort_page(request: Request, talk: str | None = None, who: Caller = Depends(caller),
                db: Store = Depends(store)) -> Response:
    names, cohort = coach_cohort(db, who, talk)
    batches = batches_of(db, who.user.id, limit=5)
    return render(request, "cohort.html", who, names=names, talk=talk or "", cohort=cohort,
                  query=f"?{urlencode({'talk': talk})}" if talk else "", batches=batches,
                  counts=item_counts(db, [b.id for b in batches]))


@router.get("/cohort/report")
def cohort_report(talk: str | None = None, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.views.cohort import render_cohort

    _, cohort = coach_cohort(db, who, talk)
    if cohort is None:
        raise not_found()
    return HTMLResponse(render_cohort(cohort), headers={"Content-Security-Policy": DASHBOARD_POLICY})


@router.get("/cohort.csv")
def cohort_csv(talk: str | None = None, who: Caller = Depends(caller), db: Store = Depends(store)) -> Response:
    from speechcase.views.cohort import cohort_table

    _, cohort = coach_cohort(db, who, talk)
    if cohort is None:
        raise not_found()
    return Response(cohort_table(cohort).to_csv(index=False), media_type="text/csv; charset=utf-8",
                    headers=attachment(f"cohort-{talk or 'all-talks'}.csv"))
