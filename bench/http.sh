#!/bin/sh
# bench/http.sh — lexgate's GET /healthz against nginx serving a 100-byte
# file, with wrk, in one run. Usage: bench/http.sh BUILD_DIR (make bench-http
# installs wrk and nginx-light first and builds lexgate).
#
# Fairness: both servers run 2 workers (lexgate server.threads=2, nginx
# worker_processes 2) on the same 2-core machine, both keep connections
# alive, both write an access-log line per request to a file (lexgate's
# JSON Lines on stderr, nginx's combined format), both answer from memory
# (nginx's open_file_cache keeps the file's descriptor; the page cache the
# bytes). wrk uses the same threads/connections/duration on both, after a
# 2 s warm-up of each; the targets take turns for BENCH_ROUNDS rounds (3)
# because the machine is shared. Output: one JSON line per run, then the
# medians and the median of the per-round ratios. WRK_THREADS,
# WRK_CONNECTIONS and WRK_DURATION override -t2 -c64 -d10s.
set -eu

BUILD=${1:?usage: bench/http.sh BUILD_DIR}
LEXGATE=$(cd "$BUILD" && pwd)/lexgate
THREADS=${WRK_THREADS:-2}
CONNS=${WRK_CONNECTIONS:-64}
DURATION=${WRK_DURATION:-10s}
ROUNDS=${BENCH_ROUNDS:-3}

for cmd in wrk nginx; do
	command -v "$cmd" >/dev/null 2>&1 || {
		echo "bench/http.sh: $cmd not found (make bench-http installs it)" >&2
		exit 1
	}
done
[ -x "$LEXGATE" ] || { echo "bench/http.sh: no $LEXGATE" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-bench-http.XXXXXX")
LX_PID=
NGX_PID=
cleanup() {
	[ -n "$LX_PID" ] && kill "$LX_PID" 2>/dev/null && wait "$LX_PID" 2>/dev/null
	[ -n "$NGX_PID" ] && kill "$NGX_PID" 2>/dev/null && wait "$NGX_PID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# ---- lexgate --------------------------------------------------------------
"$LEXGATE" init --keys "$DIR/keys" >/dev/null
LEXGATE_SERVER_THREADS=2 "$LEXGATE" serve --port 0 --db "sqlite:$DIR/lx.db" \
	--keys "$DIR/keys" >"$DIR/lx.out" 2>"$DIR/lx.log" &
LX_PID=$!
LX_PORT=
for _ in $(seq 1 100); do
	LX_PORT=$(sed -n 's|^lexgate: listening on http://[^:]*:\([0-9]*\)/$|\1|p' "$DIR/lx.out")
	[ -n "$LX_PORT" ] && break
	sleep 0.1
done
[ -n "$LX_PORT" ] || { echo "bench/http.sh: lexgate did not start" >&2; cat "$DIR/lx.log" >&2; exit 1; }

# ---- nginx ----------------------------------------------------------------
mkdir -p "$DIR/www" "$DIR/ngx/logs" "$DIR/ngx/tmp"
# 100 bytes of JSON: {"status":"ok","pad":"xxx…"} padded to exactly 100.
printf '{"status":"ok","pad":"%s"}' "$(printf '%076d' 0 | tr 0 x)" >"$DIR/www/f.json"
[ "$(wc -c <"$DIR/www/f.json")" -eq 100 ] || { echo "bench/http.sh: file is not 100 bytes" >&2; exit 1; }
# nginx workers drop to an unprivileged user when started as root.
chmod 755 "$DIR" "$DIR/www" && chmod 644 "$DIR/www/f.json"
NGX_PORT=
for port in $(seq $((20000 + $$ % 5000)) $((20000 + $$ % 5000 + 20))); do
	cat >"$DIR/ngx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
master_process on;
pid $DIR/ngx/nginx.pid;
error_log $DIR/ngx/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log $DIR/ngx/logs/access.log;
    client_body_temp_path $DIR/ngx/tmp/body;
    proxy_temp_path $DIR/ngx/tmp/proxy;
    fastcgi_temp_path $DIR/ngx/tmp/fastcgi;
    keepalive_timeout 30s;
    keepalive_requests 100000000;
    open_file_cache max=16 inactive=60s;
    server {
        listen 127.0.0.1:$port;
        location = /f.json {
            root $DIR/www;
            default_type application/json;
        }
    }
}
EOF
	nginx -t -q -p "$DIR/ngx" -c "$DIR/ngx/nginx.conf" -e "$DIR/ngx/logs/error.log" 2>>"$DIR/ngx/start.log" || break
	nginx -p "$DIR/ngx" -c "$DIR/ngx/nginx.conf" -e "$DIR/ngx/logs/error.log" 2>>"$DIR/ngx/start.log" &
	NGX_PID=$!
	sleep 0.5
	if kill -0 "$NGX_PID" 2>/dev/null; then
		NGX_PORT=$port
		break
	fi
	wait "$NGX_PID" 2>/dev/null || true
	NGX_PID=
done
[ -n "$NGX_PORT" ] || { echo "bench/http.sh: nginx did not start" >&2; cat "$DIR/ngx/start.log" "$DIR/ngx/logs/error.log" >&2 2>/dev/null; exit 1; }

# ---- run ------------------------------------------------------------------
# The machine is shared, so the targets take turns: ROUNDS rounds of
# (nginx, lexgate), and the ratio is that of the medians.
# run NAME URL ROUND -> prints a JSON line, appends req/s to $DIR/NAME.rps
run() {
	wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$2" >"$DIR/$1.wrk" 2>&1 || {
		echo "bench/http.sh: wrk failed against $1" >&2; cat "$DIR/$1.wrk" >&2; exit 1; }
	rps=$(sed -n 's/^Requests\/sec:[[:space:]]*\([0-9.]*\).*/\1/p' "$DIR/$1.wrk")
	lat=$(awk '$1 == "Latency" { print $2; exit }' "$DIR/$1.wrk")
	p99=$(awk '$1 == "99%" { print $2; exit }' "$DIR/$1.wrk")
	errs=$(sed -n 's/.*Non-2xx or 3xx responses:[[:space:]]*\([0-9]*\).*/\1/p' "$DIR/$1.wrk")
	echo "${rps:-0}" >>"$DIR/$1.rps"
	printf '{"bench":"http","target":"%s","round":%s,"url":"%s","threads":%s,"connections":%s,"duration":"%s","req_per_s":%s,"latency_avg":"%s","latency_p99":"%s","non_2xx":%s}\n' \
		"$1" "$3" "$2" "$THREADS" "$CONNS" "$DURATION" "${rps:-0}" "$lat" "$p99" "${errs:-0}"
}
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

