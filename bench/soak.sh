#!/usr/bin/env bash
# A busy day in one minute: readers and the newsroom at once, on each backend.
#
# For each backend it builds a fresh database (the demo content plus
# ARTICLES synthetic articles, and STAFF editors), starts the portal under
# GNU time with its defaults (page cache on), and for DURATION seconds runs
#  - wrk -t1 -cCONNECTIONS over a mix of public pages (home, categories and
#    their page 2, articles, hashtag and author pages, search, feeds,
#    sitemaps, the stylesheet), counting every answer by status;
#  - STAFF signed-in editors (bench/staff_load.py), each creating, saving,
#    publishing an article and uploading an image, over and over.
# Then it checks that every article whose publish was acknowledged (303) is
# in the database and public, and prints the status counts, timeouts, the
# staff writes by outcome and the portal's peak RSS. It fails (exit 1) on
# any answer of 500 or above (503 included), any socket error, or a lost
# acknowledged save.
#
# usage: bench/soak.sh [BINARY]            (default: target/release/iconocast)
#   DURATION=60  CONNECTIONS=256  STAFF=4  ARTICLES=1000
#   BACKENDS="sqlite postgres"   PORT=18520   KEEP=1
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
# quick check: DURATION=10 CONNECTIONS=64 bench/soak.sh
set -uo pipefail
here=$(dirname "$0")
BIN=$(realpath "${1:-${BIN:-$here/../target/release/iconocast}}") || exit 1
[[ -x $BIN ]] || { echo "no binary at $BIN: build it (cargo build --release) or name it" >&2; exit 1; }
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-256}
STAFF=${STAFF:-4}
ARTICLES=${ARTICLES:-1000}
BACKENDS=${BACKENDS:-sqlite postgres}
PORT=${PORT:-18520}
OUT=${OUT:-/tmp/iconocast-soak.txt}
PASSWORD='soak password 1234'
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

need curl curl
need wrk wrk
need /usr/bin/time time
need python3 python3
[[ $BACKENDS == *postgres* ]] && need psql postgresql-client

WORK=$(mktemp -d /tmp/iconocast-soak.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

# The public mix; wrk picks the next one for every request and counts
# answers by status (wrk's own "Non-2xx" line lumps 3xx with 2xx).
cat > "$WORK/mix.lua" << 'EOF'
local paths = {
  "/", "/sport", "/sport?page=2", "/travel", "/books-arts", "/blog",
  "/health-technology-science/how-weather-forecasts-are-made",
  "/sport/the-quiet-science-of-the-warm-up",
  "/sport/how-video-review-works-in-sport",
  "/tag/weather", "/tag/science", "/author/sam-whitaker",
  "/search?q=market", "/search?q=weather+forecast", "/search?q=harb*",
  "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml",
  "/robots.txt", "/about",
}
local i = 0
counts = {}
local threads = {}
setup = function(thread)
  threads[#threads + 1] = thread
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], { ["Accept-Encoding"] = (i % 2 == 0) and "gzip, br" or nil })
end
response = function(status)
  counts[status] = (counts[status] or 0) + 1
end
done = function(summary)
  local total = {}
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  local keys = {}
  for k in pairs(total) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. total[k] end
  io.write("statuses ", table.concat(parts, " "), "\n")
  io.write(string.format("errors connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
EOF

failed=0
: > "$OUT"
report() { echo "$*" | tee -a "$OUT"; }
report "Iconocast soak, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; $DURATION s, $CONNECTIONS reader connections, $STAFF editors, $ARTICLES synthetic articles"
for backend in $BACKENDS; do
  case $backend in
    sqlite) url="sqlite://$WORK/soak.db" ;;
    postgres) db=iconocast_soak_$$; pg_create "$db"; url=$(pg_url "$db") ;;
    *) die "unknown backend $backend (sqlite or postgres)" ;;
  esac
  echo "== $backend: preparing" >&2
  "$BIN" --database-url "$url" demo --articles "$ARTICLES" > /dev/null 2>&1 || die "demo failed on $backend"
  for ((s = 1; s <= STAFF; s++)); do
    ICONOCAST_PASSWORD=$PASSWORD "$BIN" --database-url "$url" user add \
      --email "soak$s@example.org" --name "Soak Editor $s" --role editor > /dev/null 2>&1 \
      || die "user add failed on $backend"
  done
  start_portal "soak-$backend" "$url" "$PORT" on
  pid=$PORTAL_PID
  base="http://127.0.0.1:$PORT"
  echo "== $backend: $DURATION s of readers and editors" >&2
  staff_pids=()
  for ((s = 1; s <= STAFF; s++)); do
    python3 "$here/staff_load.py" "$base" "soak$s@example.org" "$PASSWORD" "$DURATION" \
      > "$WORK/staff-$backend-$s.json" 2> "$WORK/staff-$backend-$s.err" &
    staff_pids+=($!)
  done
  wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s -s "$WORK/mix.lua" "$base" > "$WORK/wrk-$backend.txt" 2>&1
  for p in "${staff_pids[@]}"; do wait "$p"; done
  # Every acknowledged publish must be there, and public.
  lost=0 checked=0
  for ((s = 1; s <= STAFF; s++)); do
    ids=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["published"])))' \
      "$WORK/staff-$backend-$s.json" 2> /dev/null) || { cat "$WORK/staff-$backend-$s.err" >&2; die "an editor's run failed"; }
    for id in $ids; do
      checked=$((checked + 1))
      case $backend in
        sqlite) n=$(sqlite3 "$WORK/soak.db" "SELECT count(*) FROM articles WHERE id = $id AND status = 'published'" 2> /dev/null) ;;
        postgres) n=$(psql "$url" -qAt -c "SELECT count(*) FROM articles WHERE id = $id AND status = 'published'") ;;
      esac
      [[ $n == 1 ]] || lost=$((lost + 1))
    done
  done
  stop_portal "$pid"
  staff=$(python3 -c '
import json, sys
total = {}
for f in sys.argv[1:]:
    for k, v in json.load(open(f))["counts"].items():
        total[k] = total.get(k, 0) + v
print(" ".join(f"{k.replace(chr(32), chr(58))}={v}" for k, v in sorted(total.items())))' "$WORK"/staff-"$backend"-*.json)
  statuses=$(grep '^statuses' "$WORK/wrk-$backend.txt" | cut -d' ' -f2-)
  errors=$(grep '^errors' "$WORK/wrk-$backend.txt" | cut -d' ' -f2-)
  rps=$(awk '/Requests\/sec/ { print $2 }' "$WORK/wrk-$backend.txt")
  report ""
  report "$backend: readers $rps req/s; statuses $statuses"
  report "$backend: socket errors $errors"
  report "$backend: staff (action:status=count) $staff"
  report "$backend: acknowledged publishes checked $checked, missing $lost"
  report "$backend: peak RSS $(peak_rss "soak-$backend") MB"
  bad=$( (echo "$statuses" | tr ' ' '\n'; echo "$staff" | tr ' ' '\n' | sed 's/^[a-z-]*://') \
    | awk -F= '$1 >= 500 || $1 == 0 { n += $2 } END { print n + 0 }')
  sockets=$(echo "$errors" | tr ' ' '\n' | awk -F= '$1 != "status" { n += $2 } END { print n + 0 }')
  if ((bad > 0 || sockets > 0 || lost > 0)); then
    report "$backend: FAILED ($bad answers of 500 or above or no answer, $sockets socket errors, $lost lost saves)"
    failed=1
  fi
done
exit $failed
