#!/usr/bin/env bash
# Usage: scripts/cpu-by-thread.sh [DIST] [EVENTS] [RUN ARGS...]
#
# Per-thread CPU of one `fleetstream run` (fleet events, 2 shards, 1 ingest worker, no verification),
# read from /proc every 0.2 s, with V8's --single-threaded-gc so each thread's garbage collection is
# counted in that thread. With one ingest worker there are two worker threads: the larger is ingest,
# the smaller aggregate. DIST defaults to dist/ (a copy of a whole dist/, chunks/ included, compares two builds:
# alternate them, and on a shared machine compare a thread's CPU to an unchanged thread's).
# Linux only (/proc). Measurements take the lock /tmp/fleetstream-bench.lock, one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
dist=${1:-dist}
events=${2:-1000000}
shift $(( $# < 2 ? $# : 2 ))
node=node_modules/node/bin/node
[ -x "$node" ] || node=node
out=$(mktemp -d "${TMPDIR:-/tmp}/cpu-by-thread-XXXXXX")
trap 'rm -rf "$out"' EXIT
exec 9>/tmp/fleetstream-bench.lock
flock 9
"$node" --single-threaded-gc "$dist/cli.js" run --events "$events" --shards 2 --ingest-workers 1 --no-verify \
  --out "$out/run" "$@" >"$out/log" 2>&1 &
pid=$!
declare -A last
while kill -0 "$pid" 2>/dev/null; do
  for task in /proc/"$pid"/task/*; do
    stat=$(cat "$task/stat" 2>/dev/null) || continue
    name=$(cat "$task/comm" 2>/dev/null) || continue
    fields=(${stat##*) })
    # utime and stime, in clock ticks (fields 14 and 15 of /proc/<pid>/task/<tid>/stat)
    last[${task##*/}]="$name $(( fields[11] + fields[12] ))"
  done
  sleep 0.2
done
wait "$pid" || { cat "$out/log"; exit 1; }
ticks=$(getconf CLK_TCK)
for tid in "${!last[@]}"; do echo "${last[$tid]}"; done | sort -k2 -nr |
  awk -v hz="$ticks" '{ s = $2 / hz; by[$1] += s; total += s; if ($1 == "WorkerThread") w[++n] = s }
    END { printf "ingest %.2f  aggregate %.2f  main %.2f  libuv %.2f  v8-other %.2f  total %.2f (CPU-s)\n",
      w[1], w[2], by["MainThread"], by["libuv-worker"], by["V8Worker"], total }'
grep -E "wall time" "$out/log"
