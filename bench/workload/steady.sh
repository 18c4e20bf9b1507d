#!/usr/bin/env bash
# The workload at steady state: a router that purges as many events as it takes in, as every router
# with a retention does once its store is as old as the retention. bench/workload's setup (random UUID
# ids, every event delivered to nginx `return 200`, hookrouter on core 0, wrk and the target on core 1)
# with `retention: 10s` and `dedup_window: 10s`, so the purge is at full rate after ~15 s. Each round
# measures from WARMUP seconds after the start for WINDOW seconds: events stored per second and the
# router's CPU time per event (utime + stime), with the events the store keeps at the end of the window.
# Builds alternate, round by round, as in alternate.sh. KEEP=1 adds a round per build without the short
# retention (nothing purged) for the difference.
# Usage: bench/workload/steady.sh BUILD [BUILD …]     WARMUP=25 WINDOW=30 ROUNDS="1 2 3" KEEP=0
set -euo pipefail
cd "$(dirname "$0")/../.."
warmup=${WARMUP:-25}; window=${WINDOW:-30}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
HOOKROUTER_BIN=/bin/true workload_setup "$work" 2>/dev/null
ticks=$(getconf CLK_TCK)
events() { curl -s http://127.0.0.1:18083/metrics | awk '/^hookrouter_events_total[{]/ {e += $2} END {print e}'; }
cpu() { awk '{print $14 + $15}' /proc/$hr/stat; }
modes=purge; [ "${KEEP:-0}" = 1 ] && modes="purge keep"
for round in ${ROUNDS:-1 2 3}; do
  for b in "$@"; do
    for mode in $modes; do
      bin=$b
      rm -rf "$work/data"
      if [ "$mode" = purge ]; then
        workload_routes "$work/routes.d/bench.yaml" "settings: { retention: 10s, dedup_window: 10s }"
      else
        workload_routes "$work/routes.d/bench.yaml"
      fi
      workload_serve "$work"
      taskset -c 1 wrk -t1 -c64 -d"$((warmup + window + 2))s" --latency -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" & w=$!
      sleep "$warmup"
      e0=$(events); c0=$(cpu)
      sleep "$window"
      e1=$(events); c1=$(cpu)
      kept=$(sqlite3 "$work/data/hookrouter.db" "SELECT count(*) FROM events" 2>/dev/null || echo '?')
      wait $w || true
      python3 -c "print('%-22s %-5s %7.0f events/s  cpu/event %5.1f us  kept %s  p99 (whole run) %s' % ('$(basename "$b")', '$mode',
        ($e1 - $e0) / $window, ($c1 - $c0) * 1e6 / $ticks / max(1, $e1 - $e0), '$kept', '$(awk '/ 99%/{print $2}' "$work/wrk.out")'))"
      kill $hr; wait $hr 2>/dev/null || true
      pkill -f "nginx -c $work/target.conf" || true
      sleep 0.5
    done
  done
done
