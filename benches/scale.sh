#!/usr/bin/env bash
# Scale benchmark: builds ledgers of E endorsements with examples/gen-ledger.rs and measures
# full verify (wall time, peak memory, endorsements/s, commits/s) against the floor of the same
# number of bare ed25519 checks (examples/sig-floor.rs), incremental verify after one new act,
# one `sign` and one `org add` as processes (and one act on a clone with a work tree),
# repository size before and after `git gc`, and stock `git verify-commit` per commit on a
# sample of 20 commits.
#
#   benches/scale.sh [SIZES...]        default: 1000 10000 100000
#
# Ledgers go to target/scale/E (regenerated on every run). Organizations: E/4, at most
# MAX_ORGS (default 2500); statements: at least 5, and enough that every organization endorses
# each version at most once (E / orgs). Override with ORGS=N STATEMENTS=N SEED=N.
# The table is printed on stdout and written to target/scale/results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
MAX_ORGS=${MAX_ORGS:-2500}
SEED=${SEED:-1}
OUT=$ROOT/target/scale
BIN=$ROOT/target/release/undersigned
GEN=$ROOT/target/release/examples/gen-ledger
FLOOR=$ROOT/target/release/examples/sig-floor

for tool in jq git ssh-keygen /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "scale.sh: needs $tool" >&2; exit 2; }
done

echo "scale.sh: cargo build --release --bins --examples" >&2
cargo build --release --bins --examples >&2
mkdir -p "$OUT"

now() { echo "$EPOCHREALTIME"; }
# Milliseconds between two $EPOCHREALTIME stamps.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }

# Runs `undersigned --ledger DIR verify --json [ARGS]`; sets V_SECS V_KB and the JSON in V_JSON.
run_verify() {
    local dir=$1 tf
    shift
    tf=$(mktemp)
    V_JSON=$(/usr/bin/time -o "$tf" -f '%e %M' "$BIN" --ledger "$dir" --json verify "$@") || {
        echo "scale.sh: verify of $dir failed:" >&2
        echo "$V_JSON" | jq -c '.failures[:5]' >&2
        exit 1
    }
    read -r V_SECS V_KB <"$tf"
    rm -f "$tf"
}

header='| endorsements | commits | orgs | statements | generate s (acts/s) | verify s | endorsements/s | commits/s | peak RSS MB | floor s (1 core / all) | verify ÷ floor (1 core / all) | verify after 1 act s | sign ms | act with work tree ms | org add ms | repo MB (loose → gc) | head tree MB | verify after gc s | git verify-commit ms/commit | speed-up per commit |'
sep='| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
{
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo
    echo "$header"
    echo "$sep"
} | tee "$OUT/results.md"

