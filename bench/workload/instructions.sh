#!/usr/bin/env bash
# User-space instructions per event on the workload's path, under callgrind: deterministic where the
# shared VM's req/s swing by ±10 %, so it can compare two builds' CPU work by a few per cent.
# The router (valgrind --tool=callgrind) receives the workload's signed body with random UUID ids from
# 8 sequential keep-alive clients (bench/workload/post_sequential.py) and delivers each event to nginx
# `return 200`; the run is made twice, with N1 and N2 events, and the difference of the totals divided
# by N2 - N1 is the figure (start-up and shutdown cancel out). Not a throughput: batches are far smaller
# than under load, so per-batch costs weigh more, and OpenSSL runs without SHA-NI under valgrind.
# Usage: bench/workload/instructions.sh [N1] [N2]     (needs: valgrind nginx-light)
#        HOOKROUTER_BIN=path  measures another build
set -euo pipefail
cd "$(dirname "$0")/../.."
n1=${1:-800}; n2=${2:-4000}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
TARGET_PORT=18199 workload_setup "$work"
nginx_conf "$work/target.conf" 18199
nginx -c "$work/target.conf" -g "daemon off;" &

total() {
  rm -rf "$work/data" "$work"/cg.*
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$bin" serve --config "$work/routes.d" --data "$work/data" \
    --listen 127.0.0.1:18182 --admin 127.0.0.1:18183 --log-level warn 2>>"$work/hr.log" & local hr=$!
  for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:18183/healthz && break; sleep 0.2; done
  python3 bench/workload/post_sequential.py "$work/body.json" "$work/sig" "$1" 18182
  sleep 2
  kill -TERM $hr; wait $hr 2>/dev/null || true
  awk '/^summary:/{print $2}' "$work"/cg.*
}
a=$(total "$n1"); b=$(total "$n2")
echo "instructions: $a for $n1 events, $b for $n2; per event: $(( (b - a) / (n2 - n1) ))"
