"""The Jinja2 environment of the pages: autoescaping on for every template, and the formatting filters.

Every value a template prints is escaped unless a view marks it safe, so a talk
name, a file name or a comment holding ``<script>`` shows as those characters.
"""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader
from starlette.templating import Jinja2Templates

from speechcase.core.formatting import format_duration, local_time, percent, span_label
from speechcase.core.version import __version__
from speechcase.views.compare import goal_at, goal_mark
from speechcase.views.dashboard.settings import default_settings

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(duration=format_duration, local_time=local_time, percent=percent, span=span_label,
                       flag_title=default_settings().flag_title)  # the dashboard's titles ("Section too short")
    env.globals.update(version=__version__, goal_mark=goal_mark, goal_at=goal_at)  # goals as `speechcase compare`
    return env


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
