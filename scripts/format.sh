#!/usr/bin/env bash
# Formats (default) or checks (--check) every tracked C++ file with the repo's
# .clang-format. `--check` prints the offending files and exits 1; it is what
# scripts.format runs inside `make test`, so .ci/run fails on unformatted code.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
command -v clang-format >/dev/null || { echo "clang-format is not installed (scripts/install-deps.sh installs it)" >&2; exit 2; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.h' '*.cpp' '*.cpp.in' | grep -v -E '^(web|node_modules)/')
else  # an unpacked tarball: the same folders
  mapfile -t files < <(find src tests benchmarks -name '*.h' -o -name '*.cpp' -o -name '*.cpp.in' | sort)
fi
if [[ ${#files[@]} -eq 0 ]]; then echo "no C++ files found" >&2; exit 2; fi
if [[ $mode == --check ]]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if [[ ${#bad[@]} -gt 0 ]]; then
    printf 'not formatted (run scripts/format.sh): %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "format: ${#files[@]} files formatted"
else
  clang-format --style=file -i "${files[@]}"
fi
