#!/usr/bin/env python3
"""Score section settings on talks already transcribed by ``benchmarks/eval_kit.py``, in seconds.

eval_kit re-runs the whole analysis of every talk for each setting it is given (about 8 s for the 104 talks when
their transcripts are cached); this script re-runs only the section stage, on the transcripts, parses and sentence
vectors in the caches of one or more eval_kit runs, and scores it with the kit's own ``score.py``: about 0.7 s
per setting for the 104 talks, so a setting can be tried on several renders and compute types at once.

    python benchmarks/section_sweep.py --run /tmp/speechcase-kit --run /tmp/kit-noise1 --run /tmp/kit-f32 \\
        --try sections.back_penalty=2,2.5,3.5 --try sections.late_start_penalty=2
    python benchmarks/section_sweep.py --run /tmp/speechcase-kit --try sections.late_start_penalty=2 \\
        --without-first-section   # the same talks with their opening section (the framing) cut out

Each ``--try`` value is tried alone against the shipped settings (``--with`` changes the settings it starts
from). Per run: section accuracy, boundary F1 and share error (means, and the worst talk's accuracy), and the
talks that gain or lose more than 0.02 of accuracy.

Each set of our own talks is read with the section classifier fitted without its banks, as ``eval_kit.py`` reads
it (``--no-cross-fit``: the shipped one; ``--classifier FILE``: that one, e.g. an older shipped classifier taken
from git to compare with).

Why ``--without-first-section``: every scripted talk opens with its framing, so a setting that makes the
decoder assume it (a dearer late start) gains on all of them while hiding the very mistake a coach wants shown
(docs/accuracy.md, tried and not adopted). Cut out, the talks check that a setting does not lean on that.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import replace
from pathlib import Path

from eval_kit import load_kit_module, override
from fit_sections import cross_fitted, use_classifier

from speechcase.analysis.config import Thresholds
from speechcase.analysis.embeddings import SentenceEncoder
from speechcase.analysis.frameworks import load_framework
from speechcase.analysis.pipeline import AnalyzeOptions, parse_transcript
from speechcase.analysis.sections import balance, segment
from speechcase.analysis.text import build_sentences
from speechcase.core.files import JsonCache
from speechcase.core.types import Framework, Pacing, Parse, SectionSpan, Sentence, Transcript

HERE = Path(__file__).resolve().parent
GAIN = 0.02  # a talk's accuracy change counted as a gain or a loss


class Talk:
    """One transcribed talk of a run, with its truth: what the section stage needs, read once."""

    def __init__(self, name: str, sentences: list[Sentence], parsed: Parse, truth: dict) -> None:
        self.name, self.sentences, self.parsed, self.truth = name, sentences, parsed, truth

    def without_first_section(self) -> Talk | None:
        """The talk from its second section on (None when too little would be left)."""
        if len(self.truth["sections"]) < 3:
            return None
        cut = self.truth["sections"][1]["start"]
        kept = [s for s in self.sentences if (s.start + s.end) / 2 >= cut]
        if len(kept) < 5:
            return None
        truth = {**self.truth, "sections": self.truth["sections"][1:],
                 "sentences": [s for s in self.truth["sentences"] if s["start"] >= cut - 0.01]}
        return Talk(self.name, kept, self.parsed, truth)


def load_run(out: Path, options: AnalyzeOptions) -> list[Talk]:
    """The talks an eval_kit run analysed (its ``SET/TALK/analysis.json``), each with the transcript in the run's
    cache that analysis used and the truth beside its audio.

    Why not every transcript in the cache: a cache reused across runs holds transcripts of other renders of the same
    talks (same name, other audio) and of other decoding settings or transcript versions; taking them all counted a
    talk twice and let whichever came last stand for it. Of a recording's cached transcripts the one whose words are
    the analysis's is taken (the newest file only when none is: a file's time is when it was copied, not made)."""
    cached: dict[tuple[str, str], list[tuple[float, Transcript]]] = {}
    for path in (out / "cache" / "transcripts").glob("*.json"):
        transcript = Transcript.from_dict(json.loads(path.read_text()))
        key = (transcript.source.path, transcript.source.sha256)
        cached.setdefault(key, []).append((path.stat().st_mtime, transcript))
    talks = []
    for doc_path in sorted(out.glob("*/*/analysis.json")):
        document = json.loads(doc_path.read_text())
        source = document["source"]
        candidates = cached.get((source["path"], source["sha256"]))
        audio = Path(source["path"])
        truth_path = audio.with_name(audio.stem + ".truth.json")
        if not candidates or not truth_path.exists():
            continue
        said = [(w["text"], w["start"]) for w in document.get("words", [])]
        same = [t for _, t in candidates if [(w.text, w.start) for w in t.words] == said]
        transcript = same[0] if same else max(candidates, key=lambda c: c[0])[1]
        parsed = parse_transcript(transcript, options)
        name = f"{doc_path.parent.parent.name}/{doc_path.parent.name}"
        talks.append(Talk(name, build_sentences(transcript.words, parsed.sentence_starts), parsed,
                          json.loads(truth_path.read_text())))
    return talks


def section_document(spans: list[SectionSpan], framework: Framework) -> dict:
    """The parts of an analysis document the kit's scorer reads for sections, the shares from the analysis's own
    :func:`~speechcase.analysis.sections.balance` (pace and fillers play no part in a share)."""
    rows = balance(spans, framework, Pacing(0.0, 0.0, [], {}), [])
    return {"sections": [{"id": s.id, "start": s.start, "end": s.end} for s in spans],
            "balance": [{"section": r.section, "share": r.share} for r in rows],
            "fillers": [], "pacing": {"wpm": 1.0}, "pauses": [], "flags": []}


def scores(talks: list[Talk], thresholds: Thresholds, framework: Framework, encoder: SentenceEncoder,
           cache: JsonCache, score, classifiers: dict[str, Path | None] | None = None
           ) -> dict[str, tuple[float, float, float]]:
    """Per talk: section accuracy, boundary F1 and share error, by the kit's scorer; each set's talks with its
    classifier in ``classifiers`` (by set name; absent or None: the shipped one)."""
    out = {}
    for talk in talks:
        use_classifier((classifiers or {}).get(talk.name.split("/")[0]))
        _, spans = segment(talk.sentences, talk.parsed, framework, thresholds.sections, encoder, cache)
        result = score(section_document(spans, framework), talk.truth)
        out[talk.name] = (result["section_acc"], result["boundary_f1"], result["share_mae_pp"])
    return out


def line(label: str, base: dict, found: dict) -> str:
    acc, f1, share = (statistics.mean(v[i] for v in found.values()) for i in range(3))
    worst = min(found.items(), key=lambda kv: kv[1][0])
    gains = sorted(k for k in found if found[k][0] > base[k][0] + GAIN)
    losses = [f"{k} {base[k][0]:.3f} -> {found[k][0]:.3f}" for k in sorted(found) if found[k][0] < base[k][0] - GAIN]
    return (f"  {label}: accuracy {acc:.4f}, boundary F1 {f1:.3f}, share error {share:.2f}, worst {worst[1][0]:.3f} "
            f"({worst[0]}); {len(gains)} gain, {len(losses)} lose" + (f": {'; '.join(losses)}" if losses else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, action="append", required=True,
                        help="an eval_kit --out folder whose cache holds the talks' transcripts (repeatable)")
    parser.add_argument("--try", dest="tries", action="append", default=[], metavar="TABLE.KEY=V1,V2",
                        help="values of one setting to try, each alone (repeatable)")
    parser.add_argument("--with", dest="base", action="append", default=[], metavar="TABLE.KEY=VALUE",
                        help="start from these settings instead of the shipped ones (repeatable)")
    parser.add_argument("--without-first-section", action="store_true",
                        help="score each talk from its second section on (its framing cut out)")
    parser.add_argument("--no-cross-fit", dest="cross_fit", action="store_false",
                        help="use the shipped section classifier on every set (default: on a set of our talks, one "
                             "fitted without its banks, as eval_kit does)")
    parser.add_argument("--classifier", type=Path, metavar="FILE",
                        help="read every set with this section classifier file (fit_sections.py --out, or an older "
                             "shipped one) instead")
    parser.add_argument("--kit", type=Path, default=HERE.parent.parent / "shared" / "eval")
    args = parser.parse_args()
    if not (args.kit / "score.py").exists():
        sys.exit(f"No evaluation kit at {args.kit}; pass --kit PATH.")
    score = load_kit_module(args.kit, "score").score
    options = AnalyzeOptions()
    thresholds = options.thresholds
    for item in args.base:
        thresholds = override(thresholds, item)
    framework, encoder = load_framework(options.framework), SentenceEncoder(options.embedding_model)
    settings = [("as given", thresholds)]
    for item in args.tries:
        key, _, values = item.partition("=")
        settings += [(f"{key}={v}", override(thresholds, f"{key}={v}")) for v in values.split(",")]
    for out in args.run:
        run_options = replace(options, cache_dir=out / "cache")
        cache = JsonCache(run_options.cache_dir, "sections")
        talks = load_run(out, run_options)
        if args.without_first_section:
            talks = [t for t in (talk.without_first_section() for talk in talks) if t is not None]
        if not talks:
            sys.exit(f"No transcribed talks with a truth file in {out}; run benchmarks/eval_kit.py --out {out} first.")
        names = {t.name.split("/")[0] for t in talks}
        if args.classifier:
            classifiers: dict[str, Path | None] = {name: args.classifier for name in names}
        else:
            classifiers = {name: cross_fitted(name, out / "classifiers") for name in names} if args.cross_fit else {}
        print(f"{out} ({len(talks)} talks{', first section cut out' if args.without_first_section else ''}):")
        base = scores(talks, settings[0][1], framework, encoder, cache, score, classifiers)
        print(line(settings[0][0], base, base))
        for label, candidate in settings[1:]:
            print(line(label, base, scores(talks, candidate, framework, encoder, cache, score, classifiers)),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
