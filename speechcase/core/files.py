"""Files on disk: atomic JSON writes, the cache folders, transcript loading."""
from __future__ import annotations

import functools
import json
import logging
import os
import tempfile
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Callable, TypeVar

from speechcase.core.errors import BadTranscript, OutputNotWritable, SpeechcaseError
from speechcase.core.types import Transcript

log = logging.getLogger("speechcase")

CACHE_ENV = "SPEECHCASE_CACHE_DIR"
T = TypeVar("T")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so that readers see the old file or the new one, never half of one."""
    write_text_atomic(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file so that readers see the old file or the new one, never half of one.

    The text goes to a temporary file in the same folder, is flushed to disk,
    then renamed over the target (an atomic step on POSIX and Windows).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write to {path.parent} ({exc.strerror}); "
                                "choose another folder.") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def default_cache_dir() -> Path:
    """``$SPEECHCASE_CACHE_DIR``, else the platform's user cache folder (XDG on Linux)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("speechcase"))


class JsonCache:
    """A folder of JSON entries, one file per key, under ``<cache>/<namespace>/``.

    Used for transcripts (keyed by audio hash, model and decoding options) and
    for spaCy parses (keyed by the words and the spaCy model). An
    unreadable entry, say from an older version, counts as a miss and is
    replaced, so the cache can never break an analysis.
    """

    def __init__(self, folder: Path | None, namespace: str):
        self.folder = Path(folder) if folder else default_cache_dir()
        self.namespace = namespace

    def path(self, key: str) -> Path:
        return self.folder / self.namespace / f"{key}.json"

    def get(self, key: str, parse: Callable[[Any], T]) -> T | None:
        try:
            return parse(json.loads(self.path(key).read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def put(self, key: str, data: Any) -> None:
        """Store an entry; a cache that cannot be written only costs speed, so it warns instead of failing."""
        try:
            write_json_atomic(self.path(key), data)
        except (OutputNotWritable, OSError) as exc:
            log.warning("Warning: cannot write the cache in %s (%s); results are not cached. "
                        "Set --cache-dir or %s to a writable folder.", self.folder, exc, CACHE_ENV)


class MemoryCache(JsonCache):
    """A :class:`JsonCache` that keeps its entries in this object only, for one analysis run without the cache
    folder (``--no-cache``): what one stage computed (the sentence embeddings) is still not computed again by
    the next (rambling reads the section stage's vectors)."""

    def __init__(self) -> None:
        super().__init__(Path("."), "memory")
        self._entries: dict[str, Any] = {}

    def get(self, key: str, parse: Callable[[Any], T]) -> T | None:
        try:
            return parse(self._entries[key]) if key in self._entries else None
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def put(self, key: str, data: Any) -> None:
        self._entries[key] = data


def read_text_file(path: Path, error: type[SpeechcaseError], hint: str, what: str = "a text file",
                   encoding: str = "utf-8") -> str:
    """Read a text file the user passed; a missing file, a folder, an unreadable file or bytes that are not
    text become ``error`` with ``hint`` (``what`` names the kind of file expected)."""
    path = Path(path)
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError as exc:
        raise error(f"{path} does not exist; {hint}") from exc
    except IsADirectoryError as exc:
        raise error(f"{path} is a folder; {hint}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path.name} is not {what}; {hint}") from exc
    except OSError as exc:
        raise error(f"Cannot read {path} ({exc.strerror}); {hint}") from exc


def read_json_file(path: Path, error: type[SpeechcaseError], hint: str) -> Any:
    """Parse a JSON file the user passed; every way it can be wrong becomes ``error`` with ``hint``."""
    path = Path(path)
    text = read_text_file(path, error, hint, "a text JSON file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{path.name} is not valid JSON (line {exc.lineno}); {hint}") from exc


def load_transcript(path: Path) -> Transcript:
    """Read a ``transcript.json`` written by ``speechcase transcribe`` or ``analyze``."""
    hint = "pass the transcript.json written by `speechcase analyze` or `speechcase transcribe`."
    data = read_json_file(path, BadTranscript, hint)
    if not isinstance(data, dict) or data.get("schema") != Transcript.SCHEMA:
        raise BadTranscript(f"{path.name} is not a speechcase transcript (no \"schema\": "
                            f"\"{Transcript.SCHEMA}\"); {hint}")
    try:
        transcript = Transcript.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise BadTranscript(f"{path.name} is a damaged transcript (bad or missing field {exc}); {hint}") from exc
    if not transcript.words:
        raise BadTranscript(f"{path.name} contains no words, so there is nothing to analyse; {hint}")
    return transcript


@functools.lru_cache(maxsize=None)
def data_file(name: str) -> dict[str, Any]:
    """One of the package's TOML data files (``speechcase/data/NAME``: thresholds, cue lists, page settings),
    parsed once per process. Callers must not change the returned dict."""
    return tomllib.loads(resources.files("speechcase.data").joinpath(name).read_text(encoding="utf-8"))
