"""Dashboard rules and names, read from ``data/dashboard.toml`` (documented there), and the palette."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from speechcase.analysis.config import default_thresholds
from speechcase.core.files import data_file

#: Paul Tol's "light" scheme: pastel fills that stay distinct for every common colour-vision deficiency and
#: keep dark text readable on top. Sections take them in framework order.
SECTION_COLOURS = ["#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00"]
UNSEGMENTED_COLOUR = "#DDDDDD"
#: Okabe-Ito colours for what needs to stand out; severity is also written out, never told by colour alone.
SEVERITY_COLOURS = {"high": "#D55E00", "medium": "#E69F00", "low": "#56B4E9"}
PACE_COLOUR = "#004488"
LOUDNESS_COLOUR = "#AA3377"
FILLER_COLOURS = {"filled_pause": "#CC79A7", "discourse": "#009E73"}
PAUSE_COLOURS = {"between_sentences": "#999999", "mid_sentence": "#332288"}
STATUS_COLOURS = {"ok": "#009E73", "under": "#56B4E9", "over": "#D55E00", "missing": "#999999"}


@dataclass(frozen=True)
class DashboardSettings:
    slow_wpm: float
    fast_wpm: float
    monotone_semitones: float
    lively_semitones: float
    flat_db: float
    long_sentence_words: int
    fillers_rare: float
    fillers_frequent: float
    areas: dict[str, tuple[str, ...]]
    flag_titles: dict[str, str]
    max_line_points: int
    max_hover_chars: int
    zoom_from_talk_seconds: float
    zoom_context_seconds: float
    unsure_below: float = 0.0  # a sentence's section probability under this is shown as uncertain (0: never)
    max_unsure_named: int = 3
    transcript_unsure_below: float = 0.0  # a tiny.en transcript's mean word probability under this: suggest base

    def flag_title(self, flag_type: str) -> str:
        return self.flag_titles.get(flag_type) or flag_type.replace("_", " ").capitalize()

    def area_of(self, flag_type: str) -> str | None:
        return next((area for area, types in self.areas.items() if flag_type in types), None)


@functools.lru_cache(maxsize=1)
def default_settings() -> DashboardSettings:
    data = data_file("dashboard.toml")
    verdicts, limits = data["verdicts"], data["limits"]
    thresholds = default_thresholds()
    return DashboardSettings(
        slow_wpm=thresholds.slow_wpm, fast_wpm=thresholds.fast_wpm, monotone_semitones=thresholds.monotone_sd,
        lively_semitones=float(data["voice"]["lively_semitones"]), flat_db=thresholds.energy.flat_db,
        long_sentence_words=thresholds.long_sentences.max_words,
        fillers_rare=float(verdicts["fillers_rare"]), fillers_frequent=float(verdicts["fillers_frequent"]),
        areas={area: tuple(types) for area, types in data["areas"].items()},
        flag_titles={str(k): str(v) for k, v in data["flag_titles"].items()},
        max_line_points=int(limits["max_line_points"]), max_hover_chars=int(limits["max_hover_chars"]),
        zoom_from_talk_seconds=float(limits["zoom_from_talk_seconds"]),
        zoom_context_seconds=float(limits["zoom_context_seconds"]),
        unsure_below=thresholds.sections.unsure_below,
        max_unsure_named=int(data["sections"]["max_unsure_named"]),
        transcript_unsure_below=thresholds.transcript_unsure_below)


def section_colours(framework_ids: list[str], seen_ids: list[str]) -> dict[str, str]:
    """A fixed colour per section id: framework sections in order, then any other id; "unsegmented" is grey."""
    colours: dict[str, str] = {"unsegmented": UNSEGMENTED_COLOUR}
    for section_id in [*framework_ids, *seen_ids]:
        if section_id not in colours:
            colours[section_id] = SECTION_COLOURS[(len(colours) - 1) % len(SECTION_COLOURS)]
    return colours
