# shellcheck shell=bash
# Shared by bench/compare.sh and bench/scale-compare.sh (sourced, not run):
# installing what is missing, starting and stopping the portal under GNU
# time, scratch PostgreSQL databases, medians.
# The caller sets BIN (the portal binary) and WORK (a scratch folder).

die() { echo "${0##*/}: $*" >&2; exit 1; }

# need THING PACKAGE: installs PACKAGE with apt-get unless THING (a command,
# or a file if it holds a slash) is there.
apt_updated=
need() {
  if [[ $1 == */* ]]; then [[ -e $1 ]] && return 0
  else command -v "$1" > /dev/null && return 0
  fi
  local sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  echo "installing $2 (for $1)" >&2
  if [[ -z $apt_updated ]]; then
    "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" > /dev/null \
    || die "could not install $2"
}

# port_free PORT: true if nothing answers on 127.0.0.1:PORT.
port_free() { ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }

# start_portal NAME DATABASE_URL PORT on|off: runs the portal under
# `time -v` with the page cache on (ICONOCAST_PAGE_CACHE_MB unset) or off
# (=0) and waits until /healthz answers. WORKERS, if set, is passed as
# --workers (0 or unset: actix's default, one per CPU). Sets PORTAL_PID (time's pid);
# time's report goes to $WORK/NAME.time, the server's output to $WORK/NAME.log.
start_portal() {
  local name=$1 url=$2 port=$3 cache=$4 cache_env
  port_free "$port" || die "port $port is already taken (set PORT_BASE)"
  if [[ $cache == off ]]; then cache_env=(ICONOCAST_PAGE_CACHE_MB=0); else cache_env=(-u ICONOCAST_PAGE_CACHE_MB); fi
  env "${cache_env[@]}" RUST_LOG=warn /usr/bin/time -v -o "$WORK/$name.time" \
    "$BIN" --database-url "$url" --bind "127.0.0.1:$port" --media-dir "$WORK/media" --workers "${WORKERS:-0}" \
    > "$WORK/$name.log" 2>&1 &
  PORTAL_PID=$!
  RUNNING+=("$PORTAL_PID")
  local i
  for ((i = 0; i < 600; i++)); do # 60 s: a fresh database is migrated and seeded first
    curl -fso /dev/null "http://127.0.0.1:$port/healthz" && return 0
    kill -0 "$PORTAL_PID" 2> /dev/null || { cat "$WORK/$name.log" >&2; die "the portal ($name) exited at start-up"; }
    sleep 0.1
  done
  die "the portal ($name) did not answer /healthz on port $port within 60 s"
}

# stop_portal PID: SIGINT to the server (time itself ignores it), then waits
# for time to write its report; SIGKILL after 40 s.
stop_portal() {
  local pid=$1 child i
  kill -0 "$pid" 2> /dev/null || return 0
  child=$(ps -o pid= --ppid "$pid" | tr -d ' ')
  [[ -n $child ]] && kill -INT "$child" 2> /dev/null
  for ((i = 0; i < 400; i++)); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "the portal (pid $child) ignored SIGINT for 40 s: killing it" >&2
    kill -KILL "$child" 2> /dev/null
  fi
  wait "$pid" 2> /dev/null || true
  local left=() p
  for p in "${RUNNING[@]}"; do [[ $p == "$pid" ]] || left+=("$p"); done
  RUNNING=("${left[@]}")
}

# peak_rss NAME: "Maximum resident set size" of a stopped portal, in MB.
peak_rss() {
  awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' "$WORK/$1.time"
}

# PostgreSQL: PG_ADMIN_URL names a database to connect to for CREATE and DROP.
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
export PGOPTIONS=--client-min-messages=warning
pg_url() { echo "${PG_ADMIN_URL%/*}/$1"; }
pg_create() {
  psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" > /dev/null \
    || die "cannot create database $1 through $PG_ADMIN_URL"
  PG_DATABASES+=("$1")
}
pg_drop() { psql "$PG_ADMIN_URL" -qAt -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" > /dev/null; }

# median: the median of the numbers on stdin, one a line.
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cleanup: stops what is still running, drops the scratch databases and
# removes WORK (kept with KEEP=1). Installed as the EXIT trap.
RUNNING=()
HELPERS=() # other servers a script started (stopped with SIGTERM)
PG_DATABASES=()
cleanup() {
  local pid db
  for pid in "${RUNNING[@]}"; do stop_portal "$pid"; done
  for pid in "${HELPERS[@]}"; do kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; done
  [[ -n ${NGINX_PID:-} ]] && kill -QUIT "$NGINX_PID" 2> /dev/null && wait "$NGINX_PID" 2> /dev/null
  for db in "${PG_DATABASES[@]}"; do pg_drop "$db"; done
  if [[ -n ${KEEP:-} ]]; then echo "scratch files kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
