#!/usr/bin/env bash
# Installs the Python packages the tests use, once: pyspark and pytest for the batch job
# (jobs/requirements.txt; a local Spark needs Java 17); pyarrow reads the lake back;
# cfn-lint and checkov check the packaged templates (checkov in a virtualenv of its own under
# .tools/, as its many dependencies would otherwise pin the shared interpreter's); MiniStack
# (pinned in scripts/ministack.sh) serves a real Kinesis API to `--kinesis-endpoint`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c 'import pyarrow' 2>/dev/null; then
  echo "installing pyarrow for the integration tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check pyarrow
fi
while read -r requirement; do
  case "$requirement" in '' | '#'*) continue ;; esac
  name=${requirement%%==*} version=${requirement#*==}
  if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('$name') != '$version')" 2>/dev/null; then
    echo "installing $requirement for the batch job's tests (pyspark is about 320 MB)…" >&2
    python3 -m pip install --quiet --disable-pip-version-check "$requirement"
  fi
done <jobs/requirements.txt
CFN_LINT_VERSION=1.51.0
if ! python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('cfn-lint') != '$CFN_LINT_VERSION')" 2>/dev/null; then
  echo "installing cfn-lint $CFN_LINT_VERSION for the template tests…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "cfn-lint==$CFN_LINT_VERSION"
fi
CHECKOV_VERSION=3.3.30
CHECKOV_VENV=.tools/checkov
if [ "$("$CHECKOV_VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  echo "installing checkov $CHECKOV_VERSION for the template tests (in $CHECKOV_VENV)…" >&2
  python3 -m venv "$CHECKOV_VENV"
  "$CHECKOV_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi
bash scripts/ministack.sh install
