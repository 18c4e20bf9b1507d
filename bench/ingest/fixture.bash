# Sourced by the ingest benches: `ingest_fixture DIR` writes the signed ~1.3 KB fiscal-system body
# (DIR/body.json, its hex HMAC-SHA256 in DIR/sig), exports BENCH_BODY/BENCH_SIG for post.lua, and writes
# DIR/routes.d with one hmac source whose only route never matches (events stored, none delivered).
ingest_fixture() {
  local work=$1
  python3 - "$work" <<'PY'
import hashlib, hmac, json, sys
work = sys.argv[1]
dados = {"chave_acesso": "35261145678901000175550030000884171102938470", "cnpj_emitente": "45678901000175",
         "razao_social": "Têxtil Paulista Indústria e Comércio Ltda", "valor_total": "12873.40",
         "itens": [{"n": i, "codigo": "SKU-%04d" % i, "descricao": "Tecido de algodão cru 1,60 m", "quantidade": "120.0000", "valor": "107.28"} for i in range(9)]}
body = json.dumps({"evento": "nfe_importada", "timestamp": "2026-11-18T08:32:05-03:00", "dados": dados}, ensure_ascii=False, separators=(",", ":")).encode()
open(work + "/body.json", "wb").write(body)
open(work + "/sig", "w").write(hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest())
print("body: %d bytes" % len(body), file=sys.stderr)
PY
  export BENCH_BODY=$work/body.json BENCH_SIG=$work/sig
  mkdir -p "$work/routes.d"
  stored_only_routes "$work/routes.d/bench.yaml"
}

# `stored_only_routes FILE [SETTINGS]`: the signed fiscal source whose only route never matches (events
# stored, none delivered), after SETTINGS (a `settings:` line, or nothing).
stored_only_routes() {
  cat > "$1" <<YAML
${2:-}
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id }, max_body: 64KiB }
targets:
  sink: { url: "http://127.0.0.1:18099/sink" }
routes:
  - { name: none, from: fiscal, events: [never_sent], to: [sink] }
YAML
}

# `nginx_conf FILE PORT`: an nginx that answers `return 200` on loopback PORT, the benches' reference and
# delivery target (uses $work for its body buffers).
nginx_conf() {
  cat > "$1" <<NGX
worker_processes 1;
pid $1.pid;
error_log $1.err;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/nginx-body; client_body_buffer_size 64k;
  server { listen 127.0.0.1:$2; keepalive_requests 1000000; location / { return 200 "ok"; } } }
NGX
}

# `workload_routes FILE [SETTINGS]`: the workload's routes (bench/workload, bench/store, bench/postgres):
# the signed fiscal source, every event routed to `sink` (nginx on 18099, or TARGET_PORT), 64 at once.
workload_routes() {
  cat > "$1" <<YAML
${2:-}
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id }, max_body: 64KiB }
targets:
  sink: { url: "http://127.0.0.1:${TARGET_PORT:-18099}/sink", concurrency: 64 }
routes:
  - { name: to-sink, from: fiscal, events: [nfe_importada], to: [sink] }
YAML
}

# `workload_setup DIR`: what bench/workload's scripts share: random UUID ids, the release build (or
# $HOOKROUTER_BIN, for another build) in $bin, the signed body and the workload's routes in DIR.
workload_setup() {
  export SWIFT_BACKTRACE=enable=no BENCH_IDS=uuid
  if [ -z "${HOOKROUTER_BIN:-}" ]; then swift build -c release --product hookrouter >/dev/null; fi
  bin=${HOOKROUTER_BIN:-.build/release/hookrouter}
  ingest_fixture "$1"
  workload_routes "$1/routes.d/bench.yaml"
}

# `workload_serve DIR`: the workload's delivery target (nginx `return 200` on 18099, core 1) and the
# router ($bin, core 0, listening on 18082, admin on 18083) on DIR's routes and an empty store in DIR;
# returns once the router answers, its pid in $hr.
workload_serve() {
  nginx_conf "$1/target.conf" 18099
  taskset -c 1 nginx -c "$1/target.conf" -g "daemon off;" &
  taskset -c 0 "$bin" serve --config "$1/routes.d" --data "$1/data" --listen 127.0.0.1:18082 --admin 127.0.0.1:18083 \
    --log-level warn 2>>"$1/hr.log" & hr=$!
  until curl -s -o /dev/null http://127.0.0.1:18083/healthz; do sleep 0.02; done
}
