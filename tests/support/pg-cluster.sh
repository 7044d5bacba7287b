#!/usr/bin/env bash
# A private PostgreSQL cluster for the test suites and benchmarks: initdb into
# DIR, listen only on a unix socket in DIR (no TCP port to collide with), and
# tear it down again. Never touches the system's own cluster.
#
#   pg-cluster.sh start DIR [--durable]   start (initdb first if needed); idempotent
#   pg-cluster.sh stop DIR                stop and remove DIR
#   pg-cluster.sh url DIR [DB] [USER]     print a libpq URL for DB as USER
#
# Tests run with fsync off (durability is not what they check); benchmarks
# pass --durable. Roles: postgres (superuser), cl_owner (owns the test
# databases, runs migrations) and cl_app (what the server runs as).
# As root the server runs as the `postgres` OS user (PostgreSQL refuses root).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 start|stop|url DIR ..." >&2; exit 2; }

bindir=${CL_PG_BINDIR:-}
if [[ -z $bindir ]]; then
  for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && bindir=$d; done
fi
[[ -n $bindir && -x $bindir/initdb ]] || {
  echo "pg-cluster: PostgreSQL server binaries not found (apt-get install postgresql, or set CL_PG_BINDIR)" >&2
  exit 1
}

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port=5432
url() { echo "postgresql:///${1:-postgres}?host=$dir&port=$port&user=${2:-postgres}"; }

case $cmd in
  url)
    url "${3:-postgres}" "${4:-postgres}"
    ;;
  start)
    durable=0
    [[ ${3:-} == --durable ]] && durable=1
    mkdir -p "$dir"
    exec 9>"$dir.lock"
    flock -w 120 9 || { echo "pg-cluster: $dir.lock is held by another process" >&2; exit 1; }
    if [[ $(id -u) -eq 0 ]]; then
      id postgres >/dev/null 2>&1 || { echo "pg-cluster: no 'postgres' OS user to run the server as" >&2; exit 1; }
      chown postgres: "$dir"
    fi
    chmod 700 "$dir"
    if [[ -f $dir/data/postmaster.pid ]] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      exit 0
    fi
    if [[ ! -f $dir/data/PG_VERSION ]]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
        --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    opts="-c listen_addresses='' -c unix_socket_directories='$dir' -c port=$port -c max_connections=300"
    opts+=" -c shared_buffers=128MB -c log_min_messages=warning"
    if ((durable)); then
      opts+=" -c fsync=on -c synchronous_commit=on"
    else
      opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    # 9>&-: the server must not inherit the lock, or the next `start` (after a
    # test binary started the cluster on first use) waits on it forever.
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null 9>&- ||
      { cat "$dir/server.log" >&2; exit 1; }
    psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$(url postgres postgres)")
    "${psql[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cl_owner') THEN CREATE ROLE cl_owner LOGIN CREATEDB; END IF;
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cl_app') THEN CREATE ROLE cl_app LOGIN; END IF;
    END \$\$;" >/dev/null
    ;;
  stop)
    if [[ -f $dir/data/postmaster.pid ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 ||
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir" "$dir.lock"
    ;;
  *)
    echo "usage: $0 start|stop|url DIR ..." >&2
    exit 2
    ;;
esac
