"""Does Whisper itself hear the filled pauses it dropped? A measurement, not part of speechcase.

For every sentence of the scripted talks, the words tiny.en wrote are scored against the sentence's audio with
tiny.en's own decoder, teacher-forced (CTranslate2's ``Whisper.align``, which returns each token's probability;
the encoder runs once per sentence): once as written, and once with an "um" or "uh" inserted before each word.
If Whisper heard a filled pause it left out, some insertion should make the sentence more likely than the words
as written. A sentence whose script has more filled pauses than speechcase found is a positive, one whose script
has none a negative; the best insertion's log-likelihood ratio should separate them.

With ``--substitute``, the other way tiny.en loses a filled pause: it writes a short word for it ("and um the"
as "and on the"). Each uncertain short word (probability under 0.85, at most five letters) is replaced by "um"
and by "uh"; a word the script aligns to a filled pause is a positive, every other such word a negative.

Needs the outputs of ``benchmarks/eval_kit.py`` (analysis.json files and rendered talks)::

    python benchmarks/eval_kit.py --set benchmarks/talks/train --out /tmp/kit
    python benchmarks/disfluency/whisper_check.py --out /tmp/kit --set train

Results: docs/accuracy.md (Fillers). It takes about 7 s per minute of audio on 2 cores.
"""
from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path

import ctranslate2
import numpy as np
from faster_whisper import decode_audio
from faster_whisper.tokenizer import Tokenizer

from speechcase.analysis.signals.fillers import cue_lists
from speechcase.analysis.signals.rambling import norm_word
from speechcase.analysis.transcribe import load_model, resolve_model

FILLED = set(cue_lists()["filled_pause"]["words"])  # speechcase's own spellings of filled pauses
CHUNK = 3000  # log-mel frames in Whisper's 30 s window


def best_insertion(model, tokenizer: Tokenizer, audio: np.ndarray, t0: float, t1: float, words: list[str]) -> float:
    """Log-likelihood of the words with the likeliest inserted "um"/"uh", minus that of the words as written."""
    encoded, frames = _encode(model, audio, t0, t1)
    texts = [words] + [words[:k] + [filler] + words[k:] for k in range(len(words)) for filler in ("um", "uh")]
    scores = _scores(model, tokenizer, encoded, frames, texts)
    return max(scores[1:]) - scores[0]


def _encode(model, audio: np.ndarray, t0: float, t1: float) -> tuple[np.ndarray, int]:
    feats = model.feature_extractor(audio[int(t0 * 16000):int(t1 * 16000)])[:, :CHUNK]
    frames = feats.shape[1]
    feats = np.pad(feats, ((0, 0), (0, CHUNK - frames)))
    return np.array(model.model.encode(ctranslate2.StorageView.from_array(
        np.ascontiguousarray(feats[None].astype(np.float32))), to_cpu=True)), frames


def _scores(model, tokenizer: Tokenizer, encoded: np.ndarray, frames: int, texts: list[list[str]]) -> list[float]:
    """Teacher-forced log-likelihood of each word sequence against the same audio."""
    sequences = [tokenizer.encode(" " + " ".join(words)) for words in texts]
    batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(encoded, len(sequences), axis=0)))
    results = model.model.align(batch, tokenizer.sot_sequence, sequences, [frames] * len(sequences))
    return [float(np.log(np.maximum(r.text_token_probs, 1e-9)).sum()) for r in results]


