#!/usr/bin/env bash
# Logical backup of one database into the estate's backup bucket: a dump, its SHA-256 and a JSON
# manifest under each tier prefix due today, then metrics to the Pushgateway. Never overwrites or
# deletes anything already stored. Run `backup.sh --help` for the configuration.
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT_NAME=backup
# shellcheck source=scripts/backup/lib.sh
. "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<'EOF'
Usage: backup.sh            (configured by environment variables)

Dumps one database and stores, under every tier prefix due today,
  <tier>/<service>/<database>/<timestamp>.<ext>            the dump
  <tier>/<service>/<database>/<timestamp>.<ext>.sha256     its SHA-256 (sha256sum format)
  <tier>/<service>/<database>/<timestamp>.manifest.json    what the drill checks against
uploaded in that order, so a manifest always points at complete data. Tiers: daily every run,
weekly on BACKUP_WEEKLY_DAY (default Sunday, UTC), monthly on the 1st, yearly on January 1st.

Required
  BACKUP_ENGINE            postgres | mongo | redis
  BACKUP_SERVICE           the data service's name, used in keys and metric labels (e.g. app-db)
  BACKUP_BUCKET            the backup bucket (stack output backupBucket.name)
Database
  postgres: libpq's PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE (or PGPASSFILE);
            PGPASSWORD_FILE   a file holding the password (a mounted Secret), read when the
                              backup starts, so a rotated password is used by the next run;
                              instead of PGPASSWORD
            BACKUP_DATABASE defaults to PGDATABASE (and PGDATABASE to BACKUP_DATABASE)
            PG_ROW_COUNTS     exact (default: count(*) per table, in the dump's own snapshot) | off
  mongo:    MONGO_URI (mongodb://...) or MONGO_URI_FILE (a file holding it), BACKUP_DATABASE
            (one database; default: all, and the key segment "all")
  redis:    REDIS_HOST (default localhost), REDIS_PORT (6379), REDIS_PASSWORD (or REDIS_PASSWORD_FILE,
            a file holding it), REDIS_TLS=true;
            BACKUP_DATABASE defaults to "all" (an RDB holds every logical database)
Optional
  BACKUP_S3_ENDPOINT_URL   S3 endpoint for S3-compatible stores (awscli --endpoint-url)
  AWS_*                    awscli's credentials and region (AWS_REGION, AWS_ACCESS_KEY_ID, IRSA ...)
  PUSHGATEWAY_URL          e.g. http://pushgateway.monitoring:9091; unset: no metrics (warning)
  BACKUP_NOW               the backup's time, ISO 8601 UTC (default: now): names the keys and
                           picks the tiers; for tests and backfills
  BACKUP_WEEKLY_DAY        ISO weekday of the weekly tier, 1 (Monday) to 7 (Sunday); default 7
  BACKUP_WORK_DIR          where the dump is staged (default: $TMPDIR or /tmp); needs room for it
  AWS_CLI                  the awscli executable (default: aws)

Exit codes: 0 stored; 1 failed (nothing partial is left unannounced: no manifest without its
data; a refused credential is named: "... refused the credential of user ... from PGPASSWORD_FILE=...");
2 configuration error; 3 stored, but the metrics push failed.
Metrics (job estate_backup, grouping labels service, database): estate_backup_last_run_success,
estate_backup_last_success_timestamp_seconds, estate_backup_last_failure_timestamp_seconds,
estate_backup_duration_seconds, estate_backup_size_bytes; and per tier stored, in the group
extended by tier (a run that stores only daily leaves the weekly series alone):
estate_backup_tier_last_success_timestamp_seconds, estate_backup_tier_size_bytes,
estate_backup_tier_duration_seconds.
EOF
}

handle_arguments "$@"

REPORT_FAILURES=0
WORK=""
PSQL_PID=""
DUMP_PID=""
VERSION_PID=""

on_exit() {
    local rc=$?
    # An unexpected failure (a command under set -e, a signal) exits like any other failure.
    if [ "$rc" -gt "$EXIT_METRICS" ]; then
        rc=$EXIT_FAILED
    fi
    if [ -n "$DUMP_PID" ]; then
        kill "$DUMP_PID" 2>/dev/null || true
    fi
    if [ -n "$PSQL_PID" ]; then
        kill "$PSQL_PID" 2>/dev/null || true
    fi
    s3_put_abandon
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        rm -rf "$WORK"
    fi
    local reason
    reason=$(failure_reason)
    rm -f "$FAIL_REASON_FILE"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne "$EXIT_METRICS" ]; then
        if [ "$REPORT_FAILURES" = 1 ]; then
            push_metrics estate_backup "$(
                gauge estate_backup_last_run_success "1 if the last backup run stored its backup, 0 if it failed" 0 "engine=\"$BACKUP_ENGINE\""
                gauge estate_backup_last_failure_timestamp_seconds "End of the last failed backup run" "$(date -u +%s)" "engine=\"$BACKUP_ENGINE\""
            )" || true
        fi
        log "backup FAILED: ${reason:-exit code $rc}"
    fi
    exit "$rc"
}
trap 'on_error "$LINENO" "$BASH_COMMAND"' ERR
trap on_exit EXIT

