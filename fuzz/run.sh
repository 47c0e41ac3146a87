#!/usr/bin/env bash
# Runs every fuzz target for SECS seconds (default 60), one after the other.
#   fuzz/run.sh [SECS] [TARGET...]
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets a stable toolchain build them.
# New inputs go to fuzz/corpus/<target>/ (seeded from fuzz/seeds/<target>/), crashes to
# fuzz/artifacts/<target>/. Extra libFuzzer flags can be passed in FUZZ_FLAGS.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(RUSTC_BOOTSTRAP=1 cargo fuzz list)
fi
export RUSTC_BOOTSTRAP=1
cargo fuzz build
# Targets keep a scratch file or repository in the temp dir (named by process id); give this
# run its own temp dir and remove it at the end.
scratch="$(mktemp -d "${TMPDIR:-/tmp}/undersigned-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
status=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    seeds=()
    [ -d "seeds/$t" ] && seeds=("seeds/$t")
    echo "=== $t: ${secs}s"
    # shellcheck disable=SC2086
    if ! cargo fuzz run "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$secs" -rss_limit_mb=1024 -max_len=65536 -timeout=10 \
        -print_final_stats=1 ${FUZZ_FLAGS:-}; then
        echo "=== $t: FAILED (see fuzz/artifacts/$t/)"
        status=1
    fi
done
exit "$status"
