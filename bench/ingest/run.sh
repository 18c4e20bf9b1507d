#!/usr/bin/env bash
# Ingest benchmark: wrk posting a signed 1.5 KB body (unique id per request) to
#   nginx `return 200` (the ceiling), hookrouter serve (verify + store: the body log flushed and the
#   rows committed before the 202), and the Debian `webhook` tool verifying the same HMAC.
# Server pinned to core 0, wrk to core 1; three alternating rounds; the median is reported.
# Usage: bench/ingest/run.sh [SECONDS] [CONNECTIONS]      (needs: wrk nginx-light webhook)
#        BENCH_IDS=uuid bench/ingest/run.sh ...          random UUID ids instead of nearly sequential ones
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}; conns=${2:-64}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
export SWIFT_BACKTRACE=enable=no
swift build -c release --product hookrouter >/dev/null
bin=.build/release/hookrouter

source bench/ingest/fixture.bash
ingest_fixture "$work"

cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx-body;
  server { listen 127.0.0.1:18081; location / { return 200 "ok"; } }
}
NGX

cat > "$work/hooks.json" <<JSON
[{"id": "fiscal", "execute-command": "/bin/true", "response-message": "ok",
  "trigger-rule": {"match": {"type": "payload-hmac-sha256", "secret": "bench-secret",
                             "parameter": {"source": "header", "name": "X-Webhook-Signature"}}}}]
JSON

steal() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }

run_wrk() {  # name url
  local before after
  before=$(steal)
  taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/ingest/post.lua "$2" > "$work/$1.out" 2>&1
  after=$(steal)
  python3 - "$1" "$work/$1.out" "$before" "$after" <<'PY'
import re, sys
name, path, b, a = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
out = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
def lat(p):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, out)
    v = float(m.group(1)); return v / 1000 if m.group(2) == "us" else (v * 1000 if m.group(2) == "s" else v)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
errors = re.search(r"Socket errors: (.*)", out)
steal = 100.0 * (int(a[0]) - int(b[0])) / max(1, int(a[1]) - int(b[1]))
print("%-10s %10.0f req/s  p50 %7.2f ms  p99 %7.2f ms  non-2xx %s  errors %s  steal %.1f%%" % (
    name, rps, lat(50), lat(99), non2xx.group(1) if non2xx else 0, errors.group(1) if errors else "none", steal))
PY
}

for round in 1 2 3; do
  echo "== round $round"
  taskset -c 0 nginx -c "$work/nginx.conf" -g "daemon off;" & ngx=$!
  sleep 0.5; run_wrk nginx http://127.0.0.1:18081/in/fiscal; kill $ngx; wait $ngx 2>/dev/null || true

  rm -rf "$work/data"
  taskset -c 0 $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 --log-level warn 2>"$work/hr.log" & hr=$!
  sleep 1; run_wrk hookrouter http://127.0.0.1:18082/in/fiscal
  echo "           peak RSS $(awk '/VmHWM/{print $2/1024 " MiB"}' /proc/$hr/status); events stored $(sqlite3 "$work/data/hookrouter.db" 'select count(*) from events' 2>/dev/null || echo '?')"
  kill $hr; wait $hr 2>/dev/null || true

  taskset -c 0 webhook -hooks "$work/hooks.json" -ip 127.0.0.1 -port 18084 >"$work/webhook.log" 2>&1 & wh=$!
  sleep 0.5; run_wrk webhook http://127.0.0.1:18084/hooks/fiscal; kill $wh; wait $wh 2>/dev/null || true
done
