#!/usr/bin/env bash
# Fuzzing the parsers that take what people type, paste or send: each
# cargo-fuzz target of fuzz/ (import, search_query, slugs, editor_form) runs
# for SECONDS_EACH seconds, one after the other, each in one process on one
# core (-jobs=1). The properties they check are in src/fuzzing.rs; the unit
# tests run the same checks over the seed corpus on stable.
#
# Each target reads its seed corpus (fuzz/corpus/TARGET, checked in) and its
# dictionary (fuzz/dict/TARGET.dict), and grows a working corpus in
# fuzz/work/TARGET (not checked in; kept between runs, so a second run goes
# on from the first). An input that breaks a property is saved under
# fuzz/artifacts/TARGET/; replay one with
#   cargo +nightly fuzz run -O TARGET fuzz/artifacts/TARGET/crash-...
# It prints the executions, their rate and the corpus size per target, and
# exits 1 if any target found a failure.
#
# Needs a nightly toolchain (rustup toolchain install nightly); installs
# cargo-fuzz (cargo install cargo-fuzz --locked) if it is missing.
#
# usage: bench/fuzz.sh [TARGET...]        (default: every target)
#   SECONDS_EACH=60   MAX_LEN=8192   TOOLCHAIN=nightly   FUZZ_FLAGS="-rss_limit_mb=2048"
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fuzz=$here/../fuzz
SECONDS_EACH=${SECONDS_EACH:-60}
MAX_LEN=${MAX_LEN:-8192}
TOOLCHAIN=${TOOLCHAIN:-nightly}
read -r -a extra <<< "${FUZZ_FLAGS:-}"

die() { echo "${0##*/}: $*" >&2; exit 1; }

cargo "+$TOOLCHAIN" --version > /dev/null 2>&1 \
  || die "no $TOOLCHAIN toolchain: rustup toolchain install $TOOLCHAIN"
if ! cargo "+$TOOLCHAIN" fuzz --version > /dev/null 2>&1; then
  echo "installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked || die "could not install cargo-fuzz"
fi

cd "$fuzz" || die "no fuzz/ folder"
if (($# > 0)); then
  targets=("$@")
else
  targets=()
  for f in fuzz_targets/*.rs; do
    t=${f##*/}
    targets+=("${t%.rs}")
  done
fi
for t in "${targets[@]}"; do
  [[ -f fuzz_targets/$t.rs ]] || die "no target $t (see fuzz/fuzz_targets/)"
done

echo "building ${targets[*]} (release, with sanitizers)" >&2
cargo "+$TOOLCHAIN" fuzz build -O || die "the build failed"

failed=()
printf '%-14s %12s %10s %8s %s\n' target executions "exec/s" corpus outcome
for t in "${targets[@]}"; do
  mkdir -p "work/$t" "artifacts/$t"
  log=work/$t.log
  # With -jobs=1 libFuzzer runs the target in one child process, whose
  # output goes to fuzz-0.log in the current folder: run it in work/.
  (
    cd work || exit 1
    rm -f fuzz-0.log
    cargo "+$TOOLCHAIN" fuzz run -O --fuzz-dir "$fuzz" "$t" "$fuzz/work/$t" "$fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -jobs=1 -workers=1 -max_len="$MAX_LEN" \
      -dict="$fuzz/dict/$t.dict" -artifact_prefix="$fuzz/artifacts/$t/" \
      -print_final_stats=1 "${extra[@]}" > "$t.run.log" 2>&1
    status=$?
    cat "$t.run.log" fuzz-0.log 2> /dev/null > "$t.log"
    rm -f fuzz-0.log "$t.run.log"
    exit $status
  )
  status=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  corpus=$(find "work/$t" -type f | wc -l)
  if ((status == 0)) && ! grep -q 'ERROR: libFuzzer\|panicked at' "$log"; then
    outcome=ok
  else
    outcome="FAILED (see fuzz/$log and fuzz/artifacts/$t/)"
    failed+=("$t")
  fi
  printf '%-14s %12s %10s %8s %s\n' "$t" "${runs:-?}" "${rate:-?}" "$corpus" "$outcome"
done
((${#failed[@]} == 0)) || die "failures in: ${failed[*]}"
