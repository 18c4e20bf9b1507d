#!/usr/bin/env bash
# How many times a body's bytes are written: the router's write(2) bytes (/proc/PID/io wchar: WAL
# frames, checkpoints, attempt rows) and the bytes it sent to the disk (write_bytes), each divided by
# the body bytes it stored, on the workload of bench/workload (signed 1.3 KB bodies, random UUID ids,
# one delivery each to nginx, the engine beside ingest). #13 asks for at most 2.
# Usage: bench/store/amplification.sh [SECONDS] [CONNECTIONS]    (needs: wrk nginx-light)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}; conns=${2:-64}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no BENCH_IDS=uuid
[ -n "${HOOKROUTER_BIN:-}" ] || swift build -c release --product hookrouter >/dev/null
bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
source bench/ingest/fixture.bash
ingest_fixture "$work" 2>/dev/null
workload_routes "$work/routes.d/bench.yaml"
workload_serve "$work"
io() { awk -v k="$1" '$1 == k":" {print $2}' /proc/$hr/io; }
w0=$(io wchar); d0=$(io write_bytes)
taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out"
python3 bench/workload/drained.py 18083 120 >/dev/null
sleep 2  # the last batches' checkpoint
w1=$(io wchar); d1=$(io write_bytes)
events=$(curl -s http://127.0.0.1:18083/metrics | awk '/^hookrouter_events_total/ {s += $2} END {print s}')
body=$(stat -c %s "$work/body.json")
python3 - "$events" "$body" "$w0" "$w1" "$d0" "$d1" <<'PY'
import sys
events, body, w0, w1, d0, d1 = (int(float(x)) for x in sys.argv[1:])
b = events * body
print("%d events, %.1f MB of bodies: write(2) %.1f MB = %.2f x the bodies; to disk %.1f MB = %.2f x"
      % (events, b / 1e6, (w1 - w0) / 1e6, (w1 - w0) / b, (d1 - d0) / 1e6, (d1 - d0) / b))
PY
