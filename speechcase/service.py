"""Layer 4, the service: the recipes every way into speechcase runs the same way.

``speechcase analyze``, the web app and the batch runner all do "check the inputs
-> analyse -> write the outputs atomically -> record the run -> report"; this
module is that recipe, once, as library calls that return typed results. An
interface only parses its options, calls :func:`analyze_take` (or the pieces it
is made of, where the work is split across processes) and shows the result.

Typical use::

    from speechcase.service import TakeRequest, analyze_take
    result = analyze_take(TakeRequest(Path("take3.m4a"), talk="churn", outdir=Path("out")))
    print(result.run.id, result.document.summary.wpm)
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from speechcase.analysis.audio import probe_audio
from speechcase.analysis.document import analysis_document
from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.pipeline import (
    AnalyzeOptions,
    analysis_key,
    analyze,
    analyze_transcript,
    is_transcript_file,
    warm_models,
)
from speechcase.core.document import AnalysisDocument, read_document
from speechcase.core.errors import BadFramework
from speechcase.core.files import write_json_atomic
from speechcase.core.types import Analysis, Transcript
from speechcase.rehearsals.goals import GoalProgress, progress_until
from speechcase.rehearsals.notices import notify_new_take
from speechcase.rehearsals.reviews import FlagReview, run_review
from speechcase.rehearsals.store import DEFAULT_SPEAKER, RunRow, Store, open_store
from speechcase.views.dashboard import AudioLink, write_dashboard

__all__ = ["Outputs", "Progress", "ProgressCallback", "RecordedRun", "TakeRequest", "TakeResult", "analyze_take",
           "analyze_input", "check_recording", "check_take", "default_talk_name", "reanalyze_run", "record_take",
           "warm_up", "write_outputs"]

Stage = Literal["checking", "transcribing", "analysing", "writing", "recording", "done"]
#: Where each stage starts in the whole job, for one overall percentage (transcription is most of the time).
_STAGE_START: dict[Stage, float] = {"checking": 0.0, "transcribing": 0.02, "analysing": 0.9, "writing": 0.95,
                                    "recording": 0.98, "done": 1.0}


@dataclass(frozen=True)
class Progress:
    """How far one take has come: the stage, and within it ``done`` of ``total`` (audio seconds while
    transcribing, else 0 of 1)."""

    stage: Stage
    done: float = 0.0
    total: float = 1.0

    @property
    def overall(self) -> float:
        """The whole job's progress, 0..1."""
        stages = list(_STAGE_START)
        start = _STAGE_START[self.stage]
        if self.stage == "done":
            return 1.0
        end = _STAGE_START[stages[stages.index(self.stage) + 1]]
        within = min(max(self.done / self.total, 0.0), 1.0) if self.total > 0 else 0.0
        return round(start + (end - start) * within, 4)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class TakeRequest:
    """One take to analyse, and what to do with the result.

    Args:
        input: A recording (any format FFmpeg decodes) or a saved ``transcript.json``.
        options: How to analyse it (framework, Whisper model, cache, limits).
        talk: The talk to record the run under; None names it after the recording's file.
        speaker: Whose talk it is.
        outdir: Folder for ``analysis.json``, ``transcript.json`` and ``dashboard.html``; None writes no files.
        store: The rehearsal store file; None is the default store (``$SPEECHCASE_STORE`` or the user data folder).
        record: Whether to record the run in the store.
    """

    input: Path
    options: AnalyzeOptions = field(default_factory=AnalyzeOptions)
    talk: str | None = None
    speaker: str = DEFAULT_SPEAKER
    outdir: Path | None = None
    store: Path | None = None
    record: bool = True


@dataclass(frozen=True)
class Outputs:
    """The files written for a take (each written atomically: readers see the old file or the new one)."""

    analysis: Path
    transcript: Path
    dashboard: Path
    audio: AudioLink


