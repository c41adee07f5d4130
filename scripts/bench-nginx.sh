# Sourced by the bench scripts (bench-scale.sh, bench-cluster.sh): serves a folder of
# feeds over HTTP/1.1 on 127.0.0.1:$port with nginx, everything (config, pid, logs,
# temp files) under $work/nginx, and sets $nginx_pid. The access log is what
# bench-scale.sh counts 200s and 304s in.

start_nginx() { # $1: feed folder
    mkdir -p "$work/nginx/tmp"
    cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log $work/nginx/access.log combined;
    client_body_temp_path $work/nginx/tmp;
    proxy_temp_path $work/nginx/tmp;
    fastcgi_temp_path $work/nginx/tmp;
    uwsgi_temp_path $work/nginx/tmp;
    scgi_temp_path $work/nginx/tmp;
    types { application/rss+xml xml; text/html html; }
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $1;
    }
}
EOF
    nginx -c "$work/nginx/nginx.conf" -p "$work/nginx"
    for _ in $(seq 50); do
        [ -s "$work/nginx/nginx.pid" ] && break
        sleep 0.1
    done
    nginx_pid=$(cat "$work/nginx/nginx.pid")
}
