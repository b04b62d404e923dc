#!/usr/bin/env bash
# Drives two running Tsunagu instances (SQLite, development mode) with real clients: toot and
# Mastodon.py from PyPI, megalodon from npm, and Chromium (Debian's) through the login pages.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
bin="$root/target/debug/tsunagu"
[ -x "$bin" ] || cargo build --bin tsunagu

venv="${TSUNAGU_CLIENT_VENV:-$root/target/client-venv}"
if [ ! -x "$venv/bin/pytest" ] || ! "$venv/bin/pip" freeze 2>/dev/null | grep -qi '^websocket-client==1.9.2'; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r tests/clients/requirements.txt
fi

js=tests/clients/js
if [ ! -d "$js/node_modules/megalodon" ] || [ ! -d "$js/node_modules/playwright-core" ] || [ ! -d "$js/node_modules/axe-core" ]; then
  (cd "$js" && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d /tmp/tsunagu-clients.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_instance() { # name port
  local name=$1 port=$2
  local db="sqlite://$work/$name.db"
  TSUNAGU_LOG=warn "$bin" serve --dev --domain "localhost:$port" --bind "127.0.0.1:$port" \
    --database-url "$db" --retry-base-secs 1 --sign-in-limit 1000 \
    --smtp-url smtp://127.0.0.1:9 --smtp-from office@localhost >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    if curl -sf "http://localhost:$port/health" >/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "instance $name did not start:" >&2
  cat "$work/$name.log" >&2
  return 1
}

create_user() { # port username instance [role]
  echo "correct horse battery" | "$bin" admin create-user --database-url "sqlite://$work/$3.db" \
    --username "$2" --email "$2@example.org" --password-stdin --role "${4:-alumnus}" >/dev/null
}

port_a=$(free_port)
port_b=$(free_port)
start_instance uni "$port_a"
start_instance corp "$port_b"
create_user "$port_a" alice uni
create_user "$port_a" carol uni
create_user "$port_b" bob corp
create_user "$port_a" office uni staff

export TSUNAGU_A_URL="http://localhost:$port_a"
export TSUNAGU_B_URL="http://localhost:$port_b"
export TSUNAGU_A_DOMAIN="localhost:$port_a"
export TSUNAGU_B_DOMAIN="localhost:$port_b"
export XDG_CONFIG_HOME="$work/config"
export PATH="$venv/bin:$PATH"
status=0
"$venv/bin/pytest" -q tests/clients "$@" || status=$?
(cd "$js" && node --test --test-concurrency=1) || status=$?
exit "$status"
