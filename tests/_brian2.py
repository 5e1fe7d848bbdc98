"""Run a Brian2 script in Brian2's own virtual environment (Brian2 2.9 imports only with NumPy < 2.3).

``scripts/test.sh`` makes the environment (``.venv-brian2/``) and names its Python in
``NEURONKIT_BRIAN2_PYTHON``. A test that needs Brian2 calls :func:`run_brian2`: it fails (never skips) when the
environment is missing, with the command that makes it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def brian2_python() -> str:
    """The Python of Brian2's environment: $NEURONKIT_BRIAN2_PYTHON, else .venv-brian2/bin/python in the checkout."""
    given = os.environ.get("NEURONKIT_BRIAN2_PYTHON")
    path = Path(given) if given else ROOT / ".venv-brian2" / "bin" / "python"
    if not path.exists():
        pytest.fail(f"Brian2's environment is missing ({path}); run the tests with `bash scripts/test.sh`, which "
                    "makes it (python -m venv .venv-brian2 && .venv-brian2/bin/pip install brian2==2.9.0 'numpy<2.3')")
    return str(path)


def run_brian2(script: str, *args: str, timeout: float = 600) -> Any:
    """Run ``script`` (Python source) with Brian2's Python and the given arguments; its stdout's last line as JSON."""
    proc = subprocess.run([brian2_python(), "-c", script, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)
    assert proc.returncode == 0, f"the Brian2 script failed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])
