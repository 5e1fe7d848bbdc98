"""The lesson runner of tests/test_lessons_2.py, for the later lessons' tests, and its one-BLAS-thread form."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from threadpoolctl import threadpool_limits

# imported by path: the tests are not a package
_spec = importlib.util.spec_from_file_location("_lessons_2", Path(__file__).with_name("test_lessons_2.py"))
_lessons = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_lessons)
run = _lessons.run


def run_on_one_blas_thread(page: str) -> dict:
    """Run a lesson page with one BLAS thread: on a loaded machine OpenBLAS's second thread spins and bills the
    page's CPU budget for waiting (the pages' matrices are small; they do not run faster with two)."""
    with threadpool_limits(limits=1):
        return run(page)
