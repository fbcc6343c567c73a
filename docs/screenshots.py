"""Retake the dashboard screenshots shown in the README (docs/dashboard-*.png).

Analyses two sample talks with the CLI into a temporary folder, opens each
dashboard in headless Chromium at a laptop's width, selects one flag (as a
coach clicking it would) and saves the top of the page.

    python docs/screenshots.py
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import LAUNCH_ARGS, chromium_path  # noqa: E402

SHOTS = [  # (sample, picture, flag types to select: the first one the talk has)
    ("structured_churn", "dashboard-balanced.png", ["pace_fast", "monotone"]),
    ("rambling_delivery", "dashboard-rambling.png", ["stream_of_consciousness", "hedging"]),
]
WIDTH, HEIGHT = 1366, 1640


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=LAUNCH_ARGS)
        for sample, picture, wanted in SHOTS:
            out = Path(folder) / sample
            subprocess.run([sys.executable, "-m", "speechcase.interfaces.cli.main", "analyze", str(ROOT / "sample_audio" / f"{sample}.flac"),
                            "-o", str(out), "--quiet", "--no-store"], check=True, cwd=ROOT)
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto((out / "dashboard.html").as_uri())
            page.wait_for_selector("body[data-ready='1']")
            types = [f["type"] for f in json.loads((out / "analysis.json").read_text())["flags"]]
            chosen = next((types.index(t) for t in wanted if t in types), None)
            if chosen is not None:
                page.evaluate(f"window.speechcaseDashboard.selectFlag({chosen}, false)")
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.wait_for_timeout(300)
            page.screenshot(path=str(ROOT / "docs" / picture))
            print(f"docs/{picture}: {len(types)} flags")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
