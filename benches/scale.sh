#!/usr/bin/env bash
# Scale benchmark: for each size E, a ledger of E endorsements from examples/gen-ledger.rs
# (generated once and kept in target/scale/E; REGENERATE=1 makes it again), packed as a ledger
# in use is, then measured:
#
#   - full `verify --full` with 2 threads, the median of RUNS runs (default 3; 1 from
#     1,000,000 endorsements up, where one run takes minutes): wall time,
#     endorsements/s, and peak memory (GNU time's maximum resident set);
#   - the floor: the same number of bare ed25519 `verify_strict` checks (a commit signature and
#     a record signature per endorsement, one per other commit) on 2 threads
#     (examples/sig-floor.rs), and verify's time divided by it;
#   - stock git on the same ledger in the same run: `git log --format=%G?` over the newest
#     GIT_SAMPLE commits (default 200) with the head's allowed_signers, per commit, against
#     verify's time per commit;
#   - `verify` after one new act (resumed from the proof the full run kept), one `sign` and one
#     `org add` as processes on the bare ledger, the median of three each.
#
#   benches/scale.sh [SIZES...]        default: 1000 10000 100000
#
# Organizations: E/4, at most MAX_ORGS (default 2500); statements: at least 5, and enough
# that every organization endorses each version at most once (E / orgs). Override with
# ORGS=N STATEMENTS=N SEED=N. Background `git gc` is waited for and then turned off while
# measuring (acts start `git gc --auto`, which would collide with the script's own `git gc`).
# Any failing command stops the script with a message and a non-zero status. The table is
# printed on stdout and written to target/scale/results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(1000 10000 100000)
MAX_ORGS=${MAX_ORGS:-2500}
SEED=${SEED:-1}
RUNS=${RUNS:-}
GIT_SAMPLE=${GIT_SAMPLE:-200}
THREADS=2
OUT=$ROOT/target/scale
BIN=$ROOT/target/release/undersigned
GEN=$ROOT/target/release/examples/gen-ledger
FLOOR=$ROOT/target/release/examples/sig-floor

die() {
    echo "scale.sh: error: $*" >&2
    exit 1
}
trap 'die "line $LINENO: \`$BASH_COMMAND\` failed"' ERR

for tool in jq git ssh-keygen awk /usr/bin/time; do
    command -v "$tool" >/dev/null || die "needs $tool (apt-get install jq time)"
done

echo "scale.sh: cargo build --release --bins --examples" >&2
cargo build --release --bins --examples >&2
mkdir -p "$OUT"

