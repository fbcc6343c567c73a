"""Plain typed data exchanged between pipeline stages.

Every stage takes and returns these dataclasses; nothing passes loose dicts.
They convert to JSON-ready dicts with :func:`dataclasses.asdict` and back with
the ``from_dict`` class methods, which is how transcripts are cached and saved.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

#: How much a flag matters, most first (see ``SEVERITIES``).
Severity = Literal["high", "medium", "low"]
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
#: A filled pause (um, uh) or a discourse filler used as one (like, you know).
FillerKind = Literal["filled_pause", "discourse"]
#: Where a filler was found: a word of the transcript, or the audio where the transcript has none.
FillerSource = Literal["asr", "acoustic"]
#: A section's share of the talk against its target range.
SectionStatus = Literal["missing", "under", "ok", "over"]
PauseKind = Literal["between_sentences", "mid_sentence"]
#: A coach's word on a flag; "unset" takes an earlier decision back and keeps the comment.
ReviewDecision = Literal["agree", "dismiss", "unset"]
REVIEW_DECISIONS: tuple[ReviewDecision, ...] = ("agree", "dismiss", "unset")


@dataclass(frozen=True)
class Interval:
    """A span of time in seconds from the start of the recording."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Interval":
        return cls(float(d["start"]), float(d["end"]))


@dataclass(frozen=True)
class Word:
    """One recognised word, with Whisper's punctuation attached (e.g. ``"slow,"``)."""

    text: str
    start: float
    end: float
    probability: float

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Word":
        return cls(str(d["text"]), float(d["start"]), float(d["end"]), float(d["probability"]))


@dataclass(frozen=True)
class Source:
    """Where a transcript came from: the audio file, its content hash and length."""

    path: str
    sha256: str
    duration: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Source":
        return cls(str(d["path"]), str(d["sha256"]), float(d["duration"]))


@dataclass(frozen=True)
class TranscriptionInfo:
    """Which model and decoding options produced a transcript, and how long it took."""

    model: str
    language: str
    seconds: float
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TranscriptionInfo":
        return cls(str(d["model"]), str(d.get("language", "en")), float(d.get("seconds", 0.0)),
                   dict(d.get("options", {})))


@dataclass(frozen=True)
class Prosody:
    """A pitch track: Hz every ``hop`` seconds, ``None`` where no voiced speech was found; and beside it the
    loudness of the same frames.

    ``level`` is the loudness in dB (full scale) of each frame inside the speech regions, ``None`` outside
    them; the whole list is ``None`` where loudness was not measured (a transcript from before it was, and
    telephone-band audio). ``noise`` is the level of the background: the median loudness of the frames
    outside the speech regions, ``None`` when the recording has too little silence to tell.
    """

    hop: float
    f0: list[float | None]
    telephone: bool = False
    level: list[float | None] | None = None
    noise: float | None = None

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Prosody":
        level, noise = d.get("level"), d.get("noise")
        return cls(float(d["hop"]), [None if v is None else float(v) for v in d["f0"]], bool(d.get("telephone")),
                   None if level is None else [None if v is None else float(v) for v in level],
                   None if noise is None else float(noise))


@dataclass(frozen=True)
class VoicedStretch:
    """A steady voiced stretch of the audio (see ``voicing.py``): maybe a filled pause Whisper dropped.

    ``steady`` is the seconds of steady frames, ``nasal`` their share with a
    nasal hum and ``hum`` the length of the hum that closes a vowel ("u-m");
    ``pitch_spread`` is in semitones, ``flux`` the mean spectral change in dB
    per 40 ms, ``level`` dB relative to the talk's loud speech. ``sound_start``
    and ``sound_end`` bound the uninterrupted sound it is part of: a filled
    pause stands alone or next to written words, a word Whisper dropped
    brings more sound with it.
    """

    start: float
    end: float
    steady: float
    nasal: float
    hum: float
    pitch_spread: float
    flux: float
    periodicity: float
    level: float
    sound_start: float
    sound_end: float

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VoicedStretch":
        return cls(**{f.name: float(d[f.name]) for f in fields(cls)})


