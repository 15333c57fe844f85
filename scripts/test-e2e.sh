#!/usr/bin/env bash
# npm run test:e2e: deploy stage `local` to an emulator, run test/e2e against it, remove the stack
# and stop the emulator, also when a test fails.
#
#   EMULATOR=ministack (default)  install and start MiniStack on 127.0.0.1:4566, stop it afterwards
#   EMULATOR=localstack           use a LocalStack you started (needs LOCALSTACK_AUTH_TOKEN)
set -euo pipefail
cd "$(dirname "$0")/.."

# MiniStack runs the Lambdas with the first node on PATH: Node 24, from the node@24 package.
export PATH="$PWD/node_modules/.bin:$PATH"
EMULATOR=${EMULATOR:-ministack}
export AWS_ENDPOINT_URL=${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}
# Placeholders the emulators accept; real credentials are never needed nor read here.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
unset AWS_PROFILE AWS_SESSION_TOKEN

case "$EMULATOR" in
  ministack)
    MINISTACK_PORT=$(echo "$AWS_ENDPOINT_URL" | sed -E 's#.*:([0-9]+)/?$#\1#') bash scripts/ministack.sh start
    ;;
  localstack)
    [ -n "${LOCALSTACK_AUTH_TOKEN:-}" ] || { echo "EMULATOR=localstack needs LOCALSTACK_AUTH_TOKEN" >&2; exit 2; }
    curl -fsS -m 5 "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null ||
      { echo "no LocalStack answers on $AWS_ENDPOINT_URL: start it first" >&2; exit 2; }
    ;;
  *) echo "EMULATOR must be ministack or localstack, got $EMULATOR" >&2; exit 2 ;;
esac

cleanup() {
  local status=$?
  echo "e2e: removing the stack…" >&2
  sls remove --stage local --param enhancedFanOut=false >/dev/null 2>&1 || echo "e2e: sls remove failed (the emulator is stopped anyway)" >&2
  if [ "$EMULATOR" = ministack ]; then
    MINISTACK_PORT=$(echo "$AWS_ENDPOINT_URL" | sed -E 's#.*:([0-9]+)/?$#\1#') bash scripts/ministack.sh stop || true
  fi
  exit "$status"
}
trap cleanup EXIT

# The suite runs the built CLI (`fleetstream sfn --stage local`) against the deployed stack.
node scripts/build.mjs
started=$(date +%s)
# MiniStack's CloudFormation has no AWS::Kinesis::StreamConsumer: the emulator's ingest mapping polls.
sls deploy --stage local --param enhancedFanOut=false
echo "e2e: deployed in $(($(date +%s) - started)) s" >&2
mkdir -p .jest
# A function that fails to start leaves only START/END in CloudWatch; the emulator's own log has the error.
if [ "$EMULATOR" = ministack ]; then
  export MINISTACK_LOG="$PWD/.tools/ministack-$(echo "$AWS_ENDPOINT_URL" | sed -E 's#.*:([0-9]+)/?$#\1#')/ministack.log"
fi
EMULATOR=$EMULATOR NODE_OPTIONS=--experimental-vm-modules \
  jest --selectProjects e2e --runInBand --json --outputFile=.jest/e2e.json
