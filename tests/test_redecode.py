"""Speech Whisper left unwritten (a batched window answered with a copy of the hotwords) or wrote as a loop (one
phrase over and over) is decoded again."""
from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import DATA, SAMPLES

from speechcase.analysis.redecode import cut_loops, loop_stretches, looped_words, repetition_loops, unwritten_stretches
from speechcase.core.types import Interval, Word


def _words(spec: list[tuple[str, float, float]]) -> list[Word]:
    return [Word(t, s, e, 0.9) for t, s, e in spec]


def test_a_long_stretch_of_speech_written_only_as_fillers_is_unwritten():
    speech = [Interval(0.0, 7.9), Interval(8.3, 16.0), Interval(16.4, 20.0)]
    words = _words([("Um,", 0.0, 0.8), ("uh,", 15.4, 16.0), ("Then", 16.4, 16.7), ("we", 16.7, 16.9),
                    ("trained", 16.9, 17.4), ("it.", 17.4, 20.0)])
    assert unwritten_stretches(words, speech) == [Interval(0.0, 16.4)]


def test_words_copied_from_the_hotwords_do_not_count_as_written():
    # Whisper base answered 24 s of speech with "I think, uh, I think," (from the hotwords "Um, so, uh, I think,
    # hmm, yeah."); the same words in fluent speech are anchored by the words around them
    speech = [Interval(46.9, 47.4), Interval(47.8, 64.4), Interval(64.6, 65.2)]
    words = _words([("calls.", 47.0, 47.4), ("I", 49.2, 49.3), ("think,", 49.3, 49.6), ("uh,", 51.6, 52.0),
                    ("I", 54.3, 54.4), ("think,", 54.4, 54.7), ("Against", 64.6, 65.0), ("the", 65.0, 65.2)])
    hotwords = "Um, so, uh, I think, hmm, yeah."
    assert unwritten_stretches(words, speech, hotwords) == [Interval(47.4, 64.6)]
    assert unwritten_stretches(words, speech) == [Interval(49.6, 54.3), Interval(54.7, 64.6)]  # copies kept
    fluent = _words([("So", 0.0, 0.2), ("I", 0.2, 0.3), ("think,", 0.3, 0.6), ("yeah.", 0.6, 1.0), ("We", 1.2, 1.4),
                     ("shipped", 1.4, 1.9), ("it.", 1.9, 2.2)])
    assert unwritten_stretches(fluent, [Interval(0.0, 2.2)], hotwords) == []


def test_fluent_speech_and_long_silences_are_not_unwritten():
    # 1.5 s of speech between two words (a held breath, a laugh) and a 10 s silence: nothing lost
    speech = [Interval(0.0, 2.0), Interval(2.2, 3.7), Interval(14.0, 16.0)]
    words = _words([("We", 0.0, 0.3), ("framed", 0.3, 2.0), ("it.", 3.7, 3.9), ("Then", 14.0, 14.3),
                    ("shipped.", 14.3, 16.0)])
    assert unwritten_stretches(words, speech) == []


def test_filled_pause_is_not_stretched_back_into_a_silence():
    from speechcase.analysis.signals.fillers import filled_pauses

    # "...stood." ends at 53.8, a 2 s pause, then "Um, that open recipe": Whisper starts "Um," at 55.6
    speech = [Interval(50.0, 53.8), Interval(55.8, 60.0)]
    words = _words([("stood.", 53.5, 53.8), ("Um,", 55.6, 56.4), ("that", 56.6, 56.9)])
    assert [(f.start, f.end) for f in filled_pauses(words, speech)] == [(55.8, 56.4)]
    # nor across one: Whisper base starts the "Um" in the sentence before, its voice is after the pause
    words = _words([("stood.", 53.5, 53.6), ("Um,", 53.7, 56.4), ("that", 56.6, 56.9)])
    assert [(f.start, f.end) for f in filled_pauses(words, speech)] == [(55.8, 56.4)]
    # a voiced island of its own between the word before and a late-written "um," is that hesitation
    # (tiny.en on tests/data/hesitations_14s.flac: the "um" is said at 3.9-4.6 s and written at 5.0 s)
    speech = [Interval(0.32, 3.58), Interval(3.9, 4.61), Interval(4.9, 6.82)]
    words = _words([("baseline,", 3.2, 3.6), ("um,", 5.0, 5.0), ("and", 5.22, 5.22), ("we", 5.22, 5.4)])
    assert [(f.start, f.end) for f in filled_pauses(words, speech)] == [(3.9, 5.0)]
    speech = [Interval(50.0, 53.8), Interval(55.8, 60.0)]
    # inside speech it still reaches back to the previous word, where Whisper's late "um" was said
    words = _words([("tried,", 55.9, 56.2), ("um,", 56.8, 56.8), ("boosting", 57.0, 57.5)])
    assert [(f.start, f.end) for f in filled_pauses(words, speech)] == [(56.2, 56.8)]


