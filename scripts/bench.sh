#!/usr/bin/env bash
# `npm run bench [-- FLAGS]`: builds, runs the benchmarks with FLAGS (bench/run.ts lists them), then
# regenerates docs/cost.md from the results. A script because npm appends FLAGS to the end of a
# script's command line, which in a `a && b && c` chain hands them to c, not to the bench.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build.mjs
node dist/bench.js "$@"
npx tsx scripts/cost-table.ts
