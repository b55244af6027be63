#!/usr/bin/env bash
# Median of 5 timed GETs (after one warm-up) for the pages that grow with
# the archive. Fill the database first:
#   target/release/iconocast --database-url URL demo --articles 100000
# usage: bench/scale.sh DATABASE_URL [PORT] [BINARY]
# Prints one line per page: path, status, median in ms. Compare two sizes
# with `join` on the path (see the scale notes in the commit log).
set -u
url=${1:?database URL}; port=${2:-8191}
bin=${3:-$(dirname "$0")/../target/release/iconocast}
media=$(mktemp -d)
RUST_LOG=warn "$bin" --database-url "$url" --bind 127.0.0.1:$port --media-dir "$media" > /dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.2; done
# Words the synthetic content uses often (src/synthetic.rs): "market" is a
# common word, "explains" a verb of the titles, topic001 a hashtag.
for p in / /sport "/sport?page=10" "/sport?page=50" /author/amara-okafor /tag/topic001 \
         /sitemap.xml /sitemaps/articles-1.xml /sitemaps/articles-10.xml \
         /sitemaps/tags.xml /news-sitemap.xml /feed.xml \
         "/search?q=market" "/search?q=market+river" "/search?q=expl*" \
         "/search?q=%22market+reshapes%22" "/search?q=topic001" "/search?q=zzzzunknown"; do
  curl -s -o /dev/null "http://127.0.0.1:$port$p"
  med=$(for i in 1 2 3 4 5; do curl -s -o /dev/null -w "%{time_total}\n" "http://127.0.0.1:$port$p"; done | sort -n | sed -n 3p)
  code=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$port$p")
  printf "%-36s %s %8.1f\n" "$p" "$code" "$(echo "$med*1000" | bc)"
done
kill $pid
rm -rf "$media"
