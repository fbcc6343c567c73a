"""Speed, memory and scaling of the whole pipeline on this machine, against faster-whisper alone.

For inputs of 5, 15 and 60 minutes (the committed samples laid end to end;
``--minutes`` for others), measures side by side, the two taken in turn:

- ``whisper``: faster-whisper alone with speechcase's decoding settings
  (batched, word timestamps, hotwords, 10-minute blocks) and its model loading, model load included, in a
  fresh process: the baseline of the ratios;
- ``plain``: faster-whisper as its documentation shows it (the model built and used on the main thread),
  the same decoding settings, for inputs of one block (15 minutes or less);
- ``analyze``: the whole ``speechcase analyze`` with an empty cache folder
  (decode, VAD, pitch, transcription, parse, sections, signals, dashboard,
  the run recorded in a scratch store), with its per-stage timings, in a fresh process;
  the ratio ``analyze / whisper`` is the cost of everything speechcase adds, start-up included;
- ``warm``: in one long-lived process with every model loaded once (as the web app's
  worker and the batch runner run), faster-whisper alone against ``analyze_input``
  (the analysis a worker runs: no dashboard, no store), in turn;
- ``reanalyze``: ``speechcase analyze transcript.json --framework deep-dive``, as a
  coach would run it after the first analysis (its parse and sentence
  embeddings are in the cache);

and the peak resident memory of each. Inputs of 15 minutes or less are run three times and the
median is reported. Writes ``benchmarks/results/speed.csv``, ``speed.md`` (the
table in docs/performance.md) and ``speed.html`` (a Plotly chart).

    python benchmarks/speed.py                    # 5, 15 and 60 minutes, about 17 minutes on 2 cores
    python benchmarks/speed.py --minutes 1 5      # others
    python benchmarks/speed.py --decoding         # --threads, --compute-type and batching compared (decoding.md)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
INPUTS = ROOT / "benchmarks" / "inputs"  # built once, ignored by git
SAMPLES = ["structured_churn", "rambling_delivery", "short_deep_dive"]
REPEATS_UP_TO = 15.0  # inputs this many minutes or shorter are run three times (single runs vary by 10-20 % here)
WHISPER = {"load_model", "transcribe"}
#: Stages that run on a second thread while Whisper decodes; only ``wait_vad`` and ``wait_beside`` (the time the
#: main thread waited for them) count as time the pipeline adds.
BESIDE = {"vad", "pitch_frames", "prosody", "voicing", "warm_models"}


def build_input(minutes: float) -> Path:
    """A FLAC of ``minutes`` of speech: the samples in turn, a second of silence between them."""
    import soundfile

    sys.path.insert(0, str(ROOT))
    from speechcase.analysis.audio import SAMPLE_RATE, load_audio

    path = INPUTS / f"talk_{minutes:g}min.flac"
    if path.exists():
        return path
    parts = [load_audio(ROOT / "sample_audio" / f"{name}.flac").samples for name in SAMPLES]
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    pieces, length, k = [], 0, 0
    while length < minutes * 60 * SAMPLE_RATE:
        piece = parts[k % len(parts)]
        pieces += [piece, gap]
        length += len(piece) + len(gap)
        k += 1
    INPUTS.mkdir(parents=True, exist_ok=True)
    soundfile.write(path, np.concatenate(pieces)[:int(minutes * 60 * SAMPLE_RATE)], SAMPLE_RATE, format="FLAC")
    return path


def run(cmd: list[str], capture: bool = False) -> tuple[float, float, str]:
    """Run ``cmd``; return wall seconds, peak RSS in MB and its stderr (its stdout with ``capture``)."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        began = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out if capture else subprocess.DEVNULL, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        err.seek(0)
        text = err.read().decode(errors="replace")
        out.seek(0)
        printed = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{text}")
    return wall, usage.ru_maxrss / 1024, printed if capture else text


def stage_timings(stderr: str) -> dict[str, float]:
    """The ``--timings`` lines: ``  stage    1.234 s``."""
    out = {}
    for line in stderr.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "s":
            try:
                out[parts[0]] = float(parts[1])
            except ValueError:
                pass
    return out


