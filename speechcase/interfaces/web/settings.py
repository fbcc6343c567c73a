"""What ``speechcase serve`` was started with: one frozen object, handed to the app and its workers.

The command line builds it; uvicorn starts the app from its import string
(``speechcase.interfaces.web.app:create_app``), so the settings travel in one
environment variable as JSON (:func:`WebSettings.to_env` / :func:`from_env`).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from speechcase.analysis.audio import DEFAULT_MAX_DURATION

if TYPE_CHECKING:
    from speechcase.analysis.pipeline import AnalyzeOptions

SETTINGS_ENV = "SPEECHCASE_WEB_SETTINGS"
DEFAULT_PORT = 8765
DEFAULT_MAX_UPLOAD = 2_000_000_000  # 2 GB


@dataclass(frozen=True)
class WebSettings:
    """Args:
        store: The rehearsal store (the same file the CLI uses).
        data: Folder for uploaded recordings (``audio/``), coaches' batches (``batches/``) and uploads being
            received (``uploads/``).
        workers: Analysis worker processes (each keeps its models loaded).
        max_upload: Largest upload accepted, in bytes (a coach's batch: all its files together).
        max_duration: Longest recording accepted, in seconds.
        batch_workers: Local Dask workers for coaches' batches (each loads the models once); ignored where
            ``$SPEECHCASE_DASK_SCHEDULER`` names an existing cluster.
        model: The Whisper model every take is transcribed with (``analyze --model``'s NAME or PATH); None: the
            embedded tiny.en.
    """

    store: Path
    data: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    workers: int = 1
    max_upload: int = DEFAULT_MAX_UPLOAD
    max_duration: float = DEFAULT_MAX_DURATION
    batch_workers: int = 1
    model: str | None = None

    @property
    def uploads(self) -> Path:
        return self.data / "uploads"

    @property
    def audio(self) -> Path:
        return self.data / "audio"

    @property
    def batches(self) -> Path:
        """Where coaches' batches keep their recordings (``batches/<random folder>/<file name>``)."""
        return self.data / "batches"

    def analyze_options(self, framework: str | None = None) -> AnalyzeOptions:
        """The analysis options of every take this app analyses (uploads, re-analyses, coaches' batches)."""
        from speechcase.analysis.frameworks import DEFAULT_FRAMEWORK
        from speechcase.analysis.pipeline import AnalyzeOptions  # the analysis stack, in the workers only

        return AnalyzeOptions(framework=framework or DEFAULT_FRAMEWORK, model=self.model,
                              max_duration=self.max_duration)

    def to_env(self) -> str:
        return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()})

    @classmethod
    def from_env(cls) -> WebSettings:
        raw = os.environ.get(SETTINGS_ENV)
        if not raw:
            raise RuntimeError(f"{SETTINGS_ENV} is not set; start the app with `speechcase serve`.")
        values = json.loads(raw)
        return cls(**{**values, "store": Path(values["store"]), "data": Path(values["data"])})
