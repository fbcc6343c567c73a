"""The analysis document (``analysis.json``, schema ``speechcase/analysis-v1``) read into typed data.

Every consumer of a saved or stored analysis (the store, the coach review, the
report, the dashboard, the web app) reads it through :func:`read_document`, so
the contract is interpreted in one place. Only the fields the contract requires
are required; optional ones (``summary``, ``pacing.rolling``, ``sentences[].words``,
``hedges``, ``rambling``, ``repeated_phrases``, ``energy``, ``flags[].marks``) have fallbacks, and unknown
section ids and flag types
are carried through unchanged. The document as read stays available as
:attr:`AnalysisDocument.raw`, which is what is written back out (files, the store,
the JSON API): typed data inside, JSON only at the edges.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from speechcase.core.errors import BadAnalysis
from speechcase.core.files import data_file, read_json_file
from speechcase.core.formatting import joined_words
from speechcase.core.types import (
    SEVERITIES,
    BalanceRow,
    Filler,
    FillerKind,
    FillerSource,
    Flag,
    Framework,
    Interval,
    LevelWindow,
    PaceWindow,
    Pacing,
    Pause,
    PauseKind,
    Phrase,
    RepeatedPhrase,
    SectionSpan,
    SectionSpec,
    SectionStatus,
    Sentence,
    Severity,
    Source,
    TranscriptionInfo,
    Vocabulary,
    Word,
)
from speechcase.core.uncertain import unsure_runs

#: The one name of the document's schema; a document without it is not read.
SCHEMA = "speechcase/analysis-v1"
_HINT = "pass the analysis.json written by `speechcase analyze`."


@dataclass(frozen=True)
class FillerRates:
    """Fillers per minute of talk (first word to last), in all and by kind and source."""

    total: float
    filled_pause: float
    discourse: float
    acoustic: float


@dataclass(frozen=True)
class PauseCounts:
    """Pauses of at least the minimum length (1 s), by kind, and the longest one in seconds."""

    count: int
    between_sentences: int
    mid_sentence: int
    longest: float


@dataclass(frozen=True)
class RamblingTotals:
    """The stream-of-consciousness flags of a talk: how many, their seconds and share, the top chain score."""

    flags: int
    seconds: float
    share: float
    max_score: float


@dataclass(frozen=True)
class EnergyNumbers:
    """How loud the words were (``summary.energy``): median level, spread (standard deviation) and 10th-90th
    percentile range in dB, speech over the background in dB, and the drop of a fading end (``None``: none).
    ``measured`` is false, with the ``reason``, where no verdict could be given."""

    measured: bool
    reason: str = ""
    median_db: float | None = None
    sd_db: float | None = None
    range_db: float | None = None
    snr_db: float | None = None
    fade_db: float | None = None


@dataclass(frozen=True)
class SentenceNumbers:
    """Sentence length in words as spoken (``summary.sentence_length``) and how many sentences were long."""

    mean_words: float
    median_words: float
    longest_words: int
    long: int


@dataclass(frozen=True)
class PhraseCount:
    """A flagged repeated phrase as the summary lists it: how often it was said, and per 10 minutes."""

    phrase: str
    count: int
    per_10_minutes: float


@dataclass(frozen=True)
class Summary:
    """The document's headline numbers (its ``summary`` object), as every table and comparison shows them.

    ``extra`` keeps the rest of the object (pitch and the structure signals) as written.
    """

    duration: float
    words: int
    sentences: int
    wpm: float
    articulation_wpm: float
    fillers_per_minute: FillerRates
    pauses: PauseCounts
    hedges_per_minute: float
    flags: dict[Severity, int]
    rambling: RamblingTotals
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pitch(self) -> dict[str, Any]:
        return dict(self.extra.get("pitch") or {"measured": False, "reason": "not in this document"})

    @property
    def energy(self) -> EnergyNumbers:
        e = self.extra.get("energy") or {"measured": False, "reason": "not in this document"}

        def number(key: str) -> float | None:
            return None if e.get(key) is None else float(e[key])

        return EnergyNumbers(bool(e["measured"]), str(e.get("reason") or ""), number("median_db"), number("sd_db"),
                             number("range_db"), number("snr_db"), number("fade_db"))

    @property
    def vocabulary(self) -> Vocabulary | None:
        """MTLD, words and distinct words; ``None`` for a document from before vocabulary was measured."""
        v = self.extra.get("vocabulary")
        return None if v is None else Vocabulary(None if v.get("mtld") is None else float(v["mtld"]),
                                                  int(v["words"]), int(v["distinct"]))

    @property
    def sentence_length(self) -> SentenceNumbers | None:
        v = self.extra.get("sentence_length")
        return None if v is None else SentenceNumbers(float(v["mean_words"]), float(v["median_words"]),
                                                       int(v["longest_words"]), int(v["long"]))

    @property
    def repeated_phrases(self) -> list[PhraseCount] | None:
        """The flagged repeated phrases, most said first; ``None`` for a document from before they were
        measured."""
        v = self.extra.get("repeated_phrases")
        return None if v is None else [PhraseCount(str(p["phrase"]), int(p["count"]), float(p["per_10_minutes"]))
                                       for p in v.get("phrases", [])]

    def number(self, path: str) -> float | None:
        """The summary number at a dotted ``path`` (see :func:`summary_number`)."""
        return summary_number({"duration": self.duration, "words": self.words, "sentences": self.sentences,
                               "wpm": self.wpm, "articulation_wpm": self.articulation_wpm,
                               "hedges_per_minute": self.hedges_per_minute,
                               "fillers_per_minute": vars(self.fillers_per_minute), "pauses": vars(self.pauses),
                               "flags": dict(self.flags), "stream_of_consciousness": vars(self.rambling),
                               **self.extra}, path)


def summary_number(summary: dict[str, Any], path: str) -> float | None:
    """The number at a dotted ``path`` of a ``summary`` object ("wpm", "fillers_per_minute.total",
    "energy.sd_db"); ``flags.total`` is the number of flags. ``None`` where the summary has no number there (not
    measured, or written by an older speechcase)."""
    if path == "flags.total":
        flags = summary.get("flags")
        return float(sum(flags.get(level, 0) for level in SEVERITIES)) if isinstance(flags, dict) else None
    value: Any = summary
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class RamblingChain:
    """One scored chain of sentences (the ``rambling`` array): a point on the rambling timeline."""

    start: float
    end: float
    first_sentence: int
    last_sentence: int
    score: float
    window_score: float
    flagged: bool
    features: dict[str, float | None]


@dataclass(frozen=True)
class AnalysisDocument:
    """One analysed talk as typed data, read from its analysis-v1 document."""

    tool_version: str
    created_at: str
    source: Source
    transcription: TranscriptionInfo
    words: list[Word]
    sentences: list[Sentence]
    framework: Framework
    sections: list[SectionSpan]
    balance: list[BalanceRow]
    pacing: Pacing
    pauses: list[Pause]
    fillers: list[Filler]
    flags: list[Flag]
    hedges: list[Phrase]
    rambling: list[RamblingChain]
    summary: Summary
    #: The phrases said often (flagged or not), each with every occurrence; empty in older documents.
    repeated_phrases: list[RepeatedPhrase] = field(default_factory=list)
    #: Loudness over time: the words' median level per rolling window, dB relative to the talk's; empty where
    #: loudness was not measured.
    loudness: list[LevelWindow] = field(default_factory=list)
    #: The document as read (JSON-ready); what files, the store and the JSON API carry.
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    @property
    def duration(self) -> float:
        """Length of the recording in seconds."""
        return self.source.duration

    @property
    def talk_seconds(self) -> float:
        """First word to last: the base of every per-minute rate (as in ``summary``)."""
        return max(_talk_seconds(self.words), 1e-6) if self.words else max(self.duration, 1e-6)

    @property
    def pace_line(self) -> list[PaceWindow]:
        """The smooth pace line: the rolling windows where the document has them, else the 30 s timeline."""
        return self.pacing.rolling or self.pacing.timeline

    def section_title(self, section_id: str) -> str:
        """The framework's title of a section, or a readable form of an id the framework does not know."""
        for spec in self.framework.sections:
            if spec.id == section_id:
                return spec.title or section_id
        return section_id.replace("_", " ").capitalize()

    def unsure_stretches(self, below: float) -> list[tuple[float, float]]:
        """``(start, end)`` of each run of consecutive sentences whose section has a probability under ``below``
        (``section_confidence``); none for a document written without it."""
        return [(self.sentences[first].start, self.sentences[stop - 1].end)
                for first, stop in unsure_runs(self.sentences, below)]

    def mean_word_probability(self) -> float | None:
        """Whisper's mean probability of the words it wrote (None without words): how sure it was of the text."""
        return sum(w.probability for w in self.words) / len(self.words) if self.words else None

    def is_segmented(self) -> bool:
        """Whether any part of the talk was assigned to a section of its framework."""
        ids = {spec.id for spec in self.framework.sections}
        return any(span.id in ids for span in self.sections)

    def flag(self, flag_id: str) -> Flag | None:
        return next((f for f in self.flags if f.id == flag_id), None)

    def flags_in_time_order(self) -> list[Flag]:
        return sorted(self.flags, key=lambda f: (f.start, f.end, f.id))

    def words_between(self, start: float, end: float) -> list[str]:
        """The words said in ``start``-``end`` (any overlap), as written, without empty tokens."""
        return [w.text.strip() for w in self.words if w.end > start and w.start < end and w.text.strip()]

    def excerpt(self, start: float, end: float) -> str:
        """What was said in ``start``-``end`` for reading beside a flag: split tokens joined, and of a long span
        only the first and last words (how many: ``[excerpt]`` in ``data/review.toml``)."""
        conf = data_file("review.toml")["excerpt"]
        words = joined_words(self.words_between(start, end))
        if len(words) > conf["head"] + conf["tail"]:
            words = [*words[:conf["head"]], "\u2026", *words[-conf["tail"]:]]
        return " ".join(words)


