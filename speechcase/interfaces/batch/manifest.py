"""What a batch analyses: one :class:`BatchItem` per recording, read from a manifest CSV or from paths.

A manifest is a CSV file with a header row: ``path`` (required), ``speaker``, ``talk`` and ``framework``
(optional; an empty cell takes the command-line default). Paths are relative to the manifest's folder
unless absolute (so is a ``framework`` cell naming a .toml file). List each speaker's takes oldest first:
that is the order they are stored in.
Other columns (notes, e-mail, ...) are ignored and named once, so a misspelt column does not pass unseen.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from speechcase.core.errors import BadManifest
from speechcase.core.files import read_text_file

#: The columns a manifest may have; only ``path`` is required.
MANIFEST_COLUMNS = ("path", "speaker", "talk", "framework")
#: The files a folder given on the command line contributes (anything FFmpeg decodes can be named one by one).
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".opus", ".webm", ".mp4", ".mov",
                            ".mkv", ".wma", ".aiff", ".aif"})


@dataclass(frozen=True)
class BatchItem:
    """One recording to analyse, and the run it becomes.

    Attributes:
        path: The recording, absolute, as every worker opens it.
        speaker: Whose talk it is.
        talk: The talk the run is recorded under.
        framework: A built-in framework name or a framework .toml file.
        origin: Where the item came from, for messages (``cohort.csv row 7`` or the path as given).
        name: What the stored run calls its recording; empty for the path (the web app gives the file's own
            name, never where the server keeps it).
    """

    path: Path
    speaker: str
    talk: str
    framework: str
    origin: str
    name: str = ""


@dataclass(frozen=True)
class Manifest:
    """A manifest's items, and the columns it had that speechcase does not read."""

    items: list[BatchItem]
    ignored_columns: list[str]


def items_from_paths(paths: list[Path], speaker: str, framework: str) -> list[BatchItem]:
    """Items for recordings named on the command line: each file as given, each folder's recordings (by
    suffix, sorted by name, not recursive). The talk is the file's name without its suffix.

    A path that does not exist is kept: the batch reports it as failed and goes on.
    """
    items = []
    for given in paths:
        path = Path(given).expanduser()
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES) \
            if path.is_dir() else [path]
        items += [BatchItem(p.absolute(), speaker, p.stem, framework, str(p)) for p in found]
    return items


def read_manifest(path: Path, speaker: str, framework: str) -> Manifest:
    """Read a manifest CSV (comma, semicolon or tab separated; UTF-8, with or without Excel's BOM).

    Args:
        path: The CSV file.
        speaker: The speaker of rows whose ``speaker`` cell is empty (or of every row without that column).
        framework: The framework of rows without one.

    Returns:
        The items in file order, and the ignored column names.

    Raises:
        BadManifest: the file cannot be read, has no ``path`` column, or has a row without a path.
    """
    path = Path(path)
    hint = "pass a manifest: a CSV file whose first row names the columns path, speaker, talk and framework."
    text = read_text_file(path, BadManifest, hint, "UTF-8 text (save it as CSV UTF-8)", encoding="utf-8-sig")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise BadManifest(f"The manifest {path.name} is empty; {hint}")
    try:  # only the separator is read from the header row; quoting is a spreadsheet's ("" inside a quoted cell)
        delimiter = csv.Sniffer().sniff(lines[0], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader)]
    if "path" not in header:
        raise BadManifest(f"The manifest {path.name} has no 'path' column (its first row reads "
                          f"{', '.join(header)[:80]}); {hint}")
    duplicated = sorted({c for c in header if c in MANIFEST_COLUMNS and header.count(c) > 1})
    if duplicated:
        raise BadManifest(f"The manifest {path.name} has the column '{duplicated[0]}' twice; keep one.")
    column = {name: header.index(name) for name in MANIFEST_COLUMNS if name in header}
    base = path.absolute().parent
    items = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, often at the end of a spreadsheet export

        def cell(name: str) -> str:
            k = column.get(name)
            return row[k].strip() if k is not None and k < len(row) else ""

        given = cell("path")
        if not given:
            raise BadManifest(f"Row {number} of the manifest {path.name} has no path; fill it in or delete the row.")
        recording = Path(given).expanduser()
        recording = recording if recording.is_absolute() else base / recording
        chosen = cell("framework")
        if chosen.lower().endswith(".toml") and not Path(chosen).expanduser().is_absolute():
            chosen = str(base / chosen)  # a framework file beside the manifest, like the recordings
        items.append(BatchItem(recording, cell("speaker") or speaker, cell("talk") or recording.stem,
                               chosen or framework, f"{path.name} row {number}"))
    if not items:
        raise BadManifest(f"The manifest {path.name} lists no recordings; add one row per recording.")
    ignored = [c for c in header if c and c not in MANIFEST_COLUMNS]
    return Manifest(items, ignored)
