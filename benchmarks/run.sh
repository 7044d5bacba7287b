#!/usr/bin/env bash
# `make bench`: Google Benchmark micro-benchmarks, then HTTP load with wrk
# (64 connections, 2 threads) against `changeledger serve` beside nginx
# `return 200` as the loopback ceiling measured in the same run. Prints a
# table, then the PostgreSQL figures (benchmarks/postgres.sh).
# Usage: benchmarks/run.sh BUILD_DIR [seconds-per-load-run]
set -euo pipefail
build=${1:-build}
secs=${2:-10}
bin=$build/changeledger
out=$(mktemp -d)
cleanup() {
  [[ -n ${serve_pid:-} ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [[ -f $out/nginx.pid ]] && kill "$(cat "$out/nginx.pid")" 2>/dev/null
  rm -rf "$out"
}
trap cleanup EXIT

source "$(dirname "$0")/nginx_ceiling.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "== micro-benchmarks (Google Benchmark) =="
"$build/cl_micro_bench" --benchmark_out="$out/micro.json" --benchmark_out_format=json
# Plan classification beside the raw parse, repeated: the ratio uses medians.
"$build/cl_micro_bench" --benchmark_filter='BM_Plan' --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true --benchmark_out="$out/plan.json" --benchmark_out_format=json >/dev/null

echo
echo "== HTTP load: wrk -t2 -c64 -d${secs}s, loopback =="
ngx_port=$(free_port)
start_nginx_ceiling "$out" "$ngx_port"

export CHANGELEDGER_CONFIG_DIR=$out/config
db=$out/bench.db
"$bin" migrate --db "$db" >/dev/null
"$bin" user add bench-reader --service --role auditor --db "$db" >/dev/null
token=$("$bin" token create --db "$db" --user bench-reader --name bench --scope users:read -o json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
"$bin" user add bench-writer --service --role implementer --db "$db" >/dev/null
wtoken=$("$bin" token create --db "$db" --user bench-writer --name bench-w --scope changes:write -o json |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
"$bin" user add bench-ci --service --role ci --db "$db" >/dev/null
citoken=$("$bin" token create --db "$db" --user bench-ci --name bench-ci --scope gate:check -o json |
          python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
"$bin" user add bench-approver --service --role approver --db "$db" >/dev/null
atoken=$("$bin" token create --db "$db" --user bench-approver --name bench-a --scope changes:approve -o json |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
cl_port=$(free_port)
"$bin" serve --db "$db" --listen "127.0.0.1:$cl_port" --no-access-log --log-level warn --no-bootstrap \
  >"$out/serve.out" 2>"$out/serve.err" &
serve_pid=$!
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$cl_port/healthz" >/dev/null && break; sleep 0.1; done

figures() {  # wrk-output: prints "req/s|p50|p99|errors"
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$1")
  p50=$(awk '$1=="50%" {print $2}' <<<"$1")
  p99=$(awk '$1=="99%" {print $2}' <<<"$1")
  errs=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$1" | tr '\n' ' ')
  echo "$rps|$p50|$p99|${errs:-none}"
}
record() {  # name wrk-output: appends "name|req/s|p50|p99|errors" to load.txt, prints req/s
  local f
  f=$(figures "$2")
  echo "$1|$f" >>"$out/load.txt"
  echo "${f%%|*}"
}
load() {  # name url [header]
  local r
  if [[ -n ${3:-} ]]; then
    r=$(wrk -t2 -c64 -d"${secs}s" --latency -H "$3" "$2" 2>&1)
  else
    r=$(wrk -t2 -c64 -d"${secs}s" --latency "$2" 2>&1)
  fi
  record "$1" "$r" >/dev/null
}
load "nginx return 200 (ceiling)" "http://127.0.0.1:$ngx_port/"
load "GET /healthz" "http://127.0.0.1:$cl_port/healthz"
load "GET /api/v1/me (bearer token)" "http://127.0.0.1:$cl_port/api/v1/me" "Authorization: Bearer $token"
load "GET /api/v1/users?limit=10 (token)" "http://127.0.0.1:$cl_port/api/v1/users?limit=10" "Authorization: Bearer $token"

# Durable change creation (change row + content version + audit event, one
# transaction each; concurrent creates are group-committed).
post() {  # name threads connections result-file
  local r
  r=$(CL_TOKEN=$wtoken CL_BODY=$(dirname "$0")/change.json \
      wrk -t"$2" -c"$3" -d"${secs}s" --latency -s "$(dirname "$0")/post.lua" "http://127.0.0.1:$cl_port/api/v1/changes" 2>&1)
  record "$1" "$r" >"$out/$4.rps"
}
post "POST /api/v1/changes, 1 client" 1 1 create1
post "POST /api/v1/changes, 16 clients" 2 16 create16

# The deploy gate: one approved change in its window for a service of its
# own; every decision is evaluated on a read snapshot and recorded durably
# (deployment row + audit event) before the answer.
"$(dirname "$0")/gate_change.py" "$(dirname "$0")/change.json" "$out/gate-change.json"
api() { curl -fsS -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $1" "http://127.0.0.1:$cl_port$2" -d "$3"; }
gate_key=$(api "$wtoken" /api/v1/changes "@$out/gate-change.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
api "$wtoken" "/api/v1/changes/$gate_key/submit" '{}' >/dev/null
api "$atoken" "/api/v1/changes/$gate_key/approvals" '{"decision": "approve"}' >/dev/null
echo '{"service": "gate-bench", "environment": "staging", "artifact": {"commit_sha": "9f2c1e7ab34d"}}' >"$out/gate.json"
decision=$(api "$citoken" /api/v1/gate "@$out/gate.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"])')
[[ $decision == allow ]] || { echo "gate benchmark set-up: expected allow, got $decision" >&2; exit 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$serve_pid/stat"; }  # user + system, in clock ticks
ticks0=$(cpu_ticks)
r=$(CL_TOKEN=$citoken CL_BODY=$out/gate.json \
    wrk -t2 -c64 -d"${secs}s" --latency -s "$(dirname "$0")/post.lua" "http://127.0.0.1:$cl_port/api/v1/gate" 2>&1)
ticks1=$(cpu_ticks)
record "POST /api/v1/gate (allow, recorded)" "$r" >/dev/null
# Server CPU per recorded decision: steadier across runs than req/s on a shared VM.
gate_requests=$(awk '/requests in/ {print $1}' <<<"$r")
gate_cpu_us=$(python3 -c "print(round(($ticks1 - $ticks0) * 1e6 / $(getconf CLK_TCK) / max(1, $gate_requests), 1))")

# The same gate at the concurrency of a few pipelines, each beside nginx at
# the same concurrency: what one pipeline waits for.
for c in 1 8; do
  nginx=$(figures "$(wrk -t1 -c$c -d"${secs}s" --latency "http://127.0.0.1:$ngx_port/" 2>&1)")
  gate=$(figures "$(CL_TOKEN=$citoken CL_BODY=$out/gate.json \
      wrk -t1 -c$c -d"${secs}s" --latency -s "$(dirname "$0")/post.lua" "http://127.0.0.1:$cl_port/api/v1/gate" 2>&1)")
  echo "$c|${nginx%|*}|$gate" >>"$out/gate_low.txt"  # the errors column is the gate's
done

ceiling=$(head -1 "$out/load.txt" | cut -d'|' -f2)
echo
printf '%-38s %10s %9s %9s %11s  %s\n' "HTTP (64 connections)" "req/s" "p50" "p99" "of ceiling" "errors"
while IFS='|' read -r name rps p50 p99 errs; do
  pct=$(python3 -c "print(f'{100*$rps/$ceiling:.0f}%')")
  printf '%-38s %10s %9s %9s %11s  %s\n' "$name" "$rps" "$p50" "$p99" "$pct" "$errs"
done <"$out/load.txt"
echo
printf '%-12s %10s %9s %9s   %10s %9s %9s  %s\n' "connections" "nginx/s" "p50" "p99" "gate/s" "p50" "p99" "errors"
while IFS='|' read -r c rps n50 n99 grps g50 g99 errs; do
  printf '%-12s %10s %9s %9s   %10s %9s %9s  %s\n' "$c" "$rps" "$n50" "$n99" "$grps" "$g50" "$g99" "$errs"
done <"$out/gate_low.txt"
echo "server CPU per gate decision at 64 connections: ${gate_cpu_us} us (user + system, ${gate_requests} decisions)"

# The raw durable SQLite insert rate for the same bytes per create.
kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
serve_pid=
row_bytes=$(sqlite3 "$db" "SELECT CAST((SELECT avg(length(content) + length(title) + 300) FROM changes)
  + (SELECT avg(length(content) + 100) FROM change_versions)
  + (SELECT avg(length(body) + 32) FROM audit_events WHERE action = 'change.create') AS INTEGER)")
creates=$(sqlite3 "$db" "SELECT count(*) FROM changes")
CL_ROW_BYTES=$row_bytes "$build/cl_micro_bench" --benchmark_filter=RawSqlite \
  --benchmark_out="$out/raw.json" --benchmark_out_format=json >/dev/null
echo
python3 - "$out/raw.json" "$out/create1.rps" "$out/create16.rps" "$row_bytes" "$creates" <<'PY'
import json, sys
raw = {b["name"]: b["items_per_second"] for b in json.load(open(sys.argv[1]))["benchmarks"]}
one = float(open(sys.argv[2]).read()); sixteen = float(open(sys.argv[3]).read())
single = next(v for k, v in raw.items() if k.startswith("BM_RawSqliteDurableInsert/1/"))
batched = next(v for k, v in raw.items() if k.startswith("BM_RawSqliteDurableInsert/100/"))
print(f"Durable change create ({sys.argv[4]} bytes written per create; {sys.argv[5]} changes stored)")
print(f"  raw SQLite insert, 1 row per durable commit:    {single:>10,.0f} rows/s")
print(f"  raw SQLite insert, 100 rows per durable commit: {batched:>10,.0f} rows/s")
print(f"  REST create, 1 client:   {one:>10,.0f}/s = {100*one/single:.0f}% of the 1-row raw rate (target >= 50%)")
print(f"  REST create, 16 clients: {sixteen:>10,.0f}/s = {100*sixteen/single:.0f}% of the 1-row raw rate, "
      f"{100*sixteen/batched:.0f}% of the batched rate")
PY

echo
python3 - "$out/micro.json" "$out/plan.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
plan = json.load(open(sys.argv[2]))
print(f"{'micro-benchmark':38s} {'items/s':>14s} {'time/iter':>14s}")
for b in d["benchmarks"]:
    ips = b.get("items_per_second")
    print(f"{b['name']:38s} {ips and f'{ips:,.0f}' or '-':>14s} {b['real_time']:>11.3f} {b['time_unit']}")
targets = {"BM_VerifySqlite1M": 1e6, "BM_VerifyChainInMemory1M": 1e6, "BM_PolicyEvaluate": 1e5}
for b in d["benchmarks"]:
    for name, t in targets.items():
        if b["name"].startswith(name):
            ok = b.get("items_per_second", 0) >= t
            print(f"target {name}: >= {t:,.0f} events/s: {'met' if ok else 'NOT met'}")
bps = {b["run_name"]: b.get("bytes_per_second", 0) for b in plan["benchmarks"] if b.get("aggregate_name") == "median"}
for classify, raw, what in (("BM_PlanClassify", "BM_PlanRawParse", "the shared plans"),
                            ("BM_PlanClassifyLarge", "BM_PlanRawParseLarge", "one 20 MB plan")):
    if bps.get(classify) and bps.get(raw):
        r = bps[classify] / bps[raw]
        print(f"plan classification over {what}: {bps[classify]/1e6:,.0f} MB/s, raw simdjson parse "
              f"{bps[raw]/1e6:,.0f} MB/s: {100*r:.0f}% (target >= 50%: {'met' if r >= 0.5 else 'NOT met'})")
PY

# The same service on PostgreSQL, 1 and 2 servers, beside pgbench.
"$(dirname "$0")/postgres.sh" "$build" "$secs"
