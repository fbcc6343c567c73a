"""Structure signals: framing opener, numbers, signposts, ownership and reasoning, on transcripts of text."""
from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import replace

import pytest
from conftest import load_json

from speechcase.analysis.flags.structure import structure_flags
from speechcase.analysis.plaintext import transcript_from_text
from speechcase.analysis.signals.discourse import discourse_fillers
from speechcase.analysis.signals.fillers import filled_pauses
from speechcase.analysis.signals.rambling import sentence_cues
from speechcase.analysis.signals.structure import measure_structure, sentence_numbers, structure_summary
from speechcase.analysis.text import build_sentences, parse
from speechcase.core.types import Flag, Transcript

FILLER = "The team met every week to review the progress of the work on the pipeline."


def measured(text: str, sections: list[str] | None = None, soc: list[Flag] | None = None):
    """Structure and its flags for ``text``; ``sections`` labels the sentences in order, as the segmenter would."""
    words = transcript_from_text(text).words
    parsed = parse(words)
    sentences = build_sentences(words, parsed.sentence_starts)
    if sections:  # one per sentence as written; spaCy may cut them differently
        written = re.split(r"(?<=[.?!]) ", text)
        assert len(sections) == len(written)
        firsts = list(itertools.accumulate([0] + [len(w.split()) for w in written[:-1]]))
        sentences = [replace(s, section=sections[bisect.bisect_right(firsts, s.first_word) - 1]) for s in sentences]
    fillers = filled_pauses(words) + discourse_fillers(words, parsed, sentences)
    structure = measure_structure(words, parsed, sentences, sentence_cues(words, parsed, sentences, fillers))
    return structure, structure_flags(structure, sentences, soc or []), sentences


def types(flags: list[Flag]) -> list[str]:
    return [f.type for f in flags]


@pytest.mark.parametrize("opening, kind", [
    ("Let me walk you through the routing project in three parts.", "agenda"),
    ("The problem was that agents sorted every ticket by hand.", "problem"),
    ("The routing model I built cut the average wait by forty percent.", "impact"),
])
def test_a_framing_sentence_in_the_first_minute_is_found(opening, kind):
    structure, flags, _ = measured(" ".join([opening] + [FILLER] * 12))
    assert structure.opener_kind == kind and structure.opener.text == opening
    assert "no_framing_opener" not in types(flags)


def test_no_framing_sentence_is_flagged_and_worse_when_the_opening_runs_on():
    text = " ".join(["We looked at the logs first and they were messy."] + [FILLER] * 12)
    structure, flags, sentences = measured(text)
    (flag,) = [f for f in flags if f.type == "no_framing_opener"]
    assert structure.opener is None and flag.severity == "medium"
    assert flag.start == sentences[0].start and "We looked at the logs" in flag.evidence
    soc = [Flag("", "stream_of_consciousness", 2.0, 20.0, "high", "m", "e", "s")]
    (flag,) = [f for f in measured(text, soc=soc)[1] if f.type == "no_framing_opener"]
    assert flag.severity == "high"


def test_a_talk_shorter_than_the_opening_is_not_judged_on_it():
    assert not {"no_framing_opener", "no_quantified_impact"} & set(types(measured("We looked at the logs.")[1]))


def test_numbers_are_entities_and_number_words_but_not_dates_or_one():
    structure, _, sentences = measured("It cut waste by 23% across two hundred stores, about $9 million a year. "
                                       "In 2019 one of the teams had the first model.")
    words = transcript_from_text(" ".join(s.text for s in sentences)).words
    parsed = parse(words)
    first, second = build_sentences(words, parsed.sentence_starts)
    assert sentence_numbers(words, parsed, first) == ["23%", "two hundred", "about $9 million"]
    assert sentence_numbers(words, parsed, second) == []



def test_entities_are_read_only_in_sentences_that_may_say_a_number():
    """spaCy's entity network runs on the sentences with a digit, a number word or a currency sign (half the
    parse's time otherwise); their entities keep word positions in the whole talk."""
    text = ("Google and Amazon shared the data with our team in Berlin. The model cut churn by twelve percent. "
            "Microsoft paid one million dollars for it. We met Sarah at the office in Paris every Monday.")
    words = transcript_from_text(text).words
    entities = parse(words).entities
    assert {e.label for e in entities} >= {"PERCENT", "MONEY"}
    assert {"Microsoft"} <= {e.text for e in entities}  # a name in a sentence with a number is still read
    assert not {"Google", "Amazon", "Berlin", "Sarah", "Paris"} & {e.text for e in entities}
    for e in entities:  # the word range is the entity's place in the talk, not in its sentence
        assert " ".join(w.text for w in words[e.first_word:e.last_word]).strip(".,") == e.text

