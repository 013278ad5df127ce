#!/usr/bin/env bash
# Tracing cost (issue 20): runs bench:dataops and bench:inference with tracing off and on in turn
# (BENCH_TRACING=0/1, head sampling at OTEL_SAMPLE_RATIO, default 0.1), PAIRS times each, and prints
# one line per run with the 1-minute load average before and after it, then the bench's JSON line.
#   scripts/bench-tracing.sh            # 3 pairs of each bench
#   PAIRS=8 BENCHES=inference scripts/bench-tracing.sh
# Only meaningful on a quiet machine: compare the load columns.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=node-env.sh
source scripts/node-env.sh
export ONNXRUNTIME_NODE_INSTALL=skip
PAIRS=${PAIRS:-3}
for b in ${BENCHES:-dataops inference}; do
  for i in $(seq "$PAIRS"); do
    for t in 0 1; do
      l0=$(cut -d' ' -f1 /proc/loadavg)
      s=$(date +%s)
      line=$(BENCH_TRACING=$t npm run -s "bench:$b" 2>/dev/null | tail -1)
      l1=$(cut -d' ' -f1 /proc/loadavg)
      echo "$b pair=$i tracing=$t load=$l0-$l1 secs=$(($(date +%s) - s)) $line"
    done
  done
done