# ---------------------------------------------------------------------------------------------
# Configuration

read_config() {
    require_env BACKUP_ENGINE BACKUP_SERVICE
    case $BACKUP_ENGINE in
        postgres)
            BACKUP_DATABASE=${BACKUP_DATABASE:-${PGDATABASE:-}}
            [ -n "$BACKUP_DATABASE" ] || config_error "BACKUP_DATABASE or PGDATABASE is required for postgres (the database to dump)"
            export PGDATABASE=${PGDATABASE:-$BACKUP_DATABASE}
            PG_ROW_COUNTS=${PG_ROW_COUNTS:-exact}
            case $PG_ROW_COUNTS in exact | off) ;; *) config_error "PG_ROW_COUNTS must be exact or off (got \"$PG_ROW_COUNTS\")" ;; esac
            DUMP_EXT=dump
            ;;
        mongo)
            BACKUP_DATABASE=${BACKUP_DATABASE:-all}
            DUMP_EXT=archive.gz
            ;;
        redis)
            BACKUP_DATABASE=${BACKUP_DATABASE:-all}
            DUMP_EXT=rdb
            ;;
        *) config_error "BACKUP_ENGINE must be postgres, mongo or redis (got \"$BACKUP_ENGINE\")" ;;
    esac
    require_safe_name BACKUP_SERVICE "$BACKUP_SERVICE"
    require_safe_name BACKUP_DATABASE "$BACKUP_DATABASE"
    # From here on the failure can be reported under the right labels.
    REPORT_FAILURES=1
    require_env BACKUP_BUCKET
    # Credentials from mounted files, read now: a rotated one is picked up by the next run.
    case $BACKUP_ENGINE in
        postgres) load_secret_file PGPASSWORD ;;
        mongo)
            load_secret_file MONGO_URI
            require_env MONGO_URI
            ;;
        redis) load_secret_file REDIS_PASSWORD ;;
    esac

    BACKUP_WEEKLY_DAY=${BACKUP_WEEKLY_DAY:-7}
    [[ $BACKUP_WEEKLY_DAY =~ ^[1-7]$ ]] || config_error "BACKUP_WEEKLY_DAY must be an ISO weekday from 1 (Monday) to 7 (Sunday) (got \"$BACKUP_WEEKLY_DAY\")"
    local now=${BACKUP_NOW:-$(date -u +%Y-%m-%dT%H:%M:%SZ)}
    BACKUP_EPOCH=$(date -u -d "$now" +%s 2>/dev/null) || config_error "BACKUP_NOW must be an ISO 8601 time such as 2025-01-05T02:00:00Z (got \"$now\")"
    STAMP=$(date -u -d "@$BACKUP_EPOCH" +%Y%m%dT%H%M%SZ)
    DUE_TIERS=(daily)
    [ "$(date -u -d "@$BACKUP_EPOCH" +%u)" = "$BACKUP_WEEKLY_DAY" ] && DUE_TIERS+=(weekly)
    [ "$(date -u -d "@$BACKUP_EPOCH" +%d)" = 01 ] && DUE_TIERS+=(monthly)
    [ "$(date -u -d "@$BACKUP_EPOCH" +%m%d)" = 0101 ] && DUE_TIERS+=(yearly)

    case $BACKUP_ENGINE in
        postgres) require_commands psql pg_dump ;;
        mongo) require_commands mongodump ;;
        redis) require_commands redis-cli redis-check-rdb ;;
    esac
    require_commands "${AWS_CLI:-aws}" jq curl sha256sum
}

