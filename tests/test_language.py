"""Repeated phrases, long sentences and vocabulary variety on real transcripts (written passages timed as speech,
and the sample talks)."""
from __future__ import annotations

import pytest
from conftest import SAMPLE_NAMES, load_json

from speechcase.analysis.config import default_thresholds
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.pipeline import AnalyzeOptions, analyze_transcript
from speechcase.analysis.plaintext import transcript_from_text
from speechcase.analysis.signals.sentences import mtld

T = default_thresholds()

#: An ML case study (297 words, 1:59 at 160 wpm) with two pet phrases; its topic words ("model" x12,
#: "churn" x5, "customer(s)" x7, "team" x5, "retention" x4) are said as often or more.
PET_PHRASES = (
    "So the project was a churn model for a meal-kit company, and at the end of the day the goal was to keep "
    "customers. Let's say a customer skips two weeks in a row, that was the signal we cared about most. The churn "
    "model used the order history, the skips and the support tickets. At the end of the day, the data was messy, "
    "because the skips were logged in two different systems. Let's say you pause your plan, then the model saw a "
    "skip and a pause as two events. We cleaned that up and trained the churn model on eighteen months of history. "
    "The model was a gradient boosted tree, and the model beat the baseline by a wide margin. Let's say the "
    "baseline flagged everyone who skipped once, it caught most churners but it also flagged half the customers. "
    "At the end of the day, precision mattered more than recall, because every flag cost the retention team a "
    "phone call. The model reached a precision of seventy percent at the recall the team could handle. Let's say "
    "the team can call two hundred customers a week, then the model picks the two hundred most at risk. We "
    "deployed the model as a nightly batch job, and the churn scores land in the retention dashboard every "
    "morning. At the end of the day, the retention team trusted the model because they could see why each "
    "customer was flagged. Let's say a customer is flagged, the dashboard shows the three features that pushed "
    "the score up. The churn rate fell by four points in the first quarter, which was the number the business "
    "cared about. Looking back, I would have talked to the retention team earlier, because the model only "
    "matters if they use it.")

#: Technical terms said over and over, as in a lecture or a modelling deep dive: never a pet phrase.
TECHNICAL = (
    "The potential energy is highest at the top. As it swings down, potential energy turns into kinetic energy. "
    "At the bottom the kinetic energy is largest and the potential energy is smallest. We used gradient boosting "
    "first. Gradient boosting handled the missing values well. Then we tuned gradient boosting with early "
    "stopping. The recall went up, and recall is what the fraud team watches. We report recall weekly, and "
    "recall at a fixed precision is the number in the dashboard. Offline we measured it on a holdout month. "
    "Offline the gain held, and offline it was stable across regions. We deploy every week, and we deploy "
    "behind a flag. In real time the service answers in twenty milliseconds, and in real time it scores every "
    "payment. The logistic regression baseline was weaker. A logistic regression is easy to explain, but the "
    "logistic regression missed interactions. Precision matters too: precision dropped a little, and precision "
    "at the top was still fine. The potential energy, the kinetic energy and the gradient boosting stories all "
    "came back in the questions, and so did recall, offline checks and logistic regression. We deploy again "
    "next week.")


def analysed_text(text: str):
    return analyze_transcript(transcript_from_text(text), load_framework("case-study"), AnalyzeOptions(use_cache=False))


def flags_of(analysis, flag_type: str):
    return [f for f in analysis.flags if f.type == flag_type]


def test_pet_phrases_are_flagged_and_topic_words_are_not():
    analysis = analysed_text(PET_PHRASES)
    flagged = {p.text: p for p in analysis.repeated if p.flagged}
    assert set(flagged) == {"let's say", "at the end of the day"}  # grown from "at the end of", not its pieces
    assert (flagged["let's say"].count, flagged["at the end of the day"].count) == (5, 4)
    flags = {f.message.split("\u201d")[0].lstrip("\u201c"): f for f in flags_of(analysis, "repeated_phrase")}
    assert set(flags) == set(flagged)
    say = flags["let's say"]
    assert say.marks == flagged["let's say"].occurrences and len(say.marks) == 5
    assert (say.start, say.end) == (say.marks[0].start, say.marks[-1].end)
    assert "5 times in 1:59" in say.message and "per 10 minutes" in say.message
    assert "ordinary English predicts" in say.evidence and say.evidence.count(":") >= 5  # every time, m:ss
    assert "example" in say.suggestion  # the phrase's own advice from data/phrases.toml
    for word in ("model", "churn", "customer", "customers", "team", "retention", "baseline", "the model"):
        assert all(word not in p.text.split() for p in analysis.repeated), word


