#!/usr/bin/env bash
# Throughput and latency of the home page and an article page, and the
# server's peak RSS: wrk on loopback, keep-alive, 64 connections, 20 s.
# usage: bench/load.sh DATABASE_URL [PORT]   (build first: cargo build --release)
set -u
url=${1:?database URL}; port=${2:-8181}
bin=$(dirname "$0")/../target/release/iconocast
log=$(mktemp)
RUST_LOG=warn /usr/bin/time -v "$bin" --database-url "$url" --bind 127.0.0.1:$port > /dev/null 2> "$log" &
sleep 3
for path in / /health-technology-science/how-weather-forecasts-are-made; do
  echo "== $path"
  wrk -t2 -c64 -d20s --latency "http://127.0.0.1:$port$path" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors"
done
pkill -INT -f "iconocast --database-url $url --bind 127.0.0.1:$port"; sleep 2
grep "Maximum resident" "$log"