# base_key TIER: <tier>/<service>/<database>/<timestamp>
base_key() {
    printf '%s/%s/%s/%s' "$1" "$BACKUP_SERVICE" "$BACKUP_DATABASE" "$STAMP"
}

# ---------------------------------------------------------------------------------------------
# Before the dump's data is written anywhere: the bucket answers, the credentials work, and no key
# of this backup is taken (a rerun must not half-succeed).
preflight() {
    local tier base
    for tier in "${DUE_TIERS[@]}"; do
        base=$(base_key "$tier")
        s3_listing "$base."
        refuse_existing "$base.$DUMP_EXT" "$base.$DUMP_EXT.sha256" "$base.manifest.json"
    done
}

# run_dump LABEL COMMAND...: runs the dump tool in the background while preflight() checks the
# bucket, so a refused bucket stops the dump at once and a good one costs no time; then, still
# beside the dump, starts the awscli processes the uploads need later (prepare_uploads). Output
# goes to $WORK/dump.log, whose tail explains a failure.
run_dump() {
    local label=$1
    shift
    "$@" >"$WORK/dump.log" 2>&1 &
    DUMP_PID=$!
    preflight
    prepare_uploads
    if ! wait "$DUMP_PID"; then
        DUMP_PID=""
        die "$label failed: $(one_line "$(tail -n 5 "$WORK/dump.log")")"
    fi
    DUMP_PID=""
}

# awscli's start-up (about half a second each) runs beside the dump instead of after it: its
# version for the manifest, and one put-object per manifest, held before any request until its
# tier's dump and checksum are stored (s3_put_prepare, s3_put_release).
prepare_uploads() {
    aws_cli --version >"$WORK/aws-version" 2>&1 &
    VERSION_PID=$!
    local tier
    for tier in "${DUE_TIERS[@]}"; do
        : >"$WORK/$tier.manifest.json"
        s3_put_prepare "$tier" "$WORK/$tier.manifest.json" application/json
    done
}

# ---------------------------------------------------------------------------------------------
# Dumps. Each writes $DUMP and sets SOURCE_JSON, TOOLS_JSON and DETAILS_JSON for the manifest.

# psql_send SQL...: writes to the held-open psql session. A subshell, so that a session that
# has died gives an error here instead of a SIGPIPE that would kill the script.
psql_send() {
    (printf '%s\n' "$@" >&"$PSQL_IN") 2>/dev/null
}

# psql_read VAR: reads one line of the session's output into VAR, or fails with psql's own error.
psql_read() {
    if ! IFS= read -r "$1" <&"$PSQL_OUT"; then
        wait "$PSQL_PID" 2>/dev/null || true
        PSQL_PID=""
        local err reason
        err=$(cat "$WORK/psql.err" 2>/dev/null)
        reason=$(auth_failure_reason "PostgreSQL at $(pg_target)" "$err" PGPASSWORD "${PGUSER:-$(id -un)}")
        die "${reason:-PostgreSQL at $(pg_target): $(one_line "$err")}"
    fi
}

