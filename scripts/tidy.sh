#!/usr/bin/env bash
# Runs clang-tidy with the repo's .clang-tidy over the C++ files changed since
# BASE (default: the commit before HEAD), using the build's compile commands.
# A changed header is checked through its own .cpp. Exits 1 on any finding.
#   scripts/tidy.sh [BASE] [BUILD_DIR]     (make tidy BASE=origin/main)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD~1}
build=${2:-build}
command -v clang-tidy >/dev/null || { echo "tidy: clang-tidy is not installed (scripts/install-deps.sh)" >&2; exit 2; }
db=$build/compile_commands.json
[[ -f $db ]] || { echo "tidy: $db is missing; configure the build first (make build)" >&2; exit 2; }
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "tidy: no commit '$base' to compare with; nothing to check"
  exit 0
fi
mapfile -t changed < <(git diff --name-only --diff-filter=ACMR "$base" -- '*.cpp' '*.h' | grep -v -E '^(web|node_modules)/' || true)
files=()
for f in "${changed[@]}"; do
  [[ $f == *.h ]] && f=${f%.h}.cpp
  [[ -f $f ]] && grep -q "\"file\": \"$PWD/$f\"" "$db" && files+=("$f")
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | sed '/^$/d')
if [[ ${#files[@]} -eq 0 ]]; then
  echo "tidy: no compiled C++ file changed since $base"
  exit 0
fi
echo "tidy: ${#files[@]} file(s) changed since $base"
out=$(mktemp)
dbdir=$(mktemp -d)
trap 'rm -rf "$out" "$dbdir"' EXIT
# The release build's commands only: the sanitizer build compiles the same
# files again and would double the work.
python3 -c 'import json,sys; json.dump([e for e in json.load(open(sys.argv[1])) if "_asan.dir" not in e["command"]], open(sys.argv[2],"w"))' "$db" "$dbdir/compile_commands.json"
# GCC-only flags in the compile commands mean nothing to clang: not findings.
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -I{} clang-tidy --quiet -p "$dbdir" --extra-arg=-Wno-unknown-warning-option {} 2>/dev/null |
  tee "$out" >&2 || true
if grep -q -E '(warning|error): ' "$out"; then
  echo "tidy: findings above (.clang-tidy lists the checks)" >&2
  exit 1
fi
echo "tidy: clean"
