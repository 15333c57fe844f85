#!/usr/bin/env bash
# Installs the Python packages the integration tests use, once: pyarrow reads the lake back;
# cfn-lint checks the packaged templates; MiniStack (pinned in scripts/ministack.sh) serves a real
# Kinesis API to `--kinesis-endpoint`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import pyarrow' 2>/dev/null; then
  echo "installing pyarrow for the integration tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyarrow
fi
CFN_LINT_VERSION=1.51.0
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('cfn-lint') != '$CFN_LINT_VERSION')" 2>/dev/null; then
  echo "installing cfn-lint $CFN_LINT_VERSION for the template tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
bash scripts/ministack.sh install
