#!/usr/bin/env bash
# PostgreSQL figures for `make bench`: durable change creates (16 clients) and
# deploy gate decisions (16 clients) with 1 and 2 `changeledger serve`
# processes on one database, beside pgbench's durable insert rate of the same
# bytes on the same private cluster (fsync on), all in one run.
# Usage: benchmarks/postgres.sh BUILD_DIR [seconds-per-load-run]
set -euo pipefail
build=${1:-build}
secs=${2:-10}
bin=$build/changeledger
here=$(dirname "$0")
cluster=$(mktemp -d /tmp/clpg-bench-XXXXXX)
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  "$here/../tests/support/pg-cluster.sh" stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$here/../tests/support/pg-cluster.sh" start "$cluster" --durable
url() { "$here/../tests/support/pg-cluster.sh" url "$cluster" "$1" "$2"; }
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)")
"$bindir/psql" -X -q "$(url postgres postgres)" -c "CREATE DATABASE bench OWNER cl_owner" -c "CREATE DATABASE raw"
app=$(url bench cl_app)
export CHANGELEDGER_CONFIG_DIR=$work/config CHANGELEDGER_SIGNING_KEY=$work/cli.key
"$bin" migrate --db "$(url bench cl_owner)" --app-role cl_app >/dev/null
tok() {  # user role scope
  "$bin" user add "$1" --service --role "$2" --db "$app" >/dev/null
  "$bin" token create --db "$app" --user "$1" --name "$1" --scope "$3" -o json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}
wtoken=$(tok bench-writer implementer changes:write)
citoken=$(tok bench-ci ci gate:check)
atoken=$(tok bench-approver approver changes:approve)

ports=()
serve() {  # name
  local port
  port=$(free_port)
  "$bin" serve --db "$app" --listen "127.0.0.1:$port" --signing-key "$work/$1.key" --no-access-log \
    --log-level warn --no-bootstrap >"$work/$1.out" 2>"$work/$1.err" &
  pids+=($!)
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  ports+=("$port")
}

# wrk against every server at once (connections split evenly); prints
# "req/s|p50|p99|non-2xx" summed over the servers (latencies of the first).
load() {  # connections body path token
  local n=${#ports[@]} i wrks=()
  for i in "${!ports[@]}"; do
    CL_TOKEN=$4 CL_BODY=$2 wrk -t1 -c$(($1 / n)) -d"${secs}s" --latency -s "$here/post.lua" \
      "http://127.0.0.1:${ports[$i]}$3" >"$work/wrk.$i" 2>&1 &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  python3 - "$work" "$n" <<'PY'
import re, sys
total, errors, p50, p99 = 0.0, 0, "", ""
for i in range(int(sys.argv[2])):
    t = open(f"{sys.argv[1]}/wrk.{i}").read()
    total += float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    errors += int(m.group(1)) if m else 0
    if i == 0:
        p50 = re.search(r"50%\s+(\S+)", t).group(1)
        p99 = re.search(r"99%\s+(\S+)", t).group(1)
print(f"{total:.0f}|{p50}|{p99}|{errors}")
PY
}

serve a
api() { curl -fsS -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $1" "http://127.0.0.1:${ports[0]}$2" -d "$3"; }
"$here/gate_change.py" "$here/change.json" "$work/gate-change.json"
key=$(api "$wtoken" /api/v1/changes "@$work/gate-change.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
api "$wtoken" "/api/v1/changes/$key/submit" '{}' >/dev/null
api "$atoken" "/api/v1/changes/$key/approvals" '{"decision": "approve"}' >/dev/null
echo '{"service": "gate-bench", "environment": "staging", "artifact": {"commit_sha": "9f2c1e7ab34d"}}' >"$work/gate.json"

results=()
results+=("1 server: POST /api/v1/changes, 16 clients|$(load 16 "$here/change.json" /api/v1/changes "$wtoken")")
results+=("1 server: POST /api/v1/gate, 16 clients|$(load 16 "$work/gate.json" /api/v1/gate "$citoken")")
serve b
results+=("2 servers: POST /api/v1/changes, 16 clients|$(load 16 "$here/change.json" /api/v1/changes "$wtoken")")
results+=("2 servers: POST /api/v1/gate, 16 clients|$(load 16 "$work/gate.json" /api/v1/gate "$citoken")")

# pgbench: the same bytes per create as one durable INSERT per transaction,
# 16 clients, on the same cluster.
row_bytes=$("$bindir/psql" -X -qAt "$app" -c "SELECT (SELECT avg(length(content) + length(title) + 300) FROM changes)
  + (SELECT avg(length(content) + 100) FROM change_versions)
  + (SELECT avg(length(body) + 32) FROM audit_events WHERE action = 'change.create')" | cut -d. -f1)
"$bindir/psql" -X -q "$(url raw postgres)" -c "CREATE TABLE t (id bigserial PRIMARY KEY, body text NOT NULL)"
echo "INSERT INTO t (body) VALUES (repeat('x', $row_bytes));" >"$work/insert.sql"
pgb=$("$bindir/pgbench" -n -c 16 -j 2 -T "$secs" -f "$work/insert.sql" "$(url raw postgres)" 2>&1)
pg_tps=$(awk '/^tps = / {printf "%.0f", $3}' <<<"$pgb")
pg_lat=$(awk '/^latency average/ {print $4 $5}' <<<"$pgb")

echo
echo "== PostgreSQL (private cluster, fsync on): wrk ${secs}s per run =="
printf '%-44s %10s %9s %9s %8s %14s\n' "" "req/s" "p50" "p99" "non-2xx" "of pgbench"
for r in "${results[@]}"; do
  IFS='|' read -r name rps p50 p99 errs <<<"$r"
  pct=$(python3 -c "print(f'{100*$rps/$pg_tps:.0f}%')")
  printf '%-44s %10s %9s %9s %8s %14s\n' "$name" "$rps" "$p50" "$p99" "$errs" "$pct"
done
echo "pgbench: 1 INSERT of $row_bytes bytes per durable commit, 16 clients: $pg_tps tps (avg latency $pg_lat)"
"$bin" audit verify --db "$app" | sed 's/^/audit verify after the run: /'
