#!/usr/bin/env bash
# Installs the Python packages the integration tests use (pyarrow reads the lake back), once.
set -euo pipefail
if ! python3 -c 'import pyarrow' 2>/dev/null; then
  echo "installing pyarrow for the lake read-back test…" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyarrow
fi
