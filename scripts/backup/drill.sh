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

Verifies the store and restores the newest complete backup of DRILL_TIER:
  1. fetch the newest manifest of the tier, its dump and .sha256, and verify them: both objects
     exist, the dump's size (the listing's) and SHA-256 equal the manifest's, the .sha256 object
     agrees; when they do not, the next older backup, and so on (the log and the result say why);
  2. restore into a scratch database created for the drill (dropped afterwards);
  3. check: postgres: the same tables with the same row counts as the manifest, then every
     DRILL_SQL_CHECKS statement; redis: the key count; mongo: documents per collection;
the RTO is the time of 1-3, in seconds. Between 1 and 2, outside the clock, the rest of the store
(<tier>/<service>/<database>/ of every tier): the newest backup of each other tier is verified
the same way, and every object must belong to a manifest and every manifest's objects must exist.
Each finding is a stderr line "INCONSISTENT: <kind>: ...", kinds orphan_object (no manifest,
older than DRILL_BACKUP_TIMEOUT_SECONDS), missing_object, size_mismatch, checksum_mismatch,
invalid_manifest; the drill then exits 1, after restoring. The restored backup's age is compared
with the RPO and the schedule, the RTO with its objective: the log says whether the store would
meet the objectives today.

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
  DRILL_RTO_OBJECTIVE_SECONDS  the RTO objective: warn when the measured RTO exceeds it
  DRILL_RPO_OBJECTIVE_SECONDS  the RPO objective: met while the restored backup is no older
  DRILL_BACKUP_INTERVAL_SECONDS  how often backup.sh runs: the schedule is met while the
                           restored backup is no older than the interval plus the timeout
  DRILL_BACKUP_TIMEOUT_SECONDS how long a backup may run (default 14400): an object without a
                           manifest younger than this may be an upload in progress
  DRILL_NOW                the time the restored backup's age is measured at, ISO 8601 UTC
                           (default: now); for tests
  BACKUP_S3_ENDPOINT_URL, AWS_*, PUSHGATEWAY_URL, BACKUP_WORK_DIR, AWS_CLI: as for backup.sh

Exit codes: 0 restored and verified, the store consistent; 1 failed (no complete backup, a
restore or check error, or any INCONSISTENT finding); 2 configuration error; 3 verified, but the
metrics push failed.
Metrics (job estate_restore_drill, grouping labels service, database):
estate_restore_drill_last_run_success, estate_restore_drill_last_run_timestamp_seconds,
estate_restore_drill_last_success_timestamp_seconds, estate_restore_drill_last_failure_timestamp_seconds,
estate_restore_drill_rto_seconds, estate_restore_drill_backup_timestamp_seconds,
estate_restore_drill_store_inconsistencies{kind}, estate_restore_drill_objectives_met{objective}
(objective: rpo, schedule, rto; only those configured).
EOF
}

handle_arguments "$@"

REPORT_FAILURES=0
WORK=""
STORE_METRICS=""
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
                [ -z "$STORE_METRICS" ] || printf '%s\n' "$STORE_METRICS"
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
    local name
    for name in DRILL_RTO_OBJECTIVE_SECONDS DRILL_RPO_OBJECTIVE_SECONDS DRILL_BACKUP_INTERVAL_SECONDS DRILL_BACKUP_TIMEOUT_SECONDS; do
        if [ -n "${!name:-}" ] && ! [[ ${!name} =~ ^[0-9]+$ ]]; then
            config_error "$name must be a whole number of seconds (got \"${!name}\")"
        fi
    done
    # backup.sh's job may run this long (the CronJob's activeDeadlineSeconds): an object without a
    # manifest that is younger may belong to a backup still uploading.
    DRILL_BACKUP_TIMEOUT_SECONDS=${DRILL_BACKUP_TIMEOUT_SECONDS:-14400}
    case $BACKUP_ENGINE in postgres) DUMP_EXT=dump ;; mongo) DUMP_EXT=archive.gz ;; redis) DUMP_EXT=rdb ;; esac

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

