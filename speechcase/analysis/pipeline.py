"""The analysis pipeline: small stages, each timed, exchanging typed data.

audio -> (cache | VAD, pitch and loudness track, steady voiced stretches, Whisper) -> transcript ->
parse (sentences, tokens) -> sections (cue words + sentence embeddings, decoded in
order) -> signals (pacing, pauses, fillers, hedges, vocal variety and energy, time balance)
-> rambling and structure -> language (repeated phrases, long sentences) -> flags ->
:class:`~speechcase.core.types.Analysis`.

Analysis from a saved transcript skips everything before "transcript", so a
coach can re-run it with another framework in well under a second.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sys
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from speechcase.analysis.audio import DEFAULT_MAX_DURATION, check_input_file, file_sha256, load_audio
from speechcase.analysis.config import Thresholds, default_thresholds
from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.flags import build_flags
from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK, builtin_names, load_framework
from speechcase.analysis.prosody import pitch_frames, pitch_track
from speechcase.analysis.redecode import redecode_unwritten
from speechcase.analysis.sections import balance, segment
from speechcase.analysis.sections.classifier import active_classifiers
from speechcase.analysis.sections.cues import cue_lemmas, prototype_vectors, sentence_vectors
from speechcase.analysis.signals.discourse import discourse_fillers
from speechcase.analysis.signals.energy import measure_energy
from speechcase.analysis.signals.fillers import filled_pauses
from speechcase.analysis.signals.hedges import find_decisions, find_hedges
from speechcase.analysis.signals.pacing import measure_pacing
from speechcase.analysis.signals.pauses import detect_pauses
from speechcase.analysis.signals.rambling import detect_rambling
from speechcase.analysis.signals.recovery import recovered_filled_pauses
from speechcase.analysis.signals.repetition import english_frequencies, repeated_phrases
from speechcase.analysis.signals.sentences import long_sentences, measure_vocabulary
from speechcase.analysis.signals.structure import measure_structure
from speechcase.analysis.signals.vocal import monotone_spans
from speechcase.analysis.text import build_sentences, parse, parse_key, warm_up
from speechcase.analysis.transcribe import DecodeOptions, cache_key, load_model, resolve_model, transcribe, with_speech
from speechcase.analysis.vad import MIN_SPEECH_SECONDS, require_speech, speech_activity, speech_regions
from speechcase.analysis.voicing import voiced_stretches
from speechcase.core.errors import NoSpeech
from speechcase.core.files import JsonCache, MemoryCache, load_transcript
from speechcase.core.formatting import format_duration
from speechcase.core.memory import keep_free_memory, release_free_memory
from speechcase.core.types import Analysis, Framework, Parse, Transcript
from speechcase.core.uncertain import unsure_seconds

log = logging.getLogger("speechcase")
#: How much lower the priority of the measures beside Silero and Whisper is (Linux): they fill the moments those
#: leave a core idle instead of taking it from them, and finish all the same when nothing else waits.
BESIDE_NICE = 5

ProgressCallback = Callable[[float, float], None]  # (seconds done, seconds total)


@dataclass
class AnalyzeOptions:
    """Everything that can change an analysis; the CLI maps its flags onto this."""

    framework: str = DEFAULT_FRAMEWORK
    model: str | None = None
    compute_type: str = "int8"
    threads: int = 0
    decode: DecodeOptions = field(default_factory=DecodeOptions)
    cache_dir: Path | None = None
    use_cache: bool = True
    max_duration: float = DEFAULT_MAX_DURATION
    min_speech: float = MIN_SPEECH_SECONDS
    thresholds: Thresholds = field(default_factory=default_thresholds)
    #: Sentence-embedding model folder for section cues; None = the bundled all-MiniLM-L6-v2.
    embedding_model: Path | None = None
    #: Where Whisper runs: ``cpu`` or ``cuda`` (pass ``compute_type="float16"`` there, the CLI's default on a GPU).
    device: str = "cpu"


def settings_digest(options: AnalyzeOptions) -> str:
    """A digest of every option that changes an analysis's result (see :func:`analysis_key`); computed once
    per batch and framework, not once per recording."""
    transcription = cache_key("", resolve_model(options.model), options.decode, options.compute_type, options.device)
    blob = json.dumps({"transcription": transcription, "framework": asdict(load_framework(options.framework)),
                       "thresholds": asdict(options.thresholds),
                       "embedding_model": SentenceEncoder(options.embedding_model).identity,
                       "section_classifiers": [c.corpus_sha256 for c in active_classifiers()]},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def analysis_key(sha256: str, options: AnalyzeOptions, settings: str | None = None) -> str:
    """The identity of one analysis: the recording's content and every option that changes its result.

    Two analyses with the same key give the same document (for one speechcase version), so a batch can skip a
    recording whose key is already stored. What counts: what the transcript cache key counts (Whisper model,
    compute type, decoding options, device), the framework's content (a framework file edited under the same
    name gives a new key), the thresholds, the embedding model and the corpus of the section classifier in use.
    What does not: threads, the cache folder and the limits that only refuse inputs.

    Args:
        sha256: The recording's SHA-256 (:func:`speechcase.analysis.audio.file_sha256`).
        options: The analysis options.
        settings: ``settings_digest(options)`` when already computed.

    Returns:
        A hex digest.
    """
    settings = settings or settings_digest(options)
    return hashlib.sha256(f"{sha256}\n{settings}".encode()).hexdigest()


class StageTimer:
    """Collects wall-clock seconds per stage; shown by ``analyze --timings``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began


