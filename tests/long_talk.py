"""A long analysis document made by repeating a real one: for size and speed checks of the dashboard.

Nobody has to transcribe an hour: every timed list of a real ``analysis.json``
is copied with its times moved on by the talk's length, until the talk is as
long as asked. Rates (wpm, fillers per minute) and shares stay what they were.
"""
from __future__ import annotations

import copy
import math
from typing import Any

TIMED = ("sentences", "sections", "pauses", "fillers", "flags", "hedges")


def repeat_document(doc: dict[str, Any], minutes: float) -> dict[str, Any]:
    """``doc`` repeated back to back until it lasts ``minutes``; flag ids renumbered in time order."""
    length = doc["source"]["duration"]
    copies = max(1, math.ceil(minutes * 60 / length))
    out = copy.deepcopy(doc)
    n_words = len(doc["words"])
    for key in (*TIMED, "words"):
        out[key] = []
    out["pacing"]["timeline"], out["pacing"]["rolling"] = [], []
    for k in range(copies):
        shift = k * length
        out["words"] += [_moved(w, shift) for w in doc["words"]]
        for key in TIMED:
            out[key] += [_moved(item, shift) for item in doc.get(key, [])]
        for key in ("timeline", "rolling"):
            out["pacing"][key] += [_moved(w, shift) for w in doc["pacing"].get(key, [])]
        for sentence in out["sentences"][-len(doc["sentences"]):]:
            if "words" in sentence:
                sentence["words"] = [i + k * n_words for i in sentence["words"]]
    for number, flag in enumerate(out["flags"], 1):
        flag["id"] = f"f-{number:03d}"
    out["source"]["duration"] = round(copies * length, 3)
    for row in out["balance"]:
        row["seconds"] = round(row["seconds"] * copies, 2)
    if "summary" in out:
        out["summary"]["duration"] = out["source"]["duration"]
        out["summary"]["words"] *= copies
        out["summary"]["sentences"] = len(out["sentences"])
    return out


def _moved(item: dict[str, Any], shift: float) -> dict[str, Any]:
    moved = dict(item)
    moved["start"] = round(item["start"] + shift, 3)
    moved["end"] = round(item["end"] + shift, 3)
    return moved
