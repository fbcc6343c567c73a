"""``speechcase analyze | transcribe | dashboard | frameworks``: one recording in, its analysis out."""
from __future__ import annotations

import textwrap
from pathlib import Path

import click

from speechcase.analysis.embeddings import EMBEDDING_ENV
from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK, builtin_names, load_framework
from speechcase.core.formatting import format_duration
from speechcase.interfaces.cli.app import (
    ProgressBar,
    analyze_options,
    configure_logging,
    main,
    open_cli_store,
    plural,
    skip_teardown,
    store_option,
    transcription_options,
)
from speechcase.rehearsals.store import DEFAULT_SPEAKER


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--outdir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder [default: speechcase-out/<input name>/].")
@click.option("--framework", default=DEFAULT_FRAMEWORK, show_default=True, metavar="NAME|FILE",
              help=f"Interview framework: {', '.join(builtin_names())}, or a framework .toml file.")
@click.option("--embedding-model", type=click.Path(file_okay=False, path_type=Path), envvar=EMBEDDING_ENV,
              help=f"Sentence-embedding model folder (CTranslate2) for finding sections [env {EMBEDDING_ENV}; "
                   "default: the bundled all-MiniLM-L6-v2].")
@click.option("--timings", is_flag=True, help="Print the time each pipeline stage took (stderr).")
@click.option("--talk", metavar="NAME", help="Record the run under this talk [default: the recording's file name].")
@click.option("--speaker", default=DEFAULT_SPEAKER, show_default=True, help="Whose talk it is.")
@store_option
@click.option("--no-store", is_flag=True, help="Do not record this run in the rehearsal store.")
@transcription_options
def analyze(input_path: Path, outdir: Path | None, framework: str, embedding_model: Path | None, timings: bool,
            quiet: bool, talk: str | None, speaker: str, store_path: Path | None, no_store: bool, **opts) -> None:
    """Analyse INPUT (an audio/video file, or a saved transcript.json).

    Writes OUTDIR/analysis.json, OUTDIR/transcript.json and OUTDIR/dashboard.html, records the run in the
    rehearsal store (see `speechcase history`) and prints a summary.
    """
    from speechcase.analysis.text import lean_spacy_import
    from speechcase.interfaces.terminal.review import unmatched_lines
    from speechcase.service import TakeRequest, analyze_take
    from speechcase.views.summary import summary_lines

    configure_logging(quiet)
    skip_teardown()
    lean_spacy_import()  # a process that loads spaCy once, after Whisper
    request = TakeRequest(input_path, analyze_options(framework, embedding_model=embedding_model, **opts),
                          talk=talk, speaker=speaker, outdir=outdir or Path("speechcase-out") / input_path.stem,
                          store=store_path, record=not no_store)
    progress = ProgressBar(quiet)
    try:
        result = analyze_take(request, on_progress=progress)
    finally:
        progress.close()
    for line in summary_lines(result.document, input_path.name, result.seconds, result.from_cache):
        click.echo(line)
    files = result.outputs
    assert files is not None
    click.echo(f"Wrote {files.analysis}, {files.transcript} and {files.dashboard}")
    if run := result.run:
        how = "Updated run" if run.replaced else "Recorded run"
        click.echo(f"{how} {run.id} of talk '{run.talk}' ({plural(run.runs_of_talk, 'run')}; "
                   f"`speechcase history {run.talk}`).")
        for line in unmatched_lines(run.unmatched):
            click.echo(line)
        if run.goals:
            met = sum(g.latest is not None and g.latest.met is True for g in run.goals)
            click.echo(f"Goals: {met} of {len(run.goals)} met in this take (`speechcase goals list {run.talk}`).")
            for goal in run.goals:
                click.echo(f"  {goal.sentence}")
    if timings:
        for stage, seconds in result.analysis.timings.items():
            click.echo(f"  {stage:<16}{seconds:8.3f} s", err=True)


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Transcript file [default: speechcase-out/<input name>/transcript.json].")
@transcription_options
def transcribe(input_path: Path, output: Path | None, quiet: bool, **opts) -> None:
    """Transcribe INPUT and write only the transcript JSON (words with times)."""
    from speechcase.analysis.pipeline import is_transcript_file, transcribe_file
    from speechcase.core.files import write_json_atomic
    from speechcase.service import Progress

    configure_logging(quiet)
    skip_teardown()
    if is_transcript_file(input_path):
        raise click.UsageError("INPUT is already a transcript; pass an audio or video file.")
    output = output or Path("speechcase-out") / input_path.stem / "transcript.json"
    progress = ProgressBar(quiet)
    try:
        transcript, cached = transcribe_file(input_path, analyze_options(DEFAULT_FRAMEWORK, **opts),
                                             lambda done, total: progress(Progress("transcribing", done, total)))
    finally:
        progress.close()
    write_json_atomic(output, transcript.to_dict())
    how = "from cache" if cached else f"in {transcript.transcription.seconds:.1f} s"
    click.echo(f"{len(transcript.words)} words, {format_duration(transcript.source.duration)} of audio, "
               f"transcribed with {transcript.transcription.model} {how}.")
    click.echo(f"Wrote {output}")


