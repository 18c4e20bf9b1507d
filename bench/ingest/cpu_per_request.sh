#!/usr/bin/env bash
# CPU of the server per ingested request: its utime+stime (from /proc) over a wrk run, divided by the
# requests answered. Steadier than req/s on a shared machine, and comparable across builds.
# Server pinned to core 0, wrk to core 1; three rounds, alternating the binaries given.
# Usage: bench/ingest/cpu_per_request.sh [SECONDS] [BINARY...]   (default: this tree's release build)
#        (BENCH_IDS=uuid: random UUID ids, see post.lua)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}; shift || true
export SWIFT_BACKTRACE=enable=no
if [ $# -eq 0 ]; then swift build -c release --product hookrouter >/dev/null; set -- .build/release/hookrouter; fi
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

source bench/ingest/fixture.bash
ingest_fixture "$work"

ticks=$(getconf CLK_TCK)
for round in 1 2 3; do
  for bin in "$@"; do
    rm -rf "$work/data"
    taskset -c 0 "$bin" serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18085 --admin 127.0.0.1:18086 --log-level warn 2>"$work/hr.log" & pid=$!
    sleep 1
    before=$(awk '{print $14+$15}' /proc/$pid/stat)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18085/in/fiscal)
    after=$(awk '{print $14+$15}' /proc/$pid/stat)
    kill $pid; wait $pid 2>/dev/null || true
    python3 - "$bin" "$round" "$before" "$after" "$ticks" <<PY
import re, sys
out = """$out"""
name, rnd, b, a, ticks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
reqs = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
print("round %s  %-40s %8.0f req/s  %5.1f µs CPU per request" % (rnd, name, rps, (a - b) * 1e6 / ticks / reqs))
PY
  done
done
