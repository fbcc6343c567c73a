"""Accepting a coach's batch: the recordings and their manifest, uploaded together, checked row by row before
anything is queued.

What the server reads is only what it received: the recordings are streamed into
a private folder (:mod:`.uploads`, each under its own base name), and a
manifest row's ``path`` is matched by its base name against those files; the
server never opens a path the browser wrote (``../../etc/passwd`` or
``/home/x/a.wav`` in a row is just a name that matches no uploaded file). The
manifest has the columns of ``speechcase batch --manifest`` (read by the same
reader); a framework is one of the built-in names, never a file on the server.

Whose takes they become: every row names a candidate's speaker and one of their
talks, and that talk must be shared with this coach right now
(:func:`~speechcase.rehearsals.sharing.coach_may_add`): a coach's batch adds
takes only where the coach may already read, so it cannot create runs for
anyone who has not shared that talk (and "not shared" reads like "no such
talk"). The driver checks it again before storing each run, so a share revoked
while the batch runs stops it from adding to that talk.

Whatever is refused leaves nothing on disk; an accepted batch's recordings move
to ``DATA/batches/<random folder>/``.
"""
from __future__ import annotations

import importlib.util
import os
import shutil

from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from speechcase.analysis.frameworks import builtin_names
from speechcase.core.errors import BadManifest
from speechcase.interfaces.batch.manifest import read_manifest
from speechcase.interfaces.web.auth import Caller
from speechcase.interfaces.web.settings import WebSettings
from speechcase.interfaces.web.takes import framework_name, talk_name
from speechcase.interfaces.web.uploads import ReceivedFile, Upload, UploadRefused, receive_upload, safe_name
from speechcase.rehearsals.batches import Batch, NewItem, create_batch
from speechcase.rehearsals.sharing import coach_may_add
from speechcase.rehearsals.store import Store

#: The most recordings one batch upload may carry.
MAX_FILES = 2000
#: Form fields of a batch upload that carry files, and how many each may carry.
FILE_FIELDS = {"files": MAX_FILES, "manifest": 1}


def batches_available() -> bool:
    """Whether this server can run batches (Dask comes with the ``cluster`` extra)."""
    return importlib.util.find_spec("distributed") is not None


NO_DASK = ("Batches run on Dask, which is not installed on this server; install it with pip install "
           "'speechcase[cluster]' and start the server again.")


async def accept_batch(request: Request, db: Store, settings: WebSettings, who: Caller) -> Batch:
    """Receive, check and queue one batch; raises :class:`UploadRefused` (nothing kept), or 404 for a user who is
    not a coach."""
    if who.user.role != "coach":
        raise HTTPException(404, "Not found.")
    if not batches_available():
        raise UploadRefused(503, NO_DASK)
    upload = await receive_upload(request, settings.uploads, settings.max_upload, FILE_FIELDS)
    try:
        return await run_in_threadpool(_queue, upload, db, settings, who)
    finally:
        upload.discard()  # an accepted batch's recordings were moved out of the upload's folder; the rest goes


def _queue(upload: Upload, db: Store, settings: WebSettings, who: Caller) -> Batch:
    manifests, recordings = upload.of("manifest"), upload.of("files")
    if not manifests:
        raise UploadRefused(400, "Choose the manifest: a CSV file with the columns path, speaker, talk and "
                                 "(optional) framework, one row per recording.")
    if not recordings:
        raise UploadRefused(400, "Choose the recordings the manifest lists (the path column names them).")
    framework = framework_name(upload.fields.get("framework"))
    items = _rows(manifests[0], recordings, framework, db, who)
    assert upload.folder is not None
    settings.batches.mkdir(parents=True, exist_ok=True)
    folder = settings.batches / upload.folder.name  # the upload's random folder name, never the user's words
    os.replace(upload.folder / "files", folder)
    try:
        return create_batch(db, who.user.id, str(folder), manifests[0].path.name, framework,
                            [NewItem(origin, str(folder / f.path.name), f.path.name, speaker, talk, chosen)
                             for origin, f, speaker, talk, chosen in items])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _rows(manifest: ReceivedFile, recordings: list[ReceivedFile], framework: str, db: Store,
          who: Caller) -> list[tuple[str, ReceivedFile, str, str, str]]:
    """Each manifest row as (origin, its uploaded file, speaker, talk, framework), or the first row's refusal."""
    try:
        read = read_manifest(manifest.path, speaker="", framework=framework)
    except BadManifest as exc:
        raise UploadRefused(400, str(exc)) from exc
    by_name = {f.path.name: f for f in recordings}
    frameworks = builtin_names()
    rows = []
    for item in read.items:
        given = safe_name(item.path.name)
        found = by_name.get(given)
        if found is None:
            raise UploadRefused(400, f"{item.origin}: {given} is not among the uploaded recordings; choose it with "
                                     "the others, or correct the row's path.")
        if not item.speaker:
            raise UploadRefused(400, f"{item.origin} names no speaker; fill in the speaker column with the "
                                     "candidate's user name.")
        if item.framework not in frameworks:
            raise UploadRefused(400, f"{item.origin}: '{item.framework[:40]}' is not a framework here; use one of "
                                     f"{', '.join(frameworks)}.")
        try:
            talk = talk_name(item.talk)
        except UploadRefused as exc:
            raise UploadRefused(400, f"{item.origin}: {exc}") from exc
        if not coach_may_add(db, who.user, item.speaker, talk):
            raise UploadRefused(400, f"{item.origin}: {item.speaker[:40]} has not shared a talk called "
                                     f"'{talk}' with you; a batch adds takes only to talks shared with you (the "
                                     "Talks page lists them).")
        rows.append((item.origin, found, item.speaker, talk, item.framework))
    unused = sorted(set(by_name) - {f.path.name for _, f, _, _, _ in rows})
    if unused:
        more = f" and {len(unused) - 3} more" if len(unused) > 3 else ""
        raise UploadRefused(400, f"The manifest has no row for {', '.join(unused[:3])}{more}; add a row for each "
                                 "recording, or leave those out of the upload.")
    return rows
