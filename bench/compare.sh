#!/usr/bin/env bash
# The portal side by side with nginx, in one run, on this machine.
#
# What it measures:
#  - throughput (median req/s) and tail latency (median p99) of an article
#    page and of the stylesheet, with wrk -t1 -c64 on loopback (keep-alive),
#    ROUNDS rounds of DURATION seconds, for nginx and for the portal on SQLite
#    and on PostgreSQL, each with the page cache on (ICONOCAST_PAGE_CACHE_MB
#    unset) and off (=0): the page without Accept-Encoding and with
#    "gzip, br", the stylesheet without and with "br". The rounds go round
#    the targets in turn, so a drift of the machine hits all of them alike.
#  - nginx is the yardstick: one worker, access_log off, keep-alive
#    (1,000,000 requests a connection, as the portal sets no limit),
#    sendfile, open_file_cache, gzip_static and brotli_static, serving the
#    byte-identical bodies the portal served, with the same Content-Type,
#    precompressed once (gzip -9, brotli -q 11). The ratio is the portal's
#    req/s over nginx's for the same request and encoding.
#  - actix-web alone (bench/actix_floor.rs, built with cargo when missing),
#    as many workers as the portal, answering the same files from memory
#    with no middleware, cache lookup or routing: the ceiling of the
#    framework the portal is built on, beside nginx. What the portal's
#    page cache costs on a hit is the gap between its row and the portal's.
#  - the portal's peak RSS (GNU time's "Maximum resident set size") under
#    wrk -t1 -c256 for RSS_DURATION seconds on the article page, without
#    and with "Accept-Encoding: gzip, deflate, br", a fresh server for each.
# Before each measurement one request checks the status (200), the
# Content-Encoding (printed) and that the decoded body is the plain one;
# any non-2xx answer during a wrk run stops the script.
#
# It starts from a fresh SQLite file and a fresh PostgreSQL database
# (iconocast_bench_<pid>, dropped at the end), both seeded with the demo
# content at start-up. It installs wrk, nginx, GNU time, brotli, psql and
# nginx's brotli_static module with apt-get when they are missing.
#
# usage: bench/compare.sh [BINARY]          (default: target/release/iconocast)
#   ROUNDS=5 DURATION=10     rounds and seconds of each wrk run
#   RSS_DURATION=10          seconds of each 256-connection run
#   WORKERS=1                the portal's request threads, like nginx's one
#                            worker; 0 = one per CPU (the portal's default)
#   BACKENDS="sqlite postgres"
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
#   PORT_BASE=18480          nginx on PORT_BASE, the portals on the next ports
#   NGINX_SENDFILE=on        off: nginx copies through user space as the portal
#                            must (shows what zero-copy sendfile is worth)
#   FLOOR=target/release/examples/actix_floor   actix-web alone; FLOOR=off
#                            leaves its rows out
#   OUT=/tmp/iconocast-compare.txt   the table is also written there
#   KEEP=1                   keep the scratch folder (databases, nginx root, logs)
# quick check: ROUNDS=1 DURATION=3 RSS_DURATION=3 bench/compare.sh
set -uo pipefail
here=$(dirname "$0")
BIN=$(realpath "${1:-${BIN:-$here/../target/release/iconocast}}") || exit 1
[[ -x $BIN ]] || { echo "no binary at $BIN: build it (cargo build --release) or name it" >&2; exit 1; }
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-10}
RSS_DURATION=${RSS_DURATION:-10}
WORKERS=${WORKERS:-1}
BACKENDS=${BACKENDS:-sqlite postgres}
PORT_BASE=${PORT_BASE:-18480}
NGINX_SENDFILE=${NGINX_SENDFILE:-on}
OUT=${OUT:-/tmp/iconocast-compare.txt}
FLOOR=${FLOOR:-$here/../target/release/examples/actix_floor}
ARTICLE=/health-technology-science/how-weather-forecasts-are-made
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