def whisper_alone(path: str, threads: int = 0, compute_type: str = "int8", batch_size: int | None = None) -> None:
    """Child process: faster-whisper with speechcase's settings (or the decoding options given), nothing else.

    The sequential decoder (``batch_size`` 0) needs the speech regions first, so its time includes that VAD pass.
    """
    sys.path.insert(0, str(ROOT))
    from dataclasses import replace

    from faster_whisper import decode_audio

    from speechcase.analysis.audio import Audio
    from speechcase.analysis.transcribe import DecodeOptions, resolve_model, transcribe
    from speechcase.analysis.vad import speech_regions

    options = DecodeOptions() if batch_size is None else replace(DecodeOptions(), batch_size=batch_size)
    audio = Audio(path=Path(path), sha256="", samples=decode_audio(path), source_rate=16000)
    speech = [] if options.batch_size else speech_regions(audio)
    transcript = transcribe(audio, speech, resolve_model(None), options, compute_type, threads)
    print(f"words: {len(transcript.words)}", file=sys.stderr)


def plain_faster_whisper(path: str) -> None:
    """Child process: faster-whisper used as its documentation shows (``WhisperModel`` built and used on the main
    thread, ``BatchedInferencePipeline``), with speechcase's decoding settings; for a recording under 15 minutes
    (one block) this is the same work as :func:`whisper_alone`, with the model built the usual way."""
    sys.path.insert(0, str(ROOT))
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

    from speechcase.analysis.transcribe import DecodeOptions, decode_kwargs, resolve_model

    options = DecodeOptions()
    model = WhisperModel(resolve_model(None).load, device="cpu", compute_type="int8")
    segments, _ = BatchedInferencePipeline(model).transcribe(
        decode_audio(path), batch_size=options.batch_size, vad_filter=True,
        vad_parameters={"min_silence_duration_ms": options.vad_min_silence_ms,
                        "speech_pad_ms": int(options.vad_pad * 1000)}, **decode_kwargs(options))
    print(f"words: {sum(len(s.words or []) for s in segments)}", file=sys.stderr)


def warm_worker(path: str, repeats: int) -> None:
    """Child process: models loaded once, then faster-whisper alone and the worker's analysis of ``path`` in
    turn, ``repeats`` times each (the analysis with an empty cache each time); prints their seconds as JSON."""
    sys.path.insert(0, str(ROOT))
    from faster_whisper import decode_audio

    from speechcase.analysis.audio import Audio
    from speechcase.analysis.pipeline import AnalyzeOptions, warm_models
    from speechcase.analysis.transcribe import DecodeOptions, resolve_model, transcribe
    from speechcase.service import analyze_input

    options = AnalyzeOptions(use_cache=False)
    warm_models(options)
    analyze_input(ROOT / "sample_audio" / "short_deep_dive.flac", options)  # first-call costs out of the way
    whisper, analysis = [], []
    for _ in range(repeats):
        began = time.perf_counter()
        audio = Audio(path=Path(path), sha256="", samples=decode_audio(path), source_rate=16000)
        transcribe(audio, [], resolve_model(None), DecodeOptions())
        whisper.append(time.perf_counter() - began)
        began = time.perf_counter()
        analyze_input(Path(path), options)
        analysis.append(time.perf_counter() - began)
    print(json.dumps({"whisper": whisper, "analysis": analysis}))


#: Decoding options compared on the 5-minute input by ``--decoding``: (label, threads, compute type, batch size).
DECODING_VARIANTS = [
    ("default: int8, all cores, batch 4", 0, "int8", 4),
    ("--threads 1", 1, "int8", 4),
    ("--compute-type float32", 0, "float32", 4),
    ("--compute-type int8_float32", 0, "int8_float32", 4),
    ("batch 8", 0, "int8", 8),
    ("sequential (batch 0)", 0, "int8", 0),
]


