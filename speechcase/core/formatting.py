"""Text formatting shared by every output (terminal, dashboard, report, comparison, web pages).

Kept in one neutral module so that no output has to import another output, or
an analysis stage, for a time label.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime


def format_duration(seconds: float) -> str:
    """``5025.0`` -> ``"1:23:45"``; ``83`` -> ``"1:23"``."""
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def span_label(start: float, end: float) -> str:
    """``1:23`` for a moment (under half a second), ``1:23-1:40`` for a span."""
    return format_duration(start) if end - start < 0.5 else f"{format_duration(start)}-{format_duration(end)}"


def percent(share: float) -> str:
    """``0.234`` -> ``"23 %"``."""
    return f"{share * 100:.0f} %"


def local_time(stamp: str) -> str:
    """``2026-05-02T12:10:33.123456+00:00`` -> ``2026-05-02 14:10`` in the reader's time zone."""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return stamp


def capitalised(text: str) -> str:
    """``modeling share`` -> ``Modeling share``: the first letter up, the rest as written."""
    return text[:1].upper() + text[1:]


def flag_title(flag_type: str) -> str:
    """``section_over`` -> ``Section over`` (for a flag type no title table knows)."""
    return flag_type.replace("_", " ").capitalize()


#: A token that continues the one before it: Whisper sometimes writes one word
#: or number as two ("re -rank", "0 .41", "700 ,000").
CONTINUATION = re.compile(r"^(-[^\W_]|\.\d|,\d{3})")


def continues(before: str, token: str) -> bool:
    """Whether ``token`` is the rest of ``before`` that Whisper wrote apart ("gradient" "-boosted")."""
    return bool(before) and before[-1].isalnum() and bool(CONTINUATION.match(token))


def joined_words(texts: Iterable[str]) -> list[str]:
    """Transcript tokens as a reader wants them: each token Whisper split off glued back to the one before
    ("$400" ",000" -> "$400,000"), as the word count already reads them."""
    out: list[str] = []
    for text in texts:
        if out and continues(out[-1], text):
            out[-1] += text
        else:
            out.append(text)
    return out


def reading_text(texts: Iterable[str]) -> str:
    """Tokens joined into one line for reading: split tokens glued, the rest separated by spaces."""
    return " ".join(joined_words(t.strip() for t in texts if t.strip()))
