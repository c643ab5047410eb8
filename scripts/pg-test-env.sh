#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the atgt test suite.
#
#   source scripts/pg-test-env.sh        # install if needed, start (or reuse), export:
#                                        #   ATGT_TEST_PG_URL=postgres://atgt:atgt@127.0.0.1:PORT/atgt
#                                        #   ATGT_PG_DATA=<cluster data directory>
#   scripts/pg-test-env.sh stop          # stop the cluster found via ATGT_PG_DATA
#                                        #   (fallback: the default directory for ATGT_PG_PORT)
#   scripts/pg-test-env.sh purge         # stop it and delete its directory
#   scripts/pg-test-env.sh install       # only make sure the PostgreSQL server is installed
#   eval "$(scripts/pg-test-env.sh)"     # same as sourcing, for non-bash callers
#
# The cluster is not managed by systemd/pg_ctlcluster: it is created with initdb and
# run with pg_ctl directly, as the `postgres` OS user when invoked as root (initdb
# refuses root), otherwise as the invoking user. It listens on 127.0.0.1 only, on
# ATGT_PG_PORT (default 55432; when ATGT_PG_PORT is not set and 55432 is taken by a
# foreign server, the next ports up to 55441 are tried). The data directory is
# /tmp/atgt-pg-PORT; it also holds the Unix socket and the server log (server.log).
# Settings are the initdb defaults (fsync on) except max_connections=200,
# listen_addresses=127.0.0.1 and unix_socket_directories=<data dir>. Locale C.UTF-8
# (byte-order collation, like SQLite's BINARY) when available, else C with UTF8.
#
# ATGT_PG_CONF=<file> adds that file's settings to the cluster (copied into the data
# directory as atgt-extra.conf and included from postgresql.conf); a running cluster
# whose copy differs is restarted. bench/hub.sh runs its own cluster on another port with
# deploy/postgresql.conf this way.
#
# Idempotent: if our cluster already answers on the port (pg_isready) it is reused;
# a stopped cluster left in /tmp/atgt-pg-PORT is restarted rather than re-created.
# Role atgt (password atgt, LOGIN CREATEDB) and database atgt are ensured every time.
#
# When sourced, the only things left in the caller's shell are the two exported
# variables: all work happens in a child bash process (so `set -e` etc. behave the
# same whatever the caller's shell options are) whose output is evaluated.
# Note: `source` without arguments inherits the caller's positional parameters, so
# only an exact `stop`/`purge`/`install` first argument is treated as a command there;
# scripts should source it as `source scripts/pg-test-env.sh start`.

# ---------------------------------------------------------------- sourced mode
if [[ ${BASH_SOURCE[0]} != "$0" ]]; then
    case ${1:-} in
        stop | purge | install)
            "${BASH:-bash}" "${BASH_SOURCE[0]}" "$1"
            __atgt_pg_rc=$?
            if [[ $__atgt_pg_rc -eq 0 && $1 != install ]]; then
                unset ATGT_TEST_PG_URL ATGT_PG_DATA
            fi
            ;;
        *)
            if __atgt_pg_out=$("${BASH:-bash}" "${BASH_SOURCE[0]}" start); then
                eval "$__atgt_pg_out"
                __atgt_pg_rc=$?
            else
                __atgt_pg_rc=$?
            fi
            unset __atgt_pg_out
            ;;
    esac
    # expand the status before unsetting the variable that holds it
    eval "unset __atgt_pg_rc; return $__atgt_pg_rc"
fi

# ---------------------------------------------------------------- executed mode
set -euo pipefail

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "${t#0}"; }
t0=$(now_us)
log() { printf '[pg-test-env] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
elapsed() {
    local d=$(($(now_us) - t0))
    printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000))
}

cmd=${1:-start}
explicit_port=${ATGT_PG_PORT:-}
base_port=${ATGT_PG_PORT:-55432}
[[ $base_port =~ ^[0-9]+$ ]] || die "ATGT_PG_PORT must be a number, got '$base_port'"

if [[ $EUID -eq 0 ]]; then
    pg_user=postgres
    as_pg() { runuser -u postgres -- "$@"; }
    sudo_cmd=()
else
    pg_user=$(id -un)
    as_pg() { "$@"; }
    sudo_cmd=(sudo)
fi

find_bindir() {
    local d
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        echo /usr/lib/postgresql/15/bin
        return 0
    fi
    # otherwise the newest installed major version
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV); do
        if [[ -x $d/initdb ]]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

