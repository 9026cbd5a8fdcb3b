#!/usr/bin/env bash
# Restore drill: fetches the newest backup of one database from the backup bucket, verifies its
# size and SHA-256, restores it into a scratch database, checks it against its manifest (and
# optional SQL checks), measures the RTO, pushes metrics, and fails loudly on any mismatch.
# Run `drill.sh --help` for the configuration.
set -Eeuo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPT_NAME=drill
# shellcheck source=scripts/backup/lib.sh
. "$SCRIPT_DIR/lib.sh"

usage() {
    cat <<'EOF'
Usage: drill.sh             (configured by environment variables)

Restores the newest backup (newest <tier>/<service>/<database>/*.manifest.json) and checks it:
  1. fetch the manifest, the dump and its .sha256;
  2. verify: the dump's size and SHA-256 equal the manifest's, and the .sha256 object agrees;
  3. restore into a scratch database created for the drill (dropped afterwards);
  4. check: postgres: the same tables with the same row counts as the manifest, then every
     DRILL_SQL_CHECKS statement; redis: the key count; mongo: documents per collection;
the RTO is the time of 1-4, in seconds.

Required (the same names as backup.sh)
  BACKUP_ENGINE            postgres | mongo | redis
  BACKUP_SERVICE           the data service's name, as in the backup's keys
  BACKUP_DATABASE          the database, as in the backup's keys (redis: default "all")
  BACKUP_BUCKET            the backup bucket
Where to restore
  postgres: DRILL_PGHOST (required: the server the scratch database is created on; never the
            source unless you mean it), DRILL_PGPORT (5432), DRILL_PGUSER, DRILL_PGPASSWORD
            (or DRILL_PGPASSWORD_FILE, a file holding it, read when the drill starts),
            DRILL_PGSSLMODE, DRILL_PGMAINTENANCE_DB (postgres): the user needs CREATEDB;
            the source's PG* variables are ignored
            DRILL_RESTORE_JOBS    pg_restore -j (default 2)
            DRILL_SQL_CHECKS      SQL checks, one SELECT per line ("--" comments allowed); each
            DRILL_SQL_CHECKS_FILE must return a row whose first column is not false/0/empty
  mongo:    DRILL_MONGO_URI (required); mongorestore, and mongosh to drop the scratch database
  redis:    a scratch redis-server on a private unix socket in the work directory;
            DRILL_REDIS_LOAD_TIMEOUT seconds to wait for the RDB to load (default 600)
Optional
  DRILL_TIER               which tier to restore from (default daily)
  DRILL_RTO_OBJECTIVE_SECONDS  warn when the measured RTO exceeds it (alerts do the paging)
  BACKUP_S3_ENDPOINT_URL, AWS_*, PUSHGATEWAY_URL, BACKUP_WORK_DIR, AWS_CLI: as for backup.sh

Exit codes: 0 restored and verified; 1 failed (missing, corrupt or mismatching backup, restore
error); 2 configuration error; 3 verified, but the metrics push failed.
Metrics (job estate_restore_drill, grouping labels service, database):
estate_restore_drill_last_run_success, estate_restore_drill_last_run_timestamp_seconds,
estate_restore_drill_last_success_timestamp_seconds, estate_restore_drill_last_failure_timestamp_seconds,
estate_restore_drill_rto_seconds, estate_restore_drill_backup_timestamp_seconds.
EOF
}

handle_arguments "$@"

REPORT_FAILURES=0
WORK=""
SCRATCH=""
SCRATCH_CREATED=0
REDIS_PID=""

# Drops what the drill created, and only that.
cleanup_scratch() {
    if [ "$SCRATCH_CREATED" = 1 ]; then
        SCRATCH_CREATED=0
        case $BACKUP_ENGINE in
            postgres)
                local output
                if output=$(psql -X -q -v ON_ERROR_STOP=1 -d "$DRILL_PGMAINTENANCE_DB" -c "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" 2>&1); then
                    log "dropped scratch database $SCRATCH"
                else
                    warn "could not drop scratch database $SCRATCH on $(pg_target): $(one_line "$output"); drop it by hand"
                fi
                ;;
            mongo)
                if ! command -v mongosh >/dev/null 2>&1; then
                    warn "mongosh is not installed: drop scratch database $SCRATCH by hand"
                elif mongosh "$DRILL_MONGO_URI" --quiet --eval "db.getSiblingDB('$SCRATCH').dropDatabase()" >/dev/null 2>&1; then
                    log "dropped scratch database $SCRATCH"
                else
                    warn "could not drop scratch database $SCRATCH; drop it by hand"
                fi
                ;;
        esac
    fi
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null || true
        wait "$REDIS_PID" 2>/dev/null || true
        REDIS_PID=""
    fi
}

on_exit() {
    local rc=$?
    # An unexpected failure (a command under set -e, a signal) exits like any other failure.
    if [ "$rc" -gt "$EXIT_METRICS" ]; then
        rc=$EXIT_FAILED
    fi
    cleanup_scratch
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        rm -rf "$WORK"
    fi
    local reason
    reason=$(failure_reason)
    rm -f "$FAIL_REASON_FILE"
    if [ "$rc" -ne 0 ] && [ "$rc" -ne "$EXIT_METRICS" ]; then
        if [ "$REPORT_FAILURES" = 1 ]; then
            local now labels="engine=\"$BACKUP_ENGINE\""
            now=$(date -u +%s)
            push_metrics estate_restore_drill "$(
                gauge estate_restore_drill_last_run_success "1 if the last restore drill restored and verified the newest backup, 0 if it failed" 0 "$labels"
                gauge estate_restore_drill_last_run_timestamp_seconds "End of the last restore drill" "$now" "$labels"
                gauge estate_restore_drill_last_failure_timestamp_seconds "End of the last failed restore drill" "$now" "$labels"
            )" || true
        fi
        log "restore drill FAILED: ${reason:-exit code $rc}"
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
        postgres) require_env BACKUP_DATABASE ;;
        mongo)
            require_env BACKUP_DATABASE
            [ "$BACKUP_DATABASE" != all ] || config_error "the mongo drill restores one database: set BACKUP_DATABASE to it (backups of \"all\" cannot be drilled)"
            ;;
        redis) BACKUP_DATABASE=${BACKUP_DATABASE:-all} ;;
        *) config_error "BACKUP_ENGINE must be postgres, mongo or redis (got \"$BACKUP_ENGINE\")" ;;
    esac
    require_safe_name BACKUP_SERVICE "$BACKUP_SERVICE"
    require_safe_name BACKUP_DATABASE "$BACKUP_DATABASE"
    REPORT_FAILURES=1
    require_env BACKUP_BUCKET
    DRILL_TIER=${DRILL_TIER:-daily}
    case $DRILL_TIER in daily | weekly | monthly | yearly) ;; *) config_error "DRILL_TIER must be daily, weekly, monthly or yearly (got \"$DRILL_TIER\")" ;; esac
    if [ -n "${DRILL_RTO_OBJECTIVE_SECONDS:-}" ] && ! [[ $DRILL_RTO_OBJECTIVE_SECONDS =~ ^[0-9]+$ ]]; then
        config_error "DRILL_RTO_OBJECTIVE_SECONDS must be a whole number of seconds (got \"$DRILL_RTO_OBJECTIVE_SECONDS\")"
    fi

    case $BACKUP_ENGINE in
        postgres)
            require_env DRILL_PGHOST
            DRILL_RESTORE_JOBS=${DRILL_RESTORE_JOBS:-2}
            [[ $DRILL_RESTORE_JOBS =~ ^[1-9][0-9]*$ ]] || config_error "DRILL_RESTORE_JOBS must be a positive integer (got \"$DRILL_RESTORE_JOBS\")"
            DRILL_PGMAINTENANCE_DB=${DRILL_PGMAINTENANCE_DB:-postgres}
            if [ -n "${DRILL_SQL_CHECKS_FILE:-}" ] && [ ! -r "$DRILL_SQL_CHECKS_FILE" ]; then
                config_error "DRILL_SQL_CHECKS_FILE \"$DRILL_SQL_CHECKS_FILE\" is not a readable file"
            fi
            # The drill talks only to the drill server: libpq's variables point there, and nothing
            # of the source's (a shared ConfigMap may carry PGUSER/PGPASSWORD) is used.
            unset PGDATABASE PGSERVICE PGUSER PGPASSWORD PGPASSWORD_FILE PGSSLMODE PGOPTIONS
            load_secret_file DRILL_PGPASSWORD
            export PGHOST=$DRILL_PGHOST PGPORT=${DRILL_PGPORT:-5432}
            [ -z "${DRILL_PGUSER:-}" ] || export PGUSER=$DRILL_PGUSER
            [ -z "${DRILL_PGPASSWORD:-}" ] || export PGPASSWORD=$DRILL_PGPASSWORD
            [ -z "${DRILL_PGSSLMODE:-}" ] || export PGSSLMODE=$DRILL_PGSSLMODE
            require_commands psql pg_restore
            ;;
        mongo)
            require_env DRILL_MONGO_URI
            require_commands mongorestore
            ;;
        redis)
            DRILL_REDIS_LOAD_TIMEOUT=${DRILL_REDIS_LOAD_TIMEOUT:-600}
            [[ $DRILL_REDIS_LOAD_TIMEOUT =~ ^[1-9][0-9]*$ ]] || config_error "DRILL_REDIS_LOAD_TIMEOUT must be a positive number of seconds (got \"$DRILL_REDIS_LOAD_TIMEOUT\")"
            require_commands redis-server redis-cli
            ;;
    esac
    require_commands "${AWS_CLI:-aws}" jq curl sha256sum
}

# ---------------------------------------------------------------------------------------------
# Fetch and verify

# Sets MANIFEST, DUMP and CHECKSUM (local files) from the newest manifest of the tier. One awscli
# run fetches the backup's three objects in parallel (they share the manifest's timestamp stem).
fetch_newest() {
    local prefix="$DRILL_TIER/$BACKUP_SERVICE/$BACKUP_DATABASE/"
    s3_listing "$prefix"
    # One jq run: the newest manifest (keys sort by their UTC timestamp, byte order), and the
    # objects of that backup in a class that needs a RestoreObject request before a GET (the
    # listing names each object's storage class).
    local manifest_key archived
    {
        IFS= read -r manifest_key
        IFS= read -r archived
    } < <(jq -r '(.Contents // []) as $objects
                 | ([$objects[].Key | select(endswith(".manifest.json"))] | sort | last // "") as $m
                 | ($m | sub("manifest\\.json$"; "")) as $stem
                 | $m, (if $m == "" then "" else
                        [$objects[] | select((.Key | startswith($stem)) and (.StorageClass == "GLACIER" or .StorageClass == "DEEP_ARCHIVE"))
                         | "\(.Key) (\(.StorageClass))"] | join(", ") end)' <<<"$LISTING")
    [ -n "$manifest_key" ] || die "no backup to restore: no manifest (*.manifest.json) under $(s3_url "$prefix")"
    log "newest backup: $(s3_url "$manifest_key")"
    local stem fetched="$WORK/fetch" output glacier_flags=()
    stem=$(basename "$manifest_key" .manifest.json)
    mkdir -p "$fetched"
    # awscli skips archived objects unless forced; forced, it gets a restored copy, or
    # InvalidObjectState while there is none.
    if [ -n "$archived" ]; then
        warn "the newest backup is archived: $archived; the download works only if a restored copy exists"
        glacier_flags=(--force-glacier-transfer)
    fi
    if ! output=$(aws_cli s3 cp --recursive "$(s3_url "$prefix")" "$fetched/" --exclude "*" --include "$stem.*" "${glacier_flags[@]}" --only-show-errors --no-progress 2>&1); then
        [ -z "$archived" ] || die "$(archived_message "$archived")"
        die "$(explain_s3_error "downloading the backup $(s3_url "$prefix$stem").*" "$output")"
    fi
    MANIFEST="$fetched/$stem.manifest.json"
    [ -f "$MANIFEST" ] || die "object $(s3_url "$manifest_key") is missing"
    # One jq run validates the manifest and reads every field the drill needs (a jq start is
    # about 20 ms; the manifest used to be read seven times).
    local fields engine key checksum_key
    fields=$(jq -r 'if .formatVersion == 1 and (.object.key | type == "string") and (.object.checksumKey | type == "string")
                       and (.object.sha256 | type == "string") and (.object.bytes | type == "number")
                    then [.engine, .object.key, .object.checksumKey, .timestamp, .object.bytes, .object.sha256,
                          (if .postgres.rowCounts == "off" then "off" else "exact" end)] | map(tostring) | join("\u001f")
                    else error("invalid") end' "$MANIFEST" 2>/dev/null) \
        || die "manifest $(s3_url "$manifest_key") is not a valid version-1 manifest"
    IFS=$'\x1f' read -r engine key checksum_key BACKUP_STAMP WANT_BYTES WANT_SHA ROW_COUNTS <<<"$fields"
    [ "$engine" = "$BACKUP_ENGINE" ] || die "manifest $(s3_url "$manifest_key") is a $engine backup, not $BACKUP_ENGINE"
    case $key in
        "$prefix"*) ;;
        *) die "manifest $(s3_url "$manifest_key") points outside its own prefix: $key" ;;
    esac
    DUMP_KEY=$key
    DUMP=$(fetched_object "$key")
    CHECKSUM=$(fetched_object "$checksum_key")
}

# archived_message "KEY (CLASS), ...": why the newest backup cannot be restored, and what to do.
archived_message() {
    local first_key
    first_key=$(sed -E 's/ \([A-Z_]+\).*$//' <<<"$1")
    printf '%s' "the newest backup is archived and not restored: $1. S3 serves an archived object only after a RestoreObject request: DEEP_ARCHIVE Standard typically within 12 hours, Bulk within 48 (no Expedited); GLACIER Expedited 1-5 minutes, Standard 3-5 hours, Bulk 5-12 hours (S3 User Guide, \"Understanding archive retrieval options\"). No restore from it meets an RTO of minutes. The bucket's lifecycle keeps each tier's newest copy in a class readable at once, so the $DRILL_TIER backups have stopped (see the backup job's alerts) or the lifecycle was changed. To restore this copy anyway: aws s3api restore-object --bucket $BACKUP_BUCKET --key $first_key --restore-request '{\"Days\":1,\"GlacierJobParameters\":{\"Tier\":\"Standard\"}}' (each archived object), wait until head-object shows ongoing-request=\"false\", then run the drill again"
}

# fetched_object KEY: the local copy of KEY; fetched with the stem when it shares it, else now.
fetched_object() {
    local key=$1 file
    file="$WORK/fetch/$(basename "$key")"
    if [ ! -f "$file" ]; then
        case $(dirname "$key")/ in
            "$DRILL_TIER/$BACKUP_SERVICE/$BACKUP_DATABASE/") ;;
            *) die "manifest names $key outside its own prefix" ;;
        esac
        s3_get "$key" "$file"
    fi
    printf '%s' "$file"
}

verify_dump() {
    local want_bytes=$WANT_BYTES have_bytes want_sha=$WANT_SHA have_sha stored_sha
    have_bytes=$(file_size "$DUMP")
    [ "$have_bytes" = "$want_bytes" ] \
        || die "dump $(s3_url "$DUMP_KEY") is $have_bytes bytes, but its manifest says $want_bytes: the stored dump is truncated or was replaced"
    have_sha=$(sha256_of "$DUMP")
    [ "$have_sha" = "$want_sha" ] \
        || die "checksum mismatch for $(s3_url "$DUMP_KEY"): SHA-256 is $have_sha, the manifest says $want_sha: the stored dump is corrupt or was altered"
    stored_sha=$(cut -d' ' -f1 "$CHECKSUM")
    [ "$stored_sha" = "$want_sha" ] \
        || die "checksum mismatch: $(s3_url "$DUMP_KEY.sha256") says $stored_sha, the manifest says $want_sha"
    log "verified $have_bytes bytes, sha256 $have_sha"
}

# ---------------------------------------------------------------------------------------------
# Restore and check, per engine. Each sets CHECK_SUMMARY.

restore_postgres() {
    SCRATCH="estate_drill_$(date -u +%Y%m%d%H%M%S)_$$"
    local output
    if ! output=$(psql -X -q -v ON_ERROR_STOP=1 -d "$DRILL_PGMAINTENANCE_DB" -c "CREATE DATABASE \"$SCRATCH\"" 2>&1); then
        local reason
        reason=$(auth_failure_reason "the drill's PostgreSQL at ${PGHOST}:${PGPORT}/$DRILL_PGMAINTENANCE_DB" "$output" DRILL_PGPASSWORD "${PGUSER:-$(id -un)}")
        die "${reason:-cannot create scratch database $SCRATCH on $(pg_target): $(one_line "$output")}"
    fi
    SCRATCH_CREATED=1
    log "pg_restore -j $DRILL_RESTORE_JOBS into scratch database $SCRATCH on ${PGHOST}:${PGPORT}"
    # Ownership and grants name roles of the source, which a drill server need not have.
    if ! pg_restore -j "$DRILL_RESTORE_JOBS" --no-owner --no-privileges --exit-on-error -d "$SCRATCH" "$DUMP" 2>"$WORK/pg_restore.err"; then
        die "pg_restore of $(s3_url "$DUMP_KEY") failed: $(one_line "$(tail -n 5 "$WORK/pg_restore.err")")"
    fi
}

check_postgres() {
    local restored problems
    restored=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$SCRATCH" -c "$(pg_tables_sql "$ROW_COUNTS")" 2>"$WORK/psql.err") \
        || die "cannot read the restored tables: $(one_line "$(cat "$WORK/psql.err")")"
    problems=$(jq -r --argjson restored "$restored" '
        def name: "\(.schema).\(.table)";
        ((.postgres.tables // []) | map({key: name, value: .rows}) | from_entries) as $want
        | ($restored | map({key: name, value: .rows}) | from_entries) as $have
        | ([$want | keys[] | . as $k | select($have | has($k) | not) | "table \(.) is missing"]
          + [$have | keys[] | . as $k | select($want | has($k) | not) | "table \(.) is not in the manifest"]
          + [$want | to_entries[] | . as $e | select($e.value != null and ($have | has($e.key)) and $have[$e.key] != $e.value)
             | "table \(.key) has \($have[.key]) rows, the manifest says \(.value)"])
        | .[]' "$MANIFEST")
    if [ -n "$problems" ]; then
        die "restored database does not match the manifest: $(paste -sd ';' <<<"$problems" | sed 's/;/; /g')"
    fi
    CHECK_SUMMARY=$(jq -r '"\(length) tables, \([.[].rows // 0] | add // 0) rows match the manifest"' <<<"$restored")
    run_sql_checks
}

# Each check: one SELECT per line; it passes when its first row's first column is not false, 0,
# NULL or empty, and fails when it returns no row or an error.
run_sql_checks() {
    local checks="" statement result count=0
    if [ -n "${DRILL_SQL_CHECKS_FILE:-}" ]; then
        checks=$(cat "$DRILL_SQL_CHECKS_FILE")
    fi
    if [ -n "${DRILL_SQL_CHECKS:-}" ]; then
        checks=$(printf '%s\n%s' "$checks" "$DRILL_SQL_CHECKS")
    fi
    while IFS= read -r statement; do
        statement=$(sed -E 's/^[[:space:]]+|[[:space:]]+$//g' <<<"$statement")
        if [ -z "$statement" ] || [[ $statement == --* ]]; then
            continue
        fi
        count=$((count + 1))
        if ! result=$(PGOPTIONS="-c default_transaction_read_only=on" psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$SCRATCH" -c "$statement" 2>&1); then
            die "SQL check failed with an error: $statement: $(one_line "$result")"
        fi
        local first
        first=$(head -n 1 <<<"$result" | cut -d'|' -f1)
        if [ -z "$result" ]; then
            die "SQL check failed: $statement returned no row"
        fi
        case $first in
            "" | f | false | 0) die "SQL check failed: $statement returned \"$(one_line "$result")\"" ;;
        esac
    done <<<"$checks"
    if [ "$count" -gt 0 ]; then
        CHECK_SUMMARY="$CHECK_SUMMARY; $count SQL check(s) passed"
    fi
}

restore_redis() {
    local dir="$WORK/redis"
    mkdir -p "$dir"
    mv "$DUMP" "$dir/dump.rdb"
    log "loading the RDB into a scratch redis-server"
    redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --dir "$dir" --dbfilename dump.rdb \
        --save "" --appendonly no --logfile "$dir/redis.log" &
    REDIS_PID=$!
    local deadline=$((SECONDS + DRILL_REDIS_LOAD_TIMEOUT)) answer=""
    while :; do
        if ! kill -0 "$REDIS_PID" 2>/dev/null; then
            REDIS_PID=""
            die "redis-server could not load the RDB $(s3_url "$DUMP_KEY"): $(one_line "$(grep -E '#|Short read|Bad|error' "$dir/redis.log" | tail -n 3)")"
        fi
        answer=$(redis-cli -s "$dir/redis.sock" PING 2>/dev/null || true)
        [ "$answer" = PONG ] && break
        [ "$SECONDS" -lt "$deadline" ] || die "the RDB did not load within ${DRILL_REDIS_LOAD_TIMEOUT}s (DRILL_REDIS_LOAD_TIMEOUT)"
        sleep 0.1
    done
    REDIS_SOCKET="$dir/redis.sock"
}

check_redis() {
    local restored want expiring
    restored=$(redis-cli -s "$REDIS_SOCKET" INFO keyspace | tr -d '\r' | sed -nE 's/^db[0-9]+:keys=([0-9]+).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    want=$(jq -r '.redis.keys' "$MANIFEST")
    expiring=$(jq -r '.redis.keysWithExpiry // 0' "$MANIFEST")
    # Keys whose TTL ran out since the backup are dropped on load: every key without a TTL must be there.
    if [ "$restored" -gt "$want" ] || [ "$restored" -lt $((want - expiring)) ]; then
        if [ "$expiring" -gt 0 ]; then
            die "restored Redis has $restored keys, the manifest says $want (of which $expiring with a TTL): expected between $((want - expiring)) and $want"
        fi
        die "restored Redis has $restored keys, the manifest says $want"
    fi
    CHECK_SUMMARY="$restored keys (manifest: $want, $expiring with a TTL)"
}

restore_mongo() {
    SCRATCH="estate_drill_$(date -u +%Y%m%d%H%M%S)_$$"
    log "mongorestore into scratch database $SCRATCH"
    SCRATCH_CREATED=1
    if ! mongorestore --uri="$DRILL_MONGO_URI" --archive="$DUMP" --gzip \
        --nsFrom="$BACKUP_DATABASE.*" --nsTo="$SCRATCH.*" 2>"$WORK/mongorestore.log"; then
        die "mongorestore of $(s3_url "$DUMP_KEY") failed: $(one_line "$(tail -n 5 "$WORK/mongorestore.log")")"
    fi
}

check_mongo() {
    # mongorestore logs "finished restoring <db>.<collection> (<n> documents, <m> failures)".
    local restored problems
    restored=$(sed -nE 's/.*finished restoring [^.]+\.([^ ]+) \(([0-9]+) documents?, ([0-9]+) failures?\).*/\1\t\2\t\3/p' "$WORK/mongorestore.log" \
        | jq -R -s -c 'split("\n") | map(select(length > 0) | split("\t") | {key: .[0], value: {documents: (.[1] | tonumber), failures: (.[2] | tonumber)}}) | from_entries')
    problems=$(jq -r --argjson have "$restored" '
        ((.mongo.collections // []) | map({key: (.namespace | sub("^[^.]+\\."; "")), value: .documents}) | from_entries) as $want
        | ([$want | keys[] | . as $k | select($have | has($k) | not) | "collection \(.) is missing"]
          + [$have | keys[] | . as $k | select($want | has($k) | not) | "collection \(.) is not in the manifest"]
          + [$want | to_entries[] | . as $e | select(($have | has($e.key)) and $have[$e.key].documents != $e.value)
             | "collection \(.key) has \($have[.key].documents) documents, the manifest says \(.value)"]
          + [$have | to_entries[] | select(.value.failures > 0) | "collection \(.key): \(.value.failures) documents failed to restore"])
        | .[]' "$MANIFEST")
    if [ -n "$problems" ]; then
        die "restored database does not match the manifest: $(paste -sd ';' <<<"$problems" | sed 's/;/; /g')"
    fi
    CHECK_SUMMARY="$(jq 'length' <<<"$restored") collections, $(jq '[.[].documents] | add // 0' <<<"$restored") documents match the manifest"
}

# ---------------------------------------------------------------------------------------------

main() {
    read_config
    mkdir -p "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}"
    WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/estate-drill.XXXXXX")
    log "restore drill of $BACKUP_ENGINE $BACKUP_SERVICE/$BACKUP_DATABASE from $(s3_url "$DRILL_TIER/")"

    local started fetched verified restored checked
    started=$(now_seconds)
    fetch_newest
    fetched=$(now_seconds)
    verify_dump
    verified=$(now_seconds)
    "restore_$BACKUP_ENGINE"
    restored=$(now_seconds)
    "check_$BACKUP_ENGINE"
    checked=$(now_seconds)
    local rto
    rto=$(elapsed "$started" "$checked")
    log "check: $CHECK_SUMMARY"
    log "RTO ${rto}s (fetch $(elapsed "$started" "$fetched")s, verify $(elapsed "$fetched" "$verified")s, restore $(elapsed "$verified" "$restored")s, check $(elapsed "$restored" "$checked")s)"
    cleanup_scratch
    if [ -n "${DRILL_RTO_OBJECTIVE_SECONDS:-}" ] && awk -v r="$rto" -v o="$DRILL_RTO_OBJECTIVE_SECONDS" 'BEGIN { exit !(r > o) }'; then
        warn "the measured RTO ${rto}s exceeds the objective of ${DRILL_RTO_OBJECTIVE_SECONDS}s"
    fi

    local now backup_epoch labels="engine=\"$BACKUP_ENGINE\""
    now=$(date -u +%s)
    backup_epoch=$(date -u -d "$(sed -E 's/^(....)(..)(..)T(..)(..)(..)Z$/\1-\2-\3T\4:\5:\6Z/' <<<"$BACKUP_STAMP")" +%s 2>/dev/null || echo 0)
    if ! push_metrics estate_restore_drill "$(
        gauge estate_restore_drill_last_run_success "1 if the last restore drill restored and verified the newest backup, 0 if it failed" 1 "$labels"
        gauge estate_restore_drill_last_run_timestamp_seconds "End of the last restore drill" "$now" "$labels"
        gauge estate_restore_drill_last_success_timestamp_seconds "End of the last successful restore drill" "$now" "$labels"
        gauge estate_restore_drill_rto_seconds "Measured recovery time of the last successful drill: fetch, verify, restore and check" "$rto" "$labels"
        gauge estate_restore_drill_backup_timestamp_seconds "Time of the backup the last successful drill restored" "$backup_epoch" "$labels"
    )"; then
        FAIL_REASON="the drill passed, but its metrics could not be pushed to $PUSHGATEWAY_URL"
        log "error: $FAIL_REASON"
        exit "$EXIT_METRICS"
    fi
    # One line for people and scripts (the benchmark reads it).
    printf 'drill OK: %s %s/%s backup %s, %s; rto_seconds=%s\n' "$BACKUP_ENGINE" "$BACKUP_SERVICE" "$BACKUP_DATABASE" "$BACKUP_STAMP" "$CHECK_SUMMARY" "$rto"
}

main
