"""Speech Whisper left unwritten or wrote as a loop, decoded again on its own.

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

Whisper's other known failure is a loop: one phrase written over and over for the
rest of a window ("I'm going to say that" 33 times over 29 s, most of the words
0 s long, on a float32 transcript of a held-out talk, whose real sentences there
were lost; "0 -0 -0 ..." 107 words over 20 s, where a framing sentence and a result were
said). A phrase of 2-16 words written at least four times in a row, or one word
written at least five times, not only filled pauses, is such a loop: its
stretch is decoded again the same way, and its words replace the loop when they
do not loop; when they loop again, the loop is cut to the phrase said once.
Numbers count as words here ("0", ",000"), as Whisper loops on them too. A loop can also stay inside one word:
a piece of up to four characters written eight times or more in a row ("an NVVVVVVV...", one word of 193
characters over 18 s of a held-out talk, where "NVIDIA T4" and two sentences more were said); such a word is a
loop of its own, decoded again the same way, and cut to the piece written once when that loops too.
"""
from __future__ import annotations

import re
from dataclasses import replace

from speechcase.analysis.audio import Audio
from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.signals.rambling import norm_word
from speechcase.analysis.text import normalise
from speechcase.analysis.transcribe import DecodeOptions, ModelChoice, decode_kwargs, drop_phantom_words, fresh_model
from speechcase.core.spans import seconds_covered
from speechcase.core.types import Interval, Transcript, Word

#: Seconds of voice activity with no written word (filled pauses aside) that count as lost words. Between two
#: words of fluent speech there is at most a breath; the longest such stretch on the evaluation kit's and
#: our own correctly decoded talks is under 2 s of speech.
MIN_UNWRITTEN_SPEECH = 4.0
#: Audio kept on each side of a stretch, so its first and last words are heard whole.
PAD = 0.2
#: A phrase written this many times in a row is a loop; people repeat a word or two ("no, no, no"), a stuck
#: phrase of several words four times over is Whisper's.
MIN_LOOP_REPEATS = 4
#: Longest phrase looked for (words). Whisper base wrote a phrase of 12 words nine times over in one of our scripted
#: talks ("In plain on and out one hundred hundred blockage in that year. ..."); nobody says a phrase of that length
#: four times in a row.
MAX_LOOP_PHRASE = 16
#: One word written this many times in a row is a loop. People say "no, no, no" or "very, very"; five times
#: over is Whisper's ("0 -0 -0 ..." 107 times, ",000" 16 times, a misheard "mal" 6 times on the scripted talks).
MIN_WORD_REPEATS = 5
#: A piece of one to four characters written this many times in a row inside one word is a loop of Whisper's
#: tokens ("NVVVVVVV..."); no English word repeats a piece even four times ("bananas" twice).
MIN_PIECE_REPEATS = 8
_LOOPED_PIECE = re.compile(r"(.{1,4}?)\1{%d,}" % (MIN_PIECE_REPEATS - 1))


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


def repetition_loops(words: list[Word], min_repeats: int = MIN_LOOP_REPEATS,
                     max_phrase: int = MAX_LOOP_PHRASE,
                     min_word_repeats: int = MIN_WORD_REPEATS) -> list[tuple[int, int, int]]:
    """Where Whisper wrote one phrase over and over.

    Args:
        words: The transcript's words.
        min_repeats: How many times in a row a phrase of 2 words or more must be written.
        max_phrase: The longest phrase looked for, in words.
        min_word_repeats: How many times in a row a single word must be written.

    Returns:
        ``(first, stop, length)`` for each loop: the words ``[first, stop)`` repeat the phrase of ``length``
        words that starts at ``first`` (a phrase of filled pauses only is a hesitation, not a loop).
    """
    norm = [norm_word(w.text) for w in words]  # digits kept: "-0" is "0", and a loop of numbers is a loop
    fillers = set(cue_lists()["filled_pause"]["words"])
    found, i = [], 0
    while i < len(norm):
        best = (0, 0)  # (words covered, phrase length)
        for n in range(1, max_phrase + 1):
            if i + n >= len(norm) or norm[i + n] != norm[i]:  # cheap test first: most words start no repeat
                continue
            phrase = norm[i:i + n]
            if all(t in fillers or not t for t in phrase):
                continue
            k = 1
            while norm[i + k * n:i + (k + 1) * n] == phrase:
                k += 1
            if k >= (min_word_repeats if n == 1 else min_repeats) and k * n > best[0]:
                best = (k * n, n)
        if best[0]:
            found.append((i, i + best[0], best[1]))
            i += best[0]
        else:
            i += 1
    return found


