#!/usr/bin/env bash
# Median of 3 timed GETs (after one warm-up) for the pages that grow with
# the archive. Fill the database first:
#   target/release/iconocast --database-url URL demo --articles 100000
# usage: bench/scale.sh DATABASE_URL [PORT] [BINARY]
set -u
url=${1:?database URL}; port=${2:-8191}
bin=${3:-$(dirname "$0")/../target/release/iconocast}
RUST_LOG=warn "$bin" --database-url "$url" --bind 127.0.0.1:$port > /dev/null 2>&1 &
pid=$!
sleep 3
for p in / /sport "/sport?page=100" /sitemap.xml /sitemaps/articles-1.xml /sitemaps/articles-10.xml \
         /sitemaps/tags.xml /news-sitemap.xml /feed.xml "/search?q=harbour" "/search?q=anan" \
         "/search?q=topic001" "/search?q=%22market+reshapes%22" "/search?q=harb*" "/search?q=zzzzunknown"; do
  curl -s -o /dev/null "http://127.0.0.1:$port$p"
  med=$(for i in 1 2 3; do curl -s -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$port$p"; done | sort -n | sed -n 2p)
  code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port$p")
  printf "%-36s %s %8.1f ms\n" "$p" "$code" "$(echo "$med*1000" | bc)"
done
kill $pid
