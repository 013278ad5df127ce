#!/usr/bin/env bash
# Runs bench:eventstore on a given revision and on the work tree, alternately, so both are measured in
# the same period on a shared machine (2 cores, other work running: single runs vary by ±40 %). Both
# runs use the work tree's bench script; the revision only supplies the code under test.
# Usage: packages/eventstore/bench/compare.sh [REV=HEAD] [ROUNDS=3]
# Prints one line per run (`<label> <postgres result JSON>`), then the median and best of each figure.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
REV=${1:-HEAD}
ROUNDS=${2:-3}
OLD=$(mktemp -d /tmp/eventstore-bench-rev.XXXXXX)
OUT=$(mktemp /tmp/eventstore-bench-out.XXXXXX)
trap 'rm -rf "$OLD" "$OUT"' EXIT
git archive "$REV" package.json packages/eventstore | tar -x -C "$OLD"
ln -s "$ROOT/node_modules" "$OLD/node_modules"
cp packages/eventstore/bench/eventstore.bench.ts "$OLD/packages/eventstore/bench/eventstore.bench.ts"
label=$(git rev-parse --short "$REV")
for _ in $(seq "$ROUNDS"); do
  for side in "$label" worktree; do
    dir=$ROOT
    [ "$side" = worktree ] || dir=$OLD
    line=$(cd "$dir" && node --import tsx packages/eventstore/bench/eventstore.bench.ts 2>/dev/null | tail -1)
    echo "$side $line" >> "$OUT"
    echo "$side $(node -e 'const j = JSON.parse(process.argv[1]); console.log(JSON.stringify(j.results.find((r) => r.adapter === "postgres")))' "$line")"
  done
done
node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
const by = new Map();
for (const l of lines) {
  const i = l.indexOf(" ");
  const side = l.slice(0, i);
  for (const r of JSON.parse(l.slice(i + 1)).results) {
    const k = `${side} ${r.adapter}`;
    if (!by.has(k)) by.set(k, []);
    by.get(k).push(r);
  }
}
const keys = ["append_events_per_s", "batch_append_events_per_s", "read_all_events_per_s", "verify_events_per_s"];
for (const [k, rs] of by) {
  const out = {};
  for (const f of keys) {
    const v = rs.map((r) => r[f]).sort((a, b) => a - b);
    out[f] = { median: v[Math.floor((v.length - 1) / 2)], best: v[v.length - 1] };
  }
  console.log(k, JSON.stringify(out));
}' "$OUT"
