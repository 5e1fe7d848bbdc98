#!/usr/bin/env bash
# The test command (README, .ci/run). Installs neuronkit with its test extra and the reference libraries
# (torch, snnTorch, nirtorch and Captum in one pip command, so that pip keeps the local CPU build of torch), gives
# Brian2 a virtual environment of its own (Brian2 2.9.0 imports only with NumPy < 2.3, and pip would install
# it beside NumPy 2.4 without complaint), installs Debian's chromium when it is missing (pip cannot install it;
# the dashboard's browser test drives it through Playwright), then runs pytest with any arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; then
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
fi
pip install -q -e ".[test]" "torch==2.13.0" "snntorch==1.0.0" "nirtorch==2.6" "captum==0.9.0"
if [ ! -x .venv-brian2/bin/python ]; then
  python -m venv .venv-brian2
fi
.venv-brian2/bin/pip install -q "brian2==2.9.0" "numpy<2.3"
export NEURONKIT_BRIAN2_PYTHON="$PWD/.venv-brian2/bin/python"  # tests/_brian2.py runs Brian2 through it
exec python -m pytest "$@"