def test_technical_terms_said_often_are_never_flagged():
    analysis = analysed_text(TECHNICAL)
    said = {p.text: p.count for p in analysis.repeated}
    assert not flags_of(analysis, "repeated_phrase"), said
    for term in ("potential", "energy", "gradient", "boosting", "recall", "offline", "deploy", "real",
                 "logistic", "precision"):
        assert all(term not in p.split() for p in said), (term, said)


def test_repeated_grammar_is_not_a_pet_phrase():
    """The lecture in the real recordings says "let it fall", "let it swing", "let it go", "let it hit": the
    repeat is the verb's object, not a habit (a phrase may not end on a pronoun)."""
    text = ("If I let it fall from the top, the height turns into speed. If I let it swing from one meter, it comes "
            "back to the same height. A crane lifts a heavy ball and then you let it go, and the swing takes the "
            "wall down. You do not push it, you just let it hit. The ball never comes back higher than where it "
            "started, because nothing adds to it on the way. Watch the ball closely when it comes back to my nose "
            "and you will see that it stops short of it every time. The energy goes into the air and into the "
            "string, a little on every swing, and the swing gets smaller and smaller until it stops. That is "
            "the whole demonstration, and it works with any mass, light or heavy, as long as the string holds. "
            "Try it at home with a shoe on a shoelace, and keep your face still while it swings.")
    analysis = analysed_text(text)
    assert analysis.transcript.words[-1].end > T.repetition.min_talk_seconds  # long enough to be judged
    assert not any(p.text.startswith("let it") for p in analysis.repeated)
    assert not flags_of(analysis, "repeated_phrase")


def test_fillers_and_hedges_are_left_to_their_own_counts():
    text = " ".join(["You know, the model was slow, and I think the data was late, you know."] * 6
                    + ["The rest of the project went to plan and the launch was on time."] * 6)
    analysis = analysed_text(text)
    assert sum(f.text == "you know" for f in analysis.fillers) >= 6
    assert not any({"know", "think"} & set(p.text.split()) for p in analysis.repeated)


def test_a_short_talk_is_not_judged_for_repeats():
    analysis = analysed_text("Basically it worked. Basically it was fast. Basically we shipped. Basically done.")
    assert analysis.repeated == [] and not flags_of(analysis, "repeated_phrase")


LONG_SENTENCE = (
    "We started with the rules the support team already had. "
    "The first model we trained was a logistic regression on the ticket text, and then we added the customer's "
    "history and the product they wrote about, and it beat the rules on every queue except billing, which stayed "
    "hard because the tickets there mix three different problems in one message. "
    "That was the main finding. We shipped it in March.")


def test_a_long_sentence_is_flagged_with_where_to_split_it():
    analysis = analysed_text(LONG_SENTENCE)
    (long,) = analysis.long_sentences
    assert long.words >= T.long_sentences.max_words and long.splits
    (flag,) = flags_of(analysis, "long_sentence")
    assert (flag.start, flag.end) == (long.start, long.end) and flag.severity == "medium"
    assert f"A {long.words}-word sentence" in flag.message
    assert [m.start for m in flag.marks] == [s.at for s in long.splits]
    assert all(m.start == m.end and long.start < m.start < long.end for m in flag.marks)
    split = long.splits[0]
    assert split.before.endswith(",")  # a clause break: not "history and the product", not the "and" of "and then"
    assert "Split it: end the sentence after" in flag.suggestion and "start the next with" in flag.suggestion
    assert "\u201cAnd " not in flag.suggestion  # the linking "and" is dropped from the rewrite


