# shellcheck shell=bash
# Progress lines for .ci/run: each phase announced with the seconds since the run started, and
# closed with its own duration; apt's output condensed to one line per package set up, so a long
# install shows what it is doing. Sourced by .ci/run (and by test/ci/ci-run.test.ts).

ci_started=${ci_started:-$SECONDS}
phase_name=""
phase_started=$SECONDS

# Ends the current phase (if any) with its duration.
phase_end() {
    if [ -n "$phase_name" ]; then
        printf '    (%s: %ds)\n' "$phase_name" $((SECONDS - phase_started))
    fi
    phase_name=""
}

# Starts a phase: "==> [+Ns] <name>", N the seconds since the run started.
phase() {
    phase_end
    phase_name=$*
    phase_started=$SECONDS
    printf '\n==> [+%ds] %s\n' $((SECONDS - ci_started)) "$phase_name"
}

# Reads apt-get's output and prints one line per package it sets up, and every error or warning;
# a heartbeat line every 30 s of nothing else, so a slow download never looks like a hang.
condense_apt() {
    local line last=$SECONDS
    while true; do
        if IFS= read -r -t 30 line; then
            case $line in
                "Setting up "*) printf '    %s\n' "${line%% (*}"; last=$SECONDS ;;
                E:* | W:* | Err:*) printf '    %s\n' "$line"; last=$SECONDS ;;
            esac
        elif [ $? -gt 128 ]; then
            # read timed out: still working
            printf '    ... still working (%ds in this phase)\n' $((SECONDS - phase_started))
        else
            break
        fi
        if [ $((SECONDS - last)) -ge 30 ]; then
            printf '    ... still working (%ds in this phase)\n' $((SECONDS - phase_started))
            last=$SECONDS
        fi
    done
}
