#!/usr/bin/env bash
# Installs the Python packages the integration tests use, once: pyarrow reads the lake back;
# MiniStack (pinned in scripts/ministack.sh) serves a real Kinesis API to `--kinesis-endpoint`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import pyarrow' 2>/dev/null; then
  echo "installing pyarrow for the integration tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyarrow
fi
bash scripts/ministack.sh install
