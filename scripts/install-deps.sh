#!/usr/bin/env bash
# Installs what Changeledger needs to build, test and benchmark on Debian
# bookworm: Debian packages (only the missing ones; `apt-get update` runs
# first whenever something has to be installed) and the npm dev tools pinned
# in package-lock.json. Idempotent and non-interactive; safe to run on every
# `make run` / `make test`.
set -euo pipefail

cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config ccache mold git ca-certificates
  # libraries
  libboost-dev nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libyaml-dev libcli11-dev
  libspdlog-dev libfmt-dev libsodium-dev libargon2-dev libssl-dev
  libsqlite3-dev libpq-dev libcurl4-openssl-dev libjemalloc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev sqlite3 openssl python3 curl
  # a real SMTP server on loopback for the notification tests (STARTTLS)
  python3-aiosmtpd
  clang libclang-rt-14-dev clang-format clang-tidy
  wrk nginx-light procps
  # PostgreSQL server binaries for the test harness and benchmarks (initdb,
  # pg_ctl, pgbench); the harness starts a private cluster, never the system one
  postgresql util-linux
  # the web UI's end-to-end tests drive Debian's Chromium (playwright-core)
  chromium fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
# Node and npm: any install that provides both commands will do (Debian's
# nodejs+npm, or a nodejs package that bundles npm).
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
      SUDO=(sudo)
    else
      echo "install-deps: missing Debian packages and not root (no sudo): ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages, pinned by their package-lock.json: the dev tools at the top
# (OpenAPI linter, playwright-core) and the web UI's build in web/. `npm ci`
# only when a lock file changed since the last install.
for dir in . web; do
  stamp=$dir/node_modules/.changeledger-lock.sha256
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "install-deps: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
done