need curl curl
need wrk wrk
need nginx nginx
need /usr/bin/time time
need brotli brotli
need /usr/lib/nginx/modules/ngx_http_brotli_static_module.so libnginx-mod-http-brotli-static
[[ $BACKENDS == *postgres* ]] && need psql postgresql-client
if [[ $FLOOR != off && ! -x $FLOOR ]]; then
  echo "building actix-web alone (bench/actix_floor.rs)" >&2
  (cd "$here/.." && cargo build --release --locked --example actix_floor) || die "cannot build bench/actix_floor.rs (FLOOR=off leaves it out)"
  FLOOR=$here/../target/release/examples/actix_floor
fi

WORK=$(mktemp -d /tmp/iconocast-compare.XXXXXX)
chmod 755 "$WORK" # nginx's worker runs as nobody when started by root
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the targets --------------------------------------------------------------
# TARGETS: key; NAME[key]: label; URL[key]: database; CACHE[key]: on|off; PORT[key].
declare -A NAME URL CACHE PORT
TARGETS=(nginx)
NAME[nginx]=nginx
PORT[nginx]=$PORT_BASE
port=$PORT_BASE
for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/bench.db" ;;
    postgres) db=iconocast_bench_$$; pg_create "$db"; url=$(pg_url "$db") ;;
    *) die "unknown backend $backend (sqlite or postgres)" ;;
  esac
  for cache in on off; do
    key=$backend-$cache
    TARGETS+=("$key")
    NAME[$key]="$backend, cache $cache"
    URL[$key]=$url
    CACHE[$key]=$cache
    PORT[$key]=$((++port))
  done
done
PORTALS=("${TARGETS[@]:1}")
rss_port=$((port + 1))

# The portals, one after the other: the first of each backend seeds it.
declare -A PID
for key in "${PORTALS[@]}"; do
  echo "starting the portal: ${NAME[$key]} (port ${PORT[$key]})" >&2
  start_portal "$key" "${URL[$key]}" "${PORT[$key]}" "${CACHE[$key]}"
  PID[$key]=$PORTAL_PID
done

# --- nginx, serving what the first portal served ------------------------------
first=http://127.0.0.1:${PORT[${PORTALS[0]}]}
www=$WORK/www
mkdir -p "$www${ARTICLE%/*}" "$www/static"
curl -fsS -o "$www$ARTICLE" "$first$ARTICLE" || die "cannot fetch $ARTICLE"
CSS=$(grep -o '<link rel="stylesheet" href="/static/[^"]*\.css"' "$www$ARTICLE" | head -1 | cut -d'"' -f4)
[[ -n $CSS ]] || die "no stylesheet link in $ARTICLE"
curl -fsS -o "$www$CSS" "$first$CSS" || die "cannot fetch $CSS"
content_type() { curl -fsS -o /dev/null -w '%{content_type}' "$first$1"; }
html_type=$(content_type "$ARTICLE")
css_type=$(content_type "$CSS")
for f in "$www$ARTICLE" "$www$CSS"; do
  gzip -9 -n -k "$f" || die "cannot gzip $f"
  brotli -q 11 -k "$f" || die "cannot brotli $f"
done
chmod -R a+rX "$www"
mkdir -p "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" << EOF
load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile $NGINX_SENDFILE;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  open_file_cache max=100 inactive=60s;
  client_body_temp_path $WORK/nginx/tmp/body;
  proxy_temp_path $WORK/nginx/tmp/proxy;
  fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
  scgi_temp_path $WORK/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:${PORT[nginx]};
    root $www;
    gzip_static on;
    brotli_static on;
    location /static/ { types { } default_type "$css_type"; }
    location / { types { } default_type "$html_type"; }
  }
}
EOF
port_free "${PORT[nginx]}" || die "port ${PORT[nginx]} is already taken (set PORT_BASE)"
nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" &
NGINX_PID=$!
for ((i = 0; i < 50; i++)); do
  curl -fso /dev/null "http://127.0.0.1:${PORT[nginx]}$CSS" && break
  kill -0 "$NGINX_PID" 2> /dev/null || { cat "$WORK/nginx/error.log" >&2; die "nginx did not start"; }
  sleep 0.1
done

