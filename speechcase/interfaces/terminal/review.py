"""``speechcase review RUN``: the coach goes through a run's flags in time order at the terminal.

For each flag it shows what the tool found (message, the words said in its span,
evidence, suggestion) and any earlier review, can play the moment, and records
agree / dismiss with an optional comment at once (quitting half-way keeps every
decision made so far). Notes on moments the tool did not flag can be added at any
prompt and at the end.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import click

from speechcase.core.errors import BadTimeSpan
from speechcase.core.formatting import local_time, span_label
from speechcase.core.types import Flag, ReviewDecision
from speechcase.interfaces.terminal.playback import Recording, find_player, play, segment_for
from speechcase.rehearsals.reviews import FlagReview, add_note, parse_span, record_decision, run_review
from speechcase.rehearsals.store import RunRow, Store

CHOICES = {"a": "agree", "d": "dismiss", "s": "skip", "p": "play", "n": "note", "q": "quit"}
DECIDE: dict[str, ReviewDecision] = {"agree": "agree", "dismiss": "dismiss"}
WIDTH = 100


def review_label(review: FlagReview) -> str:
    """``agreed by ana (2026-05-02 14:10): "comment"``."""
    said = {"agree": "agreed", "dismiss": "dismissed", "unset": "no decision"}[review.decision]
    text = f"{said} by {review.reviewer} ({local_time(review.reviewed_at)})"
    return text + (f': "{review.comment}"' if review.comment else "")


def unmatched_lines(unmatched: list[FlagReview]) -> list[str]:
    """What the CLI says about coach reviews whose flag a new analysis no longer raises."""
    if not unmatched:
        return []
    lines = [f"{len(unmatched)} review(s) no longer match a flag of the current analysis (kept, unmatched):"]
    for r in unmatched:
        lines.append(f"  was {r.last_flag_id} {r.flag_type} at {span_label(r.start, r.end)}: {review_label(r)}")
    return lines


def review_listing(store: Store, run: RunRow) -> list[str]:
    """``speechcase review RUN --list``: every flag with its review, then the notes."""
    document = store.document(run.id)
    state = run_review(store, run.id)
    lines = [f"Run {run.id} of talk '{run.talk}' ({run.speaker}): {len(document.flags)} flags, "
             f"{len(state.notes)} notes."]
    for flag in document.flags_in_time_order():
        found = state.for_flag(flag.id)
        lines.append(f"  {flag.id}  {span_label(flag.start, flag.end):<11} {flag.type} "
                     f"({flag.severity}): " + (review_label(found) if found else "not reviewed"))
    for n in state.notes:
        lines.append(f"  note {n.id} at {span_label(n.start, n.end)} by {n.reviewer}: {n.text}")
    return lines + unmatched_lines(state.unmatched)


@dataclass
class Tally:
    agreed: int = 0
    dismissed: int = 0
    skipped: int = 0
    notes: int = 0


class TerminalReview:
    """One interactive review of one run."""

    def __init__(self, store: Store, run: RunRow, reviewer: str, pending_only: bool = False):
        self.store = store
        self.run = run
        self.reviewer = reviewer
        self.pending_only = pending_only
        self.document = store.document(run.id)
        self.duration = self.document.duration
        self.recording = Recording(run.source_path, run.audio_sha256)
        self.player = find_player()
        self.tally = Tally()

    def start(self) -> Tally:
        review = run_review(self.store, self.run.id)
        flags = self.document.flags_in_time_order()
        if self.pending_only:
            flags = [f for f in flags if (r := review.for_flag(f.id)) is None or r.decision == "unset"]
        decided = sum(1 for r in review.reviews if r.matched and r.decision != "unset")
        click.echo(f"Reviewing run {self.run.id} of talk '{self.run.talk}' ({self.run.speaker}) as {self.reviewer}: "
                   f"{len(self.document.flags)} flags, {decided} already decided, {len(review.notes)} notes.")
        for line in unmatched_lines(review.unmatched):
            click.echo(line)
        if self.player is None:
            click.echo("No audio player found (ffplay, paplay, aplay or afplay); playback is off for this review.")
        for number, flag in enumerate(flags, 1):
            if not self.flag(number, len(flags), flag, review.for_flag(flag.id)):
                break
        else:
            self.closing_notes()
        t = self.tally
        click.echo(f"Saved: {t.agreed} agreed, {t.dismissed} dismissed, {t.skipped} skipped, {t.notes} notes. "
                   f"`speechcase report {self.run.id} -o report.html` writes the candidate's report.")
        return t

    def flag(self, number: int, total: int, flag: Flag, review: FlagReview | None) -> bool:
        """Show one flag and take decisions until the coach moves on; False when they quit."""
        click.echo("")
        click.secho(f"[{number}/{total}] {flag.id}  {flag.type} ({flag.severity})  "
                    f"{span_label(flag.start, flag.end)}", bold=True)
        self._field("", flag.message)
        said = self.document.excerpt(flag.start, flag.end)
        self._field("Said", f'"{said}"' if said else "(no words in this span: the flag is about the whole talk)")
        self._field("Evidence", flag.evidence)
        self._field("Suggestion", flag.suggestion)
        if review:
            self._field("Review", review_label(review))
        while True:
            choice = click.prompt("[a]gree, [d]ismiss, [s]kip, [p]lay, [n]ote, [q]uit",
                                  type=click.Choice(list(CHOICES)), default="s", show_choices=False)
            action = CHOICES[choice]
            if action == "play":
                self.play(flag.start, flag.end)
            elif action == "note":
                self.note(default_span=span_label(flag.start, flag.end))
            elif action == "quit":
                return False
            elif action == "skip":
                self.tally.skipped += 1
                return True
            else:
                comment = self._comment(review.comment if review else "")
                record_decision(self.store, self.run.id, flag, DECIDE[action], comment, self.reviewer)
                self.tally.agreed += action == "agree"
                self.tally.dismissed += action == "dismiss"
                click.echo(f"  saved: {action}" + (f' with "{comment}"' if comment else ""))
                return True

    def play(self, start: float, end: float) -> None:
        if self.player is None:
            click.echo("  (no audio player found: install ffmpeg's ffplay, or set SPEECHCASE_PLAYER)")
            return
        audio = self.recording.audio()
        if audio is None:
            click.echo(f"  (cannot play: {self.recording.problem})")
            return
        segment = segment_for(start, end, audio.duration)
        click.echo(f"  playing {span_label(segment.start, segment.end)}"
                   + (" (the first part of a long flag)" if segment.shortened else "") + "; Ctrl-C stops it")
        if problem := play(self.player, audio, segment):
            click.echo(f"  (playback failed: {problem})")

    def note(self, default_span: str | None = None) -> bool:
        """Ask for a note's span and text and save it; False when the coach left the span empty."""
        span_text = click.prompt("  Note at START[-END] (e.g. 1:05-1:20; Enter to stop)",
                                 default=default_span or "", show_default=bool(default_span))
        if not span_text.strip():
            return False
        try:
            start, end = parse_span(span_text, self.duration)
        except BadTimeSpan as exc:
            click.echo(f"  {exc}")
            return True
        text = click.prompt("  Note", default="", show_default=False).strip()
        if text:
            add_note(self.store, self.run.id, start, end, text, self.reviewer)
            self.tally.notes += 1
            click.echo(f"  saved note at {span_label(start, end)}")
        return True

    def closing_notes(self) -> None:
        click.echo("")
        click.echo("All flags seen. Add notes on moments the tool did not flag (Enter to finish).")
        while self.note():
            pass

    @staticmethod
    def _comment(existing: str) -> str:
        hint = "Comment (Enter keeps it, '-' clears it)" if existing else "Comment (Enter for none)"
        text = click.prompt(f"  {hint}", default=existing, show_default=bool(existing)).strip()
        return "" if text == "-" else text

    @staticmethod
    def _field(label: str, text: str) -> None:
        if not text:
            return
        head = f"  {label + ':':<12}" if label else "  "
        click.echo(textwrap.fill(text, WIDTH, initial_indent=head, subsequent_indent=" " * len(head)))
