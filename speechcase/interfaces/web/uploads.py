"""Receiving an upload: the multipart body streamed to disk in chunks, hashed on the way, never held in memory.

The request body is parsed as it arrives (python-multipart's streaming parser):
each file part (a take's ``file``; a batch's recordings and manifest) goes
straight into a private folder under the data folder's ``uploads/``, 64 KiB at a
time, through SHA-256; the other fields (talk, speaker, framework) are small and
kept in memory with a cap. A body over the
limit is refused from its ``Content-Length`` before anything is read, or as soon
as the file passes the limit; a body that stops half-way (the browser cancelled)
or cannot be parsed is refused too. Every refusal removes what was written.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

FIELD_LIMIT = 10_000  # bytes per form field
FORM_SLACK = 1_000_000  # bytes of a body that may be form fields and multipart framing beside the file


class UploadRefused(Exception):
    """An upload that is not kept; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class ReceivedFile:
    """One file of an upload, as written: ``name`` as the browser sent it, ``path`` where it was written (its base
    name made safe by :func:`safe_name`), its SHA-256 and size."""

    field: str
    name: str
    path: Path
    sha256: str = ""
    size: int = 0


@dataclass
class Upload:
    """A received upload: its form fields and its files, all in one private folder (``folder``, None until a file
    came). ``path``, ``name``, ``sha256`` and ``size`` are those of the ``file`` field's file (a take's)."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)
    folder: Path | None = None

    def _take(self) -> ReceivedFile | None:
        return next((f for f in self.files if f.field == "file"), None)

    @property
    def path(self) -> Path | None:
        take = self._take()
        return take.path if take is not None and take.path.exists() else None

    @property
    def name(self) -> str:
        take = self._take()
        return take.name if take else ""

    @property
    def sha256(self) -> str:
        take = self._take()
        return take.sha256 if take else ""

    @property
    def size(self) -> int:
        take = self._take()
        return take.size if take else 0

    def of(self, field_name: str) -> list[ReceivedFile]:
        """The files sent in the form field ``field_name``, in the order they came."""
        return [f for f in self.files if f.field == field_name]

    def discard(self) -> None:
        """Remove the received files and their private folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def safe_name(name: str) -> str:
    """The base name of an uploaded file, fit to be a file name: folders dropped (``../../etc/x.wav`` ->
    ``x.wav``), control characters removed, at most 120 characters; ``recording`` when nothing is left.
    Anything else stays as the user named it: every page escapes it."""
    # browsers send '"' and line breaks in a multipart file name as %22, %0A and %0D (WHATWG HTML)
    name = (name or "").replace("%22", '"').replace("%0A", "\n").replace("%0D", "\r")
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip()
    if base in ("", ".", ".."):
        return "recording"
    if len(base) > 120:
        stem, dot, suffix = base.rpartition(".")
        base = (stem[:110] + dot + suffix[:9]) if dot and len(suffix) < 10 else base[:120]
    return base


def too_large(limit: int) -> UploadRefused:
    return UploadRefused(413, f"The file is larger than this server accepts ({human_size(limit)}); trim the "
                              "recording or export it compressed (m4a, mp3 or opus), or start the server with a "
                              "higher --max-upload.")


def human_size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}".replace(".0 ", " ")
        n /= 1000
    return f"{n} GB"  # pragma: no cover


async def receive_upload(request: Request, uploads: Path, limit: int,
                         file_fields: Mapping[str, int] | None = None) -> Upload:
    """Stream a ``multipart/form-data`` request into a private folder under ``uploads``; raises
    :class:`UploadRefused` (and keeps nothing).

    Args:
        limit: The most bytes all of its files may hold together.
        file_fields: Form field -> how many files it may carry (default: one take in ``file``). Two files of one
            upload with the same (safe) name are refused: each is kept under its own name.
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UploadRefused(400, "Send the recording as multipart/form-data with a 'file' field.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + FORM_SLACK:
        raise too_large(limit)
    receiver = _Receiver(uploads, limit, file_fields or {"file": 1})
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            parser.write(chunk)
            if receiver.refused:
                raise receiver.refused
        parser.finalize()
        if receiver.refused:
            raise receiver.refused
        if receiver.in_part:
            raise UploadRefused(400, "The upload ended before the file did; send it again.")
    except ClientDisconnect:
        receiver.upload.discard()
        raise UploadRefused(400, "The upload was cancelled before it finished; nothing was kept.") from None
    except UploadRefused:
        receiver.upload.discard()
        raise
    except Exception as exc:  # a malformed body: python-multipart raises its own errors
        receiver.upload.discard()
        raise UploadRefused(400, f"The upload could not be read ({type(exc).__name__}); send it again.") from exc
    finally:
        receiver.close()
    return receiver.upload


class _Receiver:
    """The parser's callbacks: headers of each part, then its data to a file or a field."""

    def __init__(self, uploads: Path, limit: int, file_fields: Mapping[str, int]):
        self.uploads, self.limit, self.file_fields = uploads, limit, file_fields
        self.upload = Upload()
        self.total = 0
        self._current: ReceivedFile | None = None
        self.refused: UploadRefused | None = None
        self.in_part = False
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._field: str | None = None
        self._value = bytearray()
        self._file: IO[bytes] | None = None
        self._digest = hashlib.sha256()

    def callbacks(self) -> dict[str, Any]:
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
                "on_header_value": self._header_value_data, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end}

    def _part_begin(self) -> None:
        self.in_part = True
        self._headers = {}
        self._field = None
        self._value = bytearray()

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode("utf-8", "replace")
        if name not in self.file_fields or b"filename" not in options:
            self._field = name
            return
        if self.refused:
            return
        if len(self.upload.of(name)) >= self.file_fields[name]:
            self.refused = UploadRefused(400, f"Send at most {self.file_fields[name]} file"
                                              f"{'s' if self.file_fields[name] != 1 else ''} in '{name[:40]}'.")
            return
        if self.upload.folder is None:
            self.upload.folder = self.uploads / secrets.token_hex(16)
            self.upload.folder.mkdir(parents=True)
        given = options[b"filename"].decode("utf-8", "replace")
        path = self.upload.folder / name / safe_name(given)
        if path.exists():
            self.refused = UploadRefused(400, f"Two files are called {path.name}; rename one of them.")
            return
        path.parent.mkdir(exist_ok=True)
        self._current = ReceivedFile(name, given, path)
        self.upload.files.append(self._current)
        self._digest = hashlib.sha256()
        self._file = open(path, "wb")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.refused:
            return
        chunk = data[start:end]
        if self._file is not None and self._current is not None:
            self._current.size += len(chunk)
            self.total += len(chunk)
            if self.total > self.limit:
                self.refused = too_large(self.limit)
                return
            self._file.write(chunk)
            self._digest.update(chunk)
        elif self._field is not None:
            self._value += chunk
            if len(self._value) > FIELD_LIMIT:
                self.refused = UploadRefused(400, f"The form field '{self._field[:40]}' is too long.")

    def _part_end(self) -> None:
        self.in_part = False
        if self._file is not None and self._current is not None:
            self._file.close()
            self._file = None
            self._current.sha256 = self._digest.hexdigest()
            self._current = None
        elif self._field is not None:
            self.upload.fields.setdefault(self._field, self._value.decode("utf-8", "replace"))
            self._field = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
