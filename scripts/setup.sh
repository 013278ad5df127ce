#!/usr/bin/env bash
# One-time setup on a fresh machine, used by scripts/dev.sh:
#   scripts/setup.sh        supported Node (>= 22.13), dependencies (npm ci when the lock file changed)
#   scripts/setup.sh test   the same, plus the Debian packages the tests use: docker-compose (validates
#                           the compose file without an engine), chromium (HMI browser tests) and
#                           prometheus (promtool checks the alert rules; a real Prometheus scrapes the services)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node-env.sh
export ONNXRUNTIME_NODE_INSTALL=skip
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
stamp=node_modules/.package-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules/.bin ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== installing dependencies (npm ci)"
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi
if [ "${1:-}" = test ]; then
  need_apt=()
  command -v docker-compose >/dev/null 2>&1 || need_apt+=(docker-compose)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  { command -v prometheus && command -v promtool; } >/dev/null 2>&1 || need_apt+=(prometheus)
  # bench:vision baselines (PyTorch CNN, scikit-learn HGB) import from /usr/bin/python3
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need_apt+=(python3-torch)
  /usr/bin/python3 -c 'import sklearn' >/dev/null 2>&1 || need_apt+=(python3-sklearn)
  # bench:training baselines (scikit-learn HGB, XGBoost) import from /usr/bin/python3
  /usr/bin/python3 -c 'import xgboost' >/dev/null 2>&1 || need_apt+=(python3-xgboost)
  if [ ${#need_apt[@]} -gt 0 ]; then
    echo "== installing Debian packages the tests use: ${need_apt[*]}"
    sudo_=()
    [ "$(id -u)" = 0 ] || sudo_=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_[@]}" apt-get install -y "${need_apt[@]}" >/dev/null ||
      { "${sudo_[@]}" apt-get update >/dev/null && "${sudo_[@]}" apt-get install -y "${need_apt[@]}" >/dev/null; }
  fi
fi
