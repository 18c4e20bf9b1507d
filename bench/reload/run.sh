#!/usr/bin/env bash
# Reload under load: wrk posts signed events to hookrouter (core 0; wrk on core 1) for SECONDS while the
# config is rewritten and SIGHUP'd 10 times a second, every other version invalid. Zero non-2xx answers
# and zero socket errors are the point; the throughput drop against a run without reloads is reported.
# Usage: bench/reload/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no
swift build -c release --product hookrouter >/dev/null
bin=.build/release/hookrouter
python3 - "$work" <<'PY'
import hashlib, hmac, json, sys
work = sys.argv[1]
body = json.dumps({"evento": "nfe_importada", "dados": {"itens": ["x" * 60] * 20}}, separators=(",", ":")).encode()
open(work + "/body.json", "wb").write(body)
open(work + "/sig", "w").write(hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest())
PY
export BENCH_BODY=$work/body.json BENCH_SIG=$work/sig
mkdir -p "$work/routes.d"
cat > "$work/routes.d/a-source.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id } }
targets:
  sink: { url: "http://127.0.0.1:9/sink", retry: { schedule: [1h] } }
YAML
good() { printf 'routes:\n  - { name: r%s, from: fiscal, events: [never], to: [sink] }\n' "$1"; }
bad() { printf 'routes:\n  - { name: r%s, from: fiscal, events: [never], to: [nowhere] }\n' "$1"; }
good 0 > "$work/routes.d/b-routes.yaml"

summary() {  # label wrk-output
  python3 - "$1" "$2" <<'PY'
import re, sys
out = open(sys.argv[2]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
err = re.search(r"Socket errors: (.*)", out)
print("%-16s %8.0f req/s  non-2xx %s  socket errors %s" % (sys.argv[1], rps, non.group(1) if non else 0, err.group(1) if err else "none"))
PY
}

taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18102 --admin 127.0.0.1:18103 --log-level error 2>"$work/hr.log" & hr=$!
sleep 1
taskset -c 1 wrk -t1 -c32 -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18102/in/fiscal > "$work/base.out" 2>&1
summary "no reloads" "$work/base.out"

taskset -c 1 wrk -t1 -c32 -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18102/in/fiscal > "$work/reload.out" 2>&1 & wrk=$!
i=0
while kill -0 $wrk 2>/dev/null; do
  i=$((i + 1))
  if [ $((i % 2)) = 0 ]; then good $i > "$work/routes.d/.b.tmp"; else bad $i > "$work/routes.d/.b.tmp"; fi
  mv "$work/routes.d/.b.tmp" "$work/routes.d/b-routes.yaml"
  kill -HUP $hr
  sleep 0.1
done
wait $wrk || true
summary "10 reloads/s" "$work/reload.out"
curl -s http://127.0.0.1:18103/metrics | grep '^hookrouter_reloads_total'
echo "config versions written: $i"
kill $hr; wait $hr || true
