"""Can a phone-level decoder find the filled pauses Whisper dropped? A measurement, not part of speechcase.

For every sentence of our training and held-out talks, pocketsphinx (its own US-English acoustic model and
CMUdict, shipped in its wheel) decodes the sentence's audio with a grammar made of the words tiny.en wrote, in
order, with an optional "um" or "uh" between every two words and at the start; each optional filler has prior
probability ``--prior``. A filler the decoder puts where the script has one that speechcase missed is found; one
it puts in a sentence whose script has none is false. Sentences with digits or words outside CMUdict are left
out (the grammar cannot say them).

Needs the outputs of ``benchmarks/eval_kit.py`` for the two sets (their analysis.json files and rendered talks)
and pocketsphinx, which speechcase does not depend on::

    python benchmarks/eval_kit.py --set benchmarks/talks/train --set benchmarks/talks/heldout --out /tmp/kit
    pip install pocketsphinx==5.1.1
    python benchmarks/disfluency/phone_check.py --out /tmp/kit --render-dir /tmp/speechcase-talks

Results: benchmarks/disfluency/RESULTS.md (last section) and docs/accuracy.md (Fillers).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys
import time
from pathlib import Path

import soundfile

HERE = Path(__file__).resolve().parents[2]


def decoder():
    from pocketsphinx import Decoder, get_model_path

    models = get_model_path()
    dictionary = os.path.join(models, "en-us", "cmudict-en-us.dict")
    words = {line.split()[0].split("(")[0] for line in open(dictionary, encoding="utf-8")}
    return Decoder(hmm=os.path.join(models, "en-us", "en-us"), dict=dictionary, lm=None, loglevel="FATAL"), words


def measure(out: Path, render: Path, prior: float, sets: list[str]) -> dict:
    sys.path.insert(0, str(HERE.parent / "shared" / "eval"))
    from score import FILLED, norm  # the kit's own matching of filler words

    dec, known = decoder()
    row = {"prior": prior, "missed": 0, "found": 0, "clean_sentences": 0, "false": 0, "left_out": 0,
           "cpu_s": 0.0, "audio_s": 0.0}
    for name in sets:
        for truth_file in sorted(glob.glob(str(render / name / "*.truth.json"))):
            talk = Path(truth_file).name[: -len(".truth.json")]
            truth = json.loads(Path(truth_file).read_text())
            analysis = json.loads((out / name / talk / "analysis.json").read_text())
            audio, rate = soundfile.read(render / name / f"{talk}.flac", dtype="int16")
            for s in truth["sentences"]:
                spoken = sum(v for k, v in s["fillers"].items() if norm(k) in FILLED)
                heard = sum(1 for f in analysis["fillers"] if norm(f["text"]) in FILLED
                            and s["start"] - 0.3 <= (f["start"] + f["end"]) / 2 <= s["end"] + 0.3)
                words = [w for w in analysis["words"] if w["start"] >= s["start"] - 0.3 and w["end"] <= s["end"] + 0.3]
                tokens = [re.sub(r"[^a-z']", "", w["text"].lower()) for w in words]
                tokens = [t for t in tokens if t]
                if (not tokens or any(re.search(r"\d", w["text"]) for w in words)
                        or any(t not in known for t in tokens)):
                    row["left_out"] += 1
                    continue
                grammar = ("#JSGF V1.0;\ngrammar g;\n"
                           f"<f> = /{1 - 2 * prior}/ <NULL> | /{prior}/ um | /{prior}/ uh;\n"
                           f"public <s> = <f> {' '.join(f'{t} <f>' for t in tokens)};\n")
                piece = audio[int(max(0.0, s["start"] - 0.3) * rate):int((s["end"] + 0.3) * rate)]
                began = time.process_time()
                dec.add_jsgf_string("g", grammar)
                dec.activate_search("g")
                dec.start_utt()
                dec.process_raw(piece.tobytes(), full_utt=True)
                dec.end_utt()
                row["cpu_s"] += time.process_time() - began
                row["audio_s"] += len(piece) / rate
                said = dec.hyp().hypstr.split() if dec.hyp() else []
                added = sum(w in ("um", "uh") for w in said) - sum(t in ("um", "uh") for t in tokens)
                if spoken > heard:
                    row["missed"] += spoken - heard
                    row["found"] += min(max(added, 0), spoken - heard)
                if spoken == 0:
                    row["clean_sentences"] += 1
                    row["false"] += max(added, 0)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="benchmarks/eval_kit.py --out folder")
    parser.add_argument("--render-dir", type=Path, default=Path("/tmp/speechcase-talks"))
    parser.add_argument("--set", dest="sets", action="append", default=None, help="train, heldout (default both)")
    parser.add_argument("--prior", type=float, nargs="+", default=[1e-2, 1e-6, 1e-10, 1e-16])
    args = parser.parse_args()
    print("| filler prior | missed filled pauses found | false fillers (in sentences without any) | "
          "sentences left out | CPU per minute of audio |")
    print("|---|---|---|---|---|")
    for prior in args.prior:
        r = measure(args.out, args.render_dir, prior, args.sets or ["train", "heldout"])
        print(f"| {prior:g} | {r['found']} of {r['missed']} | {r['false']} ({r['clean_sentences']} sentences) | "
              f"{r['left_out']} | {60 * r['cpu_s'] / max(r['audio_s'], 1e-9):.2f} s |", flush=True)


if __name__ == "__main__":
    main()