@dataclass(frozen=True)
class Transcript:
    """Everything later stages need from the audio, so analysis can run without it.

    ``speech`` holds the voice-activity regions found in the audio; pauses and
    articulation rate are derived from them, so re-analysing a saved transcript
    gives the same numbers as analysing the recording. ``speech`` is ``None`` for
    transcripts made elsewhere, and word gaps are used instead.
    """

    source: Source
    transcription: TranscriptionInfo
    words: list[Word]
    speech: list[Interval] | None = None
    prosody: Prosody | None = None
    #: Steady voiced stretches (candidate filled pauses); ``None`` when not measured.
    voiced_stretches: list[VoicedStretch] | None = None

    SCHEMA = "speechcase/transcript-v1"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; the same as ``dataclasses.asdict`` with the schema first, but built field by
        field: ``asdict`` deep-copies every pitch value and took 0.35 s for a 15-minute talk."""
        def flat(items):
            return None if items is None else [dict(vars(item)) for item in items]

        return {
            "schema": self.SCHEMA,
            "source": dict(vars(self.source)),
            "transcription": {**vars(self.transcription), "options": dict(self.transcription.options)},
            "words": flat(self.words),
            "speech": flat(self.speech),
            "prosody": None if self.prosody is None else {
                **vars(self.prosody), "f0": list(self.prosody.f0),
                "level": None if self.prosody.level is None else list(self.prosody.level)},
            "voiced_stretches": flat(self.voiced_stretches),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Transcript":
        speech, prosody, stretches = d.get("speech"), d.get("prosody"), d.get("voiced_stretches")
        return cls(
            source=Source.from_dict(d["source"]),
            transcription=TranscriptionInfo.from_dict(d["transcription"]),
            words=[Word.from_dict(w) for w in d["words"]],
            speech=None if speech is None else [Interval.from_dict(s) for s in speech],
            prosody=None if prosody is None else Prosody.from_dict(prosody),
            voiced_stretches=None if stretches is None else [VoicedStretch.from_dict(v) for v in stretches],
        )


@dataclass(frozen=True)
class Token:
    """One spaCy token, tied to the Whisper word it came from (``"model's"`` is two tokens of one word)."""

    word: int
    text: str
    lemma: str
    pos: str
    dep: str
    head: int  # index into the token list

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Token":
        return cls(int(d["word"]), str(d["text"]), str(d["lemma"]), str(d["pos"]), str(d["dep"]), int(d["head"]))


@dataclass(frozen=True)
class Entity:
    """A named entity spaCy found ("12 percent" PERCENT, "$4 million" MONEY), as a word range ``[first, last)``."""

    label: str
    first_word: int
    last_word: int
    text: str

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Entity":
        return cls(str(d["label"]), int(d["first_word"]), int(d["last_word"]), str(d["text"]))


@dataclass(frozen=True)
class Parse:
    """What spaCy found in a transcript: sentence starts (word indices), tokens and named entities.

    Plain data, so it can be cached and re-analysis never has to load spaCy.
    """

    sentence_starts: list[int]
    tokens: list[Token]
    entities: list[Entity] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Parse":
        return cls([int(i) for i in d["sentence_starts"]], [Token.from_dict(t) for t in d["tokens"]],
                   [Entity.from_dict(e) for e in d.get("entities", [])])


@dataclass(frozen=True)
class Sentence:
    """A sentence as a half-open range ``[first_word, last_word)`` into the word list."""

    first_word: int
    last_word: int
    start: float
    end: float
    text: str
    section: str = "unsegmented"
    #: How sure the section stage is of ``section``: its probability over every segmentation weighed (None when
    #: not segmented, or read from a document written without it).
    section_confidence: float | None = None

    @property
    def word_count(self) -> int:
        return self.last_word - self.first_word


@dataclass(frozen=True)
class Pause:
    """A silence of at least the minimum pause length inside the talk."""

    start: float
    end: float
    kind: PauseKind

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Filler:
    """One filler occurrence; ``source`` is "asr" (a transcript word) or "acoustic"."""

    text: str
    kind: FillerKind
    start: float
    end: float
    source: FillerSource = "asr"


@dataclass(frozen=True)
class Phrase:
    """A cue phrase found in the transcript (a hedge, a decision), with its time span."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class PaceWindow:
    start: float
    end: float
    wpm: float


