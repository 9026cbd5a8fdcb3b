# shellcheck shell=bash
# Shared by backup.sh and drill.sh: logging and exits, configuration checks, the S3 client
# (awscli, never overwriting), the Pushgateway, and the PostgreSQL table inventory that both the
# backup's manifest and the drill's check use. Sourced, never run.
# shellcheck disable=SC2034  # the constants below are used by the scripts that source this file

# Exit codes, the same in both scripts.
readonly EXIT_FAILED=1      # the backup or drill failed (dump, upload, verification, mismatch)
readonly EXIT_CONFIG=2      # configuration error: a missing or invalid environment variable
readonly EXIT_METRICS=3     # the work succeeded, but its metrics could not be pushed

SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0" .sh)}
FAIL_REASON=""
# die() may run in a command substitution's subshell: the reason goes to a file as well, so the
# EXIT trap of the main shell can report it.
FAIL_REASON_FILE=$(mktemp "${TMPDIR:-/tmp}/estate-fail.XXXXXX") || {
    printf 'error: cannot create a temporary file in %s: set TMPDIR to a writable directory\n' "${TMPDIR:-/tmp}" >&2
    exit 2
}

log() {
    printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$*" >&2
}

warn() {
    log "warning: $*"
}

# die MESSAGE [EXIT_CODE]: print the reason and exit (the EXIT trap reports the failure).
die() {
    FAIL_REASON=$1
    printf '%s' "$1" >"$FAIL_REASON_FILE"
    printf '%s [%s] error: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SCRIPT_NAME" "$1" >&2
    exit "${2:-$EXIT_FAILED}"
}

config_error() {
    die "$1" "$EXIT_CONFIG"
}

# The reason of the failure, wherever die() ran; or the failing command (set -e) from the ERR trap.
failure_reason() {
    if [ -z "$FAIL_REASON" ] && [ -s "$FAIL_REASON_FILE" ]; then
        FAIL_REASON=$(cat "$FAIL_REASON_FILE")
    fi
    printf '%s' "${FAIL_REASON:-${UNEXPECTED_FAILURE:-}}"
}

# For `trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR`: remembers the first command that failed.
on_error() {
    UNEXPECTED_FAILURE=${UNEXPECTED_FAILURE:-"command failed (line $1): $2"}
}

# Seconds since the epoch with sub-second precision (GNU date).
now_seconds() {
    date -u +%s.%N
}

# elapsed START [END]: seconds between two now_seconds readings, 3 decimals.
elapsed() {
    awk -v a="$1" -v b="${2:-$(now_seconds)}" 'BEGIN { printf "%.3f", b - a }'
}

require_env() {
    local name
    for name in "$@"; do
        if [ -z "${!name:-}" ]; then
            config_error "$name is required (see --help)"
        fi
    done
}

# ---------------------------------------------------------------------------------------------
# Credentials from files. A credential that rotates (RDS's managed master password) is mounted from
# a Kubernetes Secret that the External Secrets Operator keeps current; the scripts read the file
# when they run, so each run uses the credential as it is then, never a copy made at deploy time.

# load_secret_file NAME: when NAME_FILE is set, NAME becomes that file's content (without the final
# newline) and CREDENTIAL_SOURCE[NAME] says where it came from. NAME and NAME_FILE together, a
# missing, unreadable or empty file: configuration errors naming the variable.
declare -A CREDENTIAL_SOURCE=()
load_secret_file() {
    local name=$1 file_var="$1_FILE" file value
    file=${!file_var:-}
    if [ -z "$file" ]; then
        [ -z "${!name:-}" ] || CREDENTIAL_SOURCE[$name]=$name
        return 0
    fi
    if [ -n "${!name:-}" ]; then
        config_error "$name and $file_var are both set: set only one ($file_var, the mounted credential, in the cluster)"
    fi
    if [ ! -f "$file" ] || [ ! -r "$file" ]; then
        config_error "$file_var=$file is not a readable file: is the credential's Secret mounted there?"
    fi
    value=$(<"$file")
    [ -n "$value" ] || config_error "$file_var=$file is empty: the credential's Secret holds no value (has its ExternalSecret synced?)"
    export "$name=$value"
    CREDENTIAL_SOURCE[$name]="$file_var=$file"
}

