"""User-facing errors, each with its own exit code.

The CLI prints ``str(error)`` as one line and exits with ``error.exit_code``;
tracebacks are shown only with ``--debug``. Exit codes are part of the public
interface (scripts branch on them), so never renumber an existing one.
"""
from __future__ import annotations


class SpeechcaseError(Exception):
    """Base class: a problem the user can fix, described in one sentence."""

    exit_code = 1


class InputMissing(SpeechcaseError):
    """The input path does not exist."""

    exit_code = 3


class InputIsDirectory(SpeechcaseError):
    """The input path is a folder, not a file."""

    exit_code = 4


class InputEmpty(SpeechcaseError):
    """The input file is empty (0 bytes)."""

    exit_code = 5


class NotAudio(SpeechcaseError):
    """The file is not decodable audio (wrong type, corrupt or truncated)."""

    exit_code = 6


class VideoWithoutAudio(SpeechcaseError):
    """A video file that has no audio track."""

    exit_code = 7


class NoSpeech(SpeechcaseError):
    """Decodable audio, but only silence or noise."""

    exit_code = 8


class TooShort(SpeechcaseError):
    """Less than the minimum amount of speech (5 s by default)."""

    exit_code = 9


class TooLong(SpeechcaseError):
    """Longer than the maximum duration (3 h by default)."""

    exit_code = 10


class ModelUnavailable(SpeechcaseError):
    """A model (Whisper, the sentence embeddings or the section classifier) could not be found or loaded."""

    exit_code = 11


class BadTranscript(SpeechcaseError):
    """A JSON input that is not a readable speechcase transcript."""

    exit_code = 12


class BadFramework(SpeechcaseError):
    """A framework name or file that cannot be used."""

    exit_code = 13


class OutputNotWritable(SpeechcaseError):
    """The output folder or cache cannot be written."""

    exit_code = 14


class BadAnalysis(SpeechcaseError):
    """A JSON input that is not a readable speechcase analysis document."""

    exit_code = 15


class StoreNotWritable(SpeechcaseError):
    """The rehearsal store cannot be created or written."""

    exit_code = 20


class NotAStore(SpeechcaseError):
    """The store path holds a file that is not a (readable) speechcase store."""

    exit_code = 21


class StoreTooNew(SpeechcaseError):
    """The store was written by a newer speechcase version."""

    exit_code = 22


class StoreBusy(SpeechcaseError):
    """The store stayed locked by another speechcase process."""

    exit_code = 23


class UnknownRun(SpeechcaseError):
    """No stored run has that id."""

    exit_code = 24


class UnknownTalk(SpeechcaseError):
    """No stored talk has that name."""

    exit_code = 25


class BadExport(SpeechcaseError):
    """A file to import that is not a speechcase export."""

    exit_code = 26


class UnknownFlag(SpeechcaseError):
    """The run has no flag with that id."""

    exit_code = 27


class BadTimeSpan(SpeechcaseError):
    """A note's time span that cannot be read or lies outside the recording."""

    exit_code = 28


class UnknownJob(SpeechcaseError):
    """No analysis job of the web app has that id."""

    exit_code = 29


class UnknownUser(SpeechcaseError):
    """No account of the web app has that name."""

    exit_code = 30


class BadAccount(SpeechcaseError):
    """An account that cannot be created or changed (name taken or invalid, password too short, bad role)."""

    exit_code = 31


class ServeRefused(SpeechcaseError):
    """``speechcase serve`` cannot start as asked (no account for a non-loopback address, port in use)."""

    exit_code = 32


class ShareRefused(SpeechcaseError):
    """A talk cannot be shared as asked (no such coach, an invite expired or used)."""

    exit_code = 33


class BadGoal(SpeechcaseError):
    """A goal that cannot be read, or that the talk does not have."""

    exit_code = 34


# 40-49: batches (``speechcase batch``).

class BadManifest(SpeechcaseError):
    """A batch manifest (CSV) that cannot be read or lacks a path column."""

    exit_code = 40


class ClusterUnavailable(SpeechcaseError):
    """The Dask cluster cannot be started or reached, or its workers cannot run speechcase."""

    exit_code = 41


class BatchFailures(SpeechcaseError):
    """Some recordings of a batch failed; the others were stored (each failure is listed with its error)."""

    exit_code = 42


EXIT_INTERRUPTED = 130

#: Exit code -> meaning, for ``speechcase --help`` and the README.
EXIT_CODES = {
    1: "unexpected internal error (rerun with --debug and report it)",
    2: "wrong command-line usage",
    **{cls.exit_code: (cls.__doc__ or cls.__name__).strip().splitlines()[0]
       for cls in (InputMissing, InputIsDirectory, InputEmpty, NotAudio, VideoWithoutAudio, NoSpeech,
                   TooShort, TooLong, ModelUnavailable, BadTranscript, BadFramework, OutputNotWritable,
                   BadAnalysis, StoreNotWritable, NotAStore, StoreTooNew, StoreBusy, UnknownRun, UnknownTalk,
                   BadExport, UnknownFlag, BadTimeSpan, UnknownJob, UnknownUser, BadAccount, ServeRefused,
                   ShareRefused, BadGoal, BadManifest, ClusterUnavailable, BatchFailures)},
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); nothing half-written is left behind",
}
