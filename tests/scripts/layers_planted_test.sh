#!/usr/bin/env bash
# The layering check must fail on includes that point the wrong way: copies
# src/, plants one wrong include of each kind, and expects each named.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../../src
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

plant() {  # FILE LINE EXPECTED-MESSAGE
  rm -rf "$tmp/src" && cp -r "$src" "$tmp/src"
  printf '%s\n' "$2" >> "$tmp/src/$1"
  if out=$(python3 "$here/check_layers.py" "$tmp/src"); then
    echo "FAIL: '$2' in $1 passed the layering check"; exit 1
  fi
  if ! grep -qF -- "$3" <<<"$out"; then
    echo "FAIL: '$2' in $1: expected '$3' in:"; echo "$out"; exit 1
  fi
  echo "ok: '$2' in $1 -> $(grep -F -- "$3" <<<"$out" | head -1)"
}

python3 "$here/check_layers.py" "$src" >/dev/null || { echo "FAIL: the tree itself does not pass"; exit 1; }
plant core/change.cpp '#include "http/api.h"' 'core/ may not include http/'
plant core/clock.h '#include "storage/open_store.h"' 'core/ may not include storage/'
plant http/openapi.cpp '#include "server/local_app.h"' 'http/ may not include server/'
plant cli/change_cmd.cpp '#include "storage/sqlite/sqlite_store.h"' 'cli/ may include only these storage/ headers'
plant server/jobs.cpp '#include "storage/sql/sql_tx.h"' 'server/ may include only these storage/ headers'
plant cli/accounts.cpp '#include "http/resources/representations.h"' 'cli/ may include only these http/ headers'
plant crypto/merkle.cpp '#include "core/status.h"' 'crypto/ may not include core/'
plant platform/log.cpp '#include "core/clock.h"' 'platform/ may not include core/'
plant storage/open_store.cpp '#include "ingest/kubernetes.h"' 'storage/ may not include ingest/'
plant http/api.cpp '#include "app/version.h"' 'http/ may not include app/'
plant core/ids.cpp '#include "status.h"' 'not a layer-qualified path'
echo "layering check: every planted include was named"
