#!/usr/bin/env bash
# Build examples/fastapi/.venv on first use (or when requirements.txt changes) and run
# the example's end-to-end tests, through a real uvicorn process and httpx. Needs only
# Python 3.11 or newer; set PYTHON to pick one. The PostgreSQL half needs the server of
# CARTEIRA_TEST_POSTGRES_URL; without it, it skips (with CI=true, it fails).
set -euo pipefail
cd "$(dirname "$0")"
PYTHON="${PYTHON:-python3}"
VENV=.venv
STAMP="$VENV/.installed"
if [ ! -f "$STAMP" ] || [ requirements.txt -nt "$STAMP" ]; then
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the example needs Python 3.11 or newer; set PYTHON=python3.11")'
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
    touch "$STAMP"
fi
exec "$VENV/bin/python" -m pytest "$@"
