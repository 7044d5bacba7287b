# Sourced by the load scripts: starts nginx answering `return 200 "ok"` on
# 127.0.0.1:PORT with 2 workers, everything under DIR (pid in DIR/nginx.pid),
# as the loopback ceiling every HTTP figure is compared with.
# Usage: start_nginx_ceiling DIR PORT
start_nginx_ceiling() {
  local dir=$1 port=$2
  cat >"$dir/nginx.conf" <<NGX
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:$port; location / { return 200 "ok"; } }
}
NGX
  nginx -c "$dir/nginx.conf"
}
