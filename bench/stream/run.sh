#!/usr/bin/env bash
# Stream fan-out: CLIENTS WebSocket clients over GROUPS groups, RATE events/s posted (signed, random
# group each), every event also stored as usual; hookrouter on core 0, clients and poster on core 1.
# Reports p50/p99 ingest→client latency (from just before the POST to the client's receipt) and the
# server's CPU time per pushed message, for three rounds.
# Usage: bench/stream/run.sh [CLIENTS] [GROUPS] [RATE] [SECS]   (needs: python3 websockets)
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-1000}; groups=${2:-100}; rate=${3:-1000}; secs=${4:-10}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no
swift build -c release --product hookrouter >/dev/null
mkdir -p "$work/routes.d"
cat > "$work/routes.d/bench.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { path: id } }
targets:
  bench: { stream: { path: /ws/bench, group: '\${{ data.g }}', auth: { bearer: bench-bearer }, max_clients: 100000 } }
routes:
  - { name: to-stream, from: fiscal, to: [bench] }
YAML
ulimit -n "$(ulimit -Hn)"
# Each round: the same posts with no client (ingest alone), then with the clients; the CPU per pushed
# message is the difference over the messages.
for round in $(seq 1 ${ROUNDS:-3}); do
  for n in 0 "$clients"; do
    rm -rf "$work/data"
    taskset -c 0 .build/release/hookrouter serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18182 --admin 127.0.0.1:18183 --log-level warn 2>>"$work/hr.log" &
    hr=$!
    until curl -s -o /dev/null http://127.0.0.1:18183/healthz; do sleep 0.02; done
    taskset -c 1 python3 bench/stream/fanout.py 18182 18183 $hr "$n" "$groups" "$rate" "$secs" > "$work/out.$n"
    kill $hr; wait $hr 2>/dev/null || true
  done
  python3 - "$work/out.0" "$work/out.$clients" <<'PY'
import json, sys
base, run = (json.load(open(p)) for p in sys.argv[1:3])
extra = run["server_cpu_s"] - base["server_cpu_s"]
print("clients %d: %d messages (~%d expected), ingest->client p50 %s ms p99 %s ms (POST answered p99 %s ms, %s ms without clients); server CPU %.2f s (%.2f s ingest alone): %.1f us per pushed message %s"
      % (run["clients"], run["messages"], run["expected_about"], run["p50_ms"], run["p99_ms"], run["post_p99_ms"], base["post_p99_ms"], run["server_cpu_s"], base["server_cpu_s"],
         extra * 1e6 / max(run["messages"], 1), run["other"] or ""))
PY
done
