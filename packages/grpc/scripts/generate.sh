#!/usr/bin/env bash
# Regenerates the committed TypeScript of proto/ into packages/grpc/src/gen (or into $1, used by
# the up-to-date test): ts-proto messages + grpc-js service definitions, and a descriptor set
# (descriptors.binpb) from which the servers answer reflection.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/packages/grpc/src/gen}"
out="$(mkdir -p "$out" && cd "$out" && pwd)"
export PATH="$root/node_modules/.bin:$PATH"
cd "$root"
rm -rf "$out/industrial" "$out/descriptors.binpb"
buf generate proto --template proto/buf.gen.yaml -o "$out"
buf build proto --exclude-source-info -o "$out/descriptors.binpb"
