"""The checks a reviewer would run by hand, run with the tests so they cannot rot: ruff (lint, import order)
and mypy (types) over the package, both configured in pyproject.toml."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or pytest.fail("ruff is part of the test extra: pip install -e '.[test]'")
    result = subprocess.run([ruff, "check", "speechcase", "tests", "benchmarks", "docs", "sample_audio"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_no_type_error():
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "pyproject.toml",
                             "--cache-dir", str(ROOT / ".mypy_cache")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