# credential_source NAME: where NAME's value came from, for messages (never the value).
credential_source() {
    printf '%s' "${CREDENTIAL_SOURCE[$1]:-$1 (not set)}"
}

# auth_failure_reason WHAT OUTPUT CREDENTIAL USER: a message naming the credential when OUTPUT is an
# authentication failure; nothing otherwise.
auth_failure_reason() {
    local what=$1 output=$2 credential=$3 user=$4
    case $output in
        *"password authentication failed"* | *"authentication failed"* | *"Authentication failed"* | *WRONGPASS* | *NOAUTH* | *"no password supplied"*)
            printf '%s refused the credential of user "%s" from %s: authentication failed. The password is stale or wrong: if it rotated, the mounted Secret has not caught up yet (the next run reads it again), else check the source secret [%s]' \
                "$what" "$user" "$(credential_source "$credential")" "$(one_line "$output")" ;;
    esac
}

# A name that goes into object keys and metric labels: letters, digits, dot, dash, underscore.
require_safe_name() {
    local name=$1 value=$2
    if ! [[ $value =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ ]]; then
        config_error "$name must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit (got \"$value\")"
    fi
}

require_commands() {
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || die "required program '$cmd' is not installed or not on PATH"
    done
}

# ---------------------------------------------------------------------------------------------
# S3, through awscli. BACKUP_S3_ENDPOINT_URL is passed as --endpoint-url (awscli 2.9 does not
# read AWS_ENDPOINT_URL). Credentials and region come from awscli's usual chain (environment,
# web identity / IRSA, instance profile).

aws_cli() {
    local cmd=("${AWS_CLI:-aws}")
    if [ -n "${BACKUP_S3_ENDPOINT_URL:-}" ]; then
        cmd+=(--endpoint-url "$BACKUP_S3_ENDPOINT_URL")
    fi
    "${cmd[@]}" "$@"
}

s3_url() {
    printf 's3://%s/%s' "$BACKUP_BUCKET" "$1"
}

# Turns awscli's error output into the reason a person can act on.
explain_s3_error() {
    local what=$1 output=$2
    case $output in
        *"(403)"* | *Forbidden* | *AccessDenied* | *InvalidAccessKeyId* | *SignatureDoesNotMatch*)
            printf 'S3 refused access while %s: check the credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the pod role) and the bucket policy [%s]' "$what" "$(one_line "$output")" ;;
        *NoSuchBucket* | *"bucket does not exist"*)
            printf 'bucket "%s" does not exist (while %s)' "$BACKUP_BUCKET" "$what" ;;
        *InvalidObjectState* | *"storage class GLACIER"* | *"storage class DEEP_ARCHIVE"* | *"restore the object"*)
            printf 'the object is archived (GLACIER or DEEP_ARCHIVE) and not restored while %s: S3 serves it only after a RestoreObject request (aws s3api restore-object; DEEP_ARCHIVE takes up to 12 hours) [%s]' "$what" "$(one_line "$output")" ;;
        *"Could not connect"* | *"Connect timeout"* | *"Connection refused"* | *"EndpointConnectionError"*)
            printf 'cannot reach S3 while %s: %s' "$what" "$(one_line "$output")" ;;
        *)
            printf 'S3 error while %s: %s' "$what" "$(one_line "$output")" ;;
    esac
}

one_line() {
    printf '%s' "$1" | tr '\n' ' ' | sed -e 's/  */ /g' -e 's/ $//'
}

