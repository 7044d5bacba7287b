#!/usr/bin/env bash
# The web UI's generated API types (web/src/generated/api.ts) must be what
# openapi-typescript makes of this binary's OpenAPI document: a change to the
# API fails here until the types are regenerated, and then the UI's type
# check (web/src/api_contract.ts) names every field the UI reads that moved.
# Usage: web_api_types_test.sh CHANGELEDGER_BINARY
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" openapi > "$tmp/openapi.json"
"$root/web/node_modules/.bin/openapi-typescript" "$tmp/openapi.json" -o "$tmp/api.ts" --silent
if ! diff -u "$root/web/src/generated/api.ts" "$tmp/api.ts" > "$tmp/diff"; then
  head -60 "$tmp/diff"
  echo "FAIL: web/src/generated/api.ts is out of date with the API; regenerate it:"
  echo "  $bin openapi > /tmp/openapi.json && (cd web && npx openapi-typescript /tmp/openapi.json -o src/generated/api.ts)"
  exit 1
fi
echo "web/src/generated/api.ts matches the API ($(wc -l < "$tmp/api.ts") lines)"
