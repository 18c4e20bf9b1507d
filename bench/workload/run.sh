#!/usr/bin/env bash
# The workload users have: wrk posting signed ~1.3 KB bodies with random UUID ids (as Shopify sends);
# every event matches route `to-sink` and has one delivery to nginx `return 200`, the delivery engine
# running beside ingest on the same core; the store already holds PRELOAD events (bench/workload/preload.py:
# a week of them, delivered). nginx `return 200` on the same core is the reference, in the same round.
# hookrouter on core 0; wrk, and the nginx that the deliveries go to, on core 1. Three alternating rounds.
# Each round reports req/s, p50/p99, non-2xx, the deliveries still pending when wrk stopped and how long
# they took to drain, start-up time and peak RSS; the last line, the medians over the rounds.
# Usage: bench/workload/run.sh [SECONDS] [CONNECTIONS] [PRELOAD]     (needs: wrk nginx-light sqlite3)
#        HOOKROUTER_BIN=path  times another build (an older commit's, for a before/after)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}; conns=${2:-64}; preload=${3:-0}
work=${BENCH_WORK:-$(mktemp -d)}; mkdir -p "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; [ -n "${BENCH_WORK:-}" ] || rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
workload_setup "$work"
: > "$work/rounds"  # this run's rounds only (BENCH_WORK keeps the directory between runs)

nginx_conf "$work/ref.conf" 18081
nginx_conf "$work/target.conf" 18099
taskset -c 1 nginx -c "$work/target.conf" -g "daemon off;" & target=$!

serve() {
  taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 --log-level warn 2>>"$work/hr.log" &
  hr=$!
  local t0; t0=$(date +%s.%N)
  until curl -s -o /dev/null http://127.0.0.1:18083/healthz; do sleep 0.02; done
  startup=$(python3 -c "import time; print('%.2f' % (time.time() - $t0))")
}

query() { sqlite3 "$work/data/hookrouter.db" "$1" 2>/dev/null || echo '?'; }

if [ "$preload" -gt 0 ] && [ ! -e "$work/data/preloaded-$preload" ]; then
  rm -rf "$work/data"
  serve; kill $hr; wait $hr 2>/dev/null || true
  python3 bench/workload/preload.py "$work/data/hookrouter.db" "$preload" "$work/body.json"
  touch "$work/data/preloaded-$preload"
fi

for round in 1 2 3; do
  echo "== round $round"
  taskset -c 0 nginx -c "$work/ref.conf" -g "daemon off;" & ngx=$!
  sleep 0.5
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:18081/in/fiscal > "$work/nginx.out"
  kill $ngx; wait $ngx 2>/dev/null || true

  [ "$preload" -gt 0 ] || rm -rf "$work/data"
  serve
  before=$(query "SELECT coalesce(max(seq), 0) FROM events")
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/hr.out"
  # Drained: every event stored in this round has its delivery made (the sink counts them).
  python3 bench/workload/drained.py 18083 120 > "$work/drain"
  rss=$(awk '/VmHWM/{printf "%.0f MiB", $2/1024}' /proc/$hr/status)
  kill $hr; wait $hr 2>/dev/null || true
  python3 bench/workload/report.py "$work/nginx.out" "$work/hr.out" "$before" "$(query 'SELECT coalesce(max(seq), 0) FROM events')" \
    "$(cat "$work/drain")" "$startup" "$rss" "$work/rounds"
done
python3 bench/workload/report.py --medians "$work/rounds"
kill $target 2>/dev/null || true