now() { echo "$EPOCHREALTIME"; }
# Milliseconds between two $EPOCHREALTIME stamps.
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.0f}" 'BEGIN { printf f, (b > 0 ? a / b : 0) }'; }
# Digits grouped by three with commas, whatever the locale (printf's %'d groups in none of C's).
thousands() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# Waits for a `git gc` running in a repository (it leaves gc.pid while it runs).
wait_gc() {
    local pidfile=$1/gc.pid pid
    while [ -e "$pidfile" ]; do
        pid=$(awk '{ print $1 }' "$pidfile" 2>/dev/null || true)
        [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
        echo "scale.sh: waiting for git gc ($pid) in $1" >&2
        sleep 1
    done
}

# Runs verify --json with ARGS on DIR; sets V_SECS, V_KB and V_JSON. Fails on any failure.
run_verify() {
    local dir=$1 tf status=0
    shift
    tf=$(mktemp)
    V_JSON=$(/usr/bin/time -o "$tf" -f '%e %M' "$BIN" --ledger "$dir" --json verify "$@") || status=$?
    if [ "$status" -ne 0 ]; then
        echo "$V_JSON" | jq -c '.failures[:5]' >&2 || true
        die "verify $* of $dir exited $status"
    fi
    read -r V_SECS V_KB <"$tf"
    rm -f "$tf"
}

# Times one act (the command line after --), in milliseconds, into ACT_MS; fails if it fails.
time_act() {
    local t0 t1
    t0=$(now)
    "$@" >/dev/null || die "$* failed"
    t1=$(now)
    ACT_MS=$(ms "$t0" "$t1")
}

{
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); $(date -u +%Y-%m-%dT%H:%MZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "| endorsements (commits) | full verify, $THREADS threads | endorsements/s | ÷ $THREADS-core floor | per commit vs \`git log --format=%G?\` | verify after one act | \`sign\` | \`org add\` | peak memory |"
    echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} | tee "$OUT/results.md"

for E in "${SIZES[@]}"; do
    orgs=${ORGS:-$((E / 4 < MAX_ORGS ? E / 4 : MAX_ORGS))}
    ((orgs >= 10)) || orgs=10
    stmts=${STATEMENTS:-$(((E + orgs - 1) / orgs))}
    ((stmts >= 5)) || stmts=5
    dir=$OUT/$E
    keys=$dir-keys
    if [ -n "${REGENERATE:-}" ] || [ ! -e "$dir/.generated" ]; then
        rm -rf "$dir" "$keys"
        echo "scale.sh: E=$E: gen-ledger --orgs $orgs --statements $stmts --endorsements $E --seed $SEED" >&2
        "$GEN" --orgs "$orgs" --statements "$stmts" --endorsements "$E" --out "$dir" \
            --seed "$SEED" --no-verify >"$dir.gen" || die "gen-ledger failed"
        touch "$dir/.generated"
    fi
    wait_gc "$dir"
    # No background `git gc --auto` started by an act while this script measures, and one
    # pack, as a ledger in use keeps.
    git -C "$dir" config gc.auto 0
    # Packed once; the few loose objects the last run's acts left do not need a repack (8
    # minutes at 1,000,000 endorsements).
    packs=$(git -C "$dir" count-objects -v | awk '$1 == "packs:" { print $2 }')
    loose=$(git -C "$dir" count-objects -v | awk '$1 == "count:" { print $2 }')
    if [ "$packs" != 1 ] || [ "$loose" -gt 1000 ]; then
        git -C "$dir" gc -q
    fi
    stmt=statement-1

    # Full verify: the median of RUNS runs (the last one leaves the proof the next run uses).
    secs=() kbs=()
    runs=${RUNS:-$((E >= 1000000 ? 1 : 3))}
    for _ in $(seq "$runs"); do
        run_verify "$dir" --full --jobs "$THREADS"
        secs+=("$V_SECS")
        kbs+=("$V_KB")
    done
    verify_secs=$(median "${secs[@]}")
    verify_kb=$(median "${kbs[@]}")
    commits=$(echo "$V_JSON" | jq .commits)
    endorsements=$(echo "$V_JSON" | jq .endorsements)
    withdrawals=$(echo "$V_JSON" | jq .withdrawals)
    echo "scale.sh: E=$E: verify ${secs[*]} s, ${kbs[*]} KB" >&2

    # The floor: a commit signature per commit and a record signature per endorsement and
    # withdrawal, as bare checks on the same number of threads.
    n_sigs=$((commits + endorsements + withdrawals))
    read -r _serial floor _threads < <("$FLOOR" "$n_sigs" "$THREADS")

    # Stock git over the newest commits, with the head's allowed_signers, in this same run.
    signers=$(mktemp)
    git -C "$dir" show main:allowed_signers >"$signers"
    t0=$(now)
    verdicts=$(git -C "$dir" -c gpg.ssh.allowedSignersFile="$signers" log -n "$GIT_SAMPLE" --format=%G? main)
    t1=$(now)
    rm -f "$signers"
    sampled=$(echo "$verdicts" | wc -l)
    good=$(echo "$verdicts" | grep -c '^G' || true)
    [ "$good" -eq "$sampled" ] || die "stock git judged $((sampled - good)) of $sampled sampled commits not G"
    git_ms=$(div "$(ms "$t0" "$t1")" "$sampled" '%.2f')
    ours_ms=$(awk -v s="$verify_secs" -v c="$commits" 'BEGIN { printf "%.4f", s * 1000 / c }')
    speedup=$(div "$git_ms" "$ours_ms")

    # One sign (withdrawing first, unmeasured, when a spare already endorses from a run
    # before), then verify after that one act, resumed from the proof of the full run.
    signs=() afters=() adds=()
    for s in spare-1 spare-2 spare-3; do
        standing=$("$BIN" --ledger "$dir" --json status "$stmt" | jq -r --arg o "$s" \
            '([.current[]] + [.stale[].org]) | map(select(. == $o)) | length')
        if [ "$standing" != 0 ]; then
            "$BIN" --ledger "$dir" withdraw "$stmt" --org "$s" --key "$keys/$s" >/dev/null ||
                die "withdraw $s failed"
            run_verify "$dir"
        fi
        time_act "$BIN" --ledger "$dir" sign "$stmt" --org "$s" --key "$keys/$s" --yes
        signs+=("$ACT_MS")
        # Timed here, not by GNU time, whose 10 ms steps round a resumed run to 0 or 10 ms.
        t0=$(now)
        run_verify "$dir"
        t1=$(now)
        [ "$(echo "$V_JSON" | jq -r '.resumed_from // empty')" != "" ] ||
            die "E=$E: the verify after one act did not resume from the proved head"
        afters+=("$(ms "$t0" "$t1")")
    done
    # One `org add` with a new key (it rewrites allowed_signers), by the editor.
    stamp=$(date +%s%N)
    for i in 1 2 3; do
        ssh-keygen -q -t ed25519 -N '' -C "" -f "$keys/new-$stamp-$i"
        time_act "$BIN" --ledger "$dir" org add "bench-$stamp-$i" --name "Benchmark newcomer $stamp $i" \
            --pubkey "$keys/new-$stamp-$i.pub" --key "$keys/editor"
        adds+=("$ACT_MS")
    done
    run_verify "$dir"
    git -C "$dir" config --unset gc.auto || true

    printf '| %s (%s) | %.2f s | %s | %.2f | %s× | %s ms | %s ms | %s ms | %s MB |\n' \
        "$(thousands "$endorsements")" "$(thousands "$commits")" "$verify_secs" \
        "$(thousands "$(div "$endorsements" "$verify_secs")")" \
        "$(div "$verify_secs" "$floor" '%.2f')" "$speedup" \
        "$(median "${afters[@]}")" "$(median "${signs[@]}")" "$(median "${adds[@]}")" \
        "$(awk -v k="$verify_kb" 'BEGIN { printf "%.0f", k / 1024 }')" |
        tee -a "$OUT/results.md"
    echo "scale.sh: E=$E: floor $floor s for $n_sigs checks; git log %G? ${git_ms} ms/commit over $sampled commits; verify ${ours_ms} ms/commit; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done
