#!/usr/bin/env bash
# Does anything grow that should not? The workload (random UUID ids, every event delivered to nginx
# `return 200`) at full speed for MINUTES, with a short retention and dedup window so the store and
# the dedup index are bounded by design; every INTERVAL seconds, the events stored so far, the events
# the store keeps, the router's resident memory, descriptors and threads, the store's size on disk
# and the deliveries owed. After the first retention every column but the first should stay flat; a
# steady climb is a leak, or a purge slower than ingest. AFTER=SECONDS keeps sampling once wrk stops.
# Usage: bench/workload/soak.sh [MINUTES] [INTERVAL]      (needs: wrk nginx-light sqlite3)
#        RETENTION=30s DEDUP=20s AFTER=0 (defaults)
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-6}; interval=${2:-30}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
workload_setup "$work"
workload_routes "$work/routes.d/bench.yaml" "settings: { dedup_window: ${DEDUP:-20s}, retention: ${RETENTION:-30s} }"
workload_serve "$work"
taskset -c 1 wrk -t1 -c64 -d"$((minutes * 60))s" -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" & w=$!
# Events stored and deliveries owed (stored minus delivered), from one scrape of /metrics.
counts() {
  curl -s http://127.0.0.1:18083/metrics | awk '/^hookrouter_events_total[{]/ {e += $2}
    /^hookrouter_delivery_attempts_total[{]/ && /outcome="delivered"/ {d += $2} END {printf "%d %d\n", e, e - d}'
}
printf "%7s %10s %9s %8s %5s %7s %9s %6s\n" seconds stored kept "rss MiB" fds threads "store MiB" owed
start=$(date +%s); stop=$(( start + minutes * 60 + ${AFTER:-0} ))
while [ $(( $(date +%s) + interval )) -le "$stop" ]; do
  sleep "$interval"
  rss=$(awk '/VmRSS/{printf "%.0f", $2 / 1024}' /proc/$hr/status)
  fds=$(ls /proc/$hr/fd | wc -l); threads=$(ls /proc/$hr/task | wc -l)
  store=$(du -sm "$work/data" | cut -f1)
  kept=$(sqlite3 "$work/data/hookrouter.db" "SELECT count(*) FROM events" 2>/dev/null || echo '?')
  read -r stored owed < <(counts)
  printf "%7d %10d %9s %8s %5d %7d %9s %6d\n" $(( $(date +%s) - start )) "$stored" "$kept" "$rss" "$fds" "$threads" "$store" "$owed"
done
wait $w || true
grep -E "Requests/sec|Non-2xx" "$work/wrk.out" || true
