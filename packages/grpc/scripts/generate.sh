#!/usr/bin/env bash
# Regenerates the committed TypeScript of proto/ into packages/grpc/src/gen (or into $1, used by
# the up-to-date test): ts-proto messages + grpc-js service definitions, and a descriptor set
# (descriptors.binpb) from which the servers answer reflection: every file of proto/ with its
# imports, then grpc/health/v1/health.proto (the health service every server adds, from
# grpc-health-check, under its canonical path).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="${1:-$root/packages/grpc/src/gen}"
out="$(mkdir -p "$out" && cd "$out" && pwd)"
export PATH="$root/node_modules/.bin:$PATH"
cd "$root"
rm -rf "$out/industrial" "$out/descriptors.binpb"
buf generate proto --template proto/buf.gen.yaml -o "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/health/grpc/health/v1"
cp node_modules/grpc-health-check/proto/health/v1/health.proto "$tmp/health/grpc/health/v1/"
buf build proto --exclude-source-info -o "$tmp/platform.binpb"
buf build "$tmp/health" --exclude-source-info -o "$tmp/health.binpb"
# Two serialized FileDescriptorSets one after the other are one set holding the files of both.
cat "$tmp/platform.binpb" "$tmp/health.binpb" >"$out/descriptors.binpb"
