#!/usr/bin/env bash
# Where the workload's CPU goes: bench/workload's setup (wrk posting signed bodies with random UUID ids,
# every event delivered to nginx `return 200`, hookrouter on core 0, wrk and the target on core 1) on an
# empty store, with `perf record -e cpu-clock -g` on the router for SECONDS in the middle of the load.
# Prints wrk's figures, then the share of each thread and of each thread's libraries; the data stays in
# OUT (default /tmp/hookrouter-profile) for `perf report -i OUT/perf.data`.
# Usage: bench/workload/profile.sh [SECONDS]      (needs: wrk nginx-light linux-perf)
#        HOOKROUTER_BIN=path  profiles another build
#        FREQ=500 CALLGRAPH='--call-graph dwarf,16384'  whole call stacks (Swift frames lack frame pointers)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-6}
out=${OUT:-/tmp/hookrouter-profile}; mkdir -p "$out"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
workload_setup "$work"
workload_serve "$work"
taskset -c 1 wrk -t1 -c64 -d"$((secs + 6))s" --latency -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" & w=$!
sleep 3
perf record -e cpu-clock -F ${FREQ:-2000} ${CALLGRAPH:--g} -p "$hr" -o "$out/perf.data" -- sleep "$secs" >/dev/null 2>&1
wait $w
grep -E "Requests/sec|99%" "$work/wrk.out"
echo "-- share of the samples by thread"
perf report -i "$out/perf.data" --no-children --sort comm -g none --stdio 2>/dev/null | grep -E "^ +[0-9]"
echo "-- by thread and library"
perf report -i "$out/perf.data" --no-children --sort comm,dso -g none --stdio 2>/dev/null | grep -E "^ +[0-9]" | head -20
