#!/usr/bin/env bash
# User-space instructions per event under load: the router under callgrind while wrk posts the workload
# (random UUID ids, every event delivered to nginx `return 200`) at CONNECTIONS for SECONDS, so the
# writer's batches are as large as in bench/workload/run.sh (instructions.sh's 8 sequential clients make
# small ones). Prints the total per event and OpenSSL's share (SHA-256 runs without SHA-NI under valgrind).
# Usage: bench/workload/instructions-load.sh [SECONDS] [CONNECTIONS]     (needs: valgrind wrk nginx-light)
#        HOOKROUTER_BIN=path  measures another build; OUT=file keeps the callgrind data
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}; conns=${2:-64}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
workload_setup "$work"
nginx_conf "$work/target.conf" 18099
taskset -c 1 nginx -c "$work/target.conf" -g "daemon off;" &
out=${OUT:-$work/callgrind.out}
valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" serve --config "$work/routes.d" --data "$work/data" \
  --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 --log-level warn 2>>"$work/hr.log" & hr=$!
for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:18083/healthz && break; sleep 0.2; done
wrk -t1 -c"$conns" -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out"
sleep 3
events=$(curl -s http://127.0.0.1:18083/metrics | awk '/^hookrouter_requests_total/{s+=$2} END{print s}')
kill -TERM $hr; wait $hr 2>/dev/null || true
total=$(awk '/^summary:/{print $2}' "$out")
crypto=$(callgrind_annotate "$out" 2>/dev/null | awk '/libcrypto/{gsub(",","",$1); s+=$1} END{print s+0}')
echo "events $events; instructions per event: $(( total / events )) (OpenSSL $(( crypto / events )))"