# The store: every tier prefix of this database. Each finding is one stderr line
# "INCONSISTENT: <kind>: <what>" and counts in estate_restore_drill_store_inconsistencies{kind}.
TIERS=(daily weekly monthly yearly)
FINDING_KINDS=(orphan_object missing_object size_mismatch checksum_mismatch invalid_manifest)
declare -A FINDINGS=() REPORTED=()
for kind in "${FINDING_KINDS[@]}"; do FINDINGS[$kind]=0; done
STORE_METRICS=""
LAST_PROBLEM=""

tier_prefix() {
    printf '%s/%s/%s/' "$1" "$BACKUP_SERVICE" "$BACKUP_DATABASE"
}

# inconsistent KIND MESSAGE: reports one finding, once per kind and message.
inconsistent() {
    LAST_PROBLEM=$2
    [ -z "${REPORTED["$1 $2"]:-}" ] || return 0
    REPORTED["$1 $2"]=1
    FINDINGS[$1]=$((FINDINGS[$1] + 1))
    printf 'INCONSISTENT: %s: %s\n' "$1" "$2" >&2
}

findings_total() {
    local kind total=0
    for kind in "${FINDING_KINDS[@]}"; do total=$((total + FINDINGS[$kind])); done
    printf '%s' "$total"
}

# list_tier TIER: the tier's listing (list-objects-v2 JSON) into $WORK/listing.TIER.json.
list_tier() {
    s3_listing "$(tier_prefix "$1")"
    printf '%s' "$LISTING" >"$WORK/listing.$1.json"
}

# listed_size TIER KEY: the size of KEY in the tier's listing, or "missing".
listed_size() {
    jq -r --arg k "$2" '[.Contents[]? | select(.Key == $k) | .Size][0] // "missing"' "$WORK/listing.$1.json"
}

