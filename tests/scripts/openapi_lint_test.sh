#!/usr/bin/env bash
# Lints the OpenAPI 3.1 document the binary serves with Spectral's OpenAPI
# ruleset (.spectral.yaml); any error or warning fails.
set -euo pipefail
BIN=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SPECTRAL=$ROOT/node_modules/.bin/spectral
if [[ ! -x $SPECTRAL ]]; then
  echo "spectral is not installed: run scripts/install-deps.sh (npm ci)"; exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$BIN" openapi >"$work/openapi.json"
cd "$ROOT"
"$SPECTRAL" lint --ruleset .spectral.yaml --fail-severity=warn "$work/openapi.json"
