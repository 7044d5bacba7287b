#!/usr/bin/env bash
# Measures the HTTP server candidates for ADR 0001 beside nginx `return 200`,
# all on loopback in one run: wrk, 64 connections, 2 threads.
# Usage: benchmarks/http_candidates/measure.sh [seconds]
set -euo pipefail
secs=${1:-10}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$out/nginx.pid" ] && kill "$(cat "$out/nginx.pid")" 2>/dev/null; rm -rf "$out"' EXIT

cxx="g++ -O2 -std=c++20 -pthread -include utility"
$cxx "$here/beast_min.cpp" -o "$out/beast_min"
$cxx "$here/beast_pt.cpp" -o "$out/beast_pt"
$cxx "$here/httplib_min.cpp" -o "$out/httplib_min" -lcpp-httplib
$cxx -DRESTINIO_USE_BOOST_ASIO "$here/restinio_min.cpp" -o "$out/restinio_min" -lfmt -lhttp_parser

source "$here/../nginx_ceiling.sh"
start_nginx_ceiling "$out" 18080
"$out/beast_min" 18081 2 & "$out/httplib_min" 18082 1 & "$out/restinio_min" 18083 2 &
"$out/httplib_min" 18084 0 & "$out/beast_pt" 18085 2 &
sleep 1
printf '%-28s %12s %10s %10s\n' candidate req/s p50 p99
for pair in nginx:18080 beast-per-thread-ioc:18085 beast-shared-ioc:18081 httplib-tuned:18082 restinio:18083 httplib-default:18084; do
  name=${pair%%:*}; port=${pair##*:}
  r=$(wrk -t2 -c64 -d"${secs}s" --latency "http://127.0.0.1:$port/" 2>&1)
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$r")
  p50=$(awk '$1=="50%" {print $2}' <<<"$r")
  p99=$(awk '$1=="99%" {print $2}' <<<"$r")
  printf '%-28s %12s %10s %10s\n' "$name" "$rps" "$p50" "$p99"
done