def load_document(path: Path) -> AnalysisDocument:
    """Read an ``analysis.json`` file; :class:`BadAnalysis` with what to do when it is not one."""
    return read_document(read_json_file(Path(path), BadAnalysis, _HINT), Path(path).name)


def read_document(doc: Any, name: str = "the input") -> AnalysisDocument:
    """Typed view of an analysis document (a parsed JSON object); :class:`BadAnalysis` when it is not one."""
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise BadAnalysis(f"{name} is not a speechcase analysis document (no \"schema\": \"{SCHEMA}\"); {_HINT}")
    try:
        return _read(doc)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise BadAnalysis(f"{name} is a damaged analysis document (bad or missing field {exc}); run "
                          "`speechcase analyze` again to rewrite it.") from exc


def _read(doc: dict[str, Any]) -> AnalysisDocument:
    words = [Word.from_dict(w) for w in doc["words"]]
    sentences = []
    for s in doc["sentences"]:
        first, last = s.get("words", (0, 0))
        confidence = s.get("section_confidence")
        sentences.append(Sentence(int(first), int(last), float(s["start"]), float(s["end"]), str(s["text"]),
                                  str(s["section"]), None if confidence is None else float(confidence)))
    fw = doc["framework"]
    framework = Framework(str(fw["id"]), str(fw.get("title") or fw["id"]),
                          [SectionSpec(str(s["id"]), str(s.get("title", s["id"])), "", _pair(s["target_share"]))
                           for s in fw["sections"]], str(fw["preview"]) if fw.get("preview") else None)
    p = doc["pacing"]
    pacing = Pacing(wpm=float(p["wpm"]), articulation_wpm=float(p["articulation_wpm"]),
                    timeline=_windows(p["timeline"]),
                    by_section={str(k): float(v) for k, v in (p.get("by_section") or {}).items()},
                    rolling=_windows(p.get("rolling") or []))
    pauses = [Pause(float(x["start"]), float(x["end"]), cast(PauseKind, str(x["kind"]))) for x in doc["pauses"]]
    fillers = [Filler(str(f["text"]), cast(FillerKind, str(f["kind"])), float(f["start"]), float(f["end"]),
                      cast(FillerSource, str(f.get("source", "asr")))) for f in doc["fillers"]]
    flags = [Flag(str(f["id"]), str(f["type"]), float(f["start"]), float(f["end"]),
                  cast(Severity, str(f["severity"])), str(f["message"]), str(f.get("evidence", "")),
                  str(f.get("suggestion", "")), [Interval.from_dict(m) for m in f.get("marks") or []])
             for f in doc["flags"]]
    source = doc["source"]
    return AnalysisDocument(
        tool_version=str(doc.get("tool_version", "")),
        created_at=str(doc.get("created_at", "")),
        source=Source(str(source["path"]), str(source.get("sha256", "")), float(source["duration"])),
        transcription=TranscriptionInfo.from_dict({"model": "", **(doc.get("transcription") or {})}),
        words=words,
        sentences=sentences,
        framework=framework,
        sections=[SectionSpan(str(s["id"]), float(s["start"]), float(s["end"]), float(s.get("confidence", 0)))
                  for s in doc["sections"]],
        balance=[BalanceRow(str(b["section"]), float(b["seconds"]), float(b["share"]), _pair(b["target_share"]),
                            cast(SectionStatus, str(b["status"])), float(b.get("wpm", 0.0)),
                            float(b.get("fillers_per_minute", 0.0))) for b in doc["balance"]],
        pacing=pacing,
        pauses=pauses,
        fillers=fillers,
        flags=flags,
        hedges=[Phrase(str(h["text"]), float(h["start"]), float(h["end"])) for h in doc.get("hedges") or []],
        rambling=[RamblingChain(float(r["start"]), float(r["end"]), int(r["sentences"][0]), int(r["sentences"][1]),
                                float(r["score"]), float(r["window_score"]), bool(r["flagged"]),
                                {str(k): None if v is None else float(v) for k, v in r.get("features", {}).items()})
                  for r in doc.get("rambling") or []],
        summary=_summary(doc.get("summary"), words, sentences, pacing, pauses, fillers, flags,
                         float(source["duration"]), len(doc.get("hedges") or [])),
        repeated_phrases=[RepeatedPhrase(str(p["phrase"]), int(p["count"]), float(p["per_10_minutes"]),
                                         float(p.get("expected", 0.0)),
                                         [Interval.from_dict(o) for o in p["occurrences"]], bool(p["flagged"]))
                          for p in doc.get("repeated_phrases") or []],
        loudness=[LevelWindow(float(w["start"]), float(w["end"]), float(w["db"]))
                  for w in (doc.get("energy") or {}).get("timeline") or []],
        raw=doc,
    )


