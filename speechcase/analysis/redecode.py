"""Speech Whisper left unwritten, decoded again on its own.

Batched decoding with the disfluency hotwords sometimes answers a whole window
of up to 30 s with the start of the hotwords ("Um, uh,"; with Whisper base
"I think, uh, I think,") and nothing else: faster-whisper gives each window the
hotwords as earlier text and decodes it without timestamps, so an end-of-text
right after a copied "Um," loses every word of the window. On talks rendered
for ``benchmarks/talks`` it struck 3 of 10 training talks with tiny.en (each
lost 15-45 s of speech; a third of the words of a two-minute talk).

The voice-activity regions show it: many seconds of speech between two
written words, or between words that are only filled pauses or words of the
hotwords (4 s of speech hold about ten words, never only "so, I think"). Such a stretch
is decoded once more as one sequential stream with timestamps (the failure
needs the timestamp-free batched window) and the same hotwords; when that too
copies the hotwords (Whisper base does), without them. Its words replace the
ones it had, when they are more. A stretch that holds no speech
Whisper can write (laughter, noise) gets nothing new.
"""
from __future__ import annotations

from dataclasses import replace

from speechcase.analysis.audio import Audio
from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.text import normalise
from speechcase.analysis.transcribe import DecodeOptions, ModelChoice, decode_kwargs, drop_phantom_words, load_model
from speechcase.core.spans import seconds_covered
from speechcase.core.types import Interval, Transcript, Word

#: Seconds of voice activity with no written word (filled pauses aside) that count as lost words. Between two
#: words of fluent speech there is at most a breath; the longest such stretch on the evaluation kit's and
#: our own correctly decoded talks is under 2 s of speech.
MIN_UNWRITTEN_SPEECH = 4.0
#: Audio kept on each side of a stretch, so its first and last words are heard whole.
PAD = 0.2


def unwritten_stretches(words: list[Word], speech: list[Interval], prompt: str | None = None,
                        min_speech: float = MIN_UNWRITTEN_SPEECH) -> list[Interval]:
    """Stretches between consecutive written words that hold at least ``min_speech`` seconds of voice activity.

    Args:
        words: The transcript's words.
        speech: Voice-activity regions.
        prompt: The hotwords (or prompt) Whisper was given: its words do not count as written, nor do filled
            pauses.
        min_speech: Seconds of speech that make a stretch unwritten.

    Returns:
        The stretches, from the end of the written word before to the start of the one after.
    """
    ignored = set(cue_lists()["filled_pause"]["words"]) | {normalise(t) for t in (prompt or "").split()}
    anchors = [w for w in words if normalise(w.text) not in ignored]
    edges = [0.0, *[t for w in anchors for t in (w.start, w.end)], max((r.end for r in speech), default=0.0)]
    starts = [r.start for r in speech]
    found = []
    for start, end in zip(edges[::2], edges[1::2]):
        if end - start >= min_speech and seconds_covered(speech, starts, start, end) >= min_speech:
            found.append(Interval(round(start, 3), round(end, 3)))
    return found


def redecode_unwritten(transcript: Transcript, audio: Audio, model: ModelChoice, options: DecodeOptions,
                       compute_type: str = "int8", threads: int = 0) -> Transcript:
    """The transcript with every unwritten stretch of speech decoded again (see the module docstring).

    Args:
        transcript: Whisper's transcript with its voice-activity regions (:func:`with_speech` applied).
        audio: The decoded recording.
        model, options, compute_type, threads: As for :func:`~speechcase.analysis.transcribe.transcribe`.

    Returns:
        The same transcript when nothing was lost; otherwise one whose words inside each lost stretch come
        from the second decoding, when it wrote more words than the first.
    """
    speech = transcript.speech or []
    prompt = " ".join(filter(None, (options.hotwords, options.initial_prompt)))
    stretches = unwritten_stretches(transcript.words, speech, prompt)
    if not stretches:
        return transcript
    whisper = load_model(model.load, compute_type, threads)
    words = list(transcript.words)
    for stretch in stretches:
        new = _decode(whisper, audio, stretch, options, speech)
        if unwritten_stretches(new, _within(speech, stretch), prompt):  # the hotwords were copied again
            new = _decode(whisper, audio, stretch, replace(options, hotwords=None, initial_prompt=None), speech)
        inside = [w for w in words if stretch.start <= w.start < stretch.end]
        if len(new) > len(inside):
            words = [w for w in words if not stretch.start <= w.start < stretch.end] + new
    return replace(transcript, words=sorted(words, key=lambda w: w.start))


def _decode(whisper, audio: Audio, stretch: Interval, options: DecodeOptions, speech: list[Interval]) -> list[Word]:
    """Words of one stretch, decoded on its own as one sequential stream with timestamps (which the failure
    needs off); Whisper base copies the hotwords even so, and is then decoded without them."""
    sr = audio.sample_rate
    first, last = max(0.0, stretch.start - PAD), min(audio.duration, stretch.end + PAD)
    segments, _ = whisper.transcribe(audio.samples[int(first * sr):int(last * sr)], vad_filter=False,
                                     **{**decode_kwargs(options), "without_timestamps": False,
                                        "condition_on_previous_text": False})
    new = [replace(w, start=round(w.start + first, 3), end=round(w.end + first, 3))
           for s in segments for w in _words(s) if stretch.start <= w.start + first < stretch.end]
    return drop_phantom_words(new, speech)


def _within(speech: list[Interval], stretch: Interval) -> list[Interval]:
    """The speech regions clipped to ``stretch``."""
    return [Interval(max(r.start, stretch.start), min(r.end, stretch.end)) for r in speech
            if r.end > stretch.start and r.start < stretch.end]


def _words(segment) -> list[Word]:
    return [Word(text, w.start, w.end, round(w.probability, 4)) for w in segment.words or []
            if (text := w.word.strip())]