# pg_dump -Fc inside a snapshot exported by a held-open REPEATABLE READ transaction, so the row
# counts in the manifest are exactly those of the dump even while the database is written to.
dump_postgres() {
    log "connecting to PostgreSQL at $(pg_target)"
    coproc PSQL_PROC { exec psql -X -q -A -t -v ON_ERROR_STOP=1 2>"$WORK/psql.err"; }
    PSQL_PID=$PSQL_PROC_PID
    # Plain copies of the coprocess's pipes (bash hides coprocess fds from subshells), then the
    # originals closed, so that closing PSQL_IN really ends psql's input.
    local coproc_in=${PSQL_PROC[1]} coproc_out=${PSQL_PROC[0]}
    exec {PSQL_IN}>&"$coproc_in" {PSQL_OUT}<&"$coproc_out"
    exec {coproc_in}>&- {coproc_out}<&-

    psql_send "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" "SELECT pg_export_snapshot();" \
        || die "PostgreSQL at $(pg_target): the session ended before the snapshot was taken"
    local snapshot server_version tables
    psql_read snapshot
    psql_send "SHOW server_version;" || true
    psql_read server_version
    # The row counts run in the session while pg_dump runs beside it, in the same snapshot.
    log "snapshot $snapshot on PostgreSQL $server_version; pg_dump -Fc of $(pg_target), row counts: $PG_ROW_COUNTS"
    psql_send "$(pg_tables_sql "$PG_ROW_COUNTS")" || true
    run_dump "pg_dump of $(pg_target)" pg_dump -Fc --snapshot="$snapshot" -f "$DUMP"
    psql_read tables
    jq -e 'type == "array"' >/dev/null <<<"$tables" || die "unexpected table inventory from PostgreSQL: $tables"
    psql_send "COMMIT;" || true
    exec {PSQL_IN}>&-
    wait "$PSQL_PID" || die "PostgreSQL session ended with an error: $(one_line "$(cat "$WORK/psql.err")")"
    PSQL_PID=""

    SOURCE_JSON=$(jq -cn --arg host "${PGHOST:-localhost}" --arg port "${PGPORT:-5432}" --arg db "$PGDATABASE" --arg v "$server_version" \
        '{host: $host, port: ($port | tonumber? // $port), database: $db, serverVersion: $v}')
    TOOLS_JSON=$(jq -cn --arg d "$(pg_dump --version)" '{pg_dump: $d}')
    DETAILS_JSON=$(jq -cn --argjson t "$tables" --arg m "$PG_ROW_COUNTS" \
        '{postgres: {format: "custom", rowCounts: (if $m == "exact" then "exact, in the dump snapshot" else "off" end), tables: $t}}')
}

dump_mongo() {
    local args=(--uri="$MONGO_URI" --archive="$DUMP" --gzip)
    if [ "$BACKUP_DATABASE" != all ]; then
        args+=(--db="$BACKUP_DATABASE")
    fi
    log "mongodump --archive --gzip of $BACKUP_DATABASE"
    run_dump mongodump mongodump "${args[@]}"
    # mongodump logs "done dumping <db>.<collection> (<n> documents)" per collection.
    local collections
    collections=$(sed -nE 's/.*done dumping ([^ ]+) \(([0-9]+) documents?\).*/\1\t\2/p' "$WORK/dump.log" \
        | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {namespace: .[0], documents: (.[1] | tonumber)}) | sort_by(.namespace)')
    SOURCE_JSON=$(jq -cn --arg db "$BACKUP_DATABASE" --arg uri "$(redact_uri "$MONGO_URI")" '{uri: $uri, database: $db}')
    TOOLS_JSON=$(jq -cn --arg d "$(mongodump --version 2>&1 | head -n 1)" '{mongodump: $d}')
    DETAILS_JSON=$(jq -cn --argjson c "$collections" '{mongo: {format: "archive+gzip", collections: $c, documents: ([$c[].documents] | add // 0)}}')
}

# The URI without its password, for the manifest.
redact_uri() {
    sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"
}

