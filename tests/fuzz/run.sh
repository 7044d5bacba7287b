#!/usr/bin/env bash
# Runs one libFuzzer target for a while: tests/fuzz/run.sh BINARY SECONDS
# CORPUS_DIR [SEED_DIR...]. New inputs go to CORPUS_DIR (kept between runs),
# seeds are only read. A crash, leak, sanitizer report or timeout fails the
# run and leaves the input as crash-*/leak-*/timeout-* next to CORPUS_DIR.
set -euo pipefail
bin=$(realpath "$1") secs=$2 corpus=$(realpath -m "$3")
shift 3
seeds=()
for s in "$@"; do seeds+=("$(realpath "$s")"); done
mkdir -p "$corpus"
cd "$(dirname "$corpus")"
# FUZZ_SEED fixes libFuzzer's random seed (the test suite uses 1, so a run is
# repeatable; `make fuzz` explores with a fresh seed each time).
seed=()
[[ -n ${FUZZ_SEED:-} ]] && seed=(-seed="$FUZZ_SEED")
# No network: a target that resolves user-given host names (fuzz_api
# registering webhooks) gets an immediate failure instead of asking a real
# DNS server. Where a network namespace cannot be made, the run goes on.
isolate=()
unshare -n true 2>/dev/null && isolate=(unshare -n)
exec "${isolate[@]}" "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
  -print_final_stats=1 "${seed[@]}" "$corpus" "${seeds[@]}"
