"""notebooks/walkthrough.ipynb runs from top to bottom, and is committed without outputs."""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert NOTEBOOK.stat().st_size < 20_000


@pytest.mark.slow
def test_notebook_runs(tmp_path):
    """Executed in a copy of the repository layout (the notebook finds sample_audio/ beside its folder)."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(NOTEBOOK, tmp_path / "notebooks")
    (tmp_path / "sample_audio").symlink_to(ROOT / "sample_audio")
    nb = nbformat.read(tmp_path / "notebooks" / NOTEBOOK.name, as_version=4)
    scratch = set(Path(tempfile.gettempdir()).glob("speechcase-walkthrough-*"))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    assert re.search(r"run 1: 119 s, \d+ words, \d+ wpm", text)  # the take's summary, from the typed document
    assert "filled_pause" in text and "um" in text  # the fillers table of the rambling take
    assert "deep-dive" in text and "hook" in text  # re-analysed with the deep-dive framework
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == 2  # pace and fillers over time; time allocation across takes
    assert set(Path(tempfile.gettempdir()).glob("speechcase-walkthrough-*")) <= scratch  # it cleans up after itself
