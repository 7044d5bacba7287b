#!/usr/bin/env bash
# The .clang-tidy check set finds what it is there for: a planted
# use-after-move and a needless copy are reported (and fail, as findings are
# errors), and the same code written correctly passes.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/planted.cpp" <<'CPP'
#include <string>
#include <utility>
#include <vector>
std::size_t Planted(std::vector<std::string> names) {
  std::vector<std::string> moved = std::move(names);
  return names.size() + moved.size();
}
std::size_t Copied(const std::vector<std::string>& names) {
  std::size_t n = 0;
  for (const std::string s : names) n += s.size();
  return n;
}
CPP
cat >"$tmp/clean.cpp" <<'CPP'
#include <string>
#include <utility>
#include <vector>
std::size_t Clean(std::vector<std::string> names) {
  std::vector<std::string> moved = std::move(names);
  std::size_t n = 0;
  for (const std::string& s : moved) n += s.size();
  return n;
}
CPP
tidy() { clang-tidy --quiet --config-file="$root/.clang-tidy" "$1" -- -std=c++20 2>/dev/null; }
if out=$(tidy "$tmp/planted.cpp"); then
  echo "FAIL: clang-tidy accepted the planted file" >&2
  exit 1
fi
for want in bugprone-use-after-move performance-for-range-copy; do
  grep -q "$want" <<<"$out" || { echo "FAIL: $want not reported:"; echo "$out"; exit 1; } >&2
done
tidy "$tmp/clean.cpp" >/dev/null || { echo "FAIL: clang-tidy refused the clean file" >&2; exit 1; }
echo "tidy_planted: use-after-move and range copy reported; clean code passes"