ensure_installed() {
    if bindir=$(find_bindir); then
        return 0
    fi
    log "PostgreSQL server not found, installing with apt-get (postgresql-15)"
    local apt=("${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
        -o Acquire::Retries=3 -o Dpkg::Use-Pty=0 -q -y --no-install-recommends)
    # Try without refreshing the package lists first (the CI runner already did
    # `apt-get update`); refresh and retry if that fails.
    if ! "${apt[@]}" install postgresql-15 >&2; then
        log "apt-get install postgresql-15 failed; running apt-get update and retrying"
        "${sudo_cmd[@]}" apt-get -o Acquire::Retries=3 -q update >&2 ||
            die "apt-get update failed"
        if ! "${apt[@]}" install postgresql-15 >&2; then
            log "postgresql-15 not installable, trying the distribution's 'postgresql'"
            "${apt[@]}" install postgresql >&2 || die "could not install PostgreSQL"
        fi
    fi
    bindir=$(find_bindir) || die "PostgreSQL installed but no /usr/lib/postgresql/*/bin/initdb found"
    log "installed PostgreSQL ($bindir) in $(elapsed)s"
}

# pid of the live postmaster owning data dir $1, or failure
live_pid() {
    local pidfile=$1/postmaster.pid pid comm
    [[ -r $pidfile ]] || return 1
    pid=$(head -n1 "$pidfile" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [[ $comm == postgres* ]] || return 1
    # a killed postmaster can linger as a zombie when nobody reaps it
    ! grep -qE '^State:[[:space:]]+[ZX]' "/proc/$pid/status" 2>/dev/null || return 1
    echo "$pid"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

ready() { "$bindir/pg_isready" -q -h 127.0.0.1 -p "$1" -t 2 >/dev/null 2>&1; }

data_dir_for() { echo "/tmp/atgt-pg-$1"; }

do_stop() {
    local purge=${1:-no} dir=${ATGT_PG_DATA:-}
    if [[ -z $dir ]]; then
        dir=$(data_dir_for "$base_port")
        log "ATGT_PG_DATA not set; using $dir"
    fi
    if [[ ! -d $dir ]]; then
        log "no cluster directory at $dir; nothing to stop"
        return 0
    fi
    [[ -f $dir/PG_VERSION ]] || die "$dir is not a PostgreSQL data directory"
    if live_pid "$dir" >/dev/null; then
        bindir=$(find_bindir) || die "PostgreSQL binaries not found"
        log "stopping cluster in $dir"
        as_pg "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >&2 ||
            die "pg_ctl stop failed (see $dir/server.log)"
    else
        log "cluster in $dir is not running"
    fi
    if [[ $purge == purge ]]; then
        log "removing $dir"
        rm -rf -- "$dir"
    fi
    log "done in $(elapsed)s"
}

# Copies ATGT_PG_CONF into the data dir $1 (and includes it); success when it changed.
apply_conf() {
    local dir=$1
    [[ -n ${ATGT_PG_CONF:-} ]] || return 1
    [[ -r $ATGT_PG_CONF ]] || die "ATGT_PG_CONF: cannot read $ATGT_PG_CONF"
    grep -q "^include_if_exists = 'atgt-extra.conf'" "$dir/postgresql.conf" ||
        echo "include_if_exists = 'atgt-extra.conf'" | as_pg tee -a "$dir/postgresql.conf" >/dev/null
    if cmp -s "$ATGT_PG_CONF" "$dir/atgt-extra.conf"; then
        return 1
    fi
    log "settings from $ATGT_PG_CONF"
    as_pg tee "$dir/atgt-extra.conf" <"$ATGT_PG_CONF" >/dev/null
}

init_cluster() {
    local dir=$1 port=$2 locale_args
    if [[ $'\n'$(locale -a 2>/dev/null)$'\n' =~ $'\n'[Cc]\.(UTF-8|utf8)$'\n' ]]; then
        locale_args=(--locale=C.UTF-8 --encoding=UTF8)
    else
        locale_args=(--locale=C --encoding=UTF8)
    fi
    rm -rf -- "$dir"
    mkdir -m 700 -- "$dir"
    if [[ $EUID -eq 0 ]]; then
        chown "$pg_user:" "$dir"
    fi
    log "initdb in $dir (superuser postgres, ${locale_args[0]})"
    # --no-sync only skips initdb's own final flush (the cluster is throwaway);
    # the server itself keeps the default fsync=on.
    as_pg "$bindir/initdb" -D "$dir" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --no-sync --no-instructions "${locale_args[@]}" \
        >"$dir.initdb.log" 2>&1 || {
        cat "$dir.initdb.log" >&2
        die "initdb failed"
    }
    rm -f -- "$dir.initdb.log"
    # local (Unix socket) trust is safe: the socket lives in the 0700 data dir.
    as_pg tee -a "$dir/postgresql.conf" >/dev/null <<EOF

# --- atgt test cluster (scripts/pg-test-env.sh) ---
listen_addresses = '127.0.0.1'
port = $port
max_connections = 200
unix_socket_directories = '$dir'
EOF
}

start_cluster() {
    local dir=$1 port=$2 pid i
    if pid=$(live_pid "$dir"); then
        # running but not answering yet (starting up / recovering)
        log "postmaster $pid already running in $dir; waiting for it to accept connections"
        for ((i = 0; i < 300; i++)); do
            ready "$port" && return 0
            sleep 0.1
        done
        die "cluster in $dir (pid $pid) does not accept connections; see $dir/server.log"
    fi
    # stale lock files from a killed server would block the start
    rm -f -- "$dir/postmaster.pid" "$dir/.s.PGSQL.$port.lock"
    log "starting cluster on 127.0.0.1:$port"
    # The long-lived postmaster must not inherit any descriptor beyond 0-2: it would
    # keep holding our flock (fd 9) or a caller's pipe (making `... | tee` hang).
    (
        for fd in "/proc/$BASHPID/fd"/*; do
            fd=${fd##*/}
            if ((fd > 2)); then
                eval "exec $fd>&-"
            fi
        done
        as_pg "$bindir/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start
    ) </dev/null >/dev/null 2>&1 || {
        tail -n 30 "$dir/server.log" >&2 2>/dev/null || true
        die "pg_ctl start failed (log: $dir/server.log)"
    }
}

ensure_role_and_db() {
    local dir=$1 port=$2
    as_pg "$bindir/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 >/dev/null <<'EOF' || die "could not create role/database atgt"
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'atgt') THEN
        CREATE ROLE atgt LOGIN CREATEDB PASSWORD 'atgt';
    ELSE
        ALTER ROLE atgt LOGIN CREATEDB PASSWORD 'atgt';
    END IF;
END
$$;
SELECT 'CREATE DATABASE atgt OWNER atgt'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'atgt') \gexec
EOF
}

