#!/usr/bin/env bash
# Profiles the throughput half of bench/delivery: N preloaded deliveries to nginx `return 200` (core 1),
# hookrouter on core 0 under `perf record -e cpu-clock -g` (from its start until the last row is delivered).
# Usage: bench/delivery/profile.sh [N] [CONCURRENCY] [OUT]   (OUT: perf.data path, default ./perf.data)
# PERF_CALLGRAPH="--call-graph dwarf" attributes Swift frames better than the default -g (frame pointers).
# HOOKROUTER_BIN=path profiles another build.
# PERF_ARGS="stat -e context-switches,syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync" counts instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-50000}; conc=${2:-64}; out=$(realpath -m "${3:-perf.data}")
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM
export SWIFT_BACKTRACE=enable=no
if [ -z "${HOOKROUTER_BIN:-}" ]; then swift build -c release --product hookrouter >/dev/null; fi
bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
source bench/delivery/fixture.bash
delivery_body "$work"
delivery_nginx "$work" 18291
mkdir -p "$work/routes.d"
cat > "$work/routes.d/bench.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id } }
targets:
  sink: { url: "http://127.0.0.1:18291/sink", concurrency: $conc, timeout: 10s }
routes:
  - { name: to-sink, from: fiscal, events: [preloaded], to: [sink] }
YAML
args=(serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18292 --admin 127.0.0.1:18293 --log-level warn)
$bin "${args[@]}" 2>>"$work/hr.log" & hr=$!
sleep 0.7; kill $hr; wait $hr || true
python3 bench/delivery/preload.py "$work/data/hookrouter.db" "$n" "$work/body.json"
start=$(date +%s.%N)
# perf (core 1) starts hookrouter (core 0) itself, so no thread escapes it.
taskset -c 1 perf ${PERF_ARGS:-record -q -e cpu-clock ${PERF_CALLGRAPH:--g}} -o "$out" -- taskset -c 0 $bin "${args[@]}" 2>>"$work/hr.log" & perf=$!
hr=""
for _ in $(seq 500); do hr=$(pgrep -P $perf -x hookrouter) && break; sleep 0.01; done
[ -n "${hr:-}" ] || { echo "hookrouter did not start under perf" >&2; exit 1; }
python3 - "$work/data/hookrouter.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect('file:%s?mode=ro' % sys.argv[1], uri=True)
deadline = time.time() + 120
while c.execute("select count(*) from deliveries where status != 'delivered'").fetchone()[0]:
    if time.time() > deadline: sys.exit("not all delivered within 120 s")
    time.sleep(0.05)
PY
end=$(date +%s.%N)
kill $hr; wait $perf || true
python3 -c "print('hookrouter %d deliveries in %.2f s: %.0f deliveries/s' % ($n, $end - $start, $n / ($end - $start)))"