def is_transcript_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() == ".json"


def transcribe_file(path: str | Path, options: AnalyzeOptions | None = None,
                    on_progress: ProgressCallback | None = None,
                    timer: StageTimer | None = None) -> tuple[Transcript, bool]:
    """Return the transcript of an audio/video file and whether it came from the cache.

    The file is hashed before it is decoded, so a cached recording is never
    decoded or transcribed again.
    """
    options = options or AnalyzeOptions()
    timer = timer or StageTimer()
    path = Path(path)
    check_input_file(path)
    model = resolve_model(options.model)
    cache = JsonCache(options.cache_dir, "transcripts") if options.use_cache else None
    with timer.stage("hash"):
        key = cache_key(file_sha256(path), model, options.decode, options.compute_type, options.device)
    if cache and (hit := cache.get(key, Transcript.from_dict)):
        log.info("Transcript served from cache (%s).", cache.folder)
        return replace(hit, source=replace(hit.source, path=str(path))), True

    with timer.stage("decode"):
        audio = load_audio(path, options.max_duration)
    import_for_threads()
    from threadpoolctl import threadpool_limits

    # NumPy's BLAS on one thread for all of transcription, set here and nowhere else: see _audio_measures
    with threadpool_limits(limits=1, user_api="blas"):
        transcript = _transcribe_audio(audio, model, options, timer, on_progress)
    release_free_memory()  # Whisper's buffers and the audio's copies: the rest of the analysis needs little
    if not transcript.words:
        raise NoSpeech(f"Whisper recognised no words in {path.name}; check that it contains English speech.")
    if cache:
        with timer.stage("cache"):
            cache.put(key, transcript.to_dict())
    return transcript, False


