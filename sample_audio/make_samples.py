#!/usr/bin/env python3
"""Render scripted practice talks to audio with an exact ground-truth file.

Why: speechcase needs sample talks whose words, timings, pauses and fillers are
known exactly, so tests and demos can check pacing, pause and filler analysis
against the truth instead of against a hand-labelled recording.

Input: ``sample_audio/scripts/<name>.txt``, plain text, one sentence per line:

    # a comment                    ignored
    @voice en-gb                   espeak-ng voice for this talk (default en-us)
    @rate 155                      espeak-ng speed in words per minute (default 155)
    @section data                  label for the sentences that follow (kept in the truth)
    A sentence, with a {um} filler and a [pause 1.2] silence inside it.
    [pause 1.5]                    on its own line: the gap before the next sentence is 1.5 s
    (a blank line)                 same as [pause 1.5]

Markup: ``{um}``, ``{you know}`` ... marks a filler; it is spoken as the bare words
and counted per sentence. Words that are not braced ("models like XGBoost",
"I like it") are not fillers. ``[pause S]`` inside a sentence inserts S seconds
of silence there. Between sentences the gap is 0.45 s unless a pause line or a
blank line sets it (the gap is then exactly that long; several markers in a row
take the longest, they do not add up).

Output, next to the scripts folder (or in --out):
  <name>.flac        16 kHz mono 16-bit FLAC (sox -C 8), samples rounded to 11
                     significant bits to keep files small, digital silence in gaps
  <name>.truth.json  word count, duration, sentence start/end, pauses >= 1 s,
                     fillers, expected wpm = words / ((last end - first start) / 60)

Each spoken chunk is rendered by espeak-ng on its own and its leading/trailing
silence is cut with sox ``silence``, so sentence times in the truth are exact to
the sample. Words are counted by whitespace split of the spoken text (markup
removed, braces stripped), so write numbers as words ("twelve percent").

Needs espeak-ng and sox on PATH (Debian: apt-get install espeak-ng sox).
Usage: python3 sample_audio/make_samples.py [--out DIR] [NAME ...]   (default: all scripts)
"""
import argparse
import array
import json
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

SR = 16000            # output sample rate; speech analysis needs nothing more
GAP = 0.45            # normal silence between sentences, seconds
BLANK_PAUSE = 1.5     # what a blank line means
EDGE = 0.5            # silence before the first and after the last sentence
MIN_PAUSE = 1.0       # pauses this long or longer are listed in the truth
BITS = 11             # significant bits kept per 16-bit sample; FLAC then skips the rest
TRIM = ["silence", "1", "0.02", "-45d", "reverse", "silence", "1", "0.02", "-45d", "reverse"]

PAUSE_RE = re.compile(r"\[pause\s+([0-9]*\.?[0-9]+)\]")
FILLER_RE = re.compile(r"\{([^{}]+)\}")
HERE = Path(__file__).resolve().parent


def parse_script(text):
    """Turn a script into settings and a list of sentences, each with the gap before it.

    Kept separate from rendering so the markup rules can be read in one place.
    """
    settings = {"voice": "en-us", "rate": 155}
    section, pending, sentences = None, None, []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        if line.startswith("@"):
            key, _, value = line[1:].partition(" ")
            if key == "section":
                section = value.strip()
            else:
                settings[key] = int(value) if key == "rate" else value.strip()
            continue
        whole = PAUSE_RE.fullmatch(line)
        if not line or whole:
            pause = float(whole.group(1)) if whole else BLANK_PAUSE
            pending = max(pending or 0.0, pause)
            continue
        gap = GAP if pending is None else pending
        sentences.append({"script": line, "section": section, "gap_before": gap if sentences else EDGE})
        pending = None
    return settings, sentences


def spoken_parts(line):
    """Split one marked-up sentence into ('say', text) and ('pause', seconds) parts."""
    spoken = FILLER_RE.sub(lambda m: m.group(1), line)
    parts, pos = [], 0
    for m in PAUSE_RE.finditer(spoken):
        parts.append(("say", spoken[pos:m.start()].strip()))
        parts.append(("pause", float(m.group(1))))
        pos = m.end()
    parts.append(("say", spoken[pos:].strip()))
    return [p for p in parts if p[0] == "pause" or p[1]]


def spoken_text(line):
    """The words actually spoken: markup removed, braces stripped, spaces normalised."""
    text = PAUSE_RE.sub(" ", FILLER_RE.sub(lambda m: m.group(1), line))
    return " ".join(text.split())


def count_fillers(line):
    """Count braced fillers in a sentence, keyed by their lower-case text."""
    counts = {}
    for m in FILLER_RE.finditer(line):
        key = " ".join(m.group(1).lower().split())
        counts[key] = counts.get(key, 0) + 1
    return counts


