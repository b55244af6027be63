#!/usr/bin/env bash
# Median of 3 timed GETs (after one warm-up) of the staff pages that grow
# with the archive, signed in as an admin. Fill the database first:
#   target/release/iconocast --database-url URL demo --articles 100000
# usage: bench/admin.sh DATABASE_URL [PORT] [BINARY]
set -u
url=${1:?database URL}; port=${2:-8192}
bin=${3:-$(dirname "$0")/../target/release/iconocast}
email=bench-admin@example.org
ICONOCAST_PASSWORD='bench password 1234' "$bin" --database-url "$url" \
    user add --email "$email" --name "Bench Admin" --role admin >/dev/null 2>&1 || true
RUST_LOG=warn "$bin" --database-url "$url" --bind 127.0.0.1:$port > /dev/null 2>&1 &
pid=$!
trap 'kill $pid' EXIT
sleep 3
jar=$(mktemp)
base="http://127.0.0.1:$port"
curl -s -c "$jar" -o /dev/null "$base/admin/login"
csrf=$(awk '$6 == "iconocast_login_csrf" { print $7 }' "$jar")
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "email=$email" \
    --data-urlencode 'password=bench password 1234' --data-urlencode "csrf_token=$csrf" \
    --data-urlencode next=/admin "$base/admin/login"
id=$(curl -s -b "$jar" "$base/admin/articles" | grep -o 'data-article-id="[0-9]*"' | head -1 | grep -o '[0-9]*')
for p in /admin /admin/articles "/admin/articles?page=100" "/admin/articles?status=draft" \
         "/admin/articles?q=market" "/admin/articles?q=zzzzunknown" /admin/articles/new \
         "/admin/articles/$id" "/admin/articles/$id/history" /admin/media /admin/tags /admin/audit; do
  curl -s -b "$jar" -o /dev/null "$base$p"
  med=$(for i in 1 2 3; do curl -s -b "$jar" -o /dev/null -w "%{time_total}\n" "$base$p"; done | sort -n | sed -n 2p)
  code=$(curl -s -b "$jar" -o /dev/null -w "%{http_code}" "$base$p")
  printf "%-36s %s %8.1f ms\n" "$p" "$code" "$(echo "$med*1000" | bc)"
done
rm -f "$jar"
