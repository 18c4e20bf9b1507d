#!/usr/bin/env bash
# CPU of the server per ingested request: its utime+stime (from /proc) over a wrk run, divided by the
# requests answered. Steadier than req/s on a shared machine, and comparable across builds.
# Server pinned to core 0, wrk to core 1; three rounds, alternating the binaries given.
# Usage: bench/ingest/cpu_per_request.sh [SECONDS] [BINARY...]   (default: this tree's release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-5}; shift || true
export SWIFT_BACKTRACE=enable=no
if [ $# -eq 0 ]; then swift build -c release --product hookrouter >/dev/null; set -- .build/release/hookrouter; fi
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import hashlib, hmac, json, sys
work = sys.argv[1]
dados = {"chave_acesso": "35261145678901000175550030000884171102938470", "cnpj_emitente": "45678901000175",
         "razao_social": "Têxtil Paulista Indústria e Comércio Ltda", "valor_total": "12873.40",
         "itens": [{"n": i, "codigo": "SKU-%04d" % i, "descricao": "Tecido de algodão cru 1,60 m", "quantidade": "120.0000", "valor": "107.28"} for i in range(9)]}
body = json.dumps({"evento": "nfe_importada", "timestamp": "2026-11-18T08:32:05-03:00", "dados": dados}, ensure_ascii=False, separators=(",", ":")).encode()
open(work + "/body.json", "wb").write(body)
open(work + "/sig", "w").write(hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest())
PY
export BENCH_BODY=$work/body.json BENCH_SIG=$work/sig
mkdir -p "$work/routes.d"
cat > "$work/routes.d/bench.yaml" <<YAML
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: bench-secret, type: evento, id: { header: X-Request-Id }, max_body: 64KiB }
targets:
  sink: { url: "http://127.0.0.1:18099/sink" }
routes:
  - { name: none, from: fiscal, events: [never_sent], to: [sink] }
YAML

ticks=$(getconf CLK_TCK)
for round in 1 2 3; do
  for bin in "$@"; do
    rm -rf "$work/data"
    taskset -c 0 "$bin" serve --config "$work/routes.d" --data "$work/data" --listen 127.0.0.1:18085 --admin 127.0.0.1:18086 --log-level warn 2>"$work/hr.log" & pid=$!
    sleep 1
    before=$(awk '{print $14+$15}' /proc/$pid/stat)
    out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" -s bench/ingest/post.lua http://127.0.0.1:18085/in/fiscal)
    after=$(awk '{print $14+$15}' /proc/$pid/stat)
    kill $pid; wait $pid 2>/dev/null || true
    python3 - "$bin" "$round" "$before" "$after" "$ticks" <<PY
import re, sys
out = """$out"""
name, rnd, b, a, ticks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
reqs = int(re.search(r"(\d+) requests in", out).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
print("round %s  %-40s %8.0f req/s  %5.1f µs CPU per request" % (rnd, name, rps, (a - b) * 1e6 / ticks / reqs))
PY
  done
done
