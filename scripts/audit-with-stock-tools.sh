#!/usr/bin/env bash
# Audits an undersigned ledger with stock tools only — git (>= 2.34), ssh-keygen (OpenSSH >= 8.8,
# for -Overify-time), jq and sha256sum — so that nobody has to trust undersigned to know who
# endorsed which text.
#
#   scripts/audit-with-stock-tools.sh LEDGER_DIR [LEDGER_ID]
#
# LEDGER_DIR is a clone with a work tree or a bare clone; everything is read from git objects,
# never from the work tree. LEDGER_ID, when given, must be the genesis commit (pin the id the
# coalition published). Walking refs/heads/main from the genesis, first parent only, it checks:
#
#   commits  every commit is SSH-signed, and git accepts the signature (%G? = G) against the
#            keys in force in its parent's allowed_signers (the genesis: in its own); the history
#            is one line (no merges) and each commit only adds files (allowed_signers, which is
#            derived, may change);
#   records  every endorsement or withdrawal added under statements/<id>/acts/<ff>/<org>/<n>.json
#            (an organization's) or statements/<id>/people/<ff>/<person>/<n>.json (an
#            individual's) lies at the path its content names, is for this ledger, and carries
#            a signature that `ssh-keygen -Y verify -n undersigned -Overify-time=<signed_at>`
#            accepts over the payload rebuilt here with jq (src/signed_data.rs is its
#            definition); an endorsement's text_sha256 is the sha256 of the version it names,
#            and for a version in several languages its texts list every language's sha256;
#   texts    every version's text, and each of its translations (<n>.<lang>.txt), has the
#            sha256 its statements/<id>/versions/<n>.json states;
#   objects  git fsck --strict is clean (a copy's objects are what their ids say).
#
# It prints each failure (naming the commit and the path), then one line:
#   checked 85 commits, 53 records, 2 texts: all good
# Exit status: 0 only when every check ran and passed and there was something to check;
# 1 when a check failed (or could not run); 2 for a usage error (no argument, not a
# repository, no refs/heads/main, a missing tool).
#
# What it leaves to `undersigned verify`: rights by path (who may add which file), that
# allowed_signers equals what the key records imply, canonical JSON, record numbering and time
# order. Run it on a clone you made yourself: git reads a repository's own config, and only the
# settings that would run programs or change what these commands print are overridden here.
#
# Ledger data is only ever passed as quoted arguments or files, never evaluated.

set -eEuo pipefail
export LC_ALL=C
unset CDPATH
prog=${0##*/}

usage_error() {
    printf '%s: %s\n' "$prog" "$1" >&2
    exit 2
}
trap 'printf "%s: stopped at line %s: a command failed unexpectedly; the ledger is NOT verified\n" "$prog" "$LINENO" >&2; exit 1' ERR

[ "$#" -ge 1 ] && [ "$#" -le 2 ] && [ -n "$1" ] || usage_error "usage: $prog LEDGER_DIR [LEDGER_ID]"
pin=${2-}
if [ -n "$pin" ] && ! [[ $pin =~ ^[0-9a-f]{40}$ ]]; then
    usage_error "LEDGER_ID must be 40 lowercase hex digits (the genesis commit), not $(printf '%q' "$pin")"
fi

missing=()
for tool in git ssh-keygen jq sha256sum mktemp rm; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] || usage_error "missing tools: ${missing[*]} (needs git >= 2.34, ssh-keygen >= 8.8, jq, sha256sum, coreutils)"
git_version=$(git --version)
if ! [[ $git_version =~ ([0-9]+)\.([0-9]+) ]] \
    || [ "${BASH_REMATCH[1]}" -lt 2 ] || { [ "${BASH_REMATCH[1]}" -eq 2 ] && [ "${BASH_REMATCH[2]}" -lt 34 ]; }; then
    usage_error "$git_version is too old: SSH signatures need git >= 2.34"
fi