def test_the_parse_multiplies_with_numpy_and_matches_thincs_default(monkeypatch, analysed):
    """spaCy's layers use NumPy's BLAS (3x faster here than thinc's default, BLIS), and the tokenizer is the one
    spaCy builds for English rather than the model's saved copy; a pipeline loaded as spaCy loads it (BLIS, the
    saved tokenizer) has that very tokenizer and parses a real transcript into the same sentences, tokens, tags,
    dependencies and entities."""
    import importlib

    from thinc.api import NumpyOps, use_ops

    from speechcase.analysis import text as units

    layers = [node for name in ("tok2vec", "tagger") for node in units.nlp().get_pipe(name).model.walk()]
    assert layers and all(isinstance(n.ops, NumpyOps) and not n.ops.use_blis for n in layers)
    words = Transcript.from_dict(load_json(analysed("structured_churn") / "transcript.json")).words
    ours = parse(words)
    with use_ops("numpy", use_blis=True):
        with_blis = importlib.import_module(units.SPACY_MODEL).load()
    assert with_blis.tokenizer.to_bytes(exclude=["vocab"]) == units.nlp().tokenizer.to_bytes(exclude=["vocab"])
    monkeypatch.setattr(units, "nlp", lambda: with_blis)
    assert parse(words) == ours and len(ours.tokens) > 300 and len(ours.entities) > 3


#: In a fresh interpreter: load the pipeline as an analysis does, then use what the shortcuts stand in for.
SPACY_IMPORT = """
import importlib.metadata as md, json, sys
from speechcase.analysis import text
if sys.argv[1:] == ["lean"]:
    text.lean_spacy_import()
pipeline = text.nlp()
skipped = "spacy.cli" in sys.modules
import catalogue, spacy
groups = catalogue.AVAILABLE_ENTRY_POINTS
same = all([(p.name, p.value) for p in groups.get(group, [])] == [(p.name, p.value) for p in md.entry_points(group=group)]
           for group in ("spacy_factories", "spacy_architectures", "spacy_languages", "thinc_layers", "spacy_models"))
about = spacy.info(silent=True)
import spacy.cli
print(json.dumps({"cli_at_load": skipped, "same_entry_points": same, "grouped": type(groups) is dict,
                  "info": sorted(about)[:3], "cli": [spacy.cli.info.__module__, spacy.cli.download.__name__],
                  "pipes": pipeline.pipe_names}))
"""


def _spacy_import(*args: str) -> dict:
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SPACY_IMPORT, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_spacy_is_imported_without_its_command_line_and_its_registries_find_the_same_entry_points():
    """``import spacy`` would import its command line (0.16 s after Whisper) for ``spacy.info``: on the command line
    (``lean_spacy_import``) a placeholder stands in while spaCy is imported, ``spacy.info`` still works, and
    ``import spacy.cli`` afterwards gets the real one; the entry points grouped once for catalogue are the ones
    ``importlib.metadata`` selects. Workers (web, batch) import spaCy as it is."""
    found = _spacy_import("lean")
    assert found["cli_at_load"] is False and found["grouped"] and found["same_entry_points"]
    assert found["info"] and found["cli"] == ["spacy.cli.info", "download"]
    assert found["pipes"] == ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"]
    usual = _spacy_import()
    assert usual["cli_at_load"] is True and not usual["grouped"] and usual["same_entry_points"]
    assert usual["pipes"] == found["pipes"]


def test_no_number_in_the_opening_or_the_evaluation_section():
    opening = "Let me walk you through the routing project, which made support much faster."
    evaluation = ["It worked well for the agents.", "The results were much better than before."]
    text = " ".join([opening] + [FILLER] * 9 + evaluation)
    structure, flags, _ = measured(text, ["framing"] + ["data"] * 9 + ["evaluation"] * 2)
    found = {f.severity: f for f in flags if f.type == "no_quantified_impact"}
    assert set(found) == {"medium", "high"}  # the opening (medium) and the evaluation section (high)
    assert "'worked well'" in found["high"].evidence and "'much better'" in found["high"].evidence
    assert [p.part for p in structure.numbers] == ["opening", "evaluation"]
    text = text.replace("It worked well for the agents.", "Reassignments fell from twenty to eight percent.")
    flags = measured(text, ["framing"] + ["data"] * 9 + ["evaluation"] * 2)[1]
    assert [f.severity for f in flags if f.type == "no_quantified_impact"] == ["medium"]


