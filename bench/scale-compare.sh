#!/usr/bin/env bash
# How the pages that grow with the archive slow down as it grows, on SQLite
# and on PostgreSQL, in one run.
#
# For each backend and each size in SIZES it builds a fresh database with
# `iconocast demo --articles N` (the demo content plus N synthetic articles),
# serves it with the page cache off (ICONOCAST_PAGE_CACHE_MB=0), and times
# each page below: WARMUPS warm-up GETs (3), then the median of GETS (21;
# curl, a new connection each, time_total). All sizes of a backend are
# served at once (ports PORT, PORT+1, ...) and each page's GETs go to them
# in turn, so that the host's drift during the run hits them alike; the
# medians are printed to 0.01 ms. One warm-up and 5 GETs, the first
# method, read PostgreSQL at 100,000 articles partly cold and swung
# single rows by half between runs (its sitemap index: 7.5 ms that way, and
# 3.8 ms as the median of 21 GETs after three warm-ups, the same day). It
# prints the times per size and the ratio of the largest size to the
# smallest per backend. Any answer but 200 stops it with a non-zero exit.
#
# The pages: a category, its page 10 and its last page; an author; a
# hashtag; search for a common word, two words, a prefix and a phrase; the
# sitemap index and the first articles sitemap. The words, hashtag and
# author occur in the synthetic content (src/synthetic.rs, src/demo.rs):
# "market" is its most frequent word, "river" the second, "harb*" matches
# "harbour"; every article has three of the hashtags Topic001 to Topic300;
# the synthetic articles are shared among the four demo writers.
#
# usage: bench/scale-compare.sh [BINARY]    (default: target/release/iconocast)
#   SIZES="1000 100000"      articles; 100,000 takes a few minutes per backend
#   BACKENDS="sqlite postgres"
#   PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres
#                            the databases are iconocast_bench_<pid>_<N>, dropped after use
#   WARMUPS=3  GETS=21       GETs per page before timing, and timed
#   PORT=18490   OUT=/tmp/iconocast-scale-compare.txt   KEEP=1 keeps the scratch folder
# quick check: SIZES="1000 5000" bench/scale-compare.sh
set -uo pipefail
here=$(dirname "$0")
BIN=$(realpath "${1:-${BIN:-$here/../target/release/iconocast}}") || exit 1
[[ -x $BIN ]] || { echo "no binary at $BIN: build it (cargo build --release) or name it" >&2; exit 1; }
read -r -a SIZES <<< "${SIZES:-1000 100000}"
read -r -a BACKENDS <<< "${BACKENDS:-sqlite postgres}"
PORT=${PORT:-18490}
WARMUPS=${WARMUPS:-3}
GETS=${GETS:-21}
OUT=${OUT:-/tmp/iconocast-scale-compare.txt}
# shellcheck source=common.sh source-path=SCRIPTDIR
. "$here/common.sh"

