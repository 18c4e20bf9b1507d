# Sourced by the retention benches (run.sh, cpu.sh) after bench/ingest/fixture.bash; they set $work and $bin.
# `retention_config RETENTION`: one hmac source whose only route never matches, and that retention.
retention_config() {
  stored_only_routes "$work/routes.d/bench.yaml" "settings: { retention: $1 }"
}

# `retention_fill N [BODY]`: a fresh store in $work/data with N finished events two days old (fill.py),
# bodies of BODY bytes in their rows.
retention_fill() {
  rm -rf "$work/data"; mkdir -p "$work/data" "$work/routes.d"
  retention_config 3650d
  # the server creates the schema; its listen ports are not used
  $bin serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:0 --admin 127.0.0.1:0 2>"$work/fill.log" & local pid=$!
  sleep 1; kill $pid || cat "$work/fill.log" >&2; wait $pid 2>/dev/null || true
  python3 bench/retention/fill.py "$work/data/hookrouter.db" "$@"
}

# `retention_fill_workload SECONDS` (after `workload_setup $work`): a fresh store in $work/data as the
# writer leaves it now (bodies in the body log, an `event_keys` row with its plan, no delivery row for a
# first-try delivery): the workload posted for SECONDS, every event delivered to nginx, then the whole
# store aged two days (receipt, dedup key and counters) so that a 1d retention purges all of it.
retention_fill_workload() {
  rm -rf "$work/data"
  workload_serve "$work"
  taskset -c 1 wrk -t1 -c64 -d"$1s" -s bench/ingest/post.lua http://127.0.0.1:18082/in/fiscal > "$work/fill-wrk.out"
  sleep 1; kill "$hr"; wait "$hr" 2>/dev/null || true
  pkill -f "nginx -c $work/target.conf" || true
  sqlite3 "$work/data/hookrouter.db" "UPDATE events SET received_ms = received_ms - 172800000, time_ms = time_ms - 172800000;
    UPDATE event_keys SET stored_ms = stored_ms - 172800000; UPDATE stat_plans SET minute = minute - 2880;"
}
