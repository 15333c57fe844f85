#!/usr/bin/env bash
# Installs the Python packages the integration tests use, once: pyarrow reads the lake back;
# MiniStack (a LocalStack-compatible emulator) serves a real Kinesis API to `--kinesis-endpoint`.
set -euo pipefail
MINISTACK_VERSION=1.5.33
missing=()
python3 -c 'import pyarrow' 2>/dev/null || missing+=(pyarrow)
python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('ministack') != '$MINISTACK_VERSION')" 2>/dev/null ||
  missing+=("ministack==$MINISTACK_VERSION")
if ((${#missing[@]})); then
  echo "installing ${missing[*]} for the integration tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
