#!/bin/sh
# Writes link/startup.order again: the functions of the release binary that run while
# `tsunagu serve` starts (on a new database, then on an existing one) and answers its first
# request, as valgrind's callgrind saw them. Run it after changing dependencies or start-up
# code, then commit the file. Needs valgrind and curl.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
port=${PORT:-18765}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
cargo build --release --locked -p tsunagu
bin=$root/target/release/tsunagu

for run in first again; do
    (cd "$work" && exec valgrind --tool=callgrind --demangle=no --dump-instr=no \
        --callgrind-out-file="$work/$run.%p.out" \
        "$bin" serve --bind "127.0.0.1:$port" --domain "127.0.0.1:$port" >"$work/$run.log" 2>&1) &
    pid=$!
    tries=0
    until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
        tries=$((tries + 1))
        if [ "$tries" -gt 600 ]; then
            echo "the server did not start; see $work/$run.log" >&2
            cat "$work/$run.log" >&2
            exit 1
        fi
        sleep 0.5
    done
    curl -sf "http://127.0.0.1:$port/.well-known/nodeinfo" >/dev/null || true
    sleep 5
    kill -INT "$pid"
    wait "$pid" || true
done

# Every function callgrind names (as caller or callee) that is a code symbol of the binary.
sed -n 's/^c\{0,1\}fn=([0-9]*) //p' "$work"/*.out | sort -u >"$work/ran"
nm --defined-only "$bin" | awk '$2 == "t" || $2 == "T" { print $3 }' | sort -u >"$work/symbols"
comm -12 "$work/ran" "$work/symbols" >"$here/startup.order"
echo "$(wc -l <"$here/startup.order") functions in $here/startup.order"

# Link again with the new order.
cargo build --release --locked -p tsunagu