# s3_listing PREFIX: lists the objects under PREFIX into LISTING (list-objects-v2 JSON).
s3_listing() {
    local prefix=$1 output
    output=$(aws_cli s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "$prefix" --output json 2>&1) \
        || die "$(explain_s3_error "listing $(s3_url "$prefix")" "$output")"
    LISTING=${output:-"{}"}
}

# listing_size KEY: the size of KEY in LISTING, or "missing".
listing_size() {
    jq -r --arg k "$1" '[.Contents[]? | select(.Key == $k) | .Size][0] // "missing"' <<<"$LISTING"
}

# refuse_existing KEY...: dies when LISTING holds any KEY. awscli 2.9 has no --if-none-match (and
# S3-compatible servers may ignore it), so "never overwrite" is a listing before the writes;
# keys carry the backup's timestamp, so only two runs of the same job in the same second could
# race, and the bucket's versioning keeps the older version even then.
refuse_existing() {
    local key
    for key in "$@"; do
        if [ "$(listing_size "$key")" != missing ]; then
            die "refusing to overwrite $(s3_url "$key"): an object with that key already exists (backups are never replaced or deleted)"
        fi
    done
}

# An awscli process starts in about half a second (Python imports), most of the fixed cost of a
# backup. s3_put_prepare starts `aws s3api put-object` for a small object ahead of time, so that its
# start-up overlaps other work, but holds it before any request: the object's key reaches it
# through a pipe (`--key file:///dev/stdin`) only in s3_put_release. Until then it can store
# nothing; if this shell dies first, awscli reads an empty key and fails its own parameter
# validation without sending a request. The pipe write is one short write(), so a key arrives
# whole or not at all.

# s3_put_prepare NAME FILE CONTENT_TYPE: FILE must exist; its content is read when the key arrives.
s3_put_prepare() {
    local name=$1 file=$2 content_type=$3 fd
    exec {fd}> >(
        # Only its own pipe: a copy of another pipe's write end (another prepared upload's, the
        # psql session's) would keep that pipe from ever reaching end of file.
        close_inherited_fds
        exec "${AWS_CLI:-aws}" ${BACKUP_S3_ENDPOINT_URL:+--endpoint-url "$BACKUP_S3_ENDPOINT_URL"} \
            s3api put-object --bucket "$BACKUP_BUCKET" --key file:///dev/stdin \
            --body "$file" --content-type "$content_type" --output json >"$file.put.log" 2>&1
    )
    PUT_FD[$name]=$fd
    PUT_PID[$name]=$!
}

# Closes every file descriptor above 2 of the current (sub)shell.
close_inherited_fds() {
    local path fd
    for path in /proc/"$BASHPID"/fd/*; do
        fd=${path##*/}
        if [ "$fd" -gt 2 ]; then
            { exec {fd}>&-; } 2>/dev/null || true
        fi
    done
}

# s3_put_release NAME FILE KEY: sends the key to the prepared upload and waits until it stored FILE.
s3_put_release() {
    local name=$1 file=$2 key=$3
    local fd=${PUT_FD[$name]} pid=${PUT_PID[$name]}
    # A subshell: an upload that already died gives an error here instead of a SIGPIPE.
    (printf '%s' "$key" >&"$fd") 2>/dev/null || true
    exec {fd}>&-
    unset "PUT_FD[$name]"
    if ! wait "$pid"; then
        unset "PUT_PID[$name]"
        die "$(explain_s3_error "uploading $(s3_url "$key")" "$(cat "$file.put.log")")"
    fi
    unset "PUT_PID[$name]"
}

# s3_put_abandon: ends the prepared uploads that were never released (they sent no request).
s3_put_abandon() {
    local pid
    for pid in "${PUT_PID[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    PUT_PID=()
}
declare -A PUT_FD=() PUT_PID=()