for E in "${SIZES[@]}"; do
    orgs=${ORGS:-$(( E / 4 < MAX_ORGS ? E / 4 : MAX_ORGS ))}
    (( orgs >= 10 )) || orgs=10
    stmts=${STATEMENTS:-$(( (E + orgs - 1) / orgs ))}
    (( stmts >= 5 )) || stmts=5
    dir=$OUT/$E
    rm -rf "$dir" "$dir-keys"

    echo "scale.sh: E=$E: gen-ledger --orgs $orgs --statements $stmts --endorsements $E --seed $SEED" >&2
    gen=$("$GEN" --orgs "$orgs" --statements "$stmts" --endorsements "$E" --out "$dir" --seed "$SEED")
    get() { echo "$gen" | sed -n "s/^$1=//p"; }
    gen_secs=$(get gen_seconds)
    gen_rate=$(get acts_per_second)
    stmt=$(get statements | cut -d' ' -f1)
    keys=$(get keys)
    # No background `git gc --auto` started by an act may run while this script measures (or
    # collide with its own `git gc` below: "gc is already running").
    git -C "$dir" config gc.auto 0

    # Full verify, and its throughput (it also records the proof the next run resumes from).
    run_verify "$dir" --full
    commits=$(echo "$V_JSON" | jq .commits)
    endorsements=$(echo "$V_JSON" | jq .endorsements)
    withdrawals=$(echo "$V_JSON" | jq .withdrawals)
    verify_secs=$V_SECS
    verify_kb=$V_KB
    echo "scale.sh: E=$E: verify $verify_secs s, $verify_kb KB" >&2

    # The floor: every commit signature and every record signature, as bare checks.
    n_sigs=$(( commits + endorsements + withdrawals ))
    read -r floor1 floor_all _threads < <("$FLOOR" "$n_sigs")

    # One sign as a process, then verify after that one act.
    t0=$(now)
    "$BIN" --ledger "$dir" sign "$stmt" --org spare-1 --key "$keys/spare-1" >/dev/null
    t1=$(now)
    sign1=$(ms "$t0" "$t1")
    # Incremental: resumes from the head the full run proved and checks the one new act.
    run_verify "$dir"
    verify_after=$V_SECS
    [ "$(echo "$V_JSON" | jq -r '.resumed_from // empty')" != "" ] ||
        echo "scale.sh: E=$E: the verify after one act did not resume from the proved head" >&2
    signs=("$sign1")
    for s in spare-2 spare-3; do
        t0=$(now)
        "$BIN" --ledger "$dir" sign "$stmt" --org "$s" --key "$keys/$s" >/dev/null
        t1=$(now)
        signs+=("$(ms "$t0" "$t1")")
    done
    # One `org add` with a new key (it rewrites allowed_signers), by the editor.
    adds=()
    for i in 1 2 3; do
        ssh-keygen -q -t ed25519 -N '' -C "" -f "$keys/new-$i"
        t0=$(now)
        "$BIN" --ledger "$dir" org add "bench-new-$i" --name "Benchmark newcomer $i" \
            --pubkey "$keys/new-$i.pub" --key "$keys/editor" >/dev/null
        t1=$(now)
        adds+=("$(ms "$t0" "$t1")")
    done
    sign_ms=$(median3 "${signs[@]}")
    add_ms=$(median3 "${adds[@]}")

    # One act on a clone with a work tree: git's index lists every file, and libgit2 reads and
    # writes it whole at each act. The first act there brings the work tree under undersigned
    # (one whole checkout) and is not counted; then the spare organizations withdraw.
    wt=$dir-wt
    rm -rf "$wt"
    git clone -q "$dir" "$wt"
    "$BIN" --ledger "$wt" org add bench-wt --name "Work tree warm-up" --key "$keys/editor" >/dev/null
    wts=()
    for s in spare-1 spare-2 spare-3; do
        t0=$(now)
        "$BIN" --ledger "$wt" withdraw "$stmt" --org "$s" --key "$keys/$s" >/dev/null
        t1=$(now)
        wts+=("$(ms "$t0" "$t1")")
    done
    wt_ms=$(median3 "${wts[@]}")
    rm -rf "$wt"

    # Size on disk, before and after gc; size of the head tree's files.
    kb_loose=$(du -sk "$dir" | cut -f1)
    git -C "$dir" gc -q
    kb_gc=$(du -sk "$dir" | cut -f1)
    tree_bytes=$(git -C "$dir" ls-tree -r -l main | awk '{ s += $4 } END { print s + 0 }')
    run_verify "$dir" --full
    verify_gc=$V_SECS

    # Stock git on 20 commits spread over history.
    signers=$(mktemp)
    git -C "$dir" show main:allowed_signers >"$signers"
    total=$(git -C "$dir" rev-list --count main)
    step=$(( total / 20 > 0 ? total / 20 : 1 ))
    mapfile -t sample < <(git -C "$dir" rev-list main | awk -v s="$step" 'NR % s == 1' | head -20)
    bad=0
    t0=$(now)
    for c in "${sample[@]}"; do
        git -C "$dir" -c gpg.ssh.allowedSignersFile="$signers" verify-commit "$c" 2>/dev/null || bad=$((bad + 1))
    done
    t1=$(now)
    rm -f "$signers"
    git_ms=$(awk -v t="$(ms "$t0" "$t1")" -v n="${#sample[@]}" 'BEGIN { printf "%.1f", t / n }')
    (( bad == 0 )) || echo "scale.sh: E=$E: stock git refused $bad of ${#sample[@]} sampled commits" >&2
    ours_ms=$(div "$verify_secs" "$commits" '%.6f')
    speedup=$(awk -v g="$git_ms" -v o="$ours_ms" 'BEGIN { printf "%.0f×", g / (o * 1000) }')

    printf '| %s | %s | %s | %s | %s (%s) | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s | %s | %s | %s → %s | %s | %s | %s | %s |\n' \
        "$endorsements" "$commits" "$orgs" "$stmts" "$gen_secs" "$gen_rate" "$verify_secs" \
        "$(div "$endorsements" "$verify_secs")" "$(div "$commits" "$verify_secs")" "$(mb "$verify_kb")" \
        "$floor1" "$floor_all" "$(div "$verify_secs" "$floor1" '%.1f')" "$(div "$verify_secs" "$floor_all" '%.1f')" \
        "$verify_after" "$sign_ms" "$wt_ms" "$add_ms" "$(mb "$kb_loose")" "$(mb "$kb_gc")" \
        "$(awk -v b="$tree_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" "$verify_gc" "$git_ms" "$speedup" |
        tee -a "$OUT/results.md"
done