redis_cli() {
    local args=(-h "${REDIS_HOST:-localhost}" -p "${REDIS_PORT:-6379}")
    if [ "${REDIS_TLS:-false}" = true ]; then
        args+=(--tls)
    fi
    if [ -n "${REDIS_PASSWORD:-}" ]; then
        # redis-cli reads the password from the environment: it never shows in the process list.
        REDISCLI_AUTH=$REDIS_PASSWORD redis-cli "${args[@]}" "$@"
    else
        redis-cli "${args[@]}" "$@"
    fi
}

# An RDB copy over the replication protocol (`redis-cli --rdb`), checked with redis-check-rdb,
# whose key counts are the manifest's: exactly what the snapshot holds. (ElastiCache refuses
# SYNC: managed Redis is backed up by ElastiCache snapshots instead.)
dump_redis() {
    local target="${REDIS_HOST:-localhost}:${REDIS_PORT:-6379}"
    local server_version
    server_version=$(redis_cli INFO server 2>"$WORK/redis.err" | tr -d '\r' | sed -n 's/^redis_version://p') || true
    if [ -z "$server_version" ]; then
        local reason
        reason=$(auth_failure_reason "Redis at $target" "$(cat "$WORK/redis.err")" REDIS_PASSWORD default)
        die "${reason:-Redis at $target: $(one_line "$(cat "$WORK/redis.err")")}"
    fi
    log "redis-cli --rdb from Redis $server_version at $target"
    run_dump "redis-cli --rdb from $target" redis_cli --rdb "$DUMP"
    if ! redis-check-rdb "$DUMP" >"$WORK/check-rdb.log" 2>&1 || ! grep -q 'RDB looks OK' "$WORK/check-rdb.log"; then
        die "the RDB copied from $target does not pass redis-check-rdb: $(one_line "$(tail -n 3 "$WORK/check-rdb.log")")"
    fi
    local keys expires
    keys=$(sed -nE 's/^\[info\] ([0-9]+) keys read.*/\1/p' "$WORK/check-rdb.log")
    expires=$(sed -nE 's/^\[info\] ([0-9]+) expires.*/\1/p' "$WORK/check-rdb.log")
    SOURCE_JSON=$(jq -cn --arg host "${REDIS_HOST:-localhost}" --arg port "${REDIS_PORT:-6379}" --arg v "$server_version" \
        '{host: $host, port: ($port | tonumber? // $port), serverVersion: $v}')
    TOOLS_JSON=$(jq -cn --arg c "$(redis-cli --version)" '{"redis-cli": $c}')
    DETAILS_JSON=$(jq -cn --arg k "${keys:-0}" --arg e "${expires:-0}" \
        '{redis: {format: "rdb", keys: ($k | tonumber), keysWithExpiry: ($e | tonumber)}}')
}

# ---------------------------------------------------------------------------------------------

