#!/usr/bin/env bash
# Swift runtime and allocator calls per event on the workload's path, under callgrind: how many retains,
# releases, allocations and exclusivity checks an event costs, the figures a hot-path change moves when
# instructions barely do (a retain is a few instructions but an atomic operation, ~20 cycles).
# As bench/workload/instructions.sh: 8 sequential keep-alive clients post N1 then N2 events (each run a
# fresh router under callgrind, every event delivered to nginx `return 200`); the difference of the two
# runs' call counts divided by N2 - N1 is the figure (start-up and shutdown cancel out). Small batches,
# so per-batch costs weigh more than under load; compare builds, not absolute figures.
# Usage: bench/workload/runtime-calls.sh [N1] [N2]     (needs: valgrind nginx-light)
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
  python3 bench/workload/post_sequential.py "$work/body.json" "$work/sig" "$1" 18182 >/dev/null
  sleep 2
  kill -TERM $hr; wait $hr 2>/dev/null || true
  callgrind_annotate --tree=caller "$work"/cg.* 2>/dev/null > "$work/tree.$1"
  awk '/^summary:/{print $2}' "$work"/cg.* > "$work/total.$1"
}
run "$n1"; run "$n2"
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
total = lambda n: int(open(f"{work}/total.{n}").read())
d = n2 - n1
print("per event: instructions %d, " % ((total(n2) - total(n1)) / d)
      + ", ".join("%s %.1f" % (n.replace("swift_", ""), (b.get(n, 0) - a.get(n, 0)) / d) for n in names))
PY
