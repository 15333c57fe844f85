#!/usr/bin/env bash
# MiniStack, the LocalStack-compatible emulator the e2e suite deploys to (no Docker, no account).
#
#   scripts/ministack.sh install   pip-install the pinned version when missing
#   scripts/ministack.sh start     install, start on 127.0.0.1:${MINISTACK_PORT:-4566} with its state in a
#                                  fresh temporary folder, wait until healthy
#   scripts/ministack.sh stop      stop it and everything it started (the Lambda workers), free the port
#
# MiniStack runs Node.js Lambdas with the first `node` on PATH: start it with Node 24 first.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.5.33
PORT=${MINISTACK_PORT:-4566}
RUN=$PWD/.tools/ministack-$PORT
URL=http://127.0.0.1:$PORT

say() { echo "ministack: $*" >&2; }

install() {
  if python3 -c "import importlib.metadata as m, sys; sys.exit(m.version('ministack') != '$VERSION')" 2>/dev/null; then
    return 0
  fi
  say "installing ministack $VERSION…"
  python3 -m pip install --quiet --disable-pip-version-check "ministack==$VERSION"
}

healthy() { curl -fsS -m 2 "$URL/_localstack/health" >/dev/null 2>&1; }

start() {
  install
  if healthy; then say "something already answers on $URL; stop it first"; exit 1; fi
  mkdir -p "$RUN"
  local state
  state=$(mktemp -d "${TMPDIR:-/tmp}/fleetstream-ministack-XXXXXX")
  echo "$state" >"$RUN/state-dir"
  say "starting on $URL with node $(node --version) for the Lambdas (state in $state)…"
  # Its own session, so `stop` can end it with every Lambda worker it spawned.
  GATEWAY_PORT=$PORT BIND_HOST=127.0.0.1 IOT_MTLS_ENABLED=0 STATE_DIR="$state/state" S3_DATA_DIR="$state/s3" \
    setsid python3 -m ministack >"$RUN/ministack.log" 2>&1 </dev/null &
  echo $! >"$RUN/pid"
  for _ in $(seq 1 60); do
    if healthy; then say "ready on $URL (log: $RUN/ministack.log)"; return 0; fi
    kill -0 "$(cat "$RUN/pid")" 2>/dev/null || break
    sleep 0.5
  done
  say "did not become healthy; the end of its log:"
  tail -n 30 "$RUN/ministack.log" >&2 || true
  stop || true
  exit 1
}

stop() {
  if [ -f "$RUN/pid" ]; then
    local pid
    pid=$(cat "$RUN/pid")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$RUN/pid"
  fi
  if [ -f "$RUN/state-dir" ]; then rm -rf "$(cat "$RUN/state-dir")"; rm -f "$RUN/state-dir"; fi
  for _ in $(seq 1 20); do healthy || { say "stopped"; return 0; }; sleep 0.5; done
  say "something still answers on $URL that this script did not start"
  exit 1
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
