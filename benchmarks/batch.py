"""Cohort batches on this machine: throughput against a shell loop, the overhead inside a warm worker, and the
capacity plan that follows.

1. **Throughput**: the same recordings (the three samples, each in ``--copies`` copies made distinct by a few
   milliseconds of silence, so every one is analysed) through a shell loop of ``speechcase analyze`` and
   through ``speechcase batch`` with 1 and with 2 local workers; transcript cache off everywhere. Audio
   minutes per wall minute for each. The per-file start-up time (a fresh process importing speechcase and
   loading Whisper, spaCy and the embeddings, median of 3) says what the loop pays per file that warm workers
   pay once; the batch must beat the loop by at least that much per file.
2. **Beyond Whisper in a warm worker**: two ``--long-minutes`` talks (15 by default) on 2 workers, as a batch
   runs them here (one Whisper thread each): per talk, the worker's seconds minus faster-whisper's own work (the
   ``decode``, ``vad``, ``load_model`` and ``transcribe`` stages: what faster-whisper does when used alone)
   against that work.
3. **Capacity plan**: worker cores for 10,000 fifteen-minute talks in 8 hours, from the long talks' measured
   throughput per core.

Prints the results as Markdown (for docs/batch.md) and writes ``benchmarks/results/batch.md`` and
``batch.json``.

    python benchmarks/batch.py                                  # about 2 minutes on 2 cores
    python benchmarks/batch.py --copies 1 --long-minutes 2      # a quick check that it works
    python benchmarks/batch.py --device cuda                    # on a GPU machine: the GPU real-time factor
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import INPUTS, RESULTS, ROOT, SAMPLES, build_input, machine  # noqa: E402  (beside this script)

SAMPLE_AUDIO = ROOT / "sample_audio"

SPEECHCASE = str(Path(sys.executable).parent / "speechcase")
#: The capacity plan's goal.
TALKS, TALK_MINUTES, HOURS = 10_000, 15, 8
HEADROOM = 1.25  # retries, stragglers, talks of uneven length
#: What a fresh `speechcase analyze` process pays besides its work: imports, the models loaded as the command loads
#: them (spaCy's lean import), the prototypes of the one framework it uses (a warm worker embeds them once), and its
#: end without Python's teardown.
STARTUP = ("import os, speechcase.interfaces.cli.main; from speechcase.analysis.text import lean_spacy_import; "
           "lean_spacy_import(); from speechcase.analysis.pipeline import AnalyzeOptions, warm_models; "
           "warm_models(AnalyzeOptions(device={device!r}, compute_type={compute!r}), ['case-study']); os._exit(0)")


def distinct_copy(source: Path, k: int, folder: Path) -> Path:
    """``source`` with ``k`` x 10 ms of silence added at the end: the same talk, another recording (hash)."""
    import soundfile

    samples, rate = soundfile.read(source, dtype="float32")
    target = folder / f"{source.stem}_{k}.flac"
    if not target.exists():
        soundfile.write(target, np.concatenate([samples, np.zeros(rate * k // 100, dtype=np.float32)]), rate)
    return target


def wall(cmd: list[str], **kwargs) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - began


def audio_seconds(paths: list[Path]) -> float:
    import soundfile

    return sum(soundfile.info(p).duration for p in paths)


def device_args(device: str) -> list[str]:
    return ["--device", device] if device != "cpu" else []


def throughput(files: list[Path], tmp: Path, device: str) -> dict:
    """The loop, the batch with 1 and 2 workers, and the per-file start-up time."""
    compute = "float16" if device == "cuda" else "int8"
    startup = statistics.median(wall([sys.executable, "-c", STARTUP.format(device=device, compute=compute)])
                                for _ in range(3))
    loop = ('for f in "$@"; do "$SPEECHCASE" analyze "$f" --no-cache --quiet --store "$STORE" '
            f'-o "$OUT/$(basename "$f")" {" ".join(device_args(device))}; done')
    env = {**os.environ, "SPEECHCASE": SPEECHCASE, "STORE": str(tmp / "loop.sqlite3"), "OUT": str(tmp / "out")}
    rows = {"loop": wall(["bash", "-c", loop, "_", *map(str, files)], env=env)}
    for workers in (1, 2):
        rows[f"batch{workers}"] = wall([SPEECHCASE, "batch", *map(str, files), "--workers", str(workers),
                                        "--no-cache", "--quiet", "--store", str(tmp / f"batch{workers}.sqlite3"),
                                        *device_args(device)])
    return {"files": len(files), "audio_s": audio_seconds(files), "startup_s": startup, "wall_s": rows}


def long_talks(minutes: float, tmp: Path, device: str) -> list[dict]:
    """Two talks of ``minutes`` on warm workers, 2 on a CPU, 1 on a GPU (through the batch API, to read each
    worker's stage timings)."""
    sys.path.insert(0, str(ROOT))
    from speechcase.analysis.pipeline import AnalyzeOptions
    from speechcase.interfaces.batch.cluster import open_client, prepare_workers
    from speechcase.interfaces.batch.manifest import items_from_paths
    from speechcase.interfaces.batch.plan import make_plan
    from speechcase.interfaces.batch.runner import run_batch
    from speechcase.rehearsals.store import open_store

    base = build_input(minutes)
    files = [distinct_copy(base, k, INPUTS) for k in (1, 2)]
    options = AnalyzeOptions(use_cache=False, device=device, compute_type="float16" if device == "cuda" else "int8")
    with open_store(tmp / "long.sqlite3") as store, open_client(None, 1 if device == "cuda" else 2,
                                                                       device=device) as client:
        threads = prepare_workers(client, options)
        began = time.perf_counter()
        results = run_batch(make_plan(items_from_paths(files, "bench", "case-study"), options, store), client, store)
        elapsed = time.perf_counter() - began
    rows = []
    for r in results:
        if r.status != "recorded" or not r.timings:
            raise SystemExit(f"{r.item.path.name}: {r.status} {r.note}")
        # faster-whisper's own work, as it does it alone: decoding the file, its voice-activity pass (speechcase's
        # one Silero pass replaces it; Whisper packs from those probabilities), the model and the transcription
        whisper = sum(r.timings.get(stage, 0.0) for stage in ("decode", "vad", "load_model", "transcribe"))
        rows.append({"talk": r.item.path.name, "audio_s": r.duration, "worker_s": r.seconds, "whisper_s": whisper,
                     "beyond_s": r.seconds - whisper, "beyond_share": (r.seconds - whisper) / whisper,
                     "load_model_s": r.timings.get("load_model", 0.0), "threads": max(threads.values()),
                     "batch_wall_s": elapsed})
    return rows


def capacity(long: list[dict], device: str) -> dict:
    """Cores (or GPUs) for 10,000 fifteen-minute talks in 8 hours at the long talks' measured rate."""
    cores = 1 if device == "cuda" else len(os.sched_getaffinity(0))  # on a GPU: per GPU
    batch_wall = long[0]["batch_wall_s"]
    per_core = sum(r["audio_s"] for r in long) / batch_wall / cores  # audio minutes per wall minute per core
    needed = TALKS * TALK_MINUTES / (HOURS * 60)  # audio minutes per wall minute
    with_headroom = math.ceil(needed / per_core * HEADROOM)
    return {"per_core": per_core, "needed": needed, "cores": math.ceil(needed / per_core),
            "cores_headroom": with_headroom, "rtf_per_worker": long[0]["worker_s"] / long[0]["audio_s"],
            "memory_gb": with_headroom * 1.5}  # a one-thread worker per core, 1.5 GB each


def markdown(short: dict, long: list[dict], plan: dict, device: str, busy: bool) -> str:
    audio_min = short["audio_s"] / 60
    rate = {k: audio_min / (v / 60) for k, v in short["wall_s"].items()}
    saved = short["wall_s"]["loop"] - short["wall_s"]["batch1"]
    owed = short["files"] * short["startup_s"]
    lines = [f"Machine: {machine()}, device {device}" + (" (measured while other work ran on it: provisional)"
                                                           if busy else "") + ".", "",
             f"Throughput: {short['files']} recordings, {audio_min:.1f} minutes of audio, transcript cache off.", "",
             "| run | wall | audio minutes per wall minute | vs the loop |", "|---|---|---|---|"]
    labels = {"loop": "shell loop of `speechcase analyze`", "batch1": "`speechcase batch --workers 1`",
              "batch2": "`speechcase batch --workers 2`"}
    for key, label in labels.items():
        lines.append(f"| {label} | {short['wall_s'][key]:.1f} s | {rate[key]:.1f} | "
                     f"{rate[key] / rate['loop']:.2f}x |")
    verdict = "met" if saved >= owed else "NOT met"
    lines += ["", f"Per-file start-up (a fresh process importing speechcase and loading its models, median of 3): "
                  f"{short['startup_s']:.1f} s, which the loop pays {short['files']} times ({owed:.1f} s) and a "
                  f"batch once per worker (with the cluster's own start). One warm worker took "
                  f"{abs(saved):.1f} s {'less' if saved >= 0 else 'more'} than the loop; the target, at least "
                  f"{owed:.1f} s less: {verdict}.", "",
              f"Inside a warm worker ({long[0]['threads']} Whisper thread{'s' if long[0]['threads'] > 1 else ''} "
              "per talk, 2 workers):", "",
              "| talk | audio | worker | Whisper | beyond Whisper | share | model load |", "|---|---|---|---|---|---|---|"]
    for r in long:
        lines.append(f"| {r['talk']} | {r['audio_s'] / 60:.1f} min | {r['worker_s']:.1f} s | {r['whisper_s']:.1f} s | "
                     f"{r['beyond_s']:.2f} s | {r['beyond_share']:.1%} | {r['load_model_s']:.3f} s |")
    worst = max(r["beyond_share"] for r in long)
    lines += ["", f"Time beyond Whisper: at most {worst:.1%} of Whisper's time (target 3 %: "
                  f"{'met' if worst <= 0.03 else 'NOT met'}).", "",
              f"Capacity plan ({device}): {TALKS:,} talks x {TALK_MINUTES} min in {HOURS} h = "
              f"{plan['needed']:.1f} audio minutes per wall minute. Measured {plan['per_core']:.2f} per core "
              f"(real-time factor {plan['rtf_per_worker']:.3f} per one-thread worker) -> **{plan['cores']} worker "
              f"cores**, {plan['cores_headroom']} with {HEADROOM - 1:.0%} headroom (retries, stragglers, uneven "
              f"lengths), and about {plan['memory_gb']:.0f} GB of worker memory (1.5 GB per worker)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="copies of each sample in the throughput run")
    parser.add_argument("--long-minutes", type=float, default=15.0, help="length of the two long talks")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--busy", action="store_true", help="say in the results that the machine was busy")
    args = parser.parse_args()
    began = time.perf_counter()
    folder = INPUTS / "batch"
    folder.mkdir(parents=True, exist_ok=True)
    files = [distinct_copy(SAMPLE_AUDIO / f"{name}.flac", k, folder) for k in range(1, args.copies + 1)
             for name in SAMPLES]
    with tempfile.TemporaryDirectory() as tmp:
        short = throughput(files, Path(tmp), args.device)
        print(json.dumps(short), file=sys.stderr, flush=True)
        long = long_talks(args.long_minutes, Path(tmp), args.device)
        print(json.dumps(long), file=sys.stderr, flush=True)
        shutil.rmtree(Path(tmp) / "out", ignore_errors=True)
    plan = capacity(long, args.device)
    text = markdown(short, long, plan, args.device, args.busy)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.md").write_text(text + "\n")
    (RESULTS / "batch.json").write_text(json.dumps({"throughput": short, "long": long, "plan": plan}, indent=1) + "\n")
    print(text)
    print(f"\nBenchmark took {(time.perf_counter() - began) / 60:.1f} minutes.", file=sys.stderr)


if __name__ == "__main__":
    main()
