#!/usr/bin/env bash
# User-space instructions per event on the workload's path, under callgrind: deterministic where the
# shared VM's req/s swing by ±10 %, so it can compare two builds' CPU work by a few per cent.
# The router (valgrind --tool=callgrind) receives the workload's signed body with random UUID ids from
# 8 sequential keep-alive clients (bench/workload/post_sequential.py) and delivers each event to nginx
# `return 200`; the run is made twice, with N1 and N2 events, and the difference of the totals divided
# by N2 - N1 is the figure (start-up and shutdown cancel out). Not a throughput: batches are far smaller
# than under load, so per-batch costs weigh more, and OpenSSL runs without SHA-NI under valgrind.
# A second line gives the Swift runtime and allocator calls per event the same way (retains, releases,
# allocations, exclusivity checks): what a hot-path change moves when instructions barely do (a retain
# is a few instructions but an atomic operation).
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

run() {
  rm -rf "$work/data" "$work"/cg.*
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "$bin" serve --config "$work/routes.d" --data "$work/data" \
    --listen 127.0.0.1:18182 --admin 127.0.0.1:18183 --log-level warn 2>>"$work/hr.log" & local hr=$!
  for _ in $(seq 300); do curl -s -o /dev/null http://127.0.0.1:18183/healthz && break; sleep 0.2; done
  python3 bench/workload/post_sequential.py "$work/body.json" "$work/sig" "$1" 18182
  sleep 2
  kill -TERM $hr; wait $hr 2>/dev/null || true
  awk '/^summary:/{print $2}' "$work"/cg.* > "$work/total.$1"
  callgrind_annotate --tree=caller "$work"/cg.* 2>/dev/null > "$work/tree.$1"
}
run "$n1"; run "$n2"
a=$(cat "$work/total.$n1"); b=$(cat "$work/total.$n2")
echo "instructions: $a for $n1 events, $b for $n2; per event: $(( (b - a) / (n2 - n1) ))"
python3 - "$work" "$n1" "$n2" <<'PY'
import re, sys
work, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names = ["swift_retain", "swift_release", "swift_bridgeObjectRetain", "swift_bridgeObjectRelease",
         "swift_allocObject", "malloc", "swift_beginAccess"]
def calls(path):
    # In a --tree=caller listing a function's callers precede its `*` line, each with its call count.
    found, callers = {}, []
    for line in open(path).read().split("\n"):
        if not line.strip():
            callers = []
        elif "*  " in line:
            for n in names:
                if (":" + n + " [") in line.split("*  ", 1)[1]:
                    found[n] = sum(int(m.group(1).replace(",", "")) for c in callers for m in [re.search(r"\(([\d,]+)x\)", c)] if m)
            callers = []
        else:
            callers.append(line)
    return found
a, b = calls(f"{work}/tree.{n1}"), calls(f"{work}/tree.{n2}")
print("calls per event: " + ", ".join("%s %.1f" % (n.replace("swift_", ""), (b.get(n, 0) - a.get(n, 0)) / (n2 - n1)) for n in names))
PY