main() {
    read_config
    local started started_iso
    started=$(now_seconds)
    started_iso=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
    log "backup of $BACKUP_ENGINE $BACKUP_SERVICE/$BACKUP_DATABASE as $STAMP, tiers: ${DUE_TIERS[*]}"

    mkdir -p "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}"
    WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/estate-backup.XXXXXX")
    mkdir "$WORK/upload"
    DUMP="$WORK/upload/$STAMP.$DUMP_EXT"
    # The dump runs while preflight() checks the bucket (run_dump).
    "dump_$BACKUP_ENGINE"

    local bytes sha dumped
    bytes=$(file_size "$DUMP")
    [ "$bytes" -gt 0 ] || die "the $BACKUP_ENGINE dump is empty"
    sha=$(sha256_of "$DUMP")
    printf '%s  %s\n' "$sha" "$STAMP.$DUMP_EXT" >"$DUMP.sha256"
    dumped=$(now_seconds)
    log "dump: $bytes bytes, sha256 $sha, $(elapsed "$started" "$dumped") s"

    wait "$VERSION_PID" || true
    local aws_version stored=() tier base output
    aws_version=$(head -n 1 "$WORK/aws-version")
    for tier in "${DUE_TIERS[@]}"; do
        base=$(base_key "$tier")
        local dump_key="$base.$DUMP_EXT"
        # Dump and checksum first (one awscli run uploads both, in parallel), the manifest only
        # after awscli reported both stored: a manifest always points at complete data. (An S3 PUT,
        # multipart or not, stores the whole object or nothing; the drill checks size and SHA-256.)
        output=$(aws_cli s3 cp --recursive "$WORK/upload/" "$(s3_url "$(dirname "$base")/")" --only-show-errors --no-progress 2>&1) \
            || die "$(explain_s3_error "uploading $(s3_url "$dump_key") and its .sha256" "$output")"
        jq -n \
            --arg service "$BACKUP_SERVICE" --arg engine "$BACKUP_ENGINE" --arg database "$BACKUP_DATABASE" \
            --arg tier "$tier" --arg stamp "$STAMP" --arg key "$dump_key" --arg sha "$sha" --arg bytes "$bytes" \
            --arg started "$started_iso" --arg finished "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" \
            --arg duration "$(elapsed "$started")" --argjson source "$SOURCE_JSON" --argjson tools "$TOOLS_JSON" \
            --arg aws "$aws_version" --argjson details "$DETAILS_JSON" \
            '{formatVersion: 1, service: $service, engine: $engine, database: $database, tier: $tier, tiers: $ARGS.positional,
              timestamp: $stamp,
              object: {key: $key, checksumKey: ($key + ".sha256"), bytes: ($bytes | tonumber), sha256: $sha},
              source: $source, tools: ($tools + {aws: $aws}),
              startedAt: $started, finishedAt: $finished, durationSeconds: ($duration | tonumber)} + $details' \
            --args "${DUE_TIERS[@]}" >"$WORK/$tier.manifest.json"
        # The put-object prepared beside the dump (prepare_uploads) gets its key only now.
        s3_put_release "$tier" "$WORK/$tier.manifest.json" "$base.manifest.json"
        stored+=("$(s3_url "$base.manifest.json")")
    done

    local duration
    duration=$(elapsed "$started")
    log "stored $bytes bytes in ${#DUE_TIERS[@]} tier(s) in $duration s: ${stored[*]}"
    local labels="engine=\"$BACKUP_ENGINE\""
    if ! push_metrics estate_backup "$(
        gauge estate_backup_last_run_success "1 if the last backup run stored its backup, 0 if it failed" 1 "$labels"
        gauge estate_backup_last_success_timestamp_seconds "End of the last successful backup" "$(date -u +%s)" "$labels"
        gauge estate_backup_duration_seconds "Duration of the last successful backup (dump and uploads)" "$duration" "$labels"
        gauge estate_backup_size_bytes "Size of the last successful backup's dump" "$bytes" "$labels"
    )"; then
        FAIL_REASON="the backup is stored, but its metrics could not be pushed to $PUSHGATEWAY_URL"
        log "error: $FAIL_REASON"
        exit "$EXIT_METRICS"
    fi
    # The newest backup of each tier: one group per tier, so each tier's series lives until that
    # tier is stored again (the dashboard's age per tier, the tier alerts).
    local ended
    ended=$(date -u +%s)
    for tier in "${DUE_TIERS[@]}"; do
        if ! push_metrics estate_backup "$(
            gauge estate_backup_tier_last_success_timestamp_seconds "End of the newest successful backup stored under this tier" "$ended" "$labels"
            gauge estate_backup_tier_size_bytes "Size of the dump of the newest backup stored under this tier" "$bytes" "$labels"
            gauge estate_backup_tier_duration_seconds "Duration of the newest backup stored under this tier (dump and uploads)" "$duration" "$labels"
        )" tier "$tier"; then
            FAIL_REASON="the backup is stored, but its $tier metrics could not be pushed to $PUSHGATEWAY_URL"
            log "error: $FAIL_REASON"
            exit "$EXIT_METRICS"
        fi
    done
    log "backup OK"
}

main
