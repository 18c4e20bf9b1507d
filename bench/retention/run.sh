#!/usr/bin/env bash
# Does the retention purge hurt ingest latency? A store pre-filled with OLD finished events (2 days
# old, each with a delivered delivery and one attempt), then wrk posting new events for SECONDS, twice:
# once with retention 1d (the purge deletes the old rows while wrk runs) and once with 3650d (nothing
# to purge). Compare p50/p99 and check the old rows went.
# Usage: bench/retention/run.sh [OLD_EVENTS] [SECONDS] [CONNECTIONS]     (needs: wrk, python3)
set -euo pipefail
cd "$(dirname "$0")/../.."
old=${1:-200000}; secs=${2:-15}; conns=${3:-32}
bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
work=$(mktemp -d /tmp/hookrouter-retention-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import hashlib, hmac, json, sys
work = sys.argv[1]
body = json.dumps({"evento": "nfe_importada", "dados": {"chave": "x", "pad": "y" * 1400}}).encode()
open(work + "/body.json", "wb").write(body)
open(work + "/sig", "w").write(hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest())
PY
export BENCH_BODY=$work/body.json BENCH_SIG=$work/sig
source bench/ingest/fixture.bash
source bench/retention/fixture.bash
round() {  # retention
  retention_fill "$old"; retention_config "$1"
  $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 2>"$work/hr.log" & local pid=$!
  sleep 0.5
  wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/wrk.out" 2>&1
  kill $pid; wait $pid 2>/dev/null || true
  local left; left=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT count(*) FROM events WHERE event_id LIKE 'old-%'\").fetchone()[0])" "$work/data/hookrouter.db")
  printf "retention %-6s %s req/s  p50 %s  p99 %s  old events left %s of %s\n" "$1" \
    "$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")" "$(awk '$1=="50%"{print $2}' "$work/wrk.out")" \
    "$(awk '$1=="99%"{print $2}' "$work/wrk.out")" "$left" "$old"
}
round 3650d
round 1d
round 3650d
round 1d
