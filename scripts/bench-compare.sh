#!/usr/bin/env bash
# Runs a bench on a given revision and on the work tree, alternately, so both are measured in the
# same period on a shared machine (2 cores with other work running: single runs vary by ±40 %).
# Both runs use the work tree's bench script; the revision only supplies the code under test.
#   scripts/bench-compare.sh <bench script> [REV=HEAD] [ROUNDS=3]
#   e.g. scripts/bench-compare.sh packages/eventstore/bench/eventstore.bench.ts HEAD~3
# OWN_BENCH=1: each side runs its own copy of the bench script (for a bench that had to follow an API
# change between the two revisions; the measurement itself must be the same).
# Prints one line per run (`<label> <the bench's last JSON line>`), then per side the median, min and
# max of every numeric figure (nested arrays keyed by their `adapter`/`model`/`bench` field).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=${1:?usage: scripts/bench-compare.sh <bench script> [REV=HEAD] [ROUNDS=3]}
REV=${2:-HEAD}
ROUNDS=${3:-3}
OLD=$(mktemp -d /tmp/bench-rev.XXXXXX)
OUT=$(mktemp /tmp/bench-out.XXXXXX)
trap 'rm -rf "$OLD" "$OUT"' EXIT
git archive "$REV" | tar -x -C "$OLD"
ln -s "$ROOT/node_modules" "$OLD/node_modules"
[ "${OWN_BENCH:-0}" = 1 ] || cp "$BENCH" "$OLD/$BENCH"
label=$(git rev-parse --short "$REV")
for _ in $(seq "$ROUNDS"); do
  for side in "$label" worktree; do
    dir=$ROOT
    [ "$side" = worktree ] || dir=$OLD
    line=$(cd "$dir" && node --import tsx "$BENCH" 2>/dev/null | tail -1)
    echo "$side $line" | tee -a "$OUT"
  done
done
node -e '
const flat = (v, p, out) => {
  if (typeof v === "number") out[p] = v;
  else if (Array.isArray(v)) v.forEach((x, i) => flat(x, `${p}.${x?.adapter ?? x?.model ?? x?.bench ?? i}`, out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) flat(x, p ? `${p}.${k}` : k, out);
  return out;
};
const by = new Map();
for (const l of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
  const i = l.indexOf(" ");
  const side = l.slice(0, i);
  if (!by.has(side)) by.set(side, []);
  by.get(side).push(flat(JSON.parse(l.slice(i + 1)), "", {}));
}
for (const [side, runs] of by) {
  const out = {};
  for (const k of Object.keys(runs[0])) {
    const v = runs.map((r) => r[k]).filter((x) => x !== undefined).sort((a, b) => a - b);
    out[k] = { median: v[Math.floor((v.length - 1) / 2)], min: v[0], max: v[v.length - 1] };
  }
  console.log(`${side} median/min/max`, JSON.stringify(out));
}' "$OUT"