do_start() {
    local port dir chosen="" last_port url major
    ensure_installed

    # Serialise concurrent invocations (e.g. two shells sourcing at once).
    # (the braces keep `2>/dev/null` from becoming permanent like the fd 9 redirect)
    if { exec 9>>"/tmp/atgt-pg-$base_port.lock"; } 2>/dev/null; then
        flock -w 120 9 || die "timed out waiting for /tmp/atgt-pg-$base_port.lock"
    fi

    if [[ -n $explicit_port ]]; then last_port=$base_port; else last_port=$((base_port + 9)); fi
    for ((port = base_port; port <= last_port; port++)); do
        dir=$(data_dir_for "$port")
        if port_in_use "$port"; then
            if live_pid "$dir" >/dev/null; then
                if apply_conf "$dir"; then
                    log "restarting cluster in $dir for the new settings"
                    as_pg "$bindir/pg_ctl" -D "$dir" -m fast -w -t 60 stop >&2 ||
                        die "pg_ctl stop failed (see $dir/server.log)"
                    start_cluster "$dir" "$port"
                elif ready "$port"; then
                    log "reusing running cluster on 127.0.0.1:$port ($dir)"
                else
                    start_cluster "$dir" "$port" # waits for it to accept connections
                fi
                chosen=$port
                break
            fi
            log "port $port is in use by another program (not our cluster in $dir)"
            continue
        fi
        major=${bindir%/bin}
        major=${major##*/}
        if [[ -f $dir/PG_VERSION && $(<"$dir/PG_VERSION") == "$major" ]]; then
            log "restarting existing cluster in $dir"
        else
            init_cluster "$dir" "$port"
        fi
        apply_conf "$dir" || true
        start_cluster "$dir" "$port"
        chosen=$port
        break
    done
    if [[ -z $chosen ]]; then
        if [[ -n $explicit_port ]]; then
            die "port $base_port (ATGT_PG_PORT) is taken by another server; choose another ATGT_PG_PORT"
        fi
        die "no usable port in $base_port..$last_port; set ATGT_PG_PORT"
    fi
    port=$chosen
    dir=$(data_dir_for "$port")

    ensure_role_and_db "$dir" "$port"
    url="postgres://atgt:atgt@127.0.0.1:$port/atgt"
    PGPASSWORD=atgt "$bindir/psql" -X -q -w -h 127.0.0.1 -p "$port" -U atgt -d atgt \
        -c 'select 1' >/dev/null 2>&1 || die "cannot log in as atgt at $url"
    log "ready: $url (data: $dir) in $(elapsed)s"
    # stdout is the machine-readable result (evaluated by the sourced mode)
    printf 'export ATGT_TEST_PG_URL=%q\nexport ATGT_PG_DATA=%q\n' "$url" "$dir"
}

case $cmd in
    start)
        do_start
        ;;
    stop) do_stop ;;
    purge) do_stop purge ;;
    install)
        ensure_installed
        log "PostgreSQL binaries: $bindir"
        ;;
    *) die "unknown command '$cmd' (expected: start | stop | purge | install)" ;;
esac
