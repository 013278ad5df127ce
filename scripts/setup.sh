#!/usr/bin/env bash
# One-time setup on a fresh machine: supported Node, dependencies. Used by `scripts/run.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
export ONNXRUNTIME_NODE_INSTALL=skip
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