# --- actix-web alone, serving the same files ---------------------------------
if [[ $FLOOR != off ]]; then
  PORT[floor]=$((rss_port + 1))
  NAME[floor]="actix-web alone"
  TARGETS=(nginx floor "${PORTALS[@]}")
  port_free "${PORT[floor]}" || die "port ${PORT[floor]} is already taken (set PORT_BASE)"
  "$FLOOR" "$www" "127.0.0.1:${PORT[floor]}" "$WORKERS" "$html_type" "$css_type" > "$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  HELPERS+=("$FLOOR_PID")
  for ((i = 0; i < 50; i++)); do
    curl -fso /dev/null "http://127.0.0.1:${PORT[floor]}$CSS" && break
    kill -0 "$FLOOR_PID" 2> /dev/null || { cat "$WORK/floor.log" >&2; die "actix_floor did not start"; }
    sleep 0.1
  done
fi

# --- checking and measuring ---------------------------------------------------
# check URL ACCEPT_ENCODING EXPECTED_CONTENT_ENCODING: one GET; dies unless
# it answers 200 with that Content-Encoding ("none" for none) and a body
# that decodes to the plain one. Sets BODY_BYTES (the body as sent).
check() {
  local url=$1 ae=$2 want=$3 status enc decoded
  local args=(-s -o "$WORK/body" -D "$WORK/headers")
  [[ -n $ae ]] && args+=(-H "Accept-Encoding: $ae")
  curl "${args[@]}" "$url" || die "$url: no answer"
  status=$(head -1 "$WORK/headers" | cut -d' ' -f2)
  enc=$(grep -i '^content-encoding:' "$WORK/headers" | cut -d: -f2 | tr -d ' \r')
  enc=${enc:-none}
  BODY_BYTES=$(stat -c %s "$WORK/body")
  echo "  check $url [Accept-Encoding: ${ae:-none}]: $status, Content-Encoding: $enc, $BODY_BYTES bytes" >&2
  [[ $status == 200 ]] || die "$url answered $status, not 200"
  [[ $enc == "$want" ]] || die "$url: Content-Encoding $enc, expected $want"
  case $enc in
    gzip) decoded=$(gzip -dc "$WORK/body" | sha256sum) ;;
    br) decoded=$(brotli -dc "$WORK/body" | sha256sum) ;;
    *) return 0 ;;
  esac
  [[ $decoded == "$(curl -fsS "$url" | sha256sum)" ]] || die "$url: the $enc body does not decode to the plain body"
}

# run_wrk CONNECTIONS SECONDS URL ACCEPT_ENCODING: one wrk run; sets RPS and
# P99 (ms). Dies on any non-2xx/3xx answer; socket errors are noted (a
# request still unanswered after 10 s counts as a timeout, not in the p99).
NOTES=()
run_wrk() {
  local c=$1 d=$2 url=$3 ae=$4 out
  local args=(-t1 -c"$c" -d"${d}s" --timeout 10s --latency)
  [[ -n $ae ]] && args+=(-H "Accept-Encoding: $ae")
  out=$(wrk "${args[@]}" "$url") || die "wrk failed on $url"
  if grep -q 'Non-2xx' <<< "$out"; then echo "$out" >&2; die "$url: non-2xx answers under load"; fi
  if grep -q 'Socket errors' <<< "$out"; then
    NOTES+=("$url [${ae:-none}], -c$c: $(grep 'Socket errors' <<< "$out" | sed 's/^ *//')")
  fi
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' <<< "$out")
  P99=$(awk '$1 == "99%" { v = $2
      if (v ~ /us$/) v = v / 1000; else if (v ~ /ms$/) v = v + 0
      else if (v ~ /m$/) v = v * 60000; else if (v ~ /s$/) v = v * 1000
      print v }' <<< "$out")
  [[ -n $RPS && -n $P99 ]] || { echo "$out" >&2; die "cannot read wrk's output"; }
}

# REQUESTS: "label|path|Accept-Encoding|expected Content-Encoding"
REQUESTS=("article|$ARTICLE||none" "article|$ARTICLE|gzip, br|br"
          "stylesheet|$CSS||none" "stylesheet|$CSS|br|br")
