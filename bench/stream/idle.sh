#!/usr/bin/env bash
# Webhooks beside idle stream clients: wrk posts signed events (random UUID ids, each stored and pushed
# to a stream target) at 64 connections, alternating rounds without and with IDLE idle WebSocket
# clients (each on a group that gets nothing) plus one client of every group that never reads. Reports req/s, p99 and the server's peak RSS
# for each, three rounds each. hookrouter on core 0; wrk and the clients on core 1.
# Usage: bench/stream/idle.sh [IDLE] [SECONDS]   (needs: wrk python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
idle=${1:-10000}; secs=${2:-10}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no BENCH_IDS=uuid
swift build -c release --product hookrouter >/dev/null
ulimit -n "$(ulimit -Hn)"
source bench/ingest/fixture.bash
ingest_fixture "$work"
cat > "$work/routes.d/bench.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id }, max_body: 64KiB }
targets:
  screens: { stream: { path: /ws/screens, auth: { bearer: bench-bearer }, max_clients: 100000, idle_timeout: 10m } }
routes:
  - { name: to-screens, from: fiscal, to: [screens] }
YAML
for round in $(seq 1 ${ROUNDS:-3}); do
  for with in 0 "$idle"; do
    rm -rf "$work/data"
    taskset -c 0 .build/release/hookrouter serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18282 --admin 127.0.0.1:18283 --log-level warn 2>>"$work/hr.log" &
    hr=$!
    until curl -s -o /dev/null http://127.0.0.1:18283/healthz; do sleep 0.02; done
    holder=""
    if [ "$with" -gt 0 ]; then
      taskset -c 1 python3 bench/stream/idle_clients.py 18282 /ws/screens bench-bearer "$with" > "$work/holder.out" & holder=$!
      until grep -q ready "$work/holder.out" 2>/dev/null; do sleep 0.2; done
    fi
    taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:18282/in/fiscal > "$work/wrk.out"
    rss=$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' /proc/$hr/status)
    clients=$(curl -s http://127.0.0.1:18283/metrics | awk '/^hookrouter_stream_clients/{s+=$2} END{print s+0}')
    dropped=$(curl -s http://127.0.0.1:18283/metrics | awk '/outcome="dropped"/{print $2}')
    [ -z "$holder" ] || { kill $holder; wait $holder 2>/dev/null || true; }
    kill $hr; wait $hr 2>/dev/null || true
    rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
    p99=$(awk '$1=="99%"{print $2}' "$work/wrk.out")
    non2xx=$(awk '/Non-2xx/{print $4}' "$work/wrk.out")
    echo "round $round idle=$with: ${rps} req/s, p99 ${p99}, non-2xx ${non2xx:-0}, stream clients ${clients}, dropped ${dropped:-0}, peak RSS ${rss}"
  done
done