need curl curl
need /usr/bin/time time
[[ ${BACKENDS[*]} == *postgres* ]] && need psql postgresql-client
((${#SIZES[@]} >= 2)) || die "SIZES needs two sizes or more"

WORK=$(mktemp -d /tmp/iconocast-scale.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM

PAGES=(/sport "/sport?page=10" "/sport?page=LAST" /author/lucia-ferreira /tag/topic001
       "/search?q=market" "/search?q=market+river" "/search?q=harb*" "/search?q=%22market+river%22"
       /sitemap.xml /sitemaps/articles-1.xml)

# get PORT PATH: one GET; prints its time in seconds, or stops unless 200.
get() {
  local code t
  read -r code t < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$1$2")
  [[ $code == 200 ]] || die "$2 on port $1 answered ${code:-nothing}, not 200"
  echo "$t"
}

declare -A MS LAST PORTS URLS
BUILT=()
for backend in "${BACKENDS[@]}"; do
  # Every size is built and served first, then each page is timed on all
  # of them in turn, GET by GET: a drift of the host (seen: a size timed
  # a few minutes later ran a third slower throughout) hits every size
  # alike instead of skewing the ratio.
  i=0
  for n in "${SIZES[@]}"; do
    case $backend in
      sqlite) url="sqlite://$WORK/bench-$n.db" ;;
      postgres) db=iconocast_bench_$$_$n; pg_create "$db"; url=$(pg_url "$db") ;;
      *) die "unknown backend $backend (sqlite or postgres)" ;;
    esac
    URLS[$n]=$url
    echo "building $backend with $n articles" >&2
    start=$(date +%s)
    "$BIN" --database-url "$url" demo --articles "$n" > "$WORK/demo.log" 2>&1 \
      || { cat "$WORK/demo.log" >&2; die "demo --articles $n failed on $backend"; }
    BUILT+=("$backend, $n articles: built in $(($(date +%s) - start)) s")
  done
  # Building 100,000 articles leaves PostgreSQL half a gigabyte of WAL
  # to write out, and its checkpoints went on for half a minute after
  # the build, into the pages being timed. Write it out first.
  [[ $backend == postgres ]] && psql "$PG_ADMIN_URL" -qAt -c CHECKPOINT > /dev/null
  pids=()
  for n in "${SIZES[@]}"; do
    PORTS[$n]=$((PORT + i))
    i=$((i + 1))
    start_portal "$backend-$n" "${URLS[$n]}" "${PORTS[$n]}" off
    pids+=("$PORTAL_PID")
    count=$(curl -fsS "http://127.0.0.1:${PORTS[$n]}/sport" | grep -o 'Page 1 of [0-9a-z]*' | sed 's/Page 1 of //')
    [[ -n $count ]] || die "/sport shows no page count"
    # A long listing is counted only so far ("Page 1 of many"): its deep
    # page is then page 50, or its last page when it has fewer (found by
    # halving: a page past the end is a 404).
    if [[ $count == many ]]; then
      lo=1 hi=50
      while ((lo < hi)); do
        mid=$(((lo + hi + 1) / 2))
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$n]}/sport?page=$mid")
        if [[ $code == 200 ]]; then lo=$mid; else hi=$((mid - 1)); fi
      done
      last=$lo
    else
      last=$count
    fi
    LAST[$backend|$n]=$last
  done
  for page in "${PAGES[@]}"; do
    for n in "${SIZES[@]}"; do : > "$WORK/times-$n"; done
    for ((g = 0; g < WARMUPS + GETS; g++)); do
      for n in "${SIZES[@]}"; do
        t=$(get "${PORTS[$n]}" "${page/LAST/${LAST[$backend|$n]}}") || exit 1
        ((g >= WARMUPS)) && echo "$t" >> "$WORK/times-$n"
      done
    done
    for n in "${SIZES[@]}"; do
      MS[$backend|$n|$page]=$(median < "$WORK/times-$n" | awk '{ printf "%.2f", $1 * 1000 }')
      printf '  %-10s %7d  %-30s %8s ms\n' "$backend" "$n" "${page/LAST/${LAST[$backend|$n]}}" "${MS[$backend|$n|$page]}" >&2
    done
  done
  for pid in "${pids[@]}"; do stop_portal "$pid"; done
  for n in "${SIZES[@]}"; do
    case $backend in
      sqlite) rm -f "$WORK/bench-$n.db"* ;;
      postgres) pg_drop "iconocast_bench_$$_$n" ;;
    esac
  done
done

small=${SIZES[0]}
big=${SIZES[-1]}
{
  echo "Iconocast at scale, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs; portal: $BIN"
  echo "median of $GETS GETs after $WARMUPS warm-ups, in ms; page cache off; ratio = $big articles / $small articles"
  echo
  printf '%-30s' page
  for backend in "${BACKENDS[@]}"; do
    for n in "${SIZES[@]}"; do printf ' %16s' "$backend $n"; done
    printf ' %7s' ratio
  done
  echo
  for page in "${PAGES[@]}"; do
    printf '%-30s' "${page/LAST/<last>}"
    for backend in "${BACKENDS[@]}"; do
      for n in "${SIZES[@]}"; do printf ' %16s' "${MS[$backend|$n|$page]}"; done
      printf ' %7s' "$(awk -v a="${MS[$backend|$big|$page]}" -v b="${MS[$backend|$small|$page]}" \
        'BEGIN { printf "%.2fx", a / b }')"
    done
    echo
  done
  echo
  for backend in "${BACKENDS[@]}"; do
    pages=()
    for n in "${SIZES[@]}"; do pages+=("${LAST[$backend|$n]} at $n articles"); done
    joined=$(printf ', %s' "${pages[@]}")
    echo "<last> page of /sport on $backend: ${joined:2}"
  done
  printf '%s\n' "${BUILT[@]}"
} | tee "$OUT"