def _summary(s: dict[str, Any] | None, words: list[Word], sentences: list[Sentence], pacing: Pacing,
             pauses: list[Pause], fillers: list[Filler], flags: list[Flag], duration: float,
             hedges: int) -> Summary:
    """The ``summary`` object typed; for a document without one, the same numbers from its other fields."""
    minutes = max(_talk_seconds(words), 1e-6) / 60

    def rate(n: int) -> float:
        return round(n / minutes, 2)

    soc = [f for f in flags if f.type == "stream_of_consciousness"]
    derived = {
        "duration": duration, "words": len(words), "sentences": len(sentences), "wpm": pacing.wpm,
        "articulation_wpm": pacing.articulation_wpm,
        "fillers_per_minute": {"total": rate(len(fillers)),
                               "filled_pause": rate(sum(f.kind == "filled_pause" for f in fillers)),
                               "discourse": rate(sum(f.kind == "discourse" for f in fillers)),
                               "acoustic": rate(sum(f.source == "acoustic" for f in fillers))},
        "pauses": {"count": len(pauses), "between_sentences": sum(p.kind == "between_sentences" for p in pauses),
                   "mid_sentence": sum(p.kind == "mid_sentence" for p in pauses),
                   "longest": round(max((p.duration for p in pauses), default=0.0), 2)},
        "hedges_per_minute": rate(hedges),
        "flags": {level: sum(f.severity == level for f in flags) for level in SEVERITIES},
        "stream_of_consciousness": {"flags": len(soc), "seconds": round(sum(f.end - f.start for f in soc), 2),
                                    "share": 0.0, "max_score": 0.0},
    }
    s = {**derived, **(s or {})}
    fpm, pz, soc_sum = s["fillers_per_minute"], s["pauses"], s["stream_of_consciousness"]
    known = {"duration", "words", "sentences", "wpm", "articulation_wpm", "fillers_per_minute", "pauses",
             "hedges_per_minute", "flags", "stream_of_consciousness"}
    return Summary(
        duration=float(s["duration"]), words=int(s["words"]), sentences=int(s["sentences"]), wpm=float(s["wpm"]),
        articulation_wpm=float(s["articulation_wpm"]),
        fillers_per_minute=FillerRates(float(fpm["total"]), float(fpm.get("filled_pause", 0.0)),
                                       float(fpm.get("discourse", 0.0)), float(fpm.get("acoustic", 0.0))),
        pauses=PauseCounts(int(pz["count"]), int(pz.get("between_sentences", 0)), int(pz.get("mid_sentence", 0)),
                           float(pz.get("longest", 0.0))),
        hedges_per_minute=float(s.get("hedges_per_minute", 0.0)),
        flags={level: int(s["flags"].get(level, 0)) for level in SEVERITIES},
        rambling=RamblingTotals(int(soc_sum["flags"]), float(soc_sum["seconds"]), float(soc_sum.get("share", 0.0)),
                                float(soc_sum.get("max_score", 0.0))),
        extra={k: v for k, v in s.items() if k not in known},
    )


def _talk_seconds(words: list[Word]) -> float:
    return words[-1].end - words[0].start if words else 0.0


def _windows(items: list[dict[str, Any]]) -> list[PaceWindow]:
    return [PaceWindow(float(w["start"]), float(w["end"]), float(w["wpm"])) for w in items]


def _pair(values: Any) -> tuple[float, float]:
    low, high = values
    return float(low), float(high)
