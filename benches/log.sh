#!/usr/bin/env bash
# Transparency-log benchmark: on ledgers of E endorsements built by examples/gen-ledger.rs, an
# editor signs a checkpoint, a witness cosigns it, a clone fetches both (so the act is published
# on its remote), and the clone writes one organization's receipt. Measured: the receipt's size,
# `receipt verify` (offline, with the witness) as the median of 5 runs, `checkpoint` and
# `witness cosign` as processes, and — in instructions counted by valgrind's callgrind, which a
# loaded machine does not disturb — the share of a full `verify` and of one `sign` spent on the
# log (the leaf of each act and the tree's frontier: `log::leaf::leaf_of` and
# `log::LogState::push`, inclusive, summed over the source files callgrind splits them into).
#
#   benches/log.sh [SIZES...]        default: 1000 100000
#
# Ledgers go to target/scale/log-E (regenerated on every run). CALLGRIND=0 skips the counts
# (callgrind runs about 50 times slower than the program: it counts at the smallest size only,
# unless CALLGRIND_ALL=1). The table is printed on stdout and written to
# target/scale/log-results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 100000)
SEED=${SEED:-1}
OUT=$ROOT/target/scale
BIN=$ROOT/target/release/undersigned
GEN=$ROOT/target/release/examples/gen-ledger

for tool in jq git ssh-keygen; do
    command -v "$tool" >/dev/null || { echo "log.sh: needs $tool" >&2; exit 2; }
done
if [ "${CALLGRIND:-1}" != 0 ]; then
    command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null ||
        { echo "log.sh: needs valgrind (or CALLGRIND=0)" >&2; exit 2; }
fi

echo "log.sh: cargo build --release --bins --examples" >&2
cargo build --release --bins --examples >&2
mkdir -p "$OUT"
# Copies, so that a build during the run does not change what is measured.
bins=$(mktemp -d "$OUT/bin.XXXXXX")
trap 'rm -rf "$bins"' EXIT
cp "$BIN" "$GEN" "$bins/"
BIN=$bins/undersigned
GEN=$bins/gen-ledger

now() { echo "$EPOCHREALTIME"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Instructions of a command under callgrind: "TOTAL LOG" (the log's part, inclusive). The state
# directory is the caller's, so a witness's memory is not disturbed.
count() {
    local cg
    cg=$(mktemp "$OUT/callgrind.XXXXXX")
    valgrind --tool=callgrind --callgrind-out-file="$cg" "$@" >/dev/null 2>&1
    callgrind_annotate --inclusive=yes --threshold=100 "$cg" 2>/dev/null | awk '
        /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
        /[^:]:undersigned::log::leaf::leaf_of( \[|$)|[^:]:undersigned::log::LogState::push( \[|$)/ {
            gsub(",", "", $1); part += $1 }
        END { printf "%.0f %.0f\n", total, part }'
    rm -f "$cg"
}
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f%%", (b > 0 ? 100 * a / b : 0) }'; }
mega() { awk -v a="$1" 'BEGIN { printf "%.1f M", a / 1e6 }'; }

header='| endorsements | commits | log size | checkpoint ms | witness cosign s | receipt s | receipt bytes | receipt verify ms | full verify: instructions, log share | one sign: instructions, log share |'
sep='| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
{
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "$header"
    echo "$sep"
} | tee "$OUT/log-results.md"

first=1
for E in "${SIZES[@]}"; do
    orgs=$(( E / 4 < 2500 ? E / 4 : 2500 ))
    (( orgs >= 10 )) || orgs=10
    stmts=$(( (E + orgs - 1) / orgs ))
    (( stmts >= 5 )) || stmts=5
    dir=$OUT/log-$E
    clone=$dir-clone
    state=$dir-state
    rm -rf "$dir" "$dir-keys" "$clone" "$state"
    mkdir -p "$state"
    # This run's own state directory: the witness's memory and the clone's seen checkpoints.
    export UNDERSIGNED_STATE_DIR=$state

    echo "log.sh: E=$E: gen-ledger --orgs $orgs --statements $stmts --endorsements $E" >&2
    gen=$("$GEN" --orgs "$orgs" --statements "$stmts" --endorsements "$E" --out "$dir" --seed "$SEED")
    get() { echo "$gen" | sed -n "s/^$1=//p"; }
    keys=$(get keys)
    stmt=$(get statements | cut -d' ' -f1)
    git -C "$dir" config gc.auto 0
    git -C "$dir" gc -q
    # The proof the writers resume from.
    "$BIN" --ledger "$dir" verify --full >/dev/null

    # The organization whose receipt is written: the first that endorsed the statement.
    org=$("$BIN" --ledger "$dir" --json audit "$stmt" |
        jq -r '[.versions[].endorsements[] | select(.provenance == "signed") | .org][0]')
    [ -n "$org" ] && [ "$org" != null ] || { echo "log.sh: no endorser of $stmt" >&2; exit 1; }

    t0=$(now)
    "$BIN" --ledger "$dir" checkpoint --key "$keys/editor" >/dev/null
    t1=$(now)
    cp_ms=$(ms "$t0" "$t1")
    t0=$(now)
    "$BIN" --ledger "$dir" witness cosign --org spare-1 --key "$keys/spare-1" >/dev/null
    t1=$(now)
    cosign_s=$(awk -v m="$(ms "$t0" "$t1")" 'BEGIN { printf "%.2f", m / 1000 }')

    "$BIN" clone --bare --trust "$(get ledger_id)" "$dir" "$clone" >/dev/null
    t0=$(now)
    written=$("$BIN" --ledger "$clone" --json receipt "$stmt" --org "$org" -o "$dir.tlog-proof")
    t1=$(now)
    receipt_s=$(awk -v m="$(ms "$t0" "$t1")" 'BEGIN { printf "%.2f", m / 1000 }')
    size=$(echo "$written" | jq .size)
    bytes=$(wc -c <"$dir.tlog-proof")
    [ "$(echo "$written" | jq .cosignatures)" = 1 ] ||
        echo "log.sh: E=$E: the receipt does not carry the witness's cosignature" >&2
    witness=$("$BIN" --ledger "$clone" witness key --org spare-1)
    id=$(get ledger_id)
    runs=()
    for _ in 1 2 3 4 5; do
        t0=$(now)
        "$BIN" receipt verify "$dir.tlog-proof" --trust "$id" --witness "$witness" >/dev/null
        t1=$(now)
        runs+=("$(ms "$t0" "$t1")")
    done
    rv_ms=$(median "${runs[@]}")

    full="—"
    one="—"
    if [ "${CALLGRIND:-1}" != 0 ] && { [ "$first" = 1 ] || [ "${CALLGRIND_ALL:-0}" = 1 ]; }; then
        echo "log.sh: E=$E: callgrind of verify --full and of one sign" >&2
        read -r tot lg < <(count "$BIN" --ledger "$dir" verify --full)
        full="$(mega "$tot"), $(pct "$lg" "$tot")"
        "$BIN" --ledger "$dir" verify >/dev/null
        read -r tot lg < <(count "$BIN" --ledger "$dir" sign "$stmt" --org spare-2 --key "$keys/spare-2")
        one="$(mega "$tot"), $(pct "$lg" "$tot")"
    fi
    first=0
    commits=$(git -C "$dir" rev-list --count HEAD)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$E" "$commits" "$size" "$cp_ms" "$cosign_s" "$receipt_s" "$bytes" "$rv_ms" "$full" "$one" |
        tee -a "$OUT/log-results.md"
done
