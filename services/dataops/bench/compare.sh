#!/usr/bin/env bash
# Runs the dataops bench on a given revision and on the work tree, alternately, so both are measured
# in the same period on a shared machine. Both runs use the work tree's bench script (the revision
# only supplies the code under test). Usage: services/dataops/bench/compare.sh [REV=HEAD] [ROUNDS=3]
# Prints one line per run: `<label> <bench JSON>`.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
REV=${1:-HEAD}
ROUNDS=${2:-3}
OLD=$(mktemp -d /tmp/dataops-bench-rev.XXXXXX)
trap 'rm -rf "$OLD"' EXIT
git archive "$REV" | tar -x -C "$OLD"
ln -s "$ROOT/node_modules" "$OLD/node_modules"
cp services/dataops/bench/dataops.bench.ts "$OLD/services/dataops/bench/dataops.bench.ts"
label=$(git rev-parse --short "$REV")
for _ in $(seq "$ROUNDS"); do
  for side in "$label" worktree; do
    dir=$ROOT
    [ "$side" = worktree ] || dir=$OLD
    line=$(cd "$dir" && node --import tsx services/dataops/bench/dataops.bench.ts 2>/dev/null | tail -1)
    echo "$side $line"
  done
done
