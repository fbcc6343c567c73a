"""The frame of the pages with charts (comparison, cohort): one self-contained HTML file with plotly.js
inlined (never fetched from a CDN), so it opens offline by double-click."""
from __future__ import annotations

import html

import plotly.graph_objects as go
import plotly.io as pio

from speechcase.views.dashboard.render import plotly_js

PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def figure_divs(figures: dict[str, go.Figure]) -> dict[str, str]:
    """Each figure as a ``<div id="fig-NAME">`` for the page (plotly.js comes once, with :func:`plotly_page`)."""
    return {name: pio.to_html(fig, full_html=False, include_plotlyjs=False, config=PLOT_CONFIG, div_id=f"fig-{name}")
            for name, fig in figures.items()}


def plotly_page(title: str, css: str, body: str) -> str:
    """The whole page: ``title`` (escaped here), the styles, plotly.js, and ``body``, HTML whose user text the
    caller has escaped."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · speechcase</title>
<style>{css}</style>
<script type="text/javascript">{plotly_js()}</script>
</head>
<body>
{body}
</body>
</html>
"""
