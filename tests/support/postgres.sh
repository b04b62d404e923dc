# A throwaway PostgreSQL server for the test suite, on a free loopback port.
# `start_postgres` exports TSUNAGU_TEST_POSTGRES_URL (unless it is already set);
# `stop_postgres` stops the server and removes its data.

pg_run() {
  # initdb and postgres refuse to run as root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null || true)
  if [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

start_postgres() {
  if [ -n "${TSUNAGU_TEST_POSTGRES_URL:-}" ]; then
    echo "using PostgreSQL at $TSUNAGU_TEST_POSTGRES_URL"
    return
  fi
  local bindir
  bindir=$(pg_bindir)
  if [ -z "$bindir" ]; then
    echo "installing PostgreSQL"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(pg_bindir)
  fi
  if [ -z "$bindir" ]; then
    echo "PostgreSQL is not available" >&2
    return 1
  fi
  PG_TMP=$(mktemp -d /tmp/tsunagu-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$PG_TMP"; fi
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_run "$bindir/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 >"$PG_TMP/initdb.log" 2>&1
  pg_run "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null
  PG_BINDIR=$bindir
  export TSUNAGU_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "started PostgreSQL on port $port"
}

stop_postgres() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    pg_run "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