@dataclass(frozen=True)
class Pacing:
    wpm: float
    articulation_wpm: float
    timeline: list[PaceWindow]
    by_section: dict[str, float]
    #: Overlapping windows (30 s moved by 5 s) for a smooth pace line.
    rolling: list[PaceWindow] = field(default_factory=list)


@dataclass(frozen=True)
class SectionSpan:
    """A contiguous stretch of the talk assigned to one framework section."""

    id: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class BalanceRow:
    section: str
    seconds: float
    share: float
    target_share: tuple[float, float]
    status: SectionStatus
    wpm: float = 0.0
    fillers_per_minute: float = 0.0


@dataclass(frozen=True)
class Flag:
    id: str
    type: str
    start: float
    end: float
    severity: Severity
    message: str
    evidence: str
    suggestion: str
    #: The moments inside the span the flag is about, where it has several (each time a repeated phrase was
    #: said) or one point in it (where a long sentence could be split); empty for most flags.
    marks: list[Interval] = field(default_factory=list)


@dataclass(frozen=True)
class LevelWindow:
    """The loudness of the words in ``start``-``end``: their median level in dB relative to the talk's."""

    start: float
    end: float
    db: float


@dataclass(frozen=True)
class Fade:
    """The voice fading away at the end: from ``start`` to the last word, words are ``drop`` dB quieter
    (median levels, dB full scale: ``reference_db`` before the final stretch, ``tail_db`` in it)."""

    start: float
    end: float
    reference_db: float
    tail_db: float

    @property
    def drop(self) -> float:
        return round(self.reference_db - self.tail_db, 1)


@dataclass(frozen=True)
class VocalEnergy:
    """How loud the words were and how much that varied, from the level track stored with the transcript.

    Levels are each word's peak in dB full scale; ``sd_db`` is their standard deviation and ``range_db``
    their 10th-90th percentile range; ``snr_db`` how far speech stands above the background (``None`` when
    the recording has no silence to measure it in). ``word_db`` holds each word's level (``None`` where no
    frame was measured), ``timeline`` the rolling level relative to the talk's median. ``measured`` is false,
    with the ``reason``, for telephone-band and noisy audio and transcripts without a level track.
    """

    measured: bool
    reason: str | None = None
    median_db: float | None = None
    sd_db: float | None = None
    range_db: float | None = None
    snr_db: float | None = None
    word_db: list[float | None] = field(default_factory=list)
    timeline: list[LevelWindow] = field(default_factory=list)
    fade: Fade | None = None


@dataclass(frozen=True)
class RepeatedPhrase:
    """A phrase said ``count`` times (``per_10_minutes`` of talk) where ordinary English predicts
    ``expected``; ``flagged`` when that is far beyond it (rules in ``data/thresholds.toml``)."""

    text: str
    count: int
    per_10_minutes: float
    expected: float
    occurrences: list[Interval]
    flagged: bool


@dataclass(frozen=True)
class SentenceSplit:
    """Where a long sentence could end: after word ``word`` (at ``at`` s), between ``before`` and ``after``."""

    word: int
    at: float
    before: str
    after: str


@dataclass(frozen=True)
class LongSentence:
    """A spoken sentence too long to follow by ear, and where it could be split (clause breaks)."""

    sentence: int
    start: float
    end: float
    words: int
    splits: list[SentenceSplit]


@dataclass(frozen=True)
class Vocabulary:
    """Vocabulary variety: MTLD (``None`` when the talk is too short for it), words said and distinct words."""

    mtld: float | None
    words: int
    distinct: int


