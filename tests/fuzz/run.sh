#!/usr/bin/env bash
# Runs one libFuzzer target for a while: tests/fuzz/run.sh BINARY SECONDS
# CORPUS_DIR [SEED_DIR...]. New inputs go to CORPUS_DIR (kept between runs),
# seeds are only read. A crash, leak, sanitizer report or timeout fails the
# run and leaves the input as crash-*/leak-*/timeout-* in the corpus's parent.
set -euo pipefail
bin=$1 secs=$2 corpus=$3
shift 3
mkdir -p "$corpus"
cd "$(dirname "$corpus")"
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
  -print_final_stats=1 "$corpus" "$@"
