"""``speechcase serve``: the web app, offline, on the CLI's store.

The command checks what it can before anything starts (the store opens, the
port is free, an address other than loopback is refused while no account
exists), then hands over to uvicorn, which loads the app by its import string:
the CLI never imports the web package, which stays a leaf of the package.
"""
from __future__ import annotations

import errno
import socket
from pathlib import Path

import click

from speechcase.core.errors import ServeRefused
from speechcase.interfaces.cli.app import main, open_cli_store, store_option


class ByteSize(click.ParamType):
    """``2GB``, ``500MB``, ``1.5G``, ``750k`` or a number of bytes (decimal units)."""

    name = "size"
    _UNITS = {"": 1, "b": 1, "k": 10 ** 3, "kb": 10 ** 3, "m": 10 ** 6, "mb": 10 ** 6, "g": 10 ** 9, "gb": 10 ** 9}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower().replace(" ", "")
        number = text.rstrip("kmgb")
        unit = text[len(number):]
        try:
            size = int(float(number) * self._UNITS[unit])
        except (ValueError, KeyError):
            self.fail(f"{value!r} is not a size; use e.g. 2GB, 500MB or 1000000.", param, ctx)
        if size <= 0:
            self.fail("the size must be positive.", param, ctx)
        return size


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeRefused(f"Port {port} on {host} is already in use (another speechcase serve?); pass "
                                   "--port with a free port.") from exc
            raise ServeRefused(f"Cannot listen on {host}:{port} ({exc.strerror}); pass --host 127.0.0.1 or another "
                               "address of this machine.") from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback (e.g. 0.0.0.0 for a cohort) needs an account first.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@store_option
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for uploaded recordings [default: speechcase-web/ beside the store].")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 16),
              help="Analysis worker processes (each loads the models once; jobs run one per worker).")
@click.option("--max-upload", default="2GB", show_default=True, type=ByteSize(),
              help="Largest upload accepted (a coach's batch: all its recordings together).")
@click.option("--batch-workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Local Dask workers for coaches' batches (each loads the models once); unused where "
                   "SPEECHCASE_DASK_SCHEDULER names an existing Dask cluster.")
@click.option("--model", default=None, metavar="NAME|PATH",
              help="Whisper model for every take the app analyses, as `analyze --model` takes it (e.g. base, with "
                   "the whisper-base extra). Default: the embedded tiny.en.")
def serve(host: str, port: int, store_path: Path | None, data_dir: Path | None, workers: int, max_upload: int,
          batch_workers: int, model: str | None) -> None:
    """Start the web app: upload or record takes, follow their analysis, compare rehearsals, share with a coach.

    Open http://127.0.0.1:8765 (the address printed); stop with Ctrl-C. Runs
    recorded by the CLI show in the app and the other way round (one store).
    """
    import uvicorn

    from speechcase.analysis.transcribe import fetch_model
    from speechcase.rehearsals.accounts import has_users

    if model is not None:
        fetch_model(model)  # a model that cannot be loaded is refused now, not in every worker

    with open_cli_store(store_path) as store:
        store_file = store.path
        accounts = has_users(store)
    assert store_file is not None
    settings_env = _settings(host, port, store_file, data_dir, workers, max_upload, batch_workers, model)
    loopback = host in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")
    if not accounts and not loopback:
        raise ServeRefused(f"No account exists yet, so the app would be open to anyone who reaches {host}; create "
                           "one first with `speechcase users add NAME --role candidate` (or --role admin), then "
                           "start the server again.")
    _check_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"speechcase serve: http://{shown}:{port} (store {store_file}; {workers} analysis worker"
               f"{'s' if workers > 1 else ''} with Whisper {model or 'tiny.en'}; uploads up to "
               f"{max_upload / 1e9:g} GB). Ctrl-C stops it.")
    if not accounts:
        click.echo("No account exists yet: create one with `speechcase users add NAME --role candidate` "
                   f"{'--store ' + str(store_file) + ' ' if store_path else ''}in another terminal, then sign in.")
    import os

    from speechcase.interfaces.cli.app import DEBUG_ENV

    os.environ["SPEECHCASE_WEB_SETTINGS"] = settings_env
    uvicorn.run("speechcase.interfaces.web.app:create_app", factory=True, host=host, port=port,
                log_level="debug" if os.environ.get(DEBUG_ENV) == "1" else "warning", timeout_graceful_shutdown=5)


def _settings(host: str, port: int, store_file: Path, data_dir: Path | None, workers: int, max_upload: int,
              batch_workers: int, model: str | None = None) -> str:
    """The app's settings as the JSON its factory reads (see speechcase/interfaces/web/settings.py)."""
    import json

    data = (data_dir or store_file.parent / "speechcase-web").expanduser().resolve()
    return json.dumps({"store": str(store_file.resolve()), "data": str(data), "host": host, "port": port,
                       "workers": workers, "max_upload": max_upload, "batch_workers": batch_workers,
                       "model": model})
