# Sourced by the delivery benches. `delivery_body DIR` writes DIR/body.json (a ~1.5 KB fiscal event);
# `delivery_nginx DIR PORT` starts nginx `return 200` on core 1 at PORT (the target), in the background.
delivery_body() {
  python3 -c "
import json
dados={'chave_acesso':'35261145678901000175550030000884171102938470','itens':[{'n':i,'codigo':'SKU-%04d'%i,'descricao':'Tecido de algodao cru 1,60 m','quantidade':'120.0000','valor':'107.28'} for i in range(11)]}
open('$1/body.json','w').write(json.dumps({'evento':'nfe_importada','dados':dados},separators=(',',':')))"
}

delivery_nginx() {
  local work=$1 port=$2
  cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/nginx-body; client_body_buffer_size 64k;
  server { listen 127.0.0.1:$port; keepalive_requests 1000000; location / { return 200 "ok"; } } }
NGX
  taskset -c 1 nginx -c "$work/nginx.conf" -g "daemon off;" &
}
