#!/usr/bin/env bash
# Faults under load: what readers get while PostgreSQL restarts or stops,
# how soon the portal recovers, and whether a kill -9 loses a save.
#
#  restart  wrk (64 connections, the public mix of bench/soak.sh) for 20 s;
#           PostgreSQL is restarted (pg_ctlcluster restart) 5 s in.
#  stop     the same, with PostgreSQL stopped 5 s in and started 8 s later.
#  kill     on each backend, STAFF editors save and publish for 10 s
#           (bench/staff_load.py); the portal gets kill -9 4 s in. Every
#           publish acknowledged with a 303 must then be in the database
#           and public.
# The portal runs with the page cache off for restart and stop, so every
# read needs the database (the cache would hide the outage), and with its
# defaults for kill. For each outage it prints the answers per second by
# status, the errors per second of outage and the seconds from the
# database's return to the last error. It exits 1 if a save was lost.
#
# restart and stop act on this machine's PostgreSQL cluster (CLUSTER, e.g.
# "15 main"): run them where nothing else needs the database meanwhile.
#
# usage: bench/faults.sh [BINARY]        (default: target/release/iconocast)
#   FAULTS="restart stop kill"   BACKENDS="sqlite postgres" (for kill)
#   CLUSTER="15 main"   STAFF=4   PORT=18530   KEEP=1
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
set -uo pipefail
here=$(dirname "$0")
BIN=$(realpath "${1:-${BIN:-$here/../target/release/iconocast}}") || exit 1
[[ -x $BIN ]] || { echo "no binary at $BIN: build it (cargo build --release) or name it" >&2; exit 1; }
FAULTS=${FAULTS:-restart stop kill}
BACKENDS=${BACKENDS:-sqlite postgres}
CLUSTER=${CLUSTER:-$(pg_lsclusters -h 2> /dev/null | awk 'NR == 1 { print $1, $2 }')}
STAFF=${STAFF:-4}
PORT=${PORT:-18530}
PASSWORD='faults password 1234'
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

need curl curl
need wrk wrk
need /usr/bin/time time
need python3 python3
need sqlite3 sqlite3
need psql postgresql-client

