#!/usr/bin/env bash
# The two commands for a fresh machine:
#   scripts/dev.sh start   set up (Node >= 22, npm ci) and run the whole platform on embedded defaults
#   scripts/dev.sh test    set up and run every test (unit, integration against the machine's NATS/PostgreSQL, e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh "${1:-}"
source scripts/node-env.sh
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
case "${1:-}" in
  start) shift; exec npm start -- "$@" ;;
  test) shift; exec npm test -- "$@" ;;
  *) echo "usage: scripts/dev.sh start|test" >&2; exit 2 ;;
esac
