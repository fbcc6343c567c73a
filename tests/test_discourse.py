"""Context rules for discourse fillers, on real sentences (spaCy runs for real)."""
from __future__ import annotations

import pytest

from speechcase.analysis.signals.discourse import discourse_fillers
from speechcase.analysis.text import build_sentences, parse
from speechcase.core.types import Word


def fillers_in(text: str) -> list[str]:
    words = [Word(t, k * 0.3, k * 0.3 + 0.25, 0.9) for k, t in enumerate(text.split())]
    parsed = parse(words)
    return [f.text for f in discourse_fillers(words, parsed, build_sentences(words, parsed.sentence_starts))]


FILLERS = [
    ("It was, like, really slow to train.", "like"),
    ("The labels were, like, two weeks late.", "like"),
    ("Like, nobody checked the prep times.", "like"),
    ("We had, um, like, three different pipelines.", "like"),
    ("And like, it kept failing at night.", "like"),
    ("The analysts, you know, the people who review alerts, helped a lot.", "you know"),
    ("It was noisy, you know, and we cleaned it.", "you know"),
    ("You know, we never measured that.", "you know"),
    ("The data came late, you know.", "you know"),
    ("I mean, nobody wants a range.", "i mean"),
    ("The push flow, I mean the notification, was new.", "i mean"),
    ("It worked, but, I mean, barely.", "i mean"),
    ("The data was, so, mostly clean.", "so"),
    ("So, um, we started with the data.", "so"),
    ("And so, we moved on to the model.", "so"),
    ("It was basically a lookup table.", "basically"),
    ("Basically, we retrained every week.", "basically"),
    ("We, basically, ignored the holidays.", "basically"),
    ("Actually, the baseline was hard to beat.", "actually"),
    ("The model, actually, overfit badly.", "actually"),
    ("The thresholds were, kind of, arbitrary.", "kind of"),
    ("We just kind of lived with it.", "kind of"),
    ("It sort of worked in the end.", "sort of"),
    ("The metric was sort of unclear.", "sort of"),
    ("Seller fairness is, sort of, an open question.", "sort of"),
    ("We shipped it on Friday, right?", "right"),
    ("Right, so the next step was serving.", "right"),
    ("That is the main tradeoff, right.", "right"),
    ("It runs nightly, right, because orders ship once a day.", "right"),
    ("It was kind of scary, you know.", "kind of"),
    ("We tried, like, everything.", "like"),
    ("The retries were, you know, hiding the real bug.", "you know"),
    ("It took two weeks, I mean, just to join the tables.", "i mean"),
    ("It was billing, or maybe licensing, I mean, it was one of those.", "i mean"),
    ("But so, the second stage was the ranker.", "so"),
    ("Well, it basically came down to latency.", "basically"),
    ("We kind of guessed the first threshold.", "kind of"),
    ("The rollout was, um, sort of messy.", "sort of"),
    ("And, actually, the old rules were not that bad.", "actually"),
    ("The team, like, never looked at the dashboard.", "like"),
    ("That was the hard part, you know?", "you know"),
    ("It's, like, a week late every time.", "like"),
]

