#!/usr/bin/env bash
# Several routers on one PostgreSQL database (#14) against one router on SQLite, in the same round:
# wrk posts signed ~1.3 KB bodies with random UUID ids, every event has one delivery to nginx
# `return 200`, the delivery engine running beside ingest. Routers on core 0; PostgreSQL, wrk and the
# nginx target on core 1 (the machine has two). With N routers, N wrk processes split the
# connections and their req/s are summed. Reports req/s, the ratio to SQLite, p99 per wrk, and how
# long the deliveries still owed when wrk stopped took to drain. Then the ingest-to-target latency of
# each set-up at a steady 200 events/s (bench/postgres/latency.py, its own target). Three rounds.
# Usage: bench/postgres/run.sh [SECONDS] [CONNECTIONS]    (needs: wrk nginx-light postgresql)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}; conns=${2:-64}
work=$(mktemp -d)
pg=$(mktemp -d)  # a directory of its own: the postgres user cannot enter $work (mode 0700)
trap 'kill $(jobs -p) 2>/dev/null || true; scripts/postgres stop "$pg"; rm -rf "$work" "$pg"' EXIT
export SWIFT_BACKTRACE=enable=no BENCH_IDS=uuid
swift build -c release --product hookrouter >/dev/null
bin=.build/release/hookrouter
source bench/ingest/fixture.bash
ingest_fixture "$work"
url=$(taskset -c 1 scripts/postgres start "$pg")
psql=$(ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)
routes() {  # dir store [target port]
  mkdir -p "$1"
  TARGET_PORT=${3:-18099} workload_routes "$1/bench.yaml" "settings: { store: \"$2\" }"
}
targets:
  sink: { url: "http://127.0.0.1:${3:-18099}/sink", concurrency: 64 }
routes:
  - { name: to-sink, from: fiscal, events: [nfe_importada], to: [sink] }
YAML
}
nginx_conf "$work/target.conf" 18099
taskset -c 1 nginx -c "$work/target.conf" -g "daemon off;" & target=$!

owed() {  # store: deliveries not yet delivered
  if [ "$1" = sqlite ]; then echo 0; else PGPASSWORD=hookrouter-test-password "$psql" "$url" -w -At -c "SELECT count(*) FROM deliveries WHERE status = 'pending'"; fi
}

round() {  # n store
  local n=$1 store=$2 pids=() outs=()
  [ "$store" = sqlite ] || PGPASSWORD=hookrouter-test-password "$psql" "$url" -w -q -c "TRUNCATE events CASCADE" 2>/dev/null || true
  for i in $(seq 1 "$n"); do
    rm -rf "$work/r$i"; routes "$work/r$i/routes.d" "$store"
    taskset -c 0 $bin serve --config "$work/r$i/routes.d" --data "$work/r$i/data" --listen 127.0.0.1:$((18300 + i)) --admin 127.0.0.1:$((18400 + i)) --log-level warn 2>>"$work/hr.log" &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do until curl -s -o /dev/null http://127.0.0.1:$((18400 + i))/healthz; do sleep 0.05; done; done
  for i in $(seq 1 "$n"); do
    taskset -c 1 wrk -t1 -c$((conns / n)) -d"${secs}s" --latency -s bench/ingest/post.lua http://127.0.0.1:$((18300 + i))/in/fiscal > "$work/wrk.$i" &
    outs+=($!)
  done
  wait "${outs[@]}"
  local t0; t0=$(date +%s.%N)
  local left; left=$(owed "$store")
  while [ "$(owed "$store")" != 0 ]; do sleep 0.2; done
  local drain; drain=$(python3 -c "import time; print('%.1f' % (time.time() - $t0))")
  for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
  local rps=0 p99s=""
  for i in $(seq 1 "$n"); do
    rps=$(python3 -c "print($rps + $(awk '/Requests\/sec/{print $2}' "$work/wrk.$i"))")
    p99s="$p99s $(awk '$1=="99%"{print $2}' "$work/wrk.$i")"
  done
  echo "$rps|$p99s|$left|$drain"
}

latency() {  # n store: one line of latency.py's
  local n=$1 store=$2 pids=() ports=()
  [ "$store" = sqlite ] || PGPASSWORD=hookrouter-test-password "$psql" "$url" -w -q -c "TRUNCATE events CASCADE" 2>/dev/null || true
  for i in $(seq 1 "$n"); do
    rm -rf "$work/r$i"; routes "$work/r$i/routes.d" "$store" 18098
    taskset -c 0 $bin serve --config "$work/r$i/routes.d" --data "$work/r$i/data" --listen 127.0.0.1:$((18300 + i)) --admin 127.0.0.1:$((18400 + i)) --log-level warn 2>>"$work/hr.log" &
    pids+=($!); ports+=($((18300 + i)))
  done
  for i in $(seq 1 "$n"); do until curl -s -o /dev/null http://127.0.0.1:$((18400 + i))/healthz; do sleep 0.05; done; done
  taskset -c 1 python3 bench/postgres/latency.py 18098 2000 200 "${ports[@]}"
  for p in "${pids[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
}

for r in $(seq 1 "${ROUNDS:-3}"); do
  echo "== round $r"
  base=$(round 1 sqlite)
  sqlite_rps=${base%%|*}
  echo "sqlite  1 router : $(printf '%8.0f' "$sqlite_rps") req/s  p99${base#*|}" | cut -d'|' -f1
  for n in 1 2 3; do
    out=$(round "$n" "$url")
    rps=${out%%|*}; rest=${out#*|}; p99=${rest%%|*}; rest=${rest#*|}; left=${rest%%|*}; drain=${rest#*|}
    echo "postgres $n router$( [ "$n" = 1 ] && echo " " || echo "s"): $(printf '%8.0f' "$rps") req/s = $(python3 -c "print('%.2f' % ($rps / $sqlite_rps))")x sqlite  p99$p99  owed at the end $left, drained in ${drain}s"
  done
  echo "latency at 200 events/s, sqlite  1 router : $(latency 1 sqlite)"
  for n in 1 3; do echo "latency at 200 events/s, postgres $n router$( [ "$n" = 1 ] && echo " " || echo "s"): $(latency "$n" "$url")"; done
done
kill $target 2>/dev/null || true
