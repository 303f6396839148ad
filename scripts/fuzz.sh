#!/usr/bin/env bash
# Fuzzes Mailbell's parsers of hostile input with cargo-fuzz (targets in fuzz/):
#   summary        mailbell_sync::summary::summarize on arbitrary header/body bytes
#   mutf7          modified UTF-7 mailbox names (decode anything, round trips)
#   answers        autoconfig XML, OAuth2 token endpoint answers, sign-in listener requests
#   imap_dialogue  the engine's client code (pre-login, STARTTLS up to the handshake, LOGIN,
#                  two sync passes with an in-memory store, the live connection test) against
#                  a scripted hostile server
#
# Usage:
#   scripts/fuzz.sh                   long run: each target 30 min (MAILBELL_FUZZ_SECONDS), with
#                                     AddressSanitizer, in fork mode that keeps going after a
#                                     crash; the corpus grows in fuzz/corpus/<target>, crashes
#                                     land in fuzz/artifacts/<target>
#   scripts/fuzz.sh --ci              short run for CI: each target MAILBELL_FUZZ_SECONDS (45)
#                                     from the seeds and saved regressions, no sanitizer (the
#                                     code is safe Rust; the build is 2x faster and runs 4x
#                                     faster), fails on the first crash
#   scripts/fuzz.sh --record-seeds    re-records fuzz/seeds/imap_dialogue against a real Dovecot
#                                     (when the engine's dialogue changed)
#   scripts/fuzz.sh [--ci] TARGET...  only these targets
#
# A crash prints the input; replay it with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...
# and, once fixed, keep it in fuzz/regressions/TARGET/ (tests/tests/fuzz_corpus.rs replays
# those in every test run).
#
# cargo-fuzz needs nightly features; on stable Rust RUSTC_BOOTSTRAP=1 unlocks them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/setup.sh

mode=long
targets=()
for a in "$@"; do
  case "$a" in
    --ci) mode=ci ;;
    --record-seeds) mode=record ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) targets+=("$a") ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(summary mutf7 imap_dialogue answers)

ensure_apt "${ENGINE_PACKAGES[@]}"
ensure_rust

if [ "$mode" = record ]; then
  ensure_apt "${TEST_PACKAGES[@]}"
  cargo run --locked -p mailbell-e2e --example record_fuzz_seeds -- fuzz/seeds/imap_dialogue
  exit 0
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "Installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked >/dev/null || die "could not install cargo-fuzz"
fi
export RUSTC_BOOTSTRAP=1

if [ "$mode" = ci ]; then
  seconds="${MAILBELL_FUZZ_SECONDS:-45}"
  build=(-s none)
  target_dir="$CARGO_TARGET_DIR"
else
  seconds="${MAILBELL_FUZZ_SECONDS:-1800}"
  build=(-s address)
  target_dir="$CARGO_TARGET_DIR"
fi

t0=$(date +%s)
one=()
[ ${#targets[@]} -eq 1 ] && one=("${targets[0]}")
cargo fuzz build "${build[@]}" --target-dir "$target_dir" "${one[@]}" || die "building the fuzz targets failed"
echo "fuzz: built in $(( $(date +%s) - t0 )) s" >&2

bin_dir="$target_dir/x86_64-unknown-linux-gnu/release"
failed=()
report=()
for t in "${targets[@]}"; do
  extra=()
  [ "$t" = imap_dialogue ] && extra+=(-dict=fuzz/imap.dict)
  [ "$t" = summary ] && extra+=(-max_len=65536)
  mkdir -p "fuzz/artifacts/$t"
  log=$(mktemp "${TMPDIR:-/tmp}/mailbell-fuzz-$t.XXXXXX")
  since=$(mktemp "${TMPDIR:-/tmp}/mailbell-fuzz-since.XXXXXX")
  started=$(date +%s)
  if [ "$mode" = ci ]; then
    corpus=$(mktemp -d "${TMPDIR:-/tmp}/mailbell-fuzz-corpus-$t.XXXXXX")
    flags=(-max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1)
  else
    corpus="fuzz/corpus/$t"
    mkdir -p "$corpus"
    flags=(-max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1
           -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  # The seeds and saved regressions start the corpus; libFuzzer writes only to the corpus
  # directory (given alone: in fork mode it would also write into the others).
  for d in "fuzz/seeds/$t" "fuzz/regressions/$t"; do
    if [ -d "$d" ]; then
      find "$d" -maxdepth 1 -type f ! -name '*.md' -exec cp -n -t "$corpus" {} +
    fi
  done
  echo "fuzz: $t for ${seconds}s" >&2
  rc=0
  "$bin_dir/$t" -artifact_prefix="fuzz/artifacts/$t/" "${flags[@]}" "${extra[@]}" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  if [ -z "$execs" ]; then
    # Fork mode prints no final stats; its last status line has the count.
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#' || true)
  fi
  units=$(find "$corpus" -type f 2>/dev/null | wc -l)
  mkdir -p "fuzz/artifacts/$t"
  crashes=$(find "fuzz/artifacts/$t" -type f -newer "$since" 2>/dev/null | wc -l)
  took=$(( $(date +%s) - started ))
  line="$t: ${execs:-?} execs in ${took}s, corpus ${units} units, ${crashes} crash artifact(s)"
  [ "$rc" -ne 0 ] && line="$line, stopped by a crash"
  report+=("$line")
  echo "fuzz: $line" >&2
  if [ "$rc" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed+=("$t")
    grep -E 'panicked at|ERROR:|SUMMARY|crash-|timeout-|oom-' "$log" | grep -v 'cannot unwind' | head -20 >&2 || true
  fi
  [ "$mode" = ci ] && rm -rf "$corpus"
  rm -f "$log" "$since"
done

echo "fuzz summary:"
printf '  %s\n' "${report[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
