#!/usr/bin/env bash
# Two or more builds on the workload (bench/workload/run.sh's setup: random UUID ids, every event
# delivered to nginx `return 200`, hookrouter on core 0, wrk and the target on core 1, empty store),
# in alternating rounds, for a before/after that the host's drift between rounds cannot fake. Each
# line: events/s, p99, core 0's iowait/idle/steal/sys/irq shares over the middle of the round (from
# /proc/stat) and the router's CPU time per event (utime + stime from /proc/PID/stat).
# Usage: bench/workload/alternate.sh SECONDS BUILD [BUILD …]    ROUNDS="1 2 3 4" for more rounds
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=$1; shift
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
HOOKROUTER_BIN=/bin/true workload_setup "$work" 2>/dev/null
nginx_conf "$work/target.conf" 18099
taskset -c 1 nginx -c "$work/target.conf" -g "daemon off;" &
ticks=$(getconf CLK_TCK)
for round in ${ROUNDS:-1 2 3}; do
  for b in "$@"; do
    rm -rf "$work/data"
    taskset -c 0 "$b" serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 \
      --log-level warn 2>>"$work/hr.log" & hr=$!
    until curl -s -o /dev/null http://127.0.0.1:18083/healthz; do sleep 0.02; done
    t0=$(awk '{print $14 + $15}' /proc/$hr/stat)
    taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" & w=$!
    sleep 2; a=$(grep '^cpu0 ' /proc/stat); sleep $((secs - 3)); c=$(grep '^cpu0 ' /proc/stat)
    wait $w
    t1=$(awk '{print $14 + $15}' /proc/$hr/stat)
    n=$(awk '/requests in/{print $1}' "$work/wrk.out")
    shares=$(python3 -c "
a = list(map(int, '$a'.split()[1:])); c = list(map(int, '$c'.split()[1:])); d = [y - x for x, y in zip(a, c)]; t = sum(d)
print('iowait %.1f%% idle %.1f%% steal %.1f%% sys %.1f%% irq %.1f%%' % tuple(100 * v / t for v in (d[4], d[3], d[7], d[2], d[5] + d[6])))")
    cpu=$(python3 -c "print('%.1f' % (($t1 - $t0) * 1e6 / $ticks / $n))")
    printf "%-24s %9s events/s  p99 %-8s %s  cpu/event %s us\n" "$(basename "$b")" "$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")" \
      "$(awk '/ 99%/{print $2}' "$work/wrk.out")" "$shares" "$cpu"
    kill $hr; wait $hr 2>/dev/null || true
  done
done