NOT_FILLERS = [
    "We tried models like XGBoost and LightGBM.",
    "I like this approach because it is simple.",
    "They would like a weekly report.",
    "It looks like the drift started in March.",
    "We saw something like a ten percent lift.",
    "It felt like the right call at the time.",
    "Do you know the answer to that?",
    "If you know what the users want, it is easy.",
    "You know the model better than anyone.",
    "What I mean is that the labels were noisy.",
    "By recall I mean the share of fraud we caught.",
    "I mean it when I say the data was the hard part.",
    "We cached features so that serving stayed fast.",
    "So far the model has held up well.",
    "It used so much memory that we pruned it.",
    "We added holidays, weather, and so on.",
    "It was a kind of ensemble of two models.",
    "That sort of problem shows up in every marketplace.",
    "What kind of model did you use?",
    "We picked the right threshold from the cost curve.",
    "We retrained right after the incident.",
    "Right now the model serves ten million users.",
    "The right answer depends on the cost of a false alarm.",
    "It actually beat the baseline by four points.",
    "The offline gain actually held up online.",
    "We reduced latency by half.",
    "The model was deployed behind a feature store.",
    "Our churn model cut cancellations by twelve percent.",
    "Turn right at the second step of the pipeline.",
    "This kind of drift is common after a launch.",
    "Users like short delivery windows.",
    "Tell me what you know about the users.",
    "I mean to rerun the backfill next quarter.",
    "The queue grew so quickly that alerts fired every hour.",
    "Which sort of metric would you pick for ranking?",
    "A right join kept the unmatched sessions.",
    "The label was whether the user came back within a week.",
    "Basic features like recency and frequency did most of the work.",
    "The data was late, and so, and then we retrained anyway.",
    # a "So" that opens a sentence said straight into its clause connects it to the one before (Whisper writes
    # the comma either way)
    "So, the first thing we did was clean the logs.",
    "So we served the model in real time.",
    # "actually" in a self-correction says the speaker changed their mind (the rambling measures count it)
    "It was ten thousand rows, or, no, actually, twelve thousand.",
    "We kept both at first, or, actually, no, only the newer one.",
    "I think it was Dana, no wait, actually it was Priya who ran it.",
    "We turned right, into a dead end with the old schema.",
    "The right, well-tested library saved us a week.",
    # a comparison or a quote right after "is"/"was" (tiny.en's text of a real recording: "MFA is like, putty.")
    "MFA is like, putty.",
    "The old model was like a black box to the analysts.",
    "And I was like, why is this so slow?",
]


@pytest.mark.parametrize("text,expected", FILLERS, ids=[t for t, _ in FILLERS])
def test_filler_in_context(text, expected):
    assert expected in fillers_in(text)


@pytest.mark.parametrize("text", NOT_FILLERS)
def test_not_a_filler(text):
    assert fillers_in(text) == []


def test_each_filler_counted_once():
    assert fillers_in("It was, you know, like, slow, you know.") == ["you know", "like", "you know"]



def test_a_sentence_opening_so_set_off_by_a_pause_is_a_filler():
    def so_opening(pause_after: float) -> list[str]:
        words, t = [], 0.0
        for k, text in enumerate("It was late. So, [gap] the model waited.".split()):
            if text == "[gap]":
                t += pause_after - 0.05
                continue
            words.append(Word(text, t, t + 0.25, 0.9))
            t += 0.3 if k != 2 else 0.8  # the sentence gap
        parsed = parse(words)
        return [f.text for f in discourse_fillers(words, parsed, build_sentences(words, parsed.sentence_starts))]

    assert so_opening(0.4) == ["so"]
    assert so_opening(0.1) == []


def test_rules_on_real_transcripts():
    """tiny.en's words on our scripted talks. A "so" the script joins to its clause with a comma comes out as
    "... a day. So, we sampled", said with no pause before it (0.10-0.28 s here): not a filler. A "So" that opens
    the script's next sentence and goes straight on into its clause (no pause after it) is a connective,
    whether or not the script marks it: the scripts' writers marked 6 of the 30 such openers on 64 talks.
    "...instead. I mean, it might have been enough": the comma makes it a filler, though "I mean it" is
    literal."""
    import json

    from conftest import DATA

    from speechcase.core.types import Word

    for excerpt in json.loads((DATA / "discourse_excerpts.json").read_text())["excerpts"]:
        words = [Word(w["text"], w["start"], w["end"], w["probability"]) for w in excerpt["words"]]
        parsed = parse(words)
        found = [f.text for f in discourse_fillers(words, parsed, build_sentences(words, parsed.sentence_starts))]
        assert found == excerpt.get("found", excerpt["fillers"]), (excerpt["script"], found)