WORK=$(mktemp -d /tmp/iconocast-faults.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

# The public mix; answers are counted per second and status.
cat > "$WORK/timeline.lua" << 'EOF'
local paths = {
  "/", "/sport", "/sport?page=2", "/travel", "/books-arts",
  "/health-technology-science/how-weather-forecasts-are-made",
  "/sport/the-quiet-science-of-the-warm-up", "/tag/weather",
  "/author/sam-whitaker", "/search?q=market", "/feed.xml", "/sitemap.xml",
}
local i = 0
counts = {}
local threads = {}
setup = function(thread) threads[#threads + 1] = thread end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
response = function(status)
  local key = os.time() .. " " .. status
  counts[key] = (counts[key] or 0) + 1
end
done = function(summary)
  for _, thread in ipairs(threads) do
    for k, v in pairs(thread:get("counts")) do io.write("at ", k, " ", v, "\n") end
  end
  io.write(string.format("errors connect=%d read=%d write=%d timeout=%d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout))
end
EOF

prepare() { # prepare BACKEND: sets DB_URL to a fresh database with demo content and editors
  case $1 in
    sqlite) DB_URL="sqlite://$WORK/faults-$RANDOM.db" ;;
    postgres) local db=iconocast_faults_$$_$RANDOM; pg_create "$db"; DB_URL=$(pg_url "$db") ;;
  esac
  "$BIN" --database-url "$DB_URL" demo --articles 100 > /dev/null 2>&1 || die "demo failed"
  local s
  for ((s = 1; s <= STAFF; s++)); do
    ICONOCAST_PASSWORD=$PASSWORD "$BIN" --database-url "$DB_URL" user add \
      --email "faults$s@example.org" --name "Faults Editor $s" --role editor > /dev/null 2>&1 || die "user add failed"
  done
}

outage() { # outage restart|stop
  local kind=$1 start back
  prepare postgres
  start_portal "faults-$kind" "$DB_URL" "$PORT" off
  local pid=$PORTAL_PID
  wrk -t1 -c64 -d20s --timeout 10s -s "$WORK/timeline.lua" "http://127.0.0.1:$PORT" > "$WORK/wrk-$kind.txt" 2>&1 &
  local wrk_pid=$!
  sleep 5
  start=$(date +%s)
  if [[ $kind == restart ]]; then
    pg_ctlcluster $CLUSTER restart || die "cannot restart PostgreSQL ($CLUSTER)"
  else
    pg_ctlcluster $CLUSTER stop || die "cannot stop PostgreSQL ($CLUSTER)"
    sleep 8
    pg_ctlcluster $CLUSTER start || die "cannot start PostgreSQL ($CLUSTER)"
  fi
  back=$(date +%s)
  wait "$wrk_pid"
  stop_portal "$pid"
  echo "== PostgreSQL $kind: database away from second $start to $back"
  grep '^at ' "$WORK/wrk-$kind.txt" | awk -v start="$start" -v back="$back" '
    { sec = $2 - start; by[sec] = by[sec] " " $3 "=" $4; if ($3 != 200) { errors += $4; if ($2 > last) last = $2 } }
    END {
      for (s = -5; s <= 15; s++) if (s in by) printf "  t=%+3d s:%s\n", s, by[s]
      away = back - start; if (away < 1) away = 1
      printf "  errors (not 200): %d, %.1f per second of outage (%d s)\n", errors, errors / away, away
      if (last) printf "  last error %d s after the database was back\n", last - back
      else print "  no errors"
    }'
  grep '^errors' "$WORK/wrk-$kind.txt" | sed 's/^/  socket /'
  grep -c 'ERROR' "$WORK/faults-$kind.log" | sed 's/^/  ERROR lines in the log: /'
}

kill_during_saves() { # kill_during_saves BACKEND
  local backend=$1 s lost=0 checked=0 ids id n
  prepare "$backend"
  start_portal "kill-$backend" "$DB_URL" "$PORT" on
  local pid=$PORTAL_PID child
  local staff_pids=()
  for ((s = 1; s <= STAFF; s++)); do
    python3 "$here/staff_load.py" "http://127.0.0.1:$PORT" "faults$s@example.org" "$PASSWORD" 10 \
      > "$WORK/kill-$backend-$s.json" 2> "$WORK/kill-$backend-$s.err" &
    staff_pids+=($!)
  done
  sleep 4
  child=$(ps -o pid= --ppid "$pid" | tr -d ' ')
  kill -KILL "$child"
  wait "$pid" 2> /dev/null
  RUNNING=()
  for p in "${staff_pids[@]}"; do wait "$p"; done
  for ((s = 1; s <= STAFF; s++)); do
    ids=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["published"])))' \
      "$WORK/kill-$backend-$s.json") || { cat "$WORK/kill-$backend-$s.err" >&2; die "an editor's run failed"; }
    for id in $ids; do
      checked=$((checked + 1))
      case $backend in
        sqlite) n=$(sqlite3 "${DB_URL#sqlite://}" "SELECT count(*) FROM articles WHERE id = $id AND status = 'published'") ;;
        postgres) n=$(psql "$DB_URL" -qAt -c "SELECT count(*) FROM articles WHERE id = $id AND status = 'published'") ;;
      esac
      [[ $n == 1 ]] || lost=$((lost + 1))
    done
  done
  echo "== kill -9 during saves on $backend: $checked acknowledged publishes checked, $lost missing"
  python3 -c '
import json, sys
total = {}
for f in sys.argv[1:]:
    for k, v in json.load(open(f))["counts"].items():
        total[k] = total.get(k, 0) + v
print("  staff answers:", " ".join(f"{k}={v}" for k, v in sorted(total.items())))' "$WORK"/kill-"$backend"-*.json
  ((lost == 0)) || LOST=1
}

LOST=0
echo "Iconocast faults, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs"
for fault in $FAULTS; do
  case $fault in
    restart | stop) outage "$fault" ;;
    kill) for backend in $BACKENDS; do kill_during_saves "$backend"; done ;;
    *) die "unknown fault $fault (restart, stop or kill)" ;;
  esac
done
exit $LOST
