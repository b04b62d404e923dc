#!/usr/bin/env bash
# The whole test suite: every Rust test on SQLite and on a throwaway PostgreSQL server, then
# real clients (toot, Mastodon.py, megalodon, and Chromium on the login pages) driving running
# instances.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/support/postgres.sh

start_postgres
trap stop_postgres EXIT
export TSUNAGU_REQUIRE_POSTGRES=1

mkdir -p target
cargo build --bin tsunagu
cargo test --workspace 2>&1 | tee target/test-output.log
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  exit "$status"
fi

# The PostgreSQL variants must have run, not been skipped.
postgres_ok=$(grep -c '::postgres \.\.\. ok$' target/test-output.log || true)
if [ "$postgres_ok" -lt 10 ]; then
  echo "only $postgres_ok PostgreSQL tests passed: were they skipped?" >&2
  exit 1
fi
echo "PostgreSQL tests passed: $postgres_ok"

# The benchmark program at a tiny size, so it keeps working (its figures mean nothing here).
cargo run -q -p tsunagu-tests --bin bench -- --smoke
cargo run -q -p tsunagu-tests --bin bench -- --smoke --postgres "$TSUNAGU_TEST_POSTGRES_URL"

tests/clients/run.sh
