#!/usr/bin/env bash
# What a purged event costs: a store of finished events two days old, then the router started with
# `retention: 1d` and nothing else to do, pinned to core 0, until the store is empty. Prints the time
# that took and the router's CPU time per purged event (start-up included).
# At steady state a router purges as many events as it takes in, so this is part of an event's cost.
# The store is, by default, what the writer leaves now: the workload posted for SECONDS (bench/ingest's
# fixture; ~20 k events a second, bodies in the body log, first-try deliveries without rows) and aged.
# With SHAPE=rows, OLD_EVENTS events as fill.py writes them instead (each with a delivery row and an
# attempt, as failed deliveries and stores from before schema 6 have them).
# Usage: bench/retention/cpu.sh [SECONDS]     SHAPE=rows bench/retention/cpu.sh [OLD_EVENTS]
#        HOOKROUTER_BIN=path for another build   (needs: sqlite3, wrk and nginx-light for the default shape)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
source bench/retention/fixture.bash
if [ "${SHAPE:-log}" = rows ]; then
  bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
  retention_fill "${1:-200000}" 0
else
  workload_setup "$work"  # builds the release binary unless HOOKROUTER_BIN names one; sets $bin
  retention_fill_workload "${1:-10}"
fi
old=$(sqlite3 "$work/data/hookrouter.db" 'SELECT count(*) FROM events')
retention_config 1d
t0=$(date +%s.%N)
taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:0 --admin 127.0.0.1:0 2>>"$work/hr.log" & pid=$!
until [ "$(sqlite3 "$work/data/hookrouter.db" 'SELECT count(*) FROM events' 2>/dev/null || echo busy)" = 0 ]; do sleep 0.2; done
t1=$(date +%s.%N)
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' /proc/$pid/stat)
python3 -c "print('%d events purged in %.1f s; router CPU %.2f s, %.1f us per event' % ($old, $t1 - $t0, $cpu, $cpu * 1e6 / $old))"