def tts(text, voice, rate, tmp):
    """Speak one chunk with espeak-ng and return trimmed 16 kHz mono PCM bytes.

    Dither is off (-D) so gaps stay digital zero and nothing changes between runs.
    """
    raw, out = tmp / "raw.wav", tmp / "chunk.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text],
                   check=True, capture_output=True)
    subprocess.run(["sox", "-D", str(raw), "-b", "16", "-c", "1", str(out), *TRIM, "rate", "-v", str(SR)],
                   check=True, capture_output=True)
    with wave.open(str(out)) as w:
        return quantise(w.readframes(w.getnframes()))


def quantise(frames):
    """Round 16-bit samples to BITS significant bits, keeping the 16-bit container.

    Why: FLAC stores the always-zero low bits for free, which roughly halves the
    committed files; 11 bits (about 66 dB of range) is far more than speech
    analysis needs, and silence stays exactly zero. WAV data is little-endian.
    """
    step = 1 << (16 - BITS)
    top = 32768 - step
    samples = array.array("h", frames)
    if sys.byteorder == "big":
        samples.byteswap()
    out = array.array("h", (max(-32768, min(top, (x + step // 2) // step * step)) for x in samples))
    if sys.byteorder == "big":
        out.byteswap()
    return out.tobytes()


def zeros(seconds):
    """Digital silence of a whole number of samples."""
    return b"\x00\x00" * round(seconds * SR)


def secs(nbytes):
    """Seconds covered by this many bytes of 16-bit mono PCM (6 decimals: round(t * 16000) is exact)."""
    return round(nbytes / 2 / SR, 6)


def render(script_path, out_dir):
    """Render one script to <name>.flac and <name>.truth.json; return the truth dict."""
    name = script_path.stem
    settings, sentences = parse_script(script_path.read_text(encoding="utf-8"))
    voice, rate = settings["voice"], settings["rate"]
    pcm, pauses, speech_bytes = bytearray(), [], 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i, s in enumerate(sentences):
            gap_start = len(pcm)
            pcm += zeros(s["gap_before"])
            if i and s["gap_before"] >= MIN_PAUSE:
                pauses.append({"start": secs(gap_start), "end": secs(len(pcm)), "kind": "between",
                               "after_sentence": i - 1})
            s["start"] = secs(len(pcm))
            for kind, value in spoken_parts(s["script"]):
                if kind == "say":
                    chunk = tts(value, voice, rate, tmp)
                    speech_bytes += len(chunk)
                    pcm += chunk
                else:
                    p_start = len(pcm)
                    pcm += zeros(value)
                    if value >= MIN_PAUSE:
                        pauses.append({"start": secs(p_start), "end": secs(len(pcm)), "kind": "within",
                                       "sentence": i})
            s["end"] = secs(len(pcm))
        pcm += zeros(EDGE)
        wav = tmp / "talk.wav"
        with wave.open(str(wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SR)
            w.writeframes(bytes(pcm))
        flac = out_dir / f"{name}.flac"
        subprocess.run(["sox", "-D", str(wav), "-C", "8", str(flac)], check=True, capture_output=True)
    truth = build_truth(name, flac.name, settings, sentences, pauses, secs(len(pcm)), secs(speech_bytes))
    (out_dir / f"{name}.truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
    return truth


def build_truth(name, audio, settings, sentences, pauses, duration, speech_seconds):
    """Assemble the ground-truth record that tests compare the analysis against."""
    rows = []
    for i, s in enumerate(sentences):
        text = spoken_text(s["script"])
        rows.append({"index": i, "section": s["section"], "start": s["start"], "end": s["end"],
                     "text": text, "words": len(text.split()), "fillers": count_fillers(s["script"])})
    words = sum(r["words"] for r in rows)
    span = rows[-1]["end"] - rows[0]["start"]
    fillers = {}
    for r in rows:
        for k, v in r["fillers"].items():
            fillers[k] = fillers.get(k, 0) + v
    return {
        "name": name, "audio": audio, "sample_rate": SR, "channels": 1, "significant_bits": BITS,
        "voice": settings["voice"], "espeak_rate": settings["rate"], "gap": GAP,
        "duration": duration, "words": words,
        "speech_span": {"start": rows[0]["start"], "end": rows[-1]["end"]},
        "wpm_expected": round(words / (span / 60), 1),
        "speech_seconds": speech_seconds,
        "wpm_articulation": round(words / (speech_seconds / 60), 1),
        "fillers_total": sum(fillers.values()), "fillers": dict(sorted(fillers.items())),
        "pauses": pauses, "sentences": rows,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="script names (default: every scripts/*.txt)")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: sample_audio/)")
    args = ap.parse_args(argv)
    scripts = [HERE / "scripts" / f"{n}.txt" for n in args.names] or sorted((HERE / "scripts").glob("*.txt"))
    args.out.mkdir(parents=True, exist_ok=True)
    for path in scripts:
        t = render(path, args.out)
        print(f"{t['name']}: {t['duration']:.2f} s, {t['words']} words, {t['wpm_expected']} wpm, "
              f"{t['fillers_total']} fillers, {len(t['pauses'])} pauses >= {MIN_PAUSE} s")


if __name__ == "__main__":
    sys.exit(main())
