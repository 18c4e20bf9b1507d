#!/usr/bin/env bash
# Delivery benchmark.
#  1. throughput: N events preloaded in the store, each with one pending delivery to nginx `return 200`
#     on loopback; hookrouter (core 0) delivers them, timed from start to the last delivered row; against
#     a plain libcurl multi loop (core 0) posting the same body N times to the same nginx (core 1).
#  2. latency: events posted at 1,000/s; ingest -> target p50/p99 measured at a loopback sink.
# Three alternating rounds. Usage: bench/delivery/run.sh [N] [CONCURRENCY]
# HOOKROUTER_BIN=path times another build (an older commit's, for a before/after on the same machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-50000}; conc=${2:-64}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no
if [ -z "${HOOKROUTER_BIN:-}" ]; then swift build -c release --product hookrouter >/dev/null; fi
bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
cc -O2 -o "$work/curl_loop" bench/delivery/curl_loop.c -lcurl
source bench/delivery/fixture.bash
delivery_body "$work"
delivery_nginx "$work" 18091
mkdir -p "$work/routes.d"
cat > "$work/routes.d/bench.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id } }
targets:
  sink: { url: "http://127.0.0.1:18091/sink", concurrency: $conc, timeout: 10s }
  latency-sink: { url: "http://127.0.0.1:18095/sink", concurrency: $conc }
routes:
  - { name: to-sink, from: fiscal, events: [preloaded], to: [sink] }
  - { name: to-latency, from: fiscal, events: [nfe_importada], to: [latency-sink] }
YAML
sleep 0.5

for round in 1 2 3; do
  echo "== round $round"
  taskset -c 0 "$work/curl_loop" http://127.0.0.1:18091/sink "$work/body.json" "$n" "$conc"

  rm -rf "$work/data"
  $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18092 --admin 127.0.0.1:18093 --log-level warn 2>>"$work/hr.log" & hr=$!
  sleep 0.7; kill $hr; wait $hr || true
  python3 bench/delivery/preload.py "$work/data/hookrouter.db" "$n" "$work/body.json"
  # The poller is up (its Python started) before the clock starts; it notes the end time itself.
  python3 bench/delivery/wait_delivered.py "$work/data/hookrouter.db" 300 > "$work/done" & poller=$!
  sleep 0.5
  start=$(date +%s.%N)
  taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18092 --admin 127.0.0.1:18093 --log-level warn 2>>"$work/hr.log" & hr=$!
  wait $poller
  read -r end delivered < "$work/done"
  python3 -c "print('hookrouter %d deliveries in %.2f s: %.0f deliveries/s (peak RSS %s)%s' % ($n, $end - $start, $n / ($end - $start), open('/proc/$hr/status').read().split('VmHWM:')[1].split('\n')[0].strip(), '' if $delivered == $n else ' -- only $delivered delivered'))"
  kill $hr; wait $hr || true

  rm -rf "$work/data"
  taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18092 --admin 127.0.0.1:18093 --log-level warn 2>>"$work/hr.log" & hr=$!
  sleep 0.7
  taskset -c 1 python3 bench/delivery/latency.py 18092 18095 1000 10 "$work/body.json"
  kill $hr; wait $hr || true
done