@pytest.mark.slow
def test_a_window_lost_to_the_hotwords_is_decoded_again(tmp_path):
    """tests/data/hotword_copy_24s.flac: batched tiny.en with the hotwords writes "Um, uh," for the first
    17 s (three sentences). The transcript must hold those sentences."""
    from speechcase.analysis.audio import load_audio
    from speechcase.analysis.pipeline import AnalyzeOptions, transcribe_file
    from speechcase.analysis.transcribe import resolve_model, transcribe

    path = DATA / "hotword_copy_24s.flac"
    options = AnalyzeOptions(cache_dir=tmp_path)
    first_pass = transcribe(load_audio(path), None, resolve_model(None), options.decode)
    assert sum(w.start < 16 for w in first_pass.words) <= 3, "the failure this guards against no longer occurs"
    transcript, _ = transcribe_file(path, options)
    text = " ".join(w.text for w in transcript.words).lower()
    assert "credit risk model" in text and "past loans" in text and "existing score" in text
    assert sum(w.start < 16 for w in transcript.words) >= 40


def _loop_words() -> list[Word]:
    return [Word.from_dict(w) for w in json.loads((DATA / "whisper_loop_words.json").read_text())["words"]]


def test_a_phrase_whisper_writes_over_and_over_is_a_loop():
    """tiny.en (float32) on a scripted talk: from 105.7 s, "I'm going to say that" over and over for 29 s, most
    words 0 s long, drifting now and then ("I'm going going to say"), where three sentences were said."""
    words = _loop_words()
    assert [(words[first].text, (stop - first) // n) for first, stop, n in repetition_loops(words)] == \
        [("I'm", 5), ("say", 5), ("going", 4), ("say", 4), ("I'm", 11)]
    (stretch,) = loop_stretches(words)  # the drifts between the loops are the same run
    assert stretch.start == 105.72 and 134.53 < stretch.end < 134.56  # up to "best", the first real word after
    looped = [w for w in words if stretch.start <= w.start < stretch.end]
    assert len(looped) == 164 and all(w.text.strip(".,").lower() in {"i'm", "going", "to", "say", "that", "the"}
                                      for w in looped)
    assert [w.text for w in words if w.start >= stretch.end][:2] == ["best", "decision"]
    assert [w.text for w in words if w.end <= stretch.start][-2:] == ["I", "think"]
    cut = cut_loops(words)
    assert len(cut) == len(words) - (25 - 5) - (25 - 5) - (20 - 5) - (20 - 5) - (55 - 5)
    assert repetition_loops(cut) == []


def _word_loops(key: str) -> list[Word]:
    return [Word.from_dict(w) for w in json.loads((DATA / "whisper_word_loops.json").read_text())[key]]


def test_a_number_whisper_writes_over_and_over_is_a_loop():
    """tiny.en (int8) on a scripted talk wrote "0 -0 -0 ..." (107 words) over 20 s where a framing sentence and a result
    were said. Digits count as a word's letters here, or a loop of numbers would go unseen."""
    words = _word_loops("number_loop")
    assert [(words[first].text, stop - first, n) for first, stop, n in repetition_loops(words)] == [("0", 107, 1)]
    (stretch,) = loop_stretches(words)
    assert [w.text for w in words if w.end <= stretch.start][-2:] == ["minutes", "at"]
    assert [w.text for w in words if w.start >= stretch.end][:1] == ["Precision"]
    assert stretch.end - stretch.start > 20
    cut = cut_loops(words)
    assert [w.text for w in cut if w.text.endswith("0")] == ["0"] and len(cut) == len(words) - 106


def test_one_misheard_word_written_five_times_or_more_is_a_loop():
    """tiny.en (int8) heard "survival" as "semi mal mal mal mal mal mal" and "mal mal mal mal mal"."""
    words = _word_loops("word_loop")
    assert [(words[first].text, stop - first) for first, stop, _ in repetition_loops(words)] == \
        [("mal", 6), ("mal", 5)]
    assert len(loop_stretches(words)) == 2


def test_a_word_that_loops_inside_itself_is_a_loop():
    """tiny.en (int8) on a scripted talk wrote one "word" of 193 characters ("an NVVVVVVV...") over 18 s where
    "NVIDIA T4" and two sentences more were said: no word repeats, and no stretch is left without words."""
    words = _word_loops("piece_loop")
    assert repetition_loops(words) == [] and unwritten_stretches(words, [Interval(105.0, 142.0)]) == []
    (k,) = looped_words(words)
    assert words[k].text.startswith("NVVVVVVVV") and words[k].end - words[k].start > 17
    (stretch,) = loop_stretches(words)  # decoded again: from the word before to the end of the loop
    assert stretch.start == words[k - 1].end and words[k].end <= stretch.end < words[k].end + 0.01
    cut = cut_loops(words)
    assert cut[k].text == "NV" and [w.text for w in cut[k - 2:k]] == ["with", "an"] and len(cut) == len(words)
    real = _words([("bananas", 0.0, 0.5), ("10,000,000", 0.5, 1.5), ("aaah", 1.5, 2.0), ("hahahaha", 2.0, 2.5)])
    assert looped_words(real) == []  # no English word, number or laugh repeats a piece eight times


@pytest.mark.parametrize("text", [
    "no, no, no, no, we never shipped it",            # one word said a few times is how people insist
    "uh uh uh uh uh uh and then we trained it",       # a run of filled pauses is a hesitation
    "um, uh, um, uh, um, uh, um, uh, the model",
    "it went up and up and up and up",                # a phrase of one word and "and"... three times: speech
    "step by step, step by step, step by step, we rebuilt the features",
])
def test_what_people_repeat_is_not_a_loop(text):
    words = [Word(t, 0.3 * k, 0.3 * k + 0.25, 0.9) for k, t in enumerate(text.split())]
    assert repetition_loops(words) == [] and loop_stretches(words) == []


@pytest.mark.slow
def test_a_window_whisper_filled_with_a_loop_is_decoded_again(tmp_path):
    """The real sample talk with 15 s of its transcript replaced by a loop, as Whisper writes one: the stretch is
    decoded again from the audio and its sentences come back."""
    from speechcase.analysis.audio import load_audio
    from speechcase.analysis.pipeline import AnalyzeOptions, transcribe_file
    from speechcase.analysis.redecode import redecode_unwritten
    from speechcase.analysis.text import normalise
    from speechcase.analysis.transcribe import resolve_model

    path = SAMPLES / "structured_churn.flac"
    options = AnalyzeOptions(cache_dir=tmp_path)
    transcript, _ = transcribe_file(path, options)
    assert repetition_loops(transcript.words) == []
    said = [w for w in transcript.words if 30 <= w.start < 45]
    phrase = ["I'm", "going", "to", "say", "that"]
    loop = [Word(phrase[k % 5], round(30.0 + 0.1 * (k // 5), 2), round(30.0 + 0.1 * (k // 5), 2), 0.9)
            for k in range(5 * 40)]
    broken = replace(transcript, words=sorted([w for w in transcript.words if not 30 <= w.start < 45] + loop,
                                              key=lambda w: w.start))
    assert len(loop_stretches(broken.words)) == 1
    mended = redecode_unwritten(broken, load_audio(path), resolve_model(None), options.decode)
    assert repetition_loops(mended.words) == []
    back = [normalise(w.text) for w in mended.words if 29 <= w.start < 46]
    assert len(back) >= 0.8 * len(said)
    assert len({normalise(w.text) for w in said} & set(back)) >= 0.6 * len({normalise(w.text) for w in said})


def test_stretches_are_decoded_again_on_the_takes_device():
    """A take transcribed on a GPU (``--device cuda``, float16 by default) has its lost stretches decoded there too:
    a CPU model cannot run float16 and refused the take. Here, with no GPU, asking for one is refused as such."""
    import ctranslate2

    from speechcase.analysis.audio import load_audio
    from speechcase.analysis.redecode import redecode_unwritten
    from speechcase.analysis.transcribe import DecodeOptions, resolve_model
    from speechcase.core.errors import ModelUnavailable
    from speechcase.core.types import Transcript

    if ctranslate2.get_cuda_device_count():
        pytest.skip("a GPU is visible: the refusal this checks does not happen")
    transcript = Transcript.from_dict(json.loads((DATA / "transcript_sample.json").read_text()))
    lost = replace(transcript, words=[], speech=[Interval(0.0, 8.0)])  # 8 s of speech, not a word written
    with pytest.raises(ModelUnavailable, match="--device cuda needs an NVIDIA GPU"):
        redecode_unwritten(lost, load_audio(DATA / "hesitations_14s.flac"), resolve_model(None), DecodeOptions(),
                           "float16", 0, "cuda")


def test_a_long_phrase_written_over_and_over_is_a_loop():
    """Whisper base (int8) on a scripted talk in the Scottish female voice wrote a phrase of 12 words nine times over
    ("In plain on and out one hundred hundred blockage in that year. ..."), which a search for phrases of up to 8
    words missed: the talk's pace came out 37 % too fast. Phrases of up to 16 words are looked for now."""
    words = _word_loops("long_phrase_loop")
    ((first, stop, n),) = repetition_loops(words)
    assert n == 12 and (stop - first) // n == 9 and words[first].text == "In"
    assert repetition_loops(words, max_phrase=8) == []  # what the search used to find
    (stretch,) = loop_stretches(words)
    assert stretch.start == words[first - 1].end and stretch.end >= words[stop - 1].end
    cut = cut_loops(words)
    assert len(cut) == len(words) - 8 * 12 and repetition_loops(cut) == []