@dataclass(frozen=True)
class RamblingScore:
    """How much a chain of sentences ``[first_sentence, last_sentence)`` sounds like a stream of consciousness.

    ``probability`` is the chain's own score, ``window_probability`` the highest
    score of a sliding window that contains it; ``features`` are the measured
    values and ``contributions`` what each added to the log-odds.
    """

    first_sentence: int
    last_sentence: int
    start: float
    end: float
    probability: float
    window_probability: float
    features: dict[str, float]
    contributions: dict[str, float]
    flagged: bool = False


@dataclass(frozen=True)
class PartNumbers:
    """The numbers said in one part of the talk (the opening, an evaluation section) and any vague claims."""

    part: str  # "opening" | a section id
    start: float
    end: float
    numbers: list[str]
    vague: list[str]


@dataclass(frozen=True)
class Ownership:
    """How often the speaker said "I" and "we" in one section."""

    section: str
    i: int
    we: int

    @property
    def i_share(self) -> float | None:
        return round(self.i / (self.i + self.we), 3) if self.i + self.we else None


@dataclass(frozen=True)
class Structure:
    """The structure habits of a talk: framing opener, numbers, signposts, ownership, reasoning.

    ``opener`` is the first framing sentence of the opening (``None`` when there
    is none) and ``opener_kind`` what made it one ("agenda", "problem" or
    "impact"); ``opening_end`` is where the opening's last sentence ends.
    """

    opener: Phrase | None
    opener_kind: str | None
    opening_end: float
    numbers: list[PartNumbers]
    signposts: list[Phrase]
    synthesis: list[Phrase]
    ownership: list[Ownership]
    reasoning: list[Phrase]


@dataclass(frozen=True)
class SectionSpec:
    """One section of a framework, as declared in its data file."""

    id: str
    title: str
    purpose: str
    target_share: tuple[float, float]
    #: Words and phrases typical of the section, matched on lemmas.
    cues: tuple[str, ...] = ()
    #: Sentences a speaker might say in the section: semantic prototypes, with the purpose.
    examples: tuple[str, ...] = ()
    #: Whether a sentence that sets numbers against each other ("from 51 % to 84 %", "0.81 against 0.68") is
    #: evidence for the section (the case-study's evaluation).
    compares_numbers: bool = False
    #: Whether speakers often run far over the section's target (the case-study's modeling): segmentation then
    #: does not pull a long section back toward the target; the balance flags still report it.
    overrun_common: bool = False
    #: Whether the section closes the talk (the case-study's reflection): once a talk reaches it, it is not
    #: expected to go on to another section, so segmentation makes leaving it cost more.
    closes_talk: bool = False


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    sections: list[SectionSpec]
    #: A later section a speaker may say first, in brief, between the first and second sections (the case-study's
    #: evaluation: "results up front"); None when the framework has no such opening.
    preview: str | None = None

    def preview_span(self, span_ids: list[str]) -> int | None:
        """The index of the span that is the preview said up front (the talk goes first section, preview, second
        section: framing, evaluation, data), or None. Such a talk is in order: the preview is not a section
        reached too early, and the second section after it is not a return."""
        if (self.preview and len(self.sections) >= 2 and len(span_ids) >= 3
                and span_ids[:3] == [self.sections[0].id, self.preview, self.sections[1].id]):
            return 1
        return None


@dataclass
class Analysis:
    """The result of one analysis run: the transcript plus every derived signal."""

    transcript: Transcript
    framework: Framework
    sentences: list[Sentence]
    sections: list[SectionSpan]
    balance: list[BalanceRow]
    pacing: Pacing
    pauses: list[Pause]
    fillers: list[Filler]
    flags: list[Flag]
    hedges: list[Phrase] = field(default_factory=list)
    rambling: list[RamblingScore] = field(default_factory=list)
    structure: Structure | None = None
    energy: VocalEnergy | None = None
    repeated: list[RepeatedPhrase] = field(default_factory=list)
    long_sentences: list[LongSentence] = field(default_factory=list)
    vocabulary: Vocabulary | None = None
    #: Per section id, the seconds of uncertain stretches in or next to it (:func:`~speechcase.core.uncertain.unsure_seconds`).
    sections_unsure: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    from_cache: bool = False
