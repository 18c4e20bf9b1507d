#!/usr/bin/env bash
# What the kernel does per event on the workload (bench/workload/run.sh's setup, empty store): TCP
# segments in and out (nstat, whole host: wrk and the target are the only other talkers), and the
# router's context switches by thread (/proc/PID/task/*/status), over 5 s in the middle of a 10 s round.
# The minimum is 4 segments (the request and its answer, the delivery and its answer, ACKs riding on them).
# Usage: bench/workload/per-event.sh        (needs: wrk nginx-light iproute2's nstat)
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
source bench/ingest/fixture.bash
workload_setup "$work"
workload_serve "$work"
taskset -c 1 wrk -t1 -c64 -d10s -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" & w=$!
sleep 2
stored() { curl -s http://127.0.0.1:18083/metrics | awk '/^hookrouter_requests_total.*"202"/{s += $2} END{print s + 0}'; }
segments() { nstat -az 2>/dev/null | awk '$1 ~ /^(TcpInSegs|TcpOutSegs|TcpExtTCPPureAcks|TcpExtDelayedACKs)$/{print $1, $2}'; }
switches() { for t in /proc/$hr/task/*; do awk -v c="$(cat "$t/comm")" '/^voluntary/{v=$2} /^nonvoluntary/{n=$2} END{print c, v, n}' "$t/status"; done | sort; }
segments > "$work/s0"; switches > "$work/c0"; e0=$(stored)
sleep 5
segments > "$work/s1"; switches > "$work/c1"; e1=$(stored)
wait $w
n=$((e1 - e0)); echo "events stored in the 5 s: $n"
paste "$work/s0" "$work/s1" | awk -v n=$n '{printf "%-20s %9d  %.2f per event\n", $1, $4 - $2, ($4 - $2) / n}'
echo "context switches (voluntary, involuntary) by thread:"
join "$work/c0" "$work/c1" | awk -v n=$n '{v = $4 - $2; i = $5 - $3; if (v + i > 0) printf "  %-14s %7d %7d  %.3f per event\n", $1, v, i, (v + i) / n}'