declare -A RPS_ALL P99_ALL BYTES
for ((round = 1; round <= ROUNDS; round++)); do
  for request in "${REQUESTS[@]}"; do
    IFS='|' read -r label path ae want <<< "$request"
    for key in "${TARGETS[@]}"; do
      url=http://127.0.0.1:${PORT[$key]}$path
      # A page rendered for one reader (cache off) goes in gzip when the
      # reader takes it; the cache and the built-in files hold brotli.
      expect=$want
      [[ $label == article && ${CACHE[$key]:-} == off && $ae == *gzip* ]] && expect=gzip
      check "$url" "$ae" "$expect"
      BYTES[$key|$request]=$BODY_BYTES
      run_wrk 64 "$DURATION" "$url" "$ae"
      RPS_ALL[$key|$request]+="$RPS "
      P99_ALL[$key|$request]+="$P99 "
      printf '  round %d/%d  %-10s %-9s %-20s %10.0f req/s  p99 %7.2f ms\n' \
        "$round" "$ROUNDS" "$label" "${ae:-none}" "${NAME[$key]}" "$RPS" "$P99" >&2
    done
  done
done
kill -QUIT "$NGINX_PID" && wait "$NGINX_PID"
NGINX_PID=
[[ -n ${FLOOR_PID:-} ]] && kill "$FLOOR_PID" && wait "$FLOOR_PID" 2> /dev/null
for key in "${PORTALS[@]}"; do stop_portal "${PID[$key]}"; done

# --- peak RSS under 256 connections, a fresh server for each -----------------
RSS_LINES=()
for key in "${PORTALS[@]}"; do
  for ae in "" "gzip, deflate, br"; do
    want=none
    [[ -n $ae ]] && want=br
    [[ -n $ae && ${CACHE[$key]} == off ]] && want=gzip
    echo "peak RSS: ${NAME[$key]}, Accept-Encoding: ${ae:-none}" >&2
    start_portal "rss-$key" "${URL[$key]}" "$rss_port" "${CACHE[$key]}"
    check "http://127.0.0.1:$rss_port$ARTICLE" "$ae" "$want"
    run_wrk 256 "$RSS_DURATION" "http://127.0.0.1:$rss_port$ARTICLE" "$ae"
    stop_portal "$PORTAL_PID"
    RSS_LINES+=("$(printf '%-20s %-19s %8s MB  (%.0f req/s)' "${NAME[$key]}" "${ae:-none}" "$(peak_rss "rss-$key")" "$RPS")")
  done
done

# --- the table ----------------------------------------------------------------
{
  echo "Iconocast and nginx, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))"
  echo "portal: $BIN ($(stat -c %s "$BIN") bytes, built $(date -u -r "$BIN" '+%Y-%m-%d %H:%M UTC'))"
  echo "yardstick: $(nginx -v 2>&1 | cut -d' ' -f3), one worker, gzip_static + brotli_static, sendfile $NGINX_SENDFILE; the portal: $(if [[ $WORKERS == 0 ]]; then echo "one worker per CPU"; else echo "$WORKERS worker(s)"; fi) (WORKERS)"
  echo "wrk -t1 -c64, median of $ROUNDS x ${DURATION} s; ratio = req/s / nginx's req/s for the same request"
  echo
  printf '%-11s %-20s %-9s %8s %10s %9s %7s\n' request target encoding bytes req/s "p99 ms" ratio
  for request in "${REQUESTS[@]}"; do
    IFS='|' read -r label path ae want <<< "$request"
    base=$(tr ' ' '\n' <<< "${RPS_ALL[nginx|$request]}" | grep . | median)
    for key in "${TARGETS[@]}"; do
      rps=$(tr ' ' '\n' <<< "${RPS_ALL[$key|$request]}" | grep . | median)
      p99=$(tr ' ' '\n' <<< "${P99_ALL[$key|$request]}" | grep . | median)
      printf '%-11s %-20s %-9s %8s %10.0f %9.2f %7.2f\n' "$label" "${NAME[$key]}" "$want" \
        "${BYTES[$key|$request]}" "$rps" "$p99" "$(awk -v a="$rps" -v b="$base" 'BEGIN { print a / b }')"
    done
  done
  echo
  echo "peak RSS of a fresh portal under wrk -t1 -c256 -d${RSS_DURATION}s on $ARTICLE:"
  printf '  %s\n' "${RSS_LINES[@]}"
  if ((${#NOTES[@]})); then
    echo
    echo "wrk reported socket errors:"
    printf '  %s\n' "${NOTES[@]}"
  fi
} | tee "$OUT"