[ -d "$1" ] || usage_error "$(printf '%q' "$1"): no such directory"
repo=$(cd -- "$1" 2>/dev/null && pwd -P) || usage_error "$(printf '%q' "$1"): cannot enter the directory"
# Look at LEDGER_DIR itself only: never at a repository that happens to contain it.
above=${repo%/*}
export GIT_CEILING_DIRECTORIES=${above:-/}
unset GIT_DIR GIT_WORK_TREE GIT_COMMON_DIR GIT_INDEX_FILE GIT_OBJECT_DIRECTORY \
    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_GRAFT_FILE GIT_SHALLOW_FILE GIT_REPLACE_REF_BASE
# Judge the objects as they are: no replace refs, no pager, no prompts, no index refresh.
export GIT_NO_REPLACE_OBJECTS=1 GIT_PAGER=cat GIT_TERMINAL_PROMPT=0 GIT_OPTIONAL_LOCKS=0

g() {
    git -C "$repo" -c core.fsmonitor=false -c log.showSignature=false \
        -c gpg.ssh.program=ssh-keygen -c gpg.program=false -c gpg.openpgp.program=false \
        -c gpg.x509.program=false "$@"
}

if ! why=$(g rev-parse --git-dir 2>&1); then
    usage_error "$(printf '%q' "$1"): not a git repository (${why%%$'\n'*})"
fi
[ "$(g rev-parse --is-shallow-repository)" = false ] \
    || usage_error "$(printf '%q' "$1"): a shallow clone lacks the history to check; clone it whole"
head=$(g rev-parse --verify -q 'refs/heads/main^{commit}') \
    || usage_error "$(printf '%q' "$1"): no branch main (refs/heads/main): not a ledger"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

failures=0
fail() { # COMMIT PATH REASON; ledger text is shown escaped, never as raw control characters
    failures=$((failures + 1))
    local where="commit $1" reason=${3//[$'\001'-$'\037'$'\177']/?}
    [ -n "$1" ] || where=repository
    [ -z "$2" ] || where+=" $(printf '%q' "$2")"
    printf 'FAIL %s: %s\n' "$where" "$reason"
}
first_line() { # FILE: its first line, for a failure message
    local line=""
    IFS= read -r line < "$1" || true
    printf '%s' "${line:0:300}"
}

# The payload of an act record, built exactly as src/signed_data.rs::act_payload builds it: one
# `field: value` line each, optional lines only when the record has the field, the version as a
# whole number, a final newline. Any other shape (a field of the wrong type, a NUL, more than
# one JSON value) is an error, never a guess.
JQ_LIB='
def one: if length == 1 and (.[0] | type) == "object" then .[0] else error("not one JSON object") end;
def str($k):
  if has($k) and (.[$k] | type) == "string" and ((.[$k] | explode | any(.[]; . == 0)) | not)
  then .[$k] else error("\($k) is missing or not a string") end;
def version:
  .version | if type == "number" and . == floor and . >= 1 and . <= 4294967295 then tostring
             else error("version is not a whole number from 1 to 4294967295") end;
def line($k; $v): $k + ": " + $v + "\n";
def text_ref: if type == "object" and (.lang | type) == "string" and (.text_sha256 | type) == "string"
  and ((.lang + .text_sha256) | test("^[a-z0-9-]+[0-9a-f]{64}$"))
  then line("text"; .lang + " " + .text_sha256) else error("texts holds a malformed entry") end;
def texts: if has("texts") then (if (.texts | type) == "array" then (.texts | map(text_ref) | add // "")
  else error("texts is not a list") end) else "" end;
def who: if has("org") and (has("person") | not) then "org\u0000" + str("org")
  elif has("person") and (has("org") | not) then "person\u0000" + str("person")
  else error("the record names neither org nor person, or both") end;
def payload:
  "undersigned act v1\n"
  + line("act"; str("act"))
  + line("ledger"; str("ledger"))
  + line("statement"; str("statement"))
  + (if has("version") then line("version"; version) else "" end)
  + (if has("text_sha256") then line("text-sha256"; str("text_sha256")) else "" end)
  + texts
  + (if has("org") then line("org"; str("org")) else "" end)
  + (if has("person") then line("person"; str("person")) else "" end)
  + line("signed-at"; str("signed_at"))
  + (if has("reason") then line("reason"; str("reason")) else "" end)
  + line("provenance"; str("provenance"))
  + (if has("evidence_sha256") then line("evidence-sha256"; str("evidence_sha256")) else "" end)
  + line("signer"; str("signer"));
'
# The fields the checks below need and, last, the payload; each followed by a NUL (no field
# may hold one). One jq per record: its start is most of a record's cost.
JQ_FIELDS='one
| [ str("act"), str("ledger"), str("statement"), who, str("signer"), str("signed_at"),
    str("provenance"), texts,
    (if has("version") then version else "" end),
    (if has("text_sha256") then str("text_sha256") else "" end),
    (if has("evidence_sha256") then str("evidence_sha256") else "" end),
    str("signature"), payload ]
| map(. + "\u0000") | add'
# A version's statement, number, sha256 of its original, the languages of its translations
# (space-separated), and the text lines its endorsements must carry (empty when it names no
# language).
JQ_VERSION='one
| [ str("statement"), version, str("text_sha256"),
    ((.translations // []) | map(.lang) | join(" ")),
    (if has("lang") then line("text"; str("lang") + " " + str("text_sha256"))
       + ((.translations // []) | map(text_ref) | add // "") else "" end),
    ((.translations // []) | map(.lang + " " + .text_sha256) | join("\n")) ]
| map(. + "\u0000") | add'

slug='[a-z0-9-]{1,64}'
re_act="^statements/($slug)/(acts|people)/([0-9a-f]{2})/($slug)/([0-9]{4,})\\.json\$"
re_version="^statements/($slug)/versions/([0-9]{4,})(\\.[a-z0-9-]+)?\\.(txt|json)\$"

declare -A text_sha=() # "<statement>/<NNNN>" -> sha256 of that version's text, once checked
declare -A text_lines=() # "<statement>/<NNNN>" -> the text lines its endorsements carry
declare -A fanout=()   # org id -> first byte of sha256(org id) in hex
genesis=""
inforce_blob="none"    # the allowed_signers blob $tmp/inforce was made from

# The keys in force in a tree: its allowed_signers without the lines of retired keys (those
# carry valid-before). undersigned requires every commit and every record to be signed by a key
# in force in the parent commit; keeping retired keys out means a retired or stolen key cannot
# pass by backdating a commit or a record's signed_at below its valid-before.
keys_in_force() { # TREE-ISH COMMIT
    local blob
    if ! blob=$(g rev-parse --verify -q "$1:allowed_signers"); then
        fail "$2" allowed_signers "the tree its signature is judged by ($1) has no allowed_signers"
        blob=""
    fi
    [ "$blob" != "$inforce_blob" ] || return 0
    : > "$tmp/inforce"
    if [ -n "$blob" ] && ! g cat-file blob "$blob" | jq -Rr 'select(test("valid-before=") | not)' > "$tmp/inforce"; then
        fail "$2" allowed_signers "cannot read the allowed_signers of $1"
        : > "$tmp/inforce"
    fi
    inforce_blob=$blob
}

check_commit_signature() { # COMMIT; its gpgsig header was read into $gpgsig
    if [ "$gpgsig" != "-----BEGIN SSH SIGNATURE-----" ]; then
        fail "$1" "" "not signed: no SSH signature in its gpgsig header"
        return
    fi
    local verdict
    verdict=$(g -c gpg.format=ssh -c "gpg.ssh.allowedSignersFile=$tmp/inforce" \
        log -1 --no-walk --format='%G? %GS' "$1" --) || verdict="E git log failed"
    case $verdict in
        "G "?*) ;;
        B*) fail "$1" "" "bad signature: the commit is not what was signed" ;;
        U*) fail "$1" "" "signed by a key that is not in force in its parent's allowed_signers" ;;
        N*) fail "$1" "" "not signed" ;;
        *) fail "$1" "" "signature not accepted by git (%G? = ${verdict%% *})" ;;
    esac
}

org_fanout() { # ORG -> $ff
    if [ -z "${fanout[$1]+set}" ]; then
        local digest
        digest=$(printf '%s' "$1" | sha256sum)
        fanout[$1]=${digest:0:2}
    fi
    ff=${fanout[$1]}
}

check_record() { # COMMIT PATH BLOB; path groups in the arguments after
    local c=$1 path=$2 blob=$3 dir_stmt=$4 dir_kind=$5 dir_ff=$6 dir_org=$7
    records=$((records + 1))
    if ! g cat-file blob "$blob" > "$tmp/record.json" 2> "$tmp/err"; then
        fail "$c" "$path" "cannot read the record: $(first_line "$tmp/err")"
        return
    fi
    if ! jq -s -j "$JQ_LIB $JQ_FIELDS" < "$tmp/record.json" > "$tmp/fields" 2> "$tmp/err"; then
        fail "$c" "$path" "not a record: $(first_line "$tmp/err")"
        return
    fi
    local act ledger statement kind org signer signed_at provenance lines version text evidence signature payload
    {
        IFS= read -r -d '' act && IFS= read -r -d '' ledger && IFS= read -r -d '' statement \
            && IFS= read -r -d '' kind && IFS= read -r -d '' org && IFS= read -r -d '' signer \
            && IFS= read -r -d '' signed_at && IFS= read -r -d '' provenance \
            && IFS= read -r -d '' lines && IFS= read -r -d '' version \
            && IFS= read -r -d '' text && IFS= read -r -d '' evidence \
            && IFS= read -r -d '' signature && IFS= read -r -d '' payload
    } < "$tmp/fields" || {
        fail "$c" "$path" "not a record: its fields could not be read"
        return
    }

    # The record must say what its place says, and be for this ledger: its signature binds
    # ledger, statement and organization, so a record copied elsewhere fails here.
    [ "$statement" = "$dir_stmt" ] || fail "$c" "$path" "the record is for statement $statement, not $dir_stmt"
    local want=org
    [ "$dir_kind" = acts ] || want=person
    [ "$kind/$org" = "$want/$dir_org" ] || fail "$c" "$path" "the record is by $kind/$org, not $want/$dir_org"
    local ff
    org_fanout "$dir_org"
    [ "$dir_ff" = "$ff" ] || fail "$c" "$path" "$dir_org belongs under $dir_kind/$ff/, not $dir_kind/$dir_ff/"
    [ "$ledger" = "$genesis" ] || fail "$c" "$path" "the record is for ledger $ledger, not this one ($genesis)"

    case $act in
        endorse)
            if [ -z "$version" ] || [ -z "$text" ]; then
                fail "$c" "$path" "an endorsement names a version and its text_sha256"
            else
                local n
                n=$(printf '%04d' "$version")
                if [ -z "${text_sha[$dir_stmt/$n]+set}" ]; then
                    fail "$c" "$path" "endorses version $version of $dir_stmt, which its parent does not hold"
                elif [ "$text" != "${text_sha[$dir_stmt/$n]}" ]; then
                    fail "$c" "$path" "text_sha256 $text is not the sha256 of statements/$dir_stmt/versions/$n.txt (${text_sha[$dir_stmt/$n]})"
                elif [ "$lines" != "${text_lines[$dir_stmt/$n]}" ]; then
                    fail "$c" "$path" "the endorsement does not sign every text of version $version (each language and its sha256, in order)"
                fi
            fi
            ;;
        withdraw)
            [ -z "$version$text$lines" ] || fail "$c" "$path" "a withdrawal names no version or text"
            ;;
        *) fail "$c" "$path" "act $act is neither endorse nor withdraw" ;;
    esac
    case $provenance in
        signed)
            [ "$signer" = "$kind/$org" ] && [ -z "$evidence" ] \
                || fail "$c" "$path" "a signed record is signed by $kind/$org itself and carries no evidence (signer $signer)"
            ;;
        attested)
            [[ $signer =~ ^editor/$slug$ && $evidence =~ ^[0-9a-f]{64}$ ]] \
                || fail "$c" "$path" "an attested record is signed by an editor and carries evidence_sha256 (signer $signer)"
            ;;
        *) fail "$c" "$path" "provenance $provenance is neither signed nor attested" ;;
    esac

    # ssh-keygen judges the key's validity at the record's own time, not today's: a key rotated
    # or revoked since stays good for what it signed before (-Overify-time, OpenSSH >= 8.8).
    # Seconds only: allowed_signers' valid-before has whole seconds and is inclusive.
    if ! [[ $signed_at =~ ^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\.[0-9]{3}Z$ ]]; then
        fail "$c" "$path" "signed_at $signed_at is not a time of the form 2026-11-28T10:02:43.123Z"
        return
    fi
    local verify_time
    verify_time=$(printf '%s' "${BASH_REMATCH[@]:1:6}")Z
    if ! [[ $signer =~ ^(org|person|editor)/$slug$ ]]; then
        fail "$c" "$path" "signer $signer is not a principal"
        return
    fi
    printf '%s' "$payload" > "$tmp/payload"
    printf '%s\n' "$signature" > "$tmp/signature"
    # The keys in force in the parent of the commit that added the record (see keys_in_force).
    if ! ssh-keygen -Y verify -f "$tmp/inforce" -I "$signer" -n undersigned -s "$tmp/signature" \
        -Overify-time="$verify_time" < "$tmp/payload" > "$tmp/err" 2>&1; then
        fail "$c" "$path" "its signature by $signer does not verify with the keys in force in the parent: $(first_line "$tmp/err")"
    fi
}

check_version() { # COMMIT STATEMENT NNNN
    local c=$1 stmt=$2 n=$3 base="statements/$2/versions/$3" digest
    texts=$((texts + 1))
    if ! digest=$(g cat-file blob "$c:$base.txt" 2> "$tmp/err" | sha256sum); then
        fail "$c" "$base.txt" "cannot read the text: $(first_line "$tmp/err")"
        return
    fi
    digest=${digest%% *}
    text_sha[$stmt/$n]=$digest
    if ! g cat-file blob "$c:$base.json" 2> "$tmp/err" | jq -s -j "$JQ_LIB $JQ_VERSION" > "$tmp/fields" 2>> "$tmp/err"; then
        fail "$c" "$base.json" "not a version record: $(first_line "$tmp/err")"
        return
    fi
    local statement version text langs lines shas
    {
        IFS= read -r -d '' statement && IFS= read -r -d '' version && IFS= read -r -d '' text \
            && IFS= read -r -d '' langs && IFS= read -r -d '' lines && IFS= read -r -d '' shas
    } < "$tmp/fields" || {
        fail "$c" "$base.json" "not a version record: its fields could not be read"
        return
    }
    [ "$statement" = "$stmt" ] && [ "$(printf '%04d' "$version")" = "$n" ] \
        || fail "$c" "$base.json" "the record is for version $version of $statement"
    [ "$text" = "$digest" ] \
        || fail "$c" "$base.txt" "its sha256 is $digest, but $base.json says text_sha256 $text"
    text_lines[$stmt/$n]=$lines
    # Each translation the record names, beside it, with the sha256 it says.
    local lang want
    while IFS=' ' read -r lang want; do
        [ -n "$lang" ] || continue
        [[ $lang =~ ^[a-z0-9-]+$ ]] || { fail "$c" "$base.json" "translation language $lang"; continue; }
        texts=$((texts + 1))
        if ! digest=$(g cat-file blob "$c:$base.$lang.txt" 2> "$tmp/err" | sha256sum); then
            fail "$c" "$base.$lang.txt" "cannot read the translation: $(first_line "$tmp/err")"
            continue
        fi
        [ "${digest%% *}" = "$want" ] \
            || fail "$c" "$base.$lang.txt" "its sha256 is ${digest%% *}, but $base.json says $want"
    done <<< "$shas"
    : "$langs"
}

# Objects first: every id must name what it holds, or nothing below means anything.
if ! g fsck --strict --no-dangling --no-progress > "$tmp/fsck" 2>&1; then
    fail "" "" "git fsck --strict: $(first_line "$tmp/fsck")"
fi

if ! g rev-list --reverse --first-parent refs/heads/main -- > "$tmp/commits" 2> "$tmp/err"; then
    fail "" "" "git rev-list refs/heads/main: $(first_line "$tmp/err")"
fi
mapfile -t commits < "$tmp/commits"
printf 'ledger %s, head %s\n' "${commits[0]:-none}" "$head"

records=0 texts=0 prev=""
declare -A new_versions=() # "<statement>/<NNNN>" whose text or record a commit adds (or changes)
for c in "${commits[@]}"; do
    [[ $c =~ ^[0-9a-f]{40}$ ]] || { fail "" "" "git rev-list printed $(printf '%q' "$c")"; continue; }
    if ! g cat-file commit "$c" > "$tmp/commit" 2> "$tmp/err"; then
        fail "$c" "" "cannot read the commit: $(first_line "$tmp/err")"
        prev=$c
        continue
    fi
    # Parents and signature from the object itself, so that grafts and shallow files cannot
    # stand in for history.
    parents=() gpgsig=""
    while IFS= read -r line && [ -n "$line" ]; do
        case $line in
            "parent "*) parents+=("${line#parent }") ;;
            "gpgsig "*) gpgsig=${line#gpgsig } ;;
        esac
    done < "$tmp/commit"
    if [ -z "$prev" ]; then
        genesis=$c
        [ "${#parents[@]}" -eq 0 ] || fail "$c" "" "the first commit of main has a parent: history is incomplete"
        [ -z "$pin" ] || [ "$c" = "$pin" ] || fail "$c" "" "the genesis is not the pinned ledger id $pin"
        keys_in_force "$c" "$c" # the genesis names its first editor in its own tree
    else
        if [ "${#parents[@]}" -gt 1 ]; then
            fail "$c" "" "a merge: a ledger's history is one line"
        elif [ "${parents[*]-}" != "$prev" ]; then
            fail "$c" "" "its parent is not $prev, the commit before it on main"
        fi
        keys_in_force "$prev" "$c"
    fi
    prev=$c
    check_commit_signature "$c"

    if ! g diff-tree -r -z --raw --no-renames --no-commit-id --root "$c" -- > "$tmp/diff" 2> "$tmp/err"; then
        fail "$c" "" "git diff-tree: $(first_line "$tmp/err")"
        continue
    fi
    new_records=()
    new_versions=()
    while IFS= read -r -d '' meta && IFS= read -r -d '' path; do
        read -r _ mode _ blob status <<< "${meta#:}"
        case $status in
            A) ;;
            M)
                if [ "$path" = allowed_signers ]; then continue; fi
                fail "$c" "$path" "modified: a ledger only adds files"
                ;;
            D) fail "$c" "$path" "deleted: a ledger only adds files"; continue ;;
            *) fail "$c" "$path" "changed ($status): a ledger only adds files"; continue ;;
        esac
        if [[ $path =~ $re_act ]]; then
            [ "$mode" = 100644 ] || { fail "$c" "$path" "not a plain file (mode $mode)"; continue; }
            [ "$status" = A ] || continue
            new_records+=("$path" "$blob" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" "${BASH_REMATCH[4]}")
        elif [[ $path =~ $re_version ]]; then
            [ "$mode" = 100644 ] || { fail "$c" "$path" "not a plain file (mode $mode)"; continue; }
            new_versions["${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"]=1
        elif [[ $path =~ ^statements/$slug/signon/[0-9]{4,}\.json$ ]]; then
            # Sign-on closes and opens: an editor's record, with no signature of its own; the
            # commit's signature above covers it, and undersigned verify judges the rest.
            [ "$mode" = 100644 ] || fail "$c" "$path" "not a plain file (mode $mode)"
        elif [[ $path == statements/* ]]; then
            fail "$c" "$path" "neither a record nor a version"
        fi
    done < "$tmp/diff"
    # Records first, against the versions their parent holds; then this commit's versions.
    for ((i = 0; i < ${#new_records[@]}; i += 6)); do
        check_record "$c" "${new_records[@]:i:6}"
    done
    for v in "${!new_versions[@]}"; do
        check_version "$c" "${v%/*}" "${v#*/}"
    done
done

summary="checked ${#commits[@]} commits, $records records, $texts texts"
if [ "$failures" -gt 0 ]; then
    printf '%s: %s failed\n' "$summary" "$failures"
    exit 1
fi
if [ "${#commits[@]}" -eq 0 ] || [ "$records" -eq 0 ] || [ "$texts" -eq 0 ]; then
    printf '%s: too little to vouch for, NOT verified\n' "$summary"
    exit 1
fi
printf '%s: all good\n' "$summary"
