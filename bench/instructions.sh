#!/usr/bin/env bash
# How many instructions the portal spends per request on a page it renders
# (page cache off, demo content on SQLite), counted by valgrind's
# callgrind: the same count for the same binary and request whatever else
# the machine is doing, where req/s on a shared host drifts by a tenth
# from one run to the next. It counts user-space instructions only: the
# kernel's share of a request (sockets, waking the blocking pool) is not in
# it, so a cut here shows up smaller in bench/compare.sh's req/s.
#
# It starts the portal under callgrind with counting off, sends WARMUP
# requests, counts the next N, and prints the instructions per request and
# the portal's own functions that spent the most, inclusive of what they
# call.
#
# usage: bench/instructions.sh [BINARY] [PATH]
#   (default: target/release/iconocast, the demo article)
#   N=200 WARMUP=20 TOP=25 PORT=18590 KEEP=1 keeps the scratch folder
#   CACHE_MB=64 counts pages served from the page cache instead (the
#   warm-up fills it), with ACCEPT_ENCODING="gzip, br" for its brotli form
#   KEEPALIVE=1 sends the N requests over one connection (one curl), as
#   wrk and browsers do; by default each has its own, whose set-up and
#   tear-down are counted too (some 24,000 instructions)
# comparing two builds: run it once per binary and compare the totals and
# the functions you changed.
set -uo pipefail
here=$(dirname "$0")
BIN=$(realpath "${1:-${BIN:-$here/../target/release/iconocast}}") || exit 1
PAGE=${2:-/health-technology-science/how-weather-forecasts-are-made}
N=${N:-200}
WARMUP=${WARMUP:-20}
TOP=${TOP:-25}
CACHE_MB=${CACHE_MB:-0}
ACCEPT_ENCODING=${ACCEPT_ENCODING:-}
PORT=${PORT:-18590}
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"
[[ -x $BIN ]] || die "no binary at $BIN: build it (cargo build --release) or name it"
need valgrind valgrind
need callgrind_control valgrind
need curl curl
port_free "$PORT" || die "port $PORT is already taken (set PORT)"

WORK=$(mktemp -d /tmp/iconocast-instructions.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

ICONOCAST_PAGE_CACHE_MB=$CACHE_MB RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$WORK/callgrind.out" \
  "$BIN" --database-url "sqlite://$WORK/demo.db" --bind "127.0.0.1:$PORT" \
  --media-dir "$WORK/media" --workers 1 > "$WORK/portal.log" 2>&1 &
VALGRIND=$!
RUNNING+=("$VALGRIND")
url=http://127.0.0.1:$PORT$PAGE
asking=()
[[ -n $ACCEPT_ENCODING ]] && asking=(-H "Accept-Encoding: $ACCEPT_ENCODING")
for ((i = 0; i < 1200; i++)); do # 10 minutes: the seed runs 50 times slower under valgrind
  curl -fso /dev/null "http://127.0.0.1:$PORT/healthz" && break
  kill -0 "$VALGRIND" 2> /dev/null || { cat "$WORK/portal.log" >&2; die "the portal exited at start-up"; }
  sleep 0.5
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$url")
[[ $code == 200 ]] || die "$PAGE answered ${code:-nothing}, not 200"
for ((i = 1; i < WARMUP; i++)); do curl -so /dev/null "${asking[@]}" "$url"; done
if ((CACHE_MB > 0)); then
  # The cache compresses a new entry in the background (brotli at its
  # highest quality takes minutes under valgrind): count only once its
  # brotli form is served, or the compression is counted too.
  compressed=
  for ((i = 0; i < 1200; i++)); do
    curl -so /dev/null -D - -H 'Accept-Encoding: br' "$url" | grep -qi '^content-encoding: *br' \
      && { compressed=1; break; }
    sleep 0.5
  done
  [[ -n $compressed ]] || die "$PAGE was not served in brotli after 10 minutes: is it cached?"
  # A much-read entry is compressed again at best quality in the
  # background (page_cache::POLISH_AFTER hits): wait until the portal is
  # idle, so that this work is not counted as the requests'.
  ticks() { awk '{ print $14 + $15 }' "/proc/$VALGRIND/stat"; }
  for ((i = 0; i < 600; i++)); do
    before=$(ticks)
    sleep 1
    (($(ticks) - before < 5)) && break
  done
fi
callgrind_control -i on "$VALGRIND" > /dev/null 2>&1 || die "callgrind_control could not reach valgrind"
if [[ -n ${KEEPALIVE:-} ]]; then
  # One curl, one connection: the N requests without a connection's
  # set-up and tear-down each (as wrk and browsers ask).
  repeated=()
  for ((i = 0; i < N; i++)); do repeated+=(-o /dev/null "$url"); done
  curl -s "${asking[@]}" "${repeated[@]}"
else
  for ((i = 0; i < N; i++)); do curl -so /dev/null "${asking[@]}" "$url"; done
fi
callgrind_control -i off "$VALGRIND" > /dev/null 2>&1
callgrind_control -d "$VALGRIND" > /dev/null 2>&1
kill -INT "$VALGRIND" 2> /dev/null
wait "$VALGRIND" 2> /dev/null
dump=$(ls -t "$WORK"/callgrind.out.* 2> /dev/null | head -1)
[[ -n $dump ]] || die "callgrind wrote no dump"
total=$(awk '/^totals:/ { print $2 }' "$dump")
[[ -n $total && $total -gt 0 ]] || die "callgrind counted nothing (was any request answered?)"
cache="page cache off"
((CACHE_MB > 0)) && cache="from the page cache (${ACCEPT_ENCODING:-no Accept-Encoding})"
connections="a connection each"
[[ -n ${KEEPALIVE:-} ]] && connections="over one connection"
echo "$PAGE, $cache: $((total / N)) instructions per request ($N requests after $WARMUP, $connections; $BIN)"
echo
echo "the portal's own functions, inclusive of what they call:"
callgrind_annotate --inclusive=yes "$dump" 2> /dev/null | grep -E '^ *[0-9,]+ \(.*iconocast::' \
  | head -n "$TOP" | sed 's/ \[[^]]*\]$//' | cut -c1-160
