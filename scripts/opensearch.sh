#!/usr/bin/env bash
# A single-node OpenSearch on 127.0.0.1 for `fleetstream run --opensearch` and the search tests.
#
#   scripts/opensearch.sh install   fetch OpenSearch (Maven Central, via mvn) into .tools/
#   scripts/opensearch.sh start     install if needed, start, wait for the cluster to be yellow
#   scripts/opensearch.sh stop      stop it and wait until the port is free
#   scripts/opensearch.sh status    exit 0 when it answers
#
# OPENSEARCH_PORT (default 9200) picks the port; each port has its own data folder under .tools/.
# 2.19 is the newest line that runs on Java 17. OpenSearch refuses to run as root: as root, the
# node runs as the unprivileged user `nobody`.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${OPENSEARCH_VERSION:-2.19.6}
PORT=${OPENSEARCH_PORT:-9200}
TOOLS=$PWD/.tools
HOME_DIR=$TOOLS/opensearch-$VERSION
DATA=$TOOLS/opensearch-data-$PORT
PIDFILE=$DATA/opensearch.pid
URL=http://127.0.0.1:$PORT

say() { echo "opensearch: $*" >&2; }

install() {
  [ -x "$HOME_DIR/bin/opensearch" ] && return 0
  command -v mvn >/dev/null || { say "needs Maven (mvn) to fetch OpenSearch $VERSION"; exit 1; }
  mkdir -p "$TOOLS"
  say "installing OpenSearch $VERSION into $HOME_DIR…"
  # The integ-test distribution: the server and its transport, no plugins (no security plugin, so
  # plain HTTP on loopback), as OpenSearch's own plugin tests use it.
  mvn -q dependency:copy -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$VERSION:zip" \
    -DoutputDirectory="$TOOLS" >&2
  unzip -q -o "$TOOLS/opensearch-$VERSION.zip" -d "$TOOLS"
  rm -f "$TOOLS/opensearch-$VERSION.zip"
}

answering() { curl -fsS -m 2 "$URL/_cluster/health" >/dev/null 2>&1; }

java_home() {
  if [ -n "${OPENSEARCH_JAVA_HOME:-}" ]; then echo "$OPENSEARCH_JAVA_HOME"; return; fi
  command -v java >/dev/null || { say "needs Java 17 (java on PATH or OPENSEARCH_JAVA_HOME)"; exit 1; }
  java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.home = //p'
}

start() {
  install
  if answering; then say "already running on $URL"; return 0; fi
  mkdir -p "$DATA/data" "$DATA/logs"
  local run=()
  if [ "$(id -u)" = 0 ]; then
    chown -R nobody "$HOME_DIR" "$DATA"
    run=(runuser -u nobody --)
  fi
  say "starting on $URL (data in $DATA)…"
  local java
  java=$(java_home)
  "${run[@]}" env OPENSEARCH_JAVA_HOME="$java" OPENSEARCH_JAVA_OPTS="${OPENSEARCH_JAVA_OPTS:--Xms512m -Xmx512m}" \
    "$HOME_DIR/bin/opensearch" -d -p "$PIDFILE" -s \
    -E cluster.name=fleetstream-local -E node.name=local -E discovery.type=single-node \
    -E network.host=127.0.0.1 -E http.port="$PORT" -E transport.port=$((PORT + 100)) \
    -E path.data="$DATA/data" -E path.logs="$DATA/logs" \
    -E cluster.routing.allocation.disk.threshold_enabled=false -E action.auto_create_index=true \
    >"$DATA/logs/console.log" 2>&1 || { say "failed to start:"; cat "$DATA/logs/console.log" >&2; exit 1; }
  for _ in $(seq 1 120); do
    if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
    if curl -fsS -m 2 "$URL/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; then
      say "ready on $URL"
      return 0
    fi
    sleep 1
  done
  say "did not become healthy within 120 s; the end of its log:"
  tail -n 40 "$DATA/logs/fleetstream-local.log" >&2 || true
  stop || true
  exit 1
}

stop() {
  if [ -f "$PIDFILE" ]; then
    local pid
    pid=$(cat "$PIDFILE")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
  fi
  for _ in $(seq 1 20); do answering || { say "stopped ($URL)"; return 0; }; sleep 0.5; done
  say "something still answers on $URL that this script did not start"
  exit 1
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) answering && say "running on $URL" || { say "not running on $URL"; exit 1; } ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
