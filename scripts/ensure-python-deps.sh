#!/usr/bin/env bash
# Installs the Python packages the tests use, once: pyspark and pytest for the batch job
# (jobs/requirements.txt; a local Spark needs Java 17); pyarrow reads the lake back;
# cfn-lint checks the packaged templates; MiniStack (pinned in scripts/ministack.sh) serves a real
# Kinesis API to `--kinesis-endpoint`.
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
bash scripts/ministack.sh install
