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