@dataclass(frozen=True)
class RecordedRun:
    """A run as recorded in the store.

    ``replaced`` is True when the same recording was already stored under the
    talk (the run keeps its id and gets the new analysis); ``unmatched`` lists the
    coach reviews that found no flag of the new analysis to stay on; ``goals``
    holds each goal of the talk across its runs, this one the latest (met or not
    in this take: ``goals[k].latest``).
    """

    id: int
    talk: str
    speaker: str
    replaced: bool
    runs_of_talk: int
    unmatched: list[FlagReview]
    goals: list[GoalProgress] = field(default_factory=list)


@dataclass(frozen=True)
class TakeResult:
    """Everything one take produced."""

    analysis: Analysis
    document: AnalysisDocument
    #: Seconds from the start of the analysis to the last output written (recording in the store excluded).
    seconds: float
    outputs: Outputs | None = None
    run: RecordedRun | None = None

    @property
    def from_cache(self) -> bool:
        """Whether the transcript came from the cache (no Whisper run)."""
        return self.analysis.from_cache


def default_talk_name(input_path: Path, recording_path: str) -> str:
    """A recording's talk is named after the file; a saved transcript's after the recording it came from."""
    return Path(recording_path).stem if is_transcript_file(input_path) else Path(input_path).stem


def check_take(request: TakeRequest) -> None:
    """Everything that can be refused before any audio is decoded: the framework, the embedding model and the
    store (a store that cannot be written fails here, not after minutes of transcription)."""
    load_framework(request.options.framework)
    SentenceEncoder(request.options.embedding_model)
    if request.record:
        open_store(request.store).close()


def warm_up(options: AnalyzeOptions | None = None) -> None:
    """Load what an analysis needs once per process (the Whisper model, spaCy, the sentence-embedding model,
    the word frequencies), so that the first take a long-running worker analyses is as fast as the next.

    A CLI run pays these seconds on every take; the web app's worker pays them once, at its start.
    """
    warm_models(options or AnalyzeOptions())


def check_recording(path: Path, options: AnalyzeOptions) -> None:
    """Refuse at once a file that is not a usable recording (not audio, a video without sound, declared longer
    than ``options.max_duration``), with the error :func:`analyze_input` would raise, without decoding it.

    The web app calls this on an upload before queueing it, so the refusal shows
    in the page and nothing is kept.
    """
    probe_audio(path, options.max_duration)


def analyze_input(path: Path, options: AnalyzeOptions, on_progress: ProgressCallback | None = None,
                  source_name: str | None = None) -> tuple[Analysis, AnalysisDocument]:
    """Analyse one recording or saved transcript into its typed analysis and analysis document; no files
    written, nothing recorded (a batch worker runs this; the driver records).

    Args:
        source_name: What the document gives as the recording's path; None gives ``path`` (the web app passes
            the uploaded file's own name rather than where the server keeps it).
    """
    report = on_progress or (lambda _: None)
    report(Progress("transcribing", 0.0, 0.0))  # no total yet: the audio is decoded first
    analysis = analyze(path, options, on_progress=lambda done, total: report(Progress("transcribing", done, total)))
    report(Progress("analysing"))
    return analysis, read_document(analysis_document(analysis, source_name or str(path)))


def write_outputs(document: AnalysisDocument, transcript: Transcript, outdir: Path,
                  recording: Path | None = None, near: list[Path] | None = None) -> Outputs:
    """Write ``analysis.json``, ``transcript.json`` and ``dashboard.html`` into ``outdir``.

    Args:
        recording: The audio the dashboard plays; None looks for the document's recording as written, then in
            each folder of ``near``.
    """
    outdir = Path(outdir)
    files = Outputs(outdir / "analysis.json", outdir / "transcript.json", outdir / "dashboard.html", AudioLink())
    write_json_atomic(files.transcript, transcript.to_dict())
    write_json_atomic(files.analysis, document.raw)
    audio = write_dashboard(document, files.dashboard, recording, near=near)
    return Outputs(files.analysis, files.transcript, files.dashboard, audio)