def measure_decoding(minutes: float = 5.0, repeats: int = 3) -> list[dict]:
    """Transcription alone on one input under each of :data:`DECODING_VARIANTS`; medians of ``repeats``."""
    audio = build_input(minutes)
    runs: dict[str, list] = {label: [] for label, *_ in DECODING_VARIANTS}
    for _ in range(repeats):  # round robin, so a passing disturbance does not land on one variant
        for label, threads, compute_type, batch in DECODING_VARIANTS:
            runs[label].append(run([sys.executable, __file__, "--child-whisper", str(audio), "--threads",
                                    str(threads), "--compute-type", compute_type, "--batch-size", str(batch)]))
    rows = []
    for label, threads, compute_type, batch in DECODING_VARIANTS:
        rows.append({"variant": label, "threads": threads, "compute_type": compute_type, "batch_size": batch,
                     "minutes": minutes, "runs": repeats,
                     "seconds": round(statistics.median(r[0] for r in runs[label]), 2),
                     "rss_mb": round(statistics.median(r[1] for r in runs[label])),
                     "words": int(statistics.median(words_printed(r[2]) for r in runs[label]))})
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def words_printed(stderr: str) -> int:
    """The ``words: N`` line a ``--child-whisper`` process prints."""
    return next((int(line.split()[1]) for line in stderr.splitlines() if line.startswith("words: ")), 0)