def test_signposting_none_at_all_and_long_gaps():
    _, flags, _ = measured(" ".join(["The problem was slow routing."] + [FILLER] * 30))
    assert [(f.type, f.severity) for f in flags if f.type == "no_signposting"] == [("no_signposting", "medium")]
    text = " ".join(["First, the data."] + [FILLER] * 12 + ["Next, the model."] + [FILLER] * 40)
    structure, flags, _ = measured(text)
    assert [p.text for p in structure.signposts] == ["first", "next"]
    gaps = [f for f in flags if f.type == "no_signposting"]
    assert [f.severity for f in gaps] == ["low"] and gaps[0].start == structure.signposts[1].start


def test_ownership_all_we_talk_and_one_section():
    we = "We cleaned the data and we trained our model, and we shipped it to our users."
    _, flags, _ = measured(" ".join([we] * 4))
    (flag,) = [f for f in flags if f.type == "ownership_unclear"]
    assert flag.severity == "medium" and "I: 0, we: 20" in flag.evidence
    mine = "I cleaned the data and I trained my model, and I shipped it myself."
    structure, flags, _ = measured(" ".join([mine] * 3 + [we] * 3), ["data"] * 3 + ["modeling"] * 3)
    assert [(f.severity, f.evidence) for f in flags if f.type == "ownership_unclear"] == \
        [("low", "modeling: I 0, we 15")]
    assert [(o.section, o.i, o.we) for o in structure.ownership] == [("data", 15, 0), ("modeling", 0, 15)]


def test_reasoning_markers_and_a_choice_section_without_any():
    plain = "We used a boosted tree with two hundred trees and a learning rate of one tenth."
    structure, flags, _ = measured(" ".join([plain] * 12), ["modeling"] * 12)
    (flag,) = [f for f in flags if f.type == "no_reasoning"]
    assert flag.severity == "medium" and "modeling" in flag.message
    reasoned = plain + " I chose it instead of a network because the team needed explanations."
    structure, flags, _ = measured(" ".join([reasoned] + [plain] * 11), ["modeling"] * 13)
    assert [p.text for p in structure.reasoning] == ["instead of", "because"]
    assert "no_reasoning" not in types(flags)
    assert "no_reasoning" not in types(measured(" ".join([plain] * 12), ["deployment"] * 12)[1])


def test_summary_fields():
    structure, _, _ = measured("Let me walk you through it. First, the data. We cut costs by ten percent because "
                               "we had to. To sum up, I did it.")
    summary = structure_summary(structure, minutes=0.5)
    assert summary["framing_opener"]["kind"] == "agenda"
    assert summary["quantified_impact"]["opening"]["numbers"] == ["ten percent"]
    assert summary["signposting"]["signposts"] == 2 and summary["signposting"]["synthesis"] == 1  # "let me", "first"
    assert (summary["ownership"]["i"], summary["ownership"]["we"], summary["ownership"]["i_share"]) == (2, 2, 0.5)
    assert summary["reasoning"]["markers"] == 1 and summary["reasoning"]["per_minute"] == 2.0


@pytest.mark.slow
def test_structure_on_the_samples(analysed):
    structured = load_json(analysed("structured_churn") / "analysis.json")
    rambling = load_json(analysed("rambling_delivery") / "analysis.json")
    assert structured["summary"]["framing_opener"]["kind"] == "agenda"
    assert structured["summary"]["signposting"]["signposts"] >= 3
    assert not {"no_framing_opener", "no_signposting", "ownership_unclear"} & {f["type"] for f in structured["flags"]}
    assert rambling["summary"]["framing_opener"]["found"] is False
    flags = {f["type"]: f for f in rambling["flags"]}
    assert flags["no_framing_opener"]["severity"] == "high"  # and its opening runs on
    assert "no_quantified_impact" in flags
    for flag in structured["flags"] + rambling["flags"]:
        assert flag["message"] and flag["evidence"] and flag["suggestion"]