# s3_get KEY FILE: downloads an object; a missing object is named as such.
s3_get() {
    local key=$1 file=$2 output
    if ! output=$(aws_cli s3 cp "$(s3_url "$key")" "$file" --only-show-errors --no-progress 2>&1); then
        case $output in
            *"(404)"* | *"Not Found"* | *NoSuchKey* | *"does not exist"*) die "object $(s3_url "$key") is missing" ;;
            *) die "$(explain_s3_error "downloading $(s3_url "$key")" "$output")" ;;
        esac
    fi
}

# handle_arguments "$@": both scripts are configured by environment variables only. --help (or -h)
# prints the script's `usage` and exits 0; any other argument is a configuration error.
handle_arguments() {
    if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
        usage
        exit 0
    fi
    if [ $# -gt 0 ]; then
        printf 'error: %s.sh takes no arguments (got %s); configure it with environment variables, see --help\n' "$SCRIPT_NAME" "$*" >&2
        exit "$EXIT_CONFIG"
    fi
}

file_size() {
    stat -c %s "$1"
}

sha256_of() {
    sha256sum "$1" | cut -d' ' -f1
}

# ---------------------------------------------------------------------------------------------
# Pushgateway. Metrics are POSTed, which replaces only the metrics of the same names in the group
# `job/<job>/service/<service>/database/<database>`: a failure report keeps the last success time.
# Extra LABEL VALUE pairs extend the group (`.../tier/weekly`): a push to one tier's group leaves
# the other tiers' groups alone (github.com/prometheus/pushgateway README.md, "POST method": only
# metrics with the same names and the same grouping key are replaced).

# push_metrics JOB BODY [LABEL VALUE]...: 0 when pushed or when no PUSHGATEWAY_URL is set; 1 when
# the push failed.
push_metrics() {
    local job=$1 body=$2 output
    shift 2
    if [ -z "${PUSHGATEWAY_URL:-}" ]; then
        warn "PUSHGATEWAY_URL is not set: metrics not pushed"
        return 0
    fi
    local url="${PUSHGATEWAY_URL%/}/metrics/job/$job/service/$BACKUP_SERVICE/database/$BACKUP_DATABASE"
    while [ "$#" -ge 2 ]; do
        url="$url/$1/$2"
        shift 2
    done
    if ! output=$(printf '%s\n' "$body" | curl -sS --fail-with-body --max-time 15 --retry 2 -X POST --data-binary @- "$url" 2>&1); then
        warn "could not push metrics to $url: $(one_line "$output")"
        return 1
    fi
    return 0
}

# gauge NAME HELP VALUE [LABELS [VALUE LABELS]...]: one gauge in the text exposition format, with
# one sample per VALUE LABELS pair (HELP and TYPE once: the Pushgateway refuses them twice).
gauge() {
    local name=$1 labels
    printf '# HELP %s %s\n# TYPE %s gauge\n' "$name" "$2" "$name"
    shift 2
    while [ $# -gt 0 ]; do
        labels=""
        if [ -n "${2:-}" ]; then
            labels="{$2}"
        fi
        printf '%s%s %s\n' "$name" "$labels" "$1"
        shift 2 || shift
    done
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL: the tables whose rows a dump carries (ordinary tables and partitions, outside the
# system schemas, not owned by an extension), with exact row counts, as one line of JSON
# `[{"schema","table","rows"}]` sorted by schema and table. `count(*)` reads every table once;
# PG_ROW_COUNTS=off lists the tables without counting (rows: null).
pg_tables_sql() {
    local rows_expr="NULL::bigint"
    if [ "${1:-exact}" = exact ]; then
        rows_expr="(xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint"
    fi
    cat <<SQL
SELECT coalesce(jsonb_agg(jsonb_build_object('schema', n.nspname, 'table', c.relname, 'rows', $rows_expr) ORDER BY n.nspname, c.relname), '[]'::jsonb)::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e');
SQL
}

pg_target() {
    printf '%s:%s/%s' "${PGHOST:-localhost}" "${PGPORT:-5432}" "${PGDATABASE:-${PGUSER:-$(id -un)}}"
}