def test_short_sentences_and_rambling_get_no_long_sentence_flag():
    assert not analysed_text("We framed the problem. We cleaned the data. We trained a model. It worked.").long_sentences
    rambling = analysed_text(
        "So the retraining, um, we did it weekly, or maybe every two weeks, it depends who was on call, and then "
        "somebody said streaming, or micro-batches, and, uh, I think we tried both, or started to, and honestly "
        "it was a whole saga, and I don't remember which one we kept.")
    assert rambling.long_sentences and flags_of(rambling, "stream_of_consciousness")
    assert not flags_of(rambling, "long_sentence")  # the stream-of-consciousness advice covers it


def test_mtld_rewards_varied_words():
    varied = ("The team framed the churn problem, cleaned two years of orders, compared a simple rule with a "
              "boosted tree, and shipped a nightly job that the retention staff now reads every morning").split() * 2
    repetitive = ("the model was good and the model was fast and the model was good").split() * 8
    assert mtld(varied, 0.72) is not None and mtld(repetitive, 0.72) is not None
    assert mtld(varied, 0.72) > 2 * mtld(repetitive, 0.72)
    # a text that reaches the threshold exactly once forward and backward: one full factor each way
    assert mtld(["a", "b", "a", "a"], 0.72) == pytest.approx(4 / (1 + (1 - 1.0) / 0.28), abs=0.1)
    summary = analysed_text(PET_PHRASES).vocabulary
    assert summary is not None and summary.words == 297 and 40 < (summary.mtld or 0) < 150


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_have_no_repeated_phrase_flag_and_sentence_numbers(name, analysed):
    doc = load_json(analysed(name) / "analysis.json")
    assert not [f for f in doc["flags"] if f["type"] == "repeated_phrase"]
    assert doc["summary"]["repeated_phrases"] == {"flags": 0, "phrases": []}
    lengths = doc["summary"]["sentence_length"]
    assert 5 < lengths["mean_words"] < 30 and lengths["longest_words"] < 60
    assert doc["summary"]["vocabulary"]["mtld"] > 30


def test_browser_marks_play_each_time_and_show_in_the_transcript(browser_page, tmp_path):
    from conftest import SAMPLES

    from speechcase.analysis.document import analysis_document
    from speechcase.core.document import read_document
    from speechcase.views.dashboard import write_dashboard

    doc = read_document(analysis_document(analysed_text(PET_PHRASES + " " + LONG_SENTENCE)))
    html_file = tmp_path / "dashboard.html"
    write_dashboard(doc, html_file, SAMPLES / "structured_churn.flac")  # any recording longer than the marks
    page, problems = browser_page(html_file)
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    k, flag = next((k, f) for k, f in enumerate(doc.flags) if f.type == "repeated_phrase" and "let's say" in f.message)
    buttons = page.locator(f"#flag-{k} .marks .ts")
    assert buttons.count() == 5 and buttons.nth(2).inner_text() == "0:50"
    buttons.nth(2).click()  # the third "let's say": the flag is selected and plays from there, not from its start
    page.wait_for_function(f"Math.abs(document.getElementById('player').currentTime - {flag.marks[2].start - 0.5})"
                           " < 0.3", timeout=10_000)
    assert "selected" in (page.locator(f"#flag-{k}").get_attribute("class") or "")
    flagged = [p for p in doc.repeated_phrases if p.flagged]
    assert page.locator(".transcript mark.repeat").count() == sum(len(p.text.split()) * p.count for p in flagged)
    splits = [m for f in doc.flags if f.type == "long_sentence" for m in f.marks]
    assert splits and page.locator(".transcript .split-mark").count() == len(splits)
    drawn = page.evaluate("document.getElementById('timeline').data.filter(t => t.name === 'where')"
                          ".reduce((n, t) => n + t.x.length, 0)")
    assert drawn == sum(len(f.marks) for f in doc.flags)
    assert problems == []


def test_the_frequency_table_is_wordfreqs_own():
    """The small English list read from wordfreq's data file is exactly what wordfreq's own function builds."""
    from wordfreq import get_frequency_dict

    from speechcase.analysis.signals.repetition import english_frequencies, zipf

    assert english_frequencies() == get_frequency_dict("en", wordlist="small")
    assert zipf("the") > 7 and 4 < zipf("basically") < 5 and zipf("xgboost") == 0.0

