"""The comparison figures of a Talk page, as Plotly JSON for the page's script: the same figures as
``speechcase compare`` (:mod:`speechcase.views.compare`), drawn by the Plotly bundle served at
``/assets/plotly.js`` instead of a copy inlined into every page."""
from __future__ import annotations

import json

from speechcase.rehearsals.store import RunRow
from speechcase.views.compare import allocation_figure, share_figure, trend_figure
from speechcase.views.dashboard.render import script_json


def talk_figures(runs: list[RunRow]) -> str:
    """JSON (safe inside a <script> element) of the allocation, per-section share and trend figures."""
    figures = {name: json.loads(figure(runs).to_json())
               for name, figure in (("allocation", allocation_figure), ("shares", share_figure),
                                    ("trends", trend_figure))}
    return script_json(figures)