@main.command()
@click.argument("analysis_path", metavar="[ANALYSIS.json]", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write [default: dashboard.html next to ANALYSIS.json].")
@click.option("--audio", type=click.Path(path_type=Path), metavar="PATH",
              help="The recording to play from the page [default: the analysed file, where it is found].")
@click.option("--embed-audio", is_flag=True,
              help="Carry the recording inside the page (MP3, about 14 MB per hour) so it plays wherever the "
                   "file goes.")
@click.option("--run", "run_id", type=int, metavar="RUN",
              help="Render stored run RUN instead, with its coach review (see `speechcase review`).")
@store_option
def dashboard(analysis_path: Path | None, output: Path | None, audio: Path | None, embed_audio: bool,
              run_id: int | None, store_path: Path | None) -> None:
    """Render the dashboard (one self-contained HTML page) from a saved analysis.json, or a stored run."""
    from speechcase.views.dashboard import render_from_file

    if (analysis_path is None) == (run_id is None):
        raise click.UsageError("Pass ANALYSIS.json or --run RUN (one of them).")
    if run_id is not None:
        output = output or Path(f"dashboard-run-{run_id}.html")
        link = _run_dashboard(run_id, output, audio, embed_audio, store_path)
    else:
        assert analysis_path is not None
        output = output or analysis_path.parent / "dashboard.html"
        link = render_from_file(analysis_path, output, audio, embed_audio)
    how = ("with the recording embedded" if link.embedded else f"playing {link.src}" if link.src
           else "without audio (recording not found; pass --audio PATH)")
    click.echo(f"Wrote {output} ({output.stat().st_size / 1e6:.1f} MB, {how})")


def _run_dashboard(run_id: int, output: Path, audio: Path | None, embed_audio: bool, store_path: Path | None):
    """A stored run's dashboard, showing its coach review."""
    from speechcase.analysis.audio import check_input_file
    from speechcase.rehearsals.reviews import run_review
    from speechcase.views.dashboard import ReviewView, write_dashboard

    with open_cli_store(store_path, create=False) as store:
        document = store.document(run_id)
        review = ReviewView.from_run_review(run_review(store, run_id))
    if audio is not None:
        check_input_file(audio)
    return write_dashboard(document, output, audio, embed_audio, near=[Path.cwd()], review=review)


@main.command()
@click.argument("name", required=False)
def frameworks(name: str | None) -> None:
    """List the built-in frameworks, or show one (NAME or a .toml path)."""
    if name is None:
        for fid in builtin_names():
            fw = load_framework(fid)
            click.echo(f"{fid:<12} {fw.title}: {' -> '.join(s.id for s in fw.sections)}")
        return
    fw = load_framework(name)
    click.echo(f"{fw.id}: {fw.title} (sections in their expected order)")
    for s in fw.sections:
        low, high = s.target_share
        click.echo(f"\n  {s.id} - {s.title}, target {low:.0%}-{high:.0%} of the talk")
        click.echo(textwrap.fill(s.purpose, 100, initial_indent="    ", subsequent_indent="    "))
        if s.cues:
            click.echo(textwrap.fill("cues: " + ", ".join(s.cues), 100, initial_indent="    ",
                                     subsequent_indent="          "))
        for example in s.examples:
            click.echo(textwrap.fill(f'"{example}"', 100, initial_indent="    e.g. ", subsequent_indent="         "))
        if s.compares_numbers:
            click.echo("    a sentence that sets numbers against each other counts for this section")
        if s.overrun_common:
            click.echo("    speakers often run over this section: a long one is not pulled back to the target")
        if s.closes_talk:
            click.echo("    talks end with this section: a talk that reaches it is not expected to leave it")
    if fw.preview:
        click.echo(f"\nA talk may also give {fw.preview} in brief between {fw.sections[0].id} and {fw.sections[1].id} "
                   "(results up front); that is not out of order.")
