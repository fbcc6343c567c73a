"""How big and how quick is the dashboard of a long talk?

Repeats a real analysis document (``tests/long_talk.py``) to 10, 30, 60 and 180
minutes, renders each dashboard, and reports the HTML size (Plotly's fixed
bundle and the talk's own part), the render time, and, where Chromium is
installed, how long the page takes to open and to answer a click on a flag.

    python benchmarks/dashboard_size.py speechcase-out/rambling_delivery/analysis.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import LAUNCH_ARGS, chromium_path  # noqa: E402
from long_talk import repeat_document  # noqa: E402

from speechcase.core.document import read_document  # noqa: E402
from speechcase.views.dashboard import render_dashboard  # noqa: E402
from speechcase.views.dashboard.render import plotly_js  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("analysis", type=Path, help="an analysis.json to repeat")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 30, 60, 180])
    args = parser.parse_args()
    doc = json.loads(args.analysis.read_text(encoding="utf-8"))
    bundle = len(plotly_js().encode())
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for minutes in args.minutes:
            long_doc = repeat_document(doc, minutes)
            began = time.perf_counter()
            text = render_dashboard(read_document(long_doc))
            render_s = time.perf_counter() - began
            path = Path(folder) / f"dashboard_{minutes:g}min.html"
            path.write_text(text, encoding="utf-8")
            size = len(text.encode())
            rows.append({"minutes": minutes, "words": len(long_doc["words"]), "sentences": len(long_doc["sentences"]),
                         "flags": len(long_doc["flags"]), "html_mb": size / 1e6, "own_kb": (size - bundle) / 1e3,
                         "render_s": render_s, **browser_times(path, long_doc)})
    print(f"Plotly bundle: {bundle / 1e6:.2f} MB (the same in every dashboard)\n")
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |\n|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")


def browser_times(path: Path, doc: dict) -> dict:
    """Seconds to open the page until both figures are drawn, and the median to answer a flag click."""
    executable = chromium_path()
    if executable is None:
        return {}
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        began = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        open_s = time.perf_counter() - began
        clicks = []
        for k in range(0, len(doc["flags"]), max(1, len(doc["flags"]) // 10))[:10]:
            began = time.perf_counter()
            page.evaluate(f"window.speechcaseDashboard.selectFlag({k}, false)")
            page.evaluate("new Promise(r => requestAnimationFrame(() => r()))")
            clicks.append(time.perf_counter() - began)
        browser.close()
    return {"open_s": open_s, "flag_click_ms": statistics.median(clicks) * 1000 if clicks else 0.0}


if __name__ == "__main__":
    main()