def record_take(store: Store, document: AnalysisDocument, transcript: Transcript, talk: str,
                speaker: str = DEFAULT_SPEAKER, analysis_key: str | None = None) -> RecordedRun:
    """Record one analysed take in the store, in one transaction (the same recording under the same talk
    replaces its earlier analysis and keeps its id and coach review).

    Args:
        analysis_key: The take's :func:`~speechcase.analysis.pipeline.analysis_key` (recording + settings),
            kept with the run so that a batch skips it when it meets the same recording with the same settings;
            None where the settings are not known (an analysis of a saved transcript).
    """
    run_id, replaced = store.record_run(document, transcript, talk, speaker, analysis_key)
    if not replaced:
        notify_new_take(store, run_id)  # coaches the talk is shared with (speechcase serve) see it arrive
    runs = store.runs(store.find_talk(talk, speaker))
    unmatched = run_review(store, run_id).unmatched if replaced else []
    return RecordedRun(run_id, talk, speaker, replaced, len(runs), unmatched,
                       progress_until(store, next(r for r in runs if r.id == run_id)))


def analyze_take(request: TakeRequest, on_progress: ProgressCallback | None = None) -> TakeResult:
    """Run the whole recipe for one take: check, analyse, write the outputs, record the run.

    Args:
        request: What to analyse and where the results go.
        on_progress: Called with a :class:`Progress` at each stage and as transcription advances.

    Returns:
        The analysis, its document, the files written and the stored run.

    Raises:
        SpeechcaseError: a subclass with its exit code for every input, model or store problem; nothing
        half-written is left behind.
    """
    report = on_progress or (lambda _: None)
    report(Progress("checking"))
    check_take(request)
    began = time.perf_counter()
    analysis, document = analyze_input(request.input, request.options, report)
    outputs = None
    if request.outdir is not None:
        report(Progress("writing"))
        recording = None if is_transcript_file(request.input) else Path(request.input)
        outputs = write_outputs(document, analysis.transcript, request.outdir, recording,
                                near=[Path(request.input).parent])
    seconds = time.perf_counter() - began
    run = None
    if request.record:
        report(Progress("recording"))
        talk = request.talk or default_talk_name(request.input, analysis.transcript.source.path)
        key = None if is_transcript_file(request.input) else analysis_key(document.source.sha256, request.options)
        with open_store(request.store) as store:
            run = record_take(store, document, analysis.transcript, talk, request.speaker, key)
    report(Progress("done"))
    return TakeResult(analysis, document, seconds, outputs, run)


@dataclass(frozen=True)
class Reanalysis:
    """A stored run analysed again: the run as now stored, and the coach reviews left without a flag."""

    run: RunRow
    unmatched: list[FlagReview]


def reanalyze_run(store: Store, run_id: int, framework: str | None = None,
                  options: AnalyzeOptions | None = None) -> Reanalysis:
    """Analyse a stored run again from its stored transcript (another framework, or a newer speechcase), in
    place: the run keeps its id, date and coach review.

    Args:
        framework: A framework name or .toml file; None keeps the run's own.
        options: Analysis options (cache folder, thresholds); the framework argument wins over theirs.
    """
    run = store.run(run_id)
    try:
        chosen = load_framework(framework or run.framework)
    except BadFramework as exc:
        if framework:
            raise
        raise BadFramework(f"Run {run_id} was analysed with the framework '{run.framework}', which is not built in; "
                           "pass --framework with its .toml file (or another framework).") from exc
    transcript = store.transcript(run_id)
    analysis = analyze_transcript(transcript, chosen, options)
    store.replace_document(run_id, read_document(analysis_document(analysis, run.source_path)), transcript)
    return Reanalysis(store.run(run_id), run_review(store, run_id).unmatched)