def looped_words(words: list[Word]) -> list[int]:
    """Indices of the words that hold a loop of their own: a piece of 1-4 characters written at least
    ``MIN_PIECE_REPEATS`` times in a row ("NVVVVVVVVV")."""
    return [k for k, w in enumerate(words) if _LOOPED_PIECE.search(w.text)]


def loop_stretches(words: list[Word]) -> list[Interval]:
    """The stretches of the recording that Whisper filled with loops: from the written word before each run of
    loops to the one after it (loops at most ``MAX_LOOP_PHRASE`` words apart are one run: a loop drifts, "I'm
    going going to say that"). A word that loops inside itself is a run of its own."""
    loops = sorted([(first, stop) for first, stop, _ in repetition_loops(words)]
                   + [(k, k + 1) for k in looped_words(words)])
    runs: list[list[int]] = []
    for first, stop in loops:
        if runs and first - runs[-1][1] <= MAX_LOOP_PHRASE:
            runs[-1][1] = stop
        else:
            runs.append([first, stop])
    stretches = []
    for first, stop in runs:
        end = words[stop - 1].end
        while stop < len(words) and words[stop].end - words[stop].start < 0.02:
            end = max(end, words[stop].end)  # the loop's last words, squeezed into its final instant
            stop += 1
        after = words[stop].start if stop < len(words) else end
        before = min(words[first - 1].end, words[first].start) if first else words[first].start
        stretches.append(Interval(round(float(before), 3), round(float(max(after, end + 0.001)), 3)))
    return stretches


def cut_loops(words: list[Word]) -> list[Word]:
    """The words with each loop cut to its phrase said once, and each word that loops inside itself to its piece
    written once ("NVVVVVVV" -> "NV")."""
    drop = {k for first, stop, n in repetition_loops(words) for k in range(first + n, stop)}
    return [replace(w, text=_LOOPED_PIECE.sub(r"\1", w.text)) for k, w in enumerate(words) if k not in drop]


def _loops(words: list[Word]) -> bool:
    return bool(repetition_loops(words) or looped_words(words))


def redecode_unwritten(transcript: Transcript, audio: Audio, model: ModelChoice, options: DecodeOptions,
                       compute_type: str = "int8", threads: int = 0, device: str = "cpu") -> Transcript:
    """The transcript with every unwritten stretch of speech decoded again (see the module docstring).

    Args:
        transcript: Whisper's transcript with its voice-activity regions (:func:`with_speech` applied).
        audio: The decoded recording.
        model, options, compute_type, threads, device: As for :func:`~speechcase.analysis.transcribe.transcribe`
            (the stretches are decoded where the take was: float16, the GPU's default, does not run on a CPU).

    Returns:
        The same transcript when nothing was lost or looped; otherwise one whose words inside each lost stretch
        come from the second decoding, when it wrote more words than the first, and inside each looped stretch
        from the second decoding, or the loop cut to its phrase once when that loops too.
    """
    speech = transcript.speech or []
    prompt = " ".join(filter(None, (options.hotwords, options.initial_prompt)))
    looped = loop_stretches(transcript.words)
    lost = [s for s in unwritten_stretches(transcript.words, speech, prompt)  # a loop's own stretch is one
            if not any(loop.start <= s.start and s.end <= loop.end for loop in looped)]
    if not lost and not looped:
        return transcript
    whisper = fresh_model(model.load, compute_type, threads, device)  # it may sample: the same words in any process
    words = list(transcript.words)
    for stretch in sorted([*lost, *looped], key=lambda s: s.start):
        new = _decode(whisper, audio, stretch, options, speech)
        if unwritten_stretches(new, _within(speech, stretch), prompt) or _loops(new):  # failed again
            new = _decode(whisper, audio, stretch, replace(options, hotwords=None, initial_prompt=None), speech)
        inside = [w for w in words if stretch.start <= w.start < stretch.end]
        if stretch in looped:
            new = new if new and not _loops(new) else cut_loops(inside)
        if stretch in looped or len(new) > len(inside):
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