NGX_URL="http://127.0.0.1:$NGX_PORT/f.json"
LX_URL="http://127.0.0.1:$LX_PORT/healthz"
wrk -t"$THREADS" -c"$CONNS" -d2s "$NGX_URL" >/dev/null 2>&1 || true
wrk -t"$THREADS" -c"$CONNS" -d2s "$LX_URL" >/dev/null 2>&1 || true
for round in $(seq 1 "$ROUNDS"); do
	run nginx "$NGX_URL" "$round"
	run lexgate "$LX_URL" "$round"
done
NGX_RPS=$(median "$DIR/nginx.rps")
LX_RPS=$(median "$DIR/lexgate.rps")
# Each round's two runs are back to back, so their ratio sees the same
# background load; the headline is the median of the per-round ratios.
paste "$DIR/lexgate.rps" "$DIR/nginx.rps" | awk '{ print ($2 > 0) ? $1 / $2 : 0 }' >"$DIR/ratio"
RATIO=$(median "$DIR/ratio")
awk -v a="$LX_RPS" -v b="$NGX_RPS" -v n="$ROUNDS" -v r="$RATIO" -v all="$(tr '\n' ' ' <"$DIR/ratio")" 'BEGIN {
	split(all, v, " ")
	printf "{\"bench\":\"http\",\"rounds\":%d,\"nginx_median_req_per_s\":%.0f,\"lexgate_median_req_per_s\":%.0f,\"round_ratios\":[", n, b, a
	for (i = 1; i <= n; i++) printf "%s%.3f", (i > 1 ? "," : ""), v[i]
	printf "],\"ratio_lexgate_over_nginx\":%.3f,\"goal\":0.8,\"met\":%s}\n", r, (r >= 0.8) ? "true" : "false"
}'

# Stop lexgate the way an operator would and check it drained cleanly.
kill -TERM "$LX_PID"
st=0
wait "$LX_PID" || st=$?
LX_PID=
[ "$st" -eq 0 ] || { echo "bench/http.sh: lexgate exited $st after SIGTERM" >&2; exit 1; }