def substitutions(model, tokenizer: Tokenizer, audio: np.ndarray, doc: dict, truth: dict) -> tuple[list, list]:
    """Log-likelihood ratios of "um"/"uh" in place of each uncertain short word, split by whether the script has
    a filled pause there (positives) or not (negatives)."""
    positives, negatives, used = [], [], set()
    words = doc["words"]
    for sentence in truth["sentences"]:
        t0, t1 = max(0.0, sentence["start"] - 0.2), sentence["end"] + 0.2
        index = [i for i, w in enumerate(words) if sentence["start"] - 0.3 <= (w["start"] + w["end"]) / 2
                 <= sentence["end"] + 0.3 and i not in used]
        used.update(index)
        if t1 - t0 > 29.5 or len(index) < 2:
            continue
        script = [norm_word(w) for w in sentence["text"].split()]
        heard = [norm_word(words[i]["text"]) for i in index]
        filler_at = set()
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, script, heard, autojunk=False).get_opcodes():
            if op == "replace":
                filler_at |= {j1 + min(k - i1, j2 - j1 - 1) for k in range(i1, i2) if script[k] in FILLED}
        candidates = [j for j, w in enumerate(heard) if 0 < len(w) <= 5 and w not in FILLED
                      and words[index[j]]["probability"] < 0.85]
        if not candidates:
            continue
        written = [words[i]["text"].strip() for i in index]
        encoded, frames = _encode(model, audio, t0, t1)
        texts = [written] + [written[:j] + [f] + written[j + 1:] for j in candidates for f in ("um", "uh")]
        scores = _scores(model, tokenizer, encoded, frames, texts)
        for n, j in enumerate(candidates):
            ratio = max(scores[1 + 2 * n], scores[2 + 2 * n]) - scores[0]
            (positives if j in filler_at else negatives).append(ratio)
    return positives, negatives


def report(positives: list[float], negatives: list[float], positive: tuple[str, str],
           negative: tuple[str, str]) -> None:
    """Each group's log-likelihood ratios (um/uh against the words as written), and how many lie above a few
    thresholds; ``positive`` and ``negative`` name each group in full and in short."""
    print(f"{positive[0]}: {len(positives)}, {min(positives):.1f} to {max(positives):.1f} "
          f"(log-likelihood ratio, median {np.median(positives):.1f})")
    print(f"{negative[0]}: {len(negatives)}, median {np.median(negatives):.1f}, "
          f"99th percentile {np.quantile(negatives, 0.99):.1f}, highest {max(negatives):.1f}")
    for threshold in (-4.0, -2.0, 0.0):
        print(f"  above {threshold}: {sum(r > threshold for r in positives)} of {len(positives)} {positive[1]}, "
              f"{sum(r > threshold for r in negatives)} of {len(negatives)} {negative[1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="benchmarks/eval_kit.py --out folder")
    parser.add_argument("--render-dir", type=Path, default=Path("/tmp/speechcase-talks"))
    parser.add_argument("--set", dest="sets", action="append", default=None, help="a set name (default train)")
    parser.add_argument("--substitute", action="store_true", help="score uncertain short words replaced by um/uh")
    args = parser.parse_args()
    choice = resolve_model("tiny.en")
    model = load_model(choice.load, "int8", threads=2)
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
    positives, negatives = [], []
    for set_name in args.sets or ["train"]:
        for path in sorted((args.out / set_name).glob("*/analysis.json")):
            doc = json.loads(path.read_text())
            truth = json.loads((args.render_dir / set_name / f"{path.parent.name}.truth.json").read_text())
            audio = decode_audio(str(args.render_dir / set_name / f"{path.parent.name}.flac"))
            if args.substitute:
                found, without = substitutions(model, tokenizer, audio, doc, truth)
                positives += found
                negatives += without
                print(f"{set_name}/{path.parent.name}", file=sys.stderr)
                continue
            for sentence in truth["sentences"]:
                t0, t1 = max(0.0, sentence["start"] - 0.2), sentence["end"] + 0.2
                if t1 - t0 > 29.5:
                    continue
                spoken = sum(n for kind, n in sentence["fillers"].items() if kind.lower() in FILLED)
                found = sum(f["kind"] == "filled_pause" and sentence["start"] - 0.3 <= f["start"] <= sentence["end"] + 0.3
                            for f in doc["fillers"])
                words = [w["text"].strip() for w in doc["words"] if t0 <= (w["start"] + w["end"]) / 2 <= t1]
                if sum(norm_word(w) not in FILLED for w in words) < 2 or (spoken and spoken <= found):
                    continue
                ratio = best_insertion(model, tokenizer, audio, t0, t1, words)
                (positives if spoken else negatives).append(ratio)
            print(f"{set_name}/{path.parent.name}", file=sys.stderr)
    if args.substitute:
        report(positives, negatives, ("words written for a filled pause", "fillers"),
               ("other uncertain short words", "other words"))
    else:
        report(positives, negatives, ("sentences with a missed filled pause", "missed"),
               ("sentences with none spoken", "without"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