class Background:
    """Run ``func(*args)`` on a daemon thread; :meth:`result` waits for it and re-raises its error.

    Whisper spends most of its time in CTranslate2, which releases the GIL, so
    work done beside it (numpy, loading models) costs little wall time. A daemon
    thread never keeps an interrupted process alive. ``nice`` lowers the thread's priority by that much (Linux).
    Measured on a 5-minute talk from the command line, runs alternating, in two sessions of 3 and 5 runs: means
    of 5.74 and 6.06 s with the measures beside Silero and Whisper at nice 5, 5.81 and 6.15 s without.
    """

    def __init__(self, func, *args, nice: int = 0):
        self._value: Any = None
        self._error: BaseException | None = None
        self._nice = nice
        self._thread = threading.Thread(target=self._run, args=(func, *args), daemon=True)
        self._thread.start()

    def _run(self, func, *args) -> None:
        try:
            if self._nice and sys.platform.startswith("linux"):  # a Linux thread has a priority of its own
                _lower_priority(self._nice)
            self._value = func(*args)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _lower_priority(nice: int) -> None:
    """Lower the calling thread's priority by ``nice``; where the system refuses (a sandbox), run as it is: the
    priority only decides who waits for a core."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:
        log.debug("Could not lower the priority of the measures beside Whisper.")


def _transcribe_audio(audio, model, options: AnalyzeOptions, timer: StageTimer,
                      on_progress: ProgressCallback | None) -> Transcript:
    """Voice activity, then Whisper with the pitch and voicing measured beside it, then the stretches Whisper
    left unwritten decoded again (run within :func:`transcribe_file`'s one-thread BLAS limit).

    Beside Silero (its encoder on every core, :mod:`speechcase.analysis.silero`), Whisper's model loads (when not
    loaded yet) and every frame's pitch is measured at a lower priority, which needs no speech regions: measured
    when Silero ran on one core, that moved 0.3 s of CPU per 15 minutes (1.6 s per hour) from beside Whisper,
    which decodes on every core, to a core that would otherwise wait; measuring pitch after Silero on the speech
    frames only is still slower (docs/performance.md)."""
    loading = Background(load_model, model.load, options.compute_type, options.threads, options.device)
    pitch = Background(_timed, timer, "pitch_frames", pitch_frames, audio, nice=BESIDE_NICE)  # takes what Silero leaves
    with timer.stage("vad"):  # one Silero pass: the speech regions and Whisper's packing both read it
        activity = speech_activity(audio, options.decode.block_seconds, options.threads)
        speech = speech_regions(audio, activity=activity)
        require_speech(audio, speech, options.min_speech)  # refused before any Whisper work
        release_free_memory()  # Silero's copies of the audio blocks, before Whisper's own
    beside = Background(_audio_measures, audio, speech, timer, pitch, nice=BESIDE_NICE)
    with timer.stage("load_model"):  # loaded beside the voice-activity pass
        loading.result()
    log.debug("Transcribing %s of audio with %s.", format_duration(audio.duration), model.name)
    with timer.stage("transcribe"):
        transcript = transcribe(audio, speech, model, options.decode, options.compute_type, options.threads,
                                on_progress=(lambda done: on_progress(done, audio.duration))
                                if on_progress else None, device=options.device, activity=activity)
    with timer.stage("wait_beside"):
        prosody, stretches = beside.result()
    transcript = replace(with_speech(transcript, speech), prosody=prosody, voiced_stretches=stretches)
    with timer.stage("redecode"):
        return redecode_unwritten(transcript, audio, model, options.decode, options.compute_type, options.threads,
                                  options.device)


def import_for_threads() -> None:
    """Import faster-whisper (and with it CTranslate2 and its tokenizer) on the calling thread.

    The threads started next import modules too; two threads importing the same package tree at once can meet
    Python's import locks in opposite orders (seen: ``_DeadlockError`` on ``faster_whisper.vad``).
    """
    import faster_whisper  # noqa: F401
    import faster_whisper.vad  # noqa: F401


def _timed(timer: StageTimer, stage: str, func, *args):
    with timer.stage(stage):
        return func(*args)


def _audio_measures(audio, speech, timer: StageTimer, pitch: Background):
    """What is measured from the audio beside transcription: the pitch and loudness track and the steady voiced
    stretches (numpy, which releases Python's lock, like CTranslate2).

    The models the analysis needs after Whisper (spaCy, the sentence embeddings) load after it, not here: loading
    them is mostly Python, which holds the lock that faster-whisper's decoding loop needs between batches.
    Measured on a 5-minute talk, whole analysis, runs alternating: 8.9 s with them loaded beside Whisper (mean
    of 4), 8.0 s loaded after it and 8.0 s loaded during the voice-activity pass (means of 5; that pass and
    Whisper's model load already keep both cores busy).

    NumPy's BLAS (OpenBLAS) runs on one thread during all of transcription (:func:`transcribe_file` sets it,
    once, for every thread: the limit is process-wide), for two reasons. Speed: its worker threads wait for the
    next call by spinning, on the cores Whisper decodes with (15-minute talk, two runs each, alternating: 20.0
    and 21.2 s with BLAS on every core, 18.2 and 18.8 s with one thread). Same transcript every time:
    faster-whisper's log-mel features are an OpenBLAS matrix product whose rounding depends on its thread
    count, and tiny.en's words follow those last bits; a limit set only around these stages changed the
    thread count under Whisper's feature step depending on timing (the first take of a process could differ
    from the next ones of the same audio). One thread is also what every machine can give.
    """
    with timer.stage("prosody"):  # mostly waiting for the pitch frames where the voice-activity pass was short
        prosody = pitch_track(audio, speech, pitch.result())
    with timer.stage("voicing"):
        stretches = voiced_stretches(audio, speech)
    # nothing handed back here: with one arena (core/memory.py) Whisper reuses what these stages freed, and
    # handing it back while Whisper decodes would make it fault its buffers in again
    return prosody, stretches


def warm_analysis_models(options: AnalyzeOptions, frameworks: Iterable[str] | None = None) -> None:
    """Load spaCy, the sentence-embedding model and the word-frequency table and run each once (they stay loaded
    in this process), and embed the prototype sentences of ``frameworks`` (names or files; None: every built-in
    one), so that each talk then embeds only its own sentences (0.04 s less on the first talk per framework)."""
    warm_up()
    encoder = SentenceEncoder(options.embedding_model)
    for name in builtin_names() if frameworks is None else frameworks:
        prototype_vectors(load_framework(name), encoder, None)
    english_frequencies()


def warm_models(options: AnalyzeOptions, frameworks: Iterable[str] | None = None) -> None:
    """Load every model an analysis with ``options`` uses, once per process: Whisper, spaCy and the sentence
    embeddings. A batch worker calls it when it starts, so its first recording costs no more than the others;
    loading Whisper also sets the memory allocator up for it (:func:`~speechcase.core.memory.tune_allocator`),
    which a worker started by hand did not get from its environment, and the process then keeps the memory a
    take frees for the next one (:func:`~speechcase.core.memory.keep_free_memory`).

    Args:
        options: The analysis options whose models are loaded.
        frameworks: The frameworks (names or files) whose prototype sentences are embedded now; None: every
            built-in one.

    Raises:
        ModelUnavailable: a model cannot be found or loaded (or ``device="cuda"`` without a GPU).
    """
    load_model(resolve_model(options.model).load, options.compute_type, options.threads, options.device)
    warm_analysis_models(options, frameworks)
    keep_free_memory()  # a process that warms its models is a worker: its next take reuses Whisper's buffers


def analyze_transcript(transcript: Transcript, framework: Framework, options: AnalyzeOptions | None = None,
                       timer: StageTimer | None = None) -> Analysis:
    """Run every stage after transcription; needs no audio."""
    options = options or AnalyzeOptions()
    timer = timer or StageTimer()
    cache = JsonCache(options.cache_dir, "sections") if options.use_cache else MemoryCache()
    encoder = SentenceEncoder(options.embedding_model)
    # the sentence encoder loads and embeds the framework's prototypes on the core spaCy leaves idle (CTranslate2
    # and the tokenizer work without Python's lock; a warm worker has both already)
    prototypes = Background(prototype_vectors, framework, encoder, cache)
    embedding: list[Background] = []

    def embed(starts: list[int]) -> None:  # the sentences, embedded while spaCy sets tags, lemmas and entities
        texts = [s.text for s in build_sentences(transcript.words, starts)]
        embedding.append(Background(_sentence_vectors, prototypes, texts, encoder, cache))

    with timer.stage("parse"):
        parsed = parse_transcript(transcript, options, embed)
        sentences = build_sentences(transcript.words, parsed.sentence_starts)
    with timer.stage("sections"):
        prototypes.result()
        for vectors in embedding:
            vectors.result()  # in the cache, where segment() and the rambling stage read them
        sentences, spans = segment(sentences, parsed, framework, options.thresholds.sections, encoder, cache)
    with timer.stage("signals"):
        pacing = measure_pacing(transcript, spans, rolling_step=options.thresholds.pace_step)
        pauses = detect_pauses(transcript, sentences, options.thresholds.min_pause)
        written = filled_pauses(transcript.words, transcript.speech)
        fillers = sorted(written + recovered_filled_pauses(transcript, written, options.thresholds.recovery)
                         + discourse_fillers(transcript.words, parsed, sentences), key=lambda f: f.start)
        hedges, decisions = find_hedges(transcript.words), find_decisions(transcript.words)
        rows = balance(spans, framework, pacing, fillers)
        energy = measure_energy(transcript.words, transcript.prosody, options.thresholds.energy)
    with timer.stage("rambling"):
        rambling, cues = detect_rambling(transcript.words, parsed, sentences, fillers, encoder, cache)
        structure = measure_structure(transcript.words, parsed, sentences, cues)
    with timer.stage("language"):
        topic_terms = [cue for section in cue_lemmas(framework, cache) for cue in section]
        repeated = repeated_phrases(transcript.words, parsed, sentences, fillers, hedges, topic_terms,
                                    options.thresholds.repetition)
        long = long_sentences(transcript.words, parsed, sentences, options.thresholds.long_sentences)
        vocabulary = measure_vocabulary(transcript.words, options.thresholds.vocabulary)
    with timer.stage("flags"):
        monotone = monotone_spans(transcript.prosody, options.thresholds)
        unsure = unsure_seconds(sentences, options.thresholds.sections.unsure_below)
        flags = build_flags(words=transcript.words, sentences=sentences, pauses=pauses, fillers=fillers,
                            hedges=hedges, decisions=decisions, monotone=monotone, spans=spans, balance=rows,
                            framework=framework, rambling=rambling, cues=cues, structure=structure,
                            thresholds=options.thresholds, energy=energy, repeated=repeated, long_sentences=long,
                            sections_unsure=unsure)
    return Analysis(transcript=transcript, framework=framework, sentences=sentences, sections=spans,
                    balance=rows, pacing=pacing, pauses=pauses, fillers=fillers, flags=flags, hedges=hedges,
                    rambling=rambling, structure=structure, energy=energy, repeated=repeated,
                    long_sentences=long, vocabulary=vocabulary,
                    sections_unsure=unsure,
                    timings=timer.seconds)


def parse_transcript(transcript: Transcript, options: AnalyzeOptions,
                     on_sentences: Callable[[list[int]], None] | None = None) -> Parse:
    """spaCy's parse of the transcript (sentences, tokens, lemmas), cached under ``options.cache_dir``.

    Why cached: re-analysis (new thresholds, a saved transcript) then never loads spaCy, nor calls
    ``on_sentences`` (called with the sentence starts as soon as the parser has them, so the sentences can be
    embedded while spaCy finishes).
    """
    if not options.use_cache:
        return parse(transcript.words, on_sentences)
    cache, key = JsonCache(options.cache_dir, "parses"), parse_key(transcript.words)
    parsed = cache.get(key, Parse.from_dict)
    if parsed is None:
        parsed = parse(transcript.words, on_sentences)
        cache.put(key, asdict(parsed))
    return parsed


def _sentence_vectors(prototypes: Background, texts: list[str], encoder: SentenceEncoder, cache: JsonCache):
    """The talk's sentence embeddings, made once the framework's prototypes are (one encoder load, one at a time).

    After spaCy's parser the main thread runs its attribute rules, lemmatizer and entity network, Python and
    Cython holding the lock, on one core; CTranslate2 embeds on the other without the lock. The steps after
    Whisper in a warm worker (``analyze_transcript``, cache off, medians of 3, three sessions each, alternating):
    1.45-1.52 s against 1.67-1.74 s on 56 minutes, 0.32 s against 0.35 s on 11 minutes; the same analysis.
    """
    prototypes.result()
    return sentence_vectors(texts, encoder, cache)


def analyze(path: str | Path, options: AnalyzeOptions | None = None,
            on_progress: ProgressCallback | None = None) -> Analysis:
    """Analyse a recording, or a saved ``transcript.json`` (then no audio work happens)."""
    options = options or AnalyzeOptions()
    timer = StageTimer()
    framework = load_framework(options.framework)
    if is_transcript_file(path):
        check_input_file(Path(path))
        with timer.stage("load_transcript"):
            transcript, cached = load_transcript(Path(path)), False
    else:
        transcript, cached = transcribe_file(path, options, on_progress, timer)
    analysis = analyze_transcript(transcript, framework, options, timer)
    analysis.from_cache = cached
    return analysis