# tier_manifests TIER [first]: the tier's manifest keys, newest first (keys sort by their UTC
# timestamp); with "first", only the newest.
tier_manifests() {
    jq -r --arg first "${2:-}" '[.Contents[]?.Key | select(endswith(".manifest.json"))] | sort | reverse
        | if $first == "" then .[] else (.[0] // empty) end' "$WORK/listing.$1.json"
}

# verify_backup TIER MANIFEST_KEY: fetches the manifest, the dump and its .sha256, and checks them:
# the manifest is valid and names objects in its own prefix, both objects exist, the dump's size
# and SHA-256 equal the manifest's, the .sha256 object agrees. 0 when complete and consistent
# (MANIFEST, DUMP, CHECKSUM, DUMP_KEY, BACKUP_STAMP, ROW_COUNTS, VERIFIED_BYTES, VERIFIED_SHA
# describe it); 1 after reporting what is wrong (LAST_PROBLEM); 2 when an archived object could not
# be read (not a finding: the lifecycle archives older copies).
verify_backup() {
    local tier=$1 manifest_key=$2 prefix stem fetched output archived glacier_flags=()
    prefix=$(tier_prefix "$tier")
    stem=$(basename "$manifest_key" .manifest.json)
    fetched="$WORK/fetch/$tier/$stem"
    mkdir -p "$fetched"
    # Objects in a class that needs a RestoreObject request before a GET (the listing names each
    # object's storage class).
    archived=$(jq -r --arg stem "$prefix$stem." '[.Contents[]? | select((.Key | startswith($stem)) and (.StorageClass == "GLACIER" or .StorageClass == "DEEP_ARCHIVE"))
                   | "\(.Key) (\(.StorageClass))"] | join(", ")' "$WORK/listing.$tier.json")
    if [ -n "$archived" ]; then
        local what="the newest backup"
        [ "$tier" = "$DRILL_TIER" ] || what="the newest $tier backup"
        [ "$manifest_key" = "$(tier_manifests "$tier" first)" ] || what="the backup $(s3_url "$prefix$stem")"
        warn "$what is archived: $archived; the download works only if a restored copy exists"
        glacier_flags=(--force-glacier-transfer)
    fi
    # One awscli run fetches the backup's three objects in parallel (they share the timestamp stem).
    if ! output=$(aws_cli s3 cp --recursive "$(s3_url "$prefix")" "$fetched/" --exclude "*" --include "$stem.*" "${glacier_flags[@]}" --only-show-errors --no-progress 2>&1); then
        if [ -n "$archived" ]; then
            [ "$tier" != "$DRILL_TIER" ] || die "$(archived_message "$archived")"
            warn "cannot verify $(s3_url "$manifest_key"): $(archived_message "$archived")"
            return 2
        fi
        die "$(explain_s3_error "downloading the backup $(s3_url "$prefix$stem").*" "$output")"
    fi
    MANIFEST="$fetched/$stem.manifest.json"
    if [ ! -f "$MANIFEST" ]; then
        inconsistent missing_object "object $(s3_url "$manifest_key") is missing"
        return 1
    fi
    # One jq run validates the manifest and reads every field the drill needs.
    local fields engine key checksum_key want_bytes want_sha
    if ! fields=$(jq -r 'if .formatVersion == 1 and (.object.key | type == "string") and (.object.checksumKey | type == "string")
                       and (.object.sha256 | type == "string") and (.object.bytes | type == "number")
                    then [.engine, .object.key, .object.checksumKey, .timestamp, .object.bytes, .object.sha256,
                          (if .postgres.rowCounts == "off" then "off" else "exact" end)] | map(tostring) | join("\u001f")
                    else error("invalid") end' "$MANIFEST" 2>/dev/null); then
        inconsistent invalid_manifest "manifest $(s3_url "$manifest_key") is not a valid version-1 manifest"
        return 1
    fi
    IFS=$'\x1f' read -r engine key checksum_key BACKUP_STAMP want_bytes want_sha ROW_COUNTS <<<"$fields"
    if [ "$engine" != "$BACKUP_ENGINE" ]; then
        inconsistent invalid_manifest "manifest $(s3_url "$manifest_key") is a $engine backup, not $BACKUP_ENGINE"
        return 1
    fi
    local k
    for k in "$key" "$checksum_key"; do
        if [ "$(dirname "$k")/" != "$prefix" ]; then
            inconsistent invalid_manifest "manifest $(s3_url "$manifest_key") points outside its own prefix: $k"
            return 1
        fi
        if [ "$(listed_size "$tier" "$k")" = missing ]; then
            inconsistent missing_object "object $(s3_url "$k") is missing (named by the manifest $(s3_url "$manifest_key"))"
            return 1
        fi
    done
    DUMP_KEY=$key
    DUMP="$fetched/$(basename "$key")"
    CHECKSUM="$fetched/$(basename "$checksum_key")"
    # The listing's Size is the object's Content-Length (the same figure head-object returns).
    local have_bytes have_sha stored_sha
    have_bytes=$(listed_size "$tier" "$key")
    if [ "$have_bytes" != "$want_bytes" ]; then
        inconsistent size_mismatch "dump $(s3_url "$key") is $have_bytes bytes, but its manifest says $want_bytes: the stored dump is truncated or was replaced"
        return 1
    fi
    have_sha=$(sha256_of "$DUMP")
    if [ "$have_sha" != "$want_sha" ]; then
        inconsistent checksum_mismatch "checksum mismatch for $(s3_url "$key"): SHA-256 is $have_sha, the manifest says $want_sha: the stored dump is corrupt or was altered"
        return 1
    fi
    stored_sha=$(cut -d' ' -f1 "$CHECKSUM")
    if [ "$stored_sha" != "$want_sha" ]; then
        inconsistent checksum_mismatch "checksum mismatch: $(s3_url "$checksum_key") says $stored_sha, the manifest says $want_sha"
        return 1
    fi
    VERIFIED_BYTES=$have_bytes
    VERIFIED_SHA=$have_sha
    return 0
}

# choose_backup: the newest complete and consistent backup of DRILL_TIER (SELECTED_KEY), trying
# older ones when the newest is not; OLDER_REASON says why when it is not the newest.
choose_backup() {
    local prefix manifests=() key skipped=() rc
    prefix=$(tier_prefix "$DRILL_TIER")
    list_tier "$DRILL_TIER"
    mapfile -t manifests < <(tier_manifests "$DRILL_TIER")
    [ ${#manifests[@]} -gt 0 ] || die "no backup to restore: no manifest (*.manifest.json) under $(s3_url "$prefix")"
    log "newest backup: $(s3_url "${manifests[0]}")"
    SELECTED_KEY=""
    OLDER_REASON=""
    for key in "${manifests[@]}"; do
        rc=0
        verify_backup "$DRILL_TIER" "$key" || rc=$?
        if [ "$rc" = 0 ]; then
            SELECTED_KEY=$key
            break
        fi
        skipped+=("$(s3_url "$key"): $LAST_PROBLEM")
        rm -rf "$WORK/fetch/$DRILL_TIER/$(basename "$key" .manifest.json)"
    done
    if [ -z "$SELECTED_KEY" ]; then
        NO_BACKUP_REASON="no complete backup to restore under $(s3_url "$prefix"): all ${#manifests[@]} are incomplete or inconsistent (the newest: ${skipped[0]})"
        return 0
    fi
    log "verified $(s3_url "$SELECTED_KEY"): $VERIFIED_BYTES bytes, sha256 $VERIFIED_SHA"
    if [ ${#skipped[@]} -gt 0 ]; then
        OLDER_REASON="restoring the older backup $BACKUP_STAMP because ${#skipped[@]} newer one(s) are incomplete or inconsistent: $(printf '%s; ' "${skipped[@]}" | sed 's/; $//')"
        warn "$OLDER_REASON"
    fi
}

# survey_store: the rest of the store. The newest backup of every other tier is verified like the
# restored one (size and SHA-256, so one download per tier); in every tier, each object belongs to
# a manifest, and each manifest's dump and .sha256 exist (by the keys backup.sh gives them). An
# object without a manifest younger than DRILL_BACKUP_TIMEOUT_SECONDS may be a backup still
# uploading (backup.sh stores the manifest last): it is logged, not reported.
survey_store() {
    local tier newest kind key size rc
    for tier in "${TIERS[@]}"; do
        if [ "$tier" != "$DRILL_TIER" ]; then
            list_tier "$tier"
            newest=$(tier_manifests "$tier" first)
            if [ -n "$newest" ]; then
                rc=0
                verify_backup "$tier" "$newest" || rc=$?
                [ "$rc" != 0 ] || log "verified the newest $tier backup $(s3_url "$newest")"
                rm -rf "$WORK/fetch/$tier"
            fi
        fi
        while IFS=$'\t' read -r kind key size; do
            case $kind in
                young) log "$(s3_url "$key") ($size bytes) has no manifest yet, but is younger than ${DRILL_BACKUP_TIMEOUT_SECONDS}s: a backup may still be uploading it" ;;
                orphan) inconsistent orphan_object "object $(s3_url "$key") ($size bytes) has no manifest: an interrupted or foreign upload" ;;
                missing) inconsistent missing_object "object $(s3_url "$key") is missing (named by the manifest $(s3_url "$size"))" ;;
            esac
        done < <(jq -r --arg ext "$DUMP_EXT" --argjson now "$(date -u +%s)" --argjson grace "$DRILL_BACKUP_TIMEOUT_SECONDS" '
            def stem: if endswith(".manifest.json") then .[:-14]
                      elif endswith("." + $ext + ".sha256") then .[:-(8 + ($ext | length))]
                      elif endswith("." + $ext) then .[:-(1 + ($ext | length))]
                      else . end;
            (.Contents // []) as $objects
            | ($objects | map({key: .Key, value: true}) | from_entries) as $keys
            | ($objects | map(select(.Key | endswith(".manifest.json")) | {key: (.Key | stem), value: .Key}) | from_entries) as $manifests
            | ($objects[] | select($manifests[.Key | stem] == null)
               | (if $now - (.LastModified[0:19] + "Z" | fromdateiso8601) < $grace then "young" else "orphan" end) as $kind
               | "\($kind)\t\(.Key)\t\(.Size)"),
              ($manifests | to_entries[] | .key as $s | .value as $m
               | ($s + "." + $ext, $s + "." + $ext + ".sha256") | select($keys[.] == null) | "missing\t\(.)\t\($m)")' "$WORK/listing.$tier.json")
    done
    local kind samples=()
    for kind in "${FINDING_KINDS[@]}"; do
        samples+=("${FINDINGS[$kind]}" "engine=\"$BACKUP_ENGINE\",kind=\"$kind\"")
    done
    STORE_METRICS=$(
        gauge estate_restore_drill_store_inconsistencies "Incomplete or inconsistent backups the last drill found in the store, by kind" "${samples[@]}"
    )
    local total
    total=$(findings_total)
    if [ "$total" -gt 0 ]; then
        log "store: $total finding(s) in $(s3_url "*/$BACKUP_SERVICE/$BACKUP_DATABASE/") (the INCONSISTENT lines above)"
    else
        log "store: every tier of $BACKUP_SERVICE/$BACKUP_DATABASE is complete and consistent"
    fi
}

# archived_message "KEY (CLASS), ...": why the newest backup cannot be restored, and what to do.
archived_message() {
    local first_key
    first_key=$(sed -E 's/ \([A-Z_]+\).*$//' <<<"$1")
    printf '%s' "the newest backup is archived and not restored: $1. S3 serves an archived object only after a RestoreObject request: DEEP_ARCHIVE Standard typically within 12 hours, Bulk within 48 (no Expedited); GLACIER Expedited 1-5 minutes, Standard 3-5 hours, Bulk 5-12 hours (S3 User Guide, \"Understanding archive retrieval options\"). No restore from it meets an RTO of minutes. The bucket's lifecycle keeps each tier's newest copy in a class readable at once, so the $DRILL_TIER backups have stopped (see the backup job's alerts) or the lifecycle was changed. To restore this copy anyway: aws s3api restore-object --bucket $BACKUP_BUCKET --key $first_key --restore-request '{\"Days\":1,\"GlacierJobParameters\":{\"Tier\":\"Standard\"}}' (each archived object), wait until head-object shows ongoing-request=\"false\", then run the drill again"
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

# objectives AGE RTO: compares the restored backup's age with the RPO and the backup schedule,
# and the measured RTO with its objective, for the objectives configured. Sets OBJECTIVES_SUMMARY
# and OBJECTIVE_SAMPLES (gauge samples of estate_restore_drill_objectives_met).
objectives() {
    local age=$1 rto=$2 parts=() met all=1
    OBJECTIVE_SAMPLES=()
    parts+=("the restored backup is $(human_duration "$age") old")
    if [ -n "${DRILL_RPO_OBJECTIVE_SECONDS:-}" ]; then
        # Restored now, the data written since the backup is lost: the RPO holds while that is within it.
        # A schedule sparser than the RPO misses it just before each run, whatever the age today.
        met=$([ "$age" -le "$DRILL_RPO_OBJECTIVE_SECONDS" ] && echo 1 || echo 0)
        local note=""
        if [ -n "${DRILL_BACKUP_INTERVAL_SECONDS:-}" ] && [ "$DRILL_BACKUP_INTERVAL_SECONDS" -gt "$DRILL_RPO_OBJECTIVE_SECONDS" ]; then
            met=0
            note=" (backups every $(human_duration "$DRILL_BACKUP_INTERVAL_SECONDS") cannot meet it by themselves: point-in-time recovery must)"
        fi
        parts+=("RPO $(human_duration "$DRILL_RPO_OBJECTIVE_SECONDS"): $(met_word "$met")$note")
        OBJECTIVE_SAMPLES+=("$met" "engine=\"$BACKUP_ENGINE\",objective=\"rpo\"")
        [ "$met" = 1 ] || all=0
    fi
    if [ -n "${DRILL_BACKUP_INTERVAL_SECONDS:-}" ]; then
        local allowed=$((DRILL_BACKUP_INTERVAL_SECONDS + DRILL_BACKUP_TIMEOUT_SECONDS))
        met=$([ "$age" -le "$allowed" ] && echo 1 || echo 0)
        parts+=("schedule (every $(human_duration "$DRILL_BACKUP_INTERVAL_SECONDS"), $(human_duration "$DRILL_BACKUP_TIMEOUT_SECONDS") to finish): $(met_word "$met")")
        OBJECTIVE_SAMPLES+=("$met" "engine=\"$BACKUP_ENGINE\",objective=\"schedule\"")
        [ "$met" = 1 ] || all=0
    fi
    if [ -n "${DRILL_RTO_OBJECTIVE_SECONDS:-}" ]; then
        met=$(awk -v r="$rto" -v o="$DRILL_RTO_OBJECTIVE_SECONDS" 'BEGIN { print (r <= o) ? 1 : 0 }')
        parts+=("RTO $(human_duration "$DRILL_RTO_OBJECTIVE_SECONDS"): $(met_word "$met") (${rto}s)")
        OBJECTIVE_SAMPLES+=("$met" "engine=\"$BACKUP_ENGINE\",objective=\"rto\"")
        [ "$met" = 1 ] || all=0
    fi
    if [ ${#OBJECTIVE_SAMPLES[@]} -eq 0 ]; then
        OBJECTIVES_SUMMARY="$(printf '%s' "${parts[0]}"); no objectives configured (DRILL_RPO_OBJECTIVE_SECONDS, DRILL_BACKUP_INTERVAL_SECONDS, DRILL_RTO_OBJECTIVE_SECONDS)"
    elif [ "$all" = 1 ]; then
        OBJECTIVES_SUMMARY="$(printf '%s; ' "${parts[@]}")the store would meet its objectives today"
    else
        OBJECTIVES_SUMMARY="$(printf '%s; ' "${parts[@]}")the store would NOT meet its objectives today"
    fi
}

met_word() {
    if [ "$1" = 1 ]; then printf 'met'; else printf 'NOT met'; fi
}

# human_duration SECONDS: e.g. 1d 2h, 3h 4m, 5m, 42s.
human_duration() {
    awk -v s="$1" 'BEGIN { s = int(s); d = int(s / 86400); h = int(s % 86400 / 3600); m = int(s % 3600 / 60);
        if (d > 0) printf "%dd %dh", d, h; else if (h > 0) printf "%dh %dm", h, m; else if (m > 0) printf "%dm", m; else printf "%ds", s }'
}

main() {
    read_config
    mkdir -p "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}"
    WORK=$(mktemp -d "${BACKUP_WORK_DIR:-${TMPDIR:-/tmp}}/estate-drill.XXXXXX")
    log "restore drill of $BACKUP_ENGINE $BACKUP_SERVICE/$BACKUP_DATABASE from $(s3_url "$DRILL_TIER/")"

    # The RTO counts what a restore takes: fetch and verify the backup, restore, check. The survey
    # of the rest of the store runs between, outside the clock.
    local started fetched surveyed restored checked
    started=$(now_seconds)
    NO_BACKUP_REASON=""
    choose_backup
    fetched=$(now_seconds)
    # The survey verifies other backups with the same variables: the chosen one's, kept aside.
    local selected_manifest=${MANIFEST:-} selected_dump=${DUMP:-} selected_checksum=${CHECKSUM:-} selected_key=${DUMP_KEY:-}
    local selected_stamp=${BACKUP_STAMP:-} selected_rows=${ROW_COUNTS:-}
    survey_store
    [ -z "$NO_BACKUP_REASON" ] || die "$NO_BACKUP_REASON"
    MANIFEST=$selected_manifest DUMP=$selected_dump CHECKSUM=$selected_checksum DUMP_KEY=$selected_key
    BACKUP_STAMP=$selected_stamp ROW_COUNTS=$selected_rows
    surveyed=$(now_seconds)
    "restore_$BACKUP_ENGINE"
    restored=$(now_seconds)
    "check_$BACKUP_ENGINE"
    checked=$(now_seconds)
    local rto
    rto=$(awk -v a="$(elapsed "$started" "$fetched")" -v b="$(elapsed "$surveyed" "$checked")" 'BEGIN { printf "%.3f", a + b }')
    log "check: $CHECK_SUMMARY"
    log "RTO ${rto}s (fetch and verify $(elapsed "$started" "$fetched")s, restore $(elapsed "$surveyed" "$restored")s, check $(elapsed "$restored" "$checked")s)"
    cleanup_scratch
    if [ -n "${DRILL_RTO_OBJECTIVE_SECONDS:-}" ] && awk -v r="$rto" -v o="$DRILL_RTO_OBJECTIVE_SECONDS" 'BEGIN { exit !(r > o) }'; then
        warn "the measured RTO ${rto}s exceeds the objective of ${DRILL_RTO_OBJECTIVE_SECONDS}s"
    fi

    local now backup_epoch labels="engine=\"$BACKUP_ENGINE\"" findings success=1
    now=$(date -u +%s)
    local drill_epoch=$now
    if [ -n "${DRILL_NOW:-}" ]; then
        drill_epoch=$(date -u -d "$DRILL_NOW" +%s 2>/dev/null) || die "DRILL_NOW must be an ISO 8601 time such as 2025-01-05T02:00:00Z (got \"$DRILL_NOW\")" "$EXIT_CONFIG"
    fi
    backup_epoch=$(date -u -d "$(sed -E 's/^(....)(..)(..)T(..)(..)(..)Z$/\1-\2-\3T\4:\5:\6Z/' <<<"$BACKUP_STAMP")" +%s 2>/dev/null || echo 0)
    objectives "$((drill_epoch - backup_epoch))" "$rto"
    log "objectives: $OBJECTIVES_SUMMARY"
    findings=$(findings_total)
    [ "$findings" = 0 ] || success=0
    local objectives_metric=""
    if [ ${#OBJECTIVE_SAMPLES[@]} -gt 0 ]; then
        objectives_metric=$(
            gauge estate_restore_drill_objectives_met "1 if the restored backup's age and the measured RTO meet the objective (rpo, schedule, rto), 0 if not" "${OBJECTIVE_SAMPLES[@]}"
        )
    fi
    # A drill that restored, but found the store inconsistent, is a failed drill: it reports the
    # restore's figures, and the failure (the on_exit trap).
    if ! push_metrics estate_restore_drill "$(
        gauge estate_restore_drill_last_run_success "1 if the last restore drill restored and verified the newest backup and found the store consistent, 0 if it failed" "$success" "$labels"
        gauge estate_restore_drill_last_run_timestamp_seconds "End of the last restore drill" "$now" "$labels"
        if [ "$success" = 1 ]; then
            gauge estate_restore_drill_last_success_timestamp_seconds "End of the last successful restore drill" "$now" "$labels"
        fi
        gauge estate_restore_drill_rto_seconds "Measured recovery time of the last successful drill: fetch, verify, restore and check" "$rto" "$labels"
        gauge estate_restore_drill_backup_timestamp_seconds "Time of the backup the last successful drill restored" "$backup_epoch" "$labels"
        printf '%s\n' "$STORE_METRICS"
        [ -z "$objectives_metric" ] || printf '%s\n' "$objectives_metric"
    )"; then
        [ "$success" = 1 ] || die "the store is inconsistent ($findings finding(s), the INCONSISTENT lines), and the metrics could not be pushed to $PUSHGATEWAY_URL"
        FAIL_REASON="the drill passed, but its metrics could not be pushed to $PUSHGATEWAY_URL"
        log "error: $FAIL_REASON"
        exit "$EXIT_METRICS"
    fi
    # One line for people and scripts (the benchmark reads it).
    local status="OK" older=""
    [ "$findings" = 0 ] || status="INCONSISTENT"
    [ -z "$OLDER_REASON" ] || older=" (older: the newer ones are incomplete or inconsistent)"
    printf 'drill %s: %s %s/%s backup %s%s, %s; rto_seconds=%s\n' "$status" "$BACKUP_ENGINE" "$BACKUP_SERVICE" "$BACKUP_DATABASE" "$BACKUP_STAMP" "$older" "$CHECK_SUMMARY" "$rto"
    if [ "$findings" != 0 ]; then
        die "the backup $BACKUP_STAMP restored and checked, but the store is inconsistent: $findings finding(s), see the INCONSISTENT lines${OLDER_REASON:+; $OLDER_REASON}"
    fi
}

main