def write_decoding(rows: list[dict]) -> None:
    import pandas as pd

    RESULTS.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(RESULTS / "decoding.csv", index=False)
    base = rows[0]["seconds"]
    lines = [f"Machine: {machine()}. Transcription alone of the {rows[0]['minutes']:g}-minute input, "
             f"median of {rows[0]['runs']} runs.", "",
             "| decoding | seconds | vs default | peak RSS | words |", "|---|---|---|---|---|"]
    lines += [f"| {r['variant']} | {r['seconds']:.1f} s | {r['seconds'] / base:.2f}x | {r['rss_mb']:.0f} MB | "
              f"{r['words']} |" for r in rows]
    (RESULTS / "decoding.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def measure(minutes: float, workdir: Path) -> dict:
    audio = build_input(minutes)
    repeats = 3 if minutes <= REPEATS_UP_TO else 1
    rows: dict[str, list] = {"whisper": [], "plain": [], "analyze": [], "reanalyze": [], "stages": []}
    for k in range(repeats):
        out, cache = workdir / f"{minutes:g}-{k}", workdir / f"cache-{minutes:g}-{k}"
        rows["whisper"].append(run([sys.executable, __file__, "--child-whisper", str(audio)])[:2])
        if minutes <= REPEATS_UP_TO:  # one block: the same decoding as faster-whisper's own examples
            rows["plain"].append(run([sys.executable, __file__, "--child-plain", str(audio)])[:2])
        store = ["--store", str(workdir / "history.sqlite3")]  # recorded as usual, never in the user's store
        wall, rss, err = run([sys.executable, "-m", "speechcase.interfaces.cli.main", "analyze", str(audio), "-o", str(out),
                              "--cache-dir", str(cache), "--timings", "-q", *store])
        rows["analyze"].append((wall, rss))
        rows["stages"].append(stage_timings(err))
        rows["reanalyze"].append(run([sys.executable, "-m", "speechcase.interfaces.cli.main", "analyze",
                                      str(out / "transcript.json"), "--framework", "deep-dive", "-o",
                                      str(out / "again"), "--cache-dir", str(cache), "--timings", "-q",
                                      *store])[:2])

    _, warm_rss, printed = run([sys.executable, __file__, "--child-warm", str(audio), str(repeats)], capture=True)
    warm = json.loads(printed)

    def median(key: str, i: int) -> float:
        return statistics.median(r[i] for r in rows[key])

    stages = {name: statistics.median(s.get(name, 0.0) for s in rows["stages"])
              for name in rows["stages"][0]}
    analyze_s = median("analyze", 0)
    outside = analyze_s - stages.get("transcribe", 0.0) - stages.get("load_model", 0.0)
    return {
        "minutes": minutes, "runs": repeats,
        "whisper_s": round(median("whisper", 0), 2), "whisper_rss_mb": round(median("whisper", 1)),
        "analyze_s": round(analyze_s, 2), "analyze_rss_mb": round(median("analyze", 1)),
        "ratio": round(analyze_s / median("whisper", 0), 3),
        "plain_whisper_s": round(median("plain", 0), 2) if rows["plain"] else None,
        "warm_whisper_s": round(statistics.median(warm["whisper"]), 2),
        "warm_analysis_s": round(statistics.median(warm["analysis"]), 2),
        "warm_ratio": round(statistics.median(warm["analysis"]) / statistics.median(warm["whisper"]), 3),
        "warm_rss_mb": round(warm_rss),
        "reanalyze_s": round(median("reanalyze", 0), 2), "reanalyze_rss_mb": round(median("reanalyze", 1)),
        "rtf_whisper": round(median("whisper", 0) / (minutes * 60), 4),
        "rtf_analyze": round(analyze_s / (minutes * 60), 4),
        "outside_whisper_s": round(outside, 2),
        "pipeline_stages_share": round((own := sum(v for n, v in stages.items() if n not in WHISPER | BESIDE))
                                       / max(stages.get("transcribe", 1e-9), 1e-9), 4),
        "pipeline_stages_s": round(own, 2),
        **{f"stage_{name}_s": round(v, 3) for name, v in stages.items()},
    }


def write_outputs(results: list[dict]) -> None:
    import pandas as pd
    from plotly.subplots import make_subplots

    RESULTS.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(results).fillna(0.0)
    table.to_csv(RESULTS / "speed.csv", index=False)

    lines = [f"Machine: {machine()}.", "",
             "| input | runs | faster-whisper as documented | faster-whisper alone | speechcase analyze | ratio | "
             "warm: faster-whisper | warm: analysis | warm ratio | real-time factor | re-analysis | "
             "peak RSS (analyze) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        plain = f"{r['plain_whisper_s']:.1f} s" if r.get("plain_whisper_s") else "-"
        lines.append(f"| {r['minutes']:g} min | {r['runs']} | {plain} | {r['whisper_s']:.1f} s | "
                     f"{r['analyze_s']:.1f} s | {r['ratio']:.3f} | {r['warm_whisper_s']:.1f} s | "
                     f"{r['warm_analysis_s']:.1f} s | {r['warm_ratio']:.3f} | {r['rtf_analyze']:.3f} | "
                     f"{r['reanalyze_s']:.2f} s | {r['analyze_rss_mb']:.0f} MB |")
    stage_cols = [c for c in table.columns if c.startswith("stage_")]
    lines += ["", "Per-stage seconds (`speechcase analyze --timings`):", "",
              "| input | " + " | ".join(c[6:-2] for c in stage_cols) + " |",
              "|---" * (len(stage_cols) + 1) + "|"]
    for r in results:
        lines.append(f"| {r['minutes']:g} min | " + " | ".join(f"{r.get(c, 0):.2f}" for c in stage_cols) + " |")
    (RESULTS / "speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))

    fig = make_subplots(rows=1, cols=2, subplot_titles=("Wall time (s)", "Peak memory (MB)"))
    for key, name in (("whisper_s", "faster-whisper alone"), ("analyze_s", "speechcase analyze"),
                      ("reanalyze_s", "re-analysis")):
        fig.add_scatter(x=table["minutes"], y=table[key], name=name, mode="lines+markers", row=1, col=1)
    for key, name in (("whisper_rss_mb", "faster-whisper alone"), ("analyze_rss_mb", "speechcase analyze")):
        fig.add_scatter(x=table["minutes"], y=table[key], name=f"{name} (RSS)", mode="lines+markers", row=1, col=2)
    fig.update_xaxes(title_text="input minutes")
    fig.update_layout(title=f"speechcase speed and memory ({machine()})", template="plotly_white")
    fig.write_html(RESULTS / "speed.html", include_plotlyjs=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[5, 15, 60])
    parser.add_argument("--decoding", action="store_true",
                        help="compare decoding options (threads, compute type, batching) on the 5-minute input")
    parser.add_argument("--child-whisper", help=argparse.SUPPRESS)
    parser.add_argument("--child-warm", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-plain", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--compute-type", default="int8", help=argparse.SUPPRESS)
    parser.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_plain:
        plain_faster_whisper(args.child_plain)
        return
    if args.child_warm:
        warm_worker(args.child_warm[0], int(args.child_warm[1]))
        return
    if args.child_whisper:
        whisper_alone(args.child_whisper, args.threads, args.compute_type, args.batch_size)
        return
    if args.decoding:
        began = time.perf_counter()
        write_decoding(measure_decoding())
        print(f"\nDecoding comparison took {(time.perf_counter() - began) / 60:.1f} minutes.")
        return
    began = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            results.append(measure(minutes, Path(tmp)))
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    write_outputs(results)
    print(f"\nBenchmark took {(time.perf_counter() - began) / 60:.1f} minutes.")


if __name__ == "__main__":
    main()
